"""Unit tests (no root): the BIRD suite reading bird.conf (etc/bird against
FRR's reading of etc/quagga), `bird -p`'s verdicts (the real bird), and
birdc's answers captured from real BIRD routers in tests/fixtures/bird/
(capture.py there: test_bird_lab.py's lab, where r2 also originates
12.0.0.0/25, which r1 rejects, and r3 also 11.0.0.128/25, which its export
filter holds back; capture_plan.py: test_bird_plan_lab.py's dual-stack lab
of rendered plans, whose a1 and a2 are one AS, iBGP over OSPF)."""

import ipaddress
import os
import re
import shlex

import pytest

from conftest import REPO
from bgptopo import routing
from bgptopo.errors import LabError
from bgptopo.routing import bird as bird_suite
from bgptopo.routing.bird.config import parse_bird
from bgptopo.routing.contract import Neighbor, Route, Session

FIXTURES = os.path.join(REPO, 'tests', 'fixtures', 'bird')
BIRD_ETC = os.path.join(REPO, 'etc', 'bird')
SUITE = routing.suite('bird')
P = ipaddress.ip_network


class CapturedRouter(object):
    """A router whose node answers birdc commands from the captured files
    (moment: '' once converged, or '-starting', '-disabled', '-stopped')."""

    def __init__(self, name, moment=''):
        self.name, self.moment = name, moment
        self.asked = []

    def cmd(self, command):
        words = shlex.split(command)
        assert words[:3] == ['birdc', '-s', '/run/bird/bird.ctl'] and words[4:] == ['2>&1']
        self.asked.append(words[3])
        return captured(self.name, words[3], self.moment)


def captured(router, words, moment=''):
    name = '%s-%s%s.txt' % (router, re.sub(r'[^\w.]+', '_', words), moment)
    with open(os.path.join(FIXTURES, name), newline='') as answer:
        return answer.read()


# bird.conf

@pytest.mark.parametrize('router', ['r1', 'r2', 'r3'])
def test_etc_bird_says_what_etc_quagga_says(router):
    bird = SUITE.file_config(router, SUITE.default_etc_dir())
    frr = routing.suite('frr').file_config(router, os.path.join(REPO, 'etc', 'quagga'))
    assert (bird.asn, bird.router_id, bird.neighbors, bird.networks) == \
        (frr.asn, frr.router_id, frr.neighbors, frr.networks)
    assert bird.asn is not None and len(bird.neighbors) == 2 and len(bird.networks) == 1


TEMPLATES = '''
router id 192.0.2.1;   # a comment { with a brace
/* a block comment: protocol bgp HIDDEN { neighbor 1.1.1.1 as 1; } */
ipv4 table other4;
define NETS = [ 10.0.0.0/8{16,24}, 172.16.0.0/12+ ];
filter IN { if net ~ NETS then { accept; } else { reject; } }
template bgp BASE { local as 64500; neighbor as 64501; }
template bgp SIGNED from BASE { password "a;b{c"; }
protocol bgp PEER1 from SIGNED { neighbor 198.51.100.1; ipv4 { import filter IN; export all; }; }
protocol bgp from BASE { neighbor 198.51.100.2 as 64502; }
protocol bgp DYNAMIC from BASE { neighbor range 203.0.113.0/24; }
protocol static { ipv4; route 10.1.0.0/16 blackhole; route 10.2.0.0/16 via "eth0"; }
protocol static OFF { disabled; ipv4; route 10.3.0.0/16 blackhole; }
protocol static ELSEWHERE { ipv4 { table other4; }; route 10.4.0.0/16 blackhole; }
protocol static SIX { ipv6; route 2001:db8::/32 blackhole; }
'''


def test_templates_neighbors_and_originating_statics():
    config = parse_bird(TEMPLATES)
    assert (config.asn, config.router_id) == (64500, '192.0.2.1')
    assert config.neighbors == [Neighbor('198.51.100.1', '64501'),
                                Neighbor('198.51.100.2', '64502')]
    # a disabled static, one feeding a table no BGP channel reads, IPv6: not originated
    assert config.networks == [P('10.1.0.0/16'), P('10.2.0.0/16')]


def test_a_table_a_bgp_channel_reads_makes_its_statics_originated():
    text = TEMPLATES.replace('protocol bgp from BASE { neighbor 198.51.100.2 as 64502; }',
                             'protocol bgp from BASE { neighbor 198.51.100.2 as 64502; '
                             'ipv4 { table other4; import all; export all; }; }')
    assert P('10.4.0.0/16') in parse_bird(text).networks


