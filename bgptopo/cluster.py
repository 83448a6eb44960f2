"""The lab across several servers, on Mininet's cluster edition
(mininet.examples.cluster, what stock `mn --cluster` uses):

    sudo mn --custom bgptopo/topo.py --topo bgpring,n=40 --cluster localhost,SERVER

- Placement (place): each AS whole on one server (its routers and the hosts
  behind them), ASes spread to balance routers per server and grown from
  neighbours so few links cross servers; pin=ROUTER@SERVER+... pins a
  router's AS. Said at start. The topology writes each node's `server`,
  which the cluster edition honours; our PLACEMENT replaces mn's
  --placement classes, whose default refuses labs without switches.
- Remote routers (remote_class): the lab's Router classes combined with the
  cluster edition's RemoteMixin: the node's shell runs on its server over
  ssh; what Router does through local files (its private run directory via
  /proc/PID/root, pids via /proc) is done through that connection instead,
  and each daemon's config files are copied into the router's private run
  directory on the server at every start (the local files stay the truth).
  A server's routers are built together in a few ssh round trips
  (bgptopo/remotebulk.py), as this machine's are (bgptopo/bulk.py).
- Cross-server links: VxlanLink (one VNI per link, the kernel's VXLAN
  between the servers' addresses; the default) or SshTunnelLink (ssh
  Ethernet tunnels, as the cluster edition's RemoteLink, with unique tap
  names): tunnel=vxlan|ssh.
- Docker hosts stay on this machine (a remote engine is not reached yet):
  their AS's routers may sit elsewhere, and their link then crosses servers.
"""

import math
import os
import posixpath
import pwd
import shlex
import subprocess
import sys
from collections import OrderedDict

from mininet.examples.cluster import RandomPlacer, RemoteLink, RemoteMixin
from mininet.link import Link
from mininet.log import info

from bgptopo import procs
from bgptopo.bulk import Bulk
from bgptopo.errors import LabError
from bgptopo.lifecycle import NodeDied
from bgptopo.remotebulk import RemoteBulk, router_copy

LOCAL = 'localhost'
TUNNELS = ('vxlan', 'ssh')
VXLAN_PORT = 4789
VXLAN_MTU = 1450        # 1500 less VXLAN's 50 bytes of headers
FIRST_VNI = 4200
# each mn process its own range of VNIs (by pid), so labs just ended do not collide
VNI_RANGES = 16000
LINKS_PER_RANGE = 1000
VNI_TRIES = 20
MAX_VNI = 1 << 24
FIRST_TAP = 100
SSH_TIMEOUT = 15        # seconds an ssh command to a server may take
KEEPALIVE = 2           # seconds between ssh's keepalives to a server
KEEPALIVE_COUNT = 3     # keepalives unanswered before ssh gives up
CONTROL_PATH = '/tmp/bgptopo-ssh-%C'     # one shared connection per server (not *.log)
# node shells per shared connection: a server's sshd refuses sessions past its
# MaxSessions (setup.sh sets 200; the commands of a build need a few more)
SHELLS_PER_CONNECTION = 150


def servers_in(argv):
    """The servers `--cluster A,B` names in mn's command line, or None."""
    for number, word in enumerate(argv):
        if word == '--cluster' and number + 1 < len(argv):
            return [s or LOCAL for s in argv[number + 1].split(',')]
        if word.startswith('--cluster='):
            return [s or LOCAL for s in word.split('=', 1)[1].split(',')]
    return None


def take_params(params):
    """The cluster's own topology parameters, taken out of params:
    tunnel=vxlan|ssh and pin=ROUTER@SERVER[+ROUTER@SERVER...]."""
    tunnel = params.pop('tunnel', 'vxlan')
    if tunnel not in TUNNELS:
        raise LabError('tunnel=%s is no tunnel kind; use tunnel=vxlan or tunnel=ssh.' % tunnel)
    pins = {}
    for pin in filter(None, str(params.pop('pin', '') or '').split('+')):
        router, at, server = pin.partition('@')
        if not at or not router or not server:
            raise LabError('pin=%s is not ROUTER@SERVER; e.g. pin=r2@lab2+r3@lab2.' % pin)
        pins[router] = server
    return tunnel, pins


