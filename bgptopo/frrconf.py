"""Reads the routers' configs (etc/quagga/<router>/*.conf): the lab's single
source of truth for router addresses, AS numbers, neighbors and networks.

Only the few statements the lab needs are read; the daemons themselves
parse and apply the whole file."""

import ipaddress
import re
from collections import namedtuple

from bgptopo.errors import LabError
from bgptopo.paths import router_conf, shown

Neighbor = namedtuple('Neighbor', 'address remote_as')


class RouterConfig(object):
    """What the lab knows of one router, read from its zebra.conf and bgpd.conf."""

    def __init__(self, name, zebra_text, bgpd_text):
        self.name = name
        self.interfaces = parse_interfaces(zebra_text)
        self.asn, self.router_id, self.neighbors, self.networks = \
            parse_bgp(bgpd_text)

    @classmethod
    def load(cls, name, etc_dir=None):
        kwargs = {} if etc_dir is None else {'etc_dir': etc_dir}
        texts = []
        for daemon in ('zebra', 'bgpd'):
            path = router_conf(name, daemon, **kwargs)
            try:
                with open(path) as conf:
                    texts.append(conf.read())
            except OSError as failure:
                raise LabError('%s: cannot read %s (%s); every router needs a zebra.conf '
                               'and a bgpd.conf in its folder of the etc tree.'
                               % (name, shown(path), failure.strerror))
        return cls(name, *texts)

    def address_of(self, intf):
        """The first address (an ip_interface) configured on intf, or None."""
        addresses = self.interfaces.get(intf, [])
        return addresses[0] if addresses else None


def statements(text):
    """Config lines without comments, with their indentation kept."""
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith('!'):
            yield line.rstrip()


def parse_interfaces(text):
    """{interface name: [ip_interface, ...]} from zebra.conf."""
    interfaces, current = {}, None
    for line in statements(text):
        words = line.split()
        if not line.startswith(' '):
            current = words[1] if words[0] == 'interface' else None
            if current:
                interfaces.setdefault(current, [])
        elif current and words[:2] == ['ip', 'address']:
            interfaces[current].append(ipaddress.ip_interface(words[2]))
    return interfaces


def parse_bgp(text):
    """(asn, router_id, [Neighbor], [ip_network]) from bgpd.conf."""
    asn, router_id, neighbors, networks = None, None, [], []
    in_bgp = False
    for line in statements(text):
        words = line.split()
        if not line.startswith(' '):
            in_bgp = words[:2] == ['router', 'bgp']
            if in_bgp:
                asn = int(words[2])
            continue
        if not in_bgp:
            continue
        if words[:2] == ['bgp', 'router-id']:
            router_id = words[2]
        elif words[0] == 'neighbor' and words[2:3] == ['remote-as']:
            neighbors.append(Neighbor(words[1], words[3]))
        elif words[0] == 'network':
            networks.append(ipaddress.ip_network(words[1]))
    return asn, router_id, neighbors, networks


CONFIG_ERROR = re.compile(r'\] (?P<message>.+?) on config line (?P<line>\d+):\s*(?P<text>.*)')


def config_errors(daemon_output):
    """[(line number, config text, daemon message)] from a daemon's dry run."""
    return [(int(m.group('line')), m.group('text').strip(), m.group('message'))
            for m in map(CONFIG_ERROR.search, daemon_output.splitlines()) if m]
