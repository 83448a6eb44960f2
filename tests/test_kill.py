"""Integration: a lab whose mn is killed (SIGKILL) leaves nothing once
`mn -c` has run: no container, no zebra/bgpd, no node shell, no namespace,
no veth, no run directory."""

import os
import signal
import subprocess

import pexpect
import pytest

from bgptopo import containers, procs
from conftest import MN, REPO, lab_traces, new_traces, our_daemons

pytestmark = pytest.mark.integration


def test_sigkill_then_mn_c_leaves_no_trace():
    before = lab_traces()
    child = pexpect.spawn(MN[0], MN[1:] + ['bgp3'], cwd=REPO, timeout=60, encoding='utf-8')
    child.expect('mininet> ')
    assert len(our_daemons()) == 6
    assert len(containers.lab_containers(containers.client())) == 2
    os.kill(child.pid, signal.SIGKILL)
    child.close()
    subprocess.run(['mn', '-c'], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   timeout=120, check=True)
    assert procs.wait_until(lambda: not new_traces(before), 10, interval=0.1), new_traces(before)
