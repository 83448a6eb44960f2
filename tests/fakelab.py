"""A fake lab built from a case folder (tests/cases/<case>/), on which the
lab's reasoning (diagnose, tracing.why, grading) runs unchanged, in
milliseconds.

A case is a small lab state (tests/cases/README.md says how to write one):
its topology, as mn's --topo names it (case.yml's `topo`, built by the
lab's own Topo class); its routers' config files (the case folder is an
etc overlay: what it lacks comes from etc/quagga); and, in case.yml, what
the running routers would answer that no config tells, as changes to the
solved lab's state (tests/cases/solved/case.yml).

The fake nodes answer what the lab asks through node.cmd: vtysh (the FRR
suite's questions, in the shapes FRR 8.4 prints: the real answers captured
in tests/fixtures/frr/ are the templates), `ip -j route get`, `ip -j -4
addr show` and curl. What a running lab derives by itself is derived here
the same way, never by the code under test: a session's prefixes received
are the routes kept from that peer; a router advertises only best routes
and keeps only what its peer advertised, less the routes whose AS path
holds its own AS (BGP's loop rule); an AS path is the sender's AS before
the sender's own path; a kernel forwards by its connected networks and the
next hops of its best routes.

A state no running lab could be in (a session Established to a router
whose bgpd is down, a best route from a peer it did not keep) is refused
with ImpossibleState, so a case cannot make the reasoning right by accident."""

import copy
import functools
import ipaddress
import json
import os
import shlex

import yaml

from bgptopo import addressing, routing
from bgptopo.paths import DOCKERFILES_DIR, ETC_DIR, router_conf
from bgptopo.router import Router
from bgptopo.topologies import TOPOLOGIES
from fakefrr import TESTS_DIR, BgpState, ImpossibleState, sample, sample_json

CASES_DIR = os.path.join(TESTS_DIR, 'cases')
SOLVED = 'solved'
MAX_HOPS = 16
UNREACHABLE = 'RTNETLINK answers: Network is unreachable\n'
NO_RUN_DIR = '/nonexistent/bgptopo-fake-run'    # a fake router's run directory: no sockets


def merged(base, changes):
    """base with changes over it, dict by dict; a None value removes its key."""
    result = copy.deepcopy(base)
    for key, value in changes.items():
        if value is None:
            result.pop(key, None)
        elif isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merged(result[key], value)
        else:
            result[key] = copy.deepcopy(value)
    return result


def case_names():
    """The cases in tests/cases/: each folder holding a case.yml."""
    return sorted(name for name in os.listdir(CASES_DIR)
                  if os.path.isfile(os.path.join(CASES_DIR, name, 'case.yml')))


@functools.lru_cache(maxsize=None)
def case_data(name):
    """A case's case.yml, read once (libyaml's loader: the fast one)."""
    with open(os.path.join(CASES_DIR, name, 'case.yml')) as data:
        return yaml.load(data, Loader=getattr(yaml, 'CSafeLoader', yaml.SafeLoader)) or {}


class Case(object):
    """One folder of tests/cases/."""

    def __init__(self, name):
        self.name, self.folder = name, os.path.join(CASES_DIR, name)
        self.data = case_data(name)

    def config_files(self):
        """The config files the case holds itself (router/daemon.conf)."""
        return sorted(os.path.relpath(os.path.join(folder, name), self.folder)
                      for folder, _, names in os.walk(self.folder)
                      for name in names if name.endswith('.conf'))

    def breaks_something(self):
        """Does the case hold anything to make right: configs of its own
        (the exercise's among them), or `made right` changes to its state?"""
        return bool(self.config_files() or 'exercise=' in self.data.get('topo', '') or
                    self.data.get('made right'))

    def topology(self, own_configs=True):
        """The lab's Topo (mn's --topo string in case.yml), its routers'
        configs from the case folder over etc/quagga; without own_configs,
        from etc/quagga alone (exercise=1 left out: it only picks configs)."""
        name, _, args = self.data.get('topo', 'bgp3').partition(',')
        params = dict(arg.split('=', 1) for arg in args.split(',') if arg)
        if self.config_files() and ({'exercise', 'hijack'} & set(params)):
            raise ImpossibleState('%s: a lab with its own config tree (%s) takes no configs '
                                  'from its case folder' % (self.name, args))
        if not own_configs:
            params.pop('exercise', None)
        if {'exercise', 'hijack'} & set(params):
            return TOPOLOGIES[name](**params)       # the scenario picks the configs
        return TOPOLOGIES[name](etc=self.folder if own_configs else ETC_DIR, **params)

    def state(self, made_right=False):
        """The running state: {'routers': {router: its state}, 'hosts': {host:
        its state}, 'links down': [(a, b)]}, the solved lab's with this
        case's over it; made_right: and the case's `made right` over that."""
        state = {'routers': {} if self.name == SOLVED else case_data(SOLVED)['routers'],
                 'hosts': {}, 'links down': []}
        for changes in [self.data] + ([self.data.get('made right') or {}] if made_right else []):
            for key in ('routers', 'hosts'):
                state[key] = merged(state[key], changes.get(key) or {})
            state['links down'] = changes.get('links down', state['links down']) or []
        state['links down'] = [tuple(link.split('-')) for link in state['links down']]
        return state

    def lab(self, made_right=False):
        """The fake lab in this case's state. made_right: its config files
        left out (etc/quagga's right ones instead) and its `made right`
        applied, the state no longer checked (it may now contradict the configs)."""
        return FakeNet(self.topology(own_configs=not made_right), self.state(made_right),
                       strict=not made_right)

    def questions(self):
        """[(question, expected answer)] from expected.txt: blocks apart by a
        blank line, each a question (`why SRC DST`, `check`) and its answer."""
        with open(os.path.join(self.folder, 'expected.txt')) as expected:
            blocks = expected.read().strip('\n').split('\n\n')
        return [block.partition('\n')[::2] for block in blocks]


