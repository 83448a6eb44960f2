"""Unit tests: the checker of lab-file and asgraph labs, on fake routers
that answer sessions and best routes as a suite would."""

import ipaddress

import pytest

from bgptopo import grading, labgrading
from bgptopo.errors import LabError
from bgptopo.labmodel import AutonomousSystem, Lab, LabRouter, RouterLink
from bgptopo.routing.contract import Peer, RouterPlan, Session

# AS 1 and AS 2 peer; AS 3 (routers r3a, r3b, iBGP) is 1's customer; AS 4
# is multi-homed to 2 and 3; AS 6 peers with 3. (router a, router b, what
# b's AS is to a's)
LINKS = [('as1', 'as2', 'peer'), ('as1', 'r3a', 'customer'), ('as2', 'as4', 'customer'),
         ('r3b', 'as4', 'customer'), ('r3a', 'as6', 'peer'), ('r3a', 'r3b', None)]
ROUTERS = {'as1': 1, 'as2': 2, 'r3a': 3, 'r3b': 3, 'as4': 4, 'as6': 6}
V6 = ipaddress.ip_network('2001:db8:1::/48')


def net4(asn):
    return ipaddress.ip_network('10.0.%d.0/24' % asn)


def the_lab():
    ases = {}
    for name, asn in sorted(ROUTERS.items()):
        ases.setdefault(asn, AutonomousSystem(asn, (), (), (), 1))
        ases[asn] = ases[asn]._replace(routers=ases[asn].routers + (name,))
    routers = {name: LabRouter(name, asn, 'frr', 1) for name, asn in ROUTERS.items()}
    links = [RouterLink(a, b, kind, None, None, {}, {}, 1) for a, b, kind in LINKS]
    return Lab('test.yml', ases, routers, {}, links, [], True)


def address(index, side):
    return '10.9.%d.%d' % (index, side)


def the_plans():
    """One session per link (iBGP between loopbacks), and an IPv6 session
    between as1 and as2; each AS's first router originates its prefix."""
    peers = {name: [] for name in ROUTERS}
    for index, (a, b, kind) in enumerate(LINKS):
        internal = kind is None
        peers[a].append(Peer(b, address(index, 2), ROUTERS[b], None,
                             'internal' if internal else kind))
        peers[b].append(Peer(a, address(index, 1), ROUTERS[a], None,
                             'internal' if internal else {'customer': 'provider',
                                                          'peer': 'peer'}[kind]))
    peers['as1'].append(Peer('as2', '2001:db8:99::2', 2, None, 'peer'))
    peers['as2'].append(Peer('as1', '2001:db8:99::1', 1, None, 'peer'))
    plans = {}
    for name, asn in ROUTERS.items():
        networks = [] if name == 'r3b' else [(net4(asn), 'lo')]
        if name == 'as1':
            networks.append((V6, 'lo'))
        plans[name] = RouterPlan(name, asn, '10.1.1.%d' % asn, [], networks, peers[name],
                                 [], 3, 9)
    return plans


# The best routes a Gao-Rexford lab converges to ('' for an AS's own).
HEALTHY = {
    'as1': {1: '', 2: '2', 3: '3', 4: '3 4', 'v6': ''},
    'as2': {1: '1', 2: '', 3: '1 3', 4: '4', 'v6': '1'},
    'r3a': {1: '1', 2: '1 2', 3: '', 4: '4', 6: '6', 'v6': '1'},
    'r3b': {1: '1', 2: '1 2', 3: '', 4: '4', 6: '6', 'v6': '1'},
    'as4': {1: '3 1', 2: '2', 3: '3', 4: '', 6: '3 6', 'v6': '3 1'},
    'as6': {3: '3', 4: '3 4', 6: ''},
}


class FakeSuite(object):
    bgp_daemon = 'bgpd'

    def best_routes(self, router):
        if router.broken:
            raise LabError("%s's vtysh did not answer within 5 s" % router.name)
        return dict(router.routes)


class FakeRouter(object):
    routing = FakeSuite()

    def __init__(self, name, routes, sessions):
        self.name, self.sessions, self.running, self.broken = name, sessions, True, False
        self.routes = {V6 if key == 'v6' else net4(key): path for key, path in routes.items()}

    def bgp_running(self):
        return self.running


def healthy_net():
    """{name: FakeRouter} with every planned session Established."""
    sessions = {name: {} for name in ROUTERS}
    for name, plan in the_plans().items():
        for peer in plan.peers:
            sessions[name][peer.address] = Session('Established', 1)
    return {name: FakeRouter(name, HEALTHY[name], sessions[name]) for name in ROUTERS}


@pytest.fixture
def net(monkeypatch):
    routers = healthy_net()
    monkeypatch.setattr(labgrading.convergence, 'all_sessions', lambda asked: {
        router: (router.sessions if router.running else {}) for router in asked})
    return routers


def failures(results):
    return {r.name: r.reason for r in results if not r.passed}


