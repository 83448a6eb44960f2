"""FRR runs a whole plan on the real stack: a dual-stack lab of four ASes
rendered from RouterPlans by the FRR suite (bgptopo/routing/frr/render.py).

    provider P (AS 65002) ---- C (AS 65004, customer of AS 65001 and of P)
          |                   /
         a1 ----------------'            AS 65001: a1 and a2, iBGP over their
          | iBGP, OSPF                   loopbacks (a1 reflects to a2), OSPF
         a2 ---- Q (AS 65003, peer)      and OSPFv3 between them

Each AS originates 10.N.0.0/24 and 2001:db8:N::/64 (N = AS - 65000) from a
stub LAN; every eBGP link carries an IPv4 and an IPv6 session."""

import ipaddress
import json
import os

import pytest

from bgptopo import addressing, procs, routing
from bgptopo.labtopo import LabTopo
from bgptopo.routing.contract import Peer, RouterPlan

pytestmark = pytest.mark.integration

FRR = routing.suite('frr')
DEADLINE = 30.0     # seconds: the lab converges in about 3
ASNS = {'a1': 65001, 'a2': 65001, 'p': 65002, 'q': 65003, 'c': 65004}
ORIGIN = ('a1', 'p', 'q', 'c')     # who originates its AS's prefixes, from NAME-lan
# (router, router, what the second is to the first's AS), in the order of the links
LINKS = [('a1', 'a2', 'internal'), ('a1', 'p', 'provider'), ('a2', 'q', 'peer'),
         ('a1', 'c', 'customer'), ('p', 'c', 'customer')]
REVERSE = {'internal': 'internal', 'peer': 'peer', 'provider': 'customer',
           'customer': 'provider'}
# per-session overrides: (router, its peer): Peer fields
OVERRIDES = {('c', 'a1'): dict(prepend=3), ('a1', 'p'): dict(password='lab-md5'),
             ('p', 'a1'): dict(password='lab-md5'), ('a1', 'c'): dict(max_prefix=10),
             ('a2', 'q'): dict(med=7, communities=('65001:100',)),
             ('q', 'a2'): dict(local_pref=250)}
LOOPBACKS = {'a1': 1, 'a2': 2}


def prefixes(name):
    """The IPv4 and IPv6 prefixes router name's AS originates."""
    n = ASNS[name] - 65000
    return ipaddress.ip_network('10.%d.0.0/24' % n), ipaddress.ip_network('2001:db8:%d::/64' % n)


def first_address(prefix):
    return ipaddress.ip_interface('%s/%d' % (prefix[1], prefix.prefixlen))


def loopbacks(name):
    i = LOOPBACKS[name]
    return ipaddress.ip_interface('10.255.0.%d/32' % i), \
        ipaddress.ip_interface('2001:db8:ff::%d/128' % i)


def link_ends(k):
    """The addresses of link k's first and second router, both families."""
    return ([ipaddress.ip_interface('10.0.%d.1/30' % k),
             ipaddress.ip_interface('2001:db8:0:%d::1/64' % k)],
            [ipaddress.ip_interface('10.0.%d.2/30' % k),
             ipaddress.ip_interface('2001:db8:0:%d::2/64' % k)])


def link_intf(name, k):
    """Router name's interface on link k (Mininet counts each node's links from eth0)."""
    return '%s-eth%d' % (name, sum(name in link[:2] for link in LINKS[:k]))


class Plan(object):
    """The lab's RouterPlans, assembled link by link."""

    def __init__(self):
        self.interfaces = {name: [] for name in ASNS}
        self.peers = {name: [] for name in ASNS}
        self.ospf = {name: ['lo'] for name in LOOPBACKS}
        for name in LOOPBACKS:
            self.interfaces[name] += [('lo', address) for address in loopbacks(name)]
        for name in ORIGIN:
            self.interfaces[name] += [('%s-lan' % name, first_address(prefix))
                                      for prefix in prefixes(name)]
        for k, (a, b, relationship) in enumerate(LINKS):
            first, second = link_ends(k)
            self.add_end(a, b, link_intf(a, k), first, second, relationship)
            self.add_end(b, a, link_intf(b, k), second, first, REVERSE[relationship])

    def add_end(self, me, other, intf, mine, theirs, relationship):
        self.interfaces[me] += [(intf, address) for address in mine]
        if relationship == 'internal':
            self.ospf[me].append(intf)
            self.peers[me] += internal_peers(me, other)
        else:
            overrides = dict({'password': None}, **OVERRIDES.get((me, other), {}))
            self.peers[me] += [Peer(other, str(address.ip), ASNS[other],
                                    relationship=relationship, **overrides)
                               for address in theirs]

    def router(self, name):
        networks = [(prefix, '%s-lan' % name) for prefix in prefixes(name)] \
            if name in ORIGIN else []
        return RouterPlan(name, ASNS[name], router_id(name), self.interfaces[name], networks,
                          self.peers[name], [], 3, 9, self.ospf.get(name, ()))