def bgp_of(text):
    """What the fake needs of a bgpd.conf, read here and not by the suite's
    parser (the code under test): AS, router id, neighbors {address:
    {'remote-as', 'description'}}, networks. asn is None without `router bgp`."""
    found = {'asn': None, 'router_id': None, 'neighbors': {}, 'networks': []}
    in_bgp = False
    for line in text.splitlines():
        words = line.split()
        if not words or words[0].startswith('!'):
            continue
        if not line[0].isspace():
            in_bgp = words[:2] == ['router', 'bgp']
            found['asn'] = int(words[2]) if in_bgp else found['asn']
        elif in_bgp and words[:2] == ['bgp', 'router-id']:
            found['router_id'] = words[2]
        elif in_bgp and words[0] == 'neighbor' and words[2] in ('remote-as', 'description'):
            found['neighbors'].setdefault(words[1], {})[words[2]] = ' '.join(words[3:])
        elif in_bgp and words[0] == 'network':
            found['networks'].append(ipaddress.ip_network(words[1]))
    return found


class FakeIntf(object):
    def __init__(self, node, name, link=None):
        self.node, self.name, self.link = node, name, link

    def isUp(self):
        return self.link is None or self.link.up

    def far_node(self):
        """The node at the other end of this interface's link, or None."""
        if self.link is None:
            return None
        return (self.link.intf2 if self.link.intf1 is self else self.link.intf1).node

    def __repr__(self):
        return '<FakeIntf %s>' % self.name


class FakeLink(object):
    def __init__(self, net, name1, name2, info):
        self.up = True
        self.intf1 = net[name1].add_intf('%s-eth%d' % (name1, info['port1']), self)
        self.intf2 = net[name2].add_intf('%s-eth%d' % (name2, info['port2']), self)


class FakeCall(object):
    """What node.popen gives: an answer, at once."""

    def __init__(self, answer):
        self.answer = answer

    def communicate(self, timeout=None):
        return self.answer, ''


