"""A fed lab: `--topo bgp3,feed=FILE[,feedto=ROUTER][,feedpeer=N]` (any
topology) pours the IPv4 routes of an MRT RIB dump (bgptopo/mrt.py) into
the lab through a feeder, so a lab carries a real table's weight.

The feeder is a node of the lab (its own namespace, linked to the fed
router, default r3): one BIRD process of AS 64999 whose config holds the
dump's routes as static routes with their AS paths (bgptopo/routing/bird/
feed.py: BIRD parses and sends 500k of them in about 4 s; GoBGP's
`mrt inject` took 65 s here). It ends with the lab like a router's
daemons: a DaemonNode (parent-death signal, private run directory,
lifecycle.adopt); its rendered config is in a run directory of the lab's.

Each router starts from a copy of its BGP file with the feed added (the
suite's fed_config, written at each start into its private run
directory): the user's files stay theirs, `restart` after an edit works,
and nothing is reconfigured while routes flow. Routes whose AS path holds
the feeder's AS pass every session's import and export ahead of the
lab's own policy (the seed's prefix-lists and a lab file's Gao-Rexford
route-maps judge only the lab's routes): the table floods the lab as a
transit's full table would, and every router must hold it.

What is not fed (counted in `feed`): IPv6 routes, paths with an AS_SET,
paths through one of the lab's ASes or the feeder's (loop detection
would drop them somewhere), prefixes inside the lab's own address space
(its /24s and links: they would hijack the lab; a covering prefix such as
12.0.0.0/8 stays, and the lab's /24 wins by longest match), and what BIRD
refuses as bogus (0/8, 127/8, 224/3)."""

import ipaddress
import os
import socket
import time
from collections import Counter, deque

from mininet.log import output

from bgptopo import convergence, generated, lab, mrt, procs, routing
from bgptopo.errors import LabError
from bgptopo.paths import shown
from bgptopo.router import DaemonNode
from bgptopo.routing.bird import feed as bird_feed
from bgptopo.routing.contract import FeedSide, Neighbor

FEEDER = 'feeder'
ASN = 64999
LINK = ipaddress.ip_network('198.51.100.0/30')     # TEST-NET-2: in no dump, in no pool
ROUTER_END, FEEDER_END = (ipaddress.ip_interface('%s/30' % LINK[i]) for i in (1, 2))
BOGUS = [ipaddress.ip_network(n) for n in ('0.0.0.0/8', '127.0.0.0/8', '224.0.0.0/3')]
PREFIXES_PER_SECOND = 5000      # a deadline grows by a second per this many fed prefixes
START_TIMEOUT = 60.0            # seconds the feeder's BIRD may take to read its routes
PROGRESS_EVERY = 3.0            # seconds between progress lines while a table loads
POLL = 0.5


def add(topo, path, feedto=None, feedpeer=None):
    """Read the dump at path, render the feeder's config, and add the
    feeder, its link to feedto, and each router's FeedSide to topo (a
    LabTopo whose routers are chosen); the Feed. A sentence, before
    anything is built, for a bad dump or parameter."""
    routers = topo.routers()
    feedto = fed_router(routers, feedto)
    if FEEDER in topo.nodes():
        raise LabError('this lab already has a node called %s, the name of the feed\'s node; '
                       'rename it to use feed=.' % FEEDER)
    routing.suite('bird').require_installed()
    configs = {name: suite_of(topo, name).file_config(name, topo.router_etc_dir(name))
               for name in routers}
    feed = Feed(path, feedto, configs[feedto].asn, peer_number(feedpeer))
    feed.load({c.asn for c in configs.values()}, lab_networks(topo, configs))
    withheld = withheld_peers(topo, configs, feedto)
    for name in routers:
        side = FeedSide(ASN, Neighbor(str(FEEDER_END.ip), ASN) if name == feedto else None,
                        withheld[name])
        require_fed_config(topo, name, configs[name].asn, side)
        topo.nodeInfo(name)['feed'] = side
    topo.addHost(FEEDER, cls=Feeder, feed=feed, ip=None,
                 defaultRoute='via %s' % ROUTER_END.ip)
    topo.addLink(feedto, FEEDER, params1={'ip': str(ROUTER_END)}, params2={'ip': str(FEEDER_END)})
    return feed


