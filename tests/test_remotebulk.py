"""Unit: a remote server's routers built together (bgptopo/remotebulk.py)
on routers that only record what happens to them: a few ssh commands per
server whatever the number of routers (not several per router), every
router's starts sent before any answer is read, bgpd only once every zebra
is ready, one script at the end; the cluster gives each remote server such
a bulk; the ready script itself, run by sh here. The real thing is in
tests/test_cluster_lab.py (a ring of 40 split converges, nothing left)."""

import os
import subprocess
import sys

import pytest

from bgptopo import cluster, procs, remotebulk
from bgptopo.errors import LabError
from bgptopo.router import DaemonNode
from bgptopo.topologies import BgpRingTopo


class FakeSuite(object):
    """FRR's shape: zebra first, bgpd after it (rest=False: BIRD's, one daemon)."""

    run_dir = '/run/frr'

    def __init__(self, conf_dir, rest=True):
        self.conf_dir, self.rest = conf_dir, rest

    def conf(self, router, daemon):
        return os.path.join(self.conf_dir, '%s-%s.conf' % (router.name, daemon))

    def start_first(self, router):
        router.start_daemon('zebra', ['zebra', '-f', self.conf(router, 'zebra')], wait=False)

    def start_rest(self, router):
        if self.rest:
            router.start_daemon('bgpd', ['bgpd', '-f', self.conf(router, 'bgpd')], wait=False)

    def ready_file(self, daemon):
        return '%s.vty' % daemon


class Shell(object):
    def poll(self):
        return None


class FakeRouter(object):
    """What RemoteBulk uses of a remote router; every shell line recorded."""

    server = 'lab2'
    sshcmd = ['ssh', '-tt', 'root@lab2']
    before_daemons = ()
    boot_capture = None
    from_root = DaemonNode.from_root

    def __init__(self, name, pid, suite, events):
        self.name, self.pid, self.routing, self.events = name, pid, suite, events
        self.queued_starts = None
        self.daemon_pids = {}
        self.shell = Shell()
        self.set_up_ends = None
        for daemon in ('zebra', 'bgpd'):
            with open(suite.conf(self, daemon), 'w') as conf:
                conf.write('hostname %s-%s\n' % (name, daemon))

    def start_daemon(self, daemon, args, wait=True):
        assert self.queued_starts is not None and not wait, 'started one by one'
        self.queued_starts.append((daemon, args))

    def set_up_line(self):
        return 'mount -t tmpfs tmpfs /run/frr'

    def kernel_batch(self):
        return ['link set dev lo up', 'link set dev %s-eth0 up' % self.name]

    def intfNames(self):
        return ['%s-eth0' % self.name]

    def interfaces(self):
        return {'lo': ['198.18.0.1/32'], '%s-eth0' % self.name: ['192.168.0.1/24']}

    def start_timeout(self):
        return 10.0

    def send_queued_starts(self):
        self.events.append(('send', self.name, tuple(d for d, _ in self.queued_starts)))

    def take_queued_pids(self):
        self.events.append(('take', self.name))
        for number, (daemon, _) in enumerate(self.queued_starts):
            self.daemon_pids[daemon] = self.pid * 10 + number
        self.queued_starts = None


def built(tmp_path, monkeypatch, count, rest=True):
    """A RemoteBulk of count fake routers built; (events, ssh scripts, routers)."""
    events, scripts = [], []
    suite = FakeSuite(str(tmp_path), rest)

    def run_on_server(router, script, timeout):
        scripts.append(script)
        events.append(('ssh',))
        return remotebulk.DONE + '\n'
    monkeypatch.setattr(remotebulk, 'run_on_server', run_on_server)
    names = ['r%d' % n for n in range(1, count + 1)]
    made = remotebulk.RemoteBulk('lab2', names)
    routers = [FakeRouter(name, 1000 + n, suite, events) for n, name in enumerate(names)]
    for router in routers:
        made.router_added(router)
    for router1, router2 in zip(routers, routers[1:]):
        made.add_veth(router1.name + '-eth1', router1, None, router2.name + '-eth0', router2, None)
    for router in routers:      # each router's config() calls it (Router.config)
        made.make_veths()
    return events, scripts, routers


@pytest.mark.parametrize('count', [3, 40])
def test_a_servers_routers_take_two_ssh_commands_whatever_their_number(tmp_path, monkeypatch,
                                                                       count):
    """The set-up script and the wait for zebra: two ssh commands for the
    server, and two lines per router's shell (zebra, then bgpd), each
    sent to every router before any answer is read."""
    events, scripts, routers = built(tmp_path, monkeypatch, count)
    kinds = [event[0] for event in events]
    assert kinds == ['ssh'] + ['send'] * count + ['take'] * count + ['ssh'] + \
        ['send'] * count + ['take'] * count
    assert [event[2] for event in events if event[0] == 'send'] == \
        [('zebra',)] * count + [('bgpd',)] * count
    # what the set-up script addressed (lo's address too) is not done again
    assert all(router.set_up_ends == ['lo', '%s-eth0' % router.name] for router in routers)


