"""Lab files: a lab described in YAML, read into a bgptopo.labmodel.Lab.
Every mistake is one sentence naming the file, the line and the fix, and
nothing is built from a file with one. The schema (version 1) is in the
README ("Your own lab from a file"); in short:

    version: 1
    ipv6: true                  # dual stack (default false)
    suite: frr                  # every router's suite unless said (frr, bird)
    ases:
      4500: {routers: [r1], prefixes: [10.0.0.0/24]}
      64512: {routers: [a, b, c], reflectors: [a], suite: bird}
      65000: {}                 # one router named as65000, prefixes from the pools
      65001: {server: lab2}     # on server lab2 under `mn --cluster localhost,lab2`
    routers:
      r1: {suite: bird}
    hosts:
      client: {router: r1, role: client}                    # image: bgptopo/host
      server: {router: r2, role: server, image: mininet}    # a plain Mininet host
    links:
      - {between: [r1, r2], relationship: provider-customer, delay: 10ms}
      - {between: [r1, r3], relationship: peer, password: s3cret,
         r1: {local_pref: 50, prepend: 2, med: 10, communities: ['4500:66'], max_prefix: 50}}
      - {between: [a, b]}       # inside one AS: no relationship
    lans:
      ixp: {routers: [r1, r2, r3], subnet: 192.168.100.0/24}"""

import ipaddress
import re

import yaml

from bgptopo import routing, valleyfree
from bgptopo.errors import LabError
from bgptopo.images import HOST_IMAGE, WEBSERVER_IMAGE
from bgptopo.labmodel import (AutonomousSystem, Lab, LabHost, LabRouter, Lan, RouterLink,
                              as_relationships)
from bgptopo.paths import shown

VERSION = 1
RELATIONSHIPS = {'peer': 'peer', 'provider-customer': 'customer',
                 'customer-provider': 'provider'}
OVERRIDES = {'local_pref': int, 'med': int, 'prepend': int, 'communities': list,
             'max_prefix': int}
SHAPING = {'delay': str, 'bw': (int, float), 'loss': (int, float)}
ROLES = {'client': HOST_IMAGE, 'server': WEBSERVER_IMAGE}
PLAIN_HOST = 'mininet'          # image: mininet is a plain Mininet host
MAX_ASN = 4294967294            # 4294967295 is reserved (RFC 7300)
NAME = re.compile(r'^[a-z][a-z0-9]*$')
MAX_NAME = 9                    # r1-eth12345: Linux names have 15 characters
COMMUNITY = re.compile(r'^\d{1,5}:\d{1,5}$')
SERVER = re.compile(r'^[A-Za-z0-9][A-Za-z0-9.:_-]*$')     # as --cluster names it


class Where(object):
    """Where a value sits in the file, for sentences."""

    def __init__(self, source, line):
        self.source, self.line = source, line

    def error(self, message):
        return LabError('%s, line %d: %s' % (self.source, self.line, message))


class Mapping(dict):
    """A YAML mapping that remembers its line and each key's."""
    line, lines = 0, None

    def line_of(self, key):
        return self.lines.get(key, self.line)


class Sequence(list):
    line = 0


class Loader(yaml.SafeLoader):
    """YAML 1.1 without its base-60 numbers (4500:66 stays a string) and
    with lines kept; a key written twice is a mistake, not an overwrite."""


Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers
            if tag not in ('tag:yaml.org,2002:int', 'tag:yaml.org,2002:float')]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
Loader.add_implicit_resolver('tag:yaml.org,2002:int', re.compile(r'^[-+]?[0-9]+$'),
                             list('-+0123456789'))
Loader.add_implicit_resolver('tag:yaml.org,2002:float',
                             re.compile(r'^[-+]?([0-9]+\.[0-9]*|\.[0-9]+)$'),
                             list('-+0123456789.'))


def construct_mapping(loader, node):
    mapping = Mapping()
    mapping.line, mapping.lines = node.start_mark.line + 1, {}
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if key in mapping:
            raise Where(loader.name, line).error(
                '%s is written twice here; keep one.' % key)
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.lines[key] = line
    return mapping


def construct_sequence(loader, node):
    sequence = Sequence(loader.construct_object(item, deep=True) for item in node.value)
    sequence.line = node.start_mark.line + 1
    return sequence


Loader.add_constructor('tag:yaml.org,2002:map', construct_mapping)
Loader.add_constructor('tag:yaml.org,2002:seq', construct_sequence)


