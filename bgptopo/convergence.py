"""When is the lab converged, and waiting for it with a deadline.

Converged means: every session each router's config files configure is
Established, and every router's kernel table holds every prefix some
router's files originate (the kernel is what forwards packets); in a lab
from a file or an AS graph, every prefix its relationships bring it
(labplan.owed_prefixes)."""

import functools
import ipaddress
import json
import time

from bgptopo import lifecycle, procs
from bgptopo.bulk import Progress
from bgptopo.errors import LabError
from bgptopo.lab import routers

TIMEOUT = 30.0      # seconds; a fed lab adds its table's (bgptopo/feeding.py)
POLL = 0.01         # seconds between looks at least, and at least what the last look took
MAX_SHOWN = 20          # phrases a convergence failure lists
FED_POLL = 0.2      # a fed lab's looks cost more, and busy daemons answer them
ANSWER_TIMEOUT = 10.0


def all_sessions(routers_):
    """{router: {peer address: Session}} of several routers, their suites
    asked side by side; {} for a router whose BGP daemon is not running
    (nobody to ask)."""
    asked = [r for r in routers_ if r.bgp_running()]
    answers = {r: direct_sessions(r) for r in asked}
    calls = {r: r.popen(r.routing.sessions_command(), universal_newlines=True)
             for r in asked if answers[r] is None}
    answers.update({r: r.routing.parse_sessions(answer(r, call)) for r, call in calls.items()})
    return {r: answers.get(r, {}) for r in routers_}


def direct_sessions(router):
    """router's sessions asked without a process (an FRR bgpd's own socket,
    a millisecond where vtysh takes tens), or None: its suite's command then."""
    try:
        return router.routing.direct_sessions(router, ANSWER_TIMEOUT)
    except TimeoutError:
        raise hung(router)


def answer(router, call):
    """A call's output, or a sentence when it hangs past its deadline."""
    output = procs.output_within(call, ANSWER_TIMEOUT)
    if output is None:
        raise hung(router)
    return output


def hung(router):
    return LabError("%s's %s did not answer within %d s; is its %s stuck? "
                    "`restart %s` starts it again." % (
                        router.name, router.routing.shell, ANSWER_TIMEOUT,
                        router.routing.bgp_daemon, router.name))


def kernel_prefixes(router, versions=(4,)):
    """The prefixes in router's kernel routing tables, as ip_networks (see
    kernel_keys)."""
    return {network_of(key) for version in versions for key in kernel_keys(router, version)}


def kernel_keys(node, version):
    """The destinations in the kernel routing table of node's namespace but
    the default, as /proc/PID/net writes them (proc_key): the main IPv4
    table; IPv6's tables, whose local entries are host routes no lab prefix
    equals. A file read per router instead of a command through its shell,
    and no parsing: a thousand routers of a thousand routes a poll."""
    if version == 4:
        rows = proc_net_rows(node, 'route')[1:]
        return {(fields[1], fields[7]) for fields in map(str.split, rows)
                if len(fields) > 7 and fields[7] != '00000000'}
    return {(fields[0], fields[1]) for fields in map(str.split, proc_net_rows(node, 'ipv6_route'))
            if len(fields) > 1 and fields[1] != '00'}


@functools.lru_cache(maxsize=None)
def proc_key(network):
    """How /proc/PID/net/route (IPv4: destination and mask, hex, little-endian)
    or ipv6_route (destination and length, hex) writes network."""
    if network.version == 4:
        return ('%08X' % int.from_bytes(network.network_address.packed, 'little'),
                '%08X' % int.from_bytes(network.netmask.packed, 'little'))
    return ('%032x' % int(network.network_address), '%02x' % network.prefixlen)


def network_of(key):
    destination, size = key
    if len(destination) == 8:
        address = ipaddress.IPv4Address(int.from_bytes(bytes.fromhex(destination), 'little'))
        return ipaddress.IPv4Network((address, bin(int(size, 16)).count('1')))
    return ipaddress.IPv6Network((int(destination, 16), int(size, 16)))