def test_the_set_up_script_holds_every_link_config_and_interface(tmp_path, monkeypatch):
    _, scripts, routers = built(tmp_path, monkeypatch, 3)
    setup = scripts[0]
    assert setup.count('ip -batch -') == 1 + 3      # the veths, then each router's interfaces
    assert 'link add name r1-eth1 netns 1000 type veth peer name r2-eth0 netns 1001' in setup
    for router in routers:
        assert 'nsenter -t %d -m -n sh -e <<' % router.pid in setup
        for daemon in ('zebra', 'bgpd'):
            assert 'cat > /run/frr/%s-%s.conf' % (router.name, daemon) in setup
            assert 'hostname %s-%s\n' % (router.name, daemon) in setup
    assert setup.rstrip().endswith('echo ' + remotebulk.DONE)


def test_the_daemons_start_from_their_copies_on_the_server(tmp_path):
    suite = FakeSuite(str(tmp_path))
    router = FakeRouter('r9', 9, suite, [])
    plan = remotebulk.StartPlan(router)
    assert plan.first == [('zebra', ['zebra', '-f', '/run/frr/r9-zebra.conf'])]
    assert plan.rest == [('bgpd', ['bgpd', '-f', '/run/frr/r9-bgpd.conf'])]
    assert plan.files == {'/run/frr/r9-zebra.conf': suite.conf(router, 'zebra'),
                          '/run/frr/r9-bgpd.conf': suite.conf(router, 'bgpd')}


def test_a_suite_of_one_daemon_needs_one_ssh_command(tmp_path, monkeypatch):
    events, _, _ = built(tmp_path, monkeypatch, 5, rest=False)
    assert [event[0] for event in events] == ['ssh'] + ['send'] * 5 + ['take'] * 5


def test_the_end_stops_every_daemon_of_the_server_in_one_script(tmp_path, monkeypatch):
    _, scripts, routers = built(tmp_path, monkeypatch, 4)
    bulk = remotebulk.RemoteBulk('lab2', [r.name for r in routers])
    bulk.configured = routers
    del scripts[:]
    bulk.stop_daemons()
    assert len(scripts) == 1
    for router in routers:
        assert str(router.pid * 10) in scripts[0] and router.daemon_pids == {}
    bulk.stop_daemons()     # every router's terminate() calls it: nothing more
    assert len(scripts) == 1


def test_a_failed_set_up_names_its_router(tmp_path, monkeypatch):
    monkeypatch.setattr(remotebulk, 'run_on_server', lambda router, script, timeout:
                        'mount: /run/frr: permission denied.\n@@bgptopo-failed r2\n'
                        '@@bgptopo-done\n')
    made = remotebulk.RemoteBulk('lab2', ['r1'])
    with pytest.raises(LabError) as raised:
        made.run_script(None, 'script', 1)
    assert str(raised.value) == (
        'r2 cannot be set up on lab2 (mount: /run/frr: permission denied.); run `mn -c '
        '--cluster` and start the lab again.')


def test_each_remote_server_gets_a_bulk_of_its_own_routers():
    topo = cluster.place(BgpRingTopo(n=12), ['localhost', 'lab2', 'lab3'])
    bulks = {}
    for router in topo.routers():
        bulks.setdefault(topo.placement.of[router], set()).add(
            (topo.nodeInfo(router)['bulk'], router))
    for server, pairs in bulks.items():
        bulk = {b for b, _ in pairs}
        assert len(bulk) == 1
        bulk = bulk.pop()
        assert bulk.routers == {r for _, r in pairs}
        assert isinstance(bulk, remotebulk.RemoteBulk) == (server != 'localhost')
        assert bulk is topo.bulk if server == 'localhost' else bulk.server == server


def test_a_server_of_many_routers_shares_several_ssh_connections():
    """No more node shells per connection than SHELLS_PER_CONNECTION (a
    server's sshd refuses sessions past its MaxSessions)."""
    topo = cluster.place(BgpRingTopo(n=2 * cluster.SHELLS_PER_CONNECTION + 20),
                         ['localhost', 'lab2'])
    paths = [topo.nodeInfo(r)['controlPath'] for r in topo.routers()
             if topo.placement.of[r] == 'lab2']
    assert sorted(set(paths)) == [cluster.CONTROL_PATH + '-0', cluster.CONTROL_PATH + '-1']
    assert paths.count(cluster.CONTROL_PATH + '-0') == cluster.SHELLS_PER_CONNECTION


