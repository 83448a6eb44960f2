"""Integration: however mn ends -- exit, Ctrl-C at the prompt or during the
build, SIGTERM, SIGKILL followed by `mn -c` -- nothing of the lab is left,
and repeating it leaves the machine as it was."""

import os
import signal
import subprocess

import pexpect
import pytest

from bgptopo import containers, procs
from conftest import MN, REPO
from test_kill import our_daemons

pytestmark = pytest.mark.integration


def traces():
    """What of a lab exists now: daemons, containers, veths in the root namespace."""
    links = [l.split(':')[1].strip() for l in subprocess.check_output(
        ['ip', '-o', 'link', 'show'], universal_newlines=True).splitlines() if '-eth' in l]
    return (sorted(our_daemons()),
            sorted(c.name for c, _ in containers.lab_containers(containers.client())),
            links)


def spawn_lab():
    return pexpect.spawn(MN[0], MN[1:] + ['bgp3'], cwd=REPO, timeout=60, encoding='utf-8')


def exit_normally(child):
    child.expect('mininet> ')
    child.sendline('exit')


def ctrl_c_at_prompt_then_exit(child):
    child.expect('mininet> ')
    child.sendintr()
    child.expect('Interrupt')
    child.expect('mininet> ')
    child.sendline('exit')


def ctrl_c_during_build(child):
    child.expect('Adding links')
    child.sendintr()


def sigterm(child):
    child.expect('mininet> ')
    os.kill(child.pid, signal.SIGTERM)


def sigkill_then_mn_c(child):
    child.expect('mininet> ')
    os.kill(child.pid, signal.SIGKILL)
    child.expect(pexpect.EOF)
    subprocess.run(['mn', '-c'], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   timeout=120, check=True)


def sigkill_alone(child):
    """Even without `mn -c`: the node shells lose their pty and exit, the
    daemons follow (parent-death signal), the containers lose their lifeline."""
    child.expect('mininet> ')
    os.kill(child.pid, signal.SIGKILL)


ENDINGS = [exit_normally, ctrl_c_at_prompt_then_exit, ctrl_c_during_build, sigterm,
           sigkill_then_mn_c, sigkill_alone]


@pytest.mark.parametrize('ending', ENDINGS, ids=[e.__name__ for e in ENDINGS])
def test_every_ending_leaves_no_trace(ending):
    before = traces()
    child = spawn_lab()
    ending(child)
    child.expect(pexpect.EOF)
    child.close()
    assert procs.wait_until(lambda: traces() == before, 10, interval=0.1), traces()


def test_repeated_runs_leave_the_machine_as_it_was():
    before = traces()
    for ending in (exit_normally, sigkill_then_mn_c, exit_normally):
        child = spawn_lab()
        ending(child)
        child.expect(pexpect.EOF)
        child.close()
    assert procs.wait_until(lambda: traces() == before, 10, interval=0.1), traces()
