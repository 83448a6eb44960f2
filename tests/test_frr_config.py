"""Unit tests: reading the routers' configs (FRR's bgpd.conf, the address
files) and FRR's complaints."""

import ipaddress

from bgptopo import addressing, routing
from bgptopo.addressing import first_address, parse_interfaces
from bgptopo.paths import ETC_DIR
from bgptopo.routing.frr.config import config_errors, parse_bgp

FRR = routing.suite('frr')


def test_shipped_configs_describe_the_diagram():
    r1, r2, r3 = (FRR.file_config(name, ETC_DIR) for name in ('r1', 'r2', 'r3'))
    assert (r1.asn, r2.asn, r3.asn) == (4500, 55000, 65000)
    assert r1.networks == [ipaddress.ip_network('10.0.0.0/24')]
    assert r2.networks == [ipaddress.ip_network('12.0.0.0/24')]
    assert r3.networks == [ipaddress.ip_network('11.0.0.0/24')]
    assert sorted(n.remote_as for n in r1.neighbors) == ['55000', '65000']
    assert str(first_address(addressing.interfaces('r1'), 'r1-eth0')) == '10.0.0.254/24'
    assert str(first_address(addressing.interfaces('r2'), 'r2-eth2')) == '12.0.0.254/24'


def test_every_neighbor_address_is_configured_on_the_peer():
    names = ('r1', 'r2', 'r3')
    configs = [FRR.file_config(name, ETC_DIR) for name in names]
    addresses = {str(a.ip): c.asn for name, c in zip(names, configs)
                 for addrs in addressing.interfaces(name).values() for a in addrs}
    for config in configs:
        for neighbor in config.neighbors:
            assert addresses[neighbor.address] == int(neighbor.remote_as)


def test_interfaces_ignore_comments_and_other_sections():
    text = ('! comment\ninterface a-eth0\n ip address 10.1.0.1/24\n!\n'
            'interface a-eth1\n description x\nip forwarding\n')
    assert parse_interfaces(text) == {
        'a-eth0': [ipaddress.ip_interface('10.1.0.1/24')], 'a-eth1': []}


def test_bgp_reads_only_the_router_bgp_block():
    text = ('router bgp 7\n bgp router-id 1.1.1.1\n neighbor 1.2.3.4 remote-as 8\n'
            ' address-family ipv4 unicast\n  network 9.9.9.0/24\n exit-address-family\n'
            'route-map X permit 10\n network 1.0.0.0/8\n')
    config = parse_bgp(text)
    assert (config.asn, config.router_id) == (7, '1.1.1.1')
    assert [tuple(n) for n in config.neighbors] == [('1.2.3.4', '8')]
    assert config.networks == [ipaddress.ip_network('9.9.9.0/24')]


def test_config_errors_from_a_daemon_dry_run():
    output = ('2026/11/28 06:36:09 BGP: [SHWNK-NWT5S][EC 100663304] No such command on '
              'config line 28:  exit-address-family\n'
              '2026/11/28 06:36:09 BGP: [WVAM7-7ZYKQ][EC 33554499] sendmsg_nexthop: failed\n')
    assert config_errors(output) == [(28, 'exit-address-family', 'No such command')]