def test_no_protocol_bgp_no_as():
    config = parse_bird('router id 192.0.2.1;\ntemplate bgp T { local as 1; }\n'
                        'protocol static { ipv4; route 10.0.0.0/8 blackhole; }\n')
    assert (config.asn, config.neighbors, config.networks) == (None, [], [])


def write_conf(tmp_path, router, text):
    os.makedirs(str(tmp_path / router))
    (tmp_path / router / 'bird.conf').write_text(text)
    return str(tmp_path / router / 'bird.conf')


def check(router, etc_dir):
    SUITE.finish_config_checks(router, SUITE.start_config_checks(router, etc_dir))


def test_bird_accepts_the_labs_configs():
    for router in ('r1', 'r2', 'r3'):
        check(router, BIRD_ETC)


def test_a_rejected_config_is_one_sentence_quoting_its_line(tmp_path):
    with open(os.path.join(BIRD_ETC, 'r2', 'bird.conf')) as original:
        lines = original.read().replace('import filter FROM_R1;',
                                        'import filter FROM_R9;').splitlines()
    path = write_conf(tmp_path, 'r2', '\n'.join(lines) + '\n')
    number = lines.index('\t\timport filter FROM_R9;') + 1
    with pytest.raises(LabError) as failure:
        check('r2', str(tmp_path))
    assert str(failure.value) == (
        'r2: BIRD rejects %s line %d column 17 "import filter FROM_R9;": syntax error, '
        'unexpected CF_SYM_UNDEFINED; fix the file and start the lab again.' % (path, number))


def test_a_missing_config_is_one_sentence(tmp_path):
    path = str(tmp_path / 'r2' / 'bird.conf')
    sentence = ('r2: BIRD cannot read %s (No such file or directory); every BIRD router needs '
                'a bird.conf in its folder of the etc tree, readable by root.' % path)
    with pytest.raises(LabError) as failure:
        check('r2', str(tmp_path))
    assert str(failure.value) == sentence
    with pytest.raises(LabError) as failure:
        SUITE.file_config('r2', str(tmp_path))
    assert str(failure.value) == sentence


def test_a_missing_bird_is_one_sentence(monkeypatch, tmp_path):
    SUITE.require_installed()
    monkeypatch.setattr(bird_suite, 'BIRD', str(tmp_path / 'bird'))
    with pytest.raises(LabError) as failure:
        SUITE.require_installed()
    assert str(failure.value) == ('BIRD is not installed (no %s); run ./setup.sh or apt-get '
                                  'install bird2.' % (tmp_path / 'bird'))


def test_the_suite_is_registered_with_its_names():
    assert (SUITE.key, SUITE.name, SUITE.bgp_daemon, SUITE.shell, SUITE.run_dir) == \
        ('bird', 'BIRD', 'bird', 'birdc', '/run/bird')
    assert SUITE.sets_addresses is False
    assert SUITE.config_files('r1', BIRD_ETC) == [os.path.join(BIRD_ETC, 'r1', 'bird.conf')]
    assert SUITE.ready_file('bird') == 'bird.ctl'
    assert SUITE.interactive_cli(None) == ['birdc']


# birdc's answers

def test_sessions_by_neighbor_address_with_routes_accepted():
    text = captured('r1', 'show protocols all')
    assert SUITE.parse_sessions(text) == {'192.168.12.2': Session('Established', 2),
                                          '192.168.13.3': Session('Established', 2)}
    assert SUITE.sessions(CapturedRouter('r1')) == SUITE.parse_sessions(text)


def test_sessions_not_up_in_frr_words():
    starting = SUITE.parse_sessions(captured('r1', 'show protocols all', '-starting'))
    assert starting['192.168.12.2'] == ('Active', 0)
    # r1 disabled R3: BIRD's Down is Idle; r3 retries (Active) after the Cease
    assert SUITE.parse_sessions(captured('r1', 'show protocols all R3', '-disabled')) == {
        '192.168.13.3': ('Idle', 0)}
    assert SUITE.parse_sessions(captured('r3', 'show protocols all R1', '-disabled')) == {
        '192.168.13.1': ('Active', 0)}
    assert SUITE.parse_sessions(captured('r1', 'show protocols all', '-stopped')) == {}


def test_best_route_of_an_address_and_of_a_prefix():
    r1 = CapturedRouter('r1')
    assert SUITE.best_route(r1, '12.0.0.1') == Route('12.0.0.0/24', '55000', '192.168.12.2')
    assert r1.asked == ['show route for 12.0.0.1 all']
    # its own network, made by protocol static ORIGINATE, as FRR shows a `network`
    assert SUITE.best_route(r1, P('10.0.0.0/24')) == Route('10.0.0.0/24', '', '0.0.0.0')
    assert SUITE.best_route(r1, '203.0.113.1') is None


