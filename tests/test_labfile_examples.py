"""Integration: the example labs besides the multi-homed one
(test_labfile_policies.py), on the real stack: a router whose config leaks
a provider's route fails `check` at the right hop; a route reflector in a
dual-stack AS; an IXP LAN between FRR and BIRD ASes; an AS graph from a
CAIDA file. Each builds its own lab."""

import bz2
import ipaddress
import os

import pytest

from bgptopo import grading, labfile, labplan, lab as labinfo, procs, tracing
from conftest import QUESTION, build_lab
from test_asgraph import SAMPLE
from test_labfile_policies import EXAMPLES, example, prefix_of_as

pytestmark = pytest.mark.integration


def test_a_leaking_router_fails_check_at_the_hop_that_leaks(tmp_path):
    """The file says AS 300 is a customer; its config, edited, sends its
    provider AS 10 everything, so AS 10 (preferring customers) takes AS 20's
    route through AS 300: a valley the checker names."""
    top = str(tmp_path / 'etc')
    lab = labfile.load(example('multihomed'))
    labplan.render(labplan.plan(lab), top)
    with open(os.path.join(top, 'as300', 'bgpd.conf'), 'a') as conf:
        conf.write('route-map TO-as10 permit 30\n!\n')
    net = build_lab(topology='lab', file=example('multihomed'), etc=top, converge=False)
    try:
        results = grading.check(net, timeout=8)
        failed = {r.name: r.reason for r in results if not r.passed}
        assert set(failed) >= {"as10's best AS paths are valley-free"}, grading.report(results)
        assert ('%s via AS path 300 20: AS 300 gave AS 10 a route from its provider AS 20, '
                'and AS 10 is its provider, not its customer' % prefix_of_as(net, 20)) \
            in failed["as10's best AS paths are valley-free"]
    finally:
        net.stop()


@pytest.mark.parametrize('suites', [{}, {'bird': 'b+c'}], ids=['frr', 'bird-clients'])
def test_a_route_reflector_dual_stack_as_fetches_over_ipv6(suites):
    """All FRR, and FRR's reflector a with BIRD clients (OSPF and iBGP
    across the two suites)."""
    net = build_lab(topology='lab', file=example('reflector'), **suites)
    try:
        b, c = net['b'], net['c']
        internal = {str(peer.address) for peer in net.topo.plan.routers['b'].peers
                    if peer.relationship == 'internal'}
        loopbacks = {name: [a.ip for intf, a in net.topo.plan.routers[name].interfaces
                            if intf == 'lo'] for name in ('a', 'c')}
        # b has sessions with the reflector a only, in both families
        assert internal == {str(address) for address in loopbacks['a']}
        assert set(b.routing.sessions(b)) == internal | {
            str(p.address) for p in net.topo.plan.routers['b'].peers if p.name == 'left'}
        # c's eBGP route reaches b through a, with c's loopback as next hop
        right6 = next(n for n, _ in net.topo.plan.routers['right'].networks if n.version == 6)
        route = b.routing.best_route(b, str(right6))
        assert route.as_path == '65002' and \
            ipaddress.ip_address(route.next_hop) == loopbacks['c'][1]
        assert c.routing.best_route(c, str(right6)).as_path == '65002'
        assert labinfo.page(net, version=6) == QUESTION
        assert [h['node'] for h in tracing.trace(net, 'host', 'webserver', 6)] == [
            'host', 'left', 'b', 'a', 'c', 'right', 'webserver']
        results = grading.check(net)
        assert all(r.passed for r in results), grading.report(results)
    finally:
        net.stop()


