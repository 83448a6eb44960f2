"""BIRD's side of a fed lab (bgptopo/feeding.py): what a BIRD router's
bird.conf gets, and the feeder's own bird.conf.

A BIRD router starts from a copy of the user's bird.conf in which every
filter (named or inline) first accepts the fed routes (BGP routes whose
AS path holds the feeder's AS), and every `import where` / `export where`
lets them through too; BIRD has no second filter per channel, so this is
the one place to say it. A session the FeedSide withholds the feed from
exports through a copy of its filter that first rejects fed routes
(FILTER_NOFEED), or `where !(fed) && (...)`. The fed router also gets the
feeder's session, which imports everything and exports nothing.

The feeder is one BIRD process: the dump's routes are the routes of a
static protocol, blackholes that carry their AS path (`bgp_path.prepend`
from the origin outwards) and origin, exported to the fed router over
eBGP, which adds the feeder's AS in front. Measured here: BIRD parses
500,000 such routes in 2.4 s and sends them to a BGP peer in 1.5 s."""

import ipaddress
import os
import re

from bgptopo.errors import LabError
from bgptopo.routing.bird import birdc

BIRD = '/usr/sbin/bird'
RUN_DIR = os.path.dirname(birdc.SOCKET)
FEEDER_SESSION = 'FEEDER'
FEED_ROUTES = 'FEED_ROUTES'      # the feeder's static protocol: `disable` withdraws all
LAB_SESSION = 'LAB'              # the feeder's session to the fed router
FILTER_START = re.compile(r'(\bfilter(?:\s+\w+)?(?:\s*\w+\s+\w+\s*;)*\s*\{)(?!\s*if source = RTS_BGP && bgp_path)')
WHERE = re.compile(r'\b(import|export)(\s+)where\s+(?!!\(source = RTS_BGP)([^;]+);')
PROTOCOL = re.compile(r'\bprotocol\s+bgp\b[^{;]*\{')
NEIGHBOR = re.compile(r'\bneighbor\s+([0-9A-Fa-f:.]+)')
EXPORT_FILTER = re.compile(r'\bexport\s+filter\s+(\w+)\s*;')
EXPORT_INLINE = re.compile(r'\bexport\s+filter\s*\{')
EXPORT_ALL = re.compile(r'\bexport\s+all\s*;')
EXPORT_WHERE = re.compile(r'\bexport\s+where\s+([^;]+);')
NOFEED = '_NOFEED'

ORIGINS = {1: 'ORIGIN_EGP', 2: 'ORIGIN_INCOMPLETE'}
TABLE_WORDS = [['route'], ['route', 'all']]


def fed_test(asn):
    return 'source = RTS_BGP && bgp_path ~ [= * %d * =]' % asn


def fed_config(text, asn, side):
    """bird.conf's text with the feed's additions (see above)."""
    test = fed_test(side.asn)
    text, copied = withhold(without_comments(text), side, test)
    for name in sorted(copied):
        text = add_rejecting_copy(text, name, test)
    text = FILTER_START.sub(lambda m: '%s\n\tif %s then accept;\t# the feed' % (m.group(1), test),
                            text)
    text = WHERE.sub(lambda m: '%s%swhere (%s) || (%s);' % (m.group(1), m.group(2), test,
                                                             m.group(3).strip()), text)
    if side.neighbor is not None:
        text += feeder_session(asn, side.neighbor)
    return text


def closing(text, opening):
    """The index just past the brace that closes the one at opening."""
    depth = 0
    for at in range(opening, len(text)):
        depth += {'{': 1, '}': -1}.get(text[at], 0)
        if depth == 0:
            return at + 1
    return len(text)


def withhold(text, side, test):
    """text with the exports of the BGP protocols whose neighbor side
    withholds the feed from made to reject fed routes; the named filters
    they now use a copy of."""
    withheld = {ipaddress.ip_address(a) for a in side.withheld}
    copied = set()
    for match in reversed(list(PROTOCOL.finditer(text))):
        end = closing(text, match.end() - 1)
        block = text[match.start():end]
        neighbor = NEIGHBOR.search(block)
        if not neighbor or ipaddress.ip_address(neighbor.group(1)) not in withheld:
            continue
        copied |= set(EXPORT_FILTER.findall(block))
        block = EXPORT_FILTER.sub(lambda m: 'export filter %s%s;' % (m.group(1), NOFEED), block)
        block = EXPORT_INLINE.sub('export filter {\n\tif %s then reject;' % test, block)
        block = EXPORT_ALL.sub('export where !(%s);' % test, block)
        block = EXPORT_WHERE.sub(lambda m: m.group(0) if m.group(1).startswith('!(source') else
                                 'export where !(%s) && (%s);' % (test, m.group(1).strip()), block)
        text = text[:match.start()] + block + text[end:]
    return text, copied


