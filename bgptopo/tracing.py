"""Where a packet goes right now, followed as the kernels send it: in each
node `ip route get` names the interface the packet leaves by, and the next
node is the one at the other end of that interface's link. (Looking up who
owns the next address would be wrong: during a hijack the rogue server and
the web server both hold 12.0.0.1.) Beside each router, the BGP route it
forwards by. And `why`: when the path or the page fails, the first broken
thing along it, from what the running routers hold."""

import ipaddress
import json

from mininet.node import Switch

from bgptopo import convergence, diagnose, lab, policy, running, valleyfree
from bgptopo.errors import LabError

MAX_HOPS = 16
# how a walk ends
ARRIVED, ELSEWHERE, NO_ROUTE, NOWHERE, LOOP = (
    'arrived', 'elsewhere', 'no route', 'nowhere', 'loop')


def route_get(node, address):
    try:
        answer = json.loads(node.cmd('ip -j route get %s' % address))
        return answer[0] if answer else None
    except ValueError:
        return None


def link_peer(node, intf_name):
    """The node at the other end of the link of node's interface, or None
    (a stub interface, or one that is no link of the lab)."""
    intf = node.nameToIntf.get(intf_name)
    link = getattr(intf, 'link', None)
    if link is None:
        return None
    return link.intf2.node if link.intf1 is intf else link.intf1.node


def on_lan(switch, address):
    """The node on switch's LAN that holds address, or None."""
    for intf in switch.intfList():
        node = link_peer(switch, intf.name)
        if node is not None and lab.holds(node, address):
            return node
    return None


def trace(net, src, dst, version=4):
    """[hop dicts] from src to dst, as packets go now: node; for routers as
    and as_path (of the BGP route for dst's address); out and via where the
    packet leaves; the last hop's end says why it ended ('arrived' only at
    dst); in a lab with relationships, next_as says how the packet goes on
    to the next router's AS ('up to a provider', ...)."""
    hops = walk(net, lab.node(net, src), lab.node(net, dst), version)[0]
    relationships = lab.relationships(net)
    if relationships:
        for hop, following in zip(hops, hops[1:]):
            if hop.get('as') and following.get('as') and hop['as'] != following['as']:
                hop['next_as'] = valleyfree.hop_kind(relationships, hop['as'], following['as'])
    return hops


def walk(net, source, target, version=4):
    """(hops, how the walk ended: ARRIVED, ELSEWHERE, ...), for packets to
    target's IPv4 (or IPv6) address."""
    address, routers, hops, node = lab.address_of(target, version), lab.routers(net), [], source
    while len(hops) < MAX_HOPS:
        hop = {'node': node.name}
        if node in routers:
            route = running.best_route(node, address)
            hop['as'] = running.config(node).asn
            hop['as_path'] = route.as_path if route else None
        hops.append(hop)
        end, kind, node = step(node, target, address, hop)
        if kind:
            hop['end'] = end
            return hops, kind
    hops[-1]['end'] = 'a routing loop (%d hops)' % MAX_HOPS
    return hops, LOOP


def step(node, target, address, hop):
    """Where a packet for address goes from node: (None, None, next node),
    or (end, kind, None) if it stops at node. Fills hop's out and via."""
    if node is target:
        return ARRIVED, ARRIVED, None
    if lab.holds(node, address):
        return ('%s holds %s too: the packets for %s end here' % (
            node.name, address, target.name), ELSEWHERE, None)
    route = route_get(node, address)
    if not route or 'dev' not in route:
        return 'no route to %s' % address, NO_ROUTE, None
    hop['out'], hop['via'] = route['dev'], route.get('gateway')
    peer = link_peer(node, route['dev'])
    if isinstance(peer, Switch):        # a LAN: on to the node holding the next address
        peer = on_lan(peer, route.get('gateway') or address)
    if peer is None:
        return '%s leads to no node of the lab' % route['dev'], NOWHERE, None
    return None, None, peer


def format_trace(src, dst, hops, prefix):
    lines = ['path %s -> %s (%s)' % (src, dst, prefix)]
    for hop in hops:
        who = hop['node'] + (' AS %s' % hop['as'] if hop.get('as') else '')
        where = 'out %-10s %s' % (hop['out'], 'via %s' % hop['via'] if hop['via'] else 'direct') \
            if 'out' in hop else ''
        bgp = ''
        if 'as_path' in hop:
            bgp = 'BGP path: %s' % ('(originates it)' if hop['as_path'] in ('', 'Local')
                                   else hop['as_path'] or '(none)')
        lines.append('  %-16s %-32s %s' % (who, where, bgp))
        if hop.get('next_as'):
            lines.append('  %-16s | %s' % ('', hop['next_as']))
        if hop.get('end') and hop['end'] != ARRIVED:
            lines.append('  ** %s' % hop['end'])
    return '\n'.join(lines) + '\n'


