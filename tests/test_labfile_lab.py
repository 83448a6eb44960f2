"""Integration: labs from lab files on the real stack. The seed's lab as a
file gives the seed's sessions, AS paths and page; plain Mininet hosts
serve and fetch; a shaped link delays; a LAN's bridge joins its routers;
`bgptopo render` writes a tree the lab loads with etc=DIR."""

import os
import shlex
import subprocess
import textwrap

import pytest

from bgptopo import lab as labinfo, labmodel, procs
from bgptopo.errors import LabError
from conftest import MN, QUESTION, REPO, build_lab, lab_traces

pytestmark = pytest.mark.integration

BGP3_FILE = os.path.join(REPO, 'examples', 'bgp3.yml')


def peer_names(net, router):
    """{peer router name: session state} of router, peers named by the node
    holding the address."""
    found = {}
    for address, session in router.routing.sessions(router).items():
        owner = next(r for r in labinfo.routers(net) if labinfo.holds(r, address))
        found[owner.name] = session.state
    return found


def best_paths(net):
    return {r.name: {str(p): path for p, path in r.routing.best_routes(r).items()}
            for r in labinfo.routers(net)}


def what_users_see(net):
    """Sessions by peer name, best AS paths by prefix, and the page. The
    three ASes all neighbour each other, so every best path is one AS long
    once settled: converged means routed, and a router that first heard of a
    prefix the long way (its BGP daemon started beside the others) may still
    be choosing the direct path that came a moment later."""
    procs.wait_until(lambda: all(len(path.split()) <= 1 for paths in best_paths(net).values()
                                 for path in paths.values()), 10, interval=0.2)
    return ({r.name: peer_names(net, r) for r in labinfo.routers(net)}, best_paths(net),
            labinfo.page(net))


def test_the_seed_as_a_file_gives_the_seeds_sessions_paths_and_page():
    seen = {}
    for topology, params in (('bgp3', {}), ('lab', {'file': BGP3_FILE})):
        net = build_lab(topology=topology, **params)
        try:
            seen[topology] = what_users_see(net)
        finally:
            net.stop()
    sessions, paths, page = seen['lab']
    assert sessions['r1'] == {'r2': 'Established', 'r3': 'Established'}
    assert paths['r1']['12.0.0.0/24'] == '55000' and paths['r3']['10.0.0.0/24'] == '4500'
    assert page == QUESTION
    assert seen['lab'] == seen['bgp3']


def write(tmp_path, text, name='lab.yml'):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return str(path)


PLAIN = """\
version: 1
ases:
  100: {routers: [a]}
  200: {routers: [b]}
  300: {routers: [c]}
hosts:
  pc: {router: a, role: client, image: mininet}
  www: {router: c, role: server, image: mininet}
links:
  - {between: [a, b], policy: none, bw: 1}
lans:
  ix: {routers: [a, b, c], policy: none}
"""


def test_plain_hosts_a_lan_and_a_narrow_link(tmp_path):
    net = build_lab(topology='lab', file=write(tmp_path, PLAIN))
    try:
        client, server = labmodel.client(net.topo.lab), labmodel.server(net.topo.lab)
        assert (client, server) == ('pc', 'www')
        assert labinfo.page(net) == QUESTION        # python's http.server on www
        assert sorted(peer_names(net, net['c'])) == ['a', 'b']     # over the bridge
        # a and b also meet on the LAN: only their link is 1 Mbit/s
        addresses = dict(net.topo.plan.routers['a'].interfaces)
        assert send_time(net['a'], net['b'], addresses['a-eth1'].ip) >= 0.9   # 150 kB: 1.2 s
        assert send_time(net['a'], net['b'], addresses['a-eth2'].ip) < 0.5    # the LAN
    finally:
        net.stop()


SINK = ("import socket; s = socket.socket(); s.bind(('0.0.0.0', 5001)); s.listen(); "
        "c = s.accept()[0]\nwhile c.recv(65536): pass")
SEND = ("import socket, time; t = time.monotonic(); c = socket.create_connection(('%s', 5001), "
        "5); c.sendall(bytes(150000)); c.shutdown(1); c.recv(1); print(time.monotonic() - t)")


