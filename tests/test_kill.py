"""Integration: a lab whose mn is killed (SIGKILL) leaves nothing once
`mn -c` has run: no container, no zebra/bgpd, no node shell, no namespace,
no veth, no run directory."""

import contextlib
import os
import signal
import subprocess

import pexpect
import pytest

from bgptopo import containers, procs
from conftest import MN, REPO, daemons_of, lab_traces, new_traces, processes

pytestmark = pytest.mark.integration


@contextlib.contextmanager
def killed_lab(topo):
    """An mn of topo at its prompt, SIGKILLed and cleaned after with `mn -c`
    (also when the test fails halfway: no lab of ours outlives it)."""
    child = pexpect.spawn(MN[0], MN[1:] + [topo], cwd=REPO, timeout=60, encoding='utf-8')
    try:
        child.expect('mininet> ')
        yield child
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.close()
        subprocess.run(['mn', '-c'], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       timeout=120, check=True)


def test_sigkill_then_mn_c_leaves_no_trace():
    before = lab_traces()
    with killed_lab('bgp3') as child:
        assert len(daemons_of(child.pid)) == 6
        assert len(containers.lab_containers(containers.client())) == 2
    assert procs.wait_until(lambda: not new_traces(before), 10, interval=0.1), new_traces(before)


KILLED_LAB = """\
version: 1
ases:
  100: {routers: [a]}
  200: {routers: [b], suite: bird}
hosts:
  pc: {router: a, role: client, image: mininet}
  www: {router: b, role: server, image: mininet}
links:
  - {between: [a, b], relationship: peer}
lans:
  ix: {routers: [a, b]}
"""


def page_servers():
    """Pids of python's http.server (plain hosts that serve the page)."""
    return [pid for pid, argv in processes().items() if argv[1:3] == ['-m', 'http.server']]


def test_sigkill_of_a_lab_file_lab_then_mn_c_leaves_no_trace(tmp_path):
    """Its run directory of rendered configs, the LAN's bridge namespace,
    BIRD and FRR, the plain host's web server: all gone."""
    path = tmp_path / 'killed.yml'
    path.write_text(KILLED_LAB)
    before, servers = lab_traces(), page_servers()
    with killed_lab('lab,file=%s' % path) as child:
        assert len(page_servers()) == len(servers) + 1
        assert new_traces(before, ['run dirs']) and len(daemons_of(child.pid)) == 3
    assert procs.wait_until(lambda: not new_traces(before), 10, interval=0.1), new_traces(before)
    assert procs.wait_until(lambda: page_servers() == servers, 5, interval=0.1)
