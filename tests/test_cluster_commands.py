"""The lab's commands on routers that run on another server: bgp3 split
over this machine and the test server (r1 and the Docker hosts here, r2
and r3 there, as in test_cluster_lab.py), one prompt for the module.
Each command on a remote router gives the answer it gives on one machine:
vtysh and birdc (one command and interactive), restart, capture with
updates and timeline, path, why, check, draw (which boxes each server's
nodes); `--test check` and `--test converged`; BIRD on the server; every
command with no, wrong or remote arguments answers with a sentence and
gives the prompt back; a capture from boot (capture=DIR) takes remote
links too; the end leaves nothing on either side."""

import io
import os
import re
import xml.etree.ElementTree as ElementTree

import pexpect
import pytest

from bgptopo import messages
from clusterfixture import server
from conftest import MN, QUESTION, lab_traces
from test_cluster_lab import NO_TRACES, bgp3_split, nothing_new, on_server, remote_traces, run_mn
from test_fuzz import MARK, OURS, SCENARIO, answer, restore

pytestmark = pytest.mark.integration
assert server       # the fixture, imported for pytest

ANSWER_TIMEOUT = 90     # a converge or check that waits out its deadline


class Prompt(object):
    """mn's prompt on a split lab, in folder; what it said."""

    def __init__(self, topo, ip, folder):
        self.ip, self.folder = ip, folder
        self.error_log = os.path.join(str(folder), 'errors.txt')
        env = dict(os.environ, BGPTOPO_ERROR_LOG=self.error_log)
        self.child = pexpect.spawn(MN[0], MN[1:] + [topo, '--cluster', 'localhost,%s' % ip],
                                   cwd=str(folder), timeout=ANSWER_TIMEOUT, env=env,
                                   encoding='utf-8', dimensions=(50, 300))
        self.child.delaybeforesend = None
        self.child.logfile_read = self.transcript = io.StringIO()
        self.expect('mininet> ')

    def expect(self, pattern, timeout=ANSWER_TIMEOUT):
        try:
            self.child.expect(pattern, timeout=timeout)
        except pexpect.ExceptionPexpect:
            pytest.fail('expected %r; the prompt said:\n%s'
                        % (pattern, self.transcript.getvalue()[-4000:]))

    def ask(self, line):
        """line typed; its answer, once the prompt is back."""
        self.child.sendline(line)
        self.child.sendline(MARK)
        self.expect('Unknown command: %s' % MARK)
        said = self.child.before.replace('\r\n', '\n')
        self.expect('mininet> ')
        return said

    def exit(self):
        """exit typed: its status once mn ended."""
        self.child.sendline('exit')
        self.expect(pexpect.EOF, timeout=60)
        self.child.close()
        return self.child.exitstatus

    def close(self):
        self.child.close(force=True)


@pytest.fixture(scope='module')
def before():
    """The lab traces there were before the module's labs."""
    return lab_traces()


@pytest.fixture(scope='module')
def split(server, before, tmp_path_factory):
    """The module's prompt on bgp3 split (FRR), converged; closed after."""
    prompt = Prompt(bgp3_split(server), server, tmp_path_factory.mktemp('split'))
    try:
        assert 'BGP converged in' in prompt.ask('converge')
        yield prompt
    finally:
        prompt.close()


def test_vtysh_runs_one_command_on_a_remote_router(split):
    said = split.ask('vtysh r2 show bgp summary')
    assert re.search(r'local AS number 55000', said), said
    assert re.search(r'192\.168\.12\.1 +4 +4500 ', said), said


def test_vtysh_is_interactive_on_a_remote_router(split):
    """vtysh on the server, in r2's namespaces, on this terminal."""
    split.child.sendline('vtysh r2')
    split.expect('r2# ')
    split.child.sendline('show bgp summary')
    split.expect(r'192\.168\.23\.3 +4 +65000 ')
    split.expect('r2# ')
    split.child.sendline('exit')
    split.expect('mininet> ')


def remote_bgpds(ip):
    return {line.split()[0] for line in on_server(ip, 'ps -eo pid,args').splitlines()
            if line.split()[1:2] == ['/usr/lib/frr/bgpd']}


def test_restart_restarts_a_remote_router(split):
    old = remote_bgpds(split.ip)
    assert len(old) == 2        # r2's and r3's
    assert 'r2: zebra and bgpd restarted' in split.ask('restart r2')
    assert 'BGP converged in' in split.ask('converge')
    new = remote_bgpds(split.ip)
    assert len(new) == 2 and len(new - old) == 1, (old, new)


