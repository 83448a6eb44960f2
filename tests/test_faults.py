"""Integration: faults while the lab runs. They change the lab: conftest's
`lab` fixture gives this module a lab of its own."""

import os
import signal

import pytest

from bgptopo import containers, convergence, faults, lab as labinfo, procs
from bgptopo.scenarios.failover import failover
from bgptopo.errors import LabError
from bgpviews import R1_AS, R3_AT_R1, keeping_received_routes, table_paths, wait_received

pytestmark = pytest.mark.integration

OUTAGE_BOUND = 5.0   # seconds: well under the 9 s hold time, so BGP saw the interface go


def question(net):
    node, url = labinfo.default_fetch(net)
    return labinfo.fetch(net[node], url)


def question_or_failure(net):
    """The page, or the sentence saying why it could not be fetched."""
    try:
        return question(net)
    except LabError as failure:
        return str(failure)


def test_link_down_reroutes_through_r3_and_back(lab):
    try:
        outage, path = failover(lab, 'r1', 'r2')
        assert path == '65000 55000'
        assert outage < OUTAGE_BOUND
        assert 'Question:' in question(lab)
    finally:
        lab.configLinkStatus('r1', 'r2', 'up')      # the module's later tests need it
    assert procs.wait_until(lambda: faults.best_as_path(lab['r1'], '12.0.0.0/24') == '55000',
                            15, interval=0.1)
    convergence.wait(lab)


def test_failover_between_unlinked_nodes_is_a_sentence(lab):
    with pytest.raises(LabError, match='host is not a router'):
        failover(lab, 'host', 'r1')


def test_dead_bgpd_is_reported_and_restart_recovers(lab):
    r2 = lab['r2']
    os.kill(r2.daemon_pids['bgpd'], signal.SIGKILL)
    assert procs.wait_until(lambda: not r2.daemon_running('bgpd'), 5)
    assert "r2's bgpd is not running" in convergence.problems(lab)
    r2.restart_daemons()
    convergence.wait(lab)
    assert 'Question:' in question(lab)


def test_misannouncement_is_filtered_by_the_import_policy(lab):
    """r3, misconfigured to export anything, announces a more-specific of the
    web server's network; r1 receives it and its import policy drops it."""
    r1, r3 = lab['r1'], lab['r3']
    with keeping_received_routes(r1, R1_AS, R3_AT_R1):
        r3.vtysh('configure terminal', 'route-map ANY permit 10', 'exit',
                 'router bgp 65000', 'no bgp network import-check',
                 'address-family ipv4 unicast', 'network 12.0.0.128/25',
                 'neighbor 192.168.13.1 route-map ANY out')
        try:
            assert wait_received(r1, R3_AT_R1, '12.0.0.128/25', '65000')
            assert table_paths(r1, '12.0.0.128/25') == []
            assert '12.0.0.128' not in r1.cmd('ip route show')
        finally:
            r3.vtysh('configure terminal', 'router bgp 65000', 'bgp network import-check',
                     'address-family ipv4 unicast', 'no network 12.0.0.128/25',
                     'neighbor 192.168.13.1 route-map TO-PEERS out', 'exit', 'exit',
                     'no route-map ANY')
    running = r3.vtysh('show running-config')
    assert 'route-map ANY' not in running and 'no bgp network import-check' not in running


def httpd_pids(server):
    top = containers.client().api.top(server.container.id, ps_args='-eo pid,args')
    return [int(p[0]) for p in top['Processes'] if 'httpd' in p[1] and 'lifeline' not in p[1]]


def start_service(server):
    """Run the container's service again, as its image's CMD does (after the
    lifeline init), inside the container."""
    api = containers.client().api
    service = api.inspect_container(server.container.id)['Config']['Cmd'][1:]
    api.exec_start(api.exec_create(server.container.id, service)['Id'], detach=True)


def test_dead_web_server_gives_connection_refused(lab):
    server = lab['webserver']
    httpd = httpd_pids(server)
    assert len(httpd) == 1
    os.kill(httpd[0], signal.SIGTERM)
    try:
        assert procs.wait_until(lambda: not procs.alive(httpd[0]), 5)
        with pytest.raises(LabError, match="Couldn't connect to server"):
            question(lab)
    finally:
        start_service(server)
    assert procs.wait_until(lambda: len(httpd_pids(server)) == 1, 5, interval=0.1)
    assert procs.wait_until(lambda: 'Question:' in question_or_failure(lab), 5, interval=0.1)
