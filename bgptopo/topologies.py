"""The lab's topologies: the seed's bgp3 and generated rings. Each only
describes its nodes and links (LabTopo); bgp3's scenarios (exercise=1,
hijack=1: bgptopo/scenarios/) add theirs. TOPOLOGIES, at the end, is what
bgptopo/topo.py offers mn's --topo.

    HOST --- R1 --- R2 --- WEB_SERVER     R1 AS 4500  (HOST's 10.0.0.0/24)
              \\    /                      R2 AS 55000 (WEB_SERVER's 12.0.0.0/24)
               R3                         R3 AS 65000 (11.0.0.0/24)"""

from bgptopo import generated, routing, scenarios
from bgptopo.images import HOST_IMAGE, WEBSERVER_IMAGE
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
        return params

    def build(self, n=10, mesh=0, etc=None):
        routers = [self.addRouter('r%d' % i, stubs=['r%d-lan' % i])
                   for i in range(1, int(n) + 1)]
        for a, b in self.router_pairs:
            self.addLink(routers[a - 1], routers[b - 1])


# what `--topo NAME` builds
TOPOLOGIES = {topology.name: topology for topology in (Bgp3Topo, BgpRingTopo)}
