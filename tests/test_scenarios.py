"""Scenarios as modules (unit): each one's commands reach the prompt's single
declaration and its help, its flag and configs reach the topology, its images
the image list; the hijack reads names from configs rather than knowing them."""

import io
import ipaddress
import os
import re

import mininet.cli
import pytest

from bgptopo import cli, images, scenarios
from bgptopo.errors import LabError
from bgptopo.paths import ETC_DIR
from bgptopo.routing.frr.policy import Policy, PrefixEntry
from bgptopo.scenarios import exercise, hijack
from bgptopo.topologies import Bgp3Topo, BgpRingTopo


def shipped(router):
    with open(os.path.join(ETC_DIR, router, 'bgpd.conf')) as conf:
        return conf.read()


class Printed(object):
    """What the prompt printed through Mininet's output and error, and its stdout."""

    def __init__(self, monkeypatch):
        self.lines = []
        for module in (cli, mininet.cli):
            monkeypatch.setattr(module, 'output', self.lines.append)
        monkeypatch.setattr(cli, 'error', self.lines.append)
        self.prompt = cli.BgpCLI.__new__(cli.BgpCLI)    # the commands, without the loop
        self.prompt.stdout = io.StringIO()
        self.prompt.mn = None

    def text(self):
        return self.prompt.stdout.getvalue() + ''.join(self.lines)


def test_every_scenario_command_is_in_the_prompts_one_declaration():
    declared = scenarios.commands()
    assert {c.name for c in declared} == {'failover', 'hijack', 'defend'}
    for command in declared:
        assert (command.name, command.usage, command.help) in cli.COMMANDS
        assert callable(getattr(cli.BgpCLI, 'do_' + command.name))
    names = [name for name, _, _ in cli.COMMANDS]
    assert len(names) == len(set(names))


def test_help_lists_scenario_commands_and_explains_each(monkeypatch):
    printed = Printed(monkeypatch)
    printed.prompt.do_help('')
    listing = printed.text()
    for command in scenarios.commands():
        assert re.search(r'\n  %s +%s\n' % (re.escape(command.usage), re.escape(command.help)),
                         listing) or '\n  %s\n' % command.usage in listing, command.name
    for command in scenarios.commands():
        one = Printed(monkeypatch)
        one.prompt.do_help(command.name)
        details = command.run.__doc__.split()[0]
        assert one.text().startswith('%s: %s.' % (command.usage, command.help))
        assert details in one.text()


@pytest.mark.parametrize('line', ['hijack', 'hijack start exact now', 'hijack go',
                                  'defend', 'defend maybe', 'failover r1', 'failover r1 r2 r3'])
def test_a_scenario_command_typed_wrong_answers_with_its_declared_usage(monkeypatch, line):
    printed = Printed(monkeypatch)
    name, _, rest = line.partition(' ')
    getattr(printed.prompt, 'do_' + name)(rest)
    assert printed.lines == ['*** usage: %s\n' % cli.USAGE[name]]


def test_the_hijack_flag_adds_the_rogue_and_r1s_origin_validation(nothing_but_files):
    topo = Bgp3Topo(hijack='1')
    assert [s.name for s in scenarios.of(topo)] == ['failover', 'hijack']
    assert ('r3', 'rogue') in topo.links()
    assert topo.nodeInfo('rogue')['ip'] == topo.nodeInfo('webserver')['ip']
    assert topo.nodeInfo('rogue')['defaultRoute'] == 'via 12.0.0.254'
    r1 = topo.nodeInfo('r1')
    assert r1['modules'] == {'bgpd': ['rpki']}
    assert r1['before_daemons'] == [hijack.start_rpki_cache]
    assert {topo.router_etc_dir(r) for r in topo.routers()} == {hijack.ETC}
    assert 'before_daemons' not in Bgp3Topo().nodeInfo('r1')


def test_the_exercise_flag_starts_the_routers_from_its_skeletons(nothing_but_files):
    topo = Bgp3Topo(exercise=1)
    assert {topo.router_etc_dir(r) for r in topo.routers()} == {exercise.ETC}
    assert topo.hosts() == Bgp3Topo().hosts()


@pytest.mark.parametrize('params, sentence', [
    ({'exercise': 1, 'hijack': 1}, 'exercise=1 and hijack=1 do not go together'),
    ({'hijack': 2}, 'hijack=2 is neither 0 nor 1'),
    ({'hijack': 1, 'etc': '/tmp'}, 'hijack=1 starts the routers from etc/quagga/hijack; '
                                   'leave out etc= with it.'),
    ({'exercise': 1, 'suite': 'bird'}, 'exercise=1 is written for frr routers'),
])
def test_scenario_flags_misused_are_one_sentence(nothing_but_files, params, sentence):
    with pytest.raises(LabError, match=re.escape(sentence)):
        Bgp3Topo(**params)


def test_a_topology_takes_only_its_own_scenarios_flags(nothing_but_files):
    assert Bgp3Topo.accepted_params()[:3] == ['etc', 'exercise', 'hijack']
    with pytest.raises(LabError, match='BgpRingTopo does not take hijack'):
        BgpRingTopo(n=3, hijack=1)


def test_scenario_images_are_built_with_the_labs_own():
    assert images.known()[hijack.ROGUE_IMAGE] == ('rogue', images.WEBSERVER_IMAGE)
    assert set(images.IMAGES) < set(images.known())


# the hijack reads names from configs

RENAMED_R1 = shipped('r1').replace('route-map FROM-R3 in', 'route-map IMPORT-R3 in') \
    .replace('route-map FROM-R3 permit 10', 'route-map IMPORT-R3 permit 10')