def test_a_healthy_lab_passes_every_requirement(net):
    results = labgrading.evaluate(net, the_lab(), the_plans())
    assert failures(results) == {}
    assert len(results) == 7 + 2 * 6     # sessions, then two per router
    assert [r.name for r in results][:7] == [
        'session as1-as2 is Established', 'session as1-as2 (IPv6) is Established',
        'session as1-r3a is Established', 'session as2-as4 is Established',
        'session as4-r3b is Established', 'session as6-r3a is Established',
        'iBGP session r3a-r3b is Established']
    assert 'score 19/19: all requirements met' in grading.report(results)


def test_a_session_down_names_its_state_at_each_end(net):
    net['as4'].sessions[address(3, 1)] = Session('Active', 0)
    del net['r3b'].sessions[address(3, 2)]
    assert failures(labgrading.evaluate(net, the_lab(), the_plans())) == {
        'session as4-r3b is Established':
            "as4's session to r3b at 10.9.3.1 is Active; r3b has no session to as4 at 10.9.3.2"}


def test_an_ipv6_session_is_graded_on_its_own(net):
    net['as2'].sessions['2001:db8:99::1'] = Session('Connect', 0)
    assert failures(labgrading.evaluate(net, the_lab(), the_plans())) == {
        'session as1-as2 (IPv6) is Established':
            "as2's session to as1 at 2001:db8:99::1 is Connect"}


def test_a_missing_route_is_named_with_its_origin(net):
    del net['as6'].routes[net4(4)]
    del net['as2'].routes[V6]
    found = failures(labgrading.evaluate(net, the_lab(), the_plans()))
    assert found == {
        'as6 has a route to each prefix valley-free export gives AS 6':
            "no route to 10.0.4.0/24 (AS 4's)",
        'as2 has a route to each prefix valley-free export gives AS 2':
            "no route to 2001:db8:1::/48 (AS 1's)"}


def test_a_route_valley_free_export_does_not_give_is_not_required(net):
    # as6 holds nothing from AS 1 or AS 2 and passes (HEALTHY has none)
    assert net['as6'].routes.keys().isdisjoint({net4(1), net4(2), V6})
    results = labgrading.evaluate(net, the_lab(), the_plans())
    assert failures(results) == {}


def test_a_route_from_the_wrong_origin_is_named(net):
    net['as1'].routes[net4(4)] = '3 9'
    assert failures(labgrading.evaluate(net, the_lab(), the_plans()))[
        'as1 has a route to each prefix valley-free export gives AS 1'] == \
        "10.0.4.0/24 (AS 4's) is learned from AS 9"


def test_a_leak_names_router_prefix_path_and_hop(net):
    # multi-homed AS 4 passes its provider AS 2's route on to its provider AS 3
    net['r3b'].routes[net4(2)] = '4 2'
    assert failures(labgrading.evaluate(net, the_lab(), the_plans())) == {
        "r3b's best AS paths are valley-free":
            '10.0.2.0/24 via AS path 4 2: AS 4 gave AS 3 a route from its provider AS 2, '
            'and AS 3 is its provider, not its customer'}


def test_many_causes_are_counted_past_the_first_three(net):
    for asn in (1, 2, 4, 6):
        net['r3a'].routes[net4(asn)] = '9'
    net['r3a'].routes[V6] = '9'
    reason = failures(labgrading.evaluate(net, the_lab(), the_plans()))[
        'r3a has a route to each prefix valley-free export gives AS 3']
    assert reason.count('is learned from AS 9') == 3 and reason.endswith('; and 2 more')


def test_a_router_whose_bgp_is_down_fails_with_a_sentence(net):
    net['as6'].running = False
    found = failures(labgrading.evaluate(net, the_lab(), the_plans()))
    assert found == {
        'session as6-r3a is Established': 'as6 has no session to r3a at 10.9.4.1',
        'as6 has a route to each prefix valley-free export gives AS 6':
            "as6's bgpd is not running; `restart as6` starts it again",
        "as6's best AS paths are valley-free":
            "as6's bgpd is not running; `restart as6` starts it again"}


def test_a_router_that_cannot_answer_fails_with_its_sentence(net):
    net['as2'].broken = True
    found = failures(labgrading.evaluate(net, the_lab(), the_plans()))
    assert set(found.values()) == {"as2's vtysh did not answer within 5 s"}
    assert len(found) == 2


def test_a_session_planned_on_one_side_only_says_so():
    plans = the_plans()
    plans['as6'] = plans['as6']._replace(peers=[])
    (one,) = [s for s in labgrading.planned_sessions(plans) if 'as6' in (s.a, s.b)]
    assert (one.a, one.b, one.address_a, str(one.address_b)) == ('r3a', 'as6', None, '10.9.4.2')
    assert labgrading.side_state({}, 'as6', 'r3a', None) == 'as6 has no session planned to r3a'


def test_planned_prefixes_come_from_the_plans_per_as():
    assert labgrading.planned_prefixes(the_plans()) == {
        1: [net4(1), V6], 2: [net4(2)], 3: [net4(3)], 4: [net4(4)], 6: [net4(6)]}
