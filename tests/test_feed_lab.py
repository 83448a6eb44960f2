"""Integration: a fed bgp3 on the real stack, FRR and BIRD. A dump of
1,000 prefixes the test writes reaches every router's BGP table and
kernel through the feeder (AS 64999) with its AS paths; the page is still
fetched over the lab's /24 (a fed 12.0.0.0/8 covers it); `routes` and
`bgp ... ip bgp` list the lab's routes and count the fed ones, a prefix
asked for is shown; `feed` reports, `feed stop` withdraws everything from
every router and `feed start` brings it back (mn's own runs of fed labs:
tests/test_feed_mn.py)."""

import ipaddress

import pytest

from bgptopo import convergence, feeding, lab as labview, mrt
from bgptopo.cli import BgpCLI
from conftest import QUESTION, build_lab

pytestmark = pytest.mark.integration

COUNT = 1000


def fed_prefix(i):
    """1,000 /24s in 20.0.0.0/14, then the web server's covering /8."""
    return ipaddress.ip_network((0x14000000 + (i << 8), 24))


def write_dump(path):
    records = [mrt.peer_index([('192.0.2.11', '192.0.2.11', 3356),
                               ('192.0.2.12', '192.0.2.12', 4200000001)])]
    for i in range(COUNT - 1):
        records.append(mrt.rib(i, fed_prefix(i), [(0, (3356, 174, 10000 + i), 0),
                                                  (1, (4200000001, 10000 + i), 0)]))
    records.append(mrt.rib(COUNT, '12.0.0.0/8', [(0, (3356, 7018), 0)]))
    path.write_bytes(b''.join(records))
    return str(path)


@pytest.fixture(scope='module')
def dump(tmp_path_factory):
    return write_dump(tmp_path_factory.mktemp('feed') / 'rib.mrt')


@pytest.fixture(scope='module', params=['frr', 'bird'])
def fed(request, dump):
    net = build_lab(feed=dump, suite=request.param)
    yield net
    net.stop()


class Prompt(object):
    """The lab's commands without the prompt's loop; what they printed."""

    def __init__(self, net, monkeypatch):
        from bgptopo import cli
        self.lines = []
        monkeypatch.setattr(cli, 'output', self.lines.append)
        monkeypatch.setattr(cli, 'error', self.lines.append)
        self.shell = BgpCLI.__new__(BgpCLI)
        self.shell.mn = net

    def __call__(self, command, line=''):
        del self.lines[:]
        getattr(self.shell, 'do_' + command)(line)
        return ''.join(self.lines)


@pytest.fixture
def prompt(fed, monkeypatch):
    return Prompt(fed, monkeypatch)


def test_every_router_holds_the_table_with_its_paths(fed):
    feed = feeding.of(fed)
    assert len(feed) == COUNT
    for router in labview.routers(fed):
        assert router.routing.fed_count(router, router.feed) == COUNT
        assert feed.keys <= feeding.kernel_keys(router)
    r3, r1 = fed['r3'], fed['r1']
    # the best path of 20.0.0.0/24: peer 1's (shorter), behind the feeder's AS
    assert r3.routing.best_route(r3, '20.0.0.0/24').as_path == '64999 4200000001 10000'
    assert r1.routing.best_route(r1, '20.0.0.0/24').as_path == '65000 64999 4200000001 10000'
    assert r1.routing.best_route(r1, '12.0.0.0/8').as_path == '65000 64999 3356 7018'


def test_the_page_still_comes_over_the_labs_own_prefix(fed):
    assert labview.page(fed) == QUESTION
    route = fed['r1'].cmd('ip -4 route get 12.0.0.1')
    assert 'via 192.168.12.2' in route      # r2's 12.0.0.0/24, not the fed /8 via r3


def test_routes_list_the_lab_and_count_the_fed(prompt):
    text = prompt('routes', 'r1')
    assert '12.0.0.0/24' in text and '20.0.0.0/24' not in text
    assert 'and 1,000 fed routes' in text


def test_the_bgp_table_lists_the_lab_and_counts_the_fed(fed, prompt):
    words = 'ip bgp' if fed['r1'].routing.key == 'frr' else 'route all'
    text = prompt('bgp', 'r1 ' + words)
    assert '12.0.0.0/24' in text and '20.0.0.0/24' not in text
    assert '*** and 1,000 fed prefixes, not listed; ask for one: `bgp r1 %s 12.0.0.0/8`' \
        % words in text
    one = prompt('bgp', 'r1 %s 20.0.3.0/24' % words)
    assert '20.0.3.0/24' in one and '10003' in one


def test_feed_reports_stops_and_starts(fed, prompt):
    report = prompt('feed')
    assert '1,000 IPv4 prefixes read, 1,000 fed' in report
    assert '1,000 routes loaded, 1,000 sent, session Established' in report
    for router in ('r1', 'r2', 'r3'):
        assert '%s 1,000 fed prefixes in BGP, 1,000 in its kernel' % router \
            in ' '.join(report.split())
    assert 'gone from every router (BGP and kernel) in' in prompt('feed', 'stop')
    for router in labview.routers(fed):
        assert router.routing.fed_count(router, router.feed) == 0
        assert not feeding.of(fed).keys & feeding.kernel_keys(router)
    assert labview.page(fed) == QUESTION
    assert 'the feed is stopped already' in prompt('feed', 'stop')
    assert 'in every router (BGP and kernel) in' in prompt('feed', 'start')
    convergence.wait(fed)
    assert all(r.routing.fed_count(r, r.feed) == COUNT for r in labview.routers(fed))
    assert 'usage: feed [start|stop]' in prompt('feed', 'now')


def test_a_lab_without_a_feed_says_so(monkeypatch):
    shell = Prompt(type('Net', (), {'topo': None})(), monkeypatch)
    assert 'this lab has no feeder; start one with --topo bgp3,feed=FILE' in shell('feed')
