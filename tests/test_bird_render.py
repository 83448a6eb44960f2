"""Unit tests (no root): bird.conf rendered from hand-made plans, statement
by statement for each relationship, iBGP, IPv6, the overrides and OSPF;
and BIRD's own dry run (`bird -p`, the real bird) of every file rendered.
What the statements do on running routers: tests/test_bird_plan_lab.py."""

import ipaddress

import pytest

from bgptopo import generated, routing
from bgptopo.errors import LabError
from bgptopo.routing.bird.render import protocol_names
from bgptopo.routing.contract import Peer, RouterPlan

SUITE = routing.suite('bird')
I, P = ipaddress.ip_interface, ipaddress.ip_network

# r1 of AS 65001: a loopback and OSPF toward r2 (its iBGP peer and route
# reflector client), a provider (both families), a customer, a peer, a
# session with no relationship; a LAN of each family
R1 = RouterPlan(
    'r1', 65001, '10.255.0.1',
    [('lo', I('10.255.0.1/32')), ('lo', I('2001:db8:ffff::1/128')),
     ('r1-eth0', I('10.0.0.1/24')), ('r1-eth0', I('2001:db8:ff::1/64')),
     ('r1-eth1', I('10.0.1.1/24')), ('r1-eth1', I('2001:db8:ff:1::1/64')),
     ('r1-eth2', I('10.0.2.1/24')), ('r1-eth3', I('10.0.3.1/24')), ('r1-eth4', I('10.0.4.1/24')),
     ('r1-lan', I('10.1.0.1/24')), ('r1-lan', I('2001:db8:1::1/64'))],
    [(P('10.1.0.0/24'), 'r1-lan'), (P('2001:db8:1::/64'), 'r1-lan')],
    [Peer('r2', '10.255.0.2', 65001, None, 'internal', '10.255.0.1', True),
     Peer('r2', '2001:db8:ffff::2', 65001, None, 'internal', '2001:db8:ffff::1', True),
     Peer('prov', '10.0.1.2', 65002, 'lab-r1-prov', 'provider', max_prefix=100),
     Peer('prov', '2001:db8:ff:1::2', 65002, None, 'provider', local_pref=50, med=7,
          prepend=2, communities=('65001:7', '65001:8')),
     Peer('cust', '10.0.2.2', 65004, None, 'customer'),
     Peer('mate', '10.0.3.2', 65003, None, 'peer'),
     Peer('old', '10.0.4.2', 65005, None, None)],
    [(P('10.1.0.0/16'), 24, 24), (P('2001:db8::/32'), 48, 64)], 3, 9, ('lo', 'r1-eth0'))


def block(text, opening):
    """The lines of text from opening to the first `}` closing a top-level block."""
    lines = text.split('\n')
    start = lines.index(opening)
    end = next(i for i in range(start, len(lines)) if lines[i] == '}')
    return '\n'.join(lines[start:end + 1])


@pytest.fixture(scope='module')
def r1_conf():
    return SUITE.render(R1)['bird.conf']


def test_a_provider_tags_its_routes_and_gets_only_ours_and_customers(r1_conf):
    assert block(r1_conf, 'filter FROM_PROV') == '''filter FROM_PROV
{
\tbgp_large_community.delete([(65001, 0, *)]);
\tbgp_large_community.add((65001, 0, 3));
\tbgp_local_pref = 100;
\taccept;
}'''
    assert block(r1_conf, 'filter TO_PROV') == '''filter TO_PROV
{
\tif !(own_route() || (65001, 0, 1) ~ bgp_large_community) then reject;
\taccept;
}'''
    assert block(r1_conf, 'function own_route()') == '''function own_route()
{
\treturn source = RTS_STATIC || (source = RTS_BGP && bgp_path.len = 0);
}'''


def test_a_peer_is_tagged_peer_and_gets_what_a_provider_gets(r1_conf):
    assert '\tbgp_large_community.add((65001, 0, 2));\n\tbgp_local_pref = 200;' in \
        block(r1_conf, 'filter FROM_MATE')
    assert block(r1_conf, 'filter TO_MATE').replace('MATE', 'PROV') == \
        block(r1_conf, 'filter TO_PROV')