def fed_router(routers, feedto):
    if feedto is None:
        if 'r3' not in routers:
            raise LabError('this lab has no r3, the router the feeder peers with by default; '
                           'name one: feed=FILE,feedto=ROUTER (the routers are %s).'
                           % ', '.join(routers))
        return 'r3'
    if feedto not in routers:
        raise LabError('feedto=%s is no router of this lab; the routers are %s.'
                       % (feedto, ', '.join(routers)))
    return feedto


def withheld_peers(topo, configs, feedto):
    """{router: (addresses of its peers no farther from feedto than itself)}.
    The fed routes spread along the sessions as a tree rooted at the fed
    router: each router passes them only to the peers one session farther
    from it, so two routers at the same distance (r1 and r2 in bgp3) do not
    send each other a table both have, which would double their work."""
    owner = {str(address.ip): name for name in configs
             for addresses in topo.interfaces[name].values() for address in addresses}
    peers = {name: [(n.address, owner.get(n.address)) for n in config.neighbors]
             for name, config in configs.items()}
    distance, queue = {feedto: 0}, deque([feedto])
    while queue:
        name = queue.popleft()
        for _, peer in peers[name]:
            if peer is not None and peer not in distance:
                distance[peer] = distance[name] + 1
                queue.append(peer)
    far = len(configs)      # farther than any router the sessions reach
    return {name: tuple(address for address, peer in peers[name]
                        if distance.get(peer, far) <= distance.get(name, far))
            for name in configs}


def peer_number(feedpeer):
    if feedpeer is None:
        return None
    if not str(feedpeer).isdigit():
        raise LabError('feedpeer=%s is no peer number; write feedpeer=0 for the dump\'s first '
                       'peer, or leave it out for the best path of each prefix.' % feedpeer)
    return int(feedpeer)


def suite_of(topo, name):
    return routing.suite(topo.nodeInfo(name)['suite'])


def lab_networks(topo, configs):
    """The lab's own address space: every router interface's subnet, every
    prefix a router originates, the feeder's link."""
    found = {LINK}
    for name, config in configs.items():
        found |= set(config.networks)
        found |= {address.network for addresses in topo.interfaces[name].values()
                  for address in addresses}
    return [n for n in found if n.version == 4]


def require_fed_config(topo, name, asn, side):
    """The suite's additions render for name's file (a sentence if not)."""
    suite = suite_of(topo, name)
    path = suite.bgp_file(name, topo.router_etc_dir(name))
    try:
        with open(path) as text:
            suite.fed_config(text.read(), asn, side)
    except LabError as failure:
        raise LabError('%s: %s' % (name, failure))


