"""Generated topologies: config rendering (unit) and a ring lab (integration)."""

import glob
import os
import ipaddress
import subprocess

import pytest

from bgptopo import generated
from bgptopo.frrconf import parse_bgp, parse_interfaces
from conftest import MN, REPO


def test_ring_plan_peers_each_router_with_its_two_neighbours():
    routers = generated.plan(4, generated.ring_links(4))
    assert [i for i in routers] == [1, 2, 3, 4]
    r1 = routers[1]
    assert r1['lan'] == '10.1.1.0/24'
    assert [(p, a) for _, _, p, a in r1['intfs'] if p] == [('10.2.0.2', 65002), ('10.2.3.1', 65004)]


def test_rendered_configs_read_back():
    routers = generated.plan(3, generated.mesh_links(3))
    asn, router_id, neighbors, networks = parse_bgp(generated.bgpd_conf(2, routers[2]))
    assert (asn, router_id) == (65002, '10.1.2.254')
    assert sorted(n.remote_as for n in neighbors) == ['65001', '65003']
    assert networks == [ipaddress.ip_network('10.1.2.0/24')]
    assert sorted(parse_interfaces(generated.zebra_conf(2, routers[2]))) == \
        ['r2-eth0', 'r2-eth1', 'r2-lan']


def test_size_out_of_range_is_a_sentence():
    with pytest.raises(generated.LabError, match='n=1 is out of range'):
        generated.write_configs(1, [])


@pytest.mark.integration
def test_ring_of_four_converges_and_leaves_no_run_directory():
    before = set(glob.glob('/tmp/%s*' % generated.RUN_PREFIX))
    run = subprocess.run(MN + ['bgpring,n=4', '--test', 'converged'], cwd=REPO, timeout=120,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         universal_newlines=True)
    assert run.returncode == 0, run.stdout
    assert '*** BGP converged in' in run.stdout
    assert set(glob.glob('/tmp/%s*' % generated.RUN_PREFIX)) == before


def test_run_directories_of_dead_labs_go_and_live_ones_stay(tmp_path, monkeypatch):
    """A directory is its owner's while that pid runs with that start time;
    this process's pid with another start time is a dead lab's."""
    from bgptopo import lifecycle
    monkeypatch.setattr(generated.tempfile, 'gettempdir', lambda: str(tmp_path))
    pid = os.getpid()
    live = tmp_path / ('%s%d-%d.x' % (generated.RUN_PREFIX, pid, lifecycle.start_time(pid)))
    dead = tmp_path / ('%s%d-%d.y' % (generated.RUN_PREFIX, pid, lifecycle.start_time(pid) - 1))
    live.mkdir()
    dead.mkdir()
    generated.remove_stale_dirs()
    assert sorted(p.name for p in tmp_path.iterdir()) == [live.name]
