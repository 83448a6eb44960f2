#!/usr/bin/python3
"""BIRD 2 on the seed's lab, on the real kernel, without Mininet or Docker.

    flock /tmp/bgptopo-itest.lock ./bench/bird_bgp3.py [-n 5] [--frr r2] [--show]
          [--conf r3=FILE] [--json FILE]

Three routers r1, r2, r3 as in the bgp3 lab: each a network namespace with
its own mount namespace, held by a `sleep` that dies with this script
(parent-death signal), like Mininet's node shells. Links and stubs come
from etc/quagga/<router>/zebra.conf, the lab's one source of addresses: two
routers with an address in one subnet are linked by a veth pair, any other
interface (HOST's and WEB_SERVER's networks, r3's LAN) is a stub, a veth
pair whose far end stays unplugged in the router. The addresses are set
with `ip addr add`, as a BIRD router needs (BIRD sets none).

Each BIRD router is one `bird -f -c etc/bird/<router>/bird.conf -s SOCKET
-P PIDFILE`; --frr names routers that run FRR's zebra and bgpd from
etc/quagga/<router>/ instead (a private tmpfs on /run/frr in the router's
mount namespace, as bgptopo.router does), for a mixed lab.

Measured per run: the time from starting the first daemon until every
session is Established and every router's kernel table holds every
originated /24 (the same test as bgptopo.convergence), and each router's
peak memory (VmHWM of bird, or of zebra + bgpd). Everything is stopped by
pid and the namespaces end with their holders, also on Ctrl-C or an error;
if this script is killed (SIGKILL), parent-death signals end its holders
and daemons at once, and only its run directory (/tmp/bgptopo-bird-*) stays.
--show prints birdc's answers on the first BIRD router once converged."""

import argparse
import ipaddress
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from bgptopo import addressing, procs, routing
from bgptopo.paths import ETC_DIR, router_conf
from bgptopo.routing.frr import install as suites

ROUTERS = ('r1', 'r2', 'r3')
BIRD_ETC = os.path.join(REPO, 'etc', 'bird')
TIMEOUT = 30.0
POLL = 0.05
COMMAND_TIMEOUT = 10
FRR_RUN_DIR = os.path.realpath(suites.FRR.run_dir)     # /run/frr, made private per router
SHOW_COMMANDS = ('show protocols', 'show protocols all {peer}', 'show route',
                 'show route for 12.0.0.1 all', 'show route 12.0.0.0/24 all',
                 'show route filtered', 'show route filtered all', 'show route protocol {peer}',
                 'show route export {peer}', 'show route noexport {peer}', 'configure check',
                 'show status', 'show memory', 'show protocols NOPE', 'show route for 203.0.113.1')


class BenchError(Exception):
    """Something kept the bench from measuring: one sentence."""


