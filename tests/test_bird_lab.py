"""Integration: the BIRD suite on real BIRD routers. A Mininet lab built by
script: bgp3's three routers as BirdRouter nodes (no containers: HOST's
and WEB_SERVER's networks are stub interfaces), from an etc overlay of
etc/bird in which r2 also originates 12.0.0.0/25, which r1's and r3's
import filters reject, and r3 also originates 11.0.0.128/25, which its own
export filter rejects. Their addresses come from etc/quagga's zebra.conf."""

import ipaddress
import os
import shutil

import pytest

from conftest import REPO

pytestmark = pytest.mark.integration

BIRD_ETC = os.path.join(REPO, 'etc', 'bird')
CONVERGE_TIMEOUT = 30.0
# (router, its interface, the other router, its interface) as in bgp3
LINKS = (('r1', 'r1-eth1', 'r2', 'r2-eth0'), ('r1', 'r1-eth2', 'r3', 'r3-eth0'),
         ('r2', 'r2-eth1', 'r3', 'r3-eth1'))
STUBS = {'r1': ['r1-eth0'], 'r2': ['r2-eth2'], 'r3': ['r3-lan']}
# the overlay's changes: (router, old text, new text)
EDITS = (
    ('r2', 'route 12.0.0.0/24 via "r2-eth2";',
     'route 12.0.0.0/24 via "r2-eth2";\n\troute 12.0.0.0/25 via "r2-eth2";'),
    ('r2', 'define LAB_NETS = [ 10.0.0.0/24,', 'define LAB_NETS = [ 12.0.0.0/25, 10.0.0.0/24,'),
    ('r3', 'route 11.0.0.0/24 via "r3-lan";',
     'route 11.0.0.0/24 via "r3-lan";\n\troute 11.0.0.128/25 via "r3-lan";'),
)
P = ipaddress.ip_network


def bird_overlay(folder, edits=EDITS):
    """etc/bird copied into folder with edits applied; the folder."""
    for router in STUBS:
        os.makedirs(os.path.join(folder, router))
        shutil.copy(os.path.join(BIRD_ETC, router, 'bird.conf'), os.path.join(folder, router))
    for router, old, new in edits:
        path = os.path.join(folder, router, 'bird.conf')
        with open(path) as conf:
            text = conf.read()
        assert old in text
        with open(path, 'w') as conf:
            conf.write(text.replace(old, new))
    return folder


def build_bird_lab(etc_dir):
    """bgp3's routers on BIRD, started; the caller stops the net."""
    from mininet.net import Mininet
    from bgptopo import lifecycle
    from bgptopo.nodeshell import LabLink
    from bgptopo.router import BirdRouter
    lifecycle.claim()
    net = Mininet(topo=None, controller=None, build=False)
    try:
        for name, stubs in sorted(STUBS.items()):
            net.addHost(name, cls=BirdRouter, ip=None, etc_dir=etc_dir, stubs=stubs)
        for a, a_intf, b, b_intf in LINKS:
            net.addLink(net[a], net[b], intfName1=a_intf, intfName2=b_intf, cls=LabLink)
        net.build()
        net.start()
        for router in net.hosts:
            router.wait_started()
    except BaseException:
        net.stop()
        raise
    return net


def converged(net):
    """Every router has both its sessions Established, each with the two
    lab /24s its filter accepts from that peer (the /25s are filtered)."""
    return all(sorted(r.routing.sessions(r).values()) == [('Established', 2)] * 2
               for r in net.hosts)


@pytest.fixture(scope='module')
def bird_lab(tmp_path_factory):
    from bgptopo import procs
    net = build_bird_lab(bird_overlay(str(tmp_path_factory.mktemp('bird-etc'))))
    try:
        assert procs.wait_until(lambda: converged(net), CONVERGE_TIMEOUT), \
            {r.name: r.routing.summary(r) for r in net.hosts}
        yield net
    finally:
        net.stop()


def address(router, intf):
    return router.interfaces()[intf][0]


def test_sessions_reach_established_with_routes_received(bird_lab):
    r1 = bird_lab['r1']
    sessions = r1.routing.sessions(r1)
    # r2 sends 12.0.0.0/24, 12.0.0.0/25 and 11.0.0.0/24; r1 keeps two
    assert sessions['192.168.12.2'] == ('Established', 2)
    assert sessions['192.168.13.3'] == ('Established', 2)
    assert r1.routing.show_json(r1, [])['192.168.12.2'] == {
        'state': 'Established', 'received': 2, 'protocol': 'R2'}