def test_a_customer_is_preferred_and_gets_everything_bgp_may_announce(r1_conf):
    assert '\tbgp_large_community.add((65001, 0, 1));\n\tbgp_local_pref = 300;' in \
        block(r1_conf, 'filter FROM_CUST')
    assert block(r1_conf, 'filter TO_CUST') == '''filter TO_CUST
{
\tif !announceable() then reject;
\taccept;
}'''
    assert block(r1_conf, 'function announceable()') == '''function announceable()
{
\treturn source = RTS_BGP || source = RTS_STATIC;
}'''


def test_ibgp_runs_between_loopbacks_and_reflects_to_its_client(r1_conf):
    assert block(r1_conf, 'protocol bgp R2 from LAB_PEER {') == '''protocol bgp R2 from LAB_PEER {
\tdescription "r2";
\tneighbor 10.255.0.2 as 65001;
\tsource address 10.255.0.1;
\trr client;
\tipv4 {
\t\timport filter FROM_R2;
\t\texport filter TO_R2;
\t\timport keep filtered on;
\t\tnext hop self ebgp;
\t\tgateway recursive;
\t};
}'''
    # everything comes in as it is, and goes out as to a customer
    assert block(r1_conf, 'filter FROM_R2') == 'filter FROM_R2\n{\n\taccept;\n}'
    assert block(r1_conf, 'filter TO_R2').replace('R2', 'CUST') == \
        block(r1_conf, 'filter TO_CUST')


def test_an_ipv6_peer_has_an_ipv6_channel_only_and_its_overrides(r1_conf):
    assert block(r1_conf, 'protocol bgp PROV_V6 from LAB_PEER {') == \
        '''protocol bgp PROV_V6 from LAB_PEER {
\tdescription "prov";
\tneighbor 2001:db8:ff:1::2 as 65002;
\tipv6 {
\t\timport filter FROM_PROV_V6;
\t\texport filter TO_PROV_V6;
\t\timport keep filtered on;
\t};
}'''
    assert '\tbgp_local_pref = 50;' in block(r1_conf, 'filter FROM_PROV_V6')
    assert block(r1_conf, 'filter TO_PROV_V6') == '''filter TO_PROV_V6
{
\tif !(own_route() || (65001, 0, 1) ~ bgp_large_community) then reject;
\tbgp_med = 7;
\tbgp_path.prepend(65001);
\tbgp_path.prepend(65001);
\tbgp_community.add((65001, 7));
\tbgp_community.add((65001, 8));
\taccept;
}'''
    assert 'ipv6' not in block(r1_conf, 'protocol bgp R2 from LAB_PEER {')


def test_password_and_maximum_prefixes(r1_conf):
    session = block(r1_conf, 'protocol bgp PROV from LAB_PEER {')
    assert '\tpassword "lab-r1-prov";' in session
    assert '\t\timport limit 100 action disable;' in session


def test_a_session_without_relationship_uses_the_accept_list(r1_conf):
    assert '\t\timport filter LAB;\n\t\texport filter LAB_OUT;' in \
        block(r1_conf, 'protocol bgp OLD from LAB_PEER {')
    assert block(r1_conf, 'filter LAB') == '''filter LAB
{
\tif net ~ [ 10.1.0.0/16{24,24} ] then accept;
\tif net ~ [ 2001:db8::/32{48,64} ] then accept;
\treject;
}'''
    # with an override, a filter of its own around the same test
    conf = SUITE.render(R1._replace(peers=[R1.peers[-1]._replace(local_pref=120)]))['bird.conf']
    assert block(conf, 'filter FROM_OLD') == '''filter FROM_OLD
{
\tif !(net ~ [ 10.1.0.0/16{24,24} ] || net ~ [ 2001:db8::/32{48,64} ]) then reject;
\tbgp_local_pref = 120;
\taccept;
}'''


def test_networks_kernel_and_interfaces_per_family(r1_conf):
    assert block(r1_conf, 'protocol static ORIGINATE6 {') == '''protocol static ORIGINATE6 {
\tipv6 { preference 250; };
\troute 2001:db8:1::/64 via "r1-lan";
}'''
    assert 'route 10.1.0.0/24 via "r1-lan";' in block(r1_conf, 'protocol static ORIGINATE {')
    assert r1_conf.count('export where source = RTS_BGP || source = RTS_OSPF;') == 2
    assert block(r1_conf, 'protocol direct {') == 'protocol direct {\n\tipv4;\n\tipv6;\n}'