def test_best_routes_hold_bgp_and_originated_routes_only():
    # r1's table also holds its links (protocol direct): FRR's BGP table would not
    assert SUITE.best_routes(CapturedRouter('r1')) == {
        P('10.0.0.0/24'): '', P('11.0.0.0/24'): '65000', P('12.0.0.0/24'): '55000'}


def test_advertised_and_kept_per_peer():
    r1 = CapturedRouter('r1')
    assert SUITE.advertised(r1, '192.168.12.2') == {P('10.0.0.0/24'), P('11.0.0.0/24')}
    assert r1.asked[-1] == 'show route export R2'
    assert SUITE.kept(r1, ipaddress.ip_address('192.168.12.2')) == {
        P('12.0.0.0/24'), P('11.0.0.0/24')}
    assert SUITE.advertised(CapturedRouter('r2'), '192.168.12.1') == {
        P('12.0.0.0/24'), P('12.0.0.0/25'), P('11.0.0.0/24')}
    assert SUITE.advertised(r1, '192.0.2.9') == set()       # no such session
    assert SUITE.advertised(CapturedRouter('r1', '-disabled'), '192.168.13.3') == set()


def test_filter_cause_reports_birds_own_verdict():
    r1, r3 = CapturedRouter('r1'), CapturedRouter('r3')
    assert SUITE.filter_cause(r1, 'import', '192.168.12.2', 'r2', P('12.0.0.0/25')) == (
        "r1's import filter FROM_R2 from r2 rejects 12.0.0.0/25 "
        "(birdc `show route filtered protocol R2` lists it)")
    assert SUITE.filter_cause(r3, 'export', '192.168.13.1', 'r1', P('11.0.0.128/25')) == (
        "r3's export filter TO_PEERS toward r1 rejects 11.0.0.128/25 "
        "(birdc `show route noexport R1` lists it)")
    assert SUITE.filter_cause(r3, 'export', '192.168.13.1', 'r1', P('11.0.0.0/24')) == (
        "r3's export filter TO_PEERS toward r1 passes 11.0.0.0/24 now (birdc `show route "
        "noexport R1` lacks it), yet it is lost there: the filter changed since it was "
        "applied (`birdc reload out R1` on r3 applies it again)")
    assert SUITE.filter_cause(r1, 'import', '192.168.12.2', 'r2', P('12.0.0.0/24')).startswith(
        "r1's import filter FROM_R2 from r2 passes 12.0.0.0/24 now (birdc `show route "
        "filtered protocol R2` lacks it)")


def test_filter_cause_without_kept_filtered_routes_says_so():
    class NoKeep(CapturedRouter):
        def cmd(self, command):
            return re.sub(r' \d+ filtered,', '', CapturedRouter.cmd(self, command))
    assert SUITE.filter_cause(NoKeep('r1'), 'import', '192.168.12.2', 'r2',
                              P('12.0.0.0/24')) == (
        "r1's import filter FROM_R2 from r2 may reject 12.0.0.0/24: protocol R2 keeps no "
        "rejected routes to show (`import keep filtered on;` in its ipv4 channel makes birdc "
        "`show route filtered protocol R2` list them)")


def test_running_config_is_what_bird_runs():
    for name in ('r1', 'r3'):
        running = SUITE.running_config(CapturedRouter(name))
        written = SUITE.file_config(name, BIRD_ETC)
        assert (running.asn, running.router_id, running.neighbors) == \
            (written.asn, written.router_id, written.neighbors)
    assert SUITE.running_config(CapturedRouter('r1')).networks == [P('10.0.0.0/24')]
    # r3 of the captured lab originates a /25 as well (its own `show static`)
    assert SUITE.running_config(CapturedRouter('r3')).networks == [
        P('11.0.0.0/24'), P('11.0.0.128/25')]


def test_no_bird_running_no_as():
    class Stopped(CapturedRouter):
        def cmd(self, command):
            return captured('r1', 'show protocols all', '-stopped')
    running = SUITE.running_config(Stopped('r1'))
    assert (running.asn, running.router_id, running.neighbors, running.networks) == \
        (None, None, [], [])


def test_what_users_see():
    r1 = CapturedRouter('r1')
    assert SUITE.summary(r1).splitlines()[0].split() == \
        ['Name', 'Proto', 'Table', 'State', 'Since', 'Info']
    assert 'BIRD 2.0.12 ready.' not in SUITE.summary(r1)
    assert SUITE.show_json(r1, [])['192.168.13.3'] == {
        'state': 'Established', 'received': 2, 'protocol': 'R3'}
    assert SUITE.show_json(r1, ['route', 'nonsense']) == {
        'output': 'syntax error, unexpected CF_SYM_UNDEFINED'}
    assert SUITE.run_cli(r1, 'show status').splitlines()[1] == 'Router ID is 10.0.0.254'
    assert SUITE.sessions_command() == ['birdc', '-s', '/run/bird/bird.ctl', 'show protocols all']


