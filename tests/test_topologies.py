"""A topology only describes: it is made, and can be checked, without root,
Docker, FRR or the lab lock (unit); the work before a build is
bgptopo.preparation's."""

import os
import re

import pytest

from bgptopo import routing
from bgptopo.errors import LabError
from bgptopo.router import BirdRouter, QuaggaRouter
from bgptopo.topologies import Bgp3Topo, BgpRingTopo
from conftest import REPO


def test_bgp3_is_described_from_its_configs(nothing_but_files):
    topo = Bgp3Topo()
    assert topo.hosts() == ['r1', 'r2', 'r3', 'host', 'webserver']     # routers first (bulk.py)
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
    assert routing.suite('frr').file_config('r4', topo.router_etc_dir('r4')).asn == 65004


def test_routers_run_the_suite_the_parameters_name(nothing_but_files):
    everyone = Bgp3Topo(suite='bird')
    assert {r: everyone.nodeInfo(r)['cls'] for r in everyone.routers()} == dict.fromkeys(
        ['r1', 'r2', 'r3'], BirdRouter)
    mixed = Bgp3Topo(bird='r2+r3')
    assert [mixed.nodeInfo(r)['cls'] for r in mixed.routers()] == [
        QuaggaRouter, BirdRouter, BirdRouter]
    assert mixed.router_etc_dir('r2') == os.path.join(REPO, 'etc', 'bird')
    assert mixed.router_etc_dir('r1') == os.path.join(REPO, 'etc', 'quagga')
    # the hosts' gateways still come from zebra.conf, the address file of every suite
    assert mixed.nodeInfo('webserver')['defaultRoute'] == 'via 12.0.0.254'
    back = Bgp3Topo(suite='bird', frr='r1')
    assert [back.nodeInfo(r)['suite'] for r in back.routers()] == ['frr', 'bird', 'bird']


@pytest.mark.parametrize('params, sentence', [
    ({'suite': 'quagga'}, 'quagga is no routing suite; the suites are bird, frr'),
    ({'bird': 'r2+r9'}, 'bird=r2+r9 names r9, which is no router of this lab; the routers '
                        'are r1, r2, r3'),
    ({'hijack': 1, 'bird': 'r3'}, 'hijack=1 is written for frr routers; leave out suite= and bird= with it.'),
])
def test_a_wrong_suite_choice_is_one_sentence(nothing_but_files, params, sentence):
    with pytest.raises(LabError, match=re.escape(sentence)):
        Bgp3Topo(**params)


def test_the_custom_file_gives_mn_only_what_it_looks_for():
    """mn execs bgptopo/topo.py and copies every name it defines into its own
    globals: only topos, tests and CLI may be there, and for --cluster
    PLACEMENT and controllers (bgptopo/cluster.py)."""
    names = {}
    path = os.path.join(REPO, 'bgptopo', 'topo.py')
    with open(path) as custom:
        exec(compile(custom.read(), path, 'exec'), names, names)
    assert sorted(set(names) - {'__builtins__', '__doc__'}) == ['CLI', 'PLACEMENT', 'controllers',
                                                                 'tests', 'topos']
    assert sorted(names['PLACEMENT']) == ['block', 'random']     # mn's --placement choices
    assert sorted(names['controllers']) == ['none']
    assert sorted(names['topos']) == ['asgraph', 'bgp3', 'bgpring', 'lab']
    assert sorted(names['tests']) == ['check', 'converged', 'fetch']
