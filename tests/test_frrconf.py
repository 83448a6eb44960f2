"""Unit tests: reading the routers' configs and the daemons' complaints."""

import ipaddress

from bgptopo.frrconf import RouterConfig, config_errors, parse_bgp, parse_interfaces


def test_shipped_configs_describe_the_diagram():
    r1, r2, r3 = (RouterConfig.load(name) for name in ('r1', 'r2', 'r3'))
    assert (r1.asn, r2.asn, r3.asn) == (4500, 55000, 65000)
    assert r1.networks == [ipaddress.ip_network('10.0.0.0/24')]
    assert r2.networks == [ipaddress.ip_network('12.0.0.0/24')]
    assert r3.networks == [ipaddress.ip_network('11.0.0.0/24')]
    assert sorted(n.remote_as for n in r1.neighbors) == ['55000', '65000']
    assert str(r1.address_of('r1-eth0')) == '10.0.0.254/24'
    assert str(r2.address_of('r2-eth2')) == '12.0.0.254/24'


def test_every_neighbor_address_is_configured_on_the_peer():
    configs = [RouterConfig.load(name) for name in ('r1', 'r2', 'r3')]
    addresses = {str(a.ip): c.asn for c in configs
                 for addrs in c.interfaces.values() for a in addrs}
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
    asn, router_id, neighbors, networks = parse_bgp(text)
    assert (asn, router_id) == (7, '1.1.1.1')
    assert [tuple(n) for n in neighbors] == [('1.2.3.4', '8')]
    assert networks == [ipaddress.ip_network('9.9.9.0/24')]


def test_config_errors_from_a_daemon_dry_run():
    output = ('2026/11/28 06:36:09 BGP: [SHWNK-NWT5S][EC 100663304] No such command on '
              'config line 28:  exit-address-family\n'
              '2026/11/28 06:36:09 BGP: [WVAM7-7ZYKQ][EC 33554499] sendmsg_nexthop: failed\n')
    assert config_errors(output) == [(28, 'exit-address-family', 'No such command')]
