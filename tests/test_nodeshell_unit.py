"""Unit tests: node commands stay within the line a node's shell reads."""

import pytest

from bgptopo.errors import LabError
from bgptopo.nodeshell import LINE_MAX, GuardedShell, lines_of


class Shell(GuardedShell):
    """No shell behind it: a command that reaches it fails another way."""
    name, shell = 'r1', None


def test_chained_commands_split_into_lines_that_fit_in_order():
    commands = ['ip addr add 172.16.%d.1/30 dev as378239-eth%d' % (i, i) for i in range(150)]
    lines = lines_of(commands)
    assert len(lines) > 1
    assert all(len(' && '.join(line).encode()) <= LINE_MAX for line in lines)
    assert [command for line in lines for command in line] == commands


def test_a_command_longer_than_a_shell_line_is_refused_before_it_is_sent():
    with pytest.raises(LabError, match=r'r1: a command of 5000 bytes .* split it'):
        Shell().cmd('x' * 5000)
