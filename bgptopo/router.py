"""Router: a Mininet node that routes with a routing suite's daemons (FRR's
zebra and bgpd, or BIRD: bgptopo/routing/), and QuaggaRouter and
BirdRouter, its FRR and BIRD kinds.

Each router gets a private tmpfs on its suite's run directory (its own mount
namespace, made by mnexec), so the stock socket and pid paths serve several
routers at once, the suite's CLI inside the node finds its own router, and
the directory disappears with the node whatever way the lab ends."""

import atexit
import os
import shlex

from mininet.log import debug
from mininet.node import Node

from bgptopo import addressing, lifecycle, procs, routing, tcpdump
from bgptopo.errors import LabError
from bgptopo.nodeshell import GuardedShell
from bgptopo.routing.frr.shell import vtysh, vtysh_json

START_TIMEOUT = 10.0


def make_mount_point(path):
    """The folder each router mounts its private run directory on: made if
    the machine lacks it (no BIRD service made /run/bird), and then removed
    when we exit, if empty, so the lab leaves nothing of its own behind."""
    if not os.path.isdir(path):
        os.makedirs(path)
        atexit.register(remove_if_empty, path)


def remove_if_empty(path):
    try:
        os.rmdir(path)
    except OSError:
        pass


class DaemonNode(GuardedShell, Node):
    """A Mininet node whose daemons the lab starts and ends: a private
    tmpfs on run_dir (its own mount namespace, made by mnexec), processes
    started with a parent-death signal tied to the node's shell, recorded
    by pid and stopped by pid; the node is the lab's until it terminates
    (lifecycle.adopt), so every ending of the lab ends it. Routers are
    DaemonNodes, and so is a fed lab's feeder (bgptopo/feeding.py)."""

    run_dir = None      # the folder each node mounts its private tmpfs on

    def __init__(self, name, **params):
        self.daemon_pids = {}
        make_mount_point(self.run_dir)
        Node.__init__(self, name, **params)
        lifecycle.adopt(self)

    def config(self, **params):
        result = Node.config(self, **params)
        self.cmd('mount -t tmpfs -o mode=0700 tmpfs %s' % self.run_dir)
        return result

    def start_process(self, name, args, record=True):
        """Run args in the background in this node; its pid, recorded as a
        daemon's unless record is false (the caller then stops it)."""
        out = os.path.join(self.run_dir, '%s.out' % name)
        # pdeathsig: if the node's shell dies (mn killed, `mn -c`), so do we.
        # setsid: a session of our own, so a Ctrl-C sent to the node's shell
        # (an interrupted command at the prompt) does not reach the daemons;
        # a background job is no group leader, so setsid keeps the pid ($!).
        pid = self.cmd('setpriv --pdeathsig TERM setsid %s </dev/null >%s 2>&1 & echo $!'
                       % (' '.join(map(shlex.quote, args)), out))
        pid = int(pid.split()[-1])
        if record:
            self.daemon_pids[name] = pid
        debug('%s: %s started as pid %d\n' % (self.name, name, pid))
        return pid

    def run_file(self, name):
        """A file of this node's private run directory, as the lab's own
        process reaches it: through the node's mount namespace. /proc/PID/root
        resolves absolute symlinks (/var/run) in our root, so the directory is
        named by its real path."""
        return '/proc/%d/root%s/%s' % (self.pid, os.path.realpath(self.run_dir), name)

    def process_output(self, name):
        """The file holding what a process start_process started printed."""
        return self.run_file('%s.out' % name)

    def stop_daemons(self):
        """In reverse order of start: the BGP daemon first, so its peers see
        a clean close before zebra goes."""
        for name in reversed(list(self.daemon_pids)):
            procs.stop(self.daemon_pids.pop(name))

    def dead_daemons(self):
        """The daemons started and not stopped by the lab that no longer run."""
        return [name for name, pid in self.daemon_pids.items() if not procs.alive(pid)]

    def daemon_running(self, daemon):
        pid = self.daemon_pids.get(daemon)
        return bool(pid) and procs.alive(pid)

    def terminate(self):
        self.stop_daemons()
        self.hang_up()
        Node.terminate(self)
        lifecycle.disown(self)


