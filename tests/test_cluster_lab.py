"""The lab across two servers with stock `mn --cluster` (bgptopo/cluster.py),
on this one machine: the second server is the test server container
(bgptopo/clusterserver.py). bgp3 split (r1 and host here; r2, r3 and the
web server's container there), its commands across servers, the
cross-server link failed over; a ring of 40 split over the two converges
in a few ssh commands per server; ssh tunnels as well as VXLAN; nothing
left on either side; a server that does not answer, or lacks an image, is
one sentence."""

import io
import os
import re
import signal
import subprocess

import pexpect
import pytest

from bgptopo import clusterserver, procs
from clusterfixture import server
from conftest import MN, QUESTION, REPO, lab_traces, new_traces, processes

pytestmark = pytest.mark.integration
assert server       # the fixture, imported for pytest


def on_server(ip, command):
    """command's output on the server; it must succeed (a failed look at
    the server would find nothing left there)."""
    done = subprocess.run(clusterserver.ssh_command(ip, command), capture_output=True,
                          stdin=subprocess.DEVNULL, text=True, timeout=30)
    assert done.returncode == 0, (command, done.stderr)
    return done.stdout


def remote_traces(ip):
    """What of a lab runs on the server: node shells, routing daemons,
    containers in its engine, and interfaces besides lo and its own eth0."""
    processes = on_server(ip, 'ps -eo args').splitlines()
    containers = on_server(ip, 'docker ps -a --format "container {{.Names}}"').splitlines()
    links = on_server(ip, 'ip -o link show').splitlines()
    return {'processes': [p for p in processes
                          if 'mininet:' in p or p.startswith(('/usr/lib/frr/', 'bird'))] +
            containers,
            'links': [l.split(':')[1].strip() for l in links
                      if l.split(':')[1].strip() != 'lo' and
                      not l.split(':')[1].strip().startswith('eth0@')]}


NO_TRACES = {'processes': [], 'links': []}


def soon_nothing_left(before, server, remote_wait=20):
    """Within a deadline, nothing new here (10 s) and nothing of a lab on
    the server (remote_wait s): a lab's ending there takes its sshd's
    noticing."""
    assert procs.wait_until(lambda: nothing_new(before) == {}, 10, 0.1), nothing_new(before)
    assert procs.wait_until(lambda: remote_traces(server) == NO_TRACES, remote_wait, 0.5), \
        remote_traces(server)


def nothing_new(before):
    """No trace of a lab here that was not there before (the server's
    daemons are this machine's processes too: they count)."""
    found = new_traces(before)
    argv = processes()
    return {kind: [(item, ' '.join(argv.get(item, []))[:120]) if kind == 'daemons' else item
                   for item in items] for kind, items in found.items()}


def run_mn(topo, servers, *args, timeout=120):
    """mn's run; everything it printed (Mininet's log writes to stderr) in stdout."""
    return subprocess.run(MN + [topo, '--cluster', servers] + list(args), cwd=REPO,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=timeout)


CONFINED = "none nobody [ALL] true"


def confinement(ip, container):
    """A container's network, user, dropped capabilities and read-only root, on the server."""
    return on_server(ip, 'docker inspect -f "{{.HostConfig.NetworkMode}} {{.Config.User}} '
                         '{{.HostConfig.CapDrop}} {{.HostConfig.ReadonlyRootfs}}" %s'
                     % container).strip()


def local_containers():
    return subprocess.run(['docker', 'ps', '-a', '--format', '{{.Names}}'], capture_output=True,
                          text=True, timeout=30).stdout.split()


def bgp3_split(ip, tunnel='vxlan'):
    return 'bgp3,pin=r2@%s+r3@%s,tunnel=%s' % (ip, ip, tunnel)


def split_prompt(server):
    """mn's prompt on bgp3 split over here and server; (the child, what it said)."""
    child = pexpect.spawn(MN[0], MN[1:] + [bgp3_split(server), '--cluster',
                                           'localhost,%s' % server],
                          cwd=REPO, timeout=60, encoding='utf-8', dimensions=(50, 200))
    child.logfile_read = transcript = io.StringIO()
    return child, transcript