def test_best_routes_name_as_paths_and_next_hops(bird_lab):
    r1, r2 = bird_lab['r1'], bird_lab['r2']
    route = r1.routing.best_route(r1, '12.0.0.1')
    assert route == ('12.0.0.0/24', '55000', '192.168.12.2')
    assert r1.routing.best_route(r1, '12.0.0.0/24') == route
    assert r1.routing.best_route(r1, '10.0.0.0/24') == ('10.0.0.0/24', '', '0.0.0.0')
    assert r1.routing.best_route(r1, '203.0.113.1') is None
    assert r1.routing.best_routes(r1) == {
        P('10.0.0.0/24'): '', P('11.0.0.0/24'): '65000', P('12.0.0.0/24'): '55000'}
    assert r2.routing.best_routes(r2)[P('12.0.0.0/25')] == ''


def test_advertised_and_kept_follow_the_filters(bird_lab):
    r1, r2, r3 = bird_lab['r1'], bird_lab['r2'], bird_lab['r3']
    # r2 sends r1 its two networks and 11.0.0.0/24 (never what came from r1)
    assert r2.routing.advertised(r2, '192.168.12.1') == {
        P('12.0.0.0/24'), P('12.0.0.0/25'), P('11.0.0.0/24')}
    assert r1.routing.kept(r1, '192.168.12.2') == {P('12.0.0.0/24'), P('11.0.0.0/24')}
    # r3's export filter holds back its /25
    assert P('11.0.0.128/25') not in r3.routing.advertised(r3, '192.168.13.1')
    assert r1.routing.advertised(r1, '192.168.99.9') == set()


def test_filter_cause_names_the_bird_filter(bird_lab):
    from bgptopo import policy
    r1, r2, r3 = bird_lab['r1'], bird_lab['r2'], bird_lab['r3']
    assert r1.routing.filter_cause(r1, 'import', '192.168.12.2', 'r2', P('12.0.0.0/25')) == (
        "r1's import filter FROM_R2 from r2 rejects 12.0.0.0/25 "
        "(birdc `show route filtered protocol R2` lists it)")
    assert r3.routing.filter_cause(r3, 'export', '192.168.13.1', 'r1', P('11.0.0.128/25')) == (
        "r3's export filter TO_PEERS toward r1 rejects 11.0.0.128/25 "
        "(birdc `show route noexport R1` lists it)")
    # the suite-neutral reasoning finds the side, the suite the filter
    assert policy.rejection(r1, r2, address(r1, 'r1-eth1'), address(r2, 'r2-eth0'),
                            P('12.0.0.0/25')).startswith("r1's import filter FROM_R2 from r2")
    assert policy.rejection(r1, r3, address(r1, 'r1-eth2'), address(r3, 'r3-eth0'),
                            P('11.0.0.128/25')).startswith("r3's export filter TO_PEERS")


def test_running_config_follows_a_birdc_configure(bird_lab):
    r3 = bird_lab['r3']
    running = r3.routing.running_config(r3)
    file_config = r3.router_config()
    assert (running.asn, running.router_id) == (65000, '11.0.0.254')
    assert running.neighbors == file_config.neighbors
    assert running.networks == [P('11.0.0.0/24'), P('11.0.0.128/25')] == file_config.networks
    conf = r3.routing.config_files('r3', r3.etc_dir)[0]
    with open(conf) as original:
        text = original.read()
    try:
        with open(conf, 'w') as edited:
            edited.write(text.replace('\troute 11.0.0.128/25 via "r3-lan";\n', ''))
        assert r3.routing.running_config(r3).networks == running.networks   # not loaded yet
        assert 'Reconfigured' in r3.routing.run_cli(r3, 'configure')
        assert r3.routing.running_config(r3).networks == [P('11.0.0.0/24')]
    finally:
        with open(conf, 'w') as restored:
            restored.write(text)
        r3.routing.run_cli(r3, 'configure')
    assert r3.routing.running_config(r3).networks == running.networks


def test_a_plain_birdc_in_the_node_reaches_its_own_router(bird_lab):
    for router in bird_lab.hosts:
        status = router.cmd(' '.join(router.routing.interactive_cli(router)) + ' show status')
        assert 'Router ID is %s' % router.router_config().router_id in status
