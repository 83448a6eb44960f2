"""Integration: the lab's public face for script writers (Containernet
users reuse it in their own scripts): `from bgptopo.router import
QuaggaRouter` with its etc_dir parameter, their own configs in
<etc_dir>/<router>/zebra.conf and bgpd.conf, their own hosts and links,
stock Mininet around them. Two ASes, each router with a host behind it."""

import pytest

from bgptopo import convergence, procs
from bgptopo.router import QuaggaRouter

pytestmark = pytest.mark.integration

ZEBRA = '''hostname {name}
interface {name}-eth0
 ip address {link}/30
interface {name}-eth1
 ip address {lan}.254/24
'''
BGPD = '''hostname {name}
bgp route-map delay-timer 0
router bgp {asn}
 bgp router-id {link}
 no bgp ebgp-requires-policy
 timers bgp 3 9
 neighbor {peer} remote-as {peer_asn}
 neighbor {peer} timers connect 1
 address-family ipv4 unicast
  network {lan}.0/24
 exit-address-family
'''
ROUTERS = {'a1': dict(asn=64501, link='10.9.0.1', peer='10.9.0.2', peer_asn=64502, lan='10.9.1'),
           'a2': dict(asn=64502, link='10.9.0.2', peer='10.9.0.1', peer_asn=64501, lan='10.9.2')}


def write_configs(etc):
    for name, facts in ROUTERS.items():
        (etc / name).mkdir(parents=True)
        (etc / name / 'zebra.conf').write_text(ZEBRA.format(name=name, **facts))
        (etc / name / 'bgpd.conf').write_text(BGPD.format(name=name, **facts))


def test_a_script_builds_two_ases_from_its_own_configs(tmp_path):
    from mininet.net import Mininet
    write_configs(tmp_path)
    net = Mininet(controller=None)
    a1 = net.addHost('a1', cls=QuaggaRouter, etc_dir=str(tmp_path), ip=None)
    a2 = net.addHost('a2', cls=QuaggaRouter, etc_dir=str(tmp_path), ip=None)
    h1 = net.addHost('h1', ip='10.9.1.1/24', defaultRoute='via 10.9.1.254')
    h2 = net.addHost('h2', ip='10.9.2.1/24', defaultRoute='via 10.9.2.254')
    net.addLink(a1, a2)
    net.addLink(a1, h1)
    net.addLink(a2, h2)
    try:
        net.start()
        convergence.wait(net)
        route = a1.routing.best_route(a1, '10.9.2.0/24')
        assert (route.as_path, route.next_hop) == ('64502', '10.9.0.2')
        assert a1.routing.sessions(a1)['10.9.0.2'].state == 'Established'
        # h1 fetches a page h2 serves, across the two ASes (addresses inside the lab)
        (tmp_path / 'page.txt').write_text('across two ASes\n')
        server = h2.popen(['/usr/bin/python3', '-m', 'http.server', '--bind', '10.9.2.1', '8000'],
                          cwd=str(tmp_path))
        try:
            assert procs.wait_until(lambda: h1.cmd(
                'curl -s --max-time 1 http://10.9.2.1:8000/page.txt').strip() == 'across two ASes',
                10)
        finally:
            server.terminate()
            server.wait(timeout=5)
    finally:
        net.stop()
