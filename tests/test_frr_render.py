"""FRR renders a whole RouterPlan (bgptopo/routing/frr/render.py): each
relationship's route-maps, iBGP, overrides, IPv6 sessions and OSPF; and
FRR's own dry run (`bgpd -C -f`, `ospfd -C -f`, `ospf6d -C -f`) accepts
every file it renders, and rejects a wrong statement in each."""

import ipaddress
import json

import pytest

from bgptopo import addressing, routing
from bgptopo.errors import LabError
from bgptopo.routing.contract import Peer, RouterPlan
from bgptopo.routing.frr import install
from bgptopo.routing.frr.policy import Policy

FRR = routing.suite('frr')
I, N = ipaddress.ip_interface, ipaddress.ip_network
PEERS = [Peer('a2', '10.255.0.2', 1, None, 'internal', '10.255.0.1', True),
         Peer('a2', '2001:db8:ff::2', 1, None, 'internal', '2001:db8:ff::1', True),
         Peer('a3', '10.255.0.3', 1, None, 'internal', '10.255.0.1'),
         Peer('p', '10.0.2.2', 2, 'secret', 'provider', max_prefix=100),
         Peer('c', '10.0.3.2', 3, None, 'customer', local_pref=50),
         Peer('q', '10.0.4.2', 4, None, 'peer', med=7, prepend=2,
              communities=('1:5', '1:2:3')),
         Peer('q', '2001:db8:4::2', 4, None, 'peer', med=7, prepend=2,
              communities=('1:5', '1:2:3')),
         Peer('x', '10.0.5.2', 5, None, None),
         Peer('y', '2001:db8:6::2', 6, None, None, local_pref=10)]
PLAN = RouterPlan(
    'a1', 1, '10.255.0.1',
    [('lo', I('10.255.0.1/32')), ('lo', I('2001:db8:ff::1/128')),
     ('a1-eth0', I('10.0.1.1/30')), ('a1-eth0', I('2001:db8:1::1/64')),
     ('a1-eth1', I('10.0.9.1/30')), ('a1-eth2', I('10.0.2.1/30')),
     ('a1-lan', I('10.1.0.1/24')), ('a1-lan', I('2001:db8:100::1/64'))],
    [(N('10.1.0.0/24'), 'a1-lan'), (N('2001:db8:100::/64'), 'a1-lan')], PEERS,
    [(N('10.0.0.0/8'), 24, 24), (N('2001:db8::/32'), None, 64)], 3, 9,
    ['lo', 'a1-eth0', 'a1-eth1'])


def blocks(text):
    """{top-level statement: [its indented lines]} of a config file (a
    route-map entry is its own statement)."""
    found, current = {}, None
    for line in addressing.statements(text):
        if line.startswith(' '):
            found[current].append(line.strip())
        else:
            current = line
            found.setdefault(current, [])
    return found


def family(text, name):
    """The lines of address-family name in bgpd.conf's text."""
    lines = blocks(text)['router bgp 1']
    start = lines.index('address-family %s' % name)
    return lines[start + 1:lines.index('exit-address-family', start)]


@pytest.fixture(scope='module')
def files():
    return FRR.render(PLAN)


@pytest.fixture(scope='module')
def bgpd(files):
    return files['bgpd.conf']


def test_a_plan_with_ospf_renders_bgpd_ospfd_and_ospf6d(files):
    assert sorted(files) == ['bgpd.conf', 'ospf6d.conf', 'ospfd.conf']


def test_a_plan_without_ospf_or_without_ipv6_on_it_renders_only_what_it_needs():
    assert sorted(FRR.render(PLAN._replace(ospf=()))) == ['bgpd.conf']
    assert sorted(FRR.render(PLAN._replace(ospf=['a1-eth1']))) == ['bgpd.conf', 'ospfd.conf']


def test_sessions_learned_from_customers_peers_providers_get_their_preference_and_tag(bgpd):
    maps = blocks(bgpd)
    assert maps['route-map FROM-p permit 10'] == ['set local-preference 100',
                                                  'set large-community 1:0:3 additive']
    assert maps['route-map FROM-q permit 10'] == ['set local-preference 200',
                                                  'set large-community 1:0:2 additive']
    # the customer's session overrides its preference, and is still tagged customer
    assert maps['route-map FROM-c permit 10'] == ['set local-preference 50',
                                                  'set large-community 1:0:1 additive']


