"""The cluster's decisions without servers (bgptopo/cluster.py): reading
--cluster, its parameters, where ASes go, the sentences of a bad server."""

import os
import subprocess

import pytest

from bgptopo import cluster
from bgptopo.errors import LabError
from bgptopo.labnodes import LanBridge
from bgptopo.topologies import Bgp3Topo, BgpRingTopo, LabFileTopo

HERE = ('zebra version 8.4.4', 'BIRD version 2.0.12')


def test_servers_come_from_mns_command_line():
    assert cluster.servers_in(['mn', '--topo', 'bgp3', '--cluster', 'localhost,lab2']) == \
        ['localhost', 'lab2']
    assert cluster.servers_in(['mn', '--cluster=,lab2']) == ['localhost', 'lab2']
    assert cluster.servers_in(['mn', '--topo', 'bgp3']) is None


def test_params_tunnel_and_pins():
    params = {'n': 4, 'tunnel': 'ssh', 'pin': 'r2@lab2+r3@lab2'}
    assert cluster.take_params(params) == ('ssh', {'r2': 'lab2', 'r3': 'lab2'})
    assert params == {'n': 4}
    assert cluster.take_params({}) == ('vxlan', {})


@pytest.mark.parametrize('params, sentence', [
    ({'tunnel': 'gre'}, 'tunnel=gre is no tunnel kind; use tunnel=vxlan or tunnel=ssh.'),
    ({'pin': 'r2'}, 'pin=r2 is not ROUTER@SERVER; e.g. pin=r2@lab2+r3@lab2.'),
])
def test_bad_params_are_sentences(params, sentence):
    with pytest.raises(LabError) as raised:
        cluster.take_params(params)
    assert str(raised.value) == sentence


def ring_placement(n, servers, pins=None):
    return cluster.Placement(BgpRingTopo(n=n), servers, pins)


def test_a_ring_splits_into_two_arcs():
    """Balanced, and grown from neighbours: two links cross, not forty."""
    placement = ring_placement(40, ['localhost', 'lab2'])
    on_lab2 = sorted(int(r[1:]) for r, s in placement.of.items() if s == 'lab2')
    assert len(on_lab2) == 20
    assert on_lab2 == list(range(on_lab2[0], on_lab2[0] + 20))
    assert len(placement.crossing) == 2


def test_three_servers_share_a_ring():
    placement = ring_placement(30, ['localhost', 'lab2', 'lab3'])
    counts = sorted(list(placement.of.values()).count(s) for s in ('localhost', 'lab2', 'lab3'))
    assert counts == [10, 10, 10]
    assert len(placement.crossing) == 3


def test_bgp3_pins_and_docker_hosts():
    """Pinned ASes go where pinned, each with its hosts, Docker hosts included
    (they run in their server's engine), so only router links cross."""
    placement = cluster.Placement(Bgp3Topo(), ['localhost', 'lab2'],
                                  {'r2': 'lab2', 'r3': 'lab2'})
    assert placement.of == {'r1': 'localhost', 'host': 'localhost', 'webserver': 'lab2',
                            'r2': 'lab2', 'r3': 'lab2'}
    assert sorted(placement.crossing) == [('r1', 'r2'), ('r1', 'r3')]
    assert placement.describe('vxlan') == (
        'localhost: 1 routers, AS 4500 (r1); hosts host | lab2: 2 routers, '
        'AS 55000 (r2), AS 65000 (r3); hosts webserver; 2 links cross servers (vxlan)')


def test_an_as_stays_whole():
    """Routers of one AS (here two routers forced into one group) share a server."""
    groups = {'a': ['r1', 'r2'], 'b': ['r3'], 'c': ['r4']}
    adjacent = {'a': {'b'}, 'b': {'a', 'c'}, 'c': {'b'}}
    placed = cluster.assign(groups, ['s1', 's2'], adjacent.get)
    assert placed == {'a': 's1', 'b': 's2', 'c': 's2'}


@pytest.mark.parametrize('pins, sentence', [
    ({'r9': 'lab2'}, 'pin= names r9, which is no router of this lab; pin one of r1, r2, r3.'),
    ({'r2': 'lab9'}, 'pin= places a router on lab9, which --cluster does not list; add it to '
                     '--cluster or pin to one of localhost,lab2.'),
])
def test_bad_pins_are_sentences(pins, sentence):
    with pytest.raises(LabError) as raised:
        cluster.Placement(Bgp3Topo(), ['localhost', 'lab2'], pins)
    assert str(raised.value) == sentence


