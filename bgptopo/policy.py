"""BGP policy as a running router applies it, and where a route is dropped.

Two kinds of evidence, both read from the running routers: what a sender
holds and advertised to a peer against what the peer kept (this says on
which side, export or import, a route is lost), and the filters of that
side in `show running-config` (route-maps, prefix-lists), judged on the
route the way FRR judges it, which names the filter and entry that reject
it. Nothing is read from config files: they may differ from what runs."""

import ipaddress
from collections import namedtuple

from bgptopo import running

PrefixEntry = namedtuple('PrefixEntry', 'seq action network ge le')
MapEntry = namedtuple('MapEntry', 'action seq matches')
# the order FRR applies a session's filters in, both directions
FILTER_ORDER = ('distribute-list', 'prefix-list', 'filter-list', 'route-map')
VERBS = {'permit': 'permits', 'deny': 'denies'}
ROLES = {'export': ('out', 'toward'), 'import': ('in', 'from')}
REAPPLY = {'out': 'soft out', 'in': 'soft in'}


class Policy(object):
    """The filters in one router's running configuration."""

    def __init__(self, text):
        self.prefix_lists, self.route_maps = {}, {}
        self.neighbor_filters, self.peer_groups = {}, {}
        self.requires_policy = True
        self.parse(text)

    def parse(self, text):
        block, in_bgp = None, False
        for line in text.splitlines():
            words = line.split()
            if not words or words[0] == '!':
                continue
            if not line.startswith(' '):
                in_bgp = words[:2] == ['router', 'bgp']
                block = self.top_level(words)
            elif block is not None and words[0] == 'match':
                block.matches.append(' '.join(words[1:]))
            elif in_bgp:
                self.bgp_line(words)

    def top_level(self, words):
        """Read a top-level statement; the route-map entry it opens, if any."""
        if words[:2] == ['ip', 'prefix-list'] and 'seq' in words:
            name, entry = prefix_entry(words)
            self.prefix_lists.setdefault(name, []).append(entry)
        elif words[0] == 'route-map' and len(words) == 4:
            entry = MapEntry(words[2], int(words[3]), [])
            self.route_maps.setdefault(words[1], []).append(entry)
            return entry
        return None

    def bgp_line(self, words):
        if words == ['no', 'bgp', 'ebgp-requires-policy']:
            self.requires_policy = False
        elif words[0] == 'neighbor' and len(words) == 4 and words[2] == 'peer-group':
            self.peer_groups[words[1]] = words[3]
        elif words[0] == 'neighbor' and len(words) == 5 and words[2] in FILTER_ORDER:
            self.neighbor_filters.setdefault((words[1], words[4]), []).append(
                (words[2], words[3]))

    def filters(self, address, direction):
        """[(kind, name)] on the session with address in direction ('in' or
        'out'), its peer-group's included, in the order FRR applies them."""
        found = list(self.neighbor_filters.get((address, direction), []))
        group = self.peer_groups.get(address)
        if group:
            found += [f for f in self.neighbor_filters.get((group, direction), [])
                      if f[0] not in dict(found)]
        return sorted(found, key=lambda f: FILTER_ORDER.index(f[0]))

    def judge(self, kind, name, prefix):
        """(verdict, reason) of one filter on prefix: verdict True (passes),
        False (rejected) or None (it turns on something the lab does not
        read here: RPKI state, AS path, communities)."""
        if kind == 'prefix-list':
            return self.prefix_list_verdict(name, prefix)
        if kind == 'route-map':
            return self.route_map_verdict(name, prefix)
        return None, 'the lab does not read %ss' % kind

    def prefix_list_verdict(self, name, prefix):
        """FRR: the first entry (by seq) that matches decides; none: deny."""
        entries = self.prefix_lists.get(name)
        if entries is None:
            return False, 'prefix-list %s is not defined (FRR denies through it)' % name
        for entry in sorted(entries):
            if prefix_matches(entry, prefix):
                return entry.action == 'permit', 'prefix-list %s seq %d %s it' % (
                    name, entry.seq, VERBS[entry.action])
        return False, 'prefix-list %s has no entry for it' % name

    def route_map_verdict(self, name, prefix):
        """FRR: the first entry whose match clauses all hold decides; none: deny."""
        entries = self.route_maps.get(name)
        if entries is None:
            return False, 'route-map %s is not defined, and FRR denies through it' % name
        misses = []
        for entry in sorted(entries, key=lambda e: e.seq):
            verdict, reason = self.entry_verdict(entry, prefix)
            title = '`%s %d`' % (entry.action, entry.seq)
            if verdict is None:
                return None, 'its entry %s decides by %s' % (title, reason)
            if verdict:
                return entry.action == 'permit', 'its entry %s matches it' % title
            misses.append('%s: %s' % (title, reason))
        return False, 'no entry matches it (%s)' % ('; '.join(misses) or 'it has none')

    def entry_verdict(self, entry, prefix):
        """(does entry match prefix: True, False or None, why)."""
        unknown = []
        for clause in entry.matches:
            words = clause.split()
            if words[:3] == ['ip', 'address', 'prefix-list']:
                verdict, reason = self.prefix_list_verdict(words[3], prefix)
                if not verdict:
                    return False, reason
            else:
                unknown.append('`match %s`' % clause)
        return (None, ', '.join(unknown)) if unknown else (True, '')