def test_bgp3_split_over_two_servers_at_the_prompt(server):
    before = lab_traces()
    child, transcript = split_prompt(server)
    try:
        child.expect(r'placement: localhost: 1 routers, AS 4500 \(r1\); hosts host \| '
                     r'%s: 2 routers, AS 55000 \(r2\), AS 65000 \(r3\); hosts webserver; 2 '
                     r'links cross servers \(vxlan\)' % re.escape(server))
        child.expect('mininet> ')
        for router, where in (('r2', 'bgptopo-server'), ('r3', 'bgptopo-server')):
            child.sendline('%s hostname' % router)
            child.expect(where)
            child.expect('mininet> ')
        assert confinement(server, 'bgptopo.webserver') == CONFINED     # in the server's engine
        assert 'bgptopo.webserver' not in local_containers()
        child.sendline('converge')
        child.expect(r'BGP converged in [\d.]+ s')
        child.expect('mininet> ')
        child.sendline('fetch')
        child.expect('Which path does it install')
        child.expect('mininet> ')
        child.sendline('bgp r2')       # vtysh on the server
        child.expect(r'192\.168\.\d+\.\d+ +4 +4500 ')
        child.expect('mininet> ')
        child.sendline('routes r3')    # the server's kernel table
        child.expect(r'12\.0\.0\.0/24')
        child.expect('mininet> ')
        child.sendline('failover r1 r2')   # the cross-server link down: r1 goes by r3
        child.expect(r'fetch works again after [\d.]+ s')
        child.expect('mininet> ')
        child.sendline('exit')
        child.expect(pexpect.EOF)
    except pexpect.ExceptionPexpect:
        pytest.fail('the prompt said:\n' + transcript.getvalue()[-4000:])
    finally:
        child.close(force=True)
    assert child.exitstatus == 0
    assert nothing_new(before) == {}
    assert remote_traces(server) == NO_TRACES


def test_ring_of_40_split_converges(server):
    before = lab_traces()
    done = run_mn('bgpring,n=40', 'localhost,%s' % server, '--test', 'converged', timeout=300)
    assert done.returncode == 0, done.stdout[-2000:]
    assert re.search(r'localhost: 20 routers, .*\| %s: 20 routers, .*; 2 links cross servers'
                     % re.escape(server), done.stdout)
    assert 'converged in' in done.stdout
    assert nothing_new(before) == {}
    assert remote_traces(server) == NO_TRACES


def test_ssh_tunnels_carry_the_lab_too(server):
    before = lab_traces()
    done = run_mn(bgp3_split(server, 'ssh'), 'localhost,%s' % server, '--test', 'fetch')
    assert done.returncode == 0, done.stdout[-2000:]
    assert QUESTION.strip() in done.stdout
    assert '2 links cross servers (ssh)' in done.stdout
    assert nothing_new(before) == {}
    assert remote_traces(server) == NO_TRACES


def test_a_server_that_does_not_answer_is_one_sentence(server):
    """127.0.0.2 (loopback, where no sshd listens): nothing is built."""
    before = lab_traces()
    done = run_mn('bgp3', 'localhost,127.0.0.2', '--test', 'fetch', timeout=60)
    assert done.returncode == 2
    assert re.search(r'\*\*\* bgptopo: the server 127\.0\.0\.2 does not answer ssh as root '
                     r'\(.*\); check that it is up and that `ssh root@127\.0\.0\.2 true` works '
                     r'without a password\.', done.stdout)
    assert nothing_new(before) == {}


def ends_with_a_sentence(server, breaking, sentence, mending=lambda: None):
    """bgp3 split at the prompt, broken from outside (breaking()): the next
    command ends the lab with sentence (a pattern), not a hang; mending()
    after; the lab exits non-zero and leaves nothing on either side."""
    before = lab_traces()
    child, transcript = split_prompt(server)
    try:
        child.expect('mininet> ')
        breaking()
        child.sendline('bgp r2')
        child.expect(sentence, timeout=40)
        child.expect(pexpect.EOF, timeout=60)
    except pexpect.ExceptionPexpect:
        pytest.fail('the prompt said:\n' + transcript.getvalue()[-4000:])
    finally:
        mending()
        child.close(force=True)
    assert child.exitstatus != 0
    assert nothing_new(before) == {}
    assert procs.wait_until(lambda: remote_traces(server) == NO_TRACES,
                            30, 0.5), remote_traces(server)


def test_a_server_gone_mid_run_is_a_sentence_not_a_hang(server):
    """The server frozen (docker pause) under a running lab: the next command
    ends the lab with a sentence naming the server; once the server is back,
    its sshd drops the dead session and nothing of the lab is left there."""
    ends_with_a_sentence(
        server, lambda: clusterserver.docker('pause', clusterserver.CONTAINER),
        r'the connection to the server %s ended \((r\d|webserver) ran there\): is the server '
        r'down or unreachable\? the lab cannot go on: start it again\.' % re.escape(server),
        lambda: clusterserver.docker('unpause', clusterserver.CONTAINER, check=False))


def open_split_prompt(server):
    child, _ = split_prompt(server)
    child.expect('mininet> ')
    return child


def ctrl_c_during_build(child):
    child.expect('Adding links')
    child.sendintr()


def ctrl_c_at_prompt_then_exit(child):
    """Ctrl-C at the prompt is Mininet's "Interrupt": the lab goes on (the
    remote shells and the engine's ssh forward do not take the signal)."""
    child.expect('mininet> ')
    child.sendintr()
    child.expect('Interrupt')
    child.expect('mininet> ')
    child.sendline('webserver ls /srv/www')     # asks the engine there whether it runs
    child.expect(r'\nindex\.html\s+mininet> ')
    child.sendline('exit')


