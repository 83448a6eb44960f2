"""The checker of labs a lab file or an AS graph describes: graded against
the relationships the Lab gives and the plans rendered from it, one
requirement a line, PASS or FAIL with the reason for a FAIL (grading.py's
Requirement, report and as_json).

Requirements, a fixed number whatever the lab's state:
 - every planned session (each family: an IPv6 session is a session of
   its own) is Established at both ends;
 - every router has a route to every prefix valley-free export should give
   its AS (bgptopo/valleyfree.expected_reach), from the AS that originates
   it; a route an AS should not have is not asked about, since the valley
   it took fails the next requirement;
 - every best AS path a router holds is valley-free, a FAIL naming the
   router, the prefix, the path and the offending hop.
The plans (contract RouterPlans) are the solution: what the sessions and
prefixes should be, whatever a user has since typed at a router."""

import ipaddress
from collections import namedtuple

from bgptopo import convergence, grading, valleyfree
from bgptopo.errors import LabError
from bgptopo.labmodel import as_relationships

SHOWN = 3   # causes a reason lists before 'and N more'

# one planned session: routers a and b, the address each peers from (the
# one the other side names), the family (4 or 6), iBGP or not
PlannedSession = namedtuple('PlannedSession', 'a b address_a address_b version internal')


# What the plans say.

def planned_prefixes(plans):
    """{asn: [ip_network]}: the prefixes each AS originates, IPv4 then IPv6."""
    found = {}
    for plan in plans.values():
        found.setdefault(plan.asn, []).extend(
            ipaddress.ip_network(network) for network, _ in plan.networks)
    return {asn: sorted(set(nets), key=convergence.family_order) for asn, nets in found.items()}


def planned_sessions(plans):
    """[PlannedSession], each session once: a's peer entry for b names b's
    address, b's entry for a names a's; two routers with several sessions in
    one family pair them in the order the plans list them."""
    sides = {}
    for name, plan in sorted(plans.items()):
        for peer in plan.peers:
            address = ipaddress.ip_interface(str(peer.address)).ip
            sides.setdefault((name, peer.name, address.version), []).append(
                (address, peer.relationship == 'internal'))
    found = []
    for (a, b, version), theirs in sorted(sides.items()):
        if a < b or (b, a, version) not in sides:
            mine = sides.get((b, a, version), [])
            for index, (address_b, internal) in enumerate(theirs):
                address_a = mine[index][0] if index < len(mine) else None
                found.append(PlannedSession(a, b, address_a, address_b, version, internal))
    return found


# What the routers say.

def session_states(routers):
    """{router name: {peer ip_address: Session}}, the routers asked side by side."""
    answers = convergence.all_sessions(routers)
    return {router.name: {address_of(address): session
                          for address, session in answers[router].items()}
            for router in routers}


def address_of(peer):
    """A session's peer as an ip_address; a peer named otherwise (an
    interface: FRR's unnumbered sessions) stays its name, planned by none."""
    try:
        return ipaddress.ip_address(peer)
    except ValueError:
        return peer


def best_routes(router):
    """({ip_network: as path}, None), or (None, why router cannot say)."""
    if not router.bgp_running():
        return None, ("%s's %s is not running; `restart %s` starts it again"
                      % (router.name, router.routing.bgp_daemon, router.name))
    try:
        return router.routing.best_routes(router), None
    except LabError as failure:
        return None, str(failure)


# The requirements.

def session_name(session):
    kind = 'iBGP session' if session.internal else 'session'
    family = ' (IPv6)' if session.version == 6 else ''
    return '%s %s-%s%s is Established' % (kind, session.a, session.b, family)


def side_state(states, me, peer, address):
    """None when me's session to peer at address is Established, else why not."""
    if address is None:
        return '%s has no session planned to %s' % (me, peer)
    session = states.get(me, {}).get(address)
    if session is None:
        return '%s has no session to %s at %s' % (me, peer, address)
    if session.state != 'Established':
        return "%s's session to %s at %s is %s" % (me, peer, address, session.state)
    return None


def session_requirements(plans, states):
    found = []
    for session in planned_sessions(plans):
        causes = [cause for cause in (
            side_state(states, session.a, session.b, session.address_b),
            side_state(states, session.b, session.a, session.address_a)) if cause]
        found.append(grading.Requirement(session_name(session), not causes, '; '.join(causes)))
    return found


def listed(causes):
    shown = '; '.join(causes[:SHOWN])
    more = len(causes) - SHOWN
    return shown + ('; and %d more' % more if more > 0 else '')


def origin_of(as_path, me):
    """The AS a route starts from: the path's last ASN, or me for a route
    of my own AS (an empty path)."""
    ases = valleyfree.as_numbers(as_path)
    return ases[-1] if ases else me


def missing_routes(asn, owed, held):
    """Why held ({prefix: as path}) lacks a route owed ([(prefix, origin)])."""
    causes = []
    for prefix, origin in owed:
        if prefix not in held:
            causes.append("no route to %s (AS %d's)" % (prefix, origin))
        elif origin_of(held[prefix], asn) != origin:
            causes.append("%s (AS %d's) is learned from AS %d"
                          % (prefix, origin, origin_of(held[prefix], asn)))
    return causes


def valleys(asn, held, relationships):
    """'PREFIX via AS path PATH: HOP' for each best route that took a valley."""
    causes = []
    for prefix in sorted(held, key=convergence.family_order):
        hop = valleyfree.valley(held[prefix], asn, relationships)
        if hop:
            causes.append('%s via AS path %s: %s' % (prefix, held[prefix], hop))
    return causes


def route_requirements(lab, prefixes, routes):
    """Per router: it reaches what it should, along valley-free paths.
    routes: {router name: best_routes(router)}."""
    relationships = as_relationships(lab)
    reach = {origin: valleyfree.expected_reach(relationships, origin) for origin in prefixes}
    found = []
    for name in sorted(lab.routers):
        asn = lab.routers[name].asn
        owed = [(prefix, origin) for origin in sorted(prefixes) if asn in reach[origin]
                for prefix in prefixes[origin]]
        held, why = routes[name]
        missing = [why] if why else missing_routes(asn, owed, held)
        bent = [why] if why else valleys(asn, held, relationships)
        found.append(grading.Requirement('%s has a route to each prefix valley-free export gives AS %d'
                                 % (name, asn), not missing, listed(missing)))
        found.append(grading.Requirement("%s's best AS paths are valley-free" % name, not bent,
                                 listed(bent)))
    return found


def evaluate(net, lab, plans):
    """Every requirement, once: net holds the lab's routers by name
    (lab.routers), plans is {router name: RouterPlan}."""
    routers = [net[name] for name in sorted(lab.routers)]
    states = session_states(routers)
    routes = {router.name: best_routes(router) for router in routers}
    return (session_requirements(plans, states) +
            route_requirements(lab, planned_prefixes(plans), routes))