class FakeNode(object):
    """What every node answers: its interfaces, addresses and kernel routes."""

    def __init__(self, net, name, info):
        self.net, self.name, self.info = net, name, info
        self.intfs, self.nameToIntf, self.held, self.answers = [], {}, None, {}

    def __repr__(self):
        return '<%s %s>' % (type(self).__name__, self.name)

    def add_intf(self, name, link=None):
        intf = self.nameToIntf[name] = FakeIntf(self, name, link)
        self.intfs.append(intf)
        return intf

    def intfList(self):
        return list(self.intfs)

    def defaultIntf(self):
        return self.intfs[0] if self.intfs else None

    def connectionsTo(self, node):
        return [(intf, other) for intf in self.intfs if intf.far_node() is node
                for other in (intf.link.intf1, intf.link.intf2) if other is not intf]

    def IP(self):
        return str(self.addresses()[self.defaultIntf().name][0].ip)

    def addresses(self):
        """{interface: [ip_interface]} as the node holds them now (read once:
        nothing changes them while a case is asked)."""
        if self.held is None:
            self.held = self.own_addresses()
        return self.held

    def holds(self, address):
        return any(a.ip == address for found in self.addresses().values() for a in found)

    def connected(self):
        """[(network, interface, gateway None)]: the networks of interfaces up."""
        return [(a.network, intf, None) for intf, found in self.addresses().items()
                for a in found if self.nameToIntf[intf].isUp()]

    def kernel_routes(self):
        """[(network, interface, gateway)], connected ones first."""
        return self.connected()

    def route_to(self, address):
        """(network, interface, gateway) the kernel sends address by, or None:
        the longest match, a connected network before any other of its length."""
        found = [route for route in self.kernel_routes() if address in route[0]]
        return max(found, key=lambda route: route[0].prefixlen) if found else None

    def via(self, gateway):
        """The interface up whose network holds gateway, or None."""
        return next((intf for network, intf, _ in self.connected() if gateway in network), None)

    def cmd(self, line):
        """The node's answer to a command line, worked out once (nothing
        changes while a case is asked)."""
        if line not in self.answers:
            self.answers[line] = self.answer(line)
        return self.answers[line]

    def answer(self, line):
        words = shlex.split(line)
        if words[:4] == ['ip', '-j', 'route', 'get']:
            return self.route_get(ipaddress.ip_address(words[4]))
        if words == ['ip', '-j', '-4', 'addr', 'show']:
            return self.addr_show()
        if words[0] == 'curl':
            return self.curl(words)
        return self.unknown(line)

    def unknown(self, line):
        raise AssertionError('%s is not asked `%s` on a running lab as far as the fake '
                             'knows; teach tests/fakelab.py its answer' % (self.name, line))

    def popen(self, args, **params):
        """A side-by-side call (convergence.all_sessions): the argv answered
        as the same command through the shell would be."""
        return FakeCall(self.cmd('%s 2>&1' % ' '.join(map(shlex.quote, args))))

    def route_get(self, address):
        """`ip -j route get` as the kernel answers it (tests/fixtures/frr/*.route-get.json)."""
        if self.holds(address):
            return json.dumps([{'type': 'local', 'dst': str(address), 'dev': 'lo',
                                'prefsrc': str(address), 'flags': [], 'uid': 0, 'cache': []}])
        route = self.route_to(address)
        if route is None:
            return UNREACHABLE
        network, intf, gateway = route
        answer = {'dst': str(address), 'gateway': str(gateway), 'dev': intf,
                  'prefsrc': str(self.addresses()[intf][0].ip), 'flags': [], 'uid': 0,
                  'cache': []}
        if gateway is None:
            del answer['gateway']
        return json.dumps([answer])

    def addr_show(self):
        """`ip -j -4 addr show`, shaped as solved.r1.addr.json: each entry that
        sample's (lo's, or an interface's) with the node's own values."""
        template = sample_json('solved.r1.addr.json')
        entries = [template[0]]
        for index, intf in enumerate(self.intfs, 2):
            entry = dict(template[1])
            entry.update(ifindex=index, ifname=intf.name, operstate='UP' if intf.isUp() else 'DOWN')
            if not intf.isUp():
                entry['flags'] = [f for f in entry['flags'] if f not in ('UP', 'LOWER_UP')]
            entry['addr_info'] = [dict(template[1]['addr_info'][0], local=str(a.ip),
                                       prefixlen=a.network.prefixlen, label=intf.name,
                                       broadcast=str(a.network.broadcast_address))
                                  for a in self.addresses().get(intf.name, [])]
            entries.append(entry)
        return json.dumps(entries)

    def curl(self, words):
        """curl as the lab runs it (`curl -sS --fail --max-time T URL 2>&1;
        echo "curl-exit=$?"`): the page if packets go there and back and the
        node reached serves one; else curl's complaint as it makes it."""
        url = next(w for w in words if w.startswith('http'))
        address = ipaddress.ip_address(url.split('/')[2])
        server = self.net.forward(self, address)
        if server is None or not server.serves():
            return sample('exercise.host.curl.txt')
        if self.net.forward(server, ipaddress.ip_address(self.IP())) is not self:
            seconds = float(words[words.index('--max-time') + 1])
            return ('curl: (28) Connection timed out after %d milliseconds\ncurl-exit=28\n'
                    % (seconds * 1000 + 1))
        return server.page() + 'curl-exit=0\n'

    def serves(self):
        return False