class Router(object):
    """One router: a network and mount namespace held by a sleeping process,
    the daemons started in it, and their files in run_dir."""

    def __init__(self, name, suite, run_dir, bird_conf=None):
        self.name, self.suite, self.run_dir = name, suite, run_dir
        self.bird_conf = bird_conf or os.path.join(BIRD_ETC, name, 'bird.conf')
        self.config = routing.suite('frr').file_config(name, ETC_DIR)
        self.interfaces = addressing.interfaces(name)
        self.holder = None
        self.daemons = {}           # name: Popen, in start order
        self.states_seen = []       # `show protocols` lines of BGP sessions, each once

    # the namespaces

    def open(self):
        """Start the holder: new network and mount namespaces (mount events
        stay private), a tmpfs on /run/frr for FRR, then sleep until killed;
        its parent-death signal ends it with this script, even on SIGKILL."""
        setup = 'exec sleep infinity'
        if self.suite == 'frr':
            setup = 'mount -t tmpfs -o mode=0700 tmpfs %s && %s' % (FRR_RUN_DIR, setup)
        self.holder = subprocess.Popen(['setpriv', '--pdeathsig', 'KILL', 'unshare', '--net',
                                        '--mount', '--propagation', 'private', '--',
                                        'sh', '-c', setup], stdin=subprocess.DEVNULL)
        if not procs.wait_until(self.holder_ready, COMMAND_TIMEOUT) \
                or self.holder.poll() is not None:
            raise BenchError('%s: the namespace holder did not start (exit %s).'
                             % (self.name, self.holder.poll()))

    def holder_ready(self):
        """The holder has exec'd sleep (its mount done), or has ended."""
        try:
            with open('/proc/%d/comm' % self.holder.pid) as comm:
                return comm.read().strip() == 'sleep' or self.holder.poll() is not None
        except OSError:
            return self.holder.poll() is not None

    def enter(self, args):
        """args run inside this router's namespaces (nsenter execs: same pid)."""
        return ['nsenter', '-t', str(self.holder.pid), '-n', '-m', '--'] + list(args)

    def run(self, *args):
        done = subprocess.run(self.enter(args), stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, universal_newlines=True,
                              timeout=COMMAND_TIMEOUT)
        if done.returncode:
            raise BenchError('%s: `%s` failed: %s' % (self.name, ' '.join(args),
                                                      done.stdout.strip()))
        return done.stdout

    def set_addresses(self):
        """The addresses of zebra.conf, forwarding on, every interface up."""
        script = ['ip link set lo up', 'sysctl -qw net.ipv4.ip_forward=1']
        for intf, addresses in sorted(self.interfaces.items()):
            script += ['ip addr add %s dev %s' % (a, intf) for a in addresses]
            script.append('ip link set %s up' % intf)
        self.run('sh', '-ec', '; '.join(script))

    # the daemons

    def start(self):
        if self.suite == 'bird':
            self.start_bird()
        else:
            self.start_frr()

    def start_bird(self):
        self.spawn('bird', ['bird', '-f', '-c', self.bird_conf, '-s', self.socket,
                            '-P', self.pid_file])

    @property
    def pid_file(self):
        return os.path.join(self.run_dir, '%s.pid' % self.name)

    @property
    def socket(self):
        return os.path.join(self.run_dir, '%s.ctl' % self.name)

    def start_frr(self):
        """zebra first, bgpd once zebra listens (bgpd retries a missing
        zebra only after 10 s), as bgptopo.router does."""
        frr = suites.installed()
        self.spawn('zebra', frr.command('zebra', router_conf(self.name, 'zebra')))
        vty = '/proc/%d/root%s/zebra.vty' % (self.holder.pid, FRR_RUN_DIR)
        if not procs.wait_until(lambda: os.path.exists(vty), COMMAND_TIMEOUT):
            raise BenchError('%s: zebra did not start: %s' % (self.name, self.output('zebra')))
        self.spawn('bgpd', frr.command('bgpd', router_conf(self.name, 'bgpd')))

    def spawn(self, daemon, args):
        """A daemon in the foreground in this router, its pid recorded; it
        gets SIGTERM if this script dies."""
        with open(self.output_file(daemon), 'w') as out:
            process = subprocess.Popen(self.enter(['setpriv', '--pdeathsig', 'TERM'] + args),
                                       stdin=subprocess.DEVNULL, stdout=out,
                                       stderr=subprocess.STDOUT)
        self.daemons[daemon] = process

    def output_file(self, daemon):
        return os.path.join(self.run_dir, '%s-%s.txt' % (self.name, daemon))

    def output(self, daemon):
        with open(self.output_file(daemon)) as out:
            return out.read().strip()[-500:] or '(no output)'

    def check_pid_file(self):
        """bird's -P file names the very process we started (nsenter and
        setpriv exec, they do not fork), so either pid serves to stop it."""
        if self.suite == 'bird':
            with open(self.pid_file) as pid_file:
                written = int(pid_file.read())
            if written != self.daemons['bird'].pid:
                raise BenchError('%s: bird wrote pid %d, we started %d.'
                                 % (self.name, written, self.daemons['bird'].pid))

    def require_running(self):
        for daemon, process in self.daemons.items():
            if process.poll() is not None:
                raise BenchError('%s: %s exited (%s): %s' % (
                    self.name, daemon, process.returncode, self.output(daemon)))

    def stop(self):
        """Daemons in reverse order of start, then the holder: the
        namespaces, their veths and the tmpfs end with their last process."""
        for daemon in reversed(list(self.daemons)):
            process = self.daemons.pop(daemon)
            procs.stop(process.pid)
            process.wait()
        if self.holder:
            procs.stop(self.holder.pid)
            self.holder.wait()
            self.holder = None

    # what the router says

    def birdc(self, command):
        done = subprocess.run(['birdc', '-s', self.socket] + command.split(),
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              universal_newlines=True, timeout=COMMAND_TIMEOUT)
        return done.stdout

    def session_states(self):
        """{session: state} of every BGP session this router configures."""
        if self.suite == 'bird':
            text = self.birdc('show protocols')
            self.states_seen += [line for line in bgp_lines(text)
                                 if line.split()[5:] not in
                                 [seen.split()[5:] for seen in self.states_seen]]
            return bird_sessions(text)
        text = self.run('vtysh', '-c', 'show ip bgp summary json')
        return {address: state for address, (state, _) in routing.suite('frr').parse_sessions(text).items()}

    def kernel_prefixes(self):
        routes = json.loads(self.run('ip', '-j', 'route', 'show'))
        return {ipaddress.ip_network(r['dst']) for r in routes if r['dst'] != 'default'}

    def peak_memory_kib(self):
        """VmHWM of the router's daemons together."""
        return sum(vm_hwm_kib(process.pid) for process in self.daemons.values())


