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
import os

import pytest

from bgptopo import addressing, procs, routing
from bgptopo.labtopo import LabTopo
from bgptopo.routing.contract import Peer, RouterPlan

FRR = routing.suite('frr')
DEADLINE = 40.0
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
