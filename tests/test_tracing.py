"""Integration: `path` and `why` on a lab they break and mend (conftest's
`lab` fixture gives this module its own). Each test mends what it broke in
`finally` and waits until the lab works again, so none depends on order."""

import itertools
import os
import signal
from contextlib import contextmanager

import pytest

from bgptopo import containers, convergence, lab as labinfo, procs, tracing

pytestmark = pytest.mark.integration

SETTLE = 10         # seconds for BGP to carry a change
NODES = ('host', 'webserver', 'r1', 'r2', 'r3')


def nodes(hops):
    return [hop['node'] for hop in hops]


def says(net, sentence, src='host', dst='webserver'):
    """True once `why src dst` says sentence; else its last answer."""
    return procs.wait_until(lambda: tracing.why(net, src, dst) == sentence, SETTLE,
                            interval=0.2) or tracing.why(net, src, dst)


def mended(net):
    """Wait until the lab has converged and `why` finds nothing broken."""
    convergence.wait(net)
    assert says(net, 'nothing is broken: host fetches http://12.0.0.1/') is True


def test_path_follows_bgp_and_detours_through_r3(lab):
    hops = tracing.trace(lab, 'host', 'webserver')
    assert nodes(hops) == ['host', 'r1', 'r2', 'webserver']
    assert (hops[1]['out'], hops[1]['via'], hops[1]['as_path']) == \
        ('r1-eth1', '192.168.12.2', '55000')
    assert hops[-1]['end'] == 'arrived'
    lab.configLinkStatus('r1', 'r2', 'down')
    try:
        assert procs.wait_until(lambda: nodes(tracing.trace(lab, 'host', 'webserver')) ==
                                ['host', 'r1', 'r3', 'r2', 'webserver'], SETTLE, interval=0.1)
        hops = tracing.trace(lab, 'host', 'webserver')
        assert (hops[1]['out'], hops[1]['as_path']) == ('r1-eth2', '65000 55000')
    finally:
        lab.configLinkStatus('r1', 'r2', 'up')
    assert procs.wait_until(lambda: nodes(tracing.trace(lab, 'host', 'webserver')) ==
                            ['host', 'r1', 'r2', 'webserver'], 15, interval=0.1)


def test_every_node_is_a_path_end_routers_by_the_prefix_they_originate(lab):
    for src, dst in itertools.permutations(NODES, 2):
        hops = tracing.trace(lab, src, dst)
        assert (nodes(hops)[0], nodes(hops)[-1], hops[-1]['end']) == (src, dst, 'arrived'), hops
    addresses = {name: str(labinfo.address_of(lab[name])) for name in ('r1', 'r2', 'r3')}
    assert addresses == {'r1': '10.0.0.254', 'r2': '12.0.0.254', 'r3': '11.0.0.254'}
    assert labinfo.prefix_of(lab['r3']) == '11.0.0.0/24'
    assert nodes(tracing.trace(lab, 'host', 'r3')) == ['host', 'r1', 'r3']
    assert nodes(tracing.trace(lab, 'webserver', 'r1')) == ['webserver', 'r2', 'r1']


def test_why_names_a_down_link(lab):
    for peer in ('r2', 'r3'):
        lab.configLinkStatus('r1', peer, 'down')
    try:
        assert says(lab, 'the link r1-r2 is down') is True
    finally:
        for peer in ('r2', 'r3'):
            lab.configLinkStatus('r1', peer, 'up')
    mended(lab)


def test_why_names_a_dead_daemon(lab):
    r2 = lab['r2']
    os.kill(r2.daemon_pids['bgpd'], signal.SIGKILL)
    assert procs.wait_until(lambda: not r2.daemon_running('bgpd'), 5)
    try:
        assert says(lab, "r2's bgpd is not running (`restart r2` starts it)") is True
    finally:
        r2.restart_daemons()
    mended(lab)


def httpd_pids(server):
    top = containers.client().api.top(server.container.id, ps_args='-eo pid,args')
    return [int(p[0]) for p in top['Processes'] if 'httpd' in p[1] and 'lifeline' not in p[1]]


def test_why_names_a_web_server_that_does_not_answer(lab):
    server = lab['webserver']
    httpd = httpd_pids(server)
    assert len(httpd) == 1
    os.kill(httpd[0], signal.SIGTERM)
    try:
        assert procs.wait_until(lambda: not procs.alive(httpd[0]), 5)
        assert tracing.why(lab, 'host', 'webserver').startswith(
            'the path works both ways, but webserver does not serve the page: (7) Failed to '
            'connect')
    finally:
        # inside the container (its user, its pid namespace): it goes with the container
        api = containers.client().api
        api.exec_start(api.exec_create(server.container.id,
                                       ['busybox', 'httpd', '-p', '80', '-h', '/srv/www']))
    mended(lab)


@contextmanager
def live_edit(net, router, breaking, mending):
    """router's running config changed by the vtysh commands `breaking` (its
    files stay as they were), put back by `mending` whatever happens; then
    wait until the lab works again."""
    router.vtysh('configure terminal', *breaking)
    try:
        yield
    finally:
        router.vtysh('configure terminal', *mending)
    mended(net)


def test_why_names_the_export_filter_a_live_edit_broke(lab):
    with live_edit(lab, lab['r2'],
                   ['ip prefix-list LAB-NETS seq 30 deny 12.0.0.0/24', 'end',
                    'clear ip bgp * soft out'],
                   ['ip prefix-list LAB-NETS seq 30 permit 12.0.0.0/24', 'end',
                    'clear ip bgp * soft out']):
        assert says(lab, "r2's export route-map TO-PEERS toward r1 rejects 12.0.0.0/24: no "
                         "entry matches it (`permit 10`: prefix-list LAB-NETS seq 30 denies "
                         "it)") is True


def test_why_follows_a_live_remote_as_edit(lab):
    """bgpd.conf still says 55000 and 65000: only the running config is wrong."""
    with live_edit(lab, lab['r1'],
                   ['router bgp 4500', 'neighbor 192.168.12.2 remote-as 55001',
                    'neighbor 192.168.13.3 remote-as 65001'],
                   ['router bgp 4500', 'neighbor 192.168.12.2 remote-as 55000',
                    'neighbor 192.168.13.3 remote-as 65000']):
        assert says(lab, 'r1 expects AS 55001 at 192.168.12.2, but r2 runs AS 55000') is True


def test_why_follows_a_live_network_removal(lab):
    with live_edit(lab, lab['r2'],
                   ['router bgp 55000', 'address-family ipv4 unicast', 'no network 12.0.0.0/24'],
                   ['router bgp 55000', 'address-family ipv4 unicast', 'network 12.0.0.0/24']):
        assert says(lab, 'r2 has no `network 12.0.0.0/24` under address-family ipv4 '
                         'unicast') is True
