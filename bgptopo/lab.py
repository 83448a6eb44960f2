"""The running lab as its users see it: which nodes are routers and hosts,
their addresses as the nodes hold them now, and fetching a page from a host."""

import ipaddress
import json
import re
import shlex
import urllib.parse

from bgptopo import labmodel, running
from bgptopo.errors import LabError
from bgptopo.router import Router

FETCH_TIMEOUT = 5
WEB_SERVER = 'webserver'
CLIENT = 'host'


def routers(net):
    return [node for node in net.hosts if isinstance(node, Router)]


def end_hosts(net):
    return [node for node in net.hosts if not isinstance(node, Router)]


def router(net, name):
    """The router called name, or a sentence naming the routers there are."""
    names = [r.name for r in routers(net)]
    if name not in names:
        what = 'is not a router' if name in net else 'is no node of this lab'
        raise LabError('%s %s; the routers are %s.' % (name, what, ', '.join(names)))
    return net[name]


def node(net, name):
    if name not in net:
        raise LabError('%s is no node of this lab; the nodes are %s.'
                       % (name, ', '.join(n.name for n in net.hosts)))
    return net[name]


def topology_name(net):
    """The lab's topology as users name it, for the default names of the
    files commands write (Bgp3Topo: bgp3); bgptopo for a net built without
    a Topo (the script)."""
    kind = type(getattr(net, 'topo', None)).__name__
    return kind[:-len('Topo')].lower() if kind.endswith('Topo') and kind != 'Topo' else 'bgptopo'


def roles(net):
    """(client, web server): the node names `fetch`, `path` and `why` use
    without arguments; a lab file's hosts with role client and server, or
    the seed's host and webserver. None for a role no host has."""
    described = described_lab(net)
    if described is not None:
        return labmodel.client(described), labmodel.server(described)
    return CLIENT, WEB_SERVER


def relationships(net):
    """{(asn a, asn b): what b is to a} of a lab from a file or an AS
    graph; {} for the others."""
    described = described_lab(net)
    return labmodel.as_relationships(described) if described is not None else {}


def described_lab(net):
    """The Lab (bgptopo/labmodel.py) a lab file or an AS graph built net
    from, or None for the other topologies."""
    return getattr(getattr(net, 'topo', None), 'lab', None)


def default_ends(net):
    """roles(net), or a sentence when the lab lacks one of them."""
    client, server = roles(net)
    if client is None or server is None:
        raise LabError('this lab has no host with role %s; name the nodes (e.g. fetch NODE URL, '
                       'path SRC DST) or give hosts `role: client` and `role: server` in the '
                       'lab file.' % ('client' if client is None else 'server'))
    return client, server


def default_fetch(net, version=4):
    """(client node name, URL of the web server's page), over IPv4 or IPv6."""
    client, server = default_ends(net)
    if version == 4:
        return client, 'http://%s/' % node(net, server).IP()
    found = [a for found in addresses(node(net, server), 6).values() for a in found]
    if not found:
        raise LabError('%s has no IPv6 address; fetch -6 needs a dual-stack lab (ipv6: true '
                       'in the lab file).' % server)
    return client, 'http://[%s]/' % found[0].ip


def addresses(node, version=4):
    """{interface: [ip_interface]}: node's global IPv4 (or IPv6) addresses
    as its kernel holds them now. Asked of the node, not of Mininet or the
    config files: zebra sets the routers' addresses, and `hijack start`
    adds one while the lab runs."""
    try:
        # IPv6 without the link-local address every interface has
        links = json.loads(node.cmd('ip -j -%d addr show%s' % (
            version, ' scope global' if version == 6 else '')))
    except ValueError:
        return {}
    return {link['ifname']: [ipaddress.ip_interface('%s/%s' % (a['local'], a['prefixlen']))
                             for a in link.get('addr_info', []) if 'local' in a]
            for link in links if link.get('ifname') != 'lo'}