def prefix_entry(words):
    """(name, PrefixEntry) of `ip prefix-list NAME seq N permit|deny P [ge A] [le B]`."""
    name, seq, action, target = words[2], int(words[4]), words[5], words[6]
    network = ipaddress.ip_network('0.0.0.0/0' if target == 'any' else target, strict=False)
    bounds = dict(zip(words[7::2], map(int, words[8::2])))
    if target == 'any':
        bounds.setdefault('le', 32)
    return name, PrefixEntry(seq, action, network, bounds.get('ge'), bounds.get('le'))


def prefix_matches(entry, prefix):
    """FRR's rule: without ge/le only the exact prefix; with them, any
    prefix inside entry.network whose length is in [ge or len, le or 32]."""
    if entry.ge is None and entry.le is None:
        return prefix == entry.network
    low = entry.ge if entry.ge is not None else entry.network.prefixlen
    high = entry.le if entry.le is not None else 32
    return prefix.subnet_of(entry.network) and low <= prefix.prefixlen <= high


def best_paths(router):
    """{prefix: AS path string} of router's best BGP routes ('' for its own)."""
    if not router.daemon_running('bgpd'):
        return {}
    routes = router.vtysh_json('show ip bgp json').get('routes', {})
    return {ipaddress.ip_network(prefix): path.get('path', '')
            for prefix, paths in routes.items() for path in paths if path.get('bestpath')}


def advertised(sender, address):
    """The prefixes sender advertised to its peer at address (after its export filters)."""
    answer = sender.vtysh_json('show ip bgp neighbors %s advertised-routes json' % address)
    return {ipaddress.ip_network(prefix) for prefix in answer.get('advertisedRoutes', {})}


def kept(receiver, address):
    """The prefixes receiver holds from its peer at address (after its import filters)."""
    answer = receiver.vtysh_json('show ip bgp neighbors %s routes json' % address)
    return {ipaddress.ip_network(prefix) for prefix in answer.get('routes', {})}


def rejection(receiver, sender, receiver_address, sender_address, prefix=None):
    """Why receiver holds no route (to prefix; without one: none at all) from
    sender over an Established session, in one sentence: the side that drops
    it and the filter there that rejects it. None when sender holds no such
    route to pass on (with a prefix) or nothing is lost."""
    receiver_text = running.config_text(receiver)
    receiver_as = str(running.config(receiver, receiver_text).asn)
    # a route whose AS path holds the receiver's AS is dropped as a loop, by design
    held = {p: path for p, path in best_paths(sender).items()
            if (prefix is None or p == prefix) and receiver_as not in path.split()}
    if not held:
        return None if prefix else '%s holds no route it could pass on to %s' % (
            sender.name, receiver.name)
    sent = advertised(sender, receiver_address.ip) & set(held)
    if not sent:
        return Side(sender, 'export', receiver_address.ip, receiver.name).cause(min(held))
    if kept(receiver, sender_address.ip) & sent:
        return None
    return Side(receiver, 'import', sender_address.ip, sender.name,
                Policy(receiver_text)).cause(min(sent))


class Side(object):
    """One router's filters on one session in one direction."""

    def __init__(self, router, role, peer_address, peer_name, policy=None):
        self.router, self.role, self.peer_address, self.peer_name = \
            router, role, peer_address, peer_name
        self.direction, self.preposition = ROLES[role]
        self.policy = policy or Policy(running.config_text(router))

    def cause(self, prefix):
        """The sentence for prefix, lost on this side."""
        filters = self.policy.filters(str(self.peer_address), self.direction)
        if not filters and self.policy.requires_policy:
            return self.no_policy()
        maybe = None
        for kind, name in filters:
            verdict, reason = self.policy.judge(kind, name, prefix)
            if verdict is False:
                return self.rejects(kind, name, prefix, 'rejects', reason)
            if verdict is None and maybe is None:
                maybe = self.rejects(kind, name, prefix, 'may reject', reason)
        return maybe or self.not_reapplied(prefix)

    def rejects(self, kind, name, prefix, verb, reason):
        return "%s's %s %s %s %s %s %s %s: %s" % (
            self.router.name, self.role, kind, name, self.preposition, self.peer_name,
            verb, prefix, reason)

    def no_policy(self):
        what = 'sends an eBGP peer nothing' if self.direction == 'out' \
            else 'accepts nothing from an eBGP peer'
        return ('%s has no %s route-map (`neighbor %s route-map NAME %s`) %s %s; FRR %s '
                'without a policy' % (self.router.name, self.role, self.peer_address,
                                      self.direction, self.preposition, self.peer_name, what))

    def not_reapplied(self, prefix):
        return ("%s's %s policy %s %s passes %s now, yet it is lost there: the policy "
                "changed since it was applied (`vtysh %s clear ip bgp %s %s` applies it again)"
                % (self.router.name, self.role, self.preposition, self.peer_name, prefix,
                   self.router.name, self.peer_address, REAPPLY[self.direction]))