def router_id(name):
    """Its IPv4 loopback, else its stub LAN's IPv4 address."""
    return str(loopbacks(name)[0].ip if name in LOOPBACKS else first_address(prefixes(name)[0]).ip)


def internal_peers(me, other):
    """The iBGP sessions of me to other, loopback to loopback; a1 reflects."""
    return [Peer(other, str(theirs.ip), ASNS[other], None, 'internal',
                 local_address=str(mine.ip), rr_client=me == 'a1')
            for mine, theirs in zip(loopbacks(me), loopbacks(other))]


PLANS = {name: plan.router(name) for plan in [Plan()] for name in ASNS}


class PlanLab(LabTopo):
    """The lab above, read from its rendered files (etc={'frr': folder})."""

    def build(self, etc=None):
        for name in ASNS:
            self.addRouter(name, stubs=['%s-lan' % name] if name in ORIGIN else [])
        for a, b, _ in LINKS:
            self.addLink(a, b)


def write_configs(folder):
    """Each router's folder: zebra.conf and the FRR suite's files."""
    for plan in PLANS.values():
        os.makedirs(os.path.join(folder, plan.name))
        files = dict(FRR.render(plan), **{'zebra.conf': addressing.render(plan)})
        for name, text in files.items():
            with open(os.path.join(folder, plan.name, name), 'w') as conf:
                conf.write(text)


def start_lab(folder):
    """The lab of folder's configs, built and started (its daemons just
    launched); the caller stops it."""
    from mininet.net import Mininet
    from bgptopo.preparation import prepare
    net = Mininet(topo=prepare(PlanLab(etc={'frr': folder})), controller=None)
    try:
        net.start()
    except BaseException:
        net.stop()
        raise
    return net


@pytest.fixture(scope='module')
def net(tmp_path_factory):
    folder = str(tmp_path_factory.mktemp('planlab'))
    write_configs(folder)
    lab = start_lab(folder)
    yield lab
    lab.stop()


# what the lab holds, read through the FRR suite (and FRR's JSON where the
# contract says nothing: preferences, communities)

def settled(what, expected):
    """what(), asked until it answers expected or DEADLINE passes: its last answer."""
    answers = []
    procs.wait_until(lambda: answers.append(what()) or answers[-1] == expected, DEADLINE, 0.2)
    return answers[-1]


def session_states(net):
    """{(router, peer address): state} of every session the plans configure."""
    states = {}
    for name, plan in PLANS.items():
        found = FRR.sessions(net[name])
        states.update({(name, peer.address): found[peer.address].state
                       if peer.address in found else 'missing' for peer in plan.peers})
    return states


def best_path(router, prefix):
    """FRR's best path to prefix in router, as `show bgp ... json` gives it ({}: none)."""
    family = 'ipv4' if prefix.version == 4 else 'ipv6'
    answer = FRR.show_json(router, ['bgp', family, 'unicast', str(prefix)])
    return next((path for path in answer.get('paths', [])
                 if path.get('bestpath', {}).get('overall')), {})


def preference(router, prefix):
    path = best_path(router, prefix)
    return path.get('locPrf'), path.get('aspath', {}).get('string')


def addresses_of(name, peer):
    """Router name's session addresses toward peer (IPv4, IPv6)."""
    return [ipaddress.ip_address(p.address) for p in PLANS[name].peers if p.name == peer]


def held(*names):
    """The prefixes of the ASes of routers names, both families."""
    return {prefix for name in names for prefix in prefixes(name)}


def test_every_session_is_established_in_both_families(net):
    expected = {(name, peer.address): 'Established'
                for name, plan in PLANS.items() for peer in plan.peers}
    assert {ipaddress.ip_address(a).version for _, a in expected} == {4, 6}
    assert settled(lambda: session_states(net), expected) == expected


