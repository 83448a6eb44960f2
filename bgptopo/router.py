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
import subprocess

from mininet.log import debug
from mininet.node import Node

from bgptopo import addressing, lifecycle, procs, routing, tcpdump
from bgptopo.errors import LabError
from bgptopo.nodeshell import DeferredIntf, GuardedShell
from bgptopo.routing.frr.shell import vtysh, vtysh_json

START_TIMEOUT = 10.0        # seconds a daemon gets to read its config and open its socket
START_SHARE = 0.03          # more seconds per router starting beside it (a bulk build's)
PID_MARK = 'pid:'       # before each pid a line of several starts prints


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
    files_here = True   # its run files are reachable from this process (run_file)

    def __init__(self, name, **params):
        self.daemon_pids = {}
        make_mount_point(self.run_dir)
        Node.__init__(self, name, **params)
        lifecycle.adopt(self)

    def config(self, **params):
        result = Node.config(self, **params)
        self.cmd(self.mount_line())
        return result

    def mount_line(self):
        """The shell line that mounts the node's private run directory."""
        return 'mount -t tmpfs -o mode=0700 tmpfs %s' % self.run_dir

    def start_process(self, name, args, record=True):
        """Run args in the background in this node; its pid, recorded as a
        daemon's unless record is false (the caller then stops it)."""
        pid = int(self.cmd(start_line(self.run_dir, name, args)).split()[-1])
        if record:
            self.daemon_pids[name] = pid
        debug('%s: %s started as pid %d\n' % (self.name, name, pid))
        return pid

    def run_file(self, name):
        """A file of this node's private run directory, as the lab's own
        process reaches it: through the node's mount namespace."""
        return '%s/%s' % (self.from_root(self.run_dir), name)

    def from_root(self, path):
        """path of this node's mount namespace as its machine's root reaches
        it. /proc/PID/root resolves absolute symlinks (/var/run) in the
        root's view, so the path is named by its real path."""
        return '/proc/%d/root%s' % (self.pid, os.path.realpath(path))

    def process_output(self, name):
        """The file holding what a process start_process started printed."""
        return self.run_file('%s.out' % name)

    # a process the lab started in the node and stops itself (a capture's
    # tcpdump): what it needs of the node's machine, which a node on another
    # server answers over its connection (bgptopo/cluster.py, RemoteProcesses)

    def process_alive(self, pid):
        """Whether a process start_process started still runs."""
        return procs.alive(pid)

    def process_said(self, name):
        """What a process start_process started as name printed so far."""
        try:
            with open(self.process_output(name), errors='replace') as out:
                return out.read()
        except OSError:
            return ''

    def stop_process(self, pid, grace):
        """SIGTERM, grace seconds to end, then SIGKILL; waited for."""
        procs.stop(pid, grace=grace)

    def written_at(self, path):
        """Where a process of this node writes a file that must end up at
        path on this machine: path itself (the node sees our files)."""
        return path

    def bring_here(self, written, path, pid):
        """A copy of written (written_at's answer) kept at path while the
        process pid writes it: nothing to do here; None."""
        return None

    def interact(self, args):
        """args run inside the node on the user's terminal, until they end
        (a suite's interactive CLI); their exit status."""
        return subprocess.call(['mnexec', '-a', str(self.pid)] + list(args))

    def stop_daemons(self):
        """In reverse order of start: the BGP daemon first, so its peers see
        a clean close before zebra goes."""
        for name in reversed(list(self.daemon_pids)):
            procs.stop(self.daemon_pids.pop(name))

    def take_daemon_pids(self):
        """The running daemons' pids, which this node forgets: the caller
        stops them (stop_daemons_of)."""
        pids = list(self.daemon_pids.values())
        self.daemon_pids.clear()
        return pids

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
    bulk: the bgptopo.bulk.Bulk of the build it is part of (LabTopo gives
    one): its links made in bulk, its daemons started in two phases.
    feed: its FeedSide in a fed lab (bgptopo/feeding.py), else None."""

    suite_key = routing.DEFAULT

    def __init__(self, name, etc_dir=None, suite=None, stubs=(), modules=None,
                 before_daemons=(), capture=None, bulk=None, feed=None, **params):
        self.routing = routing.suite(suite or self.suite_key)
        self.etc_dir = etc_dir or self.routing.default_etc_dir()
        self.stubs = tuple(stubs)
        self.modules = dict(modules or {})
        self.before_daemons = tuple(before_daemons)
        self.feed = feed
        self.boot_capture = capture
        self.captures = {}      # interface: tcpdump.Tcpdump
        self.started = False
        self.bulk = bulk        # bgptopo/bulk.py: the build this router is part of
        self.queued_starts = None   # [(daemon, args)] to start (start_daemon)
        self.set_up_ends = None     # the link ends set up early (set_up), if it was
        self.set_up_batch = None    # send_set_up's batch file, until finish_set_up
        DaemonNode.__init__(self, name, **params)
        if self.bulk:
            self.bulk.router_added(self)

    @property
    def run_dir(self):
        return self.routing.run_dir

    def config(self, mac=None, ip=None, defaultRoute=None, **params):
        """Three round trips through the node's shell (set_up), or, for a
        router set up early by its Bulk, one for the interfaces made since.
        Mininet's Node.config would only set lo up (a round trip of its own)
        unless given an address for the default interface."""
        wanted = dict(mac=mac, ip=ip, defaultRoute=defaultRoute)
        result = Node.config(self, **wanted) if any(wanted.values()) else {}
        if self.bulk:
            self.bulk.make_veths()      # the first router's config makes every link
        if self.set_up_ends is None:
            self.set_up()
        else:
            self.run_kernel_batch(self.later_batch())
        return result

    def set_up(self, link_ends=None):
        """Its private run directory, sysctls and interfaces in one round
        trip through its shell (send_set_up, finish_set_up), then its first
        daemons. link_ends: the names of its link ends there are now (the
        bulk's early set-up, before Mininet makes the other links); None:
        all its links are made."""
        self.send_set_up(link_ends)
        self.finish_set_up()
        self.start_after_set_up()

    def send_set_up(self, link_ends=None):
        """The set-up's kernel work sent to the node's shell, its answer not
        waited for: a bulk sends every router's before reading any
        (bgptopo/bulk.py). The `ip -batch` of its interfaces (kernel_batch)
        is read from a memory file of ours (/proc/OURPID/fd/N: no file to
        write into the run directory the same line mounts, none left
        behind)."""
        self.set_up_ends = link_ends
        self.set_up_batch = kernel_batch_file(self.kernel_batch(link_ends))
        self.require_alive()
        self.sendCmd('%s; ip -batch /proc/%d/fd/%d' % (
            self.set_up_line(), os.getpid(), self.set_up_batch.fileno()))

    def set_up_line(self):
        """The shell line of the set-up before the interfaces: the private
        run directory mounted, forwarding on (IPv6 too), no duplicate address
        detection, which would hold each address back (and the sessions on
        it) for a second or more: the kernel does DAD if all's or the
        interface's accept_dad says so (conf/default's 0 is what interfaces
        made later get)."""
        return (self.mount_line() + ' && '
                'sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 && '
                'for dad in /proc/sys/net/ipv6/conf/*/accept_dad; do echo 0 > $dad; done')

    def finish_set_up(self):
        """send_set_up's answer: nothing, or what failed, in a sentence."""
        try:
            failed = self.waitOutput().strip()
        finally:
            self.set_up_batch.close()
        if failed:
            raise LabError('%s cannot set up its interfaces (%s); a stub\'s name too long for '
                           'Linux (15 characters)? give the router a shorter name.'
                           % (self.name, ' / '.join(failed.splitlines()[-2:])))

    def start_after_set_up(self):
        """A capture from boot, then its first daemons (in a bulk build;
        all of them otherwise)."""
        if self.boot_capture:
            tcpdump.start(self, tcpdump.boot_intfs(self), self.boot_capture)
        self.start_daemons(in_bulk=bool(self.bulk))

    def kernel_batch(self, link_ends=None):
        """`ip -batch` lines of the router's own kernel work: lo and the
        bulk-made link ends (link_ends, or its DeferredIntfs) up; each stub a
        veth whose far end (far0, far1, ...: a stub's own name plus a suffix
        can pass Linux's 15 characters, e.g. as378239-lan) is up, so the stub
        has carrier and its connected route is used; the addresses, of the
        interfaces there are now, when the suite sets none."""
        if link_ends is None:
            link_ends = self.deferred_ends()
        lines = ['link set dev lo up']
        lines += ['link set dev %s up' % intf for intf in link_ends]
        for number, stub in enumerate(self.stubs):
            lines += ['link add name %s type veth peer name far%d' % (stub, number),
                      'link set dev far%d up' % number, 'link set dev %s up' % stub]
        there = None if self.set_up_ends is None else set(link_ends) | set(self.stubs)
        return lines + self.address_lines(lambda intf: there is None or intf in there)

    def later_batch(self):
        """The kernel work for the interfaces made after an early set_up:
        bulk-made link ends up, and their addresses when the suite sets none
        (Mininet set up the other links' ends)."""
        early = set(self.set_up_ends) | set(self.stubs)
        return ['link set dev %s up' % intf for intf in self.deferred_ends()
                if intf not in early] + self.address_lines(lambda intf: intf not in early)

    def deferred_ends(self):
        return [intf.name for intf in self.intfList() if isinstance(intf, DeferredIntf)]

    def address_lines(self, chosen):
        """`ip -batch` lines of the addresses of the interfaces chosen(name)
        picks, when the suite sets none (FRR's zebra does, BIRD does not)."""
        if self.routing.sets_addresses:
            return []
        return ['address add %s dev %s' % (address, intf)
                for intf, found in sorted(self.interfaces().items()) if chosen(intf)
                for address in found]

    def run_kernel_batch(self, lines):
        """lines in one `ip -batch`, its file in the private run directory."""
        if not lines:
            return
        name = 'kernel.batch'
        with open(self.run_file(name), 'w') as batch:
            batch.write('\n'.join(lines) + '\n')
        failed = self.cmd('ip -batch %s/%s' % (self.routing.run_dir, name)).strip()
        if failed:
            raise LabError('%s cannot set up its interfaces (%s); a stub\'s name too long for '
                           'Linux (15 characters)? give the router a shorter name.'
                           % (self.name, ' / '.join(failed.splitlines()[-2:])))

    def interfaces(self):
        """{interface: [ip_interface]} as zebra.conf writes them (read anew)."""
        return addressing.interfaces(self.name, self.etc_dir)

    def router_config(self):
        """The BGP config in this router's files (read anew: users edit them)."""
        return self.routing.file_config(self.name, self.etc_dir)

    def running_config(self):
        """The BGP config the router runs now (once its BGP daemon is up:
        a lab built in bulk starts them last, bgptopo/bulk.py)."""
        self.wait_started()
        return self.routing.running_config(self)

    def start_daemons(self, in_bulk=False):
        """The helpers first (before_daemons), so the daemons find them;
        then the suite's, whose BGP daemon is not waited for here: the next
        router starts meanwhile (each waits a second before its first
        connection, so starting them close together is what converges
        fast); wait_started() checks it before anyone relies on it.
        in_bulk: only the first daemons; the bulk starts the rest once every
        router of the build runs its first ones (bgptopo/bulk.py)."""
        for start_helper in self.before_daemons:
            start_helper(self)
        self.started = False
        if in_bulk and not self.bulk.done:
            self.routing.start_first(self)
            self.bulk.router_configured(self)
        else:
            self.routing.start(self)

    def start_rest_of_daemons(self):
        self.routing.start_rest(self)

    def wait_started(self):
        """Raise LabError unless the BGP daemon came up (once per start)."""
        daemon = self.routing.bgp_daemon
        if not self.started and daemon in self.daemon_pids:
            self.wait_ready(daemon, self.daemon_pids[daemon])
            self.started = True

    def start_daemon(self, daemon, args, wait=True):
        """Start daemon; wait=True: until it is ready. A socket a killed
        daemon left behind would say ready too soon: it goes first. While
        queue_starts holds a list, a daemon not waited for is queued there
        instead (send_queued_starts starts them)."""
        try:
            os.remove(self.run_file(self.routing.ready_file(daemon)))
        except FileNotFoundError:
            pass
        if self.queued_starts is not None and not wait:
            self.queued_starts.append((daemon, args))
            return
        pid = self.start_process(daemon, args)
        if wait:
            self.wait_ready(daemon, pid)

    def send_queued_starts(self):
        """Start the queued daemons with one line sent to the node's shell,
        not waiting for its answer (a bulk sends every router's, then reads
        every answer: take_queued_pids)."""
        self.require_alive()
        self.sendCmd('; '.join(start_line(self.routing.run_dir, daemon, args, PID_MARK)
                               for daemon, args in self.queued_starts))

    def take_queued_pids(self):
        """The answer to send_queued_starts: the daemons' pids, recorded."""
        # the shell may add job notices ([2] 1234) between the pids: each of
        # ours is marked
        pids = [word[len(PID_MARK):] for word in self.waitOutput().split()
                if word.startswith(PID_MARK)]
        for (daemon, _), pid in zip(self.queued_starts, pids):
            self.daemon_pids[daemon] = int(pid)
        missing = [daemon for daemon, _ in self.queued_starts[len(pids):]]
        self.queued_starts = None
        if missing:
            raise LabError('%s: %s did not start (its shell gave no pid); start the lab '
                           'again.' % (self.name, ' and '.join(missing)))

    def wait_ready(self, daemon, pid):
        """A daemon is ready when its socket exists: it has read its config."""
        ready_file = self.run_file(self.routing.ready_file(daemon))
        timeout = self.start_timeout()
        ready = procs.wait_until(lambda: os.path.exists(ready_file) or not procs.alive(pid),
                                 timeout)
        if not ready or not procs.alive(pid):
            last = self.daemon_output(daemon).strip().splitlines()[-2:]
            raise LabError('%s: %s %s; its last words: %s' % (
                self.name, daemon,
                'exited at start' if ready else 'did not start within %d s' % timeout,
                ' / '.join(last) or 'none'))

    def start_timeout(self):
        """START_TIMEOUT, and more in a large bulk build: its daemons start
        side by side and share the machine's cores (a thousand FRR routers'
        bgpds take longer than 10 s on 2 cores)."""
        together = len(self.bulk.routers) if self.bulk else 1
        return START_TIMEOUT + START_SHARE * together

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
        self.write_run_file(name, fed)
        return os.path.join(self.routing.run_dir, name)

    def write_run_file(self, name, text):
        """text into a file of the router's private run directory."""
        with open(self.run_file(name), 'w') as out:
            out.write(text)

    def terminate(self):
        if self.bulk:
            self.bulk.stop_daemons()
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


def kernel_batch_file(lines):
    """An anonymous file in memory holding lines, for a node's shell to read
    through /proc/OURPID/fd/N; gone when closed or when we exit."""
    batch = os.fdopen(os.memfd_create('kernel.batch'), 'w+')
    batch.write('\n'.join(lines) + '\n')
    batch.flush()
    return batch


def start_line(run_dir, name, args, mark=''):
    """The shell line that starts args in the background and prints its pid;
    its output goes to run_dir/name.out.
    pdeathsig: if the node's shell dies (mn killed, `mn -c`), so does it.
    setsid: a session of its own, so a Ctrl-C sent to the node's shell (an
    interrupted command at the prompt) does not reach it; a background job
    is no group leader, so setsid keeps the pid ($!)."""
    return 'setpriv --pdeathsig TERM setsid %s </dev/null >%s 2>&1 & echo %s$!' % (
        ' '.join(map(shlex.quote, args)), os.path.join(run_dir, '%s.out' % name), mark)


def stop_daemons_of(routers):
    """Every router's daemons stopped at once and waited for (a lab's end):
    signalled together, they end in the time of the slowest, not the sum."""
    procs.stop_all([pid for router in routers for pid in router.take_daemon_pids()])