def test_ospf_in_both_families_with_the_loopback_as_a_stub_network(r1_conf):
    assert block(r1_conf, 'protocol ospf v2 OSPF4 {') == '''protocol ospf v2 OSPF4 {
\tipv4 { import all; export none; };
\tarea 0 {
\t\tstubnet 10.255.0.1/32;
\t\tinterface "r1-eth0" { type ptp; hello 1; dead 4; };
\t};
}'''
    assert block(r1_conf, 'protocol ospf v3 OSPF6 {') == '''protocol ospf v3 OSPF6 {
\tipv6 { import all; export none; };
\tarea 0 {
\t\tstubnet 2001:db8:ffff::1/128;
\t\tinterface "r1-eth0" { type ptp; hello 1; dead 4; };
\t};
}'''
    for version, absent in ((4, 'ospf v3'), (6, 'ospf v2')):
        one_family = R1._replace(interfaces=[i for i in R1.interfaces if i[1].version == version])
        assert absent not in SUITE.render(one_family)['bird.conf']


def test_a_generated_ring_keeps_the_accept_list_alone():
    conf = SUITE.render(generated.plan(3, generated.ring_links(3))[1])['bird.conf']
    for absent in ('function', 'ospf', 'ipv6', 'FROM_', 'large_community'):
        assert absent not in conf


def test_protocol_names_are_symbols_and_unique():
    peers = [Peer('r2', '10.0.0.2', 2, None), Peer('r2', '10.0.1.2', 2, None),
             Peer('r2', 'fe80::2', 2, None), Peer('as-9', '10.0.2.2', 9, None),
             Peer('7up', '10.0.3.2', 7, None)]
    assert [name for _, name in protocol_names(peers)] == ['R2', 'R2_2', 'R2_V6', 'AS_9',
                                                           'P7UP']


# what BIRD itself makes of the files

def plans():
    """Hand-made plans, and r2 of a generated ring."""
    ipv6_only = R1._replace(
        name='r6', interfaces=[i for i in R1.interfaces if i[1].version == 6],
        networks=[n for n in R1.networks if n[0].version == 6],
        peers=[p for p in R1.peers if ':' in p.address])
    ibgp_only = R1._replace(name='rr', peers=R1.peers[:2], networks=[])
    return [R1, ipv6_only, ibgp_only, generated.plan(3, generated.ring_links(3))[2]]


def write(tmp_path, plan, edit=None):
    folder = tmp_path / plan.name
    folder.mkdir()
    text = SUITE.render(plan)['bird.conf']
    (folder / 'bird.conf').write_text(edit(text) if edit else text)
    return str(folder / 'bird.conf')


def dry_run(tmp_path, plan):
    SUITE.finish_config_checks(plan.name, SUITE.start_config_checks(plan.name, str(tmp_path)))


@pytest.mark.parametrize('plan', plans(), ids=lambda plan: plan.name)
def test_bird_accepts_every_file_it_renders(plan, tmp_path):
    write(tmp_path, plan)
    dry_run(tmp_path, plan)


def test_a_wrong_statement_fails_the_dry_run(tmp_path):
    """The dry run above judges each statement: one misspelt attribute fails it."""
    path = write(tmp_path, R1, lambda text: text.replace('bgp_local_pref = 300;',
                                                          'bgp_local_prf = 300;'))
    with pytest.raises(LabError) as failure:
        dry_run(tmp_path, R1)
    assert str(failure.value).startswith('r1: BIRD rejects %s line' % path)
    assert '"bgp_local_prf = 300;"' in str(failure.value)


def test_the_rendered_file_reads_back_as_planned(tmp_path):
    write(tmp_path, R1)
    config = SUITE.file_config('r1', str(tmp_path))
    assert (config.asn, config.router_id) == (65001, '10.255.0.1')
    assert [(n.address, n.remote_as) for n in config.neighbors] == [
        (str(p.address), str(p.asn)) for p in R1.peers]
    assert config.networks == [P('10.1.0.0/24'), P('2001:db8:1::/64')]