class Router(DaemonNode):
    """A router: IP forwarding on, its interfaces' addresses from
    <etc_dir>/<name>/zebra.conf (bgptopo/addressing.py), its BGP from the
    suite's files in etc_dir (default: the suite's own tree).

    suite: a routing suite's key ('frr', 'bird'); subclasses set their own.
    stubs: interfaces with no link (a LAN the router notionally serves),
    made as a veth pair whose far end stays unplugged inside the router.
    modules: {daemon: [module, ...]} to load, e.g. {'bgpd': ['rpki']}.
    before_daemons: callables f(router), run before each start of the
    daemons: helpers they connect to (the hijack's RPKI cache,
    bgptopo/scenarios/hijack.py), started with start_process.
    capture: a folder; the router's links to other routers are captured
    into it (bgptopo/tcpdump.py) from before its daemons start.
    feed: its FeedSide in a fed lab (bgptopo/feeding.py), else None."""

    suite_key = routing.DEFAULT

    def __init__(self, name, etc_dir=None, suite=None, stubs=(), modules=None,
                 before_daemons=(), capture=None, feed=None, **params):
        self.routing = routing.suite(suite or self.suite_key)
        self.etc_dir = etc_dir or self.routing.default_etc_dir()
        self.stubs = tuple(stubs)
        self.modules = dict(modules or {})
        self.before_daemons = tuple(before_daemons)
        self.feed = feed
        self.boot_capture = capture
        self.captures = {}      # interface: tcpdump.Tcpdump
        self.started = False
        DaemonNode.__init__(self, name, **params)

    @property
    def run_dir(self):
        return self.routing.run_dir

    def config(self, **params):
        result = DaemonNode.config(self, **params)
        # IPv6 too; no duplicate address detection, which would hold each
        # address back (and the sessions on it) for a second or more: the
        # kernel does DAD if all's or the interface's accept_dad says so
        self.cmd('sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 && '
                 'for dad in /proc/sys/net/ipv6/conf/*/accept_dad; do echo 0 > $dad; done')
        for stub in self.stubs:
            self.cmd('ip link add {0} type veth peer name {0}-far && '
                     'ip link set {0}-far up && ip link set {0} up'.format(stub))
        if not self.routing.sets_addresses:
            self.set_addresses()
        if self.boot_capture:
            tcpdump.start(self, tcpdump.boot_intfs(self), self.boot_capture)
        self.start_daemons()
        return result

    def set_addresses(self):
        """For a suite that sets none: zebra.conf's addresses, in one command."""
        commands = ['ip addr add %s dev %s' % (address, intf)
                    for intf, found in sorted(self.interfaces().items()) for address in found]
        if commands:
            self.cmd(' && '.join(commands))

    def interfaces(self):
        """{interface: [ip_interface]} as zebra.conf writes them (read anew)."""
        return addressing.interfaces(self.name, self.etc_dir)

    def router_config(self):
        """The BGP config in this router's files (read anew: users edit them)."""
        return self.routing.file_config(self.name, self.etc_dir)

    def running_config(self):
        """The BGP config the router runs now."""
        return self.routing.running_config(self)

    def start_daemons(self):
        """The helpers first (before_daemons), so the daemons find them;
        then the suite's, whose BGP daemon is not waited for here: the next
        router starts meanwhile (each waits a second before its first
        connection, so starting them close together is what converges
        fast); wait_started() checks it before anyone relies on it."""
        for start_helper in self.before_daemons:
            start_helper(self)
        self.routing.start(self)
        self.started = False

    def wait_started(self):
        """Raise LabError unless the BGP daemon came up (once per start)."""
        daemon = self.routing.bgp_daemon
        if not self.started and daemon in self.daemon_pids:
            self.wait_ready(daemon, self.daemon_pids[daemon])
            self.started = True

    def start_daemon(self, daemon, args, wait=True):
        """Start daemon; wait=True: until it is ready. A socket a killed
        daemon left behind would say ready too soon: it goes first."""
        try:
            os.remove(self.run_file(self.routing.ready_file(daemon)))
        except FileNotFoundError:
            pass
        pid = self.start_process(daemon, args)
        if wait:
            self.wait_ready(daemon, pid)

    def wait_ready(self, daemon, pid):
        """A daemon is ready when its socket exists: it has read its config."""
        ready_file = self.run_file(self.routing.ready_file(daemon))
        ready = procs.wait_until(lambda: os.path.exists(ready_file) or not procs.alive(pid),
                                 START_TIMEOUT)
        if not ready or not procs.alive(pid):
            last = self.daemon_output(daemon).strip().splitlines()[-2:]
            raise LabError('%s: %s %s; its last words: %s' % (
                self.name, daemon,
                'exited at start' if ready else 'did not start within %d s' % START_TIMEOUT,
                ' / '.join(last) or 'none'))

    def daemon_output(self, daemon):
        files = ['%s/%s.out' % (self.routing.run_dir, daemon)] + self.routing.log_files(daemon)
        return self.cmd('cat %s 2>/dev/null' % ' '.join(files))

    def bgp_running(self):
        return self.daemon_running(self.routing.bgp_daemon)

    def restart_daemons(self):
        self.stop_daemons()
        self.start_daemons()

    def bgp_config_file(self, conf):
        """The file the BGP daemon reads: conf, or in a fed lab a copy in the
        router's private run directory with the feed's additions (the
        feeder's session, fed routes through every policy: the suite's
        fed_config), written at each start, so an edit of conf and `restart`
        count as in any lab, and gone with the router."""
        if self.feed is None:
            return conf
        with open(conf) as text:
            fed = self.routing.fed_config(text.read(), self.router_config().asn, self.feed)
        name = 'fed-' + os.path.basename(conf)
        with open(self.run_file(name), 'w') as out:
            out.write(fed)
        return os.path.join(self.routing.run_dir, name)

    def terminate(self):
        self.stop_daemons()
        tcpdump.stop(self)      # after the daemons: their last words are captured
        DaemonNode.terminate(self)


class QuaggaRouter(Router):
    """A router running FRR's (or Quagga's) zebra and bgpd from
    <etc_dir>/<name>/zebra.conf and bgpd.conf (default etc/quagga).
    bgpd_modules: bgpd modules to load, e.g. ['rpki']."""

    suite_key = 'frr'

    def __init__(self, name, bgpd_modules=(), **params):
        params.setdefault('modules', {'bgpd': tuple(bgpd_modules)})
        Router.__init__(self, name, **params)

    def vtysh(self, *commands):
        """Run vtysh commands on this router; their output as text."""
        return vtysh(self, *commands)

    def vtysh_json(self, command):
        """A vtysh `show ... json` command's answer, parsed; {} if none."""
        return vtysh_json(self, command)


class BirdRouter(Router):
    """A router running one BIRD 2 process from <etc_dir>/<name>/bird.conf
    (default etc/bird); its addresses from etc/quagga/<name>/zebra.conf."""

    suite_key = 'bird'

    def birdc(self, command):
        """One birdc command on this router; its answer as text."""
        return self.routing.run_cli(self, command)


def router_class(suite_key):
    """The node class of routers running that suite (a suite without one
    of its own runs on the generic Router)."""
    return {kind.suite_key: kind for kind in (QuaggaRouter, BirdRouter)}.get(suite_key, Router)

