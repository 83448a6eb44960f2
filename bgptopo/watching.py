"""`watch`: the lab's BGP state redrawn in place every few seconds (each
router's sessions with their state and the prefixes received, and its best
path to the web server) until Ctrl-C, which gives the prompt back.

On a terminal the view replaces itself (ANSI home and clear); without one
(a script, a pipe) each view is printed below the last, once unless a
number of views is given: a script must end by itself.

A Ctrl-C that comes while the view is being read waits for the read to
finish (SIGINT is blocked meanwhile): an interrupted node command would
leave its node's shell with half an answer."""

import signal
import sys
import time
from contextlib import contextmanager

from bgptopo import convergence, lab, lifecycle, running, updates
from bgptopo.capture import clock

CLEAR = '\x1b[H\x1b[2J'
MIN_INTERVAL = 0.2
MAX_INTERVAL = 3600


@contextmanager
def sigint_held():
    """SIGINT waits while the block runs; it arrives when the block ends."""
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def route_text(route, names):
    if route is None:
        return 'no route'
    path, hop = route.as_path, route.next_hop
    if path in ('', 'Local'):       # FRR's AS path of a route the router originates
        return 'its own network'
    return 'AS path %s via %s' % (path, names.get(hop, hop))


def view(net, interval, terminal=True):
    """The text of one view, read from the running lab."""
    lifecycle.require_alive(net.hosts)
    routers = lab.routers(net)
    states = convergence.all_sessions(routers)
    names = updates.address_names(net)
    server = lab.roles(net)[1]
    target = lab.node(net, server) if server in net else None
    prefix = lab.prefix_of(target) if target else None
    lines = ['%s lab at %s%s' % (lab.topology_name(net), clock(time.time())[:8],
                                 ', every %g s; Ctrl-C returns to the prompt' % interval
                                 if terminal else ''), '']
    for router in routers:
        head = '%-4s AS %-6s' % (router.name, router.router_config().asn)
        if prefix:
            head += '  best path to %s (%s): %s' % (target.name, prefix, route_text(
                running.best_route(router, prefix), names))
        lines.append(head)
        if not router.bgp_running():
            lines.append('     %s' % running.not_running(router))
        for address, (state, received) in sorted(states.get(router, {}).items()):
            lines.append('     %-10s %-15s %-12s %s prefix%s received' % (
                names.get(address, '?'), address, state, received,
                '' if received == 1 else 'es'))
    return '\n'.join(lines) + '\n'


def watch(net, interval=1.0, times=None, out=None, terminal=None):
    """Show the view every interval seconds, times times (None: until
    Ctrl-C on a terminal, once elsewhere); KeyboardInterrupt ends it."""
    out = out or (lambda text: (sys.stdout.write(text), sys.stdout.flush()))
    terminal = sys.stdout.isatty() if terminal is None else terminal
    times = times or (None if terminal else 1)
    shown, next_view = 0, time.monotonic()
    while True:
        with sigint_held():
            text = view(net, interval, terminal)
        out((CLEAR if terminal else '') + text)
        shown += 1
        if times is not None and shown >= times:
            return
        next_view += interval
        time.sleep(max(0.0, next_view - time.monotonic()))
