"""Integration: `path` and `why` on a bgp3,hijack=1 lab, where two nodes
hold 12.0.0.1 (webserver, and rogue behind r3): the path must follow the
links the packets take, and end where they end."""

import json

import pytest

from bgptopo import cli, procs, tracing
from bgptopo.scenarios import hijack

pytestmark = pytest.mark.integration

SETTLE = 10     # seconds for BGP to carry an announcement or withdrawal
TO_WEBSERVER = ['host', 'r1', 'r2', 'webserver']


LAB_PARAMS = {'hijack': 1}      # conftest's lab fixture builds the hijack lab


def nodes(hops):
    return [hop['node'] for hop in hops]


def path_json(net, monkeypatch, line):
    """What `path LINE --json` prints at the prompt, parsed."""
    printed = []
    monkeypatch.setattr(cli, 'output', printed.append)
    prompt = cli.BgpCLI.__new__(cli.BgpCLI)     # the command alone, without the prompt's loop
    prompt.mn = net
    prompt.do_path(line + ' --json')
    return json.loads(''.join(printed))


def test_packets_for_an_address_two_nodes_hold_end_at_the_first_reached(lab):
    hops = tracing.trace(lab, 'host', 'rogue')
    assert nodes(hops) == TO_WEBSERVER
    assert hops[-1]['end'] == 'webserver holds 12.0.0.1 too: the packets for rogue end here'


@pytest.mark.parametrize('variant, prefix', [('specific', '12.0.0.0/25'),
                                             ('exact', '12.0.0.0/24')])
def test_hijacked_path_ends_at_rogue_and_why_names_the_route(lab, monkeypatch, variant, prefix):
    hijack.start(lab, variant)
    try:
        assert procs.wait_until(lambda: nodes(tracing.trace(lab, 'host', 'webserver')) ==
                                ['host', 'r1', 'r3', 'rogue'], SETTLE, interval=0.2)
        hops = path_json(lab, monkeypatch, 'host webserver')
        assert nodes(hops) == ['host', 'r1', 'r3', 'rogue']
        assert (hops[1]['out'], hops[1]['via'], hops[1]['as_path']) == \
            ('r1-eth2', '192.168.13.3', '65000')
        assert (hops[2]['out'], hops[2]['via']) == ('r3-eth2', None)
        assert hops[-1]['end'] == 'rogue holds 12.0.0.1 too: the packets for webserver end here'
        assert tracing.why(lab, 'host', 'webserver') == (
            "host's packets for webserver (12.0.0.1) end at rogue, which holds that address "
            "too: r1 chose %s with AS path 65000, originated by AS 65000, not by webserver's "
            "AS 55000" % prefix)
    finally:
        hijack.stop(lab)
    assert procs.wait_until(lambda: nodes(tracing.trace(lab, 'host', 'webserver')) ==
                            TO_WEBSERVER, SETTLE, interval=0.2)
    assert tracing.trace(lab, 'host', 'webserver')[-1]['end'] == 'arrived'