def kernel_routes(router):
    """router's kernel routes as `ip -j route` gives them, IPv4 then IPv6
    (without the link-local and multicast ones every interface has)."""
    found = []
    for version in (4, 6):
        try:
            found += json.loads(router.cmd('ip -j -%d route show' % version) or '[]')
        except ValueError:
            continue
    return [r for r in found if not r.get('dst', '').startswith(('fe80:', 'ff00:', 'multicast'))]


def intf_address(node, intf):
    """The first address on node's interface intf now, or None."""
    found = addresses(node).get(intf)
    return found[0] if found else None


def holds(node, address):
    """Does node have address on one of its interfaces now?"""
    address = ipaddress.ip_address(address)
    return any(a.ip == address for found in addresses(node, address.version).values()
               for a in found)


def originated(router):
    """The prefixes router announces: those its running BGP daemon
    originates, or, while it is down (nobody to ask), those of its files."""
    if router.bgp_running():
        return running.config(router).networks
    return router.router_config().networks


def destination(node, version=4):
    """(address, network) where packets for node go. A host: the address of
    its default interface. A router: its address inside a prefix it
    originates (a `network` it announces), e.g. r1's 10.0.0.254 in
    10.0.0.0/24 and r3's 11.0.0.254 in 11.0.0.0/24, since BGP carries
    packets there; one that originates nothing: its first interface address."""
    found, first = addresses(node), default_intf(node)
    ordered = [a for intf in sorted(found, key=lambda i: i != first) for a in found[intf]]
    if isinstance(node, Router):
        inside = [(a.ip, prefix) for prefix in originated(node) for a in ordered
                  if a.ip in prefix]
        if inside:
            return inside[0]
    if not ordered:
        raise LabError('%s has no IPv%d address now; give it one (e.g. `%s ip addr add '
                       'ADDRESS/LEN dev INTERFACE`).' % (node.name, version, node.name))
    return ordered[0].ip, ordered[0].network


def default_intf(node):
    """The name of node's default interface (hosts), or None."""
    return None if isinstance(node, Router) else getattr(node.defaultIntf(), 'name', None)


def address_of(node, version=4):
    """The address packets for node go to (see destination)."""
    return destination(node, version)[0]


def prefix_of(node, version=4):
    """The network packets for node are routed by, e.g. 12.0.0.0/24 for the
    web server, 10.0.0.0/24 for r1 (see destination)."""
    return str(destination(node, version)[1])


CURL_EXIT = re.compile(r'curl-exit=(\d+)\s*$')


def require_lab_url(url):
    """An http URL whose host is an address: the lab has no DNS, and a name
    would send the lookup to the machine's resolver, outside the lab."""
    parts = urllib.parse.urlsplit(url)
    try:
        ipaddress.ip_address(parts.hostname or '')
    except ValueError:
        raise LabError('fetch needs an http URL with an address, e.g. http://12.0.0.1/ '
                       '(the lab has no DNS); got %s.' % url[:80])
    if parts.scheme not in ('http', 'https'):
        raise LabError('fetch takes http:// or https:// URLs; got %s.' % url[:80])


def page(net, name=None, url=None, version=4):
    """What `fetch` prints: the page node name (default: the client)
    retrieves from url (default: the web server's, over IP version)."""
    if name is None:
        name, url = default_fetch(net, version)
    body = fetch(node(net, name), url)
    return body if body.endswith('\n') else body + '\n'


def fetch(client, url, timeout=FETCH_TIMEOUT):
    """The body at url, retrieved by curl on client; a sentence if it fails."""
    require_lab_url(url)
    out = client.cmd('curl -sS --fail --max-time %g %s 2>&1; echo "curl-exit=$?"'
                     % (timeout, shlex.quote(url))).replace('\r\n', '\n')
    match = CURL_EXIT.search(out)
    code = int(match.group(1)) if match else -1
    body = out[:match.start()] if match else out
    if code != 0:
        reason = body.strip().splitlines()[-1] if body.strip() else 'no answer'
        raise LabError('%s could not fetch %s: %s.' % (
            client.name, url, reason.replace('curl: ', '').rstrip('.')))
    return body
