"""Lab files read into a Lab, and every mistake a sentence naming the file,
the line and the fix (no root, no lab: bgptopo/labfile.py, labplan.py)."""

import ipaddress
import os
import textwrap

import pytest

from bgptopo import labfile, labplan
from bgptopo.errors import LabError
from bgptopo.labmodel import relationship

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'examples')

GOOD = """\
version: 1
ases:
  100: {routers: [a]}
  200: {routers: [b]}
hosts:
  pc: {router: a, role: client}
links:
  - {between: [a, b], relationship: provider-customer}
"""


def parse(text):
    return labfile.parse(textwrap.dedent(text), 'lab.yml')


def error_of(text):
    with pytest.raises(LabError) as failure:
        parse(text)
    return str(failure.value)


def test_a_small_file_reads_into_ases_routers_hosts_and_relationships():
    lab = parse(GOOD)
    assert sorted(lab.ases) == [100, 200]
    assert lab.routers['a'].asn == 100 and lab.routers['a'].suite == 'frr'
    assert lab.hosts['pc'].image == 'bgptopo/host' and lab.hosts['pc'].role == 'client'
    assert relationship(lab, 100, 200) == 'customer'
    assert relationship(lab, 200, 100) == 'provider'


@pytest.mark.parametrize('text, line, words', [
    ('version: 1\nases:\n  100: {routers: [a], colour: red}\n', 3, 'colour is no key of an AS'),
    (GOOD.replace('[a, b], rel', '[a, c], rel'), 8, 'c is no router of this lab'),
    (GOOD.replace('  200:', '  4294967295:'), 4, 'ASes are numbered 1 to 4294967294'),
    (GOOD.replace('  200:', '  AS200:'), 4, '4500, not AS4500'),
    (GOOD.replace('{routers: [a]}', '{routers: [a], prefixes: [10.0.0.0/16]}')
         .replace('{routers: [b]}', '{routers: [b], prefixes: [10.0.1.0/24]}'), 4,
     'overlaps 10.0.0.0/16 of AS 100 (line 3)'),
    (GOOD + '  - {between: [a, b], relationship: peer}\n', 9, 'one relationship per pair'),
    (GOOD.replace('  200: {routers: [b]}', '  200: {routers: [b]}\n  300: {routers: [c]}'), 5,
     'router c has no link'),
    (GOOD.replace('{routers: [b]}', '{routers: [b, c]}') +
     '  - {between: [b, c], relationship: peer}\n', 9, 'are in one AS'),
    (GOOD.replace('relationship: provider-customer', 'relationship: sibling'), 8,
     'needs `relationship:` peer, provider-customer'),
    (GOOD.replace(', relationship: provider-customer', ''), 8, 'needs `relationship:`'),
    (GOOD.replace('version: 1', 'version: 2'), 1, 'write `version: 1`'),
    (GOOD.replace('version: 1\n', ''), 1, 'starts with `version: 1`'),
    (GOOD.replace('  100: {routers: [a]}', '  100: {routers: [a]\n'), 5, 'not valid YAML'),
    (GOOD.replace('role: client', 'role: boss'), 6, 'role \'boss\''),
    (GOOD.replace('provider-customer}', 'provider-customer, delay: fast}'), 8,
     'delay is a time'),
    (GOOD.replace('provider-customer}', 'provider-customer, a: {prepend: many}}'), 8,
     'prepend is how many'),
    (GOOD.replace('provider-customer}', "provider-customer, a: {communities: [4500:70000]}}"),
     8, 'communities is a list'),
    (GOOD.replace('{routers: [b]}', '{routers: [b], prefixes: [10.0.0.1/24]}'), 4,
     'has host bits set'),
    (GOOD.replace('{routers: [b]}', '{routers: [b], prefixes: [172.16.0.0/24]}'), 4,
     'overlaps the lab\'s link addresses'),
    (GOOD.replace('  100: {routers: [a]}', '  100: {routers: [a]}\n  100: {routers: [z]}'), 4,
     'written twice'),
    (GOOD.replace('{routers: [a]}', '{routers: [a], reflectors: [q]}'), 3,
     'q is no router of AS 100'),
    (GOOD.replace('{routers: [a]}', '{routers: [TheRouterWithALongName]}'), 3,
     'no good node name'),
])
def test_each_mistake_names_the_file_its_line_and_the_fix(text, line, words):
    with pytest.raises(LabError) as failure:
        labplan.plan(parse(text))
    message = str(failure.value)
    assert message.startswith('lab.yml, line %d: ' % line), message
    assert words in message, message