def test_hints_in_birds_words():
    assert SUITE.hint_neighbor('192.168.12.2', 55000) == \
        '`protocol bgp { neighbor 192.168.12.2 as 55000; ... }`'
    assert '`route 10.0.0.0/24 via "INTERFACE";` in a `protocol static`' in \
        SUITE.hint_network(P('10.0.0.0/24'))
    assert SUITE.hint_bgp() == 'a `protocol bgp` in its bird.conf'


# IPv6, iBGP and OSPF: a1 and a2 of test_bird_plan_lab.py (AS 65001)

def test_sessions_of_both_families_and_ibgp():
    assert SUITE.parse_sessions(captured('a1', 'show protocols all')) == {
        '10.255.0.2': ('Established', 1), '2001:db8:ffff::2': ('Established', 1),
        '10.0.1.2': ('Established', 2), '2001:db8:ff:1::2': ('Established', 2),
        '10.0.2.2': ('Established', 1), '2001:db8:ff:2::2': ('Established', 1)}


def test_ospf_routes_are_read_as_themselves_and_left_out():
    """OSPF's route lines (`* I (150/20)`) are routes of their own, so their
    details do not land on the route before them."""
    routes = bird_suite.birdc.parse_routes(captured('a2', 'show route all'))
    ospf = [(r.prefix, r.best, r.source, r.gateway) for r in routes if r.protocol == 'OSPF4']
    assert ospf == [('10.255.0.1/32', True, 'OSPF', '10.0.0.1'),
                    ('10.0.0.0/24', False, 'OSPF', None)]
    assert [r.source for r in routes if r.prefix == '10.4.0.0/24'] == ['BGP']
    # the table's interface and OSPF routes are no BGP routes
    lans = {'': ['10.1.0.0/24', '2001:db8:1::/64'], '65002': ['10.2.0.0/24', '2001:db8:2::/64'],
            '65003': ['10.3.0.0/24', '2001:db8:3::/64'],
            '65004 65004 65004 65004': ['10.4.0.0/24', '2001:db8:4::/64']}
    expected = {P(prefix): path for path, prefixes in lans.items() for prefix in prefixes}
    assert SUITE.best_routes(CapturedRouter('a2')) == expected
    assert SUITE.best_routes(CapturedRouter('a1')) == expected


def test_best_routes_over_ibgp_name_the_loopback_they_resolve_through():
    a2 = CapturedRouter('a2')
    assert SUITE.best_route(a2, '2001:db8:4::1') == Route(
        '2001:db8:4::/64', '65004 65004 65004 65004', '2001:db8:ffff::1')
    assert SUITE.best_route(a2, P('10.4.0.0/24')) == Route(
        '10.4.0.0/24', '65004 65004 65004 65004', '10.255.0.1')
    # an IPv6 network of its own, as FRR shows a `network`
    assert SUITE.best_route(CapturedRouter('a1'), P('2001:db8:1::/64')) == Route(
        '2001:db8:1::/64', '', '::')


def test_advertised_kept_and_filter_cause_of_an_ipv6_session():
    a1, a2 = CapturedRouter('a1'), CapturedRouter('a2')
    # a2 gives its peer the AS's own and its customer's routes, not its provider's
    assert SUITE.advertised(a2, '2001:db8:ff:3::2') == {P('2001:db8:1::/64'),
                                                         P('2001:db8:4::/64')}
    assert a2.asked[-1] == 'show route export PEER_V6'
    assert SUITE.kept(a2, ipaddress.ip_address('2001:db8:ff:3::2')) == {P('2001:db8:3::/64')}
    # however an address is written
    assert SUITE.advertised(a1, '2001:DB8:FF:1:0::2') == {P('2001:db8:1::/64'),
                                                          P('2001:db8:4::/64')}
    assert SUITE.filter_cause(a2, 'export', '2001:db8:ff:3::2', 'peer',
                              P('2001:db8:2::/64')) == (
        "a2's export filter TO_PEER_V6 toward peer rejects 2001:db8:2::/64 "
        "(birdc `show route noexport PEER_V6` lists it)")


def test_running_config_holds_both_families():
    running = SUITE.running_config(CapturedRouter('a1'))
    assert (running.asn, running.router_id) == (65001, '10.1.0.1')
    assert running.neighbors[:2] == [Neighbor('10.255.0.2', '65001'),
                                     Neighbor('2001:db8:ffff::2', '65001')]
    assert running.networks == [P('10.1.0.0/24'), P('2001:db8:1::/64')]