class NoNodes(object):
    hosts = []


def test_defend_finds_r1s_import_route_maps_under_any_name():
    assert hijack.import_maps(RENAMED_R1) == {'192.168.12.2': 'FROM-R2',
                                              '192.168.13.3': 'IMPORT-R3'}
    assert hijack.import_route_maps(NoNodes(), 'r1', RENAMED_R1) == ['FROM-R2', 'IMPORT-R3']


def test_a_session_without_an_import_route_map_is_a_sentence():
    text = RENAMED_R1.replace('  neighbor 192.168.13.3 route-map IMPORT-R3 in\n', '')
    with pytest.raises(LabError) as failure:
        hijack.import_route_maps(NoNodes(), 'r1', text)
    assert str(failure.value) == (
        'r1 has no import route-map on its session with 192.168.13.3, so origin validation '
        'has nothing to join there; give it one (`neighbor 192.168.13.3 route-map NAME in` '
        'under address-family ipv4 unicast), then `defend on`.')


def test_the_deny_entry_goes_first_once():
    policy = Policy(RENAMED_R1)
    assert hijack.guard_commands('r1', policy, 'IMPORT-R3') == [
        'route-map IMPORT-R3 deny 5', 'match rpki invalid', 'exit']
    guarded = Policy(RENAMED_R1 + 'route-map IMPORT-R3 deny 5\n match rpki invalid\n')
    assert hijack.guard_commands('r1', guarded, 'IMPORT-R3') == []
    tight = Policy(RENAMED_R1.replace('route-map IMPORT-R3 permit 10',
                                      'route-map IMPORT-R3 permit 1'))
    with pytest.raises(LabError, match="r1's route-map IMPORT-R3 begins with entry 1"):
        hijack.guard_commands('r1', tight, 'IMPORT-R3')


HALVES = [ipaddress.ip_network('12.0.0.0/25'), ipaddress.ip_network('12.0.0.128/25')]


def r3_entries(text, prefixes=HALVES):
    from bgptopo.routing.frr.config import parse_bgp
    return hijack.export_entries(Policy(text), parse_bgp(text), prefixes)


def test_r3s_export_prefix_list_is_found_and_gets_free_numbers():
    assert r3_entries(shipped('r3')) == [('LAB-NETS', 31, HALVES[0]), ('LAB-NETS', 32, HALVES[1])]
    renamed = shipped('r3').replace('LAB-NETS', 'OUR-NETS')
    assert [entry[0] for entry in r3_entries(renamed)] == ['OUR-NETS', 'OUR-NETS']
    # the exact /24 leaves already: nothing to add
    assert r3_entries(shipped('r3'), [ipaddress.ip_network('12.0.0.0/24')]) == []


def test_a_new_entry_goes_before_the_one_that_denies_the_prefix():
    entries = [PrefixEntry(10, 'permit', ipaddress.ip_network('10.0.0.0/24'), None, None),
               PrefixEntry(15, 'deny', ipaddress.ip_network('12.0.0.0/24'), None, 32),
               PrefixEntry(14, 'permit', ipaddress.ip_network('11.0.0.0/24'), None, None)]
    assert hijack.free_seq(entries, HALVES[0]) == 13
    crowded = [PrefixEntry(seq, 'permit', ipaddress.ip_network('10.%d.0.0/24' % seq), None,
                           None) for seq in (1, 2)] + \
        [PrefixEntry(3, 'deny', ipaddress.ip_network('12.0.0.0/8'), None, 32)]
    assert hijack.free_seq(crowded, HALVES[0]) is None


def test_stop_undoes_what_start_changed_that_still_runs():
    changes = {'asn': 65000, 'address': ('r3-eth2', '12.0.0.254/24'), 'import_check': True,
               'networks': HALVES, 'entries': [('LAB-NETS', 31, HALVES[0]),
                                                ('LAB-NETS', 32, HALVES[1])]}
    started = hijack.start_commands(changes)
    assert 'no bgp network import-check' in started
    running = [line.strip() for line in started] + ['ip address 12.0.0.254/24']
    undo = hijack.stop_commands(changes, running)
    assert undo == ['configure terminal', 'router bgp 65000', 'address-family ipv4 unicast',
                    'no network 12.0.0.0/25', 'no network 12.0.0.128/25', 'exit',
                    'bgp network import-check', 'exit',
                    'no ip prefix-list LAB-NETS seq 31 permit 12.0.0.0/25',
                    'no ip prefix-list LAB-NETS seq 32 permit 12.0.0.128/25',
                    'interface r3-eth2', 'no ip address 12.0.0.254/24']
    # a restarted r3 runs none of it: nothing to remove, import-check left alone
    assert hijack.stop_commands(changes, []) == [
        'configure terminal', 'router bgp 65000', 'address-family ipv4 unicast', 'exit', 'exit']


def test_the_prompt_opens_with_the_hints_of_the_labs_scenarios(monkeypatch, nothing_but_files):
    printed = Printed(monkeypatch)
    monkeypatch.setattr(mininet.cli.CLI, '__init__', lambda *args, **params: None)
    net = type('Net', (), {'topo': Bgp3Topo(exercise=1)})()
    cli.BgpCLI(net)
    assert printed.lines == ['*** %s\n' % exercise.SCENARIO.hint]
    assert 'etc/quagga/exercise/<router>/bgpd.conf' in exercise.SCENARIO.hint
    del printed.lines[:]
    cli.BgpCLI(type('Net', (), {'topo': Bgp3Topo()})())
    assert printed.lines == []