def why(net, src, dst):
    """One sentence: the first broken thing between src and dst, both ways."""
    source, target = lab.node(net, src), lab.node(net, dst)
    for a, b in ((source, target), (target, source)):
        hops, kind = walk(net, a, b)
        if kind != ARRIVED:
            return broken_at(net, hops, kind, a, b)
    return served(net, source, target)


def served(net, source, target):
    """Both ways work: for two hosts, does target serve the page?"""
    routers = lab.routers(net)
    if source in routers or target in routers:
        return 'nothing is broken: packets go from %s to %s (%s) and back' % (
            source.name, target.name, lab.address_of(target))
    url = 'http://%s/' % lab.address_of(target)
    try:
        lab.fetch(source, url)
    except LabError as failure:
        return ('the path works both ways, but %s does not serve the page: %s'
                % (target.name, str(failure).split(': ', 1)[-1]))
    return 'nothing is broken: %s fetches %s' % (source.name, url)


def broken_at(net, hops, kind, source, target):
    last = lab.node(net, hops[-1]['node'])
    if kind == ELSEWHERE:
        return stolen(net, hops, source, target, last)
    if kind in (NOWHERE, LOOP):
        return '%s: %s' % (last.name, hops[-1]['end'])
    if last not in lab.routers(net):
        return ('%s has %s: its default route (via its router) is missing or down'
                % (last.name, hops[-1]['end']))
    return router_cause(net, last, target) or '%s has %s' % (last.name, hops[-1]['end'])


def attached_router(net, node):
    """The router node hangs off (node itself if it is a router): its AS is
    the legitimate origin of node's prefix."""
    routers = lab.routers(net)
    if node in routers:
        return node
    peers = [link_peer(node, intf.name) for intf in node.intfList()]
    return next((peer for peer in peers if peer in routers), None)


def stolen(net, hops, source, target, holder):
    """The packets for target end at holder, which holds target's address
    too: name the first router on the way whose best route for the address
    is not originated by target's own AS, the route that pulls them there."""
    address = lab.address_of(target)
    origin = attached_router(net, target)
    rightful = running.config(origin).asn if origin else None
    said = "%s's packets for %s (%s) end at %s, which holds that address too" % (
        source.name, target.name, address, holder.name)
    for hop in hops:
        route = running.best_route(net[hop['node']], address) if 'as' in hop else None
        if route is None:
            continue
        prefix, as_path = route.prefix, route.as_path
        origin_as = as_path.split()[-1] if as_path not in ('', 'Local') else str(hop['as'])
        if origin_as != str(rightful):
            return ('%s: %s chose %s with AS path %s, originated by AS %s, not by %s\'s AS %s'
                    % (said, hop['node'], prefix, as_path or 'Local', origin_as,
                       target.name, rightful))
    return said


def router_cause(net, router, target):
    """Why router has no route to target's prefix."""
    prefix = ipaddress.ip_network(lab.prefix_of(target))
    if not router.bgp_running():
        return running.not_running(router)
    origin = attached_router(net, target)
    if origin is None:
        return 'no router is attached to %s, so none can originate %s' % (target.name, prefix)
    cause = diagnose.origin_cause(net, origin, prefix) if origin is not router else None
    return cause or route_break(net, router, prefix)


def route_break(net, router, prefix):
    """Walking out from router, through routers that lack prefix too: the
    first session that is down, or the first peer that holds the route
    while a filter on its way drops it."""
    states = convergence.all_sessions(lab.routers(net))
    links = diagnose.router_links(net)
    queue, seen = [router], {router}
    while queue:
        lacking = queue.pop(0)
        for me, peer, mine, theirs in sides_of(links, lacking):
            state = states.get(me, {}).get(str(theirs.ip), ('not configured', 0))[0]
            if state != 'Established':
                return diagnose.session_down(me, peer, mine, theirs, state)
            cause = policy.rejection(me, peer, mine, theirs, prefix)
            if cause:
                return cause
            if peer not in seen and prefix not in policy.best_paths(peer):
                seen.add(peer)
                queue.append(peer)
    return None


def sides_of(links, router):
    """router's links as (router, peer, router's address, peer's address)."""
    return [(a, b, address_a, address_b) if router is a else (b, a, address_b, address_a)
            for a, b, address_a, address_b in links if router in (a, b)]