def test_capture_on_remote_routers_reaches_updates_and_timeline(split):
    """The link between the two remote routers, captured at r2 on the
    server; r3 restarted meanwhile: its OPENs and UPDATEs are decoded here."""
    folder = os.path.join(str(split.folder), 'captured')
    said = split.ask('capture start r2-r3 r1-r2 --dir %s' % folder)
    assert re.search(r'capturing r1-eth1, r2-eth1 into ', said), said
    assert 'restarted' in split.ask('restart r3')
    assert 'BGP converged in' in split.ask('converge')
    said = split.ask('capture stop')
    assert re.search(r'r2-eth1\.pcap +r2-r3 +[\d.]+ kB, \d+ packets', said), said
    assert os.path.getsize(os.path.join(folder, 'r2-eth1.pcap')) > 24    # more than a header
    said = split.ask('updates r2-r3')
    assert re.search(r'r3 -> r2  OPEN +AS 65000', said), said
    assert re.search(r'r2 -> r3  UPDATE +announce 12\.0\.0\.0/24 +AS path 55000 ', said), said
    picture = os.path.join(str(split.folder), 'timeline.svg')
    assert 'a lane for each session' in split.ask('timeline %s' % picture)
    assert os.path.getsize(picture) > 0


def test_path_why_and_check_read_remote_routers(split):
    said = split.ask('path')
    assert re.search(r'r1 AS 4500 +out r1-eth1 +via 192\.168\.12\.2 +BGP path: 55000', said), said
    assert re.search(r'r2 AS 55000 +out r2-eth2 +direct +BGP path: \(originates it\)', said), said
    said = split.ask('why r3 host')
    assert 'nothing is broken: packets go from r3 to host (10.0.0.1) and back' in said, said
    said = split.ask('check')
    assert 'PASS  session r2-r3 is Established' in said, said
    assert 'score 14/14' in said, said


def svg_boxes(path):
    """{server: (x0, y0, x1, y1)} of draw's server boxes, {node: (x, y)} of
    its nodes' first words, from an SVG Graphviz wrote."""
    ns = {'s': 'http://www.w3.org/2000/svg'}
    root = ElementTree.parse(path).getroot()
    boxes, nodes = {}, {}
    for group in root.iter('{http://www.w3.org/2000/svg}g'):
        kind = group.get('class')
        text = group.find('s:text', ns)
        if kind == 'cluster':
            points = [tuple(map(float, p.split(',')))
                      for p in group.find('s:polygon', ns).get('points').split()]
            xs, ys = [p[0] for p in points], [p[1] for p in points]
            boxes[text.text.split()[-1]] = (min(xs), min(ys), max(xs), max(ys))
        elif kind == 'node':
            nodes[group.find('s:title', ns).text] = (float(text.get('x')), float(text.get('y')))
    return boxes, nodes


def test_draw_boxes_each_servers_nodes(split):
    picture = os.path.join(str(split.folder), 'lab.svg')
    assert 'drew %s' % picture in split.ask('draw %s' % picture)
    boxes, nodes = svg_boxes(picture)
    assert sorted(boxes) == sorted(['localhost', split.ip])
    for name, where in (('r1', 'localhost'), ('host', 'localhost'),
                        ('webserver', split.ip), ('r2', split.ip), ('r3', split.ip)):
        x0, y0, x1, y1 = boxes[where]
        x, y = nodes[name]
        assert x0 < x < x1 and y0 < y < y1, (name, where, boxes, nodes)


def fuzz_arguments():
    """No argument, remote routers, pairs of routers across servers, a
    remote interface, an unknown name."""
    return ['', 'r2', 'r3', 'r2 r3', 'r3 r1', 'r1 r2 r3', 'r2-eth1', 'nosuchnode', '--json']


def fuzz_answer(split, line, routers):
    """test_fuzz's answer, but an interactive vtysh is left before the next
    line is typed: ssh, which carries a remote one, reads ahead whatever is
    typed, and what it read once vtysh ended is lost."""
    words = line.split()
    if words[:1] == ['vtysh'] and len(words) == 2 and words[1] in routers:
        split.child.sendline(line)
        split.child.expect('%s# ' % words[1], timeout=ANSWER_TIMEOUT)
        split.child.sendline('exit')
        split.child.expect('mininet> ', timeout=ANSWER_TIMEOUT)
        return split.child.before
    return answer(split.child, line, routers)


