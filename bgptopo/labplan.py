"""A Lab (bgptopo/labmodel.py) made concrete: every address, interface and
session, as RouterPlans each routing suite renders (bgptopo/routing/) and
the wiring the lab-file topology builds. Addresses a file does not give
come from these pools, in the order things appear in the file:

    what                        IPv4                      IPv6 (ipv6: true)
    an AS's prefixes            100.64.0.0/10, a /24 each  2001:db8::/32, a /48 each
    router loopbacks            198.18.0.0/15, a /32 each  fd00::/64, a /128 each
    router-router links         172.16.0.0/12, a /30 each  fd00:1::/48, a /64 each
    LANs (an IXP)               192.168.0.0/16, a /24 each fd00:2::/48, a /64 each

On a host's LAN (one of its AS's prefixes) the host has the first address
(10.0.0.1, 2001:db8:1::1) and its router the last of the /24 (.254) or
::fe; on a link, the first router written has .1 / ::1. An AS's prefixes
no host sits in are stub LANs of its first router (r3-lan, r3-lan2)."""

import ipaddress
from collections import namedtuple

from bgptopo import generated, valleyfree
from bgptopo.errors import LabError
from bgptopo.labfile import Where
from bgptopo.labmodel import as_relationships, lan_pairs
from bgptopo.routing.contract import Peer, RouterPlan

POOLS = {
    'prefix': (ipaddress.ip_network('100.64.0.0/10'), 24,
               ipaddress.ip_network('2001:db8::/32'), 48),
    'loopback': (ipaddress.ip_network('198.18.0.0/15'), 32, ipaddress.ip_network('fd00::/64'), 128),
    'link': (ipaddress.ip_network('172.16.0.0/12'), 30, ipaddress.ip_network('fd00:1::/48'), 64),
    'lan': (ipaddress.ip_network('192.168.0.0/16'), 24, ipaddress.ip_network('fd00:2::/48'), 64),
}
KEEPALIVE, HOLD = 3, 9
MAX_INTERFACE_NAME = 15     # Linux's IFNAMSIZ less its terminating zero

# a veth the topology adds: node a's port_a to node b's port_b, shaped
# (delay, bw, loss) when the file says so
Wire = namedtuple('Wire', 'a b port_a port_b shaping')
# a host's addresses (ip_interfaces; ip6 None without IPv6) and gateways
HostPlan = namedtuple('HostPlan', 'name router image role ip ip6 gateway gateway6')
# the whole lab: {router: RouterPlan}, {router: suite key}, [Wire],
# {router: [stub interface]}, {host: HostPlan}, [LAN name], ipv6
LabPlan = namedtuple('LabPlan', 'routers suites wires stubs hosts lans ipv6')


def nth(pool, index, version):
    """The index-th subnet (from 0) of a pool, of the family asked for."""
    net4, len4, net6, len6 = POOLS[pool]
    net, length = (net4, len4) if version == 4 else (net6, len6)
    count = 2 ** (length - net.prefixlen)
    if index >= count:
        raise LabError('the lab needs more than the %d %s subnets of the %s pool (%s); make it '
                       'smaller.' % (count, pool, 'IPv%d' % version, net))
    return ipaddress.ip_network((int(net.network_address) + index * 2 ** (net.max_prefixlen -
                                                                         length), length))


def interface(network, index):
    """network's index-th address (negative: from the end) with its length."""
    return ipaddress.ip_interface((network[index], network.prefixlen))


def router_side(network):
    """A router's address on a host's LAN: .254 of a /24, ::fe of IPv6."""
    return interface(network, -2 if network.version == 4 else 0xfe)