class Feed(object):
    """The feed of a lab: what the dump gave, what was left out and why,
    the fed prefixes (as keys: network << 6 | length), the feeder's config."""

    def __init__(self, path, router, router_asn, peer):
        self.path, self.router, self.router_asn, self.peer = path, router, router_asn, peer
        self.keys = set()
        self.skipped = Counter()
        self.dump_counts = Counter()
        self.conf = None
        self.announced = True
        self.progress_at = 0.0

    def load(self, lab_asns, networks):
        """Read the dump, keep what can be fed, write the feeder's config."""
        dump = mrt.read(self.path, self.peer)
        self.dump_counts = dump.counts
        unwanted = set(lab_asns) | {ASN}
        inside = Inside(networks)
        bogus = Inside(BOGUS)
        kept = []
        for route in dump.routes:
            if unwanted.intersection(route.path):
                self.skipped['paths through a lab AS'] += 1
            elif inside.holds(route.network, route.length):
                self.skipped['inside the lab\'s address space'] += 1
            elif route.length and bogus.holds(route.network, route.length):
                self.skipped['bogus (0/8, 127/8, 224/3)'] += 1
            else:
                kept.append(route)
        if not kept:
            raise LabError('%s leaves nothing to feed: %s; give a dump of Internet routes.'
                           % (shown(self.path), mrt.describe(self.skipped)))
        self.keys = {key(r.network, r.length) for r in kept}
        self.conf = os.path.join(generated.run_directory(), 'feeder.conf')
        with open(self.conf, 'w') as out:
            bird_feed.write_feeder_config(
                out, FEEDER_END.ip, ASN, Neighbor(ROUTER_END.ip, self.router_asn),
                ((prefix_text(r.network, r.length), r.path, r.origin) for r in kept))

    def __len__(self):
        return len(self.keys)

    def deadline(self):
        """Seconds to wait for the table, beyond the lab's own convergence."""
        return len(self.keys) / PREFIXES_PER_SECOND


class Inside(object):
    """Is a prefix equal to or inside one of some networks? One set look-up
    per distinct length of those networks."""

    def __init__(self, networks):
        self.by_length = {}
        for network in networks:
            self.by_length.setdefault(network.prefixlen, set()).add(
                int(network.network_address) >> (32 - network.prefixlen))

    def holds(self, network, length):
        return any(length >= bits and network >> (32 - bits) in tops
                   for bits, tops in self.by_length.items())


def key(network, length):
    return network << 6 | length


def key_text(found):
    return prefix_text(found >> 6, found & 63)


def prefix_text(network, length):
    return '%s/%d' % (socket.inet_ntoa(network.to_bytes(4, 'big')), length)


class Feeder(DaemonNode):
    """The feed's node: one BIRD process announcing the dump's routes
    (started as the node is configured: BIRD reads them while the routers
    start)."""

    run_dir = bird_feed.RUN_DIR

    def __init__(self, name, feed=None, **params):
        self.feed = feed
        DaemonNode.__init__(self, name, **params)

    def config(self, **params):
        result = DaemonNode.config(self, **params)
        self.start_process('bird', bird_feed.feeder_command(self.feed.conf))
        return result

    def require_running(self):
        pid = self.daemon_pids.get('bird')
        if pid is None or not procs.alive(pid):
            last = self.cmd('cat %s 2>/dev/null' % os.path.join(self.run_dir, 'bird.out'))
            raise LabError("the feeder's BIRD is not running; its last words: %s" % (
                ' / '.join(last.strip().splitlines()[-2:]) or 'none'))

    def wait_ready(self):
        """Until its BIRD has read its routes (its socket is there)."""
        socket = self.run_file(bird_feed.feeder_socket())
        self.require_running()
        if not procs.wait_until(lambda: os.path.exists(socket) or not self.daemon_running('bird'),
                                START_TIMEOUT, 0.05):
            raise LabError("the feeder's BIRD did not read its %d routes within %d s."
                           % (len(self.feed), START_TIMEOUT))
        self.require_running()

    def state(self):
        """(routes in its table, routes sent, its session's state)."""
        self.wait_ready()
        return bird_feed.feeder_state(self)

    def announce(self, on):
        self.wait_ready()
        bird_feed.announce(self, on)


# The running lab.

def of(net):
    """The Feed of net's topology, or None for a lab without one."""
    return getattr(getattr(net, 'topo', None), 'feed', None)


def feeder(net):
    return net[FEEDER]


def proc_net(router, table):
    """/proc/net/TABLE of router's network namespace, wherever it runs
    (convergence reads it the same way); '' when it cannot be read."""
    return '\n'.join(convergence.proc_net_rows(router, table))


