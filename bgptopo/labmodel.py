"""A lab as a lab file (bgptopo/labfile.py) or an AS graph (bgptopo/asgraph.py)
describes it: ASes, their routers, hosts, links and LANs, and the business
relationship on each link between two ASes. Nothing here knows YAML or a
routing suite: bgptopo/labplan.py turns a Lab into addresses and RouterPlans.

Relationships are said from one side: relationship(a, b) == 'customer'
means b is a's customer (a is b's provider)."""

from collections import namedtuple

# what the other side is, seen from one side
OPPOSITE = {'customer': 'provider', 'provider': 'customer', 'peer': 'peer', 'none': 'none'}

# asn, its router names, the prefixes it originates (ip_networks), its
# route reflectors (router names; none: an iBGP full mesh), the file line;
# server: the server it runs on under `mn --cluster` (None: the placement's
# choice), and the line saying so
AutonomousSystem = namedtuple('AutonomousSystem',
                              'asn routers prefixes reflectors line server server_line',
                              defaults=(None, None))

# name, asn, suite key ('frr', 'bird'), file line
LabRouter = namedtuple('LabRouter', 'name asn suite line')

# name; router: the router it hangs off; image: a Docker image, or None for
# a plain Mininet host; role: 'client' (fetches), 'server' (serves the page)
# or None; shaping: {'delay': '10ms', 'bw': 10, 'loss': 1} of its link; line
LabHost = namedtuple('LabHost', 'name router image role shaping line')

# a link between two routers a and b: relationship is what b is to a
# ('customer', 'peer', 'provider'; None inside one AS); policy 'none' gives
# the seed's accept-the-lab's-prefixes sessions instead of Gao-Rexford;
# password: MD5 of the session; overrides: {router name: {key: value}},
# the session settings of that router (local_pref, med, prepend,
# communities, max_prefix); shaping as for hosts; line
RouterLink = namedtuple('RouterLink', 'a b relationship policy password overrides shaping line')

# a shared LAN (an IXP's peering LAN): routers of different ASes on it
# peer with each other (relationship 'peer', or policy 'none'); subnet: an
# IPv4 ip_network or None (from the pool); line
Lan = namedtuple('Lan', 'name routers policy subnet line')

# source: the file it came from (for sentences); ipv6: dual stack
Lab = namedtuple('Lab', 'source ases routers hosts links lans ipv6')


def router_asn(lab, name):
    return lab.routers[name].asn


def relationship(lab, a, b):
    """What AS b is to AS a ('customer', 'peer', 'provider'), or None when
    no link with a relationship joins them (or a == b)."""
    return as_relationships(lab).get((a, b))


def as_relationships(lab):
    """{(asn a, asn b): what b is to a} for every pair of ASes joined by a
    link or a LAN: 'customer', 'peer', 'provider' (Gao-Rexford policy), or
    'none' where only links with policy none join them."""
    found = {}
    for link in lab.links:
        a, b = router_asn(lab, link.a), router_asn(lab, link.b)
        if link.relationship:
            found[a, b] = link.relationship
            found[b, a] = OPPOSITE[link.relationship]
        elif link.policy == 'none':
            found.setdefault((a, b), 'none')
            found.setdefault((b, a), 'none')
    for lan in lab.lans:
        for a, b in lan_pairs(lab, lan):
            pair = router_asn(lab, a), router_asn(lab, b)
            kind = 'none' if lan.policy == 'none' else 'peer'
            found[pair] = kind if found.get(pair, 'none') == 'none' else found[pair]
            found[pair[::-1]] = found[pair]
    return found


def lan_pairs(lab, lan):
    """(router, router) pairs of different ASes on a LAN: its sessions."""
    names = list(lan.routers)
    return [(a, b) for i, a in enumerate(names) for b in names[i + 1:]
            if router_asn(lab, a) != router_asn(lab, b)]


def client(lab):
    return next((h.name for h in lab.hosts.values() if h.role == 'client'), None)


def server(lab):
    return next((h.name for h in lab.hosts.values() if h.role == 'server'), None)
