"""Why a BGP session or a route is missing, in one sentence: the reasoning a
teacher does at a student's desk. Everything is read from the running lab
(addresses from the nodes, configurations and routes from the routers'
daemons), so a diagnosis follows a live edit at once."""

import ipaddress

from bgptopo import lab, policy, running


def router_pairs(net):
    """(router a, router b, a's address on their link, b's) for every
    router-router link; an address is None while its interface has none."""
    routers = lab.routers(net)
    return [(link.intf1.node, link.intf2.node,
             lab.intf_address(link.intf1.node, link.intf1.name),
             lab.intf_address(link.intf2.node, link.intf2.name))
            for link in net.links
            if link.intf1.node in routers and link.intf2.node in routers]


def router_links(net):
    """router_pairs whose both ends have an address."""
    return [pair for pair in router_pairs(net) if pair[2] and pair[3]]


def neighbor_for(config, address):
    return next((n for n in config.neighbors if n.address == address), None)


def session_cause(a, b, address_a, address_b):
    """Why the session between routers a and b is not Established, or None."""
    configs = {a: running.config(a), b: running.config(b)}
    for me, peer, my_address, peer_address in ((a, b, address_a, address_b),
                                               (b, a, address_b, address_a)):
        cause = one_side_cause(me, peer, my_address, peer_address, configs[me], configs[peer])
        if cause:
            return cause
    return None


def one_side_cause(me, peer, my_address, peer_address, mine, theirs):
    """What on me's side keeps the session down (mine and theirs: the two
    running configs), or None."""
    if not me.bgp_running():
        return running.not_running(me)
    if mine.asn is None:
        return no_router_bgp(me)
    wanted = str(peer_address.ip)
    if neighbor_for(mine, wanted) is None:
        on_link = [n.address for n in mine.neighbors
                   if n.address != wanted and _in_subnet(n.address, my_address)]
        if on_link:
            return ("%s's neighbor %s is not %s's address on their link (%s)"
                    % (me.name, on_link[0], peer.name, wanted))
        return ('%s has no %s for %s' % (
            me.name, me.routing.hint_neighbor(wanted, theirs.asn or '?'), peer.name))
    expected_as = neighbor_for(mine, wanted).remote_as
    if theirs.asn is not None and expected_as != str(theirs.asn):
        return ('%s expects AS %s at %s, but %s runs AS %s'
                % (me.name, expected_as, wanted, peer.name, theirs.asn))
    return None


def no_router_bgp(router):
    return '%s runs %s and `restart %s`' % (router.name, router.routing.hint_bgp(), router.name)


def _in_subnet(address, interface):
    try:
        return ipaddress.ip_address(address) in interface.network
    except ValueError:
        return False


def policy_cause(receiver, sender, receiver_address, sender_address):
    """Why receiver keeps no route from sender over an Established session:
    the filter that drops them, on the side that drops them (observed)."""
    return policy.rejection(receiver, sender, receiver_address, sender_address) or \
        '%s now holds routes from %s' % (receiver.name, sender.name)


def origin_cause(net, origin, prefix):
    """Why prefix, which origin should announce, is not routed; None if
    origin announces it and holds it."""
    if not origin.bgp_running():
        return running.not_running(origin)
    config = running.config(origin)
    if config.asn is None:
        return no_router_bgp(origin)
    if prefix not in config.networks:
        return '%s has no %s' % (origin.name, origin.routing.hint_network(prefix))
    if prefix not in policy.best_paths(origin):
        return ('%s originates %s but has no route to it, so BGP does not announce it: '
                'is its interface in %s up, with an address?' % (origin.name, prefix, prefix))
    return None


def session_down(me, peer, mine, theirs, state):
    """Why me's session to peer is not Established (its state is state):
    a cause on either side, else a link that is down, else the state."""
    link_up = all(i.isUp() for i in me.connectionsTo(peer)[0])
    return (session_cause(me, peer, mine, theirs) or
            ('the link %s-%s is down' % (me.name, peer.name) if not link_up else
             "%s's session to %s is %s" % (me.name, peer.name, state)))
