"""Integration: however mn ends -- exit, Ctrl-C at the prompt or during the
build, SIGTERM, SIGKILL followed by `mn -c` -- nothing of the lab is left
(conftest.lab_traces: daemons, node shells, containers, namespaces, veths,
run directories, tcpdumps), and repeating it leaves the machine as it was.
Each ending is of a lab captured from boot (`capture=DIR`), so no tcpdump
may survive it either; where mn ends by itself, it waits for them, and the
pcaps written up to the end stay, and decode. The repeated runs capture
nothing."""

import os
import signal
import subprocess

import pexpect
import pytest

from bgptopo import messages, procs
from conftest import MN, REPO, bgpd_overlay, daemons_of, lab_traces, new_traces

pytestmark = pytest.mark.integration

PCAPS = ['r1-eth1.pcap', 'r1-eth2.pcap', 'r2-eth1.pcap']   # one end of each router link


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


def sigterm_while_converging(child):
    """--test fetch, terminated while it waits for BGP (which cannot
    converge: r1 expects the wrong AS of r2) with every daemon running."""
    child.expect('Starting 0 switches')
    assert procs.wait_until(lambda: len(daemons_of(child.pid)) == 6, 10, interval=0.02)
    os.kill(child.pid, signal.SIGTERM)


ENDINGS = [exit_normally, ctrl_c_at_prompt_then_exit, ctrl_c_during_build, sigterm,
           sigterm_while_converging, sigkill_then_mn_c, sigkill_alone]
# what mn waits for before it exits, unless killed outright
WAITED_FOR = ('daemons', 'shells', 'containers', 'tcpdumps')


def spawn_capturing(ending, folder, tmp_path):
    """mn for ending, its lab captured from boot into folder."""
    if ending is sigterm_while_converging:
        etc = bgpd_overlay(tmp_path, 'r1', ('remote-as 55000', 'remote-as 55001'))
        args = ['bgp3,etc=%s,capture=%s' % (etc, folder), '--test', 'fetch']
    else:
        args = ['bgp3,capture=%s' % folder]
    return pexpect.spawn(MN[0], MN[1:] + args, cwd=REPO, timeout=60, encoding='utf-8')


def end_leaving_no_trace(child, ending, before):
    """End child's lab the way `ending` does; unless killed outright, mn has
    waited for its daemons, shells, containers and captures when it exits;
    soon after, nothing of the lab is left that was not there `before`."""
    ending(child)
    child.expect(pexpect.EOF)
    child.close()
    if not ending.__name__.startswith('sigkill'):
        assert new_traces(before, WAITED_FOR) == {}
    assert procs.wait_until(lambda: not new_traces(before), 10, interval=0.1), new_traces(before)


@pytest.mark.parametrize('ending', ENDINGS, ids=[e.__name__ for e in ENDINGS])
def test_every_ending_leaves_no_trace(ending, tmp_path):
    before = lab_traces()
    folder = tmp_path / 'capture'
    end_leaving_no_trace(spawn_capturing(ending, folder, tmp_path), ending, before)
    if ending is not ctrl_c_during_build:       # the capture ran: its files stay, and decode
        assert sorted(os.listdir(str(folder))) == PCAPS
        messages.decode([str(folder / name) for name in PCAPS])


def test_repeated_runs_leave_the_machine_as_it_was():
    before = lab_traces()
    for ending in (exit_normally, sigkill_then_mn_c, exit_normally):
        child = spawn_lab()
        ending(child)
        child.expect(pexpect.EOF)
        child.close()
    assert procs.wait_until(lambda: not new_traces(before), 10, interval=0.1), new_traces(before)
