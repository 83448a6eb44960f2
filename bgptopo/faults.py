"""Faults a user stages at the prompt, and what they cost: a link failover
with its measured outage, and the best AS path a router holds."""

import time

from bgptopo import journal, lab, running
from bgptopo.errors import LabError

FAILOVER_DEADLINE = 30.0
# a short attempt: a SYN lost while routes change would otherwise wait out
# TCP's 1 s retransmission timer and hide when the path came back
ATTEMPT_TIMEOUT = 0.2


def best_as_path(router, prefix):
    """The AS path of router's best route to prefix ('' or 'Local' for its own),
    or None (also when its bgpd is not running)."""
    route = running.best_route(router, prefix)
    return route.as_path if route else None


def fetch_outage(client, url, since, deadline=FAILOVER_DEADLINE, attempted=None):
    """Fetch until it works; seconds from `since` (time.monotonic) to success.
    attempted(ok), if given, hears of each attempt as it ends."""
    while True:
        try:
            lab.fetch(client, url, timeout=ATTEMPT_TIMEOUT)
            if attempted:
                attempted(True)
            return time.monotonic() - since
        except LabError as failure:
            if attempted:
                attempted(False)
            if time.monotonic() - since > deadline:
                raise LabError('fetch still fails %d s after the fault: %s'
                               % (deadline, failure))


def failover(net, a, b):
    """Take link a-b down; (outage in seconds, a's AS path to the web server)."""
    node_a, node_b = lab.router(net, a), lab.router(net, b)
    if not node_a.connectionsTo(node_b):
        raise LabError('%s and %s share no link; pick two linked routers.' % (a, b))
    client_name, url = lab.default_fetch(net)
    prefix = lab.prefix_of(lab.node(net, lab.WEB_SERVER))
    since = time.monotonic()
    journal.link_changed(net, a, b, 'down', 'failover')
    net.configLinkStatus(a, b, 'down')
    outage = fetch_outage(net[client_name], url, since, attempted=lambda ok: journal.fetched(
        net, client_name, url, ok))
    return outage, best_as_path(node_a, prefix)
