"""When is the lab converged, and waiting for it with a deadline.

Converged means: every session each router's config files configure is
Established, and every router's kernel table holds every prefix some
router's files originate (the kernel is what forwards packets); in a lab
from a file or an AS graph, every prefix its relationships bring it
(labplan.owed_prefixes)."""

import ipaddress
import json
import time

from bgptopo import labplan, lifecycle, procs
from bgptopo.errors import LabError
from bgptopo.lab import routers

TIMEOUT = 30.0      # seconds; a fed lab adds its table's (bgptopo/feeding.py)
POLL = 0.05
FED_POLL = 0.2      # a fed lab's looks cost more, and busy daemons answer them
ANSWER_TIMEOUT = 10.0


def all_sessions(routers_):
    """{router: {peer address: Session}} of several routers, their suites
    asked side by side; {} for a router whose BGP daemon is not running
    (nobody to ask)."""
    calls = {r: r.popen(r.routing.sessions_command(), universal_newlines=True)
             for r in routers_ if r.bgp_running()}
    answers = {r: r.routing.parse_sessions(answer(r, call)) for r, call in calls.items()}
    return {r: answers.get(r, {}) for r in routers_}


def answer(router, call):
    """A call's output, or a sentence when it hangs past its deadline."""
    output = procs.output_within(call, ANSWER_TIMEOUT)
    if output is None:
        raise LabError("%s's %s did not answer within %d s; is its %s stuck? "
                       "`restart %s` starts it again." % (
                           router.name, router.routing.shell, ANSWER_TIMEOUT,
                           router.routing.bgp_daemon, router.name))
    return output


def kernel_prefixes(router, versions=(4,)):
    """The prefixes in router's kernel routing tables, as ip_networks."""
    found = set()
    for version in versions:
        try:
            routes = json.loads(router.cmd('ip -j -%d route show' % version))
        except ValueError:
            continue
        found |= {ipaddress.ip_network(r['dst']) for r in routes
                  if r.get('dst', 'default') != 'default'}
    return found


def originated(net):
    return {prefix for r in routers(net) for prefix in r.router_config().networks}


def expected(net):
    """{router: the prefixes its kernel must hold}."""
    topo = getattr(net, 'topo', None)
    if getattr(topo, 'plan', None) is not None:
        owed = labplan.owed_prefixes(topo.lab, topo.plan.routers)
        return {router: owed.get(router.name, set()) for router in routers(net)}
    every = originated(net)
    return {router: every for router in routers(net)}


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


def problems(net):
    """What keeps the lab from being converged, one phrase each; [] if it is.
    Kernel tables are cheap to read and are the last to fill, so the BGP
    daemons are asked about their sessions only once every route is in place.
    A fed lab: its own routes, then its sessions, then the whole feed."""
    found, feed, wanted = [], feeding_of(net), expected(net)
    for router, prefixes in wanted.items():
        if not router.bgp_running():
            found.append("%s's %s is not running" % (router.name, router.routing.bgp_daemon))
        versions = sorted({prefix.version for prefix in prefixes}) or [4]
        held = routed_prefixes(router, prefixes) if feed else kernel_prefixes(router, versions)
        found += ['%s has no route to %s' % (router.name, prefix) for prefix in
                  sorted(prefixes - held, key=family_order)]
    if found:
        return found
    found = session_problems(net)
    if found or not feed:
        return found
    from bgptopo import feeding
    return feeding.problems(net, feed)


def feeding_of(net):
    """The lab's Feed (bgptopo/feeding.py), or None."""
    return getattr(getattr(net, 'topo', None), 'feed', None)


def session_problems(net):
    """Sessions the routers' files configure that are not Established."""
    found = []
    for router, states in all_sessions(routers(net)).items():
        for neighbor in router.router_config().neighbors:
            state = states.get(neighbor.address, ('not configured',))[0]
            if state != 'Established':
                found.append("%s's session to %s (AS %s) is %s" % (
                    router.name, neighbor.address, neighbor.remote_as, state))
    return found


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
    prefixes), or at once if a router's BGP daemon did not start. A fed
    lab's table loads with a progress line every few seconds."""
    start = time.monotonic()
    feed = feeding_of(net)
    if timeout is None:
        timeout = TIMEOUT + (feed.deadline() if feed else 0)
    for router in routers(net):
        router.wait_started()
    while True:
        require_running(net)
        left = problems(net)
        if not left:
            return time.monotonic() - start
        if time.monotonic() - start > timeout:
            raise LabError('BGP did not converge within %d s: %s.'
                           % (timeout, '; '.join(left)))
        if feed:
            from bgptopo import feeding
            feeding.progress(net, feed, start)
        time.sleep(FED_POLL if feed else POLL)


def report(net, timeout=None):
    """What `converge` prints, once converged (in a fed lab, with the feed's size)."""
    took = wait(net, timeout)
    feed = feeding_of(net)
    return '*** BGP converged in %.2f s%s\n' % (took, ' (with %s fed prefixes in every router\'s '
                                                 'BGP and kernel)' % '{:,}'.format(len(feed))
                                                 if feed and feed.announced else '')
