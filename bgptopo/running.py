"""What a running router holds, asked of the router itself rather than read
from its files: a student's vtysh edit, `hijack start` or `defend on` change
the running configuration without touching bgpd.conf, and a diagnosis must
describe the router that runs, not the file it once started from."""

from bgptopo.frrconf import RouterConfig


def config_text(router):
    """`show running-config`: zebra's part (interfaces) and bgpd's."""
    return router.vtysh('show running-config')


def config(router, text=None):
    """A RouterConfig of what router runs now (its AS, neighbors and
    networks from bgpd; no AS while bgpd is down or has no `router bgp`)."""
    text = config_text(router) if text is None else text
    return RouterConfig(router.name, text, text)
