"""The exercise checker: PASS on the solution, FAIL naming the right
requirement and cause on broken configs (integration, real stack)."""

import subprocess

import pytest

from bgptopo import grading, procs
from conftest import MN, REPO, bgpd_overlay, build_lab, run_lab_test

pytestmark = pytest.mark.integration

BROKEN_TIMEOUT = 4.0   # sessions come up in about 1 s when they can


def outcomes(net):
    """{requirement: 'PASS' or the reason it fails now}, all 14 of them."""
    results = {r.name: 'PASS' if r.passed else r.reason for r in grading.check(net, 0)}
    assert len(results) == 14
    return results


def graded(etc, expected):
    """Assert that a lab started from etc is graded as expected
    ({requirement: outcome}) once BGP has acted (the session r2-r3, which no
    overlay here breaks, is up): within BROKEN_TIMEOUT."""
    expected = dict(expected, **{'session r2-r3 is Established': 'PASS'})
    net = build_lab(converge=False, etc=etc)
    found = {}
    try:
        procs.wait_until(lambda: found.update(outcomes(net)) or all(
            found[name] == outcome for name, outcome in expected.items()),
            BROKEN_TIMEOUT, interval=0.2)
    finally:
        net.stop()
    assert all(found[name] == outcome for name, outcome in expected.items()), found


def test_solution_passes_with_mn_test_check():
    run = mn_check('bgp3')
    assert run.returncode == 0, run.stdout
    assert 'score 14/14: all requirements met' in run.stdout


def mn_check(topo, *options):
    return subprocess.run(MN + [topo, '--test', 'check'] + list(options), cwd=REPO,
                          timeout=120, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True)


def test_exercise_as_handed_out_fails_with_exit_1_and_the_full_total():
    """--test check, grading once (timeout=0) where mn would wait out its
    15 s: nothing here can pass, no router runs BGP."""
    net = build_lab(converge=False, exercise=1)
    status, printed = run_lab_test('check', net, timeout=0)
    if status == 0:
        net.stop()
    assert status == 1
    assert ("FAIL  session r1-r2 is Established: r1 runs no `router bgp` section: write one "
            "in its bgpd.conf and `restart r1`") in printed
    assert 'FAIL  r1 accepts routes from r2: the session is not Established' in printed
    assert 'score 0/14' in printed
    assert '*** bgptopo: 14 of 14 requirements failed.' in printed


def test_ring_is_graded_against_its_own_configs():
    run = mn_check('bgpring,n=4')
    assert run.returncode == 0, run.stdout
    results = [l for l in run.stdout.splitlines() if l.startswith(('PASS', 'FAIL'))]
    assert len(results) == 16 and all(l.startswith('PASS') for l in results), run.stdout
    assert 'PASS  AS 65004 originates 10.1.4.0/24' in results
    assert 'score 16/16: all requirements met' in run.stdout


def test_broken_ring_fails_with_exit_1():
    """--test check on a ring whose r2 runs no bgpd (stopped at the start,
    as a --pre script would), once the rest of the ring has settled."""
    net = build_lab(converge=False, topology='bgpring', n=4)
    procs.stop(net['r2'].daemon_pids['bgpd'])
    passed = lambda: sum(r.passed for r in grading.check(net, 0))
    procs.wait_until(lambda: passed() == 6, grading.TIMEOUT, interval=0.2)
    status, printed = run_lab_test('check', net, timeout=0)
    if status == 0:
        net.stop()
    assert status == 1, printed
    assert ("FAIL  session r1-r2 is Established: r2's bgpd is not running (`restart r2` "
            "starts it)") in printed
    assert 'FAIL  r1 accepts routes from r2: the session is not Established' in printed
    assert 'score 6/16' in printed and 'Traceback' not in printed


def test_missing_export_policy(tmp_path):
    etc = bgpd_overlay(tmp_path, 'r2', ('  neighbor 192.168.12.1 route-map TO-PEERS out\n', ''))
    graded(etc, {'r1 accepts routes from r2': (
               'r2 has no export route-map (`neighbor 192.168.12.1 route-map NAME out`) toward '
               'r1; FRR sends an eBGP peer nothing without a policy'),
            'AS 55000 originates 12.0.0.0/24': 'PASS'})     # r1 learns it via r3


def test_export_filter_broken_live_is_the_accept_requirements_cause():
    net = build_lab()
    try:
        net['r2'].vtysh('configure terminal', 'route-map TO-PEERS deny 5', 'end',
                        'clear ip bgp * soft out')
        from_r2 = lambda: net['r1'].routing.sessions(net['r1'])['192.168.12.2'].received
        assert procs.wait_until(lambda: from_r2() == 0, BROKEN_TIMEOUT, interval=0.1)
        found = outcomes(net)
    finally:
        net.stop()
    assert found['r1 accepts routes from r2'] == (
        "r2's export route-map TO-PEERS toward r1 rejects 11.0.0.0/24: its entry `deny 5` "
        "matches it")
    assert found['r3 accepts routes from r2'].startswith(
        "r2's export route-map TO-PEERS toward r3 rejects 10.0.0.0/24")
