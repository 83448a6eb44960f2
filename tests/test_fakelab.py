"""The fake lab (tests/fakelab.py, fakefrr.py) answers as the real one did:
held against real answers captured in tests/fixtures/frr/ (capture.py),
FRR's JSON with the same keys, and read by the FRR suite and the lab into
the same facts; and it refuses states no real lab could be in."""

import ipaddress
import json
import os
import shlex

import pytest

import fakelab
from fakelab import NO_RUN_DIR
from fakefrr import SAMPLES_DIR, SHELL_SAMPLES, VTYSH_SAMPLES, ImpossibleState, sample
from bgptopo import lab, routing, tracing
from bgptopo.errors import LabError
from bgptopo.routing.frr.policy import Policy

FRR = routing.suite('frr')
# the captured lab states and the cases that describe the same state
SAME_STATE = {'solved': 'solved', 'exercise': 'exercise'}
# captures of a state like a case's but not the same (one link, one session
# broken, not two): their summaries and addresses have the same keys
LIKE_STATE = dict(SAME_STATE, **{'remote-as-mismatch': 'remote-as-mismatch',
                                 'link-down': 'link-down'})
LIKE_ONLY = ('summary.json', 'addr.json')


def samples():
    """(lab state, node, what) of every captured answer."""
    return sorted(tuple(name.split('.', 2)) for name in os.listdir(SAMPLES_DIR)
                  if name.count('.') >= 2 and not name.endswith('.py'))


class SampleNode(object):
    """A node of a captured lab state that answers what was captured from it."""

    routing = FRR

    def __init__(self, state, name):
        self.state, self.name = state, name

    def run_file(self, name):
        return os.path.join(NO_RUN_DIR, name)     # no socket: vtysh is asked

    def cmd(self, line):
        words = shlex.split(line)
        if words[0] == 'vtysh':
            what = next(w for w, c in VTYSH_SAMPLES.items() if c == words[2])
        else:
            what = next(w for w, c in SHELL_SAMPLES.items() if c == line)
        return sample('%s.%s.%s' % (self.state, self.name, what))


def fake_answer(net, node, what):
    command = VTYSH_SAMPLES.get(what)
    return net[node].cmd("vtysh -c '%s' 2>&1" % command if command else SHELL_SAMPLES[what])


def shape(value):
    """value's keys, all the way down. A list, or a dict keyed by addresses or
    prefixes (peers, routes: data, not FRR's words): the set of its items' shapes."""
    if isinstance(value, dict) and not all(map(is_address, value)):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, (dict, list)):
        items = value.values() if isinstance(value, dict) else value
        return sorted({json.dumps(shape(item), sort_keys=True) for item in items})
    return type(value).__name__


def is_address(key):
    try:
        return bool(ipaddress.ip_network(key, strict=False))
    except ValueError:
        return False


@pytest.fixture(scope='module')
def nets():
    return {state: fakelab.Case(case).lab() for state, case in LIKE_STATE.items()}


@pytest.mark.parametrize('state, node, what', [
    (state, node, what) for state, node, what in samples()
    if state in SAME_STATE or (state in LIKE_STATE and what in LIKE_ONLY)])
def test_the_fake_answers_with_the_keys_the_real_lab_printed(nets, state, node, what):
    real = sample('%s.%s.%s' % (state, node, what))
    fake = fake_answer(nets[state], node, what)
    if what.endswith('.json') and real.lstrip().startswith(('{', '[')):
        assert shape(json.loads(fake)) == shape(json.loads(real))
    elif what != 'running-config.txt':
        assert fake == real         # an error, a page: word for word


@pytest.mark.parametrize('state, node', sorted({(s, n) for s, n, what in samples()
                                                if s in SAME_STATE and what == 'summary.json'}))
def test_the_frr_suite_reads_the_fake_as_it_read_frr(nets, state, node):
    real, fake = SampleNode(state, node), nets[state][node]
    assert FRR.sessions(fake) == FRR.sessions(real)
    assert FRR.best_routes(fake) == FRR.best_routes(real)
    assert FRR.best_route(fake, '12.0.0.0/24') == FRR.best_route(real, '12.0.0.0/24')
    found, expected = FRR.running_config(fake), FRR.running_config(real)
    assert (found.asn, found.router_id, found.neighbors, found.networks) == \
        (expected.asn, expected.router_id, expected.neighbors, expected.networks)
    found, expected = (Policy(FRR.show(router, ['running-config'])) for router in (fake, real))
    assert found.__dict__ == expected.__dict__


