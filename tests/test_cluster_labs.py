"""Lab files and AS graphs across two servers with stock `mn --cluster`
(bgptopo/cluster.py), on this one machine: the second server is the test
server container (bgptopo/clusterserver.py). A lab file pins ASes to the
server with `server:`; an AS graph is split by the placement alone; a
peering LAN (ixp.yml) has members on both servers, its bridge on one and
VXLAN links from the others. Each converges, passes `check` (every planned
session Established, routes valley-free), and leaves nothing on either side."""

import io
import os
import re

import pexpect
import pytest

from clusterfixture import server
from conftest import MN, REPO, lab_traces
from test_asgraph import generated_file
from test_feed_lab import write_dump
from test_cluster_lab import NO_TRACES, nothing_new, remote_traces, run_mn

pytestmark = pytest.mark.integration
assert server       # the fixture, imported for pytest

EXAMPLES = os.path.join(REPO, 'examples')


def multihomed_on(tmp_path, ip):
    """examples/multihomed.yml with AS 1, AS 2 and AS 400 on the server
    (`server:`); unpinned, this machine would take AS 1 and AS 2, and AS
    400's link to AS 10 (bw: 10) would not cross."""
    with open(os.path.join(EXAMPLES, 'multihomed.yml')) as example:
        text = example.read()
    for asn in (1, 2, 400):
        text = text.replace('  %d: {}\n' % asn, '  %d: {server: %s}\n' % (asn, ip))
    path = tmp_path / 'multihomed-split.yml'
    path.write_text(text)
    return str(path)


def prompt(topo, servers):
    child = pexpect.spawn(MN[0], MN[1:] + [topo, '--cluster', servers], cwd=REPO, timeout=90,
                          encoding='utf-8', dimensions=(50, 200))
    child.logfile_read = transcript = io.StringIO()
    return child, transcript


def at_prompt(topo, server, placement, steps):
    """mn's prompt on topo over here and server, once it said placement (a
    pattern): steps(child) at it, then exit; the lab ends cleanly and
    leaves nothing on either side."""
    before = lab_traces()
    child, transcript = prompt(topo, 'localhost,%s' % server)
    try:
        child.expect(placement)
        child.expect('mininet> ')
        steps(child)
        child.sendline('exit')
        child.expect(pexpect.EOF, timeout=60)
    except pexpect.ExceptionPexpect:
        pytest.fail('the prompt said:\n' + transcript.getvalue()[-4000:])
    finally:
        child.close(force=True)
    assert child.exitstatus == 0, transcript.getvalue()[-2000:]
    assert nothing_new(before) == {}
    assert remote_traces(server) == NO_TRACES


def command(child, line, *expected, timeout=90):
    child.sendline(line)
    for pattern in expected:
        child.expect(pattern, timeout=timeout)
    child.expect('mininet> ', timeout=timeout)


def test_a_lab_file_pins_ases_to_the_server(server, tmp_path):
    """AS 1, AS 2 and AS 400 where the file puts them, the rest here: every
    session Established, routes valley-free, the page fetched across; the
    10 Mbit/s link from AS 400 to AS 10 keeps its shaping across servers."""
    placement = (r'placement: localhost: 3 routers, AS 10 \(as10\), AS 20 \(as20\), '
                 r'AS 300 \(as300\); hosts webserver \| %s: 3 routers, AS 1 \(as1\), '
                 r'AS 2 \(as2\), AS 400 \(as400\); hosts host; \d+ links cross servers'
                 % re.escape(server))

    def steps(child):
        command(child, 'as1 hostname', 'bgptopo-server')
        command(child, 'as400 tc qdisc show', r'qdisc htb')     # bw: 10 (TCIntf)
        command(child, 'check', r'score (\d+)/\1: all requirements met', timeout=120)
        command(child, 'fetch', 'Which path does it install')
    at_prompt('lab,file=%s' % multihomed_on(tmp_path, server), server, placement, steps)


def test_a_server_the_cluster_does_not_list_is_one_sentence(server, tmp_path):
    before = lab_traces()
    path = multihomed_on(tmp_path, 'lab9')
    done = run_mn('lab,file=%s' % path, 'localhost,%s' % server, '--test', 'check', timeout=60)
    assert done.returncode == 2, done.stdout[-2000:]
    assert re.search(r'\*\*\* bgptopo: .*multihomed-split\.yml, line \d+: AS 1 is on lab9 '
                     r'\(`server: lab9`\), which --cluster does not list; add it', done.stdout)
    assert nothing_new(before) == {}
    assert remote_traces(server) == NO_TRACES


