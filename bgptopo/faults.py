"""What faults cost: how long fetch fails after one (the failover scenario,
bgptopo/scenarios/failover.py, stages it), and the best AS path a router
holds then."""

import time

from bgptopo import lab, running
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
