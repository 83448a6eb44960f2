"""Unit (no root): what a fed lab adds to the routers' files, accepted by
the daemons' own dry runs (FRR's bgpd -C, BIRD's bird -p) for the seed's
files and for rendered Gao-Rexford ones; the tree the fed routes take;
what the feed leaves out; the sentences of feed= and its parameters."""

import ipaddress
import os
import subprocess

import pytest

from bgptopo import feeding, labfile, labplan, mrt, routing
from bgptopo.errors import LabError
from bgptopo.paths import BIRD_ETC_DIR, ETC_DIR
from bgptopo.routing.bird import feed as bird_feed
from bgptopo.routing.contract import FeedSide, Neighbor
from bgptopo.routing.frr import feed as frr_feed
from bgptopo.topologies import Bgp3Topo, BgpRingTopo
from conftest import REPO

FEEDER = Neighbor('198.51.100.2', 64999)
FED_R3 = FeedSide(64999, FEEDER, ())
FED_R1 = FeedSide(64999, None, ('192.168.12.2', '192.168.13.3'))


def frr_dry_run(tmp_path, text):
    path = tmp_path / 'bgpd.conf'
    path.write_text(text)
    run = subprocess.run(['/usr/lib/frr/bgpd', '-C', '-f', str(path), '-u', 'root', '-g', 'root'],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         universal_newlines=True, timeout=30)
    assert run.returncode == 0 and 'rror' not in run.stdout.replace('zclient', ''), run.stdout


def bird_dry_run(tmp_path, text):
    path = tmp_path / 'bird.conf'
    path.write_text(text)
    run = subprocess.run(['bird', '-p', '-c', str(path)], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, universal_newlines=True, timeout=30)
    assert run.returncode == 0, run.stdout


def seed(suite, router):
    path = os.path.join(ETC_DIR, router, 'bgpd.conf') if suite == 'frr' else \
        os.path.join(BIRD_ETC_DIR, router, 'bird.conf')
    with open(path) as text:
        return text.read()


def test_frr_fed_router_gets_the_feeders_session_and_fed_entries_first(tmp_path):
    text = frr_feed.fed_config(seed('frr', 'r3'), 65000, FED_R3)
    for route_map in ('FROM-R1', 'FROM-R2', 'TO-PEERS'):
        assert 'route-map %s permit 5\n match as-path BGPTOPO-FED' % route_map in text
    assert 'bgp as-path access-list BGPTOPO-FED seq 5 permit _64999_' in text
    assert ' neighbor 198.51.100.2 remote-as 64999' in text
    assert 'filter-list' not in text        # r3 withholds the feed from no one
    assert text.startswith(seed('frr', 'r3').rstrip('\n'))     # the user's file, then ours
    frr_dry_run(tmp_path, text)


def test_frr_router_withholds_the_feed_from_peers_no_farther(tmp_path):
    text = frr_feed.fed_config(seed('frr', 'r1'), 4500, FED_R1)
    assert '  neighbor 192.168.12.2 filter-list BGPTOPO-NOT-FED out' in text
    assert 'remote-as 64999' not in text
    frr_dry_run(tmp_path, text)


def test_frr_route_map_without_room_for_the_fed_entry():
    text = seed('frr', 'r3').replace('route-map FROM-R1 permit 10', 'route-map FROM-R1 permit 5')
    with pytest.raises(LabError, match='route-map FROM-R1 has an entry at sequence 5'):
        frr_feed.fed_config(text, 65000, FED_R3)


def test_bird_every_filter_accepts_fed_routes_first(tmp_path):
    text = bird_feed.fed_config(seed('bird', 'r3'), 65000, FED_R3)
    accept = 'if source = RTS_BGP && bgp_path ~ [= * 64999 * =] then accept;'
    assert text.count(accept) == 3         # FROM_R1, FROM_R2, TO_PEERS
    assert 'export where (source = RTS_BGP && bgp_path ~ [= * 64999 * =]) || ' \
           '(source = RTS_BGP);' in text    # the kernel's
    assert 'protocol bgp FEEDER {' in text and 'neighbor 198.51.100.2 as 64999;' in text
    bird_dry_run(tmp_path, text)