def test_pins_need_a_cluster():
    with pytest.raises(LabError) as raised:
        cluster.from_command_line(Bgp3Topo(), 'vxlan', {'r2': 'lab2'}, argv=['mn'])
    assert 'only --cluster gives' in str(raised.value)


@pytest.mark.parametrize('lines, sentence', [
    ([], 'the server lab2 lacks Mininet (mnexec); run ./setup.sh server there '
         '(or apt-get install mininet).'),
    (['mnexec', 'zebra version 8.1', HERE[1], '0'],
     'the server lab2 runs FRR "zebra version 8.1", this machine "zebra version 8.4.4"; '
     'install the same FRR on both.'),
    (['mnexec', HERE[0], '', '0'],
     'the server lab2 runs BIRD "none", this machine "BIRD version 2.0.12"; install the '
     'same BIRD on both.'),
    (['mnexec', HERE[0], HERE[1], '3'],
     'the server lab2 already runs a Mininet lab (3 node shells); end it (or run `mn -c` '
     'there) first.'),
])
def test_a_bad_server_is_one_sentence(lines, sentence):
    with pytest.raises(LabError) as raised:
        cluster.judge_server('lab2', lines, HERE)
    assert str(raised.value) == sentence


def test_a_good_server_passes():
    cluster.judge_server('lab2', ['mnexec', HERE[0], HERE[1], '0'], HERE)


def test_a_capture_from_boot_is_placed_like_any_lab():
    """Its remote routers capture on their server, copied here
    (tests/test_cluster_commands.py)."""
    cluster.refuse_unsupported(Bgp3Topo(capture='/tmp/x'))


def test_remote_classes_combine_router_and_remote_mixin():
    from mininet.examples.cluster import RemoteMixin
    from bgptopo.dockerhost import DockerHost
    from bgptopo.router import BirdRouter, QuaggaRouter
    for kind, ours in ((QuaggaRouter, cluster.RemoteRouter), (BirdRouter, cluster.RemoteRouter),
                       (DockerHost, cluster.RemoteDockerHost)):
        remote = cluster.remote_class(kind)
        assert issubclass(remote, RemoteMixin) and issubclass(remote, kind)
        assert remote.__mro__.index(ours) < remote.__mro__.index(RemoteMixin)
        assert cluster.remote_class(kind) is remote


def test_a_remote_docker_hosts_shell_joins_its_container_there():
    """Mininet's remote shell start (`mnexec -cn`) joins the container's
    namespaces by its pid on the server, from a directory every image has."""
    from bgptopo.dockerhost import attached, starts_shell
    start = ['mnexec', '-cn', 'env', 'PS1=\x7f', 'bash']
    assert starts_shell(start) and starts_shell(['mnexec', '-cdn', 'bash'])
    assert not starts_shell(['ip', 'link']) and not starts_shell(['mnexec', '-a', '7', 'ip'])
    assert attached(start, 4242) == ['mnexec', '-ca', '4242', 'env', 'PS1=\x7f', 'bash']
    assert attached(['mnexec', '-cdn', 'bash'], 7) == ['mnexec', '-cda', '7', 'bash']


@pytest.mark.parametrize('answer, sentence', [
    ('none\n', 'the server lab2 runs no Docker engine, which its hosts (webserver) need; run '
                './setup.sh server there.'),
    ('bgptopo/webserver\n', 'the server lab2 lacks the image bgptopo/webserver; run ./setup.sh '
                            'server there, which builds the lab\'s images.')])
def test_a_server_without_engine_or_image_is_one_sentence(monkeypatch, answer, sentence):
    topo = Bgp3Topo()
    placement = cluster.Placement(topo, ['localhost', 'lab2'], {'r2': 'lab2'})
    asked = []

    def probe(command, **_kwargs):
        asked.append(command)
        return subprocess.CompletedProcess(command, 0, answer, '')
    monkeypatch.setattr(cluster.subprocess, 'run', probe)
    with pytest.raises(LabError) as raised:
        cluster.check_engines(topo, placement)
    assert str(raised.value) == sentence
    assert [command[-2] for command in asked] == ['root@lab2']   # one probe, of lab2 only
    monkeypatch.setattr(cluster.subprocess, 'run', lambda command, **_: subprocess.
                        CompletedProcess(command, 0, '', ''))
    cluster.check_engines(topo, placement)      # engine and image there: no sentence


