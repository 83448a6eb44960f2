"""Where a packet goes right now: hop by hop through the kernel tables
(`ip route get` in each node), beside the BGP AS path each router holds
for the destination's prefix; and, when the path or the page fails, the
first broken thing along it (`why`)."""

import ipaddress
import json

from bgptopo import convergence, diagnose, faults, lab
from bgptopo.errors import LabError

MAX_HOPS = 16


def addresses(net):
    """{address: node} for every node: hosts as Mininet knows them, routers
    from their zebra.conf (zebra, not Mininet, sets router addresses)."""
    owners = {}
    for node in net.hosts:
        if node in lab.routers(net):
            for addrs in node.router_config().interfaces.values():
                owners.update({str(a.ip): node for a in addrs})
        elif node.IP():
            owners[node.IP()] = node
    return owners


def route_get(node, address):
    try:
        answer = json.loads(node.cmd('ip -j route get %s' % address))
        return answer[0] if answer else None
    except ValueError:
        return None


def trace(net, src, dst):
    """[hop dicts] from src to dst; the last hop says why it ended."""
    source, target = lab.node(net, src), lab.node(net, dst)
    address, prefix = target.IP(), lab.prefix_of(target)
    owners, hops, node = addresses(net), [], source
    while len(hops) < MAX_HOPS:
        hop = {'node': node.name}
        if node in lab.routers(net):
            hop['as'] = node.router_config().asn
            hop['as_path'] = faults.best_as_path(node, prefix)
        hops.append(hop)
        if node is target:
            hop['end'] = 'arrived'
            return hops
        route = route_get(node, address)
        if not route or 'dev' not in route:
            hop['end'] = 'no route to %s' % address
            return hops
        hop['out'] = route['dev']
        hop['via'] = route.get('gateway')
        node = owners.get(route.get('gateway') or address)
        if node is None:
            hop['end'] = 'next hop %s is no node of the lab' % (route.get('gateway') or address)
            return hops
    hops[-1]['end'] = 'a routing loop (%d hops)' % MAX_HOPS
    return hops


def format_trace(src, dst, hops, prefix):
    lines = ['path %s -> %s (%s)' % (src, dst, prefix)]
    for hop in hops:
        who = hop['node'] + (' AS %s' % hop['as'] if 'as' in hop else '')
        where = 'out %-10s %s' % (hop['out'], 'via %s' % hop['via'] if hop['via'] else 'direct') \
            if 'out' in hop else ''
        bgp = ''
        if 'as_path' in hop:
            bgp = 'BGP path: %s' % ('(originates it)' if hop['as_path'] in ('', 'Local')
                                   else hop['as_path'] or '(none)')
        lines.append('  %-16s %-32s %s' % (who, where, bgp))
        if hop.get('end') and hop['end'] != 'arrived':
            lines.append('  ** %s' % hop['end'])
    return '\n'.join(lines) + '\n'


def why(net, src, dst):
    """One sentence: the first broken thing between src and dst, both ways."""
    for a, b in ((src, dst), (dst, src)):
        hops = trace(net, a, b)
        if hops[-1]['end'] != 'arrived':
            return broken_at(net, hops[-1], lab.node(net, b))
    client, url = lab.node(net, src), 'http://%s/' % lab.node(net, dst).IP()
    try:
        lab.fetch(client, url)
    except LabError as failure:
        return ('the path works both ways, but %s does not serve the page: %s'
                % (dst, str(failure).split(': ', 1)[-1]))
    return 'nothing is broken: %s fetches %s' % (src, url)


def broken_at(net, hop, target):
    node = lab.node(net, hop['node'])
    prefix = lab.prefix_of(target)
    if node not in lab.routers(net):
        return ('%s has %s: its default route (via its router) is missing or down'
                % (node.name, hop['end']))
    return router_cause(net, node, ipaddress.ip_network(prefix)) or \
        '%s has %s' % (node.name, hop['end'])


def attached(router, prefix):
    """Does router have an interface in prefix (so it should originate it)?"""
    return any(address.network == prefix
               for addrs in router.router_config().interfaces.values() for address in addrs)


def router_cause(net, router, prefix):
    """Why router has no route to prefix."""
    if not router.daemon_running('bgpd'):
        return "%s's bgpd is not running (`restart %s` starts it)" % (router.name, router.name)
    origin = next((r for r in lab.routers(net) if attached(r, prefix)), None)
    if origin is None:
        return 'no router is attached to %s, so none can originate it' % prefix
    cause = diagnose.origin_cause(net, origin, prefix) if origin is not router else None
    if cause:
        return cause
    states = convergence.all_sessions([router])[router]
    for a, b, address_a, address_b in diagnose.router_links(net):
        if router not in (a, b):
            continue
        me, peer, mine, theirs = (a, b, address_a, address_b) if router is a else \
            (b, a, address_b, address_a)
        state = states.get(str(theirs.ip), ('not configured', 0))[0]
        if state != 'Established':
            link_up = all(i.isUp() for i in me.connectionsTo(peer)[0])
            return (diagnose.session_cause(me, peer, mine, theirs) or
                    ('the link %s-%s is down' % (me.name, peer.name) if not link_up else
                     "%s's session to %s is %s" % (me.name, peer.name, state)))
    return ('%s has sessions up but no route to %s: a policy filters it (see `bgp %s ip bgp`)'
            % (router.name, prefix, router.name))
