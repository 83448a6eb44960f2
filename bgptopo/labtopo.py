"""LabTopo: a Mininet Topo of BGP routers and Docker hosts, checked whole
before Mininet builds anything.

Router addresses come from the routers' zebra.conf (one source of truth): a
host's default gateway is the address of the router interface at the other
end of its link."""

import inspect
import os
from mininet.topo import Topo

from bgptopo import preflight
from bgptopo.errors import LabError
from bgptopo.frrconf import RouterConfig
from bgptopo.netclasses import docker_host_params, image_of
from bgptopo.nodeshell import LabLink
from bgptopo.paths import ETC_DIR
from bgptopo.router import QuaggaRouter


class LabTopo(Topo):
    """Subclasses write build() with addRouter, addDockerHost and addLink;
    generated labs write their configs in generate(params). A LabTopo only
    describes (no root, no Docker needed); bgptopo.preparation.prepare does
    the work before Mininet builds it. Every lab takes capture=FOLDER: its
    routers' links are captured into FOLDER from boot (bgptopo/capture.py)."""

    def __init__(self, *args, **params):
        self.reject_unknown(params)
        folder = params.pop('capture', None)
        self.boot_capture = os.path.abspath(os.path.expanduser(folder)) if folder else None
        params = self.generate(params)
        self.etc_dir = params.get('etc') or ETC_DIR
        self.configs = {}
        Topo.__init__(self, *args, **params)
        self.route_hosts()
        for name in self.routers():
            preflight.check_interfaces(name, self.configs[name].interfaces,
                                       self.interfaces_of(name))

    def generate(self, params):
        """The parameters to build with; a generated lab adds etc=its configs."""
        return params

    @classmethod
    def accepted_params(cls):
        signature = inspect.signature(cls.build)
        return [name for name in signature.parameters if name != 'self'] + ['capture']

    def reject_unknown(self, params):
        unknown = sorted(set(params) - set(self.accepted_params()))
        if unknown:
            raise LabError('%s does not take %s; it accepts %s.' % (
                self.__class__.__name__, ', '.join(unknown),
                ', '.join(self.accepted_params()) or 'no parameters'))

    def addRouter(self, name, **opts):
        """A QuaggaRouter whose configs are etc/quagga/<name>/*.conf."""
        self.configs[name] = RouterConfig.load(name, self.etc_dir)
        return self.addHost(name, cls=QuaggaRouter, ip=None, etc_dir=self.etc_dir,
                            capture=self.boot_capture, **opts)

    def addLink(self, node1, node2, **opts):
        """A veth pair that needs no deleting: it dies with the nodes."""
        opts.setdefault('cls', LabLink)
        return Topo.addLink(self, node1, node2, **opts)

    def addDockerHost(self, name, image, ip, **params):
        """A host in a container of image, with address ip (a.b.c.d/len)."""
        params.update(docker_host_params(image))
        return self.addHost(name, ip=ip, **params)

    def routers(self):
        return [n for n in self.hosts() if n in self.configs]

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
        for host in self.docker_hosts():
            if 'defaultRoute' in self.nodeInfo(host):
                continue        # set by the topology itself (the hijack's rogue)
            router = self.peer_router(host)
            intf = self.intf_name(router, host)
            gateway = self.configs[router].address_of(intf)
            if gateway is None:
                raise LabError('%s: zebra.conf gives %s no address, so %s has no '
                               'gateway; add "ip address" under "interface %s".'
                               % (router, intf, host, intf))
            self.nodeInfo(host)['defaultRoute'] = 'via %s' % gateway.ip

    def peer_router(self, host):
        for src, dst in self.links():
            if host in (src, dst):
                peer = dst if src == host else src
                if peer in self.configs:
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
