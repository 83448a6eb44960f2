"""Integration: the prefix hijack and its defence, step by step, on a
bgp3,hijack=1 lab: the page host fetches before, during and after."""

import pytest

from bgptopo import hijacking, lab as labinfo, procs
from bgptopo.errors import LabError
from conftest import build_lab

pytestmark = pytest.mark.integration

REAL, ROGUE = 'You reached the web server', 'HIJACKED'
SETTLE = 10     # seconds for BGP to carry an announcement or withdrawal


@pytest.fixture(scope='module')
def lab():
    net = build_lab(hijack=1)
    yield net
    net.stop()


def page(net):
    try:
        return labinfo.fetch(net['host'], 'http://12.0.0.1/', timeout=2)
    except LabError as failure:
        return str(failure)


def shows(net, text):
    return procs.wait_until(lambda: text in page(net), SETTLE, interval=0.2)


def stays(net, text, seconds=2):
    """text keeps being served for a while (a hijack that should fail, fails)."""
    return not procs.wait_until(lambda: text not in page(net), seconds, interval=0.2)


def r1_routes(net):
    return net['r1'].cmd('ip route show proto bgp')


def test_before_the_hijack_host_gets_the_question(lab):
    assert REAL in page(lab)


@pytest.mark.parametrize('variant', ['specific', 'exact'])
def test_hijack_serves_the_rogue_page_and_stop_restores(lab, variant):
    hijacking.start(lab, variant)
    assert shows(lab, ROGUE)
    table = lab['r1'].vtysh('show ip bgp')
    for prefix in hijacking.VARIANTS[variant]:
        assert prefix in table
    hijacking.stop(lab)
    assert shows(lab, REAL)


@pytest.mark.parametrize('variant', ['specific', 'exact'])
def test_defence_rejects_the_hijack_and_keeps_legitimate_routes(lab, variant):
    hijacking.defend(lab, True)
    try:
        hijacking.start(lab, variant)
        assert stays(lab, REAL)
        routes = r1_routes(lab)
        assert '12.0.0.0/24 nhid' in routes and 'via 192.168.12.2' in routes
        assert '11.0.0.0/24' in routes and '12.0.0.0/25' not in routes
    finally:
        hijacking.stop(lab)
        hijacking.defend(lab, False)


def test_defence_keeps_the_legitimate_detour_through_r3(lab):
    """Origin validation is not a ban on R3: 65000 55000 still carries 12/24."""
    hijacking.defend(lab, True)
    try:
        lab.configLinkStatus('r1', 'r2', 'down')
        assert shows(lab, REAL)
        assert 'via 192.168.13.3' in [l for l in r1_routes(lab).splitlines()
                                      if l.startswith('12.0.0.0/24')][0]
    finally:
        lab.configLinkStatus('r1', 'r2', 'up')
        hijacking.defend(lab, False)


def test_rpki_marks_the_hijack_invalid(lab):
    hijacking.rpki_loaded(lab['r1'])
    hijacking.start(lab, 'exact')
    try:
        invalid = lambda: any(line.startswith('I') and '65000 i' in line
                              for line in lab['r1'].vtysh('show ip bgp').splitlines())
        assert procs.wait_until(invalid, SETTLE, interval=0.2)
    finally:
        hijacking.stop(lab)


def test_hijack_needs_the_scenario():
    with pytest.raises(LabError, match='start it with --topo bgp3,hijack=1'):
        hijacking.start(type('Net', (), {'__contains__': lambda self, n: False})())