def test_no_local_sudo_for_the_user_we_are():
    ssh = ['ssh', '-tt', 'root@lab2']
    assert cluster.without_local_sudo(['sudo', '-E', '-u', 'root'] + ssh, 'root') == ssh
    assert cluster.without_local_sudo(['sudo', '-E', '-u', 'nobody'] + ssh, 'nobody')[:4] == \
        ['sudo', '-E', '-u', 'nobody']


def test_remote_shells_notice_a_silent_server():
    ssh = cluster.with_keepalive(['ssh', '-q', '-tt', 'root@lab2'])
    assert ssh == ['ssh', '-o', 'ServerAliveInterval=2', '-o', 'ServerAliveCountMax=3',
                   '-q', '-tt', 'root@lab2']


# lab files: `server:` pins an AS; LANs go where most of their members are

PINNED = """\
version: 1
ases:
  100: {routers: [a], server: lab2}
  200: {routers: [b, c]}
  300: {routers: [d]}
links:
  - {between: [a, b], relationship: provider-customer}
  - {between: [b, c]}
  - {between: [a, d], relationship: peer}
"""
SERVERS = ['localhost', 'lab2']
IXP = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'examples',
                   'ixp.yml')


def lab_topo(tmp_path, text):
    path = tmp_path / 'lab.yml'
    path.write_text(text)
    return LabFileTopo(file=str(path))


def test_a_lab_files_server_pins_its_as(tmp_path):
    """Unpinned, the placement fills localhost first, with AS 100."""
    topo = lab_topo(tmp_path, PINNED)
    pins = cluster.with_file_pins(topo, SERVERS, {})
    assert pins == {'a': 'lab2'}
    placement = cluster.Placement(topo, SERVERS, pins)
    assert placement.of == {'a': 'lab2', 'b': 'localhost', 'c': 'localhost', 'd': 'lab2'}
    assert cluster.Placement(topo, SERVERS, {}).of['a'] == 'localhost'


def test_pin_on_the_command_line_wins_over_the_file(tmp_path):
    topo = lab_topo(tmp_path, PINNED)
    assert cluster.with_file_pins(topo, SERVERS, {'a': 'localhost'}) == {'a': 'localhost'}


def test_a_server_the_cluster_does_not_list_names_the_file_and_line(tmp_path):
    topo = lab_topo(tmp_path, PINNED.replace('server: lab2', 'server: lab3'))
    with pytest.raises(LabError) as raised:
        cluster.with_file_pins(topo, SERVERS, {})
    assert str(raised.value).endswith(
        'lab.yml, line 3: AS 100 is on lab3 (`server: lab3`), which --cluster does not list; '
        'add it (--cluster localhost,lab2,lab3) or write one of localhost, lab2.')


def test_without_cluster_a_files_server_is_a_warning(tmp_path, monkeypatch):
    """The file runs whole on one machine: the same file serves both."""
    warned = []
    monkeypatch.setattr(cluster, 'warn', warned.append)
    topo = lab_topo(tmp_path, PINNED)
    assert cluster.from_command_line(topo, 'vxlan', {}, argv=['mn']) is topo
    assert len(warned) == 1 and warned[0].endswith(
        'lab.yml, line 3: `server:` places ASes on servers (lab2), which only --cluster '
        'gives; the whole lab runs on this machine.\n')
    assert not hasattr(topo, 'placement')


def ixp_placement(pins):
    return cluster.Placement(LabFileTopo(file=IXP), SERVERS, pins)


def test_a_lan_goes_where_most_of_its_members_are():
    split = ixp_placement({'as20': 'lab2', 'as30': 'lab2'})
    assert split.of['ixp'] == 'lab2' and split.of['as10'] == 'localhost'
    assert ('as10', 'ixp') in split.crossing
    assert split.describe('vxlan').endswith('lab2: 2 routers, AS 20 (as20), AS 30 (as30); '
                                            'hosts webserver; LANs ixp; 3 links cross servers '
                                            '(vxlan)')
    assert ixp_placement({'as10': 'localhost', 'as20': 'localhost', 'as30': 'lab2'}).of['ixp'] \
        == 'localhost'