def load(path):
    """The Lab a file describes; a LabError naming file, line and fix."""
    source = shown(path)
    try:
        with open(path) as stream:
            text = stream.read()
    except OSError as failure:
        raise LabError('cannot read the lab file %s (%s); give the path of a YAML lab file '
                       '(examples/ has some).' % (source, failure.strerror))
    return parse(text, source)


def parse(text, source='<lab file>'):
    loader = Loader(text)
    loader.name = source
    try:
        document = loader.get_single_data()
    except yaml.MarkedYAMLError as failure:
        mark = failure.problem_mark or failure.context_mark
        raise Where(source, mark.line + 1).error(
            'this is not valid YAML (%s); check the indentation and the colons.'
            % failure.problem)
    finally:
        loader.dispose()
    return Reader(source).lab(document)


class Reader(object):
    """Reads a lab file's document, section by section."""

    def __init__(self, source):
        self.source = source

    def at(self, mapping, key=None):
        line = mapping.line_of(key) if isinstance(mapping, Mapping) and key is not None \
            else getattr(mapping, 'line', 1)
        return Where(self.source, line)

    def lab(self, document):
        top = self.mapping(document, 'the lab file', Where(self.source, 1))
        self.keys(top, ('version', 'ipv6', 'suite', 'ases', 'routers', 'hosts', 'links',
                        'lans'), 'the top of a lab file')
        self.version(top)
        suite = self.suite(top, 'suite', routing.DEFAULT)
        ipv6 = self.flag(top, 'ipv6')
        ases, routers = self.ases(top, suite)
        self.router_settings(top, routers)
        hosts = self.hosts(top, routers)
        links = self.links(top, routers)
        lans = self.lans(top, routers)
        lab = Lab(self.source, ases, routers, hosts, links, lans, ipv6)
        self.require_linked(lab)
        self.require_disjoint(lab)
        return lab

    # the parts of a file

    def version(self, top):
        if 'version' not in top:
            raise self.at(top).error('a lab file starts with `version: %d`; add it.' % VERSION)
        if top['version'] != VERSION:
            raise self.at(top, 'version').error(
                'version %r is not one bgptopo reads; write `version: %d`.'
                % (top['version'], VERSION))

    def ases(self, top, suite):
        section = self.mapping(top.get('ases'), 'ases', self.at(top, 'ases'), required=True)
        ases, routers = {}, {}
        for asn, spec in section.items():
            where = self.at(section, asn)
            asn = self.asn(asn, where)
            spec = self.mapping(spec if spec is not None else Mapping(), 'AS %d' % asn, where)
            self.keys(spec, ('routers', 'prefixes', 'reflectors', 'suite', 'server'), 'an AS')
            names = self.router_names(spec, asn, where)
            for name in names:
                if name in routers:
                    raise where.error('router %s is in AS %d and AS %d; a router is in one AS.'
                                      % (name, routers[name].asn, asn))
                routers[name] = LabRouter(name, asn, self.suite(spec, 'suite', suite),
                                          where.line)
            ases[asn] = AutonomousSystem(asn, names, self.prefixes(spec),
                                         self.reflectors(spec, names, asn), where.line,
                                         self.server(spec), self.at(spec, 'server').line)
        if not ases:
            raise self.at(top, 'ases').error('the lab has no AS; list them under `ases:`.')
        return ases, routers

    def router_names(self, spec, asn, where):
        """The AS's routers: named in the file, a count (as4500a, as4500b, ...)
        or, when absent, one router named as4500."""
        given = spec.get('routers', 1)
        if isinstance(given, int) and not isinstance(given, bool):
            if not 1 <= given <= 26:
                raise self.at(spec, 'routers').error(
                    'an AS has 1 to 26 routers when counted; name them instead.')
            names = ['as%d' % asn] if given == 1 else \
                ['as%d%s' % (asn, chr(ord('a') + i)) for i in range(given)]
        else:
            names = self.sequence(given, 'routers', self.at(spec, 'routers'))
        for name in names:
            self.name(name, self.at(spec, 'routers') if 'routers' in spec else where)
        return list(names)

    def name(self, name, where):
        if not isinstance(name, str) or not NAME.match(name) or len(name) > MAX_NAME:
            raise where.error('%r is no good node name; use lower-case letters and digits, '
                              'a letter first, at most %d characters (interface names such '
                              'as %s-eth10 must fit Linux).' % (name, MAX_NAME, 'r1'))

    def prefixes(self, spec):
        where = self.at(spec, 'prefixes')
        found = []
        for text in self.sequence(spec.get('prefixes', []), 'prefixes', where):
            found.append(self.network(text, where))
        return found

    def network(self, text, where):
        try:
            return ipaddress.ip_network(str(text))
        except ValueError as failure:
            raise where.error('%s is no prefix (%s); write it like 10.0.0.0/24 or '
                              '2001:db8:1::/48.' % (text, failure))

    def reflectors(self, spec, names, asn):
        where = self.at(spec, 'reflectors')
        chosen = self.sequence(spec.get('reflectors', []), 'reflectors', where)
        for name in chosen:
            if name not in names:
                raise where.error('%s is no router of AS %d; route reflectors are among its '
                                  'routers (%s).' % (name, asn, ', '.join(names)))
        return list(chosen)

    def server(self, spec):
        """The server an AS is pinned to (`mn --cluster`, bgptopo/cluster.py), or None."""
        if 'server' not in spec:
            return None
        value = spec['server']
        if not isinstance(value, str) or not SERVER.match(value):
            raise self.at(spec, 'server').error(
                'server: %r is no server name; write a host name or address as --cluster '
                'lists it, e.g. `server: lab2`.' % (value,))
        return value

    def router_settings(self, top, routers):
        section = self.mapping(top.get('routers', Mapping()), 'routers', self.at(top, 'routers'))
        for name, spec in section.items():
            where = self.at(section, name)
            self.known_router(name, routers, where)
            spec = self.mapping(spec, 'router %s' % name, where)
            self.keys(spec, ('suite',), 'a router')
            routers[name] = routers[name]._replace(
                suite=self.suite(spec, 'suite', routers[name].suite))

    def hosts(self, top, routers):
        section = self.mapping(top.get('hosts', Mapping()), 'hosts', self.at(top, 'hosts'))
        hosts = {}
        for name, spec in section.items():
            where = self.at(section, name)
            self.name(name, where)
            if name in routers:
                raise where.error('%s is a router and a host; give the host another name.'
                                  % name)
            spec = self.mapping(spec, 'host %s' % name, where)
            self.keys(spec, ('router', 'role', 'image') + tuple(SHAPING), 'a host')
            if 'router' not in spec:
                raise where.error('host %s needs `router:`, the router it hangs off.' % name)
            self.known_router(spec['router'], routers, self.at(spec, 'router'))
            role = spec.get('role')
            if role not in (None,) + tuple(ROLES):
                raise self.at(spec, 'role').error('role %r is not one of client, server; the '
                                                  'client fetches the server\'s page.' % role)
            image = spec.get('image', ROLES.get(role, HOST_IMAGE))
            hosts[name] = LabHost(name, spec['router'], None if image == PLAIN_HOST else image,
                                  role, self.shaping(spec), where.line)
        for role in ROLES:
            having = [h.name for h in hosts.values() if h.role == role]
            if len(having) > 1:
                raise Where(self.source, hosts[having[1]].line).error(
                    '%s and %s are both the %s; a lab has one.' % (having[0], having[1], role))
        return hosts

    def links(self, top, routers):
        where = self.at(top, 'links')
        links = []
        for spec in self.sequence(top.get('links', []), 'links', where):
            spec = self.mapping(spec, 'a link', where)
            links.append(self.link(spec, routers))
        self.require_consistent(links, routers)
        return links

    def link(self, spec, routers):
        pair = spec.get('between')
        ends = tuple(pair) if isinstance(pair, list) else ()
        if len(ends) != 2 or ends[0] == ends[1]:
            raise self.at(spec, 'between').error(
                'a link joins two routers: write `between: [r1, r2]`.')
        self.keys(spec, ('between', 'relationship', 'policy', 'password') + tuple(SHAPING) +
                  ends, 'a link')
        for end in ends:
            self.known_router(end, routers, self.at(spec, 'between'))
        a, b = ends
        same_as = routers[a].asn == routers[b].asn
        relationship, policy = self.relationship(spec, a, b, same_as)
        overrides = {end: self.overrides(spec, end) for end in ends if end in spec}
        if same_as and overrides:
            raise self.at(spec, next(iter(overrides))).error(
                'session settings are for links between ASes; %s and %s are both in AS %d.'
                % (a, b, routers[a].asn))
        password = spec.get('password')
        if password is not None and not (isinstance(password, str) and password.isprintable()
                                         and ' ' not in password and len(password) <= 80):
            raise self.at(spec, 'password').error('a password is one word of at most 80 '
                                                  'characters; quote it.')
        return RouterLink(a, b, relationship, policy, password, overrides,
                          self.shaping(spec), spec.line)

    def relationship(self, spec, a, b, same_as):
        """(what b is to a, policy) of a link."""
        written, policy = spec.get('relationship'), spec.get('policy')
        if policy not in (None, 'none'):
            raise self.at(spec, 'policy').error('policy %r is unknown; `policy: none` gives '
                                                'sessions that accept the lab\'s prefixes, '
                                                'or leave it out for relationships.' % policy)
        if same_as:
            if written or policy:
                raise self.at(spec, 'relationship' if written else 'policy').error(
                    '%s and %s are in one AS, so their link has no relationship or policy '
                    '(iBGP takes everything); remove it.' % (a, b))
            return None, None
        if written and policy:
            raise self.at(spec, 'policy').error('a link has a relationship or `policy: none`, '
                                                'not both; remove one.')
        if policy:
            return None, policy
        if written not in RELATIONSHIPS:
            raise self.at(spec, 'relationship' if written else None).error(
                'the link between %s and %s needs `relationship:` peer, provider-customer '
                '(%s is %s\'s provider) or customer-provider, or `policy: none`.' % (a, b, a, b))
        return RELATIONSHIPS[written], None

    def overrides(self, spec, end):
        settings = self.mapping(spec[end], 'session settings of %s' % end, self.at(spec, end))
        self.keys(settings, tuple(OVERRIDES), 'session settings')
        for key, kind in OVERRIDES.items():
            if key in settings:
                value = settings[key]
                good = isinstance(value, kind) and not isinstance(value, bool)
                if key == 'communities':
                    good = good and all(isinstance(c, str) and COMMUNITY.match(c) and
                                        max(map(int, c.split(':'))) <= 65535 for c in value)
                elif good:
                    good = value >= 0 and (key != 'max_prefix' or value > 0)
                if not good:
                    raise self.at(settings, key).error(
                        '%s=%r is not right; %s.' % (key, value, OVERRIDE_HELP[key]))
        return dict(settings)

    def lans(self, top, routers):
        section = self.mapping(top.get('lans', Mapping()), 'lans', self.at(top, 'lans'))
        lans = []
        for name, spec in section.items():
            where = self.at(section, name)
            self.name(name, where)
            if name in routers:
                raise where.error('%s is a router and a LAN; give the LAN another name.' % name)
            spec = self.mapping(spec, 'LAN %s' % name, where)
            self.keys(spec, ('routers', 'subnet', 'policy'), 'a LAN')
            members = self.sequence(spec.get('routers'), 'routers', self.at(spec, 'routers'))
            for member in members:
                self.known_router(member, routers, self.at(spec, 'routers'))
            if len(set(members)) < 2:
                raise self.at(spec, 'routers').error('a LAN joins two or more routers; list '
                                                     'them under routers.')
            policy = spec.get('policy')
            if policy not in (None, 'none'):
                raise self.at(spec, 'policy').error('a LAN\'s routers peer with each other; '
                                                    'the only policy to say is `none`.')
            subnet = spec.get('subnet')
            subnet = self.network(subnet, self.at(spec, 'subnet')) if subnet else None
            if subnet is not None and (subnet.version != 4 or subnet.num_addresses < 4 +
                                       len(members)):
                raise self.at(spec, 'subnet').error('a LAN\'s subnet is IPv4 with room for '
                                                    'its routers, e.g. 192.168.100.0/24.')
            lans.append(Lan(name, list(members), policy, subnet, where.line))
        return lans

    # checks across sections

    def require_linked(self, lab):
        linked = {end for link in lab.links for end in (link.a, link.b)}
        linked.update(name for lan in lab.lans for name in lan.routers)
        for name, router in lab.routers.items():
            if name not in linked and len(lab.routers) > 1:
                raise Where(self.source, router.line).error(
                    'router %s has no link; link it under `links:` (or remove it).' % name)

    def require_consistent(self, links, routers):
        """Every link between two ASes says the same relationship."""
        seen = {}
        for link in links:
            if not link.relationship:
                continue
            pair = (routers[link.a].asn, routers[link.b].asn)
            said = {pair: link.relationship}
            said.update(as_relationships_of([link], routers))
            for key, value in said.items():
                if seen.get(key, value) != value:
                    raise Where(self.source, link.line).error(
                        'this link makes AS %d and AS %d %s, another made them otherwise; '
                        'one relationship per pair of ASes.' % (key[0], key[1], 'peers'
                                                                if value == 'peer' else
                                                                'provider and customer'))
                seen[key] = value

    def require_disjoint(self, lab):
        """No prefix of one AS overlaps another's or a LAN's subnet."""
        owned = [(prefix, 'AS %d' % asn, spec.line) for asn, spec in lab.ases.items()
                 for prefix in spec.prefixes]
        owned += [(lan.subnet, 'LAN %s' % lan.name, lan.line) for lan in lab.lans if lan.subnet]
        for i, (prefix, owner, line) in enumerate(owned):
            for other, other_owner, other_line in owned[:i]:
                if prefix.version == other.version and prefix.overlaps(other):
                    raise Where(self.source, line).error(
                        '%s of %s overlaps %s of %s (line %d); give each its own addresses.'
                        % (prefix, owner, other, other_owner, other_line))

    # small readers

    def mapping(self, value, what, where, required=False):
        if value is None and not required:
            return Mapping()
        if not isinstance(value, Mapping):
            raise where.error('%s should be a mapping (key: value lines); see the README\'s '
                              'example.' % what)
        return value

    def sequence(self, value, what, where):
        if value is None:
            value = []
        if not isinstance(value, list):
            raise where.error('%s should be a list, e.g. [r1, r2].' % what)
        return value

    def keys(self, mapping, allowed, what):
        for key in mapping:
            if key not in allowed:
                raise self.at(mapping, key).error('%s is no key of %s; the keys are %s.'
                                                  % (key, what, ', '.join(map(str, allowed))))

    def known_router(self, name, routers, where):
        if name not in routers:
            raise where.error('%s is no router of this lab; the routers are %s (name it under '
                              'an AS\'s routers).' % (name, ', '.join(sorted(routers))))

    def asn(self, value, where):
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ASN:
            raise where.error('%r is no AS number; ASes are numbered 1 to %d, written as plain '
                              'numbers (4500, not AS4500).' % (value, MAX_ASN))
        return value

    def suite(self, spec, key, default):
        value = spec.get(key, default)
        if value not in routing.SUITES:
            raise self.at(spec, key).error('%r is no routing suite; the suites are %s.'
                                           % (value, ', '.join(sorted(routing.SUITES))))
        return value

    def flag(self, spec, key):
        value = spec.get(key, False)
        if not isinstance(value, bool):
            raise self.at(spec, key).error('%s is true or false.' % key)
        return value

    def shaping(self, spec):
        found = {}
        for key, kind in SHAPING.items():
            if key in spec:
                value = spec[key]
                if isinstance(value, bool) or not isinstance(value, kind) or \
                        (key == 'delay' and not re.match(r'^\d+(\.\d+)?(us|ms|s)$', value)) or \
                        (key != 'delay' and not 0 <= value <= (100 if key == 'loss' else 100000)):
                    raise self.at(spec, key).error('%s=%r is not right; %s.'
                                                   % (key, value, SHAPING_HELP[key]))
                found[key] = value
        return found


