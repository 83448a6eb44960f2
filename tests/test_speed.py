"""What makes the seed's lab quick, without timing anything: the routers'
daemons start before any host is made (bgptopo/bulk.py), only in labs whose
sessions all run over links made in bulk; the engine is asked whether it
holds the lab's images on its socket, without the Docker SDK
(bgptopo/containers.py); mn loads only what a --test run needs; the lab's
end at exit makes Python's own end short (bgptopo/lifecycle.py)."""

import os
import socket
import subprocess
import threading

import pytest

from bgptopo import containers, lifecycle
from bgptopo.lab import end_hosts, page, routers
from bgptopo.topologies import TOPOLOGIES
from conftest import QUESTION, REPO, build_lab


@pytest.mark.integration
def test_every_bgpd_starts_before_any_host_is_made():
    net = build_lab()
    try:
        bgpds = [lifecycle.start_time(r.daemon_pids['bgpd']) for r in routers(net)]
        hosts = [lifecycle.start_time(host.shell.pid) for host in end_hosts(net)]
        assert None not in bgpds + hosts
        assert max(bgpds) <= min(hosts), (bgpds, hosts)
        assert page(net) == QUESTION
    finally:
        net.stop()


def early(topology, **params):
    """Does the topology's Bulk start its routers before the hosts are made?"""
    return TOPOLOGIES[topology](**params).bulk.early_links is not None


def test_routers_start_first_only_where_every_session_runs_over_bulk_made_links(tmp_path):
    assert early('bgp3')
    assert early('bgpring', n=4)
    assert early('lab', file=os.path.join(REPO, 'examples', 'bgp3.yml'))
    # sessions over a LAN bridge would wait for bgpd's next try
    assert not early('lab', file=os.path.join(REPO, 'examples', 'ixp.yml'))
    # a capture from boot needs Mininet's links before the daemons start
    assert not early('bgp3', capture=str(tmp_path))


def test_bgp3_early_links_are_the_three_router_links_as_mininet_names_them():
    links = TOPOLOGIES['bgp3']().bulk.early_links
    assert sorted((a, i, b, j) for a, i, _, b, j, _ in links) == [
        ('r1', 'r1-eth1', 'r2', 'r2-eth0'), ('r1', 'r1-eth2', 'r3', 'r3-eth0'),
        ('r2', 'r2-eth1', 'r3', 'r3-eth1')]


class FakeEngine(object):
    """A unix socket answering each request with status (first line only)."""

    def __init__(self, path, status):
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(path)
        self.server.listen(4)
        self.status, self.asked = status, []
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            with client:
                self.asked.append(client.recv(1024).split(b' ')[1].decode())
                client.sendall(b'HTTP/1.0 %d X\r\n\r\n' % self.status)


@pytest.mark.parametrize('status, present', [(200, True), (404, False)])
def test_images_are_asked_of_the_engine_on_its_socket(tmp_path, monkeypatch, status, present):
    path = str(tmp_path / 'docker.sock')
    engine = FakeEngine(path, status)
    monkeypatch.setenv('DOCKER_HOST', 'unix://' + path)
    assert containers.has_images(['bgptopo/host']) is present
    assert engine.asked[0] == '/images/bgptopo/host/json'


def test_an_engine_that_does_not_answer_or_is_not_on_a_unix_socket_is_left_to_the_sdk(
        tmp_path, monkeypatch):
    monkeypatch.setenv('DOCKER_HOST', 'unix://%s' % (tmp_path / 'none.sock'))
    assert containers.engine_status('/_ping') is None
    assert not containers.has_images(['bgptopo/host'])
    monkeypatch.setenv('DOCKER_HOST', 'tcp://127.0.0.1:1')
    assert containers.engine_status('/_ping') is None


def in_a_fresh_python(code):
    """What code prints, run by Debian's python3 (mn's) from the checkout."""
    return subprocess.run(['/usr/bin/python3', '-c', code], cwd=REPO, check=True,
                          stdout=subprocess.PIPE, universal_newlines=True,
                          timeout=60).stdout.split()


def test_loading_the_custom_file_imports_no_prompt_grading_lab_file_or_docker_code():
    """What `mn --custom bgptopo/topo.py --test fetch` needs is imported as
    mn starts; the prompt, grading, lab files (YAML) and the Docker SDK
    when something uses them."""
    loaded = in_a_fresh_python(
        'import sys\n'
        'exec(compile(open("bgptopo/topo.py").read(), "topo.py", "exec"))\n'
        'print(" ".join(sorted(sys.modules)))')
    assert 'bgptopo.mnplugin' in loaded
    for lazy in ('bgptopo.cli', 'bgptopo.grading', 'bgptopo.labfile', 'yaml', 'docker'):
        assert lazy not in loaded


def test_the_lab_s_end_at_exit_freezes_python_s_objects():
    """So the interpreter's last collections skip them."""
    frozen = in_a_fresh_python(
        'import gc\n'
        'from bgptopo import lifecycle\n'
        'lifecycle.end_at_exit()\n'
        'print(gc.get_freeze_count())')
    assert int(frozen[0]) > 0
