"""The test server itself (bgptopo/clusterserver.py): root ssh by the
project's key, the same routing suites as this machine, Mininet usable
inside, nothing left after down()."""

import subprocess

import pytest

from bgptopo import clusterserver
from clusterfixture import no_traces, server, server_traces

pytestmark = pytest.mark.integration
assert server       # the fixture, imported for pytest


def remote(ip, command):
    done = subprocess.run(clusterserver.ssh_command(ip, command), capture_output=True,
                          text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    return done.stdout


def local(command):
    return subprocess.run(command, shell=True, capture_output=True, text=True,
                          timeout=30).stdout


def test_root_logs_in_by_our_key_only(server):
    assert remote(server, 'id -u').strip() == '0'
    # the user's own ssh identities are not what lets us in
    refused = subprocess.run(['ssh', '-F', '/dev/null', '-o', 'BatchMode=yes', '-o',
                              'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null',
                              'root@%s' % server, 'true'], capture_output=True, timeout=30)
    assert refused.returncode != 0


def test_same_suites_as_here(server):
    for command in ('/usr/lib/frr/zebra --version | head -1', 'bird --version 2>&1',
                    'mn --version'):
        assert remote(server, command) == local(command)


def test_mininet_runs_inside(server):
    """A namespace with forwarding on and a tmpfs of its own: what a router needs."""
    answer = remote(server, 'mnexec -cn sh -c "echo 1 > /proc/sys/net/ipv4/ip_forward && mkdir -p /run/frr && '
                            'mount -t tmpfs tmpfs /var/run/frr && ip tuntap add dev t0 mode tap '
                            '&& echo ok"')
    assert answer.strip() == 'ok'


def test_down_leaves_nothing():
    """A second server's whole life here: up, then down, then no trace."""
    clusterserver.down()
    ip = clusterserver.up()
    assert server_traces()['container'] == ip
    clusterserver.down()
    assert server_traces() == no_traces()
