"""Integration: a lab whose mn is killed (SIGKILL) leaves nothing once
`mn -c` has run: no container, no zebra/bgpd, no veth."""

import os
import signal
import subprocess

import pexpect
import pytest

from bgptopo import containers, procs
from conftest import MN, REPO

pytestmark = pytest.mark.integration


def our_daemons():
    """Pids of running daemons started from this checkout's configs."""
    found = []
    for entry in os.listdir('/proc'):
        try:
            with open('/proc/%s/cmdline' % entry, 'rb') as cmdline:
                args = cmdline.read().split(b'\0')
        except (OSError, ValueError):
            continue
        if any(arg.startswith((REPO + '/etc/quagga').encode()) for arg in args) \
                and procs.alive(int(entry)):
            found.append(int(entry))
    return found


def test_sigkill_then_mn_c_leaves_no_trace():
    child = pexpect.spawn(MN[0], MN[1:] + ['bgp3'], cwd=REPO, timeout=60, encoding='utf-8')
    child.expect('mininet> ')
    assert len(our_daemons()) == 6
    assert len(containers.lab_containers(containers.client())) == 2
    os.kill(child.pid, signal.SIGKILL)
    child.close()
    subprocess.run(['mn', '-c'], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   timeout=120, check=True)
    assert procs.wait_until(lambda: not our_daemons(), 10)
    assert procs.wait_until(lambda: not containers.lab_containers(containers.client()), 10)
    links = subprocess.check_output(['ip', '-o', 'link', 'show'], universal_newlines=True)
    assert '-eth' not in links