@pytest.fixture
def engines_there(monkeypatch):
    """Every server's engine holds every image (what check_engines asks
    over ssh); the servers asked."""
    asked = []
    monkeypatch.setattr(cluster, 'probe_server', lambda server, _probe: asked.append(server) or '')
    return asked


def test_a_remote_lan_is_a_remote_bridge_reached_by_tunnels(engines_there):
    topo = cluster.place(LabFileTopo(file=IXP), SERVERS, 'vxlan', {'as20': 'lab2', 'as30': 'lab2'})
    bridge = topo.nodeInfo('ixp')
    assert bridge['cls'] is cluster.remote_class(LanBridge)
    assert issubclass(bridge['cls'], cluster.RemoteShell)
    assert not issubclass(bridge['cls'], cluster.RemoteRouter)
    assert (bridge['server'], bridge['controlPath']) == ('lab2', cluster.control_path(0))
    links = {frozenset((a, b)): info for a, b, info in topo.links(withInfo=True)}
    assert links[frozenset(('as10', 'ixp'))]['cls'] is cluster.VxlanLink
    # as20 shares the bridge's server: a veth, with the tunnel's MTU like the LAN's others
    beside = links[frozenset(('as20', 'ixp'))]
    assert beside['cls'] is not cluster.VxlanLink
    assert (beside['cls1'], beside['cls2']) == (cluster.LanMtuIntf, cluster.LanMtuIntf)
    assert 'cls1' not in links[frozenset(('as100', 'as20'))]
    # the web server behind as30 goes with it, into lab2's engine, asked once before the build
    assert issubclass(topo.nodeInfo('webserver')['cls'], cluster.RemoteDockerHost)
    assert engines_there == ['lab2']


def test_switches_other_than_lan_bridges_are_refused():
    topo = Bgp3Topo()
    topo.addSwitch('s9')
    with pytest.raises(LabError) as raised:
        cluster.refuse_unsupported(topo)
    assert str(raised.value) == ('only LANs of lab files (Linux bridges) go across servers, '
                                 'not other switches; leave out --cluster.')
    cluster.refuse_unsupported(LabFileTopo(file=IXP))


def test_a_shaped_link_keeps_its_shaping_across_servers(engines_there):
    """multihomed.yml's as10-as400 link (bw: 10) crossing: TCIntf at both ends."""
    from mininet.link import TCIntf
    topo = cluster.place(LabFileTopo(file=IXP.replace('ixp.yml', 'multihomed.yml')), SERVERS,
                         'vxlan', {'as1': 'lab2', 'as2': 'lab2', 'as400': 'lab2'})
    links = {frozenset((a, b)): info for a, b, info in topo.links(withInfo=True)}
    shaped = links[frozenset(('as10', 'as400'))]
    assert (shaped['cls'], shaped['cls1'], shaped['cls2'], shaped['bw']) == \
        (cluster.VxlanLink, TCIntf, TCIntf, 10)
    assert 'cls1' not in links[frozenset(('as1', 'as10'))]


def test_ssh_tunnels_between_two_other_servers_are_refused_before_the_build(engines_there):
    three = ['localhost', 'lab2', 'lab3']
    pins = {'as10': 'lab2', 'as100': 'localhost', 'as20': 'lab2', 'as30': 'lab3'}
    with pytest.raises(LabError) as raised:
        cluster.place(LabFileTopo(file=IXP), three, 'ssh', pins)
    assert str(raised.value).endswith('which ssh tunnels cannot (they join this machine to '
                                      'another); use tunnel=vxlan or pin both to one server.')
    cluster.place(LabFileTopo(file=IXP), three, 'vxlan', pins)


def test_a_fed_labs_feeder_stays_here_and_its_session_crosses(tmp_path):
    """The feeder's config (the whole table) is rendered here; feedto r3 is on lab2."""
    from test_feed_lab import write_dump
    topo = Bgp3Topo(feed=write_dump(tmp_path / 'rib.mrt'))
    cluster.refuse_unsupported(topo)
    placement = cluster.Placement(topo, SERVERS, {'r2': 'lab2', 'r3': 'lab2'})
    assert placement.of['feeder'] == 'localhost'
    assert ('r3', 'feeder') in placement.crossing
