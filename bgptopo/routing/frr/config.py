"""FRR's (and Quagga's) bgpd.conf, reduced to what the lab reasons about
(bgptopo.routing.contract.BgpConfig), and the daemons' dry-run messages.
The daemons themselves parse and apply the whole file."""

import ipaddress
import re

from bgptopo.addressing import statements
from bgptopo.routing.contract import BgpConfig, Neighbor

CONFIG_ERROR = re.compile(r'\] (?P<message>.+?) on config line (?P<line>\d+):\s*(?P<text>.*)')


def parse_bgp(text):
    """The BgpConfig of a bgpd.conf (or a `show running-config`)."""
    config, in_bgp = BgpConfig(), False
    for line in statements(text):
        words = line.split()
        if not line.startswith(' '):
            in_bgp = words[:2] == ['router', 'bgp']
            if in_bgp:
                config.asn = int(words[2])
            continue
        if not in_bgp:
            continue
        if words[:2] == ['bgp', 'router-id']:
            config.router_id = words[2]
        elif words[0] == 'neighbor' and words[2:3] == ['remote-as']:
            config.neighbors.append(Neighbor(words[1], words[3]))
        elif words[0] == 'network':
            config.networks.append(ipaddress.ip_network(words[1]))
    return config


def config_errors(daemon_output):
    """[(line number, config text, daemon message)] from a daemon's dry run."""
    return [(int(m.group('line')), m.group('text').strip(), m.group('message'))
            for m in map(CONFIG_ERROR.search, daemon_output.splitlines()) if m]
