"""Why a BGP session or a route is missing, in one sentence, read from both
ends' configs and state: the reasoning a teacher does at a student's desk."""

import ipaddress

from bgptopo.lab import routers


def router_links(net):
    """(router a, router b, a's address on the link, b's address) per router-router link."""
    found = []
    for link in net.links:
        a, b = link.intf1.node, link.intf2.node
        if a in routers(net) and b in routers(net):
            address_a = a.router_config().address_of(link.intf1.name)
            address_b = b.router_config().address_of(link.intf2.name)
            if address_a and address_b:
                found.append((a, b, address_a, address_b))
    return found


def neighbor_for(config, address):
    return next((n for n in config.neighbors if n.address == address), None)


def session_cause(a, b, address_a, address_b):
    """Why the session between routers a and b is not Established, or None."""
    for me, peer, my_address, peer_address in ((a, b, address_a, address_b),
                                               (b, a, address_b, address_a)):
        cause = one_side_cause(me, peer, my_address, peer_address)
        if cause:
            return cause
    return None


def one_side_cause(me, peer, my_address, peer_address):
    mine, theirs = me.router_config(), peer.router_config()
    if not me.daemon_running('bgpd'):
        return "%s's bgpd is not running (`restart %s` starts it)" % (me.name, me.name)
    if mine.asn is None:
        return "%s's bgpd.conf has no `router bgp` section" % me.name
    wanted = str(peer_address.ip)
    if neighbor_for(mine, wanted) is None:
        on_link = [n.address for n in mine.neighbors
                   if n.address != wanted and
                   _in_subnet(n.address, my_address)]
        if on_link:
            return ("%s's neighbor %s is not %s's address on their link (%s)"
                    % (me.name, on_link[0], peer.name, wanted))
        return ('%s has no `neighbor %s remote-as %s` for %s'
                % (me.name, wanted, theirs.asn or '?', peer.name))
    expected_as = neighbor_for(mine, wanted).remote_as
    if theirs.asn is not None and expected_as != str(theirs.asn):
        return ('%s expects AS %s at %s, but %s runs AS %s'
                % (me.name, expected_as, wanted, peer.name, theirs.asn))
    return None


def _in_subnet(address, interface):
    try:
        return ipaddress.ip_address(address) in interface.network
    except ValueError:
        return False


def policy_cause(receiver, sender, receiver_address, sender_address):
    """Why receiver gets no routes from sender over an Established session."""
    text = sender.router_config_text('bgpd')
    if not _has_direction(text, str(receiver_address.ip), 'out'):
        return ('%s has no export route-map (`neighbor %s route-map NAME out`) toward %s; '
                'FRR sends an eBGP peer nothing without a policy'
                % (sender.name, receiver_address.ip, receiver.name))
    text = receiver.router_config_text('bgpd')
    if not _has_direction(text, str(sender_address.ip), 'in'):
        return ('%s has no import route-map (`neighbor %s route-map NAME in`) from %s; '
                'FRR accepts nothing from an eBGP peer without a policy'
                % (receiver.name, sender_address.ip, sender.name))
    return "%s's policies toward %s let no route through" % (sender.name, receiver.name)


def _has_direction(text, address, direction):
    prefix = 'neighbor %s route-map ' % address
    return any(line.strip().startswith(prefix) and line.split()[-1] == direction
               for line in text.splitlines())


def origin_cause(net, origin, prefix):
    """Why prefix, which origin should announce, is not routed."""
    config = origin.router_config()
    if prefix not in config.networks:
        return ('%s has no `network %s` under address-family ipv4 unicast'
                % (origin.name, prefix))
    if not origin.daemon_running('bgpd'):
        return "%s's bgpd is not running" % origin.name
    return None