def test_peers_and_providers_get_our_own_routes_and_our_customers_only(bgpd):
    maps = blocks(bgpd)
    assert maps['route-map TO-p permit 10'] == ['match as-path OWN-ROUTES']
    assert maps['route-map TO-p permit 20'] == ['match large-community CUSTOMER-ROUTES']
    assert 'route-map TO-p permit 30' not in maps       # the rest: denied
    assert 'bgp as-path access-list OWN-ROUTES permit ^$' in maps
    assert 'bgp large-community-list standard CUSTOMER-ROUTES permit 1:0:1' in maps
    assert maps['route-map TO-c permit 10'] == []       # customers get everything


def test_export_overrides_set_med_prepend_and_communities_on_every_entry(bgpd):
    sets = ['match as-path OWN-ROUTES', 'set metric 7', 'set as-path prepend 1 1',
            'set community 1:5 additive', 'set large-community 1:2:3 additive']
    maps = blocks(bgpd)
    assert maps['route-map TO-q permit 10'] == sets
    assert maps['route-map TO-q permit 20'] == \
        ['match large-community CUSTOMER-ROUTES'] + sets[1:]


def test_ibgp_sessions_start_from_the_loopback_and_pass_everything(bgpd):
    session = blocks(bgpd)['router bgp 1']
    assert 'neighbor 10.255.0.2 remote-as 1' in session
    assert 'neighbor 10.255.0.2 update-source 10.255.0.1' in session
    assert 'neighbor 2001:db8:ff::2 update-source 2001:db8:ff::1' in session
    ipv4 = family(bgpd, 'ipv4 unicast')
    for words in ('next-hop-self', 'route-reflector-client', 'route-map FROM-a2 in',
                  'route-map TO-a2 out'):
        assert 'neighbor 10.255.0.2 %s' % words in ipv4
    assert 'neighbor 10.255.0.3 next-hop-self' in ipv4
    assert 'neighbor 10.255.0.3 route-reflector-client' not in ipv4
    assert blocks(bgpd)['route-map FROM-a2 permit 10'] == []
    assert blocks(bgpd)['route-map TO-a2 permit 10'] == []


def test_each_session_and_network_is_in_its_own_address_family_only(bgpd):
    assert 'no bgp default ipv4-unicast' in blocks(bgpd)['router bgp 1']
    ipv4, ipv6 = family(bgpd, 'ipv4 unicast'), family(bgpd, 'ipv6 unicast')
    activated = {name: sorted(line.split()[1] for line in lines if line.endswith(' activate'))
                 for name, lines in (('ipv4', ipv4), ('ipv6', ipv6))}
    assert activated == {'ipv4': ['10.0.2.2', '10.0.3.2', '10.0.4.2', '10.0.5.2',
                                  '10.255.0.2', '10.255.0.3'],
                         'ipv6': ['2001:db8:4::2', '2001:db8:6::2', '2001:db8:ff::2']}
    assert [l for l in ipv4 if l.startswith('network')] == ['network 10.1.0.0/24']
    assert [l for l in ipv6 if l.startswith('network')] == ['network 2001:db8:100::/64']


def test_sessions_without_relationship_share_lab_in_both_families(bgpd):
    maps = blocks(bgpd)
    assert 'neighbor 10.0.5.2 route-map LAB in' in family(bgpd, 'ipv4 unicast')
    assert maps['route-map LAB permit 10'] == ['match ip address prefix-list LAB']
    assert maps['route-map LAB permit 20'] == ['match ipv6 address prefix-list LAB']
    assert 'ip prefix-list LAB seq 10 permit 10.0.0.0/8 ge 24 le 24' in maps
    assert 'ipv6 prefix-list LAB seq 10 permit 2001:db8::/32 le 64' in maps
    # an override gives the session its own map, which still matches LAB's lists
    ipv6 = family(bgpd, 'ipv6 unicast')
    assert 'neighbor 2001:db8:6::2 route-map FROM-y in' in ipv6
    assert 'neighbor 2001:db8:6::2 route-map LAB out' in ipv6
    assert maps['route-map FROM-y permit 20'] == ['match ipv6 address prefix-list LAB',
                                                  'set local-preference 10']


def test_password_and_maximum_prefix_go_to_their_session(bgpd):
    assert 'neighbor 10.0.2.2 password secret' in blocks(bgpd)['router bgp 1']
    assert 'neighbor 10.0.2.2 maximum-prefix 100' in family(bgpd, 'ipv4 unicast')