# placement

def as_groups(topo):
    """{asn: [routers]} in the topology's order: what must stay together.
    The AS is read from each router's own files (one source of truth)."""
    from bgptopo import routing
    groups = OrderedDict()
    for name in topo.routers():
        node_info = topo.nodeInfo(name)
        asn = routing.suite(node_info['suite']).file_config(name, node_info['etc_dir']).asn
        groups.setdefault(asn, []).append(name)
    return groups


def neighbours(topo, group):
    """The routers linked to any router of group."""
    members = set(group)
    found = set()
    for a, b in topo.links():
        if a in members:
            found.add(b)
        if b in members:
            found.add(a)
    return found - members


def assign(groups, servers, adjacent, pins=None):
    """{asn: server}: pinned ASes first; then each server in turn filled up
    to its share of routers (ceil(routers / servers)), growing from ASes
    linked to those already there, so neighbours share a server; the last
    server takes what is left. adjacent(asn) -> set of neighbouring asns."""
    pins = pins or {}
    share = math.ceil(sum(map(len, groups.values())) / float(len(servers)))
    placed = dict(pins)
    for number, server in enumerate(servers):
        last = number == len(servers) - 1
        load = sum(len(groups[a]) for a, s in placed.items() if s == server)
        while last or load < share:
            candidates = [a for a in groups if a not in placed and
                          (last or load == 0 or load + len(groups[a]) <= share)]
            if not candidates:
                break
            here = {a for a, s in placed.items() if s == server}
            near = [a for a in candidates if adjacent(a) & here]
            chosen = (near or candidates)[0]
            placed[chosen] = server
            load += len(groups[chosen])
    return placed


class Placement(object):
    """Where each node of a topology runs (see the module's docstring)."""

    def __init__(self, topo, servers, pins=None):
        self.servers = servers
        self.groups = as_groups(topo)
        asn_of = {r: asn for asn, members in self.groups.items() for r in members}
        unknown = sorted(set(pins or {}) - set(asn_of))
        if unknown:
            raise LabError('pin= names %s, which is no router of this lab; pin one of %s.'
                           % (unknown[0], ', '.join(topo.routers())))
        bad = sorted(set((pins or {}).values()) - set(servers))
        if bad:
            raise LabError('pin= places a router on %s, which --cluster does not list; '
                           'add it to --cluster or pin to one of %s.' % (bad[0], ','.join(servers)))
        as_pins = {asn_of[r]: s for r, s in (pins or {}).items()}
        adjacent = {asn: {asn_of[n] for n in neighbours(topo, members) if n in asn_of}
                    for asn, members in self.groups.items()}
        by_as = assign(self.groups, servers, adjacent.get, as_pins)
        self.of = {r: by_as[asn_of[r]] for r in asn_of}
        for host in topo.end_hosts():
            self.of[host] = LOCAL if is_docker(topo, host) else self.of.get(
                peer(topo, host), LOCAL)
        for node in topo.nodes():
            self.of.setdefault(node, LOCAL)
        self.crossing = [(a, b) for a, b in topo.links() if self.of[a] != self.of[b]]

    def describe(self, tunnel):
        """The sentence said at start: each server's routers, ASes and hosts,
        and how many links cross servers."""
        parts = []
        for server in self.servers:
            ases = ['AS %s (%s)' % (asn, ' '.join(members))
                    for asn, members in self.groups.items() if self.of[members[0]] == server]
            routers = [r for r in self.routers() if self.of[r] == server]
            hosts = sorted(n for n, s in self.of.items() if s == server and n not in self.routers())
            parts.append('%s: %d routers, %s%s' % (server, len(routers), shortened(ases),
                                                   '; hosts ' + ' '.join(hosts) if hosts else ''))
        return '%s; %d links cross servers (%s)' % (' | '.join(parts), len(self.crossing), tunnel)

    def routers(self):
        return {r for members in self.groups.values() for r in members}


def shortened(items, shown=6):
    if len(items) <= shown:
        return ', '.join(items) or 'no AS'
    return ', '.join(items[:shown]) + ' and %d more ASes' % (len(items) - shown)


def is_docker(topo, node):
    return node in topo.docker_hosts()


def peer(topo, host):
    try:
        return topo.peer_router(host)
    except LabError:
        return None


