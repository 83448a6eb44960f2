"""The exercise checker: PASS on the solution, FAIL naming the right
requirement and cause on broken configs (integration, real stack)."""

import os
import signal
import subprocess

import pytest

from bgptopo import grading, procs
from conftest import MN, REPO, bgpd_overlay, build_lab

pytestmark = pytest.mark.integration

BROKEN_TIMEOUT = 4.0   # sessions come up in about 1 s when they can


def failures(net, timeout=BROKEN_TIMEOUT):
    return {r.name: r.reason for r in grading.check(net, timeout) if not r.passed}


def graded(etc):
    net = build_lab(converge=False, etc=etc)
    try:
        return failures(net)
    finally:
        net.stop()


def test_solution_passes_with_mn_test_check():
    run = subprocess.run(MN + ['bgp3', '--test', 'check'], cwd=REPO, timeout=120,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         universal_newlines=True)
    assert run.returncode == 0, run.stdout
    assert 'score 14/14: all requirements met' in run.stdout


def test_exercise_as_handed_out_fails_with_exit_1():
    run = subprocess.run(MN + ['bgp3,exercise=1', '--test', 'check'], cwd=REPO, timeout=120,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         universal_newlines=True)
    assert run.returncode == 1
    assert "FAIL  session r1-r2 is Established: r1's bgpd.conf has no `router bgp` section" \
        in run.stdout
    assert 'score 0/8' in run.stdout


def test_wrong_remote_as(tmp_path):
    found = graded(bgpd_overlay(tmp_path, 'r1', ('neighbor 192.168.12.2 remote-as 55000',
                                                 'neighbor 192.168.12.2 remote-as 55001')))
    assert found['session r1-r2 is Established'] == \
        'r1 expects AS 55001 at 192.168.12.2, but r2 runs AS 55000'


def test_wrong_neighbor_address(tmp_path):
    etc = bgpd_overlay(tmp_path, 'r1', ('neighbor 192.168.12.2 ', 'neighbor 192.168.12.9 '))
    found = graded(etc)
    assert found['session r1-r2 is Established'] == \
        "r1's neighbor 192.168.12.9 is not r2's address on their link (192.168.12.2)"


def test_missing_network_statement(tmp_path):
    found = graded(bgpd_overlay(tmp_path, 'r2', ('  network 12.0.0.0/24\n', '')))
    assert found['AS 55000 originates 12.0.0.0/24'] == \
        'r2 has no `network 12.0.0.0/24` under address-family ipv4 unicast'


def test_missing_export_policy(tmp_path):
    found = graded(bgpd_overlay(tmp_path, 'r2',
                                ('  neighbor 192.168.12.1 route-map TO-PEERS out\n', '')))
    assert found['r1 accepts routes from r2'] == (
        'r2 has no export route-map (`neighbor 192.168.12.1 route-map NAME out`) toward r1; '
        'FRR sends an eBGP peer nothing without a policy')
    assert 'AS 55000 originates 12.0.0.0/24' not in found    # r1 still learns it via r3


def test_router_down():
    net = build_lab()
    try:
        r3 = net['r3']
        os.kill(r3.daemon_pids['bgpd'], signal.SIGKILL)
        assert procs.wait_until(lambda: not r3.daemon_running('bgpd'), 5)
        found = failures(net, timeout=0)
    finally:
        net.stop()
    assert found['session r1-r3 is Established'] == \
        "r3's bgpd is not running (`restart r3` starts it)"
    assert 'AS 65000 originates 11.0.0.0/24' in found
