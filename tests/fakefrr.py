"""The fake lab's BGP (tests/fakelab.py): what each router runs and holds,
as its case describes it, and FRR 8.4's answers to the vtysh commands the
FRR suite sends, shaped as the real answers captured in tests/fixtures/frr/
(each answer is built from such a sample, with the case's values).

A router's running state in a case (case.yml, `routers:`), every key optional:
  bgpd: down              its bgpd is not running (default: running)
  sessions: {ADDRESS: STATE}   a configured neighbor's session that is not
                          Established (default: Established)
  best: {PREFIX: local | PEER}  its best route per prefix: its own, or the
                          one it keeps from router PEER
  advertised: {PEER: [PREFIX]}  what its export policy passes to PEER
  kept: {PEER: [PREFIX]}  what its import policy keeps from PEER
  addresses: {INTERFACE: [ADDRESS/LEN]}  addresses added at the running node
What FRR derives by itself is derived: it advertises only best routes, keeps
only what the peer advertised less the routes whose AS path holds its own AS,
counts the routes it keeps as the session's prefixes received, and a route's
AS path is the sender's AS before the sender's path."""

import ipaddress
import json
import os
import re

TESTS_DIR = os.path.dirname(os.path.abspath(__file__))
SAMPLES_DIR = os.path.join(TESTS_DIR, 'fixtures', 'frr')
LOCAL = 'local'
ESTABLISHED = 'Established'
ROUTER_KEYS = {'bgpd', 'sessions', 'best', 'advertised', 'kept', 'addresses'}
# the real answers in tests/fixtures/frr/, named <lab state>.<node>.<what>:
# what was asked for each <what> (tests/fixtures/frr/capture.py asks it)
VTYSH_SAMPLES = {'summary.json': 'show bgp summary json', 'bgp.json': 'show ip bgp json',
                 'bgp6.json': 'show bgp ipv6 unicast json',
                 'running-config.txt': 'show running-config',
                 'bgp-prefix.json': 'show ip bgp 12.0.0.0/24 json',
                 'bgp-address.json': 'show ip bgp 12.0.0.1 json',
                 'bgp-no-route.json': 'show ip bgp 99.0.0.0/24 json',
                 'advertised-routes.json':
                     'show ip bgp neighbors 192.168.12.2 advertised-routes json',
                 'routes.json': 'show ip bgp neighbors 192.168.12.2 routes json'}
SHELL_SAMPLES = {'route-get.json': 'ip -j route get 12.0.0.1', 'addr.json': 'ip -j -4 addr show',
                 'curl.txt': 'curl -sS --fail --max-time 2 http://12.0.0.1/ 2>&1; '
                             'echo "curl-exit=$?"'}
SHOW_ROUTE = re.compile(r'show ip bgp (?P<what>[\d./]+) json$')
NEIGHBOR = re.compile(r'show ip bgp neighbors (?P<address>[\d.]+) '
                      r'(?P<what>advertised-routes|routes) json$')


class ImpossibleState(Exception):
    """A case describes a lab state no running lab could be in."""


def sample(name):
    """A real answer captured in tests/fixtures/frr/, as text."""
    with open(os.path.join(SAMPLES_DIR, name)) as found:
        return found.read()


def sample_json(name):
    return json.loads(sample(name))


def route_template(paths, best, local):
    """The first path of a captured `show ip bgp json` route list that is
    (or is not) best and local: the keys FRR prints for such a path."""
    return next(p for p in paths if bool(p.get('bestpath')) == best and
                (p.get('path', p.get('aspath', {}).get('string')) in ('', 'Local')) == local)


class Templates(object):
    """The captured answers each fake answer is shaped after. Answers copy
    their parts shallowly and replace, never change, what is nested."""

    def __init__(self):
        self.summary = sample_json('solved.r1.summary.json')['ipv4Unicast']
        self.table = sample_json('solved.r1.bgp.json')
        self.prefix = sample_json('solved.r1.bgp-prefix.json')
        self.own_prefix = sample_json('solved.r2.bgp-prefix.json')
        self.advertised = sample_json('solved.r1.advertised-routes.json')
        self.running = sample('solved.r1.running-config.txt')
        self.no_bgp = sample('exercise.r1.bgp.json')

    def table_path(self, best, local):
        return dict(route_template(
            [p for paths in self.table['routes'].values() for p in paths], best, local))

    def prefix_path(self, best, local):
        paths = self.own_prefix['paths'] if local else self.prefix['paths']
        return dict(route_template(paths, best, local))

    def advertised_route(self, local):
        return dict(next(r for r in self.advertised['advertisedRoutes'].values()
                         if (r['path'] == '') == local))

    def running_header(self):
        """`show running-config`'s lines before the daemons' own."""
        return self.running.split('!\n', 1)[0] + '!\n' + '\n'.join(
            self.running.split('!\n', 1)[1].splitlines()[:2]) + '\n'