def place(topo, servers, tunnel='vxlan', pins=None):
    """Make topo a cluster lab over servers (see the module's docstring):
    each node's server, remote classes for remote routers, cross-server
    links of the tunnel's kind, a bulk build per server (server_bulks).
    Says the placement; returns topo."""
    refuse_unsupported(topo)
    placement = Placement(topo, servers, pins)
    bulks = server_bulks(placement, topo.routers())
    topo.bulk = bulks[LOCAL]
    shells = {}     # server: remote routers placed there so far
    for node in topo.nodes():
        node_info = topo.nodeInfo(node)
        node_info['server'] = placement.of[node]
        if node in placement.routers():
            node_info['bulk'] = bulks[placement.of[node]]
            if placement.of[node] != LOCAL:
                node_info['cls'] = remote_class(node_info['cls'])
                number = shells[placement.of[node]] = shells.get(placement.of[node], -1) + 1
                node_info['controlPath'] = control_path(number)
    link_class = VxlanLink if tunnel == 'vxlan' else SshTunnelLink
    for a, b, key, link_info in topo.links(withKeys=True, withInfo=True):
        if placement.of[a] != placement.of[b]:
            link_info = dict(link_info, cls=link_class)
            topo.setlinkInfo(a, b, link_info, key)
    topo.placement = placement
    info('*** bgptopo: placement: %s\n' % placement.describe(tunnel))
    return topo


