"""Integration: BIRD routers running the configs rendered from a whole plan
(relationships, iBGP over OSPF, overrides, dual stack), on the real stack.

    AS 65002 prov ------------- cust AS 65004      prov is a1's and cust's provider
              |                 /                  cust prepends 3 times toward a1
              a1 ===iBGP=== a2 --- peer AS 65003   peer is a2's peer
              AS 65001 (OSPF inside; a1 reflects routes to a2)

Every router but a2 originates a LAN (10.N.0.0/24 and 2001:db8:N::/64);
every link has an IPv4 and an IPv6 session. The plans are written as a
generated lab's are (DIR/<router>/zebra.conf, bird.conf) and loaded by a
LabTopo with etc={'bird': DIR}."""

import ipaddress
import json
import re

import pytest

from bgptopo.labtopo import LabTopo
from bgptopo.routing.contract import Peer, RouterPlan

pytestmark = pytest.mark.integration

ASN = {'a1': 65001, 'a2': 65001, 'prov': 65002, 'peer': 65003, 'cust': 65004}
LAN = {'a1': 1, 'prov': 2, 'peer': 3, 'cust': 4}       # router: N of its LAN
LOOPBACKS = {'a1': 1, 'a2': 2}                          # routers with iBGP: N of 10.255.0.N
LINKS = (('a1', 'a2'), ('a1', 'prov'), ('a1', 'cust'), ('a2', 'peer'), ('cust', 'prov'))
# what b is to a, for (a, b) and, opposite, (b, a)
RELATIONSHIPS = {('a1', 'prov'): 'provider', ('a1', 'cust'): 'customer',
                 ('a2', 'peer'): 'peer', ('cust', 'prov'): 'provider'}
OPPOSITE = {'customer': 'provider', 'provider': 'customer', 'peer': 'peer'}
# (router, peer): its session's settings beyond the plan's defaults
OVERRIDES = {('cust', 'a1'): {'prepend': 3, 'med': 50, 'communities': ('65004:42',)},
             ('a1', 'prov'): {'password': 'lab-a1-prov', 'max_prefix': 10},
             ('prov', 'a1'): {'password': 'lab-a1-prov'}}
CONVERGE_TIMEOUT = 60.0
I, P = ipaddress.ip_interface, ipaddress.ip_network


def lan_prefixes(router):
    n = LAN[router]
    return [P('10.%d.0.0/24' % n), P('2001:db8:%d::/64' % n)]


def loopbacks(router):
    n = LOOPBACKS[router]
    return [I('10.255.0.%d/32' % n), I('2001:db8:ffff::%d/128' % n)]


def link_addresses(k, side):
    """Link k's two addresses (IPv4, IPv6) of side 1 or 2."""
    return [I('10.0.%d.%d/24' % (k, side)), I('2001:db8:ff:%d::%d/64' % (k, side))]


def relationship(a, b):
    if ASN[a] == ASN[b]:
        return 'internal'
    if (a, b) in RELATIONSHIPS:
        return RELATIONSHIPS[a, b]
    return OPPOSITE[RELATIONSHIPS[b, a]]


def plans():
    """{router: RouterPlan}: interfaces named as Mininet numbers ports (in
    LINKS' order), iBGP between loopbacks, eBGP on link addresses."""
    interfaces = {r: [] for r in ASN}
    peers = {r: [] for r in ASN}
    for r in LAN:
        interfaces[r] += [('%s-lan' % r, I('%s/%d' % (net[1], net.prefixlen)))
                          for net in lan_prefixes(r)]
    for r in LOOPBACKS:
        interfaces[r] += [('lo', address) for address in loopbacks(r)]
    ports = dict.fromkeys(ASN, 0)
    for k, (a, b) in enumerate(LINKS):
        for me, other, mine, theirs in ((a, b, 1, 2), (b, a, 2, 1)):
            interfaces[me] += [('%s-eth%d' % (me, ports[me]), address)
                               for address in link_addresses(k, mine)]
            ports[me] += 1
            peers[me] += sessions(me, other, link_addresses(k, theirs))
    # router id: the first address, the LAN's or the loopback's
    return {r: RouterPlan(r, ASN[r], str(interfaces[r][0][1].ip), interfaces[r],
                          [(net, '%s-lan' % r) for net in lan_prefixes(r)] if r in LAN else [],
                          peers[r], [], 3, 9, ('lo', '%s-eth0' % r) if r in LOOPBACKS else ())
            for r in ASN}


