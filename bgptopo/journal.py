"""What the lab did to itself, with the time it did it: links taken down
and up (`failover`, Mininet's `link` command) and the fetches `failover`
made while it measured the outage. A capture sees the packets; only the
lab knows that a link went down (nothing crosses a link that is down), so
`updates` and `timeline` read these beside the capture.

Kept on the running net itself: it lives and ends with the lab."""

import time
from collections import namedtuple

ATTRIBUTE = 'bgptopo_journal'


class Event(namedtuple('Event', 'time kind details')):
    """time: seconds since the epoch (the capture's clock); kind: 'link' or
    'fetch' or 'action'; details: for a link {'ends': (a, b), 'status':
    'up'|'down', 'by': the command}; for a fetch {'ok': bool, 'node', 'url'};
    for an action {'what': e.g. 'hijack start specific'}."""


def events(net, kind=None):
    found = getattr(net, ATTRIBUTE, [])
    return [e for e in found if kind is None or e.kind == kind]


def record(net, kind, **details):
    if not hasattr(net, ATTRIBUTE):
        setattr(net, ATTRIBUTE, [])
    getattr(net, ATTRIBUTE).append(Event(time.time(), kind, details))


def link_changed(net, a, b, status, by):
    record(net, 'link', ends=(a, b), status=status, by=by)


def fetched(net, node, url, ok):
    record(net, 'fetch', node=node, url=url, ok=ok)


def acted(net, what):
    """A step of a scenario (hijack start, defend on), as the user typed it."""
    record(net, 'action', what=what)