def proc_net_rows(node, table):
    """/proc/PID/net/TABLE of node's namespace; a node on another server
    (bgptopo/cluster.py) reads its own."""
    if hasattr(node, 'proc_net_rows'):
        return node.proc_net_rows(table)
    try:
        with open('/proc/%d/net/%s' % (node.pid, table)) as rows:
            return rows.read().splitlines()
    except OSError:
        return []      # the node is gone: require_running says so


def originated(net, configs=None):
    configs = configs or file_configs(net)
    return {prefix for r in routers(net) for prefix in configs[r].networks}


def file_configs(net):
    """{router: the BgpConfig its files hold}, read once per wait."""
    return {router: router.router_config() for router in routers(net)}


def expected(net, configs=None):
    """{router: the prefixes its kernel must hold}."""
    owed = getattr(getattr(net, 'topo', None), 'owed', None)
    if owed is not None:
        return {router: owed.get(router.name, set()) for router in routers(net)}
    every = originated(net, configs)
    return {router: every for router in routers(net)}


class Goal(object):
    """What convergence means for a lab, worked out once per wait: each
    router's expected prefixes with their /proc keys (made once per distinct
    set: a ring's routers all expect the same), its files' configs, and the
    lab's Feed (bgptopo/feeding.py) or None."""

    def __init__(self, net):
        self.configs = file_configs(net)
        self.feed = feeding_of(net)
        made = {}
        self.expectations = {}
        for router, prefixes in expected(net, self.configs).items():
            if id(prefixes) not in made:
                made[id(prefixes)] = Expected(prefixes)
            self.expectations[router] = made[id(prefixes)]


def problems(net, goal=None, shown=MAX_SHOWN):
    """What keeps the lab from being converged, one phrase each (at most
    shown, then how many more); [] if it is. goal: a Goal, made once per
    wait. Kernel tables are cheap to read and are the last to fill, so the
    BGP daemons are asked about their sessions only once every route is in
    place. A fed lab: its own routes, then its sessions, then the whole feed."""
    goal = goal or Goal(net)
    found = []
    for router, missing in missing_routes(goal.expectations, goal.feed).items():
        if not router.bgp_running():
            found.append("%s's %s is not running" % (router.name, router.routing.bgp_daemon))
        found += ['%s has no route to %s' % (router.name, prefix)
                  for prefix in sorted(missing, key=family_order)[:shown]]
    if found:
        return shortened(found, shown)
    found = session_problems(net, goal)
    if found or not goal.feed:
        return shortened(found, shown)
    from bgptopo import feeding
    return shortened(feeding.problems(net, goal.feed), shown)


def feeding_of(net):
    """The lab's Feed (bgptopo/feeding.py), or None."""
    return getattr(getattr(net, 'topo', None), 'feed', None)


def session_problems(net, goal):
    """Sessions the routers' files configure that are not Established."""
    found = []
    for router, states in all_sessions(routers(net)).items():
        for neighbor in goal.configs[router].neighbors:
            state = states.get(neighbor.address, ('not configured',))[0]
            if state != 'Established':
                found.append("%s's session to %s (AS %s) is %s" % (
                    router.name, neighbor.address, neighbor.remote_as, state))
    return found


def missing_routes(expectations, fed=False):
    """{router: the prefixes it should hold and its kernel does not} for
    routers that miss some (or whose BGP daemon is not running). A fed
    lab's kernels hold a full table: each prefix is asked for instead."""
    missing = {}
    for router, prefixes in expectations.items():
        if fed:
            lacking = prefixes - routed_prefixes(router, prefixes)
        else:
            lacking = {prefixes.keys[key] for key in set(prefixes.keys) - kernel_keys_of(
                router, prefixes.keys)}
        if lacking or not router.bgp_running():
            missing[router] = lacking
    return missing


def kernel_keys_of(node, keys):
    """The kernel's /proc keys in the families keys hold."""
    sizes = {len(key[0]) for key in keys}
    return set().union(*(kernel_keys(node, version) for version, size in ((4, 8), (6, 32))
                         if size in sizes))