def test_an_ixp_lan_carries_peering_routes_between_frr_and_bird():
    net = build_lab(topology='lab', file=example('ixp'))
    try:
        assert net['as30'].routing.key == 'bird' and net['as10'].routing.key == 'frr'
        as10 = net['as10']
        # peering (local preference 200) wins over transit (100)
        assert as10.routing.best_routes(as10)[prefix_of_as(net, 30)] == '30'
        hops = tracing.trace(net, 'host', 'webserver')
        assert [h['node'] for h in hops] == ['host', 'as10', 'as30', 'webserver']
        assert hops[1]['next_as'] == 'across to a peer'
        assert labinfo.page(net) == QUESTION
        results = grading.check(net)
        assert all(r.passed for r in results), grading.report(results)
    finally:
        net.stop()


def test_an_as_graph_from_a_caida_file_is_a_valley_free_dual_stack_internet(tmp_path):
    path = tmp_path / 'sample.as-rel.txt.bz2'
    path.write_bytes(bz2.compress(SAMPLE.encode()))   # test_asgraph's sample
    net = build_lab(topology='asgraph', file=str(path), n=5, ipv6=1)
    try:
        assert sorted(r.name for r in labinfo.routers(net)) == ['as1', 'as2', 'as3', 'as4',
                                                                 'as5']
        as3 = net['as3']
        # AS 3 reaches AS 4 up and over the top, in both families
        routes = as3.routing.best_routes(as3)
        assert {routes[network] for network, _ in net.topo.plan.routers['as4'].networks} \
            == {'1 2 4'}
        results = grading.check(net)
        assert all(r.passed for r in results), grading.report(results)
        assert any('(IPv6)' in r.name for r in results)
    finally:
        net.stop()


OVERRIDES = """\
version: 1
ases:
  100: {routers: [a]}
  200: {routers: [b], suite: bird}
  300: {routers: [c]}
  400: {routers: [d]}
links:
  # a prefers its peer b over its own customer c, b makes its routes to a
  # look long and tags them; d takes at most one prefix from a
  - {between: [a, b], relationship: peer, password: s3cret, a: {local_pref: 400},
     b: {prepend: 2, med: 7, communities: ['200:66']}}
  - {between: [a, c], relationship: provider-customer}
  - {between: [b, c], relationship: provider-customer}
  - {between: [a, d], relationship: provider-customer, d: {max_prefix: 1}}
"""


def test_a_files_session_overrides_reach_the_routers(tmp_path):
    path = tmp_path / 'overrides.yml'
    path.write_text(OVERRIDES)
    net = build_lab(topology='lab', file=str(path), converge=False)
    try:
        a, d = net['a'], net['d']
        of_c = str(prefix_of_as(net, 300))
        assert procs.wait_until(lambda: (a.routing.best_route(a, of_c) or ())[1:2] ==
                                ('200 200 200 300',), 20, interval=0.2), \
            a.routing.best_route(a, of_c)
        best = next(p for p in a.vtysh_json('show ip bgp %s json' % of_c)['paths']
                    if p.get('bestpath', {}).get('overall'))
        assert (best['locPrf'], best['metric'], best['community']['string']) == \
            (400, 7, '200:66')
        # a sends d its three other prefixes: over d's limit of one, d ends the session
        assert procs.wait_until(lambda: any(
            'PfxCt' in s.state for s in d.routing.sessions(d).values()),     # Idle (PfxCt)
            20, interval=0.2), d.routing.sessions(d)
    finally:
        net.stop()


def readme_example():
    """The lab file the README shows in full."""
    with open(os.path.join(os.path.dirname(EXAMPLES), 'README.md')) as readme:
        text = readme.read()
    start = text.index('```yaml\nversion: 1\n') + len('```yaml\n')
    return text[start:text.index('```', start)]


def test_the_readmes_whole_file_is_a_working_lab(tmp_path):
    path = tmp_path / 'readme.yml'
    path.write_text(readme_example())
    net = build_lab(topology='lab', file=str(path))
    try:
        results = grading.check(net)
        assert all(r.passed for r in results), grading.report(results)
        assert labinfo.page(net, version=6) == QUESTION
        assert {net[name].routing.key for name in ('a', 'left', 'as65002')} == {'frr', 'bird'}
    finally:
        net.stop()