def test_ospf_runs_in_area_0_point_to_point_with_lo_passive(files):
    ospf = blocks(files['ospfd.conf'])
    assert ospf['interface lo'] == ['ip ospf area 0.0.0.0', 'ip ospf passive']
    assert ospf['interface a1-eth0'][:2] == ['ip ospf area 0.0.0.0',
                                             'ip ospf network point-to-point']
    assert 'interface a1-eth2' not in ospf       # an eBGP link
    assert 'ospf router-id 10.255.0.1' in ospf['router ospf']
    ospf6 = blocks(files['ospf6d.conf'])
    assert ospf6['interface lo'] == ['ipv6 ospf6 area 0.0.0.0', 'ipv6 ospf6 passive']
    assert ospf6['interface a1-eth0'][:2] == ['ipv6 ospf6 area 0.0.0.0',
                                              'ipv6 ospf6 network point-to-point']
    assert 'interface a1-eth1' not in ospf6      # it has no IPv6 address
    assert 'ospf6 router-id 10.255.0.1' in ospf6['router ospf6']


def write_router(folder, files):
    (folder / 'a1').mkdir()
    for name, text in dict(files, **{'zebra.conf': addressing.render(PLAN)}).items():
        (folder / 'a1' / name).write_text(text)
    return str(folder)


def dry_run(folder):
    """FRR's own dry run of every file the suite lists for a1 in folder."""
    FRR.finish_config_checks('a1', FRR.start_config_checks('a1', folder))


def test_frr_accepts_every_file_it_renders_and_the_suite_lists_them_all(files, tmp_path):
    folder = write_router(tmp_path, files)
    assert [f.split('/')[-1] for f in FRR.config_files('a1', folder)] == [
        'zebra.conf', 'ospfd.conf', 'ospf6d.conf', 'bgpd.conf']
    dry_run(folder)


@pytest.mark.parametrize('name, good, bad', [
    ('bgpd.conf', 'match large-community CUSTOMER-ROUTES',
     'match large-communities CUSTOMER-ROUTES'),
    ('bgpd.conf', 'neighbor 10.0.2.2 maximum-prefix 100',
     'neighbor 10.0.2.2 route-reflector-client'),
    ('ospfd.conf', 'ip ospf passive', 'ip ospf passively'),
    ('ospf6d.conf', 'ipv6 ospf6 passive', 'ipv6 ospf6 pasive'),
])
def test_frr_rejects_a_wrong_statement_in_each_file(files, tmp_path, name, good, bad):
    """The dry run is no formality: one wrong statement and the lab does not start."""
    assert good in files[name]
    folder = write_router(tmp_path, dict(files, **{name: files[name].replace(good, bad, 1)}))
    with pytest.raises(LabError, match='a1: %s rejects .*%s line \\d+ "%s"' % (
            name[:-len('.conf')], name, bad)):
        dry_run(folder)


class Recorder(object):
    """A router that answers vtysh with canned JSON and records what it was asked."""

    def __init__(self, answers):
        self.answers, self.asked = answers, []

    def cmd(self, line):
        command = line.split("'")[1]
        self.asked.append(command)
        return json.dumps(self.answers.get(command, {}))


def test_sessions_of_every_address_family_are_read():
    summary = {'ipv4Unicast': {'peers': {'10.0.0.2': {'state': 'Established', 'pfxRcd': 2}}},
               'ipv6Unicast': {'peers': {'2001:db8::2': {'state': 'Active', 'pfxRcd': 0}}}}
    assert FRR.parse_sessions(json.dumps(summary)) == {
        '10.0.0.2': ('Established', 2), '2001:db8::2': ('Active', 0)}
    assert FRR.sessions_command() == ['vtysh', '-c', 'show bgp summary json']


def test_ipv6_destinations_and_peers_are_asked_in_the_ipv6_table():
    router = Recorder({'show bgp ipv6 unicast json': {'routes': {
        '2001:db8:3::/64': [{'bestpath': True, 'path': '65003'}]}},
        'show ip bgp json': {'routes': {'10.3.0.0/24': [{'bestpath': True, 'path': '65003'}]}}})
    assert FRR.best_routes(router) == {N('10.3.0.0/24'): '65003', N('2001:db8:3::/64'): '65003'}
    FRR.best_route(router, '2001:db8:3::1')
    FRR.best_route(router, ipaddress.ip_network('10.3.0.0/24'))
    FRR.advertised(router, ipaddress.ip_address('2001:db8::2'))
    FRR.kept(router, '10.0.0.2')
    assert router.asked[2:] == ['show bgp ipv6 unicast 2001:db8:3::1 json',
                                'show ip bgp 10.3.0.0/24 json',
                                'show bgp ipv6 unicast neighbors 2001:db8::2 advertised-routes json',
                                'show ip bgp neighbors 10.0.0.2 routes json']