def test_bird_router_withholds_the_feed_through_rejecting_copies(tmp_path):
    text = bird_feed.fed_config(seed('bird', 'r1'), 4500, FED_R1)
    assert text.count('export filter TO_PEERS_NOFEED;') == 2
    copy = text[text.index('filter TO_PEERS_NOFEED'):]
    assert copy.split('\n')[2] == '\tif source = RTS_BGP && bgp_path ~ [= * 64999 * =] then reject;'
    assert 'protocol bgp FEEDER' not in text
    bird_dry_run(tmp_path, text)


def test_bird_withheld_exports_of_every_form(tmp_path):
    sessions = ''.join(
        'protocol bgp P%d {\n\tlocal as 65000;\n\tneighbor 10.9.0.%d as 6500%d;\n'
        '\tipv4 { import all; %s };\n}\n' % (i, i, i, export)
        for i, export in enumerate(['export all;', 'export where net ~ [ 10.0.0.0/8+ ];',
                                    'export filter { accept; };', 'export none;'], 1))
    side = FeedSide(64999, None, ('10.9.0.1', '10.9.0.2', '10.9.0.3', '10.9.0.4'))
    text = bird_feed.fed_config('router id 10.9.0.9;\nprotocol device {}\n' + sessions, 65000,
                                side)
    fed = 'source = RTS_BGP && bgp_path ~ [= * 64999 * =]'
    assert 'export where !(%s);' % fed in text
    assert 'export where !(%s) && (net ~ [ 10.0.0.0/8+ ]);' % fed in text
    assert 'export filter {\n\tif %s then reject; accept; }' % fed in text
    assert 'export none;' in text
    bird_dry_run(tmp_path, text)


def rendered(example):
    plan = labplan.plan(labfile.load(os.path.join(REPO, 'examples', example)))
    return plan.routers


@pytest.mark.parametrize('suite', ['frr', 'bird'])
def test_rendered_gao_rexford_files_take_the_feed(tmp_path, suite):
    for name, router in rendered('multihomed.yml').items():
        files = routing.suite(suite).render(router)
        text = files['bgpd.conf' if suite == 'frr' else 'bird.conf']
        side = FeedSide(64999, FEEDER, (str(router.peers[0].address),))
        fed = routing.suite(suite).fed_config(text, router.asn, side)
        (frr_dry_run if suite == 'frr' else bird_dry_run)(tmp_path, fed)


def test_the_whole_table_is_shown_without_fed_routes():
    assert frr_feed.lab_table(['ip', 'bgp']) == ['ip', 'bgp', 'filter-list', 'BGPTOPO-NOT-FED']
    assert frr_feed.lab_table(['ip', 'bgp', 'json']) == [
        'ip', 'bgp', 'filter-list', 'BGPTOPO-NOT-FED', 'json']
    assert frr_feed.lab_table(['ip', 'bgp', '1.0.0.0/24']) is None
    assert bird_feed.lab_table(['route', 'all'], FED_R1)[2:] == [
        'where', 'source != RTS_BGP || bgp_path !~ [= * 64999 * =]']
    assert bird_feed.lab_table(['route', 'for', '1.0.0.1'], FED_R1) is None


def write_dump(path, routes):
    """routes: [(prefix, AS path)] from one peer."""
    records = [mrt.peer_index([('192.0.2.11', '192.0.2.11', 3356)])]
    records += [mrt.rib(i, prefix, [(0, as_path, 0)]) for i, (prefix, as_path) in enumerate(routes)]
    path.write_bytes(b''.join(records))
    return str(path)


@pytest.fixture
def dump(tmp_path):
    return write_dump(tmp_path / 'rib.mrt', [
        ('1.0.0.0/24', (3356, 13335)),
        ('12.0.0.0/8', (3356, 7018)),               # covers the web server's /24: kept
        ('12.0.0.0/24', (3356, 666)),               # the lab's own /24: left out
        ('192.168.13.0/24', (3356, 666)),           # a lab link: left out
        ('2.0.0.0/16', (3356, 55000, 3215)),        # through r2's AS: left out
        ('224.1.0.0/16', (3356, 9)),                # bogus: left out
        ('0.0.0.0/0', (3356,))])                     # a default route: kept


