"""Integration: a config the daemon rejects stops the lab before anything is built."""

import shutil
import subprocess
import time

import pytest

from bgptopo import containers
from conftest import MN, REPO, bgpd_overlay, build_lab, lab_traces, new_traces, run_lab_test

pytestmark = pytest.mark.integration

DEADLINE = 3    # seconds: a convergence deadline the test waits out on purpose


@pytest.fixture
def broken_etc(tmp_path):
    etc = tmp_path / 'quagga'
    shutil.copytree(REPO + '/etc/quagga', str(etc))
    conf = etc / 'r2' / 'bgpd.conf'
    conf.write_text(conf.read_text().replace(
        'neighbor 192.168.23.3 remote-as 65000', 'neighbor 192.168.23.3 remote-az 65000'))
    return etc


def test_rejected_config_names_router_file_line_and_message(broken_etc):
    run = subprocess.run(MN + ['bgp3,etc=%s' % broken_etc, '--test', 'fetch'], timeout=60,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         universal_newlines=True)
    assert run.returncode == 2
    conf = broken_etc / 'r2' / 'bgpd.conf'
    number = conf.read_text().splitlines().index(' neighbor 192.168.23.3 remote-az 65000') + 1
    line = [l for l in run.stdout.splitlines() if l.startswith('*** bgptopo:')]
    assert len(line) == 1
    assert line[0].startswith('*** bgptopo: r2: bgpd rejects %s line %d '
                              '"neighbor 192.168.23.3 remote-az 65000": ' % (conf, number))
    assert 'Traceback' not in run.stdout and '*** Creating network' not in run.stdout
    assert containers.lab_containers(containers.client()) == []


def test_a_lab_that_cannot_converge_ends_fetch_with_a_sentence_in_time(tmp_path):
    """r1 expects AS 55001 behind 192.168.12.2 (r2 runs 55000): the session
    never comes up. --test fetch gives up at the convergence deadline (mn's
    30 s, here a shorter one), says why and exits 1, leaving nothing behind."""
    etc = bgpd_overlay(tmp_path, 'r1', ('neighbor 192.168.12.2 remote-as 55000',
                                        'neighbor 192.168.12.2 remote-as 55001'))
    before = lab_traces()
    net = build_lab(converge=False, etc=etc)
    started = time.monotonic()
    status, printed = run_lab_test('fetch', net, timeout=DEADLINE)
    elapsed = time.monotonic() - started
    if status == 0:
        net.stop()
    assert status == 1, printed
    line = [l for l in printed.splitlines() if l.startswith('*** bgptopo:')]
    assert len(line) == 1 and 'Traceback' not in printed, printed
    assert line[0].startswith('*** bgptopo: BGP did not converge within %d s: ' % DEADLINE)
    assert '192.168.12.2' in line[0]
    assert DEADLINE <= elapsed < DEADLINE + 5
    assert new_traces(before) == {}