def control_path(number):
    """The ssh control path of a server's number'th remote router (from 0):
    SHELLS_PER_CONNECTION node shells share one connection."""
    return '%s-%d' % (CONTROL_PATH, number // SHELLS_PER_CONNECTION)


def server_bulks(placement, routers):
    """{server: the bulk build of its routers}: a Bulk here, a RemoteBulk
    (bgptopo/remotebulk.py: a few ssh round trips per server) elsewhere."""
    bulks = {LOCAL: Bulk([r for r in routers if placement.of[r] == LOCAL])}
    for server in placement.servers:
        if server != LOCAL:
            bulks[server] = RemoteBulk(server, [r for r in routers if placement.of[r] == server])
    return bulks


def refuse_unsupported(topo):
    """What the cluster cannot place yet, as a sentence before anything is built."""
    if getattr(topo, 'boot_capture', None):
        raise LabError('capture= is not supported across servers yet; leave out --cluster '
                       'or capture=.')
    if getattr(topo, 'feed', None):
        raise LabError('feed= is not supported across servers yet; leave out --cluster or feed=.')
    if topo.switches():
        raise LabError('labs with LANs (switches) are not supported across servers yet; '
                       'leave out --cluster.')


class ClusterPlacer(RandomPlacer):
    """What mn's --placement names here: the topology already placed every
    node (place), so this is asked only for nodes it did not, which run
    locally. The cluster edition's own default (SwitchBinPlacer) refuses
    labs without switches ('cannot place isolated host')."""

    def place(self, node):
        return LOCAL


PLACEMENT = {'block': ClusterPlacer, 'random': ClusterPlacer}


class NoController(object):
    """The lab's routers need no OpenFlow controller, which mn says with
    `--controller none` (its default here). The cluster edition asks every
    controller for its address (MininetCluster.addController) and fails on
    the None that mn's null controller is; this one answers and does nothing."""

    waiting = False     # Mininet's CLI asks every node whether a command runs

    def __init__(self, name, **_params):
        self.name = name

    def IP(self):
        return None

    def start(self):
        pass

    def stop(self):
        pass

    def __repr__(self):
        return '<NoController %s>' % self.name


def no_controller(name, **params):
    """mn's 'none' controller: None as stock, a NoController under --cluster."""
    return NoController(name) if servers_in(sys.argv) else None


CONTROLLERS = {'none': no_controller}


# remote routers

_remote_classes = {}


def remote_class(cls):
    """cls (a Router class) running on another server: RemoteRouter and the
    cluster edition's RemoteMixin before it (made once per class)."""
    if cls not in _remote_classes:
        _remote_classes[cls] = type('Remote' + cls.__name__, (RemoteRouter, RemoteMixin, cls), {})
    return _remote_classes[cls]


class RemoteRouter(object):
    """What a Router does through this machine's /proc and files, done
    through the node's ssh connection to its server instead. Before
    RemoteMixin and the Router class in the bases."""

    def startShell(self, *args, **kwargs):
        """The cluster edition runs ssh through `sudo -u USER` here; as that
        user already (root), sudo adds nothing, and Debian 12's sudo (use_pty)
        stops the ssh (SIGTTOU: measured) when mn runs at a terminal."""
        self.sshcmd = with_keepalive(without_local_sudo(self.sshcmd, self.user))
        return super(RemoteRouter, self).startShell(*args, **kwargs)

    def require_alive(self):
        """NodeDied when the node's ssh session ended: the server went away
        (ssh's keepalives notice within KEEPALIVE * KEEPALIVE_COUNT s)."""
        if self.shell is None or self.shell.poll() is not None:
            raise NodeDied('the connection to the server %s ended (%s ran there): is the server '
                           'down or unreachable? the lab cannot go on: start it again.'
                           % (self.server, self.name))

    def _popen(self, cmd, sudo=True, tt=True, **params):
        """ssh joins a command's words with spaces for the remote shell:
        each is quoted, so `vtysh -c 'show bgp summary json'` stays whole."""
        if self.isRemote and isinstance(cmd, (list, tuple)):
            cmd = [shlex.quote(str(word)) for word in cmd]
        return super(RemoteRouter, self)._popen(cmd, sudo=sudo, tt=tt, **params)

    def run_file(self, name):
        raise LabError('%s runs on %s: reading its run files from here is not supported '
                       'across servers yet; run that command on a lab without --cluster.'
                       % (self.name, self.server))

    def mount_line(self):
        """The server may lack the suite's run directory (no service made it)."""
        return 'mkdir -p %s && %s' % (self.run_dir, super(RemoteRouter, self).mount_line())

    def ssh(self, command, text=None, timeout=SSH_TIMEOUT):
        """A command on the node's server (root namespace), over its shared
        ssh connection; its output. text: its standard input."""
        ssh = [word for word in self.sshcmd if word != '-tt']
        try:
            done = subprocess.run(ssh + [command], input=text, capture_output=True,
                                  universal_newlines=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise LabError('%s does not answer over ssh within %d s (%s on it); is the server '
                           'down? the lab cannot go on: start it again.'
                           % (self.server, timeout, self.name))
        if done.returncode:
            raise LabError('%s: `%s` failed on %s (%s); see that server.' % (
                self.name, command[:60], self.server, done.stderr.strip()[-200:]))
        return done.stdout

    def put_file(self, path, text):
        """text into path inside this node's mount namespace on its server."""
        target = '/proc/%d/root%s' % (self.pid, os.path.realpath(path))
        self.ssh('cat > %s' % shlex.quote(target), text)

    files_here = False

    def set_up(self, link_ends=None):
        """As a Router's, but in two round trips: the batch of its
        interfaces is copied into the run directory once it is mounted."""
        self.set_up_ends = link_ends
        self.cmd(self.set_up_line())
        self.run_kernel_batch(self.kernel_batch(link_ends))
        self.start_after_set_up()

    def run_kernel_batch(self, lines):
        if not lines:
            return
        name = posixpath.join(self.routing.run_dir, 'kernel.batch')
        self.put_file(name, '\n'.join(lines) + '\n')
        failed = self.cmd('ip -batch %s' % name).strip()
        if failed:
            raise LabError('%s cannot set up its interfaces on %s (%s).'
                           % (self.name, self.server, failed.splitlines()[-1]))

    def shipped(self, args):
        """args with each local config file replaced by its copy in the
        router's private run directory on its server (copied now)."""
        out = []
        for arg in args:
            copy = router_copy(self, arg)
            if copy:
                with open(arg) as conf:
                    self.put_file(copy, conf.read())
                arg = copy
            out.append(arg)
        return out

    def start_daemon(self, daemon, args, wait=True):
        """As a Router's; while queued_starts holds a list, a start not
        waited for is queued there (a RemoteBulk ships its files and starts it)."""
        if self.queued_starts is not None and not wait:
            self.queued_starts.append((daemon, args))
            return
        ready = posixpath.join(self.routing.run_dir, self.routing.ready_file(daemon))
        self.cmd('rm -f %s' % ready)
        pid = self.start_process(daemon, self.shipped(args))
        if wait:
            self.wait_ready(daemon, pid)

    def wait_ready(self, daemon, pid):
        ready = posixpath.join(self.routing.run_dir, self.routing.ready_file(daemon))
        line = 'test -e %s && echo ready || { kill -0 %d 2>/dev/null || echo dead; }' % (ready, pid)
        timeout = self.start_timeout()
        answer = procs.wait_until(lambda: self.cmd(line).strip(), timeout, 0.05)
        if answer != 'ready':
            raise self.not_started(daemon, bool(answer), timeout)

    def not_started(self, daemon, exited, timeout):
        """The LabError of a daemon that exited at start or was not ready
        within timeout seconds, with its last words."""
        last = self.daemon_output(daemon).strip().splitlines()[-2:]
        return LabError('%s (on %s): %s %s; its last words: %s' % (
            self.name, self.server, daemon,
            'exited at start' if exited else 'did not start within %d s' % timeout,
            ' / '.join(last) or 'none'))

    def living(self, pids):
        """Which of pids run on the node's server (asked through its shell)."""
        if not pids:
            return set()
        answer = self.cmd('for p in %s; do kill -0 $p 2>/dev/null && echo $p; done'
                          % ' '.join(map(str, pids)))
        return {int(word) for word in answer.split() if word.isdigit()}

    def dead_daemons(self):
        alive = self.living(list(self.daemon_pids.values()))
        return [name for name, pid in self.daemon_pids.items() if pid not in alive]

    def daemon_running(self, daemon):
        pid = self.daemon_pids.get(daemon)
        return bool(pid) and pid in self.living([pid])

    def stop_daemons(self):
        """Signalled and waited for on the server, through the node's shell;
        a dead shell's daemons die with it (their parent-death signal)."""
        pids = ' '.join(str(p) for p in reversed(list(self.daemon_pids.values())))
        self.daemon_pids.clear()
        if not pids or self.shell is None or self.shell.poll() is not None:
            return
        self.cmd('kill %s 2>/dev/null; for i in $(seq 50); do a=; for p in %s; do '
                 'kill -0 $p 2>/dev/null && a=1; done; [ -z "$a" ] && break; sleep 0.1; done; '
                 'kill -9 %s 2>/dev/null; true' % (pids, pids, pids), timeout=15)

    def take_daemon_pids(self):
        """The lab's end stops local pids at once: a remote router's are
        stopped here, on its server, with every other router's there
        (its RemoteBulk: one script), and none handed back."""
        if isinstance(self.bulk, RemoteBulk):
            self.bulk.stop_daemons()
        self.stop_daemons()
        return []

    def proc_net_rows(self, table):
        """/proc/net/TABLE in the node's network namespace (convergence)."""
        return self.cmd('cat /proc/net/%s' % table).replace('\r', '').splitlines()


def with_keepalive(sshcmd):
    """sshcmd whose connection ends when the server stops answering, so a
    command waiting on it fails with a sentence instead of hanging."""
    ssh = sshcmd.index('ssh')
    return sshcmd[:ssh + 1] + ['-o', 'ServerAliveInterval=%d' % KEEPALIVE, '-o',
                               'ServerAliveCountMax=%d' % KEEPALIVE_COUNT] + sshcmd[ssh + 1:]


def without_local_sudo(sshcmd, user):
    """sshcmd without its leading `sudo -E -u user` when we are user."""
    prefix = ['sudo', '-E', '-u', user]
    if sshcmd[:4] == prefix and pwd.getpwuid(os.geteuid()).pw_name == user:
        return sshcmd[4:]
    return sshcmd


# cross-server links

def on_server(node, command):
    """A command in the root namespace of node's server; its output."""
    if getattr(node, 'isRemote', False):
        return node.ssh(command)
    done = subprocess.run(command, shell=True, capture_output=True, universal_newlines=True,
                          timeout=SSH_TIMEOUT)
    if done.returncode:
        raise LabError('`%s` failed here (%s).' % (command[:60], done.stderr.strip()[-200:]))
    return done.stdout


def server_of(node):
    return getattr(node, 'server', LOCAL) or LOCAL


class CrossServerLink(RemoteLink):
    """A link whose ends may be on different servers: a veth pair when they
    share one, else a tunnel (make_tunnel, by subclasses). The tunnel's
    ends move into the nodes' namespaces and die with them."""

    counter = 0

    def makeIntfPair(self, intfname1, intfname2, addr1=None, addr2=None,
                     node1=None, node2=None, deleteIntfs=True):
        node1 = self.node1 if node1 is None else node1
        node2 = self.node2 if node2 is None else node2
        if server_of(node1) == server_of(node2):
            return Link.makeIntfPair(intfname1, intfname2, addr1, addr2, node1, node2,
                                     deleteIntfs=deleteIntfs)
        CrossServerLink.counter += 1
        self.tunnel = self.make_tunnel(CrossServerLink.counter, (node1, intfname1, addr1),
                                       (node2, intfname2, addr2))
        return self.tunnel

    def move_and_name(self, node, device, name, mac):
        """The server's device into node's namespace, renamed as Mininet named it."""
        on_server(node, 'ip link set %s netns %d' % (device, node.pid))
        answer = node.cmd('ip link set %s name %s%s mtu %d && echo ok' % (
            device, name, ' address %s' % mac if mac else '', VXLAN_MTU))
        if 'ok' not in answer:
            raise LabError('the link end %s on %s could not be set up (%s).'
                           % (name, server_of(node), answer.strip()[-120:]))

    def stop(self):
        if hasattr(self.tunnel, 'terminate'):
            self.tunnel.terminate()
        self.tunnel = None


def local_address_towards(address):
    """This machine's source address for packets to address."""
    route = subprocess.run(['ip', '-o', 'route', 'get', address], capture_output=True,
                           universal_newlines=True, timeout=SSH_TIMEOUT).stdout.split()
    return route[route.index('src') + 1] if 'src' in route else None


def underlay_address(node, other):
    """node's server's address as other's server sees it."""
    if server_of(node) == LOCAL:
        return local_address_towards(other.serverIP)
    return node.serverIP


class VxlanLink(CrossServerLink):
    """A cross-server link as a VXLAN between the two servers' addresses,
    one VNI per link (UDP 4789): no process to keep, kernel speed. A VNI
    whose device is still registered (a namespace the kernel has not
    finished dismantling after the last lab: measured, a minute) is
    skipped for the next one."""

    def make_tunnel(self, number, end1, end2):
        first = FIRST_VNI + (os.getpid() % VNI_RANGES) * LINKS_PER_RANGE + number
        for vni in range(first, first + VNI_TRIES * LINKS_PER_RANGE, LINKS_PER_RANGE):
            if self.try_vni(vni % MAX_VNI or 1, end1, end2):
                return 'vxlan %d' % vni
        raise LabError('no free VXLAN id for the link %s-%s after %d tries; wait a minute '
                       '(the kernel is still removing an earlier lab\'s) and start again.'
                       % (end1[1], end2[1], VNI_TRIES))

    def try_vni(self, vni, end1, end2):
        """Both ends made with vni, or False (nothing left) if one server has it."""
        device = 'bgpvx%d' % vni
        made = []
        ends = (end1, end2)
        for (node, name, mac), (other, _, _) in (ends, ends[::-1]):
            try:
                on_server(node, 'ip link add %s type vxlan id %d local %s remote %s dstport %d'
                          % (device, vni, underlay_address(node, other),
                             underlay_address(other, node), VXLAN_PORT))
            except LabError as failure:
                if 'already exists' not in str(failure):
                    raise
                for (made_node, made_name, _) in made:
                    made_node.cmd('ip link del %s' % made_name)
                return False
            self.move_and_name(node, device, name, mac)
            made.append((node, name, mac))
        return True


class SshTunnelLink(CrossServerLink):
    """A cross-server link as an ssh Ethernet tunnel (the cluster edition's
    way; the server must permit tunnels): tap devices at both ends, joined by
    one ssh process from this machine, ended with the link."""

    def make_tunnel(self, number, end1, end2):
        if server_of(end2[0]) == LOCAL:
            end1, end2 = end2, end1
        if server_of(end1[0]) != LOCAL:
            raise LabError('ssh tunnels join this machine to another; a link between two '
                           'other servers needs tunnel=vxlan.')
        tap = FIRST_TAP + number
        for node, _, _ in (end1, end2):
            on_server(node, 'ip tuntap add dev tap%d mode tap' % tap)
        remote = end2[0]
        # a connection of its own: tunnels do not pass the shared one
        ssh = ['ssh', '-q', '-o', 'BatchMode=yes', '-o', 'ControlPath=none', '-n',
               '-o', 'Tunnel=ethernet', '-w', '%d:%d' % (tap, tap), remote.dest, 'echo @']
        tunnel = subprocess.Popen(ssh,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  start_new_session=True)
        if tunnel.stdout.read(1) != b'@':
            said = procs.output_within(tunnel, 5) or b''
            raise LabError('the ssh tunnel to %s did not come up (%s); does its sshd have '
                           '`PermitTunnel yes`?' % (remote.server, said.decode(errors='replace')
                                                    .strip()[-120:]))
        for node, name, mac in (end1, end2):
            self.move_and_name(node, 'tap%d' % tap, name, mac)
        return tunnel


# preflight

def check_servers(servers):
    """Each server answers ssh as root, has Mininet and the same FRR and
    BIRD as here, and runs no lab: one sentence naming the server and the
    fix, before anything is built."""
    probe = ('command -v mnexec >/dev/null && echo mnexec; '
             '/usr/lib/frr/zebra --version 2>/dev/null | head -1; '
             'bird --version 2>&1 | head -1; '
             'ls /proc/*/cmdline 2>/dev/null | xargs grep -l -a "mininet[:]" 2>/dev/null | wc -l')
    here = local_versions()
    for server in servers:
        if server == LOCAL:
            continue
        try:
            done = subprocess.run(['ssh', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5',
                                   'root@%s' % server, probe], capture_output=True,
                                  universal_newlines=True, timeout=SSH_TIMEOUT)
        except subprocess.TimeoutExpired:
            done = None
        if done is None or done.returncode == 255:
            raise LabError('the server %s does not answer ssh as root (%s); check that it is '
                           'up and that `ssh root@%s true` works without a password.' % (
                               server, 'timed out' if done is None else
                               (done.stderr.strip().splitlines() or ['no answer'])[-1], server))
        lines = done.stdout.strip().splitlines()
        judge_server(server, lines, here)


def local_versions():
    return tuple(first_line(command) for command in (['/usr/lib/frr/zebra', '--version'],
                                                        ['bird', '--version']))


def first_line(command):
    """The first line command prints (BIRD's version goes to stderr), or ''."""
    try:
        done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              universal_newlines=True, timeout=SSH_TIMEOUT)
    except (OSError, subprocess.TimeoutExpired):
        return ''
    return (done.stdout.strip().splitlines() or [''])[0]


def judge_server(server, lines, here):
    """The probe's answer (mnexec, zebra's version, bird's, node shells) judged."""
    if not lines or lines[0] != 'mnexec':
        raise LabError('the server %s lacks Mininet (mnexec); run ./setup.sh server there '
                       '(or apt-get install mininet).' % server)
    zebra, bird, shells = (lines[1:] + ['', '', '0'])[:3]
    if zebra != here[0]:
        raise LabError('the server %s runs FRR "%s", this machine "%s"; install the same '
                       'FRR on both.' % (server, zebra or 'none', here[0]))
    if bird != here[1]:
        raise LabError('the server %s runs BIRD "%s", this machine "%s"; install the same '
                       'BIRD on both.' % (server, bird or 'none', here[1]))
    if shells.strip() not in ('0', ''):
        raise LabError('the server %s already runs a Mininet lab (%s node shells); end it '
                       '(or run `mn -c` there) first.' % (server, shells.strip()))


def from_command_line(topo, params_tunnel, pins, argv=None):
    """The topology made a cluster lab when mn's command line has --cluster."""
    servers = servers_in(sys.argv if argv is None else argv)
    if not servers:
        if pins:
            raise LabError('pin= places routers on servers, which only --cluster gives; add '
                           '--cluster localhost,SERVER or leave out pin=.')
        return topo
    check_servers(servers)
    return place(topo, servers, params_tunnel, pins)