def send_time(receiver, sender, address):
    """Seconds sender takes to send 150 kB to receiver's address (the
    receiver's sink reads all, then closes)."""
    sink = receiver.popen(['python3', '-c', SINK])
    try:
        listening = procs.wait_until(lambda: ':5001' in receiver.cmd('ss -ltn'), 5)
        assert listening, 'the sink did not listen'
        return float(sender.cmd("python3 -c %s" % shlex.quote(SEND % address), timeout=20))
    finally:
        sink.kill()
        sink.wait()


def netem_in_kernel():
    return subprocess.run(['unshare', '--net', 'tc', 'qdisc', 'add', 'dev', 'lo', 'root',
                           'netem', 'delay', '1ms'], capture_output=True).returncode == 0


def test_a_delay_delays_or_is_refused_where_the_kernel_cannot(tmp_path):
    """This machine's kernel may lack netem (the CI machines' does): then
    the lab says so and builds nothing; elsewhere the delay is measured."""
    path = write(tmp_path, PLAIN.replace('bw: 1', 'delay: 40ms'))
    if not netem_in_kernel():
        with pytest.raises(LabError, match="a-b has a delay or loss, which needs the kernel's "
                                           "netem"):
            build_lab(topology='lab', file=path)
        return
    net = build_lab(topology='lab', file=path)
    try:
        addresses = dict(net.topo.plan.routers['a'].interfaces)
        assert send_time(net['a'], net['b'], addresses['a-eth1'].ip) >= 0.08
    finally:
        net.stop()


def test_render_writes_a_tree_the_lab_loads_with_etc(tmp_path):
    top = tmp_path / 'etc'
    done = subprocess.run(['/usr/bin/python3', '-m', 'bgptopo.console', 'render', BGP3_FILE,
                           str(top)], cwd=REPO, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert sorted(os.listdir(top / 'r1')) == ['bgpd.conf', 'bird.conf', 'zebra.conf']
    bgpd = top / 'r1' / 'bgpd.conf'
    bgpd.write_text(bgpd.read_text().replace('router bgp 4500', 'router bgp 4501'))
    net = build_lab(topology='lab', file=BGP3_FILE, etc=str(top), converge=False)
    try:
        assert net['r1'].running_config().asn == 4501        # the edited file runs
    finally:
        net.stop()


def test_a_wrong_file_is_one_sentence_and_builds_nothing(tmp_path):
    path = write(tmp_path, PLAIN.replace('[a, b], policy', '[a, q], policy'))
    before = lab_traces()
    done = subprocess.run(MN + ['lab,file=%s' % path, '--test', 'fetch'], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2
    assert '%s, line 10: q is no router of this lab' % path in done.stderr, done.stderr
    assert lab_traces() == before


LOCAL_IMAGE = 'bgptopo-test/client:1'


def test_hosts_run_any_local_image_and_a_missing_one_is_a_sentence(tmp_path):
    """A local image of any name (here a tag of the lab's client image,
    made and removed by this test) runs as a host; an image the machine
    lacks stops the lab before anything is built."""
    text = PLAIN.replace("pc: {router: a, role: client, image: mininet}",
                         "pc: {router: a, role: client, image: '%s'}" % LOCAL_IMAGE)
    subprocess.run(['docker', 'tag', 'bgptopo/host', LOCAL_IMAGE], check=True, timeout=30)
    try:
        net = build_lab(topology='lab', file=write(tmp_path, text.replace('bw: 1', 'bw: 100')))
        try:
            assert net['pc'].image == LOCAL_IMAGE
            assert labinfo.page(net) == QUESTION
        finally:
            net.stop()
    finally:
        subprocess.run(['docker', 'rmi', LOCAL_IMAGE], check=True, timeout=30,
                       capture_output=True)
    before = built_parts()
    with pytest.raises(LabError, match='the image %s is not on this machine' % LOCAL_IMAGE):
        build_lab(topology='lab', file=write(tmp_path, text))
    assert built_parts() == before


def built_parts():
    """lab_traces without the run directories, which the topology writes
    its configs into before preparing and removes at the process's exit
    (an mn that stops on a sentence exits at once)."""
    return {kind: found for kind, found in lab_traces().items() if kind != 'run dirs'}
