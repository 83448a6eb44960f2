"""Unit tests of what the lab's commands ask of a router on another server
(bgptopo/cluster.py, RemoteProcesses and FileCopy) and of draw's server
boxes. The remote side's shell lines run here in a local `sh`, standing in
for the node's shell and its server (they are the same lines)."""

import os
import shlex
import signal
import subprocess
import time

import graphviz

from bgptopo import cluster, drawing
from bgptopo import routing
from bgptopo.router import DaemonNode


class LocalShell(object):
    def poll(self):
        return None


class FakeRemoteRouter(cluster.RemoteProcesses):
    """A remote router whose server is this machine: its shell lines run in
    sh, its ssh command is sh -c."""

    name, server = 'r2', 'lab2'
    shell = LocalShell()
    server_command = cluster.RemoteShell.server_command
    from_root = DaemonNode.from_root

    def __init__(self, run_dir):
        self.run_dir = str(run_dir)
        self.pid = os.getpid()
        self.sshcmd = ['ssh', '-q', '-tt', '-o', 'ControlPath=/tmp/x', 'root@lab2']

    def cmd(self, line, timeout=None):
        return subprocess.run(['sh', '-c', line], capture_output=True, text=True,
                              timeout=timeout).stdout

    def living(self, pids):
        return {pid for pid in pids if self.cmd('kill -0 %d 2>/dev/null && echo y' % pid)}


class RunsHere(FakeRemoteRouter):
    def server_command(self, line, terminal=False):
        return ['sh', '-c', line]


def test_a_command_in_a_remote_node_is_one_ssh_word_that_the_server_splits_back():
    router = FakeRemoteRouter('/run/frr')
    args = routing.suite('frr').interactive_cli(type('R', (), {'name': 'r2'}))
    command = router.in_node_command(args, terminal=True)
    assert command[:-1] == router.sshcmd
    assert shlex.split(command[-1]) == ['mnexec', '-a', str(os.getpid())] + args
    assert '-tt' not in router.in_node_command(args)       # no terminal: no pty either


def test_a_remote_file_is_copied_here_as_it_grows_until_its_writer_ends(tmp_path):
    router = RunsHere(tmp_path)
    written = tmp_path / 'r2-eth1.pcap'
    written.write_bytes(b'')
    writer = subprocess.Popen(['sh', '-c', 'printf ab >> "$0"; sleep 0.5; printf cd >> "$0"',
                               str(written)])
    here = tmp_path / 'here.pcap'
    copy = router.bring_here(str(written), str(here), writer.pid)
    assert cluster.procs.wait_until(lambda: here.read_bytes() == b'ab', 5, 0.05)
    writer.wait()
    started = time.monotonic()
    copy.finish()
    assert here.read_bytes() == b'abcd'
    assert time.monotonic() - started < 2          # ended with its writer, not stopped
    assert copy.process.returncode == 0


def test_a_copy_that_does_not_end_is_stopped(tmp_path, monkeypatch):
    monkeypatch.setattr(cluster, 'COPY_GRACE', 0.2)
    copy = cluster.FileCopy(['sh', '-c', 'printf x; exec sleep 60'], str(tmp_path / 'c'), 'lab2')
    started = time.monotonic()
    copy.finish()
    assert copy.process.returncode == -signal.SIGTERM        # stopped after the grace
    assert time.monotonic() - started < 3
    assert (tmp_path / 'c').read_bytes() == b'x'


def test_a_remote_process_is_stopped_and_read_on_its_server(tmp_path):
    router = FakeRemoteRouter(tmp_path)
    (tmp_path / 'tcpdump-r2-eth1-1.out').write_text('listening on r2-eth1\n')
    assert router.process_said('tcpdump-r2-eth1-1') == 'listening on r2-eth1\n'
    assert router.process_said('none') == ''
    stubborn = subprocess.Popen(['sh', '-c', "trap '' TERM; while :; do sleep 0.05; done"])
    try:
        assert router.process_alive(stubborn.pid)
        started = time.monotonic()
        router.stop_process(stubborn.pid, 0.3)
        assert stubborn.wait(timeout=5) == -9        # TERM ignored: KILL after the grace
        assert time.monotonic() - started < 3
    finally:
        stubborn.kill()


def test_a_remote_file_is_written_in_the_nodes_run_directory():
    router = FakeRemoteRouter('/run/frr')
    assert router.written_at('/home/u/bgp3-capture/r2-eth1.pcap') == '/run/frr/r2-eth1.pcap'


class Placed(object):
    def __init__(self, of):
        self.of = of


class FakeNet(object):
    def __init__(self, of):
        self.topo = type('Topo', (), {'placement': Placed(of)})()

    def __contains__(self, name):
        return True


def test_draw_boxes_each_servers_nodes():
    dot = graphviz.Graph()
    drawing.box_servers(dot, FakeNet({'r1': 'localhost', 'host': 'localhost',
                                      'r2': 'lab2', 'r3': 'lab2'}))
    boxes = dot.source.split('subgraph ')[1:]
    assert len(boxes) == 2
    lab2 = [b for b in boxes if 'label="server lab2"' in b][0]
    assert 'r2' in lab2 and 'r3' in lab2 and 'r1' not in lab2


def test_a_lab_on_one_machine_has_no_server_boxes():
    dot = graphviz.Graph()
    net = FakeNet({})
    net.topo.placement = None
    drawing.box_servers(dot, net)
    assert 'subgraph' not in dot.source
