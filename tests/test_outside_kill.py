"""Integration: the lab's node shells killed from outside, the way Mininet's
cleanup does it (another mn that fails, `mn -c`). The lab notices at its
next wait or command, says what died in a sentence, ends within seconds
with a non-zero status, and leaves nothing behind."""

import os
import signal
import subprocess
import time

import pexpect
import pytest

from bgptopo import procs
from conftest import MN, REPO, bgpd_overlay, lab_traces, new_traces, node_shells

pytestmark = pytest.mark.integration

NOTICE = 5      # seconds from the kill to mn's exit, at most
DIED = "shell was killed from outside the lab"


def shells_of(mn_pid):
    """The node shells of the lab run by mn_pid (its children)."""
    def parent(pid):
        try:
            with open('/proc/%d/stat' % pid) as stat:
                return int(stat.read().rsplit(')', 1)[1].split()[1])
        except OSError:
            return None
    return [pid for pid in node_shells() if parent(pid) == mn_pid]


def kill_shells(mn_pid):
    """SIGKILL each node shell of that lab by pid, as `pkill -9 -f mininet:` would."""
    shells = shells_of(mn_pid)
    assert len(shells) == 5, shells
    for pid in shells:
        os.kill(pid, signal.SIGKILL)


def assert_ended_cleanly(child, before):
    """mn exits within NOTICE seconds, status 1, saying a shell died, and
    the machine is back to what it was `before`."""
    start = time.monotonic()
    child.expect(pexpect.EOF, timeout=NOTICE)
    child.close()
    assert time.monotonic() - start <= NOTICE
    assert child.exitstatus == 1, child.before
    assert DIED in child.before and 'Traceback' not in child.before
    assert procs.wait_until(lambda: not new_traces(before), 10, interval=0.1), new_traces(before)


def test_test_fetch_ends_when_its_shells_are_killed(tmp_path):
    """While --test fetch waits for BGP (which cannot converge here: r1
    expects the wrong AS of r2) -- today's hang."""
    before = lab_traces()
    etc = bgpd_overlay(tmp_path, 'r1', ('remote-as 55000', 'remote-as 55001'))
    child = pexpect.spawn(MN[0], MN[1:] + ['bgp3,etc=%s' % etc, '--test', 'fetch'],
                          cwd=REPO, timeout=60, encoding='utf-8')
    child.expect('Starting 0 switches')
    kill_shells(child.pid)
    assert_ended_cleanly(child, before)


def test_the_prompt_ends_the_lab_after_mn_c():
    """An interactive lab, and `mn -c` run from another terminal."""
    before = lab_traces()
    child = pexpect.spawn(MN[0], MN[1:] + ['bgp3'], cwd=REPO, timeout=60, encoding='utf-8')
    child.expect('mininet> ')
    subprocess.run(['mn', '-c'], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   timeout=120, check=True)
    assert shells_of(child.pid) == []
    child.sendline('bgp')
    assert_ended_cleanly(child, before)


def test_a_node_command_waiting_at_the_prompt_ends_too():
    """`r1 sleep 60` is running when the shells are killed."""
    before = lab_traces()
    child = pexpect.spawn(MN[0], MN[1:] + ['bgp3'], cwd=REPO, timeout=60, encoding='utf-8')
    child.expect('mininet> ')
    child.sendline('r1 sleep 60')
    assert procs.wait_until(lambda: any(
        argv[:2] == ['sleep', '60'] for argv in map(cmdline, shell_children(child.pid))), 5)
    kill_shells(child.pid)
    assert_ended_cleanly(child, before)


def shell_children(mn_pid):
    children = []
    for shell in shells_of(mn_pid):
        try:
            with open('/proc/%d/task/%d/children' % (shell, shell)) as listing:
                children += [int(pid) for pid in listing.read().split()]
        except OSError:
            continue
    return children


def cmdline(pid):
    try:
        with open('/proc/%d/cmdline' % pid, 'rb') as text:
            return [a.decode() for a in text.read().split(b'\0') if a]
    except OSError:
        return []