def test_an_as_graph_split_over_two_servers_passes_check(server, tmp_path):
    before = lab_traces()
    done = run_mn('asgraph,file=%s,n=10' % generated_file(tmp_path), 'localhost,%s' % server,
                  '--test', 'check', timeout=300)
    assert done.returncode == 0, done.stdout[-3000:]
    assert re.search(r'localhost: 5 routers, .*\| %s: 5 routers, .*; [1-9]\d* links cross '
                     r'servers' % re.escape(server), done.stdout)
    assert re.search(r'score (\d+)/\1: all requirements met', done.stdout)
    assert nothing_new(before) == {}
    assert remote_traces(server) == NO_TRACES


def test_a_peering_lan_with_members_on_both_servers(server):
    """ixp.yml with AS 20 and AS 30 on the server: the LAN's bridge goes
    there (two of its three members), AS 10 reaches it over VXLAN; the
    sessions across the LAN are Established and the page comes over it."""
    placement = (r'placement: localhost: 2 routers, .*; hosts host \| %s: '
                 r'2 routers, AS 20 \(as20\), AS 30 \(as30\); hosts webserver; LANs ixp; '
                 r'\d+ links cross'
                 % re.escape(server))

    def steps(child):
        command(child, 'ixp hostname', 'bgptopo-server')
        command(child, 'check', r'score (\d+)/\1: all requirements met', timeout=120)
        # as10 (here) learns AS 30's prefix over the LAN (192.168.100.3), not from AS 100
        command(child, 'bgp as10 ip bgp', r'192\.168\.100\.3 .*\b30 i')
        # a full-sized packet with DF (as TCP sends) from as30 (there) to as10 (here):
        # the bridge drops frames bigger than its tunnelled port without a word (measured:
        # all lost), so as30's LAN interface has the tunnel's MTU and as30 fragments
        command(child, 'as30 ping -c 1 -W 3 -M want -s 1472 192.168.100.1', r' 0% packet loss')
        command(child, 'fetch', 'Which path does it install')
    at_prompt('lab,file=%s,pin=as20@%s+as30@%s'
              % (os.path.join(EXAMPLES, 'ixp.yml'), server, server), server, placement, steps)


def test_a_peering_lan_over_ssh_tunnels(server):
    """The same split with tunnel=ssh: the bridge's far member comes over a tap."""
    before = lab_traces()
    done = run_mn('lab,file=%s,pin=as20@%s+as30@%s,tunnel=ssh'
                  % (os.path.join(EXAMPLES, 'ixp.yml'), server, server),
                  'localhost,%s' % server, '--test', 'check', timeout=180)
    assert done.returncode == 0, done.stdout[-3000:]
    assert re.search(r'%s: 2 routers, .*; LANs ixp; \d+ links cross servers \(ssh\)'
                     % re.escape(server), done.stdout)
    assert re.search(r'score (\d+)/\1: all requirements met', done.stdout)
    assert nothing_new(before) == {}
    assert remote_traces(server) == NO_TRACES


def test_a_fed_lab_split_holds_the_table_on_both_servers(server, tmp_path):
    """bgp3 fed (feedto r3, on the server; the feeder stays here, its session
    crosses): `converge` waits until every router, the server's included,
    holds every fed prefix in BGP and in its kernel; `feed` says so of each."""
    dump = write_dump(tmp_path / 'rib.mrt')

    placement = (r'localhost: 1 routers, AS 4500 \(r1\); hosts feeder host \| '
                 r'%s: 2 routers, .*; hosts webserver; \d+ links cross servers'
                 % re.escape(server))

    def steps(child):
        command(child, 'converge', r'BGP converged in [\d.]+ s', timeout=120)
        child.sendline('feed')
        child.expect(r'IPv4 prefixes read, ([1-9][\d,]*) fed\r\n')
        fed = child.match.group(1)
        for router in ('r1', 'r2', 'r3'):       # r2 and r3 on the server
            child.expect(r'%s +%s fed prefixes in BGP, %s in its kernel' % (router, fed, fed))
        child.expect('mininet> ')
        command(child, 'fetch', 'Which path does it install')
    at_prompt('bgp3,feed=%s,pin=r2@%s+r3@%s' % (dump, server, server), server, placement, steps)