@pytest.mark.parametrize('ending', [ctrl_c_during_build, ctrl_c_at_prompt_then_exit])
def test_ctrl_c_leaves_nothing_on_either_side(server, ending):
    before = lab_traces()
    child, transcript = split_prompt(server)
    try:
        ending(child)
        child.expect(pexpect.EOF, timeout=60)
    except pexpect.ExceptionPexpect:
        pytest.fail('the prompt said:\n' + transcript.getvalue()[-4000:])
    finally:
        child.close(force=True)
    soon_nothing_left(before, server)


def test_sigterm_leaves_nothing_on_either_side(server):
    before = lab_traces()
    child = open_split_prompt(server)
    try:
        assert remote_traces(server)['processes']      # r2 and r3 run there
        os.kill(child.pid, signal.SIGTERM)
        child.expect(pexpect.EOF, timeout=60)
    finally:
        child.close(force=True)
    soon_nothing_left(before, server)


def test_sigkill_then_mn_c_with_the_cluster_leaves_nothing(server):
    """`mn -c --cluster localhost,SERVER` cleans this machine and, through
    the cluster edition's cleanup, runs `mn -c` on the server."""
    before = lab_traces()
    child = open_split_prompt(server)
    try:
        assert remote_traces(server)['processes']
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.close(force=True)
        subprocess.run(['mn', '-c', '--cluster', 'localhost,%s' % server],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)
    soon_nothing_left(before, server)


def test_bird_routers_run_on_the_server_too(server):
    """BIRD's r2 and r3 on the server, FRR's r1 here: the page, then nothing left."""
    before = lab_traces()
    done = run_mn('bgp3,bird=r2+r3,pin=r2@%s+r3@%s' % (server, server),
                  'localhost,%s' % server, '--test', 'fetch')
    assert done.returncode == 0, done.stdout[-2000:]
    assert QUESTION.strip() in done.stdout
    assert nothing_new(before) == {}
    assert remote_traces(server) == NO_TRACES


def test_a_container_removed_on_the_server_ends_the_lab_with_a_sentence(server):
    """The web server's container removed in the server's engine from
    outside: the next command says so, naming the server, and the lab ends
    leaving nothing on either side."""
    ends_with_a_sentence(
        server, lambda: on_server(server, 'docker rm -f bgptopo.webserver'),
        r"webserver's container on %s was stopped from outside the lab \(docker rm or kill "
        r"there\?\); the lab cannot go on: start it again\." % re.escape(server))


def test_a_server_without_the_image_is_one_sentence(server):
    """The web server's image missing on the server it is placed on: one
    sentence naming server, image and fix; nothing built on either side."""
    before = lab_traces()
    on_server(server, 'docker rmi bgptopo/webserver')
    try:
        done = run_mn(bgp3_split(server), 'localhost,%s' % server, '--test', 'fetch', timeout=60)
    finally:
        clusterserver.load_images(server)
    assert done.returncode == 2, done.stdout[-2000:]
    assert ('*** bgptopo: the server %s lacks the image bgptopo/webserver; run ./setup.sh server '
            'there, which builds the lab\'s images.' % server) in done.stdout
    assert nothing_new(before) == {}
    assert remote_traces(server) == NO_TRACES


SSH_SHIM = '''#!/bin/sh
echo "$*" >> %s
exec /usr/bin/ssh "$@"
'''


@pytest.mark.parametrize('suite', ['frr', 'bird'])
def test_a_split_ring_builds_each_server_in_a_few_ssh_commands(server, tmp_path, suite):
    """Every ssh mn starts goes through a shim that notes it: besides the
    node shells (-tt) and the servers' check, the 20 routers on the server
    cost a few ssh commands (bgptopo/remotebulk.py), not several each as
    when they were built one by one (a kernel batch and each config file
    copied by an ssh of its own: 60 for FRR); the ring converges and
    leaves nothing."""
    log = tmp_path / 'ssh.txt'
    shim = tmp_path / 'ssh'
    shim.write_text(SSH_SHIM % log)
    shim.chmod(0o755)
    before = lab_traces()
    done = subprocess.run(MN + ['bgpring,n=40,suite=%s' % suite, '--cluster',
                                'localhost,%s' % server, '--test', 'converged'],
                          cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=300, env=dict(os.environ, PATH='%s:%s' % (
                              tmp_path, os.environ['PATH'])))
    assert done.returncode == 0, done.stdout[-2000:]
    assert 'converged in' in done.stdout
    calls = log.read_text().splitlines()
    shells = [line for line in calls if ' -tt ' in ' %s ' % line]
    assert len(shells) >= 20        # the shim saw the node shells: it was used
    # commands in the server's root namespace (not those run in a node, by
    # convergence's look at each router: mnexec -da PID): the check, each
    # crossing link's ends (2 links), the build (2 scripts for FRR, 1 for
    # BIRD), the stop script; a few more are fine, one per router is not
    commands = [line for line in calls if line not in shells and 'mnexec -da' not in line]
    assert len(commands) <= 12, '\n'.join(commands)
    assert nothing_new(before) == {}
    assert remote_traces(server) == NO_TRACES