def sessions(me, other, their_link_addresses):
    """me's two Peers (IPv4, IPv6) with other."""
    kind = relationship(me, other)
    settings = dict({'password': None}, **OVERRIDES.get((me, other), {}))
    if kind == 'internal':
        return [Peer(other, theirs.ip, ASN[other], None, kind, mine.ip, me == 'a1')
                for mine, theirs in zip(loopbacks(me), loopbacks(other))]
    return [Peer(other, theirs.ip, ASN[other], relationship=kind, **settings)
            for theirs in their_link_addresses]


def write_plans(folder):
    """The plans in generated style: folder/<router>/zebra.conf, bird.conf."""
    from bgptopo import addressing, routing
    for plan in plans().values():
        router_dir = folder / plan.name
        router_dir.mkdir()
        files = {'zebra.conf': addressing.render(plan)}
        files.update(routing.suite('bird').render(plan))
        for name, text in files.items():
            (router_dir / name).write_text(text)
    return str(folder)


class PlanLab(LabTopo):
    """The routers and links above, their configs rendered into folder."""

    def __init__(self, folder, **params):
        self.folder = folder
        LabTopo.__init__(self, **params)

    def generate(self, params):
        params['etc'] = {'bird': write_plans(self.folder)}
        return params

    def build(self, etc=None):
        for name in ASN:
            self.addRouter(name, stubs=['%s-lan' % name] if name in LAN else [])
        for a, b in LINKS:
            self.addLink(a, b)


# Valley-free, each router's best AS path to each LAN (both families)
EXPECTED_PATHS = {
    'a1': {'a1': '', 'prov': '65002', 'peer': '65003', 'cust': '65004 65004 65004 65004'},
    'a2': {'a1': '', 'prov': '65002', 'peer': '65003', 'cust': '65004 65004 65004 65004'},
    'prov': {'prov': '', 'a1': '65001', 'cust': '65004'},
    'peer': {'peer': '', 'a1': '65001', 'cust': '65001 65004 65004 65004 65004'},
    'cust': {'cust': '', 'a1': '65001', 'prov': '65002', 'peer': '65001 65003'},
}


def expected_routes(router):
    return {net: path for lan, path in EXPECTED_PATHS[router].items()
            for net in lan_prefixes(lan)}


def every_session_established(net):
    return all(sessions_of(net[name]) and
               set(state for state, _ in sessions_of(net[name]).values()) == {'Established'}
               for name in ASN)


def sessions_of(router):
    return router.routing.sessions(router)


def routed_as_planned(net):
    return every_session_established(net) and \
        all(net[name].routing.best_routes(net[name]) == expected_routes(name) for name in ASN)


@pytest.fixture(scope='module')
def plan_lab(tmp_path_factory):
    from mininet.net import Mininet
    from bgptopo import procs
    from bgptopo.preparation import prepare
    topo = PlanLab(tmp_path_factory.mktemp('bird-plans'), suite='bird')
    net = Mininet(topo=prepare(topo), controller=None)
    try:
        net.start()
        assert procs.wait_until(lambda: routed_as_planned(net), CONVERGE_TIMEOUT), {
            name: (sessions_of(net[name]), net[name].routing.best_routes(net[name]))
            for name in ASN}
        yield net
    finally:
        net.stop()


def bgp_attribute(router, prefix, name):
    """The BGP attribute name (`local_pref`, `large_community`, ...) of
    router's best route to prefix, as birdc shows it."""
    shown = router.birdc('show route %s all' % prefix).split('unicast [')[1]
    found = re.search(r'^\s*BGP\.%s: (.*)$' % name, shown, re.MULTILINE)
    return found.group(1).strip() if found else None


def test_sessions_are_established_in_both_families(plan_lab):
    a1 = plan_lab['a1']
    sessions = sessions_of(a1)
    assert sorted(sessions) == sorted(['10.255.0.2', '2001:db8:ffff::2', '10.0.1.2',
                                       '2001:db8:ff:1::2', '10.0.2.2', '2001:db8:ff:2::2'])
    assert {state for state, _ in sessions.values()} == {'Established'}
    # an IPv6 session carries IPv6 routes only: cust's LAN (and prov's, via prov)
    assert sessions['2001:db8:ff:2::2'] == ('Established', 1)


def test_every_router_routes_valley_free(plan_lab):
    for name in ASN:
        router = plan_lab[name]
        assert router.routing.best_routes(router) == expected_routes(name), name