def add_rejecting_copy(text, name, test):
    """text with filter NAME_NOFEED after filter NAME: the same filter,
    rejecting fed routes first."""
    found = re.search(r'\bfilter\s+%s\b[^{]*\{' % re.escape(name), text)
    if not found:
        return text
    end = closing(text, found.end() - 1)
    copy = text[found.start():end].replace(name, name + NOFEED, 1)
    opening = copy.index('{') + 1
    copy = '%s\n\tif %s then reject;%s' % (copy[:opening], test, copy[opening:])
    return text[:end] + '\n\n' + copy + text[end:]


def without_comments(text):
    """BIRD's `#` comments (to the line's end, outside strings) and /* */
    blocks dropped, so a commented-out filter is not patched."""
    text = re.sub(r'/\*.*?\*/', '', text, flags=re.S)
    return re.sub(r'#[^"\n]*$', '', text, flags=re.M)


def feeder_session(asn, neighbor):
    return '\n'.join([
        '', '# added for the feeder by the lab (bgptopo/feeding.py)',
        'protocol bgp %s {' % FEEDER_SESSION,
        '\tdescription "feeder";',
        '\tlocal as %s;' % asn,
        '\tneighbor %s as %s;' % (neighbor.address, neighbor.remote_as),
        '\tconnect delay time 1;', '\tconnect retry time 1;', '\terror wait time 1, 10;',
        '\tipv4 { import all; export none; };', '}', ''])


def lab_table(words, side):
    """`show route [all]` without the fed routes; None otherwise."""
    if [w.lower() for w in words] in TABLE_WORDS:
        return words + ['where', 'source != RTS_BGP || bgp_path !~ [= * %d * =]' % side.asn]
    return None


def write_feeder_config(out, router_id, asn, neighbor, routes):
    """The feeder's bird.conf, written to the file out: router_id, its AS
    asn, its session to neighbor (the fed router), routes [(prefix text,
    AS path tuple, origin)]."""
    out.write('# The lab\'s feeder (bgptopo/feeding.py): AS %d announces the routes of an MRT\n'
              '# dump to the fed router; rendered for this run, gone with it.\n'
              'router id %s;\nlog stderr all;\nprotocol device {}\n\n'
              'protocol static %s {\n\tipv4;\n' % (asn, router_id, FEED_ROUTES))
    for prefix, path, origin in routes:
        out.write('\troute %s blackhole { %s%s};\n' % (
            prefix, ''.join('bgp_path.prepend(%d); ' % hop for hop in reversed(path)),
            'bgp_origin = %s; ' % ORIGINS[origin] if origin in ORIGINS else ''))
    out.write('}\n\nprotocol bgp %s {\n\tlocal %s as %d;\n\tneighbor %s as %s;\n'
              '\tconnect delay time 1;\n\tconnect retry time 1;\n\terror wait time 1, 10;\n'
              '\tipv4 { import none; export all; };\n}\n'
              % (LAB_SESSION, router_id, asn, neighbor.address, neighbor.remote_as))


# The running feeder (a node of the lab, bgptopo/feeding.py) and fed BIRD routers.

def feeder_command(conf):
    """argv of the feeder's BIRD, reading conf, its socket in the node's
    private run directory."""
    return [BIRD, '-f', '-c', conf, '-s', birdc.SOCKET, '-P', os.path.join(RUN_DIR, 'bird.pid')]


def feeder_socket():
    return os.path.basename(birdc.SOCKET)


def feeder_state(node):
    """(routes in the feeder's table, routes its session exported, the
    session's state) of the running feeder."""
    table = re.search(r'for (\d+) networks', birdc.ask(node, 'show route table master4 count'))
    found = birdc.parse_protocols(birdc.ask(node, 'show protocols all %s' % LAB_SESSION))
    session = found[0] if found else None
    return (int(table.group(1)) if table else 0,
            birdc.route_counts(session).get('exported', 0) if session else 0,
            birdc.session_state(session) if session else 'not configured')


def announce(node, on):
    """Enable or disable the feeder's static protocol: its routes enter or
    leave its table, so its session announces or withdraws them all."""
    answer = birdc.ask(node, '%s %s' % ('enable' if on else 'disable', FEED_ROUTES))
    if not re.search(r'\b(enabled|disabled)\b', answer):
        raise LabError("the feeder's BIRD did not %s its routes: %s" % (
            'enable' if on else 'disable', answer.strip() or 'no answer'))


def fed_count(router, side):
    """How many prefixes a BIRD router holds from the feed (in master4):
    its best routes that are fed (`N of M routes for K networks`: N passed
    the filter; K counts every network of the table)."""
    answer = birdc.ask(router, 'show route table master4 primary where %s count'
                       % fed_test(side.asn))
    match = re.search(r'(\d+) of \d+ routes', answer)
    return int(match.group(1)) if match else 0