def test_the_ready_script_names_the_dead_and_the_late(tmp_path):
    """Run by sh here: one daemon ready (its file), one dead (a pid that
    ended), one alive without its file past the deadline."""
    ready = tmp_path / 'zebra.vty'
    ready.write_text('')
    dead = subprocess.Popen(['true'])
    dead.wait()
    living = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(30)'])
    try:
        plans = [plan_of('r1', os.getpid(), str(ready)), plan_of('r2', dead.pid, '/nonexistent'),
                 plan_of('r3', living.pid, str(tmp_path / 'never'))]
        out = subprocess.run(['sh'], input=remotebulk.ready_script(plans, 0), text=True,
                             capture_output=True, timeout=10).stdout
    finally:
        living.kill()
        living.wait()
    assert out.splitlines() == ['dead r2 zebra', 'late r3 zebra', remotebulk.DONE]


def plan_of(name, pid, path):
    plan = remotebulk.StartPlan.__new__(remotebulk.StartPlan)
    plan.router = type('R', (), {'name': name, 'daemon_pids': {'zebra': pid}})()
    plan.ready_files = lambda: [('zebra', path)]
    return plan


class NamespaceRouter(object):
    """A router's parts the set-up script uses, on a process of our own in
    new network and mount namespaces (what mnexec gives a node)."""

    def __init__(self, name, run_dir):
        self.name, self.run_dir = name, run_dir
        self.process = subprocess.Popen(['unshare', '-n', '-m', '--propagation', 'private',
                                         'sleep', '60'])
        self.pid = self.process.pid

    def set_up_line(self):
        return 'mkdir -p %s && mount -t tmpfs -o mode=0700 tmpfs %s && ' \
               'sysctl -qw net.ipv4.ip_forward=1' % (self.run_dir, self.run_dir)

    def kernel_batch(self):
        return ['link set dev lo up', 'link set dev %s-eth0 up' % self.name]

    def inside(self, command):
        return subprocess.run(['nsenter', '-t', str(self.pid), '-m', '-n', 'sh', '-c', command],
                              capture_output=True, text=True, timeout=10).stdout


def run_script(script):
    return subprocess.run(['sh', '-c', remotebulk.SCRIPT_COMMAND], input=script,
                          capture_output=True, text=True, timeout=30).stdout


@pytest.mark.skipif(os.geteuid() != 0, reason='namespaces need root')
def test_the_set_up_script_builds_routers_in_their_namespaces(tmp_path):
    """Run by sh here (as on a server) on two processes in namespaces of
    their own: their veth pair, their run directories with the configs
    (quotes, parentheses and $ kept as written), forwarding, interfaces up;
    a router whose interface is missing is named; nothing in our root."""
    run_dir = '/run/bgptopo-test-%d' % os.getpid()
    conf = tmp_path / 'bgpd.conf'
    conf.write_text('hostname r\n! (a) "b" $HOME `c`\n')
    routers = [NamespaceRouter(name, run_dir) for name in ('r1', 'r2', 'r3')]
    try:
        assert procs.wait_until(
            lambda: all(r.inside('echo ok').strip() == 'ok' for r in routers), 5, 0.05)
        fed = "router bgp 1\n neighbor 10.0.0.9 remote-as 64999 ! a fed lab's copy\n"
        plans = [plan_with(router, {run_dir + '/bgpd.conf': str(conf)},
                           {run_dir + '/fed-bgpd.conf': fed}) for router in routers]
        veths = [('r1-eth0', routers[0], None, 'r2-eth0', routers[1], None)]
        assert run_script(remotebulk.set_up_script(veths, plans[:2])) == remotebulk.DONE + '\n'
        for router in routers[:2]:
            assert router.inside('cat %s/bgpd.conf' % run_dir) == conf.read_text()
            assert router.inside('cat %s/fed-bgpd.conf' % run_dir) == fed
            assert router.inside('cat /proc/sys/net/ipv4/ip_forward').strip() == '1'
            assert 'state UP' in router.inside('ip link show %s-eth0' % router.name)
        failed = run_script(remotebulk.set_up_script([], plans[2:]))
        assert '@@bgptopo-failed r3' in failed and 'r3-eth0' in failed
        assert not os.path.exists(os.path.join(run_dir, 'bgpd.conf'))   # not in our root
    finally:
        for router in routers:
            router.process.kill()
            router.process.wait()
        if os.path.isdir(run_dir):
            os.rmdir(run_dir)


def plan_with(router, files, texts=None):
    plan = remotebulk.StartPlan.__new__(remotebulk.StartPlan)
    plan.router, plan.files, plan.texts = router, files, texts or {}
    return plan
