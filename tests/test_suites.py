"""Integration: the same lab on every routing suite, on the real stack: FRR
everywhere, BIRD everywhere, and a mixed lab (r2 on BIRD among FRR
routers). Each variant is built once; every test runs on each, through the
suite-neutral code the commands use (a suite whose answers the lab misreads
fails here)."""

import ipaddress
import shlex

import pytest

from bgptopo import convergence, drawing, grading, lab as labinfo, procs, tracing
from bgptopo.scenarios import failover
from conftest import QUESTION, build_lab

pytestmark = pytest.mark.integration

VARIANTS = {'frr': {}, 'bird': {'suite': 'bird'}, 'mixed': {'bird': 'r2'}}
PEERS = {'r1': {'192.168.12.2', '192.168.13.3'}, 'r2': {'192.168.12.1', '192.168.23.3'},
         'r3': {'192.168.13.1', '192.168.23.2'}}


@pytest.fixture(scope='module', params=sorted(VARIANTS))
def net(request):
    net = build_lab(**VARIANTS[request.param])
    net.variant = request.param
    yield net
    net.stop()


def suites_of(net):
    return {r.name: r.routing.key for r in labinfo.routers(net)}


def test_each_router_runs_the_suite_asked_for(net):
    expected = {'frr': ['frr', 'frr', 'frr'], 'bird': ['bird', 'bird', 'bird'],
                'mixed': ['frr', 'bird', 'frr']}[net.variant]
    assert [suites_of(net)[r] for r in ('r1', 'r2', 'r3')] == expected
    processes = {r.name: sorted(r.daemon_pids) for r in labinfo.routers(net)}
    assert processes['r2'] == (['bird'] if expected[1] == 'bird' else ['bgpd', 'zebra'])


def test_every_session_is_established_with_routes(net):
    """Converged means the kernels route every prefix; the last updates of a
    second path may still be on their way, so routes received are waited for."""
    for router in labinfo.routers(net):
        sessions = router.routing.sessions(router)
        assert set(sessions) == PEERS[router.name], (router.name, sessions)
        assert procs.wait_until(lambda: all(
            s.state == 'Established' and s.received >= 1
            for s in router.routing.sessions(router).values()), 10, interval=0.2), \
            (router.name, router.routing.sessions(router))


def test_frr_routers_answer_on_their_daemons_socket_as_through_vtysh(net):
    """convergence asks an FRR bgpd on its vty socket, not through vtysh."""
    frr_routers = [r for r in labinfo.routers(net) if r.routing.key == 'frr']
    for router in frr_routers:
        direct = router.routing.direct_sessions(router, 5)
        assert set(direct) == PEERS[router.name]
        through_vtysh = router.routing.parse_sessions(
            router.cmd(' '.join(map(shlex.quote, router.routing.sessions_command()))))
        assert {a: s.state for a, s in direct.items()} == \
            {a: s.state for a, s in through_vtysh.items()}
    assert all(r.routing.direct_sessions(r, 5) is None for r in labinfo.routers(net)
               if r not in frr_routers)


def test_best_routes_carry_the_as_paths_of_the_picture(net):
    """Converged means routed; a router that first heard of a prefix the
    long way (r3 of 10.0.0.0/24 through r2) may still be choosing the
    shorter path that came a moment later: that is waited for."""
    r1, r3 = net['r1'], net['r3']
    assert procs.wait_until(lambda: r1.routing.best_route(r1, '12.0.0.0/24')[:2] ==
                            ('12.0.0.0/24', '55000') and
                            r3.routing.best_route(r3, '10.0.0.0/24').as_path == '4500',
                            10, interval=0.2), (r1.routing.best_route(r1, '12.0.0.0/24'),
                                                r3.routing.best_route(r3, '10.0.0.0/24'))
    assert r1.routing.best_route(r1, '12.0.0.1').next_hop == '192.168.12.2'
    assert r3.routing.best_route(r3, '11.0.0.0/24').as_path == ''      # its own
    assert r1.routing.best_routes(r1)[ipaddress.ip_network('11.0.0.0/24')] == '65000'


def test_the_page_is_fetched_along_the_bgp_path(net):
    assert labinfo.page(net) == QUESTION
    hops = tracing.trace(net, 'host', 'webserver')
    assert [h['node'] for h in hops] == ['host', 'r1', 'r2', 'webserver']
    assert hops[1]['as_path'] == '55000' and hops[-1]['end'] == tracing.ARRIVED


def test_what_users_see_names_the_peers(net):
    """Each suite's own summary (FRR's description column, BIRD's protocol
    names) names the router's two peers."""
    for router in labinfo.routers(net):
        summary = router.routing.summary(router)
        peers = {'r1': ('R2', 'R3'), 'r2': ('R1', 'R3'), 'r3': ('R1', 'R2')}[router.name]
        assert all(peer in summary for peer in peers), summary
    assert labinfo.router(net, 'r2').router_config().asn == 55000


def test_the_grader_passes_the_solved_lab(net):
    results = grading.check(net)
    assert all(r.passed for r in results), grading.report(results)
    assert len(results) == 14


def test_the_lab_is_drawn(net, tmp_path):
    path = drawing.draw(net, str(tmp_path / 'lab.svg'))
    picture = open(path).read()
    assert 'AS 55000' in picture and '12.0.0.0/24' in picture
    assert picture.count('BGP Established') == 3


def test_a_stopped_router_is_named_by_why_and_restart_heals_it(net):
    r2 = net['r2']
    r2.stop_daemons()
    try:
        sentence = tracing.why(net, 'r1', 'r2')
        assert "r2's %s is not running (`restart r2` starts it)" % r2.routing.bgp_daemon \
            in sentence, sentence
    finally:
        r2.restart_daemons()
    convergence.wait(net)
    assert tracing.why(net, 'host', 'webserver').startswith('nothing is broken')


def test_failover_reroutes_through_r3(net):
    outage, path = failover.failover(net, 'r1', 'r2')
    try:
        assert outage < 10 and path == '65000 55000'
    finally:
        net.configLinkStatus('r1', 'r2', 'up')
    r1 = net['r1']
    assert procs.wait_until(lambda: r1.routing.best_route(r1, '12.0.0.0/24').as_path == '55000',
                            15, interval=0.2)
    convergence.wait(net)