def test_local_preference_follows_the_relationship(plan_lab):
    a1, a2 = plan_lab['a1'], plan_lab['a2']
    cust, prov, peer = (lan_prefixes(name) for name in ('cust', 'prov', 'peer'))
    for family in (0, 1):
        # cust's route straight from cust (customer, 300) beats prov's
        # shorter one (provider, 100): prepended 3 times, with its MED and community
        assert a1.routing.best_route(a1, cust[family]).as_path == '65004 65004 65004 65004'
        assert bgp_attribute(a1, cust[family], 'local_pref') == '300'
        assert bgp_attribute(a1, cust[family], 'med') == '50'
        assert bgp_attribute(a1, cust[family], 'community') == '(65004,42)'
        assert bgp_attribute(a1, prov[family], 'local_pref') == '100'
        assert bgp_attribute(a2, peer[family], 'local_pref') == '200'
        # over iBGP as tagged and preferred at a1
        assert bgp_attribute(a2, cust[family], 'local_pref') == '300'
        assert bgp_attribute(a2, cust[family], 'large_community') == '(65001, 0, 1)'
        assert bgp_attribute(a2, prov[family], 'large_community') == '(65001, 0, 3)'


def test_a_peer_gets_customers_routes_and_no_providers(plan_lab):
    a1, a2, peer = plan_lab['a1'], plan_lab['a2'], plan_lab['peer']
    for family, address in ((0, '10.0.3.2'), (1, '2001:db8:ff:3::2')):
        sent = a2.routing.advertised(a2, address)
        assert sent == {lan_prefixes('a1')[family], lan_prefixes('cust')[family]}
        assert lan_prefixes('prov')[family] in a2.routing.best_routes(a2)
    # nor does a1 give the provider what the peer sent
    for address in ('10.0.1.2', '2001:db8:ff:1::2'):
        assert not {net for lan in ('peer', 'prov') for net in lan_prefixes(lan)} & \
            a1.routing.advertised(a1, address)
    assert lan_prefixes('prov')[0] not in peer.routing.best_routes(peer)


def kernel_route(router, prefix):
    """router's kernel route to prefix (ip's JSON), or None."""
    family = '-6' if prefix.version == 6 else '-4'
    routes = json.loads(router.cmd('ip -j %s route show %s' % (family, prefix)) or '[]')
    return routes[0] if routes else None


def test_a_route_across_ibgp_is_in_the_far_routers_kernel(plan_lab):
    from bgptopo import convergence
    a2 = plan_lab['a2']
    assert set(lan_prefixes('cust')) <= convergence.kernel_prefixes(a2, {4, 6})
    for prefix in lan_prefixes('cust') + lan_prefixes('prov'):
        route = kernel_route(a2, prefix)
        # through a1 (a1's loopback, resolved by OSPF onto the a1-a2 link)
        assert route and route['protocol'] == 'bird' and route['dev'] == 'a2-eth0', route
    assert a2.routing.best_route(a2, '10.4.0.1').next_hop == '10.255.0.1'
    assert a2.routing.best_route(a2, '2001:db8:4::1').next_hop == '2001:db8:ffff::1'


# one TCP exchange over IPv6 (no ping on this machine): the server answers
# with the address it sees the client at
SERVER = ("import socket; s = socket.socket(socket.AF_INET6); s.bind(('2001:db8:3::1', 8080)); "
          "s.listen(1); s.settimeout(30); c, a = s.accept(); c.sendall(a[0].encode()); c.close()")
CLIENT = ("import socket; s = socket.create_connection(('2001:db8:3::1', 8080), timeout=10, "
          "source_address=('2001:db8:4::1', 0)); print(s.recv(100).decode())")


def test_ipv6_crosses_the_lab_end_to_end(plan_lab):
    """cust's LAN to peer's: up to a1, across iBGP to a2, to its peer, and back."""
    from bgptopo import procs
    cust, peer = plan_lab['cust'], plan_lab['peer']
    server = peer.popen(['/usr/bin/python3', '-c', SERVER])
    try:
        assert procs.wait_until(lambda: peer.cmd('ss -H -ltn sport = :8080').strip(), 10)
        answer = cust.cmd("timeout 20 /usr/bin/python3 -c \"%s\"" % CLIENT)
        assert answer.strip() == '2001:db8:4::1', answer
    finally:
        server.kill()
        server.wait()