def bgp_lines(text):
    """The lines of BGP protocols in `birdc show protocols`: Name Proto
    Table State Since Info (Since is one word in the default timeformat)."""
    return [line.rstrip() for line in text.splitlines() if line.split()[1:2] == ['BGP']]


def bird_sessions(text):
    """{protocol name: BGP state} from `birdc show protocols`: Info's first
    word (Idle, Connect, Active, OpenSent, OpenConfirm, Established), or
    the protocol's state (down, flush...) when Info is empty."""
    sessions = {}
    for line in bgp_lines(text):
        words = line.split()
        sessions[words[0]] = words[5] if len(words) > 5 else words[3]
    return sessions


def vm_hwm_kib(pid):
    with open('/proc/%d/status' % pid) as status:
        for line in status:
            if line.startswith('VmHWM:'):
                return int(line.split()[1])
    return 0


def links(routers):
    """[((router, intf), (router, intf))] for subnets two routers share, and
    [(router, intf)] for the stubs: interfaces no other router shares."""
    by_subnet = {}
    for router in routers:
        for intf, addresses in router.interfaces.items():
            for address in addresses:
                by_subnet.setdefault(address.network, []).append((router, intf))
    pairs = [tuple(ends) for ends in by_subnet.values() if len(ends) == 2]
    stubs = [ends[0] for ends in by_subnet.values() if len(ends) == 1]
    if len(pairs) + len(stubs) != len(by_subnet):
        raise BenchError('a subnet in zebra.conf is shared by more than two routers.')
    return pairs, stubs


def wire(routers):
    """Each veth made straight inside its routers' namespaces (no name is
    ever taken in ours), before any address is set."""
    pairs, stubs = links(routers)
    for (a, a_intf), (b, b_intf) in pairs:
        subprocess.run(['ip', 'link', 'add', a_intf, 'netns', str(a.holder.pid), 'type',
                        'veth', 'peer', 'name', b_intf, 'netns', str(b.holder.pid)], check=True)
    for router, intf in stubs:
        subprocess.run(['ip', 'link', 'add', intf, 'netns', str(router.holder.pid), 'type',
                        'veth', 'peer', 'name', intf + '-far', 'netns', str(router.holder.pid)],
                       check=True)
        router.run('ip', 'link', 'set', intf + '-far', 'up')


def problems(routers, expected):
    """What keeps the lab from being converged; [] once it is."""
    found = []
    for router in routers:
        router.require_running()
        missing = expected - router.kernel_prefixes()
        found += ['%s has no route to %s' % (router.name, p) for p in sorted(missing)]
    if found:
        return found
    for router in routers:
        states = router.session_states()
        if len(states) < len(router.config.neighbors):
            found.append('%s has %d of %d sessions' % (router.name, len(states),
                                                       len(router.config.neighbors)))
        found += ['%s session %s is %s' % (router.name, peer, state)
                  for peer, state in sorted(states.items()) if state != 'Established']
    return found