def test_local_preference_comes_from_the_relationship_before_path_length(net):
    """a1 hears c's prefix from its customer c (prepended: 4 hops) and from
    its provider p (2 hops), and takes the customer's; its preferences
    cross iBGP to a2; q's preference is its session's override."""
    for family in (0, 1):
        c_prefix = prefixes('c')[family]
        assert c_prefix in settled(lambda: FRR.kept(net['a1'], addresses_of('a1', 'p')[family]),
                                   {c_prefix} | {prefixes('p')[family]})
        expected = {('a1', 'c'): (300, '65004 65004 65004 65004'), ('a1', 'p'): (100, '65002'),
                    ('a2', 'q'): (200, '65003'), ('a2', 'c'): (300, '65004 65004 65004 65004'),
                    ('c', 'a1'): (100, '65001'), ('q', 'a1'): (250, '65001')}
        assert settled(lambda: {(r, owner): preference(net[r], prefixes(owner)[family])
                                for r, owner in expected}, expected) == expected


def test_a_providers_route_is_not_exported_to_a_peer_and_a_customers_is(net):
    assert settled(lambda: set(FRR.best_routes(net['q'])), held('q', 'a1', 'c')) == \
        held('q', 'a1', 'c')
    assert settled(lambda: set(FRR.best_routes(net['p'])), held('p', 'a1', 'c')) == \
        held('p', 'a1', 'c')
    assert settled(lambda: set(FRR.best_routes(net['c'])), held('c', 'a1', 'p', 'q')) == \
        held('c', 'a1', 'p', 'q')      # a customer gets everything
    for family, address in enumerate(addresses_of('a2', 'q')):
        assert FRR.advertised(net['a2'], address) == {prefixes('a1')[family],
                                                      prefixes('c')[family]}
        assert FRR.kept(net['q'], addresses_of('q', 'a2')[family]) == {
            prefixes('a1')[family], prefixes('c')[family]}


def test_tags_and_overrides_cross_ibgp_and_ebgp(net):
    """c's route reached q with a1's customer tag (set at a1, carried over
    iBGP to a2), a2's MED and community overrides, and q's peer tag."""
    expected = (['65001:0:1', '65003:0:2'], 7, ['65001:100'])
    for prefix in prefixes('c'):
        assert settled(lambda: attributes(best_path(net['q'], prefix)), expected) == expected


def attributes(path):
    """(large communities, MED, communities) of a path of best_path."""
    return (path.get('largeCommunity', {}).get('list'), path.get('metric'),
            path.get('community', {}).get('list'))


def test_ibgp_next_hop_self_puts_routes_across_the_as_in_the_far_kernel(net):
    """a1 reaches q's prefixes through a2's loopback (next-hop-self: q's own
    address is not known inside AS 65001), which OSPF routes over a1-eth0."""
    a1 = net['a1']
    for family, loopback in enumerate(['10.255.0.2', '2001:db8:ff::2']):
        prefix = prefixes('q')[family]
        assert settled(lambda: FRR.best_route(a1, prefix), (str(prefix), '65003', loopback)) \
            == (str(prefix), '65003', loopback)
        version = '-%d' % prefix.version
        assert settled(lambda: kernel_route(a1, version, 'route show %s' % loopback),
                       ('ospf', 'a1-eth0')) == ('ospf', 'a1-eth0')
        assert settled(lambda: kernel_route(a1, version, 'route get %s' % prefix[1])[1:],
                       ('a1-eth0',)) == ('a1-eth0',)


def kernel_route(router, version, what):
    """(protocol, device) of `ip -j -4|-6 route show|get X` in router."""
    try:
        routes = json.loads(router.cmd('ip -j %s %s' % (version, what)))
    except ValueError:
        return None
    return (routes[0].get('protocol'), routes[0].get('dev')) if routes else None


def test_an_ipv6_page_crosses_the_lab_from_customer_to_peer(net, tmp_path):
    """c fetches a page from q over IPv6, from c's LAN address to q's:
    c -> a1 -> a2 -> q and back, on BGP routes only."""
    (tmp_path / 'page.txt').write_text('served by q over IPv6\n')
    server = net['q'].start_process('http', [
        '/usr/bin/python3', '-m', 'http.server', '8000', '--bind', '2001:db8:3::1',
        '--directory', str(tmp_path)], record=False)
    fetch = "curl -6 -g -sS --max-time 2 --interface 2001:db8:4::1 " \
            "'http://[2001:db8:3::1]:8000/page.txt'"
    try:
        assert settled(lambda: net['c'].cmd(fetch).strip(), 'served by q over IPv6') == \
            'served by q over IPv6'
    finally:
        procs.stop(server)
