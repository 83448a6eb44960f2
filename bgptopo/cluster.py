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
- Commands on remote routers (RemoteProcesses): what a command asks of a
  router's machine (a capture's tcpdump: alive, its words, stopped, its
  file; an interactive vtysh or birdc) is answered on its server, through
  the node's shell or its shared ssh connection; a file the router writes
  for this machine (a pcap) is written in its private run directory there
  and copied here as it grows (FileCopy).
- Cross-server links: VxlanLink (one VNI per link, the kernel's VXLAN
  between the servers' addresses; the default) or SshTunnelLink (ssh
  Ethernet tunnels, as the cluster edition's RemoteLink, with unique tap
  names): tunnel=vxlan|ssh.
- Docker hosts go with their AS (RemoteDockerHost): their containers run
  in their server's own Docker engine, with the same confinement and
  images, reached here as a unix socket that ssh forwards (EngineTunnel);
  the node's shell joins the container's namespaces there. The container's
  lifeline is the engine connection, so it ends with the lab however the
  lab ends, and with the connection.
- Lab files (with_file_pins): an AS's `server: NAME` pins it as pin= would
  (pin= wins); without --cluster it is a warning and the lab runs here.
- LANs (lan_servers): a LAN's bridge runs on the server with most of its
  members, as a remote node (RemoteShell) when that is another server; its
  far members reach it over tunnels, and every port of a LAN that spans
  servers has the tunnel's MTU (LanMtuIntf). Plain Mininet hosts stay here.
- A fed lab's feeder stays here (stays_here) and its session crosses to
  feedto; a remote router's fed BGP file is written on its server
  (write_run_file).
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
from mininet.link import Intf, Link, TCIntf
from mininet.log import info, warn

from bgptopo import generated, lifecycle, procs
from bgptopo.bulk import Bulk
from bgptopo.dockerhost import DockerHost, attached, starts_shell
from bgptopo.errors import LabError
from bgptopo.lifecycle import NodeDied
from bgptopo.netclasses import image_of
from bgptopo.remotebulk import RemoteBulk, router_copy, stop_line

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
            self.of[host] = LOCAL if stays_here(topo, host) else self.of.get(
                peer(topo, host), LOCAL)
        self.lans = topo.switches()
        self.of.update(lan_servers(topo, self.of, servers))
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
            hosts = sorted(n for n, s in self.of.items() if s == server and
                           n not in self.routers() and n not in self.lans)
            lans = sorted(n for n in self.lans if self.of[n] == server)
            parts.append('%s: %d routers, %s%s%s' % (server, len(routers), shortened(ases),
                                                     '; hosts ' + ' '.join(hosts) if hosts else '',
                                                     '; LANs ' + ' '.join(lans) if lans else ''))
        return '%s; %d links cross servers (%s)' % (' | '.join(parts), len(self.crossing), tunnel)

    def routers(self):
        return {r for members in self.groups.values() for r in members}


def lan_servers(topo, placed, servers):
    """{LAN: server}: each LAN's bridge on the server with most of its
    members (the first listed of those tied), so fewest of its links cross."""
    found = {}
    for lan in topo.switches():
        members = [placed[n] for a, b in topo.links() if lan in (a, b)
                   for n in (a, b) if n != lan and n in placed]
        found[lan] = max(servers, key=lambda s: (members.count(s), -servers.index(s)))
    return found


def shortened(items, shown=6):
    if len(items) <= shown:
        return ', '.join(items) or 'no AS'
    return ', '.join(items[:shown]) + ' and %d more ASes' % (len(items) - shown)


def stays_here(topo, host):
    """Plain Mininet hosts (they serve this machine's question page with its
    python3) and a fed lab's feeder (its config, the whole table, rendered
    here: the session carries the routes to its router wherever that runs)
    run on this machine; Docker hosts go with their AS."""
    from bgptopo.labnodes import PlainHost
    feeder = getattr(topo, 'feed', None) and topo.nodeInfo(host).get('feed') is topo.feed
    return bool(feeder) or issubclass(topo.nodeInfo(host).get('cls') or object, PlainHost)


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
    shells = {}     # server: remote nodes placed there so far
    for node in topo.nodes():
        node_info = topo.nodeInfo(node)
        node_info['server'] = placement.of[node]
        remote = placement.of[node] != LOCAL
        if node in placement.routers():
            node_info['bulk'] = bulks[placement.of[node]]
        if remote and (node in placement.routers() or node in placement.lans or
                       node in topo.docker_hosts()):
            node_info['cls'] = remote_class(node_info['cls'])
            number = shells[placement.of[node]] = shells.get(placement.of[node], -1) + 1
            node_info['controlPath'] = control_path(number)
    require_tunnels_reach(placement, tunnel)
    check_engines(topo, placement)
    link_class = VxlanLink if tunnel == 'vxlan' else SshTunnelLink
    for a, b, key, link_info in topo.links(withKeys=True, withInfo=True):
        if placement.of[a] != placement.of[b]:
            link_info = dict(link_info, cls=link_class, **shaped_ends(link_info))
            topo.setlinkInfo(a, b, link_info, key)
    narrow_spanning_lans(topo, placement)
    topo.placement = placement
    info('*** bgptopo: placement: %s\n' % placement.describe(tunnel))
    return topo