def test_every_command_with_remote_arguments_answers_and_gives_the_prompt_back(split):
    """The prompt fuzz's idea (tests/test_fuzz.py) on the split lab: each
    command the CLI lists, with arguments naming remote routers; no
    traceback, no bug logged, and the lab still fetches at the end."""
    routers = ['r1', 'r2', 'r3']
    for command in OURS + SCENARIO + ['capture start', 'capture stop']:
        for argument in fuzz_arguments():
            line = ('%s %s' % (command, argument)).strip()
            try:
                said = fuzz_answer(split, line, routers)
                restore(split.child, line, routers)
            except pexpect.ExceptionPexpect:
                pytest.fail('%s: the prompt said:\n%s' % (line, split.transcript.getvalue()[-3000:]))
            assert 'Traceback' not in said and 'Caught exception' not in said, (line, said)
    assert not os.path.exists(split.error_log), open(split.error_log).read()
    assert 'BGP converged in' in split.ask('converge')
    assert QUESTION.strip() in split.ask('fetch')


def test_a_capture_is_left_running_on_the_server_for_the_exit(split):
    """Left running so that the module's last test (the exit) checks that a
    running capture is stopped by the router's end on the server."""
    folder = os.path.join(str(split.folder), 'running')
    split.ask('capture start r2-r3 --dir %s' % folder)
    assert re.search(r'tcpdump .*-i r2-eth1 .*%s' % re.escape('r2-eth1.pcap'),
                     on_server(split.ip, 'ps -eo args'))
    assert 'r2-eth1.pcap' in split.ask('capture')


def test_exit_leaves_nothing_on_either_side(split, before):
    """The last of the module's prompt: a capture still ran on the server."""
    assert split.exit() == 0
    assert nothing_new(before) == {}
    assert remote_traces(split.ip) == NO_TRACES


def test_test_check_and_converged_under_the_cluster(server, before, tmp_path):
    """--test converged with a capture from boot (capture=DIR): the remote
    link r2-r3, captured on the server, holds both routers' first OPENs."""
    done = run_mn(bgp3_split(server), 'localhost,%s' % server, '--test', 'check')
    assert done.returncode == 0, done.stdout[-2000:]
    assert 'score 14/14' in done.stdout, done.stdout[-2000:]
    done = run_mn('%s,capture=%s' % (bgp3_split(server), tmp_path), 'localhost,%s' % server,
                  '--test', 'converged')
    assert done.returncode == 0, done.stdout[-2000:]
    assert re.search(r'converged in [\d.]+ s', done.stdout), done.stdout[-2000:]
    opens = {(m.src, m.dst) for m in messages.decode([str(tmp_path / 'r2-eth1.pcap')])
             if m.kind == 'OPEN'}
    assert {('192.168.23.2', '192.168.23.3'), ('192.168.23.3', '192.168.23.2')} <= opens, opens
    assert nothing_new(before) == {}
    assert remote_traces(server) == NO_TRACES


def test_bird_on_the_server_birdc_and_capture(server, before, tmp_path):
    """BIRD's r2 and r3 on the server: birdc one command and interactive,
    a capture of their link decoded here, then nothing left."""
    prompt = Prompt('bgp3,bird=r2+r3,pin=r2@%s+r3@%s' % (server, server), server, tmp_path)
    try:
        assert 'BGP converged in' in prompt.ask('converge')
        said = prompt.ask('birdc r3 show protocols')
        assert re.search(r'R2 +BGP +--- +up .* Established\s*\n', said), said
        prompt.child.sendline('birdc r2')
        prompt.expect('bird> ')
        prompt.child.sendline('show protocols')
        prompt.expect(r'R3 +BGP +--- +up .* Established')
        prompt.child.sendline('quit')
        prompt.expect('mininet> ')
        assert 'r3 runs BIRD, which has no vtysh' in prompt.ask('vtysh r3')
        folder = tmp_path / 'captured'
        assert 'capturing r2-eth1' in prompt.ask('capture start r2-r3 --dir %s' % folder)
        assert 'r3: bird restarted' in prompt.ask('restart r3')
        assert 'BGP converged in' in prompt.ask('converge')
        prompt.ask('capture stop')
        said = prompt.ask('updates r2-r3')
        assert re.search(r'r3 -> r2  OPEN +AS 65000', said), said
        assert prompt.exit() == 0
    finally:
        prompt.close()
    assert nothing_new(before) == {}
    assert remote_traces(server) == NO_TRACES