class FakeHost(FakeNode):
    """A Docker host: its address and default route from the topology."""

    KEYS = {'default route', 'serves'}

    def __init__(self, net, name, info, state):
        FakeNode.__init__(self, net, name, info)
        self.state = state
        if set(state) - self.KEYS:
            raise ImpossibleState('%s: %s is no part of a host\'s state (those are %s)' % (
                name, ', '.join(sorted(set(state) - self.KEYS)), ', '.join(sorted(self.KEYS))))

    def own_addresses(self):
        return {self.defaultIntf().name: [ipaddress.ip_interface(self.info['ip'])]}

    def kernel_routes(self):
        routes = self.connected()
        gateway = ipaddress.ip_address(self.info['defaultRoute'].split()[-1])
        if self.via(gateway) and self.state.get('default route', True):
            routes.append((ipaddress.ip_network('0.0.0.0/0'), self.via(gateway), gateway))
        return routes

    def serves(self):
        return 'www' in os.listdir(self.image_dir()) and self.state.get('serves', True)

    def image_dir(self):
        return os.path.join(DOCKERFILES_DIR, self.info['image'].split('/')[-1])

    def page(self):
        with open(os.path.join(self.image_dir(), 'www', 'index.html')) as page:
            return page.read()


class FakeRouter(FakeNode, Router):
    """A router whose FRR is described by its case: it is a Router (the lab
    tells routers from hosts that way) built without a node or daemons."""

    def __init__(self, net, name, info, state):
        FakeNode.__init__(self, net, name, info)
        self.routing = routing.suite(info.get('suite', 'frr'))
        self.etc_dir = info['etc_dir']
        self.state = state
        self.started = True         # its daemons are described, not started
        with open(self.bgpd_file()) as conf:
            self.bgp = bgp_of(conf.read() if self.bgp_running() else '')

    def bgpd_file(self):
        return router_conf(self.name, 'bgpd', self.etc_dir)

    def run_file(self, name):
        """No daemon's socket is there: the suite asks through vtysh,
        which answer() plays."""
        return os.path.join(NO_RUN_DIR, name)

    def address_file(self):
        return addressing.address_file(self.name, self.etc_dir)

    def daemon_running(self, daemon):
        return daemon != self.routing.bgp_daemon or self.state.get('bgpd', 'running') == 'running'

    def has_bgp(self):
        return self.bgp_running() and self.bgp['asn'] is not None

    def own_addresses(self):
        """zebra.conf's, and those the case adds at the running node."""
        found = {intf: list(addrs) for intf, addrs in self.interfaces().items()}
        for intf, added in (self.state.get('addresses') or {}).items():
            found.setdefault(intf, []).extend(map(ipaddress.ip_interface, added))
        return found

    def kernel_routes(self):
        """Connected networks, then each best route through its next hop."""
        routes = self.connected()
        for prefix, nexthop in self.net.bgp.best_routes(self).items():
            if nexthop is not None and self.via(nexthop):
                routes.append((prefix, self.via(nexthop), nexthop))
        return routes

    def answer(self, line):
        words = shlex.split(line)
        if words[:2] == ['vtysh', '-c'] and words[3:] in ([], ['2>&1']):
            return self.net.bgp.vtysh(self, words[2])
        return FakeNode.answer(self, line)


class FakeNet(object):
    """The nodes and links of a topology, in the order Mininet builds them,
    in the running state a case describes."""

    def __init__(self, topo, state, strict=True):
        self.topo, self.hosts, self.links, self.nameToNode = topo, [], [], {}
        for name in topo.hosts():
            kind = FakeRouter if name in topo.routers() else FakeHost
            found = state['routers' if kind is FakeRouter else 'hosts'].get(name) or {}
            self.nameToNode[name] = kind(self, name, topo.nodeInfo(name), found)
            self.hosts.append(self.nameToNode[name])
        for name1, name2, info in topo.links(sort=True, withInfo=True):
            self.links.append(FakeLink(self, name1, name2, info))
        for router in self.routers():
            for stub in router.info.get('stubs', ()):
                router.add_intf(stub)
        for ends in state['links down']:
            self.link(*ends).up = False
        unknown = set(state['hosts']) - {h.name for h in self.hosts if isinstance(h, FakeHost)}
        if unknown:
            raise ImpossibleState('the lab has no host %s' % ', '.join(sorted(unknown)))
        self.bgp = BgpState(self, state['routers'])
        if strict:
            self.bgp.check()

    def __getitem__(self, name):
        return self.nameToNode[name]

    def __contains__(self, name):
        return name in self.nameToNode

    def routers(self):
        return [node for node in self.hosts if isinstance(node, FakeRouter)]

    def link(self, name1, name2):
        ends = {self[name1], self[name2]}
        found = [link for link in self.links if {link.intf1.node, link.intf2.node} == ends]
        if not found:
            raise ImpossibleState('%s and %s share no link to take down' % (name1, name2))
        return found[0]

    def forward(self, node, address):
        """The node packets for address from node end at, or None."""
        for _ in range(MAX_HOPS):
            if node.holds(address):
                return node
            route = node.route_to(address)
            node = route and node.nameToIntf[route[1]].far_node()
            if node is None:
                return None
        return None

