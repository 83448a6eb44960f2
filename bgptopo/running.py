"""What a running router holds, asked of the router itself rather than read
from its files: a student's vtysh edit, `hijack start` or `defend on` change
the running configuration without touching bgpd.conf, and a diagnosis must
describe the router that runs, not the file it once started from."""

from collections import namedtuple

from bgptopo.frrconf import RouterConfig

Route = namedtuple('Route', 'prefix as_path next_hop')


def config_text(router):
    """`show running-config`: zebra's part (interfaces) and bgpd's."""
    return router.vtysh('show running-config')


def config(router, text=None):
    """A RouterConfig of what router runs now (its AS, neighbors and
    networks from bgpd; no AS while bgpd is down or has no `router bgp`)."""
    text = config_text(router) if text is None else text
    return RouterConfig(router.name, text, text)


def best_route(router, destination):
    """The Route router's bgpd chose for destination (a prefix, or an address:
    the longest match, as the kernel forwards by), or None (also when its
    bgpd is not running). as_path is '' or 'Local' for its own network."""
    if not router.daemon_running('bgpd'):
        return None
    answer = router.vtysh_json('show ip bgp %s json' % destination)
    for path in answer.get('paths', []):
        if path.get('bestpath', {}).get('overall'):
            hops = path.get('nexthops') or [{}]
            return Route(answer.get('prefix'), path.get('aspath', {}).get('string', ''),
                         hops[0].get('ip', '?'))
    return None
