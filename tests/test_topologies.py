"""A topology only describes: it is made, and can be checked, without root,
Docker, FRR or the lab lock (unit); the work before a build is
bgptopo.preparation's."""

import pytest

from bgptopo import containers, lifecycle, preflight
from bgptopo.topo import Bgp3Topo, BgpRingTopo


@pytest.fixture
def nothing_but_files(monkeypatch):
    """Root, Docker, the suite and the lab lock all refuse to be used."""
    def refuse(*_args, **_kwargs):
        raise AssertionError('a topology must not need this to describe a lab')
    for module, name in ((preflight, 'require_root'), (preflight, 'require_suite'),
                         (containers, 'client'), (lifecycle, 'claim')):
        monkeypatch.setattr(module, name, refuse)


def test_bgp3_is_described_from_its_configs(nothing_but_files):
    topo = Bgp3Topo()
    assert topo.hosts() == ['host', 'r1', 'r2', 'r3', 'webserver']
    assert topo.routers() == ['r1', 'r2', 'r3']
    assert sorted(topo.links()) == [('host', 'r1'), ('r1', 'r2'), ('r1', 'r3'),
                                    ('r2', 'r3'), ('r2', 'webserver')]
    # the hosts' gateways come from the routers' zebra.conf
    assert topo.nodeInfo('host')['defaultRoute'] == 'via 10.0.0.254'
    assert topo.nodeInfo('webserver')['defaultRoute'] == 'via 12.0.0.254'


def test_a_ring_is_described_from_configs_it_renders(nothing_but_files):
    topo = BgpRingTopo(n=4)
    assert topo.routers() == ['r1', 'r2', 'r3', 'r4']
    assert len(topo.links()) == 4
    assert topo.configs['r4'].asn == 65004