def test_an_as_may_name_its_server_by_name_or_address():
    """`server:` (for `mn --cluster`, bgptopo/cluster.py): kept with the
    line that says it; an AS without one is the placement's to choose."""
    lab = parse(GOOD.replace('{routers: [b]}', '{routers: [b], server: 172.31.254.2}')
                .replace('  100: {routers: [a]}', '  100:\n    routers: [a]\n    server: lab2'))
    assert (lab.ases[100].server, lab.ases[100].server_line) == ('lab2', 5)
    assert (lab.ases[200].server, lab.ases[200].server_line) == ('172.31.254.2', 6)
    assert parse(GOOD).ases[100].server is None


@pytest.mark.parametrize('value', ['[lab2]', '2', "'lab 2'", "''"])
def test_a_server_that_is_no_name_is_a_sentence(value):
    message = error_of(GOOD.replace('{routers: [b]}', '{routers: [b], server: %s}' % value))
    assert message.startswith('lab.yml, line 4: server: '), message
    assert 'is no server name; write a host name or address as --cluster lists it, ' \
        'e.g. `server: lab2`.' in message


def test_communities_stay_pairs_not_base_60_numbers():
    text = GOOD.replace('provider-customer}', "provider-customer, a: {communities: [100:5]}}")
    assert parse(text).links[0].overrides['a']['communities'] == ['100:5']


def test_a_missing_file_is_a_sentence(tmp_path):
    with pytest.raises(LabError, match='cannot read the lab file .*no.yml'):
        labfile.load(str(tmp_path / 'no.yml'))


def test_the_plan_gives_hosts_their_as_prefix_and_routers_sessions_both_ways():
    plan = labplan.plan(parse(GOOD.replace('ases:', 'ipv6: true\nases:')))
    pc = plan.hosts['pc']
    assert pc.ip == ipaddress.ip_interface('100.64.0.1/24')
    assert pc.gateway == ipaddress.ip_address('100.64.0.254')
    assert pc.ip6 == ipaddress.ip_interface('2001:db8::1/48')
    a, b = plan.routers['a'], plan.routers['b']
    assert [(p.name, p.relationship, ipaddress.ip_address(p.address).version)
            for p in a.peers] == [('b', 'customer', 4), ('b', 'customer', 6)]
    assert [p.relationship for p in b.peers] == ['provider', 'provider']
    assert ('b-lan', ipaddress.ip_interface('100.64.1.254/24')) in b.interfaces
    assert (ipaddress.ip_network('2001:db8:1::/48'), 'b-lan') in b.networks


def test_ibgp_meshes_through_reflectors_over_loopbacks_with_ospf_inside():
    text = GOOD.replace('{routers: [a]}', '{routers: [a, x, y], reflectors: [a]}') + \
        '  - {between: [a, x]}\n  - {between: [x, y]}\n'
    plan = labplan.plan(parse(text))
    internal = {name: [(p.name, p.rr_client) for p in plan.routers[name].peers
                       if p.relationship == 'internal'] for name in ('a', 'x', 'y')}
    assert internal == {'a': [('x', True), ('y', True)], 'x': [('a', False)],
                        'y': [('a', False)]}
    assert plan.routers['x'].ospf == ['lo', 'x-eth0', 'x-eth1']
    lo = dict(plan.routers['y'].interfaces)['lo']
    assert plan.routers['y'].peers[0].local_address == str(lo.ip)


def test_a_lan_peers_every_pair_of_ases_on_it():
    text = GOOD + 'lans:\n  ixp: {routers: [a, b, c]}\n'
    text = text.replace('  200: {routers: [b]}', '  200: {routers: [b]}\n  300: {routers: [c]}')
    plan = labplan.plan(parse(text))
    assert sorted(p.name for p in plan.routers['c'].peers) == ['a', 'b']
    assert {p.relationship for p in plan.routers['c'].peers} == {'peer'}


@pytest.mark.parametrize('name', sorted(os.listdir(EXAMPLES)))
def test_every_example_reads_and_plans(name):
    assert labplan.plan(labfile.load(os.path.join(EXAMPLES, name))).routers


def test_a_loop_of_providers_is_a_warning_naming_a_line_of_it():
    text = GOOD.replace('  200: {routers: [b]}', '  200: {routers: [b]}\n  300: {routers: [c]}') + \
        '  - {between: [b, c], relationship: provider-customer}\n' \
        '  - {between: [c, a], relationship: provider-customer}\n'
    lab = parse(text)
    assert labfile.warnings(lab) == [
        "lab.yml, line 9: warning: the ASes 100, 200, 300 are each other's providers in a "
        "loop (100 is 200's provider, ..., 300 is 100's); valley-free routes cannot go round "
        "it, check the relationships."]
    assert labfile.warnings(parse(GOOD)) == []
