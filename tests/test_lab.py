"""Integration: the bgp3 lab on the real stack, built once for the module."""

import json

import pytest

from bgptopo import lab as labinfo
from conftest import QUESTION

pytestmark = pytest.mark.integration

NEIGHBORS = {'r1': {'192.168.12.2', '192.168.13.3'},
             'r2': {'192.168.12.1', '192.168.23.3'},
             'r3': {'192.168.13.1', '192.168.23.2'}}

# prefix -> (next hop, interface) in each router's kernel table
NEXT_HOPS = {
    'r1': {'11.0.0.0/24': ('192.168.13.3', 'r1-eth2'), '12.0.0.0/24': ('192.168.12.2', 'r1-eth1')},
    'r2': {'10.0.0.0/24': ('192.168.12.1', 'r2-eth0'), '11.0.0.0/24': ('192.168.23.3', 'r2-eth1')},
    'r3': {'10.0.0.0/24': ('192.168.13.1', 'r3-eth0'), '12.0.0.0/24': ('192.168.23.2', 'r3-eth1')},
}


def kernel_routes(node):
    return {r['dst']: r for r in json.loads(node.cmd('ip -j route show'))}


def test_every_session_is_established(lab):
    for name, expected in NEIGHBORS.items():
        states = lab[name].routing.sessions(lab[name])
        assert set(states) == expected
        assert {state for state, _ in states.values()} == {'Established'}


def test_every_session_is_signed_with_md5(lab):
    for name in NEIGHBORS:
        detail = lab[name].vtysh('show ip bgp neighbors')
        assert detail.count('Peer Authentication Enabled') == 2


def test_kernel_tables_route_the_three_prefixes(lab):
    for name, hops in NEXT_HOPS.items():
        routes = kernel_routes(lab[name])
        for prefix, (gateway, dev) in hops.items():
            assert (routes[prefix].get('gateway'), routes[prefix]['dev'],
                    routes[prefix]['protocol']) == (gateway, dev, 'bgp')
        own = {'r1': '10.0.0.0/24', 'r2': '12.0.0.0/24', 'r3': '11.0.0.0/24'}[name]
        assert routes[own]['protocol'] == 'kernel'


def test_r1_reaches_the_web_server_through_as_55000(lab):
    answer = lab['r1'].vtysh_json('show ip bgp 12.0.0.0/24 json')
    best = [path for path in answer['paths'] if path.get('bestpath', {}).get('overall')]
    assert [path['aspath']['string'] for path in best] == ['55000']


def test_hosts_route_through_their_routers(lab):
    assert kernel_routes(lab['host'])['default']['gateway'] == '10.0.0.254'
    assert kernel_routes(lab['webserver'])['default']['gateway'] == '12.0.0.254'


def test_fetch_returns_the_question(lab):
    node, url = labinfo.default_fetch(lab)
    assert (node, url) == ('host', 'http://12.0.0.1/')
    assert labinfo.fetch(lab[node], url) == QUESTION


def test_containers_have_no_network_but_the_labs(lab):
    for name, intf in (('host', 'host-eth0'), ('webserver', 'webserver-eth0')):
        links = {l['ifname'] for l in json.loads(lab[name].cmd('ip -j link show'))}
        assert links == {'lo', intf}


def test_draw_shows_ases_links_and_session_states(lab, tmp_path):
    from bgptopo import drawing
    path = drawing.draw(lab, str(tmp_path / 'lab.svg'))
    with open(path) as picture:
        svg = picture.read()
    for text in ('AS 4500', 'AS 55000', 'AS 65000', '12.0.0.0/24', 'host', '10.0.0.1',
                 'r1&#45;eth1 &#45; r2&#45;eth0', '192.168.12.0/24'):
        assert text in svg
    assert svg.count('BGP Established') == 3 and svg.count('forestgreen') == 3


def test_draw_takes_png_or_svg_only(lab):
    from bgptopo import drawing
    from bgptopo.errors import LabError
    with pytest.raises(LabError, match='draw writes .png or .svg files; got lab.gif'):
        drawing.draw(lab, 'lab.gif')
