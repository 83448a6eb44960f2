"""Integration: what the lab's containers and routers can reach and expose.
Everything is read from interfaces, tables and sockets; no traffic leaves
the lab's namespaces."""

import ipaddress
import json
import subprocess

import pytest

from bgptopo import containers
from bgptopo.lab import routers

pytestmark = pytest.mark.integration

LAB_NETS = [ipaddress.ip_network(n) for n in ('10.0.0.0/24', '11.0.0.0/24', '12.0.0.0/24')]


def test_containers_run_confined(lab):
    api = containers.client().api
    for name in ('host', 'webserver'):
        info = api.inspect_container(lab[name].container.id)
        host_config = info['HostConfig']
        assert host_config['NetworkMode'] == 'none'
        assert host_config['CapDrop'] == ['ALL'] and not host_config['CapAdd']
        assert host_config['ReadonlyRootfs'] and not host_config['Privileged']
        assert info['Config']['User'] == 'nobody'
        assert info['Config']['Labels'][containers.LABEL]


def test_containers_route_only_into_the_lab(lab):
    for name, gateway in (('host', '10.0.0.254'), ('webserver', '12.0.0.254')):
        routes = json.loads(lab[name].cmd('ip -j route show'))
        for route in routes:
            assert route['dev'] == '%s-eth0' % name
            if route['dst'] == 'default':
                assert route['gateway'] == gateway
            else:
                assert ipaddress.ip_network(route['dst']) in LAB_NETS


def test_router_run_directories_are_root_only(lab):
    for router in routers(lab):
        assert router.cmd('stat -c "%a %U" /run/frr').split() == ['700', 'root']


def test_daemons_listen_only_for_bgp_inside_their_router(lab):
    for router in routers(lab):
        ports = {line.split()[3].rsplit(':', 1)[1]
                 for line in router.cmd('ss -ltnH').splitlines() if line.strip()}
        assert ports == {'179'}
    outside = subprocess.check_output(['ss', '-ltnH'], universal_newlines=True)
    for port in (':179 ', ':2601 ', ':2605 '):
        assert port not in outside


def test_web_server_serves_its_directory_only(lab):
    host = lab['host']

    def status(path, raw=False):
        flag = '--path-as-is ' if raw else ''
        return host.cmd("curl -s %s-o /dev/null -w '%%{http_code}' http://12.0.0.1%s"
                        % (flag, path)).strip()
    assert status('/') == '200'
    assert status('/../../etc/passwd') == '404'        # as a browser sends it
    assert status('/../../etc/passwd', raw=True) == '400'   # dot-dot refused outright
    assert 'root:' not in host.cmd('curl -s --path-as-is http://12.0.0.1/../../etc/passwd')