def kernel_count(router):
    """How many routes router's kernel holds (IPv4), from its FIB's statistics:
    cheap with a full table."""
    text = proc_net(router, 'fib_triestat')
    main = text.split('Main:', 1)[-1]
    for line in main.splitlines():
        if line.strip().startswith('Prefixes:'):
            return int(line.split()[1])
    return 0


def kernel_keys(router):
    """The IPv4 prefixes of router's main kernel table, as keys."""
    found = set()
    try:
        for line in proc_net(router, 'route').splitlines()[1:]:
            fields = line.split('\t', 8)
            network = int.from_bytes(bytes.fromhex(fields[1]), 'little')
            found.add(key(network, bin(int(fields[7], 16)).count('1')))
    except (IndexError, ValueError):
        pass
    return found


def problems(net, feed):
    """What keeps net's routers from holding the whole feed (in their
    kernels and in BGP), one phrase each; [] once all do. Cheap counts
    first (the kernel's FIB statistics), the exact comparisons (the
    kernel's table, the BGP table's fed prefixes) only once they are there."""
    feeder(net).require_running()
    if not feed.announced:
        return []
    found, total = [], len(feed)
    for router in lab.routers(net):
        in_kernel = kernel_count(router)
        if in_kernel < total:
            found.append("%s's kernel holds %s routes (the feed has %s)"
                         % (router.name, number(in_kernel), number(total)))
            continue
        missing = feed.keys - kernel_keys(router)
        if missing:
            found.append("%s's kernel lacks %s fed prefixes (%s, ...)" % (
                router.name, number(len(missing)), key_text(min(missing))))
            continue
        in_bgp = router.routing.fed_count(router, router.feed)
        if in_bgp != total:
            found.append('%s holds %s fed prefixes in BGP (the feed has %s)'
                         % (router.name, number(in_bgp), number(total)))
    return found


def withdrawal_problems(net, feed):
    """What keeps net's routers from holding no fed prefix at all."""
    feeder(net).require_running()
    found = []
    for router in lab.routers(net):
        in_bgp = router.routing.fed_count(router, router.feed) if router.bgp_running() else 0
        left = len(feed.keys & kernel_keys(router)) if not in_bgp else None
        if in_bgp:
            found.append('%s still holds %s fed prefixes in BGP' % (router.name, number(in_bgp)))
        elif left:
            found.append("%s's kernel still holds %s fed prefixes" % (router.name, number(left)))
    return found


def progress(net, feed, started):
    """A line every PROGRESS_EVERY seconds while the table loads: what each
    router holds (BGP table, kernel routes)."""
    now = time.monotonic()
    if now - feed.progress_at < PROGRESS_EVERY:
        return
    feed.progress_at = now
    held = ['%s %s received, %s in its kernel' % (r.name, number(received(r)),
                                                  number(kernel_count(r))) for r in lab.routers(net)]
    output('*** feed: %.0f s, %s prefixes to load: %s\n'
           % (now - started, number(len(feed)), '; '.join(held)))


def received(router):
    """The prefixes router's sessions accepted, summed (a prefix from two
    peers counts twice): what its daemon says cheaply while it loads."""
    if not router.bgp_running():
        return 0
    return sum(session.received for session in router.routing.sessions(router).values())


def wait(net, condition, timeout):
    """Poll condition() (a list of problems) until it is empty; the seconds
    it took, or a sentence at timeout."""
    start = time.monotonic()
    while True:
        left = condition()
        if not left:
            return time.monotonic() - start
        if time.monotonic() - start > timeout:
            raise LabError('the feed did not settle within %d s: %s.' % (timeout, '; '.join(left)))
        time.sleep(POLL)


def number(n):
    return '{:,}'.format(n)


# What `feed` prints.

def require(net):
    feed = of(net)
    if feed is None:
        raise LabError('this lab has no feeder; start one with --topo bgp3,feed=FILE (an MRT '
                       'RIB dump, e.g. a RouteViews rib.*.bz2).')
    return feed


