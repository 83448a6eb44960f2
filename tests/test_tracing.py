"""Integration: `path` and `why` on a lab they break and mend (conftest's
`lab` fixture gives this module its own)."""

import os
import signal

import pytest

from bgptopo import containers, procs, tracing

pytestmark = pytest.mark.integration


def nodes(hops):
    return [hop['node'] for hop in hops]


def test_path_follows_bgp_and_detours_through_r3(lab):
    hops = tracing.trace(lab, 'host', 'webserver')
    assert nodes(hops) == ['host', 'r1', 'r2', 'webserver']
    assert hops[1]['as_path'] == '55000' and hops[-1]['end'] == 'arrived'
    lab.configLinkStatus('r1', 'r2', 'down')
    try:
        assert procs.wait_until(lambda: nodes(tracing.trace(lab, 'host', 'webserver')) ==
                                ['host', 'r1', 'r3', 'r2', 'webserver'], 10, interval=0.1)
        assert tracing.trace(lab, 'host', 'webserver')[1]['as_path'] == '65000 55000'
    finally:
        lab.configLinkStatus('r1', 'r2', 'up')
    assert procs.wait_until(lambda: nodes(tracing.trace(lab, 'host', 'webserver')) ==
                            ['host', 'r1', 'r2', 'webserver'], 15, interval=0.1)


def test_why_when_nothing_is_broken(lab):
    assert tracing.why(lab, 'host', 'webserver') == \
        'nothing is broken: host fetches http://12.0.0.1/'


def test_why_names_a_down_link(lab):
    for peer in ('r2', 'r3'):
        lab.configLinkStatus('r1', peer, 'down')
    try:
        assert procs.wait_until(
            lambda: tracing.why(lab, 'host', 'webserver').startswith('the link r1-'), 10,
            interval=0.2)
    finally:
        for peer in ('r2', 'r3'):
            lab.configLinkStatus('r1', peer, 'up')
    assert procs.wait_until(lambda: tracing.why(lab, 'host', 'webserver').startswith('nothing'),
                            15, interval=0.2)


def test_why_names_a_missing_default_route(lab):
    host = lab['host']
    host.cmd('ip route del default')
    try:
        assert tracing.why(lab, 'host', 'webserver') == (
            'host has no route to 12.0.0.1: its default route (via its router) is missing '
            'or down')
    finally:
        host.cmd('ip route add default via 10.0.0.254')


def test_why_names_a_dead_daemon(lab):
    r2 = lab['r2']
    os.kill(r2.daemon_pids['bgpd'], signal.SIGKILL)
    assert procs.wait_until(lambda: not r2.daemon_running('bgpd'), 5)
    try:
        assert procs.wait_until(lambda: tracing.why(lab, 'host', 'webserver') ==
                                "r2's bgpd is not running (`restart r2` starts it)", 10,
                                interval=0.2)
    finally:
        r2.restart_daemons()
    assert procs.wait_until(lambda: tracing.why(lab, 'host', 'webserver').startswith('nothing'),
                            15, interval=0.2)


def test_why_names_a_web_server_that_does_not_answer(lab):
    top = containers.client().api.top(lab['webserver'].container.id, ps_args='-eo pid,args')
    httpd = [int(p[0]) for p in top['Processes'] if 'httpd' in p[1] and 'lifeline' not in p[1]]
    os.kill(httpd[0], signal.SIGTERM)
    assert procs.wait_until(lambda: not procs.alive(httpd[0]), 5)
    assert tracing.why(lab, 'host', 'webserver').startswith(
        'the path works both ways, but webserver does not serve the page: (7) Failed to connect')
