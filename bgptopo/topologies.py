"""The lab's topologies: the seed's bgp3, generated rings, labs from a
file (lab,file=mylab.yml) and from a CAIDA AS graph (asgraph,file=F,n=N). Each only describes its nodes and links (LabTopo); bgp3's scenarios (exercise=1,
hijack=1: bgptopo/scenarios/) add theirs. TOPOLOGIES, at the end, is what
bgptopo/topo.py offers mn's --topo.

    HOST --- R1 --- R2 --- WEB_SERVER     R1 AS 4500  (HOST's 10.0.0.0/24)
              \\    /                      R2 AS 55000 (WEB_SERVER's 12.0.0.0/24)
               R3                         R3 AS 65000 (11.0.0.0/24)"""

import os

from mininet.log import warn

from bgptopo import generated, routing, scenarios
from bgptopo.errors import LabError
from bgptopo.images import HOST_IMAGE, WEBSERVER_IMAGE
from bgptopo.labnodes import LanBridge, PlainHost, ShapedLink
from bgptopo.labtopo import LabTopo


class Bgp3Topo(LabTopo):
    """Three eBGP routers between a client container and a web server container.
    Its scenarios turn on by their flags (bgptopo/scenarios/): exercise=1 (the
    routers' BGP left to write), hijack=1 (a rogue web server behind R3)."""

    name = 'bgp3'

    def __init__(self, **params):
        self.scenarios = scenarios.chosen(self.name, params)
        LabTopo.__init__(self, **params)

    @classmethod
    def accepted_params(cls):
        return scenarios.accepted_params(cls, super().accepted_params())

    def build(self, etc=None):
        host = self.addDockerHost('host', HOST_IMAGE, ip='10.0.0.1/24')
        webserver = self.addDockerHost('webserver', WEBSERVER_IMAGE, ip='12.0.0.1/24')
        r1 = self.addRouter('r1')
        r2 = self.addRouter('r2')
        r3 = self.addRouter('r3', stubs=['r3-lan'])     # 11.0.0.0/24 lives here
        self.addLink(host, r1)
        self.addLink(r1, r2)
        self.addLink(r1, r3)
        self.addLink(r2, r3)
        self.addLink(r2, webserver)
        scenarios.extend(self)


class BgpRingTopo(LabTopo):
    """n routers, each its own AS with a stub LAN, in a ring (mesh=1: a full
    mesh); configs generated from data. For scale benchmarks."""

    name = 'bgpring'

    def __init__(self, n=10, mesh=0, **params):
        n, mesh = generated.whole_numbers(n=n, mesh=mesh)
        self.router_pairs = (generated.mesh_links if mesh else generated.ring_links)(n)
        LabTopo.__init__(self, n=n, mesh=mesh, **params)

    def generate(self, params):
        configs = generated.write_configs(params['n'], self.router_pairs)
        params['etc'] = dict.fromkeys(routing.SUITES, configs)
        self.rendered_configs = True
        return params

    def build(self, n=10, mesh=0, etc=None):
        routers = [self.addRouter('r%d' % i, stubs=['r%d-lan' % i])
                   for i in range(1, int(n) + 1)]
        for a, b in self.router_pairs:
            self.addLink(routers[a - 1], routers[b - 1])


class PlannedTopo(LabTopo):
    """A lab built from a LabPlan (bgptopo/labplan.py): its routers with
    the plan's suites, hosts, LAN bridges and links on the plan's ports.
    self.lab (the Lab) tells commands the hosts' roles and the ASes'
    relationships, self.owed the prefixes each router should route
    (worked out once: convergence polls it). etc=DIR: the configs in DIR
    (`bgptopo render`, edited) instead of freshly rendered ones."""

    def __init__(self, lab, **params):
        self.lab = lab
        from bgptopo import labplan     # imported by the labs that need it (as mn starts: 5 ms)
        self.plan = labplan.plan(lab)
        self.owed = labplan.owed_prefixes(lab, self.plan.routers)
        LabTopo.__init__(self, **params)

    def generate(self, params):
        etc = params.get('etc')
        if etc and not os.path.isdir(etc):
            raise LabError('etc=%s is no folder; give the folder `bgptopo render` wrote.' % etc)
        from bgptopo import labplan
        params['etc'] = dict.fromkeys(routing.SUITES, etc or labplan.write_run_configs(self.plan))
        self.rendered_configs = not etc
        return params

    def planned_suites(self):
        return self.plan.suites

    def build(self, etc=None, **_params):
        for name in self.plan.routers:
            self.addRouter(name, stubs=self.plan.stubs[name])
        for name in self.plan.lans:
            self.addSwitch(name, cls=LanBridge)
        for host in self.plan.hosts.values():
            self.add_planned_host(host)
        for wire in self.plan.wires:
            self.addLink(wire.a, wire.b, port1=wire.port_a, port2=wire.port_b,
                         **(dict(wire.shaping, cls=ShapedLink) if wire.shaping else {}))

    def add_planned_host(self, host):
        ipv6 = dict(ip6=str(host.ip6), gateway6=str(host.gateway6)) if host.ip6 else {}
        if host.image:
            self.addDockerHost(host.name, host.image, ip=str(host.ip), **ipv6)
        else:
            self.addHost(host.name, cls=PlainHost, ip=str(host.ip),
                         serves=host.role == 'server', **ipv6)


class LabFileTopo(PlannedTopo):
    """The lab a YAML file describes (bgptopo/labfile.py; examples/)."""

    name = 'lab'

    def __init__(self, file=None, **params):
        if not file:
            raise LabError('--topo lab needs the lab file: --topo lab,file=examples/bgp3.yml.')
        from bgptopo import labfile     # and YAML: 23 ms as mn starts, for lab files only
        lab = labfile.load(file)
        for sentence in labfile.warnings(lab):
            warn('*** bgptopo: %s\n' % sentence)
        PlannedTopo.__init__(self, lab, file=file, **params)

    def build(self, file=None, etc=None):
        PlannedTopo.build(self)


class AsGraphTopo(PlannedTopo):
    """n ASes of a CAIDA AS-relationship file (serial-1, plain or .bz2),
    one router each, with Gao-Rexford policies from the file's
    relationships (bgptopo/asgraph.py says which ASes are chosen); seed=S:
    a random connected sample; ipv6=1: dual stack."""

    name = 'asgraph'

    def __init__(self, file=None, n=20, seed=None, ipv6=0, **params):
        if not file:
            raise LabError('--topo asgraph needs a CAIDA AS-relationship file: '
                           '--topo asgraph,file=20240101.as-rel.txt.bz2,n=20.')
        numbers = generated.whole_numbers(n=n, ipv6=ipv6, **({'seed': seed} if seed else {}))
        from bgptopo import asgraph
        lab = asgraph.lab_from_graph(file, numbers[0], int(seed) if seed else None,
                                     ipv6=bool(numbers[1]))
        PlannedTopo.__init__(self, lab, file=file, n=n, seed=seed, ipv6=ipv6, **params)

    def build(self, file=None, n=20, seed=None, ipv6=0, etc=None):
        PlannedTopo.build(self)


# what `--topo NAME` builds
TOPOLOGIES = {topology.name: topology
              for topology in (Bgp3Topo, BgpRingTopo, LabFileTopo, AsGraphTopo)}