def require_tunnels_reach(placement, tunnel):
    """ssh tunnels join this machine to another: a link between two other
    servers (a LAN's bridge and a member elsewhere, say) is a sentence
    before anything is built, not a failure halfway."""
    far = [(a, b) for a, b in placement.crossing if LOCAL not in (placement.of[a],
                                                                  placement.of[b])]
    if tunnel == 'ssh' and far:
        a, b = far[0]
        raise LabError('the link %s-%s joins %s and %s, which ssh tunnels cannot (they join '
                       'this machine to another); use tunnel=vxlan or pin both to one server.'
                       % (a, b, placement.of[a], placement.of[b]))


def narrow_spanning_lans(topo, placement):
    """The links of a LAN with members on other servers than its bridge's,
    besides its tunnels, get the tunnels' MTU too (LanMtuIntf ends)."""
    spanning = {lan for lan in placement.lans if any(lan in pair for pair in placement.crossing)}
    for a, b, key, link_info in topo.links(withKeys=True, withInfo=True):
        if {a, b} & spanning and placement.of[a] == placement.of[b]:
            topo.setlinkInfo(a, b, dict(link_info, cls1=LanMtuIntf, cls2=LanMtuIntf), key)


class LanMtuIntf(Intf):
    """An interface on a LAN that spans servers, with the MTU of the LAN's
    tunnelled ports (VXLAN_MTU). The bridge drops a frame bigger than the
    port it leaves by, silently (no ICMP: measured, a ping of 1500 bytes
    across was lost); with every member's MTU that of the tunnel, a router
    fragments or says "too big" itself, as on any narrower link."""

    def config(self, **params):
        result = super(LanMtuIntf, self).config(**params)
        self.cmd('ip link set dev %s mtu %d' % (self.name, VXLAN_MTU))
        return result


def shaped_ends(link_info):
    """A shaped link (bw=, delay=, loss=: bgptopo.labnodes.ShapedLink) keeps
    its shaping when it crosses servers: TCIntf at both ends of the tunnel."""
    if any(key in link_info for key in ('bw', 'delay', 'loss')):
        return {'cls1': TCIntf, 'cls2': TCIntf}
    return {}
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
    from bgptopo.labnodes import LanBridge
    if any(not issubclass(topo.nodeInfo(s).get('cls') or object, LanBridge)
           for s in topo.switches()):
        raise LabError('only LANs of lab files (Linux bridges) go across servers, not '
                       'other switches; leave out --cluster.')


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
    """cls (a Router or DockerHost class, or a LAN's bridge) running on
    another server: our remote part and the cluster edition's RemoteMixin
    before it (made once per class)."""
    from bgptopo.router import Router
    if cls not in _remote_classes:
        ours = (RemoteRouter, RemoteProcesses) if issubclass(cls, Router) else \
            (RemoteDockerHost,) if issubclass(cls, DockerHost) else (RemoteShell,)
        _remote_classes[cls] = type('Remote' + cls.__name__, ours + (RemoteMixin, cls), {})
    return _remote_classes[cls]