OVERRIDE_HELP = {
    'local_pref': 'local_pref is a whole number, e.g. 50 (higher wins)',
    'med': 'med is a whole number, e.g. 10 (lower wins)',
    'prepend': 'prepend is how many extra times the AS goes on the path, e.g. 2',
    'communities': "communities is a list of quoted pairs, e.g. ['4500:66']",
    'max_prefix': 'max_prefix is the most prefixes accepted, e.g. 100'}
SHAPING_HELP = {
    'delay': 'delay is a time such as 10ms',
    'bw': 'bw is in Mbit/s, e.g. 10',
    'loss': 'loss is a percentage, 0 to 100'}


def warnings(lab):
    """Sentences about a lab that builds but may not do what its author
    meant: a loop of providers (each AS its customer's customer), under
    which no AS is at the top of the routes that go round it."""
    found = []
    for cycle in valleyfree.provider_cycles(as_relationships(lab)):
        first = next(link for link in lab.links
                     if {lab.routers[link.a].asn, lab.routers[link.b].asn} == set(cycle[:2]))
        found.append(Where(lab.source, first.line).error(
            'warning: the ASes %s are each other\'s providers in a loop (%s is %s\'s '
            'provider, ..., %s is %s\'s); valley-free routes cannot go round it, check the '
            'relationships.' % (', '.join(map(str, cycle)), cycle[0], cycle[1], cycle[-1],
                                cycle[0])))
    return [str(sentence) for sentence in found]


def as_relationships_of(links, routers):
    """as_relationships for links not yet in a Lab."""
    return as_relationships(Lab(None, {}, routers, {}, links, [], False))
