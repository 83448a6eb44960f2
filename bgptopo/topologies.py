"""The lab's topologies: the seed's bgp3 (with its exercise and hijack
variants) and generated rings. Each only describes its nodes and links
(LabTopo). TOPOLOGIES, at the end, is what bgptopo/topo.py offers mn's --topo.

    HOST --- R1 --- R2 --- WEB_SERVER     R1 AS 4500  (HOST's 10.0.0.0/24)
              \\    /                      R2 AS 55000 (WEB_SERVER's 12.0.0.0/24)
               R3                         R3 AS 65000 (11.0.0.0/24)"""

from bgptopo import generated, hijacking, routing
from bgptopo.errors import LabError
from bgptopo.images import HOST_IMAGE, ROGUE_IMAGE, WEBSERVER_IMAGE
from bgptopo.labtopo import LabTopo
from bgptopo.paths import EXERCISE_DIR, HIJACK_DIR


class Bgp3Topo(LabTopo):
    """Three eBGP routers between a client container and a web server container.
    exercise=1: the routers start from etc/quagga/exercise (BGP left to write).
    hijack=1: a rogue web server behind R3, and a naive R1 (etc/quagga/hijack)."""

    def __init__(self, exercise=0, hijack=0, **params):
        exercise, hijack = generated.whole_numbers(exercise=exercise, hijack=hijack)
        if exercise and hijack:
            raise LabError('exercise=1 and hijack=1 do not go together; pick one.')
        other = params.get('suite', 'frr') != 'frr' or \
            any(params.get(key) for key in routing.SUITES if key != 'frr')
        if (exercise or hijack) and other:
            raise LabError('exercise=1 and hijack=1 are written for FRR routers; leave out '
                           'suite= and bird= with them.')
        if exercise or hijack:
            params['etc'] = {'frr': EXERCISE_DIR if exercise else HIJACK_DIR}
        LabTopo.__init__(self, exercise=exercise, hijack=hijack, **params)

    def build(self, etc=None, exercise=0, hijack=0):
        host = self.addDockerHost('host', HOST_IMAGE, ip='10.0.0.1/24')
        webserver = self.addDockerHost('webserver', WEBSERVER_IMAGE, ip='12.0.0.1/24')
        # in the hijack scenario R1 validates route origins (RPKI)
        r1 = self.addRouter('r1', **(hijacking.rpki_params() if int(hijack) else {}))
        r2 = self.addRouter('r2')
        r3 = self.addRouter('r3', stubs=['r3-lan'])     # 11.0.0.0/24 lives here
        self.addLink(host, r1)
        self.addLink(r1, r2)
        self.addLink(r1, r3)
        self.addLink(r2, r3)
        self.addLink(r2, webserver)
        if int(hijack):
            # the attacker's server claims the web server's own address
            rogue = self.addDockerHost('rogue', ROGUE_IMAGE, ip=hijacking.ROGUE_IP,
                                       defaultRoute='via %s' % hijacking.ROGUE_GATEWAY)
            self.addLink(r3, rogue)                     # r3-eth2


class BgpRingTopo(LabTopo):
    """n routers, each its own AS with a stub LAN, in a ring (mesh=1: a full
    mesh); configs generated from data. For scale benchmarks."""

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
TOPOLOGIES = {'bgp3': Bgp3Topo, 'bgpring': BgpRingTopo}