class RemoteShell(object):
    """A lab node's shell on another server (a router's, a container's, a
    LAN bridge's): its ssh as the lab needs it, a sentence when the server
    goes away, and commands on the server's root namespace (ssh). Before
    RemoteMixin and the node's class in the bases."""

    def startShell(self, *args, **kwargs):
        """The cluster edition runs ssh through `sudo -u USER` here; as that
        user already (root), sudo adds nothing, and Debian 12's sudo (use_pty)
        stops the ssh (SIGTTOU: measured) when mn runs at a terminal."""
        self.sshcmd = with_keepalive(without_local_sudo(self.sshcmd, self.user))
        return super(RemoteShell, self).startShell(*args, **kwargs)

    def require_alive(self):
        """NodeDied when the node's ssh session ended: the server went away
        (ssh's keepalives notice within KEEPALIVE * KEEPALIVE_COUNT s)."""
        if self.shell is None or self.shell.poll() is not None:
            raise self.server_gone()

    def server_gone(self):
        return NodeDied('the connection to the server %s ended (%s ran there): is the server '
                        'down or unreachable? the lab cannot go on: start it again.'
                        % (self.server, self.name))

    def _popen(self, cmd, sudo=True, tt=True, **params):
        """ssh joins a command's words with spaces for the remote shell:
        each is quoted, so `vtysh -c 'show bgp summary json'` stays whole."""
        if self.isRemote:
            if isinstance(cmd, (list, tuple)):
                cmd = [shlex.quote(str(word)) for word in cmd]
            # else ssh reads (and eats) what the user types ahead
            params.setdefault('stdin', subprocess.DEVNULL)
        return super(RemoteShell, self)._popen(cmd, sudo=sudo, tt=tt, **params)

    def server_command(self, line, terminal=False):
        """The local command that runs a shell line on the node's server
        (root namespace), over the node's shared ssh connection; terminal:
        with one there (-tt), for a user's interactive command."""
        ssh = [word for word in self.sshcmd if terminal or word != '-tt']
        return ssh + [line]

    def ssh(self, command, text=None, timeout=SSH_TIMEOUT):
        """A command on the node's server (root namespace), over its shared
        ssh connection; its output. text: its standard input."""
        try:
            done = subprocess.run(self.server_command(command), input=text, capture_output=True,
                                  stdin=subprocess.DEVNULL if text is None else None,
                                  universal_newlines=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise LabError('%s does not answer over ssh within %d s (%s on it); is the server '
                           'down? the lab cannot go on: start it again.'
                           % (self.server, timeout, self.name))
        if done.returncode:
            raise LabError('%s: `%s` failed on %s (%s); see that server.' % (
                self.name, command[:60], self.server, done.stderr.strip()[-200:]))
        return done.stdout


class RemoteRouter(RemoteShell):
    """What a Router does through this machine's /proc and files, done
    through the node's ssh connection to its server instead. Before
    RemoteMixin and the Router class in the bases."""

    def run_file(self, name):
        raise LabError('%s runs on %s: reading its run files from here is not supported '
                       'across servers yet; run that command on a lab without --cluster.'
                       % (self.name, self.server))

    def mount_line(self):
        """The server may lack the suite's run directory (no service made it)."""
        return 'mkdir -p %s && %s' % (self.run_dir, super(RemoteRouter, self).mount_line())

    def put_file(self, path, text):
        """text into path inside this node's mount namespace on its server."""
        self.ssh('cat > %s' % shlex.quote(self.from_root(path)), text)

    queued_files = None     # {path: text} while a bulk build plans the router's starts

    def write_run_file(self, name, text):
        """A fed lab's copy of the BGP file (Router.bgp_config_file), on the
        server: written with its configs by a bulk build (RemoteBulk)."""
        path = posixpath.join(self.routing.run_dir, name)
        if self.queued_files is not None:
            self.queued_files[path] = text
        else:
            self.put_file(path, text)

    files_here = False

    def run_kernel_batch(self, lines):
        """The kernel work of interfaces made after its server's bulk build
        (Router.later_batch), if any, through its server."""
        if not lines:
            return
        name = posixpath.join(self.routing.run_dir, 'kernel.batch')
        self.put_file(name, '\n'.join(lines) + '\n')
        failed = self.cmd('ip -batch %s' % name).strip()
        if failed:
            raise LabError('%s cannot set up its interfaces on %s (%s; its batch: %s).'
                           % (self.name, self.server, failed.splitlines()[-1],
                              ' / '.join(lines)[:120]))

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
        self.cmd(stop_line(pids, 5.0), timeout=15)

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


class RemoteDockerHost(RemoteShell):
    """A DockerHost whose container runs in its server's engine (engines):
    the node's shell joins the container's namespaces there, and the engine
    is asked whether its container runs. Before RemoteMixin and the
    DockerHost class in the bases."""

    def _popen(self, cmd, sudo=True, tt=True, **params):
        # from a directory the container has (mnexec returns to the cwd)
        if self.isRemote and starts_shell(cmd):
            cmd = ['env', '-C', '/'] + attached(cmd, self.container.pid)
        return super(RemoteDockerHost, self)._popen(cmd, sudo=sudo, tt=tt, **params)

    def end_container(self):
        """As a DockerHost's; when its server's engine no longer answers
        (the server went away), the engine has ended the container already:
        its lifeline ended with the connection."""
        try:
            super(RemoteDockerHost, self).end_container()
        except OSError:         # the Docker SDK's connection errors among them
            lifecycle.disown(self.container)

    def require_alive(self):
        super(RemoteDockerHost, self).require_alive()
        try:
            running = self.container.running()
        except OSError:         # the engine's connection broke: the server went away
            raise self.server_gone()
        if not running:
            raise NodeDied("%s's container on %s was stopped from outside the lab (docker rm "
                           "or kill there?); the lab cannot go on: start it again."
                           % (self.name, self.server))


class RemoteProcesses(object):
    """What the lab's commands ask of a node's machine (Router's
    process_alive, process_said, stop_process, written_at, bring_here,
    interact), answered on the node's server: through its shell, or one
    more ssh session over its shared connection (in_node_command)."""

    def process_alive(self, pid):
        return pid in self.living([pid])

    def process_said(self, name):
        if self.shell is None or self.shell.poll() is not None:
            return ''
        return self.cmd('cat %s 2>/dev/null' % shlex.quote(
            posixpath.join(self.run_dir, '%s.out' % name))).replace('\r\n', '\n')

    def stop_process(self, pid, grace):
        """Signalled and waited for on the server, through the node's shell;
        a dead shell's processes died with it (their parent-death signal)."""
        if self.shell is None or self.shell.poll() is not None:
            return
        self.cmd(stop_line(str(pid), grace), timeout=grace + 10)

    def written_at(self, path):
        """A file for this machine is written into the node's private run
        directory on its server (gone with the node), and copied here as it
        grows (bring_here)."""
        return posixpath.join(self.run_dir, os.path.basename(path))

    def bring_here(self, written, path, pid):
        """written (in the node's private run directory) copied into path
        here as it is written, until the process pid writing it ends."""
        return FileCopy(self.server_command(
            'tail --pid=%d -s %s -c +1 -F %s 2>/dev/null'
            % (pid, COPY_PULSE, shlex.quote(self.from_root(written)))), path, self.server)

    def interact(self, args):
        """args inside the node on its server, on the user's terminal (ssh
        -tt gives them one there)."""
        return subprocess.call(self.in_node_command(args, terminal=True))

    def in_node_command(self, args, terminal=False):
        """The local command that runs args inside the node (its network
        and mount namespaces) on its server."""
        return self.server_command(' '.join(shlex.quote(str(word)) for word in
                                            ['mnexec', '-a', self.pid] + list(args)), terminal)


COPY_PULSE = 0.1        # seconds between the copy's looks at a growing file
COPY_GRACE = 5.0        # seconds the copy gets to end once its writer has


class FileCopy(object):
    """A file on a server copied here as it grows: one local process (the
    command given, which prints the file and ends when its writer does),
    its output into path; ended with the lab process (parent-death signal)."""

    def __init__(self, command, path, server):
        self.path, self.server = path, server
        with open(path, 'wb') as out:
            self.process = subprocess.Popen(['setpriv', '--pdeathsig', 'TERM'] + command,
                                            stdin=subprocess.DEVNULL, stdout=out,
                                            stderr=subprocess.DEVNULL)

    def finish(self):
        """Wait for the copy to end (its writer ended); a copy that does not
        is stopped, and what it copied stays."""
        if not procs.wait_exit(self.process.pid, COPY_GRACE):
            procs.stop(self.process.pid, grace=1.0)
        self.process.wait()


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


# Docker engines of other servers

class EngineTunnel(object):
    """A server's Docker engine reached here as a unix socket that ssh
    forwards to the server's own (/var/run/docker.sock): the Docker SDK
    speaks to it as to this machine's, the containers' lifelines included.
    The ssh's remote command reads the pipe only this process writes, so
    the forward ends when the lab does, however it ends (each container's
    lifeline, a connection through it, closes with the lab first)."""

    def __init__(self, server):
        self.server = server
        self.name = "%s's Docker engine" % server
        self.path = os.path.join(generated.run_directory(), 'docker.sock')
        self.process = subprocess.Popen(
            with_keepalive(ssh_to(server) + [
                '-o', 'ControlPath=none', '-o', 'ExitOnForwardFailure=yes',
                '-L', '%s:/var/run/docker.sock' % self.path, 'cat >/dev/null']),
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            start_new_session=True)     # a Ctrl-C at the prompt (ending `watch`) is not for it
        lifecycle.adopt(self)
        if not procs.wait_until(lambda: os.path.exists(self.path) or
                                self.process.poll() is not None, SSH_TIMEOUT):
            self.fail('it did not answer within %d s' % SSH_TIMEOUT)
        if self.process.poll() is not None:
            self.fail(self.process.stderr.read().decode(errors='replace').strip()[-160:] or
                      'ssh ended')

    @property
    def url(self):
        return 'unix://' + self.path

    def fail(self, why):
        self.terminate()
        raise LabError('the Docker engine of %s cannot be reached over ssh (%s); check that '
                       '`ssh root@%s docker info` works.' % (self.server, why, self.server))

    def terminate(self):
        self.process.stdin.close()
        procs.stop(self.process.pid)
        self.process.wait()
        lifecycle.disown(self)


def engines(servers):
    """{host: the URL here of its server's engine} for {host: server}: one
    EngineTunnel per server, the lab's until it ends."""
    tunnels = {server: EngineTunnel(server) for server in sorted(set(servers.values()))}
    return {host: tunnels[server].url for host, server in servers.items()}


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
        judge_server(server, probe_server(server, probe).strip().splitlines(), here)


def check_engines(topo, placement):
    """Each server that gets Docker hosts runs a Docker engine holding their
    images: one sentence naming the server and the fix, before anything is built."""
    wanted = {}
    for host in topo.docker_hosts():
        if placement.of[host] != LOCAL:
            wanted.setdefault(placement.of[host], set()).add(image_of(topo.nodeInfo(host)))
    for server, images in sorted(wanted.items()):
        probe = 'docker info >/dev/null 2>&1 || echo none; for i in %s; do docker image ' \
            'inspect $i >/dev/null 2>&1 || echo $i; done' % ' '.join(map(shlex.quote, sorted(images)))
        answer = probe_server(server, probe).split()
        if answer[:1] == ['none']:
            hosts = [h for h in topo.docker_hosts() if placement.of[h] == server]
            raise LabError('the server %s runs no Docker engine, which its hosts (%s) need; run '
                           './setup.sh server there.' % (server, ' '.join(hosts)))
        if answer:
            raise LabError('the server %s lacks the image %s; run ./setup.sh server there, which '
                           'builds the lab\'s images.' % (server, answer[0]))


def probe_server(server, probe):
    """What the shell line probe prints on server, run as root over ssh; a
    sentence when the server does not answer."""
    try:
        done = subprocess.run(ssh_to(server) + [probe], capture_output=True,
                              stdin=subprocess.DEVNULL, universal_newlines=True,
                              timeout=SSH_TIMEOUT)
    except subprocess.TimeoutExpired:
        done = None
    if done is None or done.returncode == 255:
        raise LabError('the server %s does not answer ssh as root (%s); check that it is '
                       'up and that `ssh root@%s true` works without a password.' % (
                           server, 'timed out' if done is None else
                           (done.stderr.strip().splitlines() or ['no answer'])[-1], server))
    return done.stdout


def ssh_to(server):
    """ssh to server as root, never asking for a password, giving up on a
    silent server within 5 s."""
    return ['ssh', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5', 'root@%s' % server]


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
        warn_unused_servers(topo)
        return topo
    pins = with_file_pins(topo, servers, pins)
    check_servers(servers)
    return place(topo, servers, params_tunnel, pins)


# a lab file's `server:` (bgptopo/labfile.py)

def file_servers(topo):
    """[AutonomousSystem] of a lab file's lab that name a server."""
    lab = getattr(topo, 'lab', None)
    return [spec for spec in lab.ases.values() if spec.server] if lab else []


def warn_unused_servers(topo):
    """A lab file's servers without --cluster: the file says where its ASes
    run when there are servers; on one machine the same lab runs whole, so
    the same file serves a laptop, `bgptopo run` and a cluster."""
    pinned = file_servers(topo)
    if pinned:
        warn('*** bgptopo: %s, line %d: `server:` places ASes on servers (%s), which only '
             '--cluster gives; the whole lab runs on this machine.\n'
             % (topo.lab.source, pinned[0].server_line,
                ', '.join(sorted({spec.server for spec in pinned}))))


def with_file_pins(topo, servers, pins):
    """pins (pin=ROUTER@SERVER, which win) with each AS a lab file pins to a
    server pinned through its first router; a server --cluster does not
    list is a sentence naming the file and line."""
    pins = dict(pins or {})
    named = {topo.lab.routers[r].asn for r in pins if r in topo.lab.routers} \
        if file_servers(topo) else set()
    for spec in file_servers(topo):
        if spec.server not in servers:
            raise LabError('%s, line %d: AS %d is on %s (`server: %s`), which --cluster does '
                           'not list; add it (--cluster %s,%s) or write one of %s.'
                           % (topo.lab.source, spec.server_line, spec.asn, spec.server,
                              spec.server, ','.join(servers), spec.server, ', '.join(servers)))
        if spec.asn not in named:
            pins[spec.routers[0]] = spec.server
    return pins