class Planner(object):
    """Walks a Lab once, handing out ports, addresses and sessions."""

    def __init__(self, lab):
        self.lab = lab
        self.versions = (4, 6) if lab.ipv6 else (4,)
        self.ports = {name: 0 for name in lab.routers}
        self.interfaces = {name: [] for name in lab.routers}
        self.networks = {name: [] for name in lab.routers}
        self.peers = {name: [] for name in lab.routers}
        self.ospf = {name: [] for name in lab.routers}
        self.stubs = {name: [] for name in lab.routers}
        self.wires, self.hosts = [], {}
        self.loopbacks = {}

    def plan(self):
        prefixes = self.prefixes()
        self.add_loopbacks()
        self.add_hosts(prefixes)
        self.add_stubs(prefixes)
        self.add_links()
        self.add_lans()
        self.add_internal_sessions()
        accept = [(prefix, None, None) for found in prefixes.values() for prefix in found]
        routers = {name: RouterPlan(name, router.asn, str(self.loopbacks[name][0].ip),
                                    self.interfaces[name], self.networks[name],
                                    self.peers[name], accept, KEEPALIVE, HOLD,
                                    self.ospf[name])
                   for name, router in self.lab.routers.items()}
        suites = {name: router.suite for name, router in self.lab.routers.items()}
        return LabPlan(routers, suites, self.wires, self.stubs, self.hosts,
                       [lan.name for lan in self.lab.lans], self.lab.ipv6)

    # addresses

    def prefixes(self):
        """{asn: [ip_network]}: the file's, then the pools' for a family an
        AS lacks (one per host of the AS, at least one)."""
        found, counter = {}, {4: 0, 6: 0}
        for asn, spec in self.lab.ases.items():
            mine = list(spec.prefixes)
            self.require_outside_pools(mine, spec)
            hosts = [h for h in self.lab.hosts.values() if self.lab.routers[h.router].asn == asn]
            for version in self.versions:
                given = [p for p in mine if p.version == version]
                if not given:
                    for _ in range(max(1, len(hosts))):
                        mine.append(nth('prefix', counter[version], version))
                        counter[version] += 1
                elif len(given) < len(hosts):
                    raise Where(self.lab.source, spec.line).error(
                        'AS %d has %d IPv%d prefix(es) for %d hosts, and each host sits in '
                        'one; give it more prefixes (or leave them out for the pools).'
                        % (asn, len(given), version, len(hosts)))
            found[asn] = mine
        return found

    def require_outside_pools(self, prefixes, spec):
        for prefix in prefixes:
            for pool, (net4, _, net6, _) in POOLS.items():
                if pool != 'prefix' and prefix.overlaps(net4 if prefix.version == 4 else net6):
                    raise Where(self.lab.source, spec.line).error(
                        '%s overlaps the lab\'s %s addresses (%s); choose a prefix outside '
                        'the pools the README lists.' % (
                            prefix, pool, net4 if prefix.version == 4 else net6))

    def add_loopbacks(self):
        for index, name in enumerate(self.lab.routers):
            mine = [interface(nth('loopback', index + 1, version), 0)
                    for version in self.versions]
            self.loopbacks[name] = mine
            self.interfaces[name] += [('lo', address) for address in mine]

    def port(self, name):
        """The next free port of a router (Mininet names it name-ethN)."""
        port = self.ports[name]
        self.ports[name] += 1
        if len('%s-eth%d' % (name, port)) > MAX_INTERFACE_NAME:
            raise LabError('router %s would have an interface named %s-eth%d, longer than the '
                           '%d characters Linux allows; give it a shorter name (an AS graph: '
                           'leave out ASes with numbers of 7 digits or more).'
                           % (name, name, port, MAX_INTERFACE_NAME))
        return port

    def add_hosts(self, prefixes):
        """Each host on a LAN of its own: the next unused prefix of each
        family of its router's AS."""
        used = {asn: set() for asn in prefixes}
        for host in self.lab.hosts.values():
            asn = self.lab.routers[host.router].asn
            port = self.port(host.router)
            intf = '%s-eth%d' % (host.router, port)
            addresses = {}
            for version in self.versions:
                prefix = next(p for p in prefixes[asn]
                              if p.version == version and p not in used[asn])
                used[asn].add(prefix)
                addresses[version] = (interface(prefix, 1), router_side(prefix))
                self.interfaces[host.router].append((intf, addresses[version][1]))
                self.networks[host.router].append((prefix, intf))
            ip, gateway = addresses[4]
            ip6, gateway6 = addresses.get(6, (None, None))
            self.hosts[host.name] = HostPlan(host.name, host.router, host.image, host.role,
                                             ip, ip6, gateway.ip, gateway6 and gateway6.ip)
            self.wires.append(Wire(host.router, host.name, port, 0, host.shaping))
        self.used = used

    def add_stubs(self, prefixes):
        """An AS's prefixes without a host live on its first router's stubs,
        an IPv4 and an IPv6 prefix on each."""
        for asn, found in prefixes.items():
            first = self.lab.ases[asn].routers[0]
            left = [[p for p in found if p.version == version and p not in self.used[asn]]
                    for version in self.versions]
            for number in range(max(map(len, left))):
                intf = '%s-lan%s' % (first, number + 1 if number else '')
                self.stubs[first].append(intf)
                for prefix in [family[number] for family in left if number < len(family)]:
                    self.interfaces[first].append((intf, router_side(prefix)))
                    self.networks[first].append((prefix, intf))

    def add_links(self):
        for index, link in enumerate(self.lab.links):
            ports = (self.port(link.a), self.port(link.b))
            self.wires.append(Wire(link.a, link.b, ports[0], ports[1], link.shaping))
            intfs = ['%s-eth%d' % (end, port) for end, port in zip((link.a, link.b), ports)]
            same_as = self.lab.routers[link.a].asn == self.lab.routers[link.b].asn
            for version in self.versions:
                subnet = nth('link', index, version)
                ends = [interface(subnet, 1), interface(subnet, 2)]
                for end, intf, address in zip((link.a, link.b), intfs, ends):
                    self.interfaces[end].append((intf, address))
                if not same_as:
                    self.ebgp(link.a, link.b, ends[1].ip, link.relationship, link)
                    self.ebgp(link.b, link.a, ends[0].ip, opposite(link.relationship), link)
            if same_as:
                for end, intf in zip((link.a, link.b), intfs):
                    self.ospf[end].append(intf)

    def ebgp(self, me, other, address, relationship, link):
        settings = link.overrides.get(me, {}) if link else {}
        self.peers[me].append(Peer(
            other, str(address), self.lab.routers[other].asn, link.password if link else None,
            relationship, local_pref=settings.get('local_pref'), med=settings.get('med'),
            prepend=settings.get('prepend', 0),
            communities=tuple(settings.get('communities', ())),
            max_prefix=settings.get('max_prefix')))

    def add_lans(self):
        for index, lan in enumerate(self.lab.lans):
            self.wires += [Wire(router, lan.name, self.port(router), port, {})
                           for port, router in enumerate(lan.routers, 1)]
            addresses = {}
            for version in self.versions:
                subnet = lan.subnet if lan.subnet and version == 4 else nth('lan', index, version)
                for number, router in enumerate(lan.routers, 1):
                    address = interface(subnet, number)
                    addresses[router, version] = address.ip
                    self.interfaces[router].append((self.lan_port(router, lan.name), address))
            relationship = None if lan.policy == 'none' else 'peer'
            for a, b in lan_pairs(self.lab, lan):
                for version in self.versions:
                    self.ebgp(a, b, addresses[b, version], relationship, None)
                    self.ebgp(b, a, addresses[a, version], relationship, None)

    def lan_port(self, router, lan):
        port = next(w.port_a for w in self.wires if w.a == router and w.b == lan)
        return '%s-eth%d' % (router, port)

    def add_internal_sessions(self):
        """iBGP between loopbacks: a full mesh, or every router with the
        reflectors (which mesh among themselves); OSPF carries the loopbacks."""
        for asn, spec in self.lab.ases.items():
            if len(spec.routers) < 2:
                continue
            for name in spec.routers:
                self.ospf[name].insert(0, 'lo')
            reflectors = spec.reflectors
            for a in spec.routers:
                for b in spec.routers:
                    if a == b or (reflectors and a not in reflectors and b not in reflectors):
                        continue
                    client = bool(reflectors) and a in reflectors and b not in reflectors
                    for mine, theirs in zip(self.loopbacks[a], self.loopbacks[b]):
                        self.peers[a].append(Peer(b, str(theirs.ip), asn, None, 'internal',
                                                  local_address=str(mine.ip),
                                                  rr_client=client))


def opposite(relationship):
    return {'customer': 'provider', 'provider': 'customer'}.get(relationship, relationship)


def plan(lab):
    return Planner(lab).plan()


def owed_prefixes(lab, plans):
    """{router name: set of ip_networks} each router should route: the
    prefixes of every AS whose routes valley-free export (and policy-none
    links) bring to the router's AS, its own included."""
    relationships = as_relationships(lab)
    origins = {}
    for router in plans.values():
        origins.setdefault(router.asn, set()).update(net for net, _ in router.networks)
    reaching = {asn: set() for asn in origins}
    for origin in origins:
        for asn in valleyfree.expected_reach(relationships, origin) & set(origins):
            reaching[asn] |= origins[origin]
    return {name: reaching[router.asn] for name, router in plans.items()}


def render(lab_plan, top):
    """The lab's configs written into top (`bgptopo render`)."""
    return generated.write_tree(lab_plan.routers.values(), top)


def write_run_configs(lab_plan):
    """A fresh run directory with the lab's configs for every suite,
    removed when we exit (generated.py says how)."""
    top = generated.run_directory()
    generated.write_tree(lab_plan.routers.values(), top)
    return top