def test_bgp3_fed_gets_a_feeder_linked_to_r3(nothing_but_files, dump):
    topo = Bgp3Topo(feed=dump)
    assert ('r3', 'feeder') in topo.links()
    assert topo.nodeInfo('feeder')['cls'] is feeding.Feeder
    sides = {r: topo.nodeInfo(r)['feed'] for r in topo.routers()}
    assert sides['r3'].neighbor == Neighbor('198.51.100.2', 64999)
    assert sides['r1'].neighbor is None and sides['r2'].neighbor is None
    # the tree: r3 passes the table to r1 and r2, which do not pass it to each other
    assert sides['r3'].withheld == ()
    assert set(sides['r1'].withheld) == {'192.168.12.2', '192.168.13.3'}
    feed = topo.feed
    assert sorted(feeding.key_text(k) for k in feed.keys) == ['0.0.0.0/0', '1.0.0.0/24',
                                                              '12.0.0.0/8']
    assert feed.skipped == {'paths through a lab AS': 1, "inside the lab's address space": 2,
                            'bogus (0/8, 127/8, 224/3)': 1}
    conf = open(feed.conf).read()
    assert 'route 1.0.0.0/24 blackhole { bgp_path.prepend(13335); bgp_path.prepend(3356); };' \
        in conf
    assert 'neighbor 198.51.100.1 as 65000;' in conf


def test_the_feeders_config_is_what_bird_accepts(nothing_but_files, dump, tmp_path):
    bird_dry_run(tmp_path, open(Bgp3Topo(feed=dump).feed.conf).read())


def test_a_ring_feeds_along_a_tree(nothing_but_files, dump):
    topo = BgpRingTopo(n=6, feed=dump, feedto='r1')
    withheld = {r: len(topo.nodeInfo(r)['feed'].withheld) for r in topo.routers()}
    # r1 feeds r2 and r6; they feed r3 and r5; both of those feed r4
    assert withheld == {'r1': 0, 'r2': 1, 'r3': 1, 'r4': 2, 'r5': 1, 'r6': 1}


@pytest.mark.parametrize('params, words', [
    (dict(feedto='r9'), 'feedto=r9 is no router of this lab; the routers are r1, r2, r3.'),
    (dict(feedpeer='x'), 'feedpeer=x is no peer number'),
    (dict(feedpeer='3'), 'feedpeer=3: '),
])
def test_feed_parameters_are_sentences(nothing_but_files, dump, params, words):
    with pytest.raises(LabError, match=words.replace('.', r'\.')):
        Bgp3Topo(feed=dump, **params)


def test_a_lab_without_r3_asks_for_feedto(nothing_but_files, dump):
    with pytest.raises(LabError, match='this lab has no r3.*feed=FILE,feedto=ROUTER'):
        BgpRingTopo(n=2, feed=dump)


def test_feedto_without_feed(nothing_but_files):
    with pytest.raises(LabError, match='feedto= and feedpeer= go with feed=FILE'):
        Bgp3Topo(feedto='r1')


def test_a_dump_with_nothing_to_feed(nothing_but_files, tmp_path):
    path = write_dump(tmp_path / 'lab.mrt', [('12.0.0.0/24', (3356, 7018))])
    with pytest.raises(LabError, match="leaves nothing to feed: 1 inside the lab's address space"):
        Bgp3Topo(feed=path)


def test_inside_is_equal_or_more_specific():
    inside = feeding.Inside([ipaddress.ip_network('12.0.0.0/24')])
    assert inside.holds(int(ipaddress.ip_address('12.0.0.0')), 24)
    assert inside.holds(int(ipaddress.ip_address('12.0.0.128')), 25)
    assert not inside.holds(int(ipaddress.ip_address('12.0.0.0')), 8)
    assert not inside.holds(int(ipaddress.ip_address('12.0.1.0')), 24)
