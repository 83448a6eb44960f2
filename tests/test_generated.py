"""Generated topologies: config rendering (unit) and a ring lab (integration)."""

import glob
import os
import ipaddress
import subprocess

import pytest

from bgptopo import generated
from bgptopo import addressing, routing
from bgptopo.addressing import parse_interfaces
from conftest import MN, REPO, lab_traces, new_traces


def test_ring_plan_peers_each_router_with_its_two_neighbours():
    routers = generated.plan(4, generated.ring_links(4))
    assert [i for i in routers] == [1, 2, 3, 4]
    r1 = routers[1]
    assert [str(network) for network, _ in r1.networks] == ['10.1.1.0/24']
    assert [(p.address, p.asn) for p in r1.peers] == [('10.2.0.2', 65002), ('10.2.3.1', 65004)]


@pytest.mark.parametrize('key', sorted(routing.SUITES))
def test_each_suite_renders_configs_that_read_back_as_planned(key, tmp_path):
    """Each suite's files for a plan say what the plan says (read back by
    the suite's own reader), and the address file its interfaces."""
    suite = routing.suite(key)
    router = generated.plan(3, generated.mesh_links(3))[2]
    (tmp_path / 'r2').mkdir()
    for name, text in suite.render(router).items():
        (tmp_path / 'r2' / name).write_text(text)
    config = suite.file_config('r2', str(tmp_path))
    assert (config.asn, config.router_id) == (65002, '10.1.2.254')
    assert sorted((n.address, n.remote_as) for n in config.neighbors) == [
        ('10.2.0.1', '65001'), ('10.2.2.2', '65003')]
    assert config.networks == [ipaddress.ip_network('10.1.2.0/24')]
    assert sorted(parse_interfaces(addressing.render(router))) == ['r2-eth0', 'r2-eth1', 'r2-lan']


@pytest.mark.parametrize('key', sorted(routing.SUITES))
def test_each_suite_accepts_the_files_it_renders(key, tmp_path):
    """The suite's own dry run (bgpd -C, bird -p) passes what it renders."""
    suite = routing.suite(key)
    etc = generated.write_configs(4, generated.ring_links(4))
    suite.finish_config_checks('r4', suite.start_config_checks('r4', etc))


def test_a_ring_of_a_thousand_has_unique_stub_lans_ids_and_private_asns():
    """Past router 255 the stub LANs leave 10.1.0.0/16, past AS 65534
    (65535 is reserved) the numbers are 32-bit private ones; the accepted
    prefixes cover every stub LAN."""
    routers = generated.plan(1000, generated.ring_links(1000)).values()
    lans = [network for r in routers for network, _ in r.networks]
    assert len(set(lans)) == 1000 and len({r.router_id for r in routers}) == 1000
    assert all(any(lan.subnet_of(accepted) for accepted, _, _ in generated.ACCEPT)
               for lan in lans)
    asns = [r.asn for r in routers]
    assert len(set(asns)) == 1000 and 65535 not in asns
    assert all(64512 <= a <= 65534 or 4200000000 <= a <= 4294967294 for a in asns)


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


@pytest.mark.integration
def test_a_ring_past_a_hundred_routers_converges_and_leaves_nothing():
    """Built in bulk under stock mn (links in one `ip -batch`, every BGP
    daemon started at once), 120 BIRD routers each route all 120 stub LANs;
    nothing of the lab is left after its exit."""
    before = lab_traces()
    run = subprocess.run(MN + ['bgpring,n=120,suite=bird', '--test', 'converged'], cwd=REPO,
                         timeout=300, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         universal_newlines=True)
    assert run.returncode == 0, run.stdout[-3000:]
    assert '*** BGP converged in' in run.stdout
    assert not new_traces(before)


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


def test_rendered_configs_are_not_dry_run_users_files_are():
    """The lab's own rendering of a ring skips the daemons' dry runs (2000
    of them at n=1000); the seed's etc/quagga, which users edit, keeps them."""
    from bgptopo.preparation import routers_to_check
    from bgptopo.topologies import Bgp3Topo, BgpRingTopo
    assert routers_to_check(BgpRingTopo(n=3)) == []
    assert routers_to_check(Bgp3Topo()) == ['r1', 'r2', 'r3']
