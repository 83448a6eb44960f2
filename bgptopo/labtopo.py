"""LabTopo: a Mininet Topo of BGP routers and Docker hosts, checked whole
before Mininet builds anything.

Router addresses come from the routers' zebra.conf (one source of truth,
whatever suite routes: bgptopo/addressing.py): a host's default gateway is
the address of the router interface at the other end of its link.

Every lab takes suite=KEY (the routing suite of all its routers, default
frr) and KEY=r1+r2 for each suite (those routers run it instead): e.g.
--topo bgp3,bird=r2+r3."""

import inspect
import os
from mininet.topo import Topo

from bgptopo import addressing, preflight, routing
from bgptopo.bulk import Bulk
from bgptopo.errors import LabError
from bgptopo.netclasses import docker_host_params, image_of
from bgptopo.nodeshell import LabLink
from bgptopo.router import router_class

FEED_PARAMS = ('feed', 'feedto', 'feedpeer')

class LabTopo(Topo):
    """Subclasses write build() with addRouter, addDockerHost and addLink;
    generated labs write their configs in generate(params). A LabTopo only
    describes (no root, no Docker needed); bgptopo.preparation.prepare does
    the work before Mininet builds it. Every lab takes capture=FOLDER: its
    routers' links are captured into FOLDER from boot (bgptopo/capture.py),
    and feed=FILE[,feedto=ROUTER][,feedpeer=N]: a feeder pours the routes
    of an MRT dump into the lab (bgptopo/feeding.py)."""

    # configs the lab rendered itself from a plan this run (generate sets
    # it): preparation does not dry-run them (bgptopo/preparation.py says why)
    rendered_configs = False

    def __init__(self, *args, **params):
        self.reject_unknown(params)
        folder = params.pop('capture', None)
        self.boot_capture = os.path.abspath(os.path.expanduser(folder)) if folder else None
        feed_params = [params.pop(name, None) for name in FEED_PARAMS]
        given_suite = params.pop('suite', None)
        default_suite = given_suite or routing.DEFAULT
        per_suite = {key: params.pop(key) for key in list(params) if key in routing.SUITES}
        routing.suite(default_suite)    # a sentence before generate() writes anything
        params = self.generate(params)
        self.etc_dirs = etc_dirs(params.get('etc'), default_suite)
        self.interfaces = {}
        Topo.__init__(self, *args, **params)
        self.suites = routing.choose(self.routers(), default_suite,
                                     None if given_suite else self.planned_suites(),
                                     **per_suite)
        self.bulk = Bulk(self.routers())
        for name in self.routers():
            self.set_suite(name, self.suites[name])
        self.route_hosts()
        for name in self.routers():
            preflight.check_interfaces(name, self.interfaces[name], self.interfaces_of(name))
        self.feed = self.add_feed(*feed_params)
        if self.routers_start_first():
            self.bulk.early_links = self.router_links()

    def add_feed(self, path, feedto, feedpeer):
        """The lab's Feed (its feeder added), or None without feed=."""
        if not path:
            if feedto is not None or feedpeer is not None:
                raise LabError('feedto= and feedpeer= go with feed=FILE (an MRT RIB dump); '
                               'add it or leave them out.')
            return None
        from bgptopo import feeding     # only fed labs pay for its imports
        return feeding.add(self, path, feedto, feedpeer)

    def generate(self, params):
        """The parameters to build with; a generated lab adds etc={suite: its
        configs}."""
        return params

    def planned_suites(self):
        """{router: suite key} the topology itself chooses (a lab file's),
        unless suite= says otherwise; None: the default suite for all."""
        return None

    @classmethod
    def accepted_params(cls):
        signature = inspect.signature(cls.build)
        return [name for name in signature.parameters if name != 'self'] + \
            ['capture', 'suite'] + list(FEED_PARAMS) + sorted(routing.SUITES)

    def reject_unknown(self, params):
        unknown = sorted(set(params) - set(self.accepted_params()))
        if unknown:
            raise LabError('%s does not take %s; it accepts %s.' % (
                self.__class__.__name__, ', '.join(unknown),
                ', '.join(self.accepted_params()) or 'no parameters'))

    def addRouter(self, name, **opts):
        """A router; its suite (and so its node class and config tree) is
        chosen once every router is known (set_suite)."""
        self.interfaces[name] = None
        return self.addHost(name, ip=None, capture=self.boot_capture, **opts)

    def set_suite(self, name, key):
        """Router name runs suite key, from the topology's configs for that
        suite (generate's etc={suite: dir}) or the suite's own tree."""
        info = self.nodeInfo(name)
        etc_dir = self.etc_dirs.get(key) or routing.suite(key).default_etc_dir()
        info.update(cls=router_class(key), suite=key, etc_dir=etc_dir, bulk=self.bulk)
        self.interfaces[name] = addressing.interfaces(name, etc_dir)

    def addLink(self, node1, node2, **opts):
        """A veth pair that needs no deleting: it dies with the nodes."""
        opts.setdefault('cls', LabLink)
        return Topo.addLink(self, node1, node2, **opts)

    def addDockerHost(self, name, image, ip, **params):
        """A host in a container of image, with address ip (a.b.c.d/len)."""
        params.update(docker_host_params(image))
        return self.addHost(name, ip=ip, **params)

    def hosts(self, sort=True):
        """Routers first: Mininet makes the nodes in this order, and the
        routers' daemons start once the last router exists (bgptopo/bulk.py),
        before any host waits for its container."""
        found = Topo.hosts(self, sort)
        return [n for n in found if n in self.interfaces] + \
            [n for n in found if n not in self.interfaces]

    def routers(self):
        return [n for n in self.hosts() if n in self.interfaces]

    def routers_start_first(self):
        """May the routers' daemons start before Mininet makes their links
        to other nodes (bgptopo/bulk.py)? Only if no BGP session runs over
        those: every link of a router leads to a router (made in bulk) or to
        a container. A session over an interface made after its bgpd
        started (to a LAN bridge, a fed lab's feeder, a shaped link) would
        wait for bgpd's next try, a second or more. Nor with a capture from
        boot, which needs Mininet's links before the daemons start."""
        if self.boot_capture:
            return False
        routers, containers = set(self.routers()), set(self.docker_hosts())
        to_containers = [(a, b) for a, b in self.links() if {a, b} & routers and
                         {a, b} <= routers | containers and {a, b} & containers]
        touching = [(a, b) for a, b in self.links() if {a, b} & routers]
        return len(touching) == len(to_containers) + len(self.router_links())

    def router_links(self):
        """The links between two routers as LabLink makes them in bulk (no
        interface classes of their own): [(router1, intf1, mac1, router2,
        intf2, mac2)], the interfaces named as Mininet's Link names them."""
        found = []
        for node1, node2, info in self.links(withInfo=True):
            if node1 in self.interfaces and node2 in self.interfaces and \
                    info.get('cls') is LabLink and not (info.get('cls1') or info.get('cls2')):
                found.append((node1, info.get('intfName1') or self.port_intf(node1, info['port1']),
                              info.get('addr1'),
                              node2, info.get('intfName2') or self.port_intf(node2, info['port2']),
                              info.get('addr2')))
        return found

    def router_etc_dir(self, name):
        return self.nodeInfo(name)['etc_dir']

    def end_hosts(self):
        return [n for n in self.hosts() if n not in self.interfaces]

    def docker_hosts(self):
        return [n for n in self.hosts() if image_of(self.nodeInfo(n))]

    @staticmethod
    def port_intf(node, port):
        """Mininet's name for a node's port: r1-eth0."""
        return '%s-eth%d' % (node, port)

    def intf_name(self, node, peer):
        return self.port_intf(node, self.port(node, peer)[0])

    def route_hosts(self):
        """Point each host's default route at its router's address on the link."""
        for host in self.end_hosts():
            if 'defaultRoute' in self.nodeInfo(host):
                continue        # set by the topology itself (the hijack's rogue)
            router = self.peer_router(host)
            intf = self.intf_name(router, host)
            gateway = addressing.first_address(self.interfaces[router], intf)
            if gateway is None:
                raise LabError('%s: zebra.conf gives %s no address, so %s has no '
                               'gateway; add "ip address" under "interface %s".'
                               % (router, intf, host, intf))
            self.nodeInfo(host)['defaultRoute'] = 'via %s' % gateway.ip

    def peer_router(self, host):
        for src, dst in self.links():
            if host in (src, dst):
                peer = dst if src == host else src
                if peer in self.interfaces:
                    return peer
        raise LabError('%s is linked to no router; add a link in the topology.' % host)

    def interfaces_of(self, router):
        linked = [self.port_intf(router, port) for port in self.ports.get(router, {})]
        stubs = list(self.nodeInfo(router).get('stubs', ()))
        clash = sorted(set(linked) & set(stubs))
        if clash:
            raise LabError('%s: the stub interface %s has the name of a link interface; '
                           'name stubs like %s-lan.' % (router, clash[0], router))
        return linked + stubs


def etc_dirs(etc, default_suite):
    """{suite key: config tree} from a topology's etc: a user's etc=DIR
    holds configs of the lab's default suite."""
    if not etc:
        return {}
    return dict(etc) if isinstance(etc, dict) else {default_suite: etc}
