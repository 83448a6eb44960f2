"""FRR's BGP policy as a running router applies it: the filters of a
session in `show running-config` (route-maps, prefix-lists), judged on a
route the way FRR judges it, which names the filter and the entry that
reject it. Which side (export or import) drops a route is observed by
bgptopo/policy.py; this module says why, in FRR's words."""

import ipaddress
from collections import namedtuple

from bgptopo.routing.frr import shell

PrefixEntry = namedtuple('PrefixEntry', 'seq action network ge le')
MapEntry = namedtuple('MapEntry', 'action seq matches')
# the order FRR applies a session's filters in, both directions
FILTER_ORDER = ('distribute-list', 'prefix-list', 'filter-list', 'route-map')
VERBS = {'permit': 'permits', 'deny': 'denies'}
ROLES = {'export': ('out', 'toward'), 'import': ('in', 'from')}
REAPPLY = {'out': 'soft out', 'in': 'soft in'}
FAMILY_WORD = {'ip': 4, 'ipv6': 6}      # `match ip|ipv6 address prefix-list NAME`


class Policy(object):
    """The filters in one router's running configuration."""

    def __init__(self, text):
        self.prefix_lists, self.route_maps = {}, {}
        self.ipv6_prefix_lists = {}     # `ipv6 prefix-list`: FRR keeps them apart
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
        if words[0] in ('ip', 'ipv6') and words[1:2] == ['prefix-list'] and 'seq' in words:
            name, entry = prefix_entry(words)
            lists = self.prefix_lists if words[0] == 'ip' else self.ipv6_prefix_lists
            lists.setdefault(name, []).append(entry)
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
        """FRR: the first entry (by seq) that matches decides; none: deny.
        The list of name in prefix's family (ip or ipv6 prefix-list)."""
        lists = self.prefix_lists if prefix.version == 4 else self.ipv6_prefix_lists
        entries = lists.get(name)
        if entries is None:
            return False, '%sprefix-list %s is not defined (FRR denies through it)' % (
                '' if prefix.version == 4 else 'ipv6 ', name)
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
            if words[0] in FAMILY_WORD and words[1:3] == ['address', 'prefix-list']:
                if FAMILY_WORD[words[0]] != prefix.version:
                    return False, '`match %s` is for IPv%d prefixes' % (
                        clause, FAMILY_WORD[words[0]])
                verdict, reason = self.prefix_list_verdict(words[3], prefix)
                if not verdict:
                    return False, reason
            else:
                unknown.append('`match %s`' % clause)
        return (None, ', '.join(unknown)) if unknown else (True, '')


def prefix_entry(words):
    """(name, PrefixEntry) of `ip|ipv6 prefix-list NAME seq N permit|deny P [ge A] [le B]`."""
    name, seq, action, target = words[2], int(words[4]), words[5], words[6]
    anything = '0.0.0.0/0' if words[0] == 'ip' else '::/0'
    network = ipaddress.ip_network(anything if target == 'any' else target, strict=False)
    bounds = dict(zip(words[7::2], map(int, words[8::2])))
    if target == 'any':
        bounds.setdefault('le', network.max_prefixlen)
    return name, PrefixEntry(seq, action, network, bounds.get('ge'), bounds.get('le'))


def prefix_matches(entry, prefix):
    """FRR's rule: without ge/le only the exact prefix; with them, any
    prefix inside entry.network whose length is in [ge or len, le or 32
    (128 for IPv6)]."""
    if entry.ge is None and entry.le is None:
        return prefix == entry.network
    low = entry.ge if entry.ge is not None else entry.network.prefixlen
    high = entry.le if entry.le is not None else prefix.max_prefixlen
    return prefix.subnet_of(entry.network) and low <= prefix.prefixlen <= high


class Side(object):
    """One router's filters on one session in one direction."""

    def __init__(self, router, role, peer_address, peer_name):
        self.router, self.role, self.peer_address, self.peer_name = \
            router, role, peer_address, peer_name
        self.direction, self.preposition = ROLES[role]
        self.policy = Policy(shell.running_config_text(router))

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