def routed_prefixes(router, prefixes):
    """Which of prefixes router's kernel routes by a route of that prefix or
    a longer one (`ip route get fibmatch`): a question per prefix, so a
    table of 500,000 fed routes is not read for three of the lab's."""
    if not prefixes:
        return set()
    asked = sorted(prefixes, key=family_order)
    answers = router.cmd('; '.join('ip -j -%d route get fibmatch %s 2>/dev/null || echo "[]"'
                                   % (p.version, p.network_address) for p in asked))
    found = set()
    for prefix, line in zip(asked, answers.replace('\r', '').splitlines()):
        try:
            routes = json.loads(line)
        except ValueError:
            continue
        if any(r.get('dst', 'default') != 'default' and
               ipaddress.ip_network(r['dst'], strict=False).subnet_of(prefix) for r in routes):
            found.add(prefix)
    return found


class Expected(frozenset):
    """A router's expected prefixes with their /proc keys made once per wait."""

    def __new__(cls, prefixes):
        made = frozenset.__new__(cls, prefixes)
        made.keys = {proc_key(prefix): prefix for prefix in prefixes}
        return made


def shortened(phrases, shown):
    if len(phrases) <= shown:
        return phrases
    return phrases[:shown] + ['and %d more' % (len(phrases) - shown)]


def family_order(network):
    """IPv4 before IPv6: Python does not compare the two."""
    return network.version, network


def require_running(net):
    """Waiting is pointless once a node or a daemon of the lab has died: say
    so at once (NodeDied for a node: the lab must be started again)."""
    lifecycle.require_alive(net.hosts)
    for router in routers(net):
        for daemon in router.dead_daemons():
            raise LabError("%s's %s died (killed from outside?); `restart %s` starts it "
                           "again." % (router.name, daemon, router.name))


def wait(net, timeout=None):
    """Block until converged; the seconds it took. LabError at the deadline
    (default TIMEOUT, and in a fed lab a second more per 5,000 fed
    prefixes), or at once if a router's BGP daemon did not start. A large
    lab says how far it got now and then (mn's info level); a fed lab's
    table loads with a line every few seconds of what each router holds."""
    start = time.monotonic()
    goal = Goal(net)
    feed = goal.feed
    if timeout is None:
        timeout = TIMEOUT + (feed.deadline() if feed else 0)
    for router in routers(net):
        router.wait_started()
    progress = Progress()
    while True:
        looked = time.monotonic()
        require_running(net)
        left = problems(net, goal)
        if not left:
            progress.finish('converged: every router routes every prefix it should')
            return time.monotonic() - start
        if time.monotonic() - start > timeout:
            raise LabError('BGP did not converge within %d s: %s.'
                           % (timeout, '; '.join(left)))
        if feed:
            from bgptopo import feeding
            feeding.progress(net, feed, start)
        else:
            progress.say(lambda: progress_line(goal, left))
        # a small lab's look is a few /proc reads; a thousand routers' take
        # longer, and then looking never takes more than half the time
        time.sleep(FED_POLL if feed else max(POLL, time.monotonic() - looked))


def progress_line(goal, left):
    """How far convergence got: routers whose kernels hold every prefix."""
    if any(' has no route to ' in phrase for phrase in left):
        lacking = len(missing_routes(goal.expectations, goal.feed))
        return 'converging: %d of %d routers route every prefix they should' % (
            len(goal.expectations) - lacking, len(goal.expectations))
    return 'converging: every route is in place; %s' % left[0]


def report(net, timeout=None):
    """What `converge` prints, once converged (in a fed lab, with the feed's size)."""
    took = wait(net, timeout)
    feed = feeding_of(net)
    return '*** BGP converged in %.2f s%s\n' % (took, ' (with %s fed prefixes in every router\'s '
                                                 'BGP and kernel)' % '{:,}'.format(len(feed))
                                                 if feed and feed.announced else '')
