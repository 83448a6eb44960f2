"""What a fed lab adds to an FRR router's bgpd.conf (bgptopo/feeding.py):
appended to a copy of the user's file, which bgpd reads in order, so the
file itself stays the user's.

- an AS-path list FED (paths holding the feeder's AS) and NOT-FED;
- in front of every route-map a session uses (in or out), an entry
  `permit 5` matching FED: fed routes pass every session both ways
  before the lab's own entries (which start at 10) judge anything else;
- a filter-list NOT-FED out on the sessions to the peers the FeedSide
  withholds the feed from (an as-path filter a session applies besides
  its route-map);
- on the fed router, the feeder's session: its import takes every route,
  its export sends none, connect retried after 1 s as the lab's are."""

import re

from bgptopo.errors import LabError
from bgptopo.routing.frr.shell import vtysh_json

FED, NOT_FED = 'BGPTOPO-FED', 'BGPTOPO-NOT-FED'
FROM_FEEDER, TO_FEEDER = 'BGPTOPO-FROM-FEEDER', 'BGPTOPO-TO-FEEDER'
FED_SEQ = 5
USED_MAP = re.compile(r'^\s*neighbor\s+\S+\s+route-map\s+(\S+)\s+(?:in|out)\s*$', re.M)
MAP_ENTRY = re.compile(r'^\s*route-map\s+(\S+)\s+(?:permit|deny)\s+(\d+)\s*$', re.M)
# `show ip bgp` and its synonyms: the whole IPv4 unicast table
TABLE_WORDS = [['ip', 'bgp'], ['bgp'], ['bgp', 'ipv4'], ['bgp', 'ipv4', 'unicast'],
               ['ip', 'bgp', 'ipv4'], ['ip', 'bgp', 'ipv4', 'unicast']]


def fed_config(text, asn, side):
    """bgpd.conf's text with the feed's additions (see above)."""
    maps = sorted(set(USED_MAP.findall(text)))
    require_room(text, maps)
    lines = ['', '! --- added for the feeder by the lab (bgptopo/feeding.py): routes whose',
             '! AS path holds AS %d pass every session ahead of the lab\'s policy ---' % side.asn,
             'bgp as-path access-list %s seq 5 permit _%d_' % (FED, side.asn),
             'bgp as-path access-list %s seq 5 deny _%d_' % (NOT_FED, side.asn),
             'bgp as-path access-list %s seq 10 permit .*' % NOT_FED]
    for name in maps:
        lines += ['route-map %s permit %d' % (name, FED_SEQ), ' match as-path %s' % FED]
    withheld = [address for address in side.withheld if ':' not in address]
    if withheld:
        lines += ['router bgp %s' % asn, ' address-family ipv4 unicast'] + \
            ['  neighbor %s filter-list %s out' % (address, NOT_FED) for address in withheld] + \
            [' exit-address-family']
    if side.neighbor is not None:
        lines += feeder_session(asn, side.neighbor)
    return text.rstrip('\n') + '\n' + '\n'.join(lines) + '\n'


def require_room(text, maps):
    """A sentence when a route-map the sessions use already has an entry at
    or before FED_SEQ (the fed entry must come first)."""
    for name, seq in MAP_ENTRY.findall(text):
        if name in maps and int(seq) <= FED_SEQ:
            raise LabError('route-map %s has an entry at sequence %s, where a fed lab puts '
                           'the feed\'s own entry (%d); renumber it from 10 (or start the lab '
                           'without feed=).' % (name, seq, FED_SEQ))


def feeder_session(asn, neighbor):
    address = neighbor.address
    return ['router bgp %s' % asn,
            ' neighbor %s remote-as %s' % (address, neighbor.remote_as),
            ' neighbor %s description feeder' % address,
            ' neighbor %s timers connect 1' % address,
            ' address-family ipv4 unicast',
            '  neighbor %s route-map %s in' % (address, FROM_FEEDER),
            '  neighbor %s route-map %s out' % (address, TO_FEEDER),
            ' exit-address-family',
            'route-map %s permit 10' % FROM_FEEDER,
            'route-map %s deny 10' % TO_FEEDER]


def lab_table(words):
    """`show ip bgp` (and synonyms) without the fed routes; None otherwise."""
    plain = [w.lower() for w in words if w != 'json']
    if plain in TABLE_WORDS:
        at = len(words) - 1 if words[-1:] == ['json'] else len(words)
        return words[:at] + ['filter-list', NOT_FED] + words[at:]
    return None


def fed_count(router):
    """How many prefixes an FRR router holds from the feed: its IPv4 table's
    prefixes (its statistics; the summary's ribCount counts tree nodes)
    less those with no fed path (a short list)."""
    stats = vtysh_json(router, 'show bgp ipv4 unicast statistics json').get('ipv4Unicast')
    total = stats[0].get('totalPrefixes', 0) if stats else 0
    lab = vtysh_json(router, 'show bgp ipv4 unicast filter-list %s json' % NOT_FED)
    return total - len(lab.get('routes', {}))
