"""When is the lab converged, and waiting for it with a deadline.

Converged means: every session each router's config files configure is
Established, and every router's kernel table holds every prefix some
router's files originate (the kernel is what forwards packets); in a lab
from a file or an AS graph, every prefix its relationships bring it
(labplan.owed_prefixes)."""

import ipaddress
import json
import time

from bgptopo import lifecycle, procs
from bgptopo.errors import LabError
from bgptopo.lab import routers

TIMEOUT = 30.0
POLL = 0.05
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
    owed = getattr(getattr(net, 'topo', None), 'owed', None)
    if owed is not None:
        return {router: owed.get(router.name, set()) for router in routers(net)}
    every = originated(net)
    return {router: every for router in routers(net)}


def problems(net):
    """What keeps the lab from being converged, one phrase each; [] if it is.
    Kernel tables are cheap to read and are the last to fill, so the BGP
    daemons are asked about their sessions only once every route is in place."""
    found = []
    for router, prefixes in expected(net).items():
        if not router.bgp_running():
            found.append("%s's %s is not running" % (router.name, router.routing.bgp_daemon))
        versions = sorted({prefix.version for prefix in prefixes}) or [4]
        found += ['%s has no route to %s' % (router.name, prefix) for prefix in
                  sorted(prefixes - kernel_prefixes(router, versions), key=family_order)]
    if found:
        return found
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


def wait(net, timeout=TIMEOUT):
    """Block until converged; the seconds it took. LabError at the deadline,
    or at once if a router's BGP daemon did not start."""
    start = time.monotonic()
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
        time.sleep(POLL)


def report(net, timeout=TIMEOUT):
    """What `converge` prints, once converged."""
    return '*** BGP converged in %.2f s\n' % wait(net, timeout)
