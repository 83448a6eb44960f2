"""The failover: a link between two routers goes down, and the lab
measures how long the client's fetch of the web server's page fails
until BGP routes around it. Every lab has it (`failover [r1 r2]`);
`link r1 r2 up` restores the link."""

import time

from bgptopo import journal, lab
from bgptopo.errors import LabError
from bgptopo.faults import best_as_path, fetch_outage
from bgptopo.scenarios import Command, Misuse, Scenario

DEFAULT_LINK = ('r1', 'r2')


def failover(net, a, b):
    """Take link a-b down; (outage in seconds, a's AS path to the web server)."""
    node_a, node_b = lab.router(net, a), lab.router(net, b)
    if not node_a.connectionsTo(node_b):
        raise LabError('%s and %s share no link; pick two linked routers.' % (a, b))
    client_name, url = lab.default_fetch(net)
    prefix = lab.prefix_of(lab.node(net, lab.default_ends(net)[1]))
    since = time.monotonic()
    journal.link_changed(net, a, b, 'down', 'failover')
    net.configLinkStatus(a, b, 'down')
    outage = fetch_outage(net[client_name], url, since, attempted=lambda ok: journal.fetched(
        net, client_name, url, ok))
    return outage, best_as_path(node_a, prefix)


def failover_command(net, words):
    """Take the link between two routers down and measure how long fetch fails;
    `link r1 r2 up` restores it."""
    words = words or list(DEFAULT_LINK)
    if len(words) != 2:
        raise Misuse()
    outage, path = failover(net, *words)
    return ('*** link %s-%s down: fetch works again after %.2f s; %s now reaches the web '
            'server through AS path %s\n' % (words[0], words[1], outage, words[0],
                                             path or '(none)'))


class Failover(Scenario):
    name = 'failover'
    commands = (Command('failover', 'failover [r1 r2]',
                        'take a link down, measure the outage of fetch', failover_command),)


SCENARIO = Failover()
