"""Unit tests of the CLI's formatting and the fetch result, with fake nodes."""

import pytest

from bgptopo import lab
from bgptopo.cli import format_routes
from bgptopo.errors import LabError


class FakeNode(object):
    name = 'host'

    def __init__(self, answer):
        self.answer = answer
        self.commands = []

    def cmd(self, command):
        self.commands.append(command)
        return self.answer


def test_routes_are_columns_of_both_families_without_link_local_ones():
    node = FakeNode('')
    answers = {4: '[{"dst":"12.0.0.0/24","gateway":"192.168.12.2","dev":"r1-eth1",'
                  '"protocol":"bgp"},{"dst":"10.0.0.0/24","dev":"r1-eth0","protocol":"kernel"}]',
               6: '[{"dst":"2001:db8:2::/48","gateway":"fd00:1::2","dev":"r1-eth1",'
                  '"protocol":"bgp"},{"dst":"fe80::/64","dev":"r1-eth1","protocol":"kernel"}]'}
    node.cmd = lambda command: answers[int(command.split()[2][1])]
    lines = format_routes(lab.kernel_routes(node)).splitlines()
    assert lines[0].split() == ['prefix', 'next', 'hop', 'interface', 'protocol']
    assert lines[1].split() == ['12.0.0.0/24', '192.168.12.2', 'r1-eth1', 'bgp']
    assert lines[2].split() == ['10.0.0.0/24', 'direct', 'r1-eth0', 'kernel']
    assert lines[3].split() == ['2001:db8:2::/48', 'fd00:1::2', 'r1-eth1', 'bgp']
    assert len(lines) == 5 and not lines[4] and len({line.index('r1-eth') for line in lines[1:4]}) == 1


def test_fetch_returns_the_body():
    node = FakeNode('<p>hi</p>\r\ncurl-exit=0\r\n')
    assert lab.fetch(node, 'http://12.0.0.1/') == '<p>hi</p>\n'
    assert '--max-time 5' in node.commands[0]


def test_fetch_failure_is_one_sentence():
    node = FakeNode("curl: (7) Failed to connect to 12.0.0.1 port 80: Connection refused\r\n"
                    "curl-exit=7\r\n")
    with pytest.raises(LabError) as failure:
        lab.fetch(node, 'http://12.0.0.1/')
    assert str(failure.value) == ('host could not fetch http://12.0.0.1/: (7) Failed to '
                                  'connect to 12.0.0.1 port 80: Connection refused.')


@pytest.mark.parametrize('url', ['r1', 'http://webserver/', 'http://example.com/'])
def test_fetch_of_a_name_is_refused_before_any_lookup(url):
    """The lab has no DNS: a name would be looked up outside the lab."""
    node = FakeNode('')
    with pytest.raises(LabError, match='fetch needs an http URL with an address'):
        lab.fetch(node, url)
    assert node.commands == []


def test_unknown_topo_parameter_lists_the_accepted_ones():
    from bgptopo.topologies import Bgp3Topo
    with pytest.raises(LabError) as failure:
        Bgp3Topo(foo=1)
    assert str(failure.value) == ('Bgp3Topo does not take foo; it accepts etc, exercise, '
                                  'hijack, capture, suite, feed, feedto, feedpeer, bird, '
                                  'frr.')
