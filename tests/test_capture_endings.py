"""Integration: a lab captured from boot (`capture=DIR`) ends every way a
lab ends (test_signals' endings: exit, Ctrl-C at the prompt or during the
build, SIGTERM, SIGTERM while converging, SIGKILL with and without `mn -c`)
and no tcpdump survives it; where mn ends by itself, it waits for them.
The pcaps written up to the end stay, and decode."""

import os

import pexpect
import pytest

from bgptopo import messages
from conftest import MN, REPO, bgpd_overlay, lab_traces
from test_signals import (ENDINGS, ctrl_c_during_build, end_leaving_no_trace,
                          sigterm_while_converging)

pytestmark = pytest.mark.integration

PCAPS = ['r1-eth1.pcap', 'r1-eth2.pcap', 'r2-eth1.pcap']


def spawn_capturing(ending, tmp_path):
    folder = tmp_path / 'capture'
    if ending is sigterm_while_converging:
        etc = bgpd_overlay(tmp_path, 'r1', ('remote-as 55000', 'remote-as 55001'))
        args = ['bgp3,etc=%s,capture=%s' % (etc, folder), '--test', 'fetch']
    else:
        args = ['bgp3,capture=%s' % folder]
    return pexpect.spawn(MN[0], MN[1:] + args, cwd=REPO, timeout=60, encoding='utf-8')


@pytest.mark.parametrize('ending', ENDINGS, ids=[e.__name__ for e in ENDINGS])
def test_no_tcpdump_survives_any_ending(ending, tmp_path):
    before = lab_traces()
    end_leaving_no_trace(spawn_capturing(ending, tmp_path), ending, before)
    if ending is not ctrl_c_during_build:       # the capture ran: its files stay, and decode
        folder = str(tmp_path / 'capture')
        assert sorted(os.listdir(folder)) == PCAPS
        messages.decode([os.path.join(folder, name) for name in PCAPS])