def report(net):
    """`feed`: the dump, what was left out, the feeder, each router."""
    feed = require(net)
    loaded, sent, state = feeder(net).state()
    lines = ['*** feed from %s (%s): %s IPv4 prefixes read, %s fed' % (
        shown(feed.path), 'peer %d' % feed.peer if feed.peer is not None else
        'best path of each prefix', number(feed.dump_counts['IPv4 prefixes']), number(len(feed)))]
    left_out = Counter(feed.dump_counts)
    left_out.pop('IPv4 prefixes', None)
    left_out.update(feed.skipped)
    if left_out:
        lines.append('    left out: %s' % mrt.describe(left_out))
    lines.append('    feeder (AS %d, %s) -> %s: %s routes loaded, %s sent, session %s%s' % (
        ASN, FEEDER_END.ip, feed.router, number(loaded), number(sent), state,
        '' if feed.announced else ' (stopped: `feed start` announces them again)'))
    for router in lab.routers(net):
        in_bgp = router.routing.fed_count(router, router.feed) if router.bgp_running() else 0
        lines.append('    %-10s %s fed prefixes in BGP, %s in its kernel' % (
            router.name, number(in_bgp), number(len(feed.keys & kernel_keys(router)))))
    return '\n'.join(lines) + '\n'


def stop(net):
    """`feed stop`: the feeder withdraws every route; the time until no
    router holds any of them (BGP and kernel)."""
    return switch(net, False, 'the feed is stopped already; `feed start` announces it again.',
                  withdrawal_problems, 'withdrew %s prefixes: gone from every router')


def start(net):
    """`feed start`: the feeder announces every route again; the time until
    every router holds them all."""
    return switch(net, True, 'the feed is announced already; `feed stop` withdraws it.',
                  problems, 'announced %s prefixes: in every router')


def switch(net, on, already, left, done):
    """The feeder's routes announced (on) or withdrawn, waited for until
    left(net, feed) says nothing is; what `feed start|stop` prints."""
    feed = require(net)
    if feed.announced == on:
        raise LabError(already)
    began = time.monotonic()
    feeder(net).announce(on)
    feed.announced = on
    wait(net, lambda: left(net, feed), 30 + feed.deadline())
    return '*** the feeder %s (BGP and kernel) in %.2f s\n' % (
        done % number(len(feed)), time.monotonic() - began)


# `routes` in a fed lab: the lab's own routes, and a count of the fed ones.

def kernel_routes(router, feed):
    """(router's kernel routes that are not fed, as lab.kernel_routes gives
    them, how many fed ones there are). IPv4 is read as text through a
    pipe (500,000 routes in JSON through the node's shell would take long)."""
    listing = router.popen(['ip', '-4', '-o', 'route', 'show'], universal_newlines=True)
    text = procs.output_within(listing, 30) or ''
    routes, fed = [], 0
    for line in text.splitlines():
        words = line.split()
        if words and route_key(words[0]) in feed.keys:
            fed += 1
        elif words:
            routes.append(route_fields(words))
    routes += [r for r in lab.kernel_routes(router) if ':' in r.get('dst', '')]
    return routes, fed


def route_key(dst):
    """The key of `ip route`'s destination word (default, an address, a prefix)."""
    if dst == 'default':
        return key(0, 0)
    address, _, length = dst.partition('/')
    try:
        return key(int.from_bytes(socket.inet_aton(address), 'big'), int(length or 32))
    except (OSError, ValueError):
        return None


def route_fields(words):
    """A route of `ip -o route` as `ip -j route` names its fields."""
    fields = {'dst': words[0]}
    for name, field in (('via', 'gateway'), ('dev', 'dev'), ('proto', 'protocol')):
        if name in words[1:-1]:
            fields[field] = words[words.index(name, 1) + 1]
    return fields
