"""Integration: the prefix hijack and its defence, step by step, on a
bgp3,hijack=1 lab: the page host fetches before, during and after."""

import time
from contextlib import contextmanager

import pytest

from bgptopo import lab as labinfo, procs
from bgptopo.errors import LabError
from bgptopo.routing.frr.policy import Policy
from bgptopo.routing.frr.shell import running_config_text
from bgptopo.scenarios import hijack
from bgpviews import (R1_AS, R3_AT_R1, SETTLE, keeping_received_routes, table_paths,
                      wait_received)

pytestmark = pytest.mark.integration

REAL, ROGUE = 'You reached the web server', 'HIJACKED'


LAB_PARAMS = {'hijack': 1}      # conftest's lab fixture builds the hijack lab


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


def announced(net, variant):
    """The prefixes r3 announces in variant, as BGP tables write them."""
    return [str(prefix) for prefix in hijack.announced(net, variant)]


def rogue_paths(net, prefix):
    """r1's paths for prefix that r3 announces as its own (AS path 65000)."""
    return table_paths(net['r1'], prefix, peer=R3_AT_R1, as_path='65000')


@pytest.mark.parametrize('variant', ['specific', 'exact'])
def test_hijack_serves_the_rogue_page_and_stop_restores(lab, variant):
    """r1 chooses r3's announcement (AS path 65000), which RPKI finds Invalid."""
    hijack.rpki_loaded(lab['r1'])
    before = running_config_text(lab['r3'])
    hijack.start(lab, variant)
    try:
        assert shows(lab, ROGUE)
        for prefix in announced(lab, variant):
            chosen = lambda: [p for p in rogue_paths(lab, prefix)
                              if p.get('bestpath', {}).get('overall')]
            assert procs.wait_until(chosen, SETTLE, interval=0.2), prefix
            assert chosen()[0]['rpkiValidationState'] == 'invalid'
    finally:
        hijack.stop(lab)
    assert shows(lab, REAL)
    assert procs.wait_until(lambda: not any(rogue_paths(lab, p)
                                            for p in announced(lab, variant)),
                            SETTLE, interval=0.2)
    # every change undone: announcements, export entries, import-check, the address
    assert running_config_text(lab['r3']) == before


@pytest.mark.parametrize('variant', ['specific', 'exact'])
def test_defence_rejects_the_hijack_and_keeps_legitimate_routes(lab, variant):
    """r1 receives r3's announcements and drops them: they reach its
    Adj-RIB-In (received-routes), never its table."""
    r1 = lab['r1']
    hijack.defend(lab, True)
    try:
        with keeping_received_routes(r1, R1_AS, R3_AT_R1):
            hijack.start(lab, variant)
            for prefix in announced(lab, variant):
                assert wait_received(r1, R3_AT_R1, prefix, '65000'), prefix
                assert rogue_paths(lab, prefix) == []
            assert stays(lab, REAL)
            routes = r1_routes(lab)
            assert '12.0.0.0/24 nhid' in routes and 'via 192.168.12.2' in routes
            assert '11.0.0.0/24' in routes and '12.0.0.0/25' not in routes
    finally:
        hijack.stop(lab)
        hijack.defend(lab, False)


def test_defence_keeps_the_legitimate_detour_through_r3(lab):
    """Origin validation is not a ban on R3: 65000 55000 still carries 12/24."""
    hijack.defend(lab, True)
    try:
        lab.configLinkStatus('r1', 'r2', 'down')
        assert shows(lab, REAL)
        assert 'via 192.168.13.3' in [l for l in r1_routes(lab).splitlines()
                                      if l.startswith('12.0.0.0/24')][0]
    finally:
        lab.configLinkStatus('r1', 'r2', 'up')
        hijack.defend(lab, False)


def test_rpki_marks_the_hijack_invalid(lab):
    hijack.rpki_loaded(lab['r1'])
    hijack.start(lab, 'exact')
    try:
        invalid = lambda: any(line.startswith('I') and '65000 i' in line
                              for line in lab['r1'].vtysh('show ip bgp').splitlines())
        assert procs.wait_until(invalid, SETTLE, interval=0.2)
    finally:
        hijack.stop(lab)


def no_scenario():
    """A net without the hijack lab's rogue (the check reads nothing else)."""
    return type('Net', (), {'__contains__': lambda self, n: False})()


def test_hijack_needs_the_scenario():
    with pytest.raises(LabError, match='start it with --topo bgp3,hijack=1'):
        hijack.start(no_scenario())


def test_defend_needs_the_scenario_and_says_so_at_once():
    """Not 15 s of waiting for an RPKI table that a plain lab never has."""
    started = time.monotonic()
    with pytest.raises(LabError, match='no RPKI on r1 .*start it with --topo bgp3,hijack=1'):
        hijack.defend(no_scenario(), True)
    assert time.monotonic() - started < 1


@contextmanager
def renamed_import_maps(router, asn):
    """router's eBGP sessions import through route-maps of new names (copies
    of the ones they use), as an operator's rename at its vtysh would do;
    the old maps stay, unused. Back to the old ones at the end."""
    policy = Policy(running_config_text(router))
    old = hijack.import_maps(running_config_text(router))
    new = {address: '%s-RENAMED' % name for address, name in old.items()}
    commands = ['configure terminal']
    for name in sorted(set(old.values())):
        for entry in policy.route_maps[name]:
            commands += ['route-map %s-RENAMED %s %d' % (name, entry.action, entry.seq)]
            commands += ['match %s' % clause for clause in entry.matches] + ['exit']
    router.vtysh(*commands + neighbor_maps(asn, new))
    try:
        yield sorted(set(new.values()))
    finally:
        router.vtysh(*['configure terminal'] + neighbor_maps(asn, old) +
                     ['no route-map %s' % name for name in sorted(set(new.values()))] +
                     ['end', 'clear ip bgp * soft in'])


def neighbor_maps(asn, maps):
    """vtysh commands (in configure mode) that make each neighbor import through maps[it]."""
    return ['router bgp %d' % asn, 'address-family ipv4 unicast'] + [
        'neighbor %s route-map %s in' % item for item in sorted(maps.items())] + ['exit', 'exit']


def test_defence_follows_import_route_maps_renamed_at_run_time(lab):
    """`defend on` reads r1's running config: route-maps renamed while the lab
    runs get the deny entries, and the hijack is dropped."""
    r1 = lab['r1']
    with renamed_import_maps(r1, R1_AS) as renamed:
        assert sorted(set(hijack.import_maps(running_config_text(r1)).values())) == renamed
        hijack.defend(lab, True)
        try:
            with keeping_received_routes(r1, R1_AS, R3_AT_R1):
                hijack.start(lab, 'specific')
                for prefix in announced(lab, 'specific'):
                    assert wait_received(r1, R3_AT_R1, prefix, '65000'), prefix
                    assert rogue_paths(lab, prefix) == []
                assert stays(lab, REAL), (page(lab), r1_routes(lab))
        finally:
            hijack.stop(lab)
            hijack.defend(lab, False)
    guards = [entry for entries in Policy(running_config_text(r1)).route_maps.values()
              for entry in entries if hijack.is_guard(entry)]
    assert guards == []         # defend off removed them all
