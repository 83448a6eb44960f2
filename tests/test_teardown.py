"""Integration: stopping the lab leaves nothing of it behind."""

import os
import subprocess

import pytest

from bgptopo import containers, procs
from bgptopo.lab import routers
from conftest import build_lab

pytestmark = pytest.mark.integration


def netns_inode(pid):
    return os.stat('/proc/%d/ns/net' % pid).st_ino


def processes_in_netns(inodes):
    found = []
    for entry in os.listdir('/proc'):
        if entry.isdigit():
            try:
                if os.stat('/proc/%s/ns/net' % entry).st_ino in inodes:
                    found.append(int(entry))
            except OSError:
                pass
    return found


def test_stop_leaves_no_trace():
    net = build_lab()
    shells = [node.pid for node in net.hosts]
    daemons = [pid for r in routers(net) for pid in r.daemon_pids.values()]
    namespaces = {netns_inode(pid) for pid in shells}
    net.stop()
    assert not [pid for pid in shells + daemons if procs.alive(pid)]
    assert containers.lab_containers(containers.client()) == []
    assert processes_in_netns(namespaces) == []
    links = subprocess.check_output(['ip', '-o', 'link', 'show'], universal_newlines=True)
    assert '-eth' not in links
