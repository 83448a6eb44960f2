"""A router's interfaces and addresses, whatever suite routes for it: they
are written in zebra.conf's language (`interface NAME` / ` ip address
A.B.C.D/LEN`), in <etc tree>/<router>/zebra.conf, the lab's one source of
router addresses. FRR's zebra applies that file itself; for a suite that
sets no addresses (BIRD) the lab applies it with `ip addr add`."""

import ipaddress

from bgptopo.errors import LabError
from bgptopo.paths import router_conf, shown

ADDRESS_FILE = 'zebra'      # <router>/zebra.conf


def statements(text):
    """Config lines without comments, with their indentation kept."""
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith('!'):
            yield line.rstrip()


def parse_interfaces(text):
    """{interface name: [ip_interface, ...]} from zebra.conf's text."""
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


def address_file(name, etc_dir=None):
    """Router name's zebra.conf in etc_dir (or in etc/quagga when etc_dir,
    an overlay, has none: see paths.router_conf)."""
    return router_conf(name, ADDRESS_FILE, *([etc_dir] if etc_dir else []))


def interfaces(name, etc_dir=None):
    """parse_interfaces of router name's zebra.conf; a sentence if unreadable."""
    path = address_file(name, etc_dir)
    try:
        with open(path) as conf:
            return parse_interfaces(conf.read())
    except OSError as failure:
        raise LabError('%s: cannot read %s (%s); every router needs a zebra.conf with its '
                       'interfaces and addresses in its folder of the etc tree.'
                       % (name, shown(path), failure.strerror))


def first_address(found, intf):
    """The first address (an ip_interface) of intf in interfaces() found, or None."""
    addresses = found.get(intf, [])
    return addresses[0] if addresses else None