def test_what_r1_sent_kept_and_routes_by_reads_the_same(nets):
    real, fake = SampleNode('solved', 'r1'), nets['solved']['r1']
    peer = ipaddress.ip_address('192.168.12.2')
    assert FRR.advertised(fake, peer) == FRR.advertised(real, peer)
    assert FRR.kept(fake, peer) == FRR.kept(real, peer)
    assert FRR.best_route(fake, '12.0.0.1') == FRR.best_route(real, '12.0.0.1')
    assert FRR.best_route(fake, '99.0.0.0/24') is FRR.best_route(real, '99.0.0.0/24') is None


@pytest.mark.parametrize('state, node', [('solved', 'r1'), ('solved', 'host'), ('exercise', 'r1')])
def test_the_lab_reads_the_fake_kernel_as_it_read_the_real_one(nets, state, node):
    real, fake = SampleNode(state, node), nets[state][node]
    assert tracing.route_get(fake, '12.0.0.1') == tracing.route_get(real, '12.0.0.1')


@pytest.mark.parametrize('state, node', [('solved', 'r1'), ('solved', 'host'), ('link-down', 'r1')])
def test_the_lab_reads_the_fake_addresses_as_it_read_the_real_ones(nets, state, node):
    assert lab.addresses(nets[state][node]) == lab.addresses(SampleNode(state, node))


@pytest.mark.parametrize('state', sorted(SAME_STATE))
def test_a_fetch_gets_what_the_real_one_got(nets, state):
    def fetched(node):
        try:
            return lab.fetch(node, 'http://12.0.0.1/', timeout=2)
        except LabError as failure:
            return str(failure)
    assert fetched(nets[state]['host']) == fetched(SampleNode(state, 'host'))


def solved_with(routers=None, links_down=(), hosts=None):
    """The solved lab's state with changes over it."""
    state = fakelab.Case(fakelab.SOLVED).state()
    state['routers'] = fakelab.merged(state['routers'], routers or {})
    state['hosts'] = hosts or {}
    state['links down'] = list(links_down)
    return state


@pytest.mark.parametrize('changes, sentence', [
    ({'routers': {'r2': {'bgpd': 'down'}}},
     "r1's session to 192.168.12.2 cannot be Established: r2 runs no BGP"),
    ({'links_down': [('r1', 'r2')]},
     "r1's session to 192.168.12.2 cannot be Established: the link to r2 is down"),
    ({'routers': {'r1': {'sessions': {'192.168.12.2': 'Active'},
                         'best': {'12.0.0.0/24': 'r3'}}}},
     "r2's session to 192.168.12.1 cannot be Established: r1's session to it is Active"),
    ({'routers': {'r1': {'kept': {'r2': ['11.0.0.0/24']}}}},
     "r1's best route to 12.0.0.0/24 comes from r2, which it did not keep from r2"),
    ({'routers': {'r2': {'best': {'12.0.0.0/24': None}}}},
     "r3's best route to 12.0.0.0/24 comes from r2, which holds none to pass on"),
    ({'routers': {'r1': {'best': {'11.0.0.0/24': None}}}},
     'r1 keeps 11.0.0.0/24 from r2, yet has no best route to it'),
    ({'routers': {'r4': {}}}, 'the lab has no router r4'),
    ({'routers': {'r1': {'routes': {}}}}, "r1: routes is no part of a router's state (those are "
                                          "addresses, advertised, best, bgpd, kept, sessions)"),
    ({'hosts': {'webserver': {'serving': False}}}, "webserver: serving is no part of a host's "
                                                   "state (those are default route, serves)"),
])
def test_a_state_no_lab_could_be_in_is_refused(changes, sentence):
    with pytest.raises(ImpossibleState) as refused:
        fakelab.FakeNet(fakelab.Case(fakelab.SOLVED).topology(), solved_with(**changes))
    assert str(refused.value) == sentence


def test_a_question_the_fake_cannot_answer_says_so():
    net = fakelab.Case(fakelab.SOLVED).lab()
    with pytest.raises(AssertionError, match="r1 is not asked `vtysh -c 'show bgp vrf all'"):
        net['r1'].cmd("vtysh -c 'show bgp vrf all' 2>&1")