class Starting(object):
    """A router that records which daemons the suite starts, and which it waits for."""

    name, modules = 'a1', {}

    def __init__(self, etc_dir):
        self.etc_dir, self.started, self.daemon_pids = etc_dir, [], {}

    def start_daemon(self, daemon, args, wait=True):
        assert args[args.index('-f') + 1].endswith('/a1/%s.conf' % daemon)
        self.started.append((daemon, wait))
        self.daemon_pids[daemon] = len(self.started)

    def wait_ready(self, daemon, pid):
        self.started.append(('waited for ' + daemon, pid))

    def bgp_config_file(self, conf):
        return conf         # no feed (bgptopo/feeding.py): the file itself


def test_zebra_starts_first_and_alone_is_waited_for_then_ospf_then_bgpd(files, tmp_path):
    router = Starting(write_router(tmp_path, files))
    FRR.start(router)
    assert router.started == [('zebra', False), ('waited for zebra', 1), ('ospfd', False),
                              ('ospf6d', False), ('bgpd', False)]


def test_the_first_phase_starts_zebra_alone_the_rest_waits_for_it(files, tmp_path):
    """A lab starts every router's zebra (start_first), then every router's
    rest (start_rest): no router waits for its own zebra before the next
    router's starts."""
    router = Starting(write_router(tmp_path, files))
    FRR.start_first(router)
    assert router.started == [('zebra', False)]
    FRR.start_rest(router)
    assert router.started[1:] == [('waited for zebra', 1), ('ospfd', False),
                                  ('ospf6d', False), ('bgpd', False)]


def test_a_router_without_ospf_files_starts_zebra_and_bgpd(tmp_path):
    router = Starting(write_router(tmp_path, FRR.render(PLAN._replace(ospf=()))))
    FRR.start(router)
    assert router.started == [('zebra', False), ('waited for zebra', 1), ('bgpd', False)]


def test_daemons_get_the_labs_malloc_settings_and_the_users_own_win(monkeypatch):
    """glibc lets a tunable's later setting win: the user's GLIBC_TUNABLES
    comes after the lab's."""
    monkeypatch.delenv('GLIBC_TUNABLES', raising=False)
    lab_only = install.FRR.command('bgpd', '/etc/a1/bgpd.conf')
    assert lab_only[:3] == ['env', 'GLIBC_TUNABLES=' + install.MALLOC_TUNABLES,
                            '/usr/lib/frr/bgpd']
    monkeypatch.setenv('GLIBC_TUNABLES', 'glibc.malloc.tcache_count=7')
    assert install.FRR.command('bgpd', '/etc/a1/bgpd.conf')[1] == (
        'GLIBC_TUNABLES=%s:glibc.malloc.tcache_count=7' % install.MALLOC_TUNABLES)


def test_hints_name_the_address_family_of_ipv6_sessions_and_networks():
    assert FRR.hint_neighbor('10.0.0.2', 2) == '`neighbor 10.0.0.2 remote-as 2`'
    assert FRR.hint_neighbor('2001:db8::2', 2) == (
        '`neighbor 2001:db8::2 remote-as 2` and, under address-family ipv6 unicast, '
        '`neighbor 2001:db8::2 activate`')
    assert FRR.hint_network(N('2001:db8:1::/64')) == \
        '`network 2001:db8:1::/64` under address-family ipv6 unicast'


def test_why_reads_the_rendered_accept_style_in_both_families(bgpd):
    """The lab's own reading of FRR's filters (policy.py) judges IPv6
    prefixes by the ipv6 prefix-list, IPv4 ones by the ip one."""
    rules = Policy(bgpd)
    assert rules.route_map_verdict('LAB', N('2001:db8:5::/48')) == (
        True, 'its entry `permit 20` matches it')
    assert rules.route_map_verdict('LAB', N('2001:db8:5::/80'))[0] is False     # le 64
    assert rules.route_map_verdict('LAB', N('10.9.9.0/24')) == (
        True, 'its entry `permit 10` matches it')
    assert rules.route_map_verdict('LAB', N('11.0.0.0/24')) == (False, (
        'no entry matches it (`permit 10`: prefix-list LAB has no entry for it; `permit 20`: '
        '`match ipv6 address prefix-list LAB` is for IPv6 prefixes)'))