TEMPLATES = Templates()


class BgpState(object):
    """The BGP of every router of a fake net: what it runs and holds (its
    config's neighbors, its case's state), and FRR's answers about it."""

    def __init__(self, net, routers):
        self.net, self.memo = net, {}
        names = {router.name for router in net.routers()}
        for name, state in routers.items():
            if name not in names:
                raise ImpossibleState('the lab has no router %s' % name)
            wrong = set(state or {}) - ROUTER_KEYS
            if wrong:
                raise ImpossibleState("%s: %s is no part of a router's state (those are %s)" % (
                    name, ', '.join(sorted(wrong)), ', '.join(sorted(ROUTER_KEYS))))

    # who is who

    def owner(self, router, address):
        """The router linked to router that holds address, or None (eBGP
        peers are one hop apart)."""
        address = ipaddress.ip_address(address)
        return next((intf.far_node() for intf in router.intfList()
                     if intf.far_node() in self.net.routers() and intf.far_node().holds(address)),
                    None)

    def neighbor_address(self, router, peer):
        """router's configured neighbor that is one of peer's addresses on
        their links, or None."""
        for _, theirs in router.connectionsTo(peer):
            for address in peer.addresses().get(theirs.name, []):
                if str(address.ip) in router.bgp['neighbors']:
                    return address.ip
        return None

    def session_state(self, router, address):
        return (router.state.get('sessions') or {}).get(str(address), ESTABLISHED)

    def established(self, router, peer):
        address = self.neighbor_address(router, peer)
        return router.has_bgp() and address is not None and \
            self.session_state(router, address) == ESTABLISHED

    def peers(self, router):
        """The routers linked to router, once each, in link order."""
        found = []
        for intf in router.intfList():
            peer = intf.far_node()
            if peer in self.net.routers() and peer not in found:
                found.append(peer)
        return found

    # what each router holds

    def remembered(self, what, *args):
        """what(*args), worked out once: the state does not change while a case is asked."""
        key = (what.__name__,) + args
        if key not in self.memo:
            self.memo[key] = what(*args)
        return self.memo[key]

    def best(self, router):
        """{ip_network: LOCAL or the peer router it came from}."""
        return self.remembered(self.best_now, router)

    def best_now(self, router):
        if not router.has_bgp():
            return {}
        return {ipaddress.ip_network(prefix): source if source == LOCAL else self.net[source]
                for prefix, source in (router.state.get('best') or {}).items()}

    def best_routes(self, router):
        """{ip_network: next hop address, None for its own}: what zebra installs."""
        return {prefix: None if source == LOCAL else self.neighbor_address(router, source)
                for prefix, source in self.best(router).items()}

    def path(self, router, prefix, through=()):
        """The AS path (a list of ASes) of router's best route to prefix."""
        source = self.best(router)[prefix]
        if source == LOCAL:
            return []
        if source in through or prefix not in self.best(source):
            raise ImpossibleState('%s\'s best route to %s comes from %s, which holds none to '
                                  'pass on' % (router.name, prefix, source.name))
        return [source.bgp['asn']] + self.path(source, prefix, through + (router,))

    def listed(self, router, key, peer):
        return {ipaddress.ip_network(p) for p in (router.state.get(key) or {}).get(peer.name) or []}

    def advertised(self, router, peer):
        """What router sends peer: what its policy passes of its best routes."""
        return self.remembered(self.advertised_now, router, peer)

    def advertised_now(self, router, peer):
        if not self.established(router, peer):
            return set()
        return self.listed(router, 'advertised', peer) & set(self.best(router))

    def kept(self, router, peer):
        """What router keeps from peer: what its policy passes of what the
        peer sent, less what holds router's own AS (the loop rule)."""
        return self.remembered(self.kept_now, router, peer)

    def kept_now(self, router, peer):
        if not self.established(router, peer):
            return set()
        return {p for p in self.listed(router, 'kept', peer) & self.advertised(peer, router)
                if router.bgp['asn'] not in self.path(peer, p)}

    # a state no lab could be in

    def check(self):
        for router in self.net.routers():
            if not router.has_bgp():
                continue
            for address, neighbor in router.bgp['neighbors'].items():
                if self.session_state(router, address) == ESTABLISHED:
                    self.check_session(router, address, neighbor)
            for prefix, source in self.best(router).items():
                if source != LOCAL and prefix not in self.kept(router, source):
                    raise ImpossibleState('%s\'s best route to %s comes from %s, which it did '
                                          'not keep from %s' % (router.name, prefix, source.name,
                                                                source.name))
                self.path(router, prefix)
            for peer in self.peers(router):
                for prefix in self.kept(router, peer) - set(self.best(router)):
                    raise ImpossibleState('%s keeps %s from %s, yet has no best route to it'
                                          % (router.name, prefix, peer.name))

    def check_session(self, router, address, neighbor):
        """An Established session needs its peer linked, up, running BGP in
        the AS router expects, expecting router's AS, Established too."""
        peer = self.owner(router, address)
        said = "%s's session to %s cannot be Established: " % (router.name, address)
        if peer is None:
            raise ImpossibleState(said + 'no router linked to %s holds that address' % router.name)
        if not all(mine.isUp() for mine, _ in router.connectionsTo(peer)):
            raise ImpossibleState(said + 'the link to %s is down' % peer.name)
        if not peer.has_bgp():
            raise ImpossibleState(said + '%s runs no BGP' % peer.name)
        if neighbor.get('remote-as') != str(peer.bgp['asn']):
            raise ImpossibleState(said + '%s runs AS %s' % (peer.name, peer.bgp['asn']))
        back = self.neighbor_address(peer, router)
        if back is None or peer.bgp['neighbors'][str(back)].get('remote-as') != \
                str(router.bgp['asn']):
            raise ImpossibleState(said + '%s does not expect AS %s there' % (
                peer.name, router.bgp['asn']))
        if not self.established(peer, router):
            raise ImpossibleState(said + "%s's session to it is %s" % (
                peer.name, self.session_state(peer, back)))

    # FRR's answers

    def vtysh(self, router, command):
        if command == 'show running-config':
            return self.running_config(router)
        if not router.bgp_running():
            router.unknown("vtysh -c '%s' (its bgpd is not running)" % command)
        if command == 'show bgp summary json':
            return json.dumps({'ipv4Unicast': self.summary(router)}) \
                if router.has_bgp() else '{}\n'
        if not router.has_bgp():
            return TEMPLATES.no_bgp
        if command == 'show ip bgp json':
            return json.dumps(dict(self.table_top(router), routes=self.table(router)))
        if command == 'show bgp ipv6 unicast json':     # the cases hold IPv4 routes only
            return json.dumps(dict(self.table_top(router), routes={}))
        asked = NEIGHBOR.match(command)
        if asked:
            return self.neighbor_answer(router, asked.group('address'), asked.group('what'))
        asked = SHOW_ROUTE.match(command)
        if asked:
            return json.dumps(self.route_answer(router, asked.group('what')))
        return router.unknown("vtysh -c '%s'" % command)

    def running_config(self, router):
        """FRR's header, zebra's part (the addresses file), bgpd's (if running), end."""
        parts = [TEMPLATES.running_header(), conf_text(router.address_file())]
        if router.bgp_running():
            parts.append(conf_text(router.bgpd_file()))
        return ''.join(parts) + 'end\n'

    def summary(self, router):
        top = dict(TEMPLATES.summary)
        template = next(iter(top['peers'].values()))
        top['peers'] = {address: self.summary_peer(router, address, neighbor, template)
                        for address, neighbor in router.bgp['neighbors'].items()}
        failed = [p for p in top['peers'].values() if p['state'] != ESTABLISHED]
        top.update({'routerId': router.bgp['router_id'] or '0.0.0.0', 'as': router.bgp['asn'],
                    'peerCount': len(top['peers']), 'failedPeers': len(failed),
                    'displayedPeers': len(top['peers']), 'totalPeers': len(top['peers'])})
        return top

    def summary_peer(self, router, address, neighbor, template):
        peer = self.owner(router, address)
        state = self.session_state(router, address)
        up = peer is not None and state == ESTABLISHED
        entry = dict(template, remoteAs=as_number(neighbor.get('remote-as')),
                     localAs=router.bgp['asn'], state=state,
                     pfxRcd=len(self.kept(router, peer)) if up else 0,
                     pfxSnt=len(self.advertised(router, peer)) if up else 0)
        entry['connectionsEstablished'] = int(up)
        for key, value in (('hostname', peer and peer.name), ('desc', neighbor.get('description'))):
            if value:
                entry[key] = value
            else:
                entry.pop(key, None)
        return entry

    def table_top(self, router):
        top = {k: v for k, v in TEMPLATES.table.items() if k != 'routes'}
        top.update(routerId=router.bgp['router_id'] or '0.0.0.0', localAS=router.bgp['asn'])
        return top

    def paths(self, router):
        """{prefix: [(source, is it the best)]}: every path router holds,
        its own and those kept from each peer."""
        found = {}
        best = self.best(router)
        for prefix, source in best.items():
            if source == LOCAL:
                found.setdefault(prefix, []).append((LOCAL, True))
        for peer in self.peers(router):
            for prefix in sorted(self.kept(router, peer)):
                found.setdefault(prefix, []).append((peer, best.get(prefix) is peer))
        return found

    def table(self, router, only_from=None):
        return {str(prefix): [self.table_path(router, prefix, source, best)
                              for source, best in paths if only_from in (None, source)]
                for prefix, paths in sorted(self.paths(router).items())
                if any(only_from in (None, source) for source, _ in paths)}

    def table_path(self, router, prefix, source, best):
        local = source == LOCAL
        entry = TEMPLATES.table_path(best, local)
        nexthop, name, as_path = self.hop(router, prefix, source)
        entry.update(prefix=str(prefix.network_address), prefixLen=prefix.prefixlen,
                     network=str(prefix), path=as_path)
        if not local:
            entry['peerId'] = nexthop
        entry['nexthops'] = [dict(entry['nexthops'][0], ip=nexthop, hostname=name)]
        return entry

    def hop(self, router, prefix, source):
        """(next hop, its router's name, AS path string) of a path router holds."""
        if source == LOCAL:
            return '0.0.0.0', router.name, ''
        path = [source.bgp['asn']] + self.path(source, prefix)
        return str(self.neighbor_address(router, source)), source.name, \
            ' '.join(map(str, path))

    def route_answer(self, router, what):
        """`show ip bgp PREFIX json` (that prefix) or `ADDRESS json` (the
        longest match); {} when it holds none."""
        paths = self.paths(router)
        if '/' in what:
            prefix = ipaddress.ip_network(what)
            matches = [prefix] if prefix in paths else []
        else:
            matches = sorted((p for p in paths if ipaddress.ip_address(what) in p),
                             key=lambda p: p.prefixlen)[-1:]
        if not matches:
            return {}
        prefix = matches[0]
        answer = {k: v for k, v in TEMPLATES.prefix.items() if k != 'paths'}
        answer['prefix'] = str(prefix)
        answer['advertisedTo'] = {str(self.neighbor_address(router, peer)): {'hostname': peer.name}
                                  for peer in self.peers(router)
                                  if prefix in self.advertised(router, peer)}
        answer['paths'] = [self.prefix_path(router, prefix, source, best)
                           for source, best in paths[prefix]]
        return answer

    def prefix_path(self, router, prefix, source, best):
        local = source == LOCAL
        entry = TEMPLATES.prefix_path(best, local)
        nexthop, name, as_path = self.hop(router, prefix, source)
        entry['aspath'] = dict(entry['aspath'], string=as_path or 'Local', length=len(
            as_path.split()), segments=[{'type': 'as-sequence', 'list': [
                int(a) for a in as_path.split()]}] if as_path else [])
        entry['nexthops'] = [dict(entry['nexthops'][0], ip=nexthop, hostname=name)]
        if not local:
            entry['peer'] = dict(entry['peer'], peerId=nexthop, hostname=name,
                                 routerId=source.bgp['router_id'] or '0.0.0.0')
        return entry

    def neighbor_answer(self, router, address, what):
        """`show ip bgp neighbors ADDRESS advertised-routes|routes json`."""
        peer = self.owner(router, address)
        if peer is None or address not in router.bgp['neighbors']:
            return router.unknown("vtysh -c 'show ip bgp neighbors %s %s json' (no such "
                                  "neighbor)" % (address, what))
        if what == 'routes':
            return json.dumps(dict(self.table_top(router), routes=self.table(router, peer)))
        answer = dict(TEMPLATES.advertised)
        answer.update(bgpLocalRouterId=router.bgp['router_id'] or '0.0.0.0',
                      localAS=router.bgp['asn'])
        answer['advertisedRoutes'] = {}
        for prefix in sorted(self.advertised(router, peer)):
            source = self.best(router)[prefix]
            entry = TEMPLATES.advertised_route(source == LOCAL)
            entry.update(addrPrefix=str(prefix.network_address), prefixLen=prefix.prefixlen,
                         network=str(prefix), path=self.hop(router, prefix, source)[2])
            answer['advertisedRoutes'][str(prefix)] = entry
        answer['totalPrefixCounter'] = len(answer['advertisedRoutes'])
        return json.dumps(answer)


def as_number(text):
    return int(text) if text and text.isdigit() else text


def conf_text(path):
    """A config file's statements as the running config lists them:
    without comments, each block closed by `exit`."""
    with open(path) as conf:
        lines = [line.rstrip() for line in conf if line.strip() and
                 not line.lstrip().startswith('!')]
    out = []
    for line in lines:
        if not line[0].isspace() and out and out[-1][0].isspace():
            out += ['exit', '!']
        out.append(line)
    if out and out[-1][0].isspace():
        out.append('exit')
    return '\n'.join(out + ['!']) + '\n'