def converge(routers):
    """Seconds from the first daemon's start until converged."""
    expected = {p for router in routers for p in router.config.networks}
    start = time.monotonic()
    for router in routers:
        router.start()
    while True:
        left = problems(routers, expected)
        if not left:
            return time.monotonic() - start
        if time.monotonic() - start > TIMEOUT:
            raise BenchError('no convergence within %d s: %s' % (TIMEOUT, '; '.join(left)))
        time.sleep(POLL)


def one_run(frr_routers, confs, show):
    run_dir = tempfile.mkdtemp(prefix='bgptopo-bird-')
    routers = [Router(name, 'frr' if name in frr_routers else 'bird', run_dir, confs.get(name))
               for name in ROUTERS]
    try:
        for router in routers:
            router.open()
        wire(routers)
        for router in routers:
            router.set_addresses()
        try:
            seconds = converge(routers)
        except BenchError:
            if show:
                show_routers(routers)
            raise
        for router in routers:
            router.check_pid_file()
        memory = {r.name: r.peak_memory_kib() for r in routers}
        if show:
            show_routers(routers)
        return seconds, memory
    finally:
        for router in reversed(routers):
            router.stop()
        shutil.rmtree(run_dir, ignore_errors=True)


def show_routers(routers):
    """birdc's answers on the first BIRD router (its first peer's session),
    and each FRR router's BGP summary (how FRR sees its BIRD peers)."""
    bird = [r for r in routers if r.suite == 'bird']
    if bird:
        router = bird[0]
        print('--- %s: BGP lines of `show protocols` seen while converging' % router.name)
        print('\n'.join(router.states_seen))
        peers = sorted(router.session_states())
        for command in SHOW_COMMANDS:
            for each in sorted({command.format(peer=peer) for peer in peers}):
                print('--- %s: birdc -s %s %s' % (router.name, router.socket, each))
                print(router.birdc(each).rstrip())
        print('--- %s: ip route' % router.name)
        print(router.run('ip', 'route').rstrip())
    for router in routers:
        if router.suite == 'frr':
            print("--- %s: vtysh -c 'show ip bgp summary'" % router.name)
            print(router.run('vtysh', '-c', 'show ip bgp summary').rstrip())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('-n', '--runs', type=int, default=1)
    parser.add_argument('--frr', default='', help='routers on FRR, e.g. r2 or r1,r3')
    parser.add_argument('--conf', action='append', default=[],
                        help='ROUTER=FILE: run that BIRD router from FILE')
    parser.add_argument('--show', action='store_true', help="print birdc's answers")
    parser.add_argument('--json', help='write the figures to this file')
    args = parser.parse_args()
    frr_routers = {r for r in args.frr.split(',') if r}
    confs = dict(item.split('=', 1) for item in args.conf)
    if os.geteuid() != 0:
        sys.exit('bird_bgp3: run me as root (namespaces), under flock /tmp/bgptopo-itest.lock.')
    runs = []
    try:
        for number in range(args.runs):
            seconds, memory = one_run(frr_routers, confs, args.show and number == 0)
            runs.append({'convergence_s': seconds, 'peak_kib': memory})
            print('run %d: converged in %.2f s; peak memory %s' % (
                number + 1, seconds, ', '.join('%s %.1f MiB' % (name, kib / 1024.0)
                                               for name, kib in sorted(memory.items()))),
                  flush=True)
    except BenchError as error:
        sys.exit('bird_bgp3: %s' % error)
    except KeyboardInterrupt:
        print('bird_bgp3: interrupted; every process it started is stopped.', file=sys.stderr)
        sys.exit(130)
    times = [run['convergence_s'] for run in runs]
    print('convergence: min %.2f s, median %.2f s, max %.2f s (%d runs; FRR routers: %s)' % (
        min(times), statistics.median(times), max(times), len(times),
        ', '.join(sorted(frr_routers)) or 'none'))
    if args.json:
        with open(args.json, 'w') as out:
            json.dump({'frr': sorted(frr_routers), 'runs': runs}, out, indent=1)


if __name__ == '__main__':
    main()
