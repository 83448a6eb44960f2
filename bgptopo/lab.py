"""The running lab as its users see it: which nodes are routers and hosts,
and fetching a page from a host."""

import ipaddress
import re
import shlex

from bgptopo.errors import LabError
from bgptopo.router import QuaggaRouter

FETCH_TIMEOUT = 5
WEB_SERVER = 'webserver'
CLIENT = 'host'


def routers(net):
    return [node for node in net.hosts if isinstance(node, QuaggaRouter)]


def end_hosts(net):
    return [node for node in net.hosts if not isinstance(node, QuaggaRouter)]


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


def default_fetch(net):
    """(client node name, URL of the web server's page)."""
    return CLIENT, 'http://%s/' % node(net, WEB_SERVER).IP()


def prefix_of(host):
    """The network of a host's address, e.g. 12.0.0.0/24 for the web server."""
    return str(ipaddress.ip_interface('%s/%s' % (host.IP(), host.defaultIntf().prefixLen))
               .network)


CURL_EXIT = re.compile(r'curl-exit=(\d+)\s*$')


def fetch(client, url, timeout=FETCH_TIMEOUT):
    """The body at url, retrieved by curl on client; a sentence if it fails."""
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
