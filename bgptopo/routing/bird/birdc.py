"""Asking a running BIRD router through birdc, inside its node, and
reading birdc's answers (text only: BIRD has no JSON). The formats are
docs/bird-notes.md's, measured on BIRD 2.0.12; tests/fixtures/bird/ holds
captured answers.

Every answer opens with a banner (`BIRD 2.0.12 ready.`); birdc exits 1 on
an error answer (`Network not found`, `No valid tables`, a syntax error)
or when no BIRD listens on the socket; the readers below then find nothing."""

import ipaddress
import re
import shlex
from collections import namedtuple

SOCKET = '/run/bird/bird.ctl'      # the router's private run directory (Router.config)
BANNER = re.compile(r'^BIRD \S+ ready\.$')
FIELD = re.compile(r'^\s+(?P<key>[A-Za-z][\w .-]*?):\s+(?P<value>.*?)\s*$')
# `PREFIX  TYPE [PROTOCOL SINCE ...] * (PREFERENCE) [AS...]`; the prefix only
# on a prefix's first route, `*` on the best one; OSPF's routes add their
# kind after it (`* I (150/20)`: intra-area), iBGP's the IGP metric (`(100/20)`)
ROUTE = re.compile(r'^(?P<prefix>\S+)?\s+(?P<type>\w+) \[(?P<protocol>\S+)[^\]]*\]'
                   r'(?P<best> \*)?(?: [A-Z][A-Z0-9]?)? \((?P<preference>\d+)')
BGP_STATES = ('Idle', 'Connect', 'Active', 'OpenSent', 'OpenConfirm', 'Established')

# one protocol of `show protocols all`: the table's columns, the fields
# before its first channel, and {channel: fields}
Protocol = namedtuple('Protocol', 'name proto table state info fields channels')
# one route of `show route ... all`: source is its `Type:` (BGP, static,
# device, ...), as_path None unless BGP set one
BirdRoute = namedtuple('BirdRoute', 'prefix protocol best source gateway as_path bgp_next_hop')


def command(words):
    """The node's shell command asking words of the router's BIRD: one
    argument (birdc joins its arguments with spaces), so the shell leaves
    BIRD's `~`, `*` and quotes alone."""
    return 'birdc -s %s %s 2>&1' % (SOCKET, shlex.quote(words))


def ask(router, words):
    """birdc's answer to words, run in router, without its banner."""
    return strip_banner(router.cmd(command(words)))


def strip_banner(text):
    lines = text.replace('\r\n', '\n').split('\n')
    return '\n'.join(line for line in lines if not BANNER.match(line.strip())).strip('\n')


# show protocols all

def parse_protocols(text):
    """[Protocol] of `show protocols all` (or of `show protocols`: no fields)."""
    found, fields = [], None
    for line in strip_banner(text).splitlines():
        if not line.strip() or line.split()[:2] == ['Name', 'Proto']:
            continue
        if not line[0].isspace():
            columns = line.split(None, 5) + [''] * 6
            found.append(Protocol(*(columns[:4] + [columns[5].strip(), {}, {}])))
            fields = found[-1].fields
        elif found and line.split()[0] == 'Channel' and len(line.split()) == 2:
            fields = found[-1].channels.setdefault(line.split()[1], {})
        elif fields is not None:
            match = FIELD.match(line)
            if match:
                fields.setdefault(match.group('key'), match.group('value'))
    return found


def bgp_protocols(text):
    """{neighbor address: Protocol} of the BGP protocols in `show protocols
    all`, each address as Python writes it (str of an ip_address)."""
    return {canonical(p.fields['Neighbor address']): p for p in parse_protocols(text)
            if p.proto == 'BGP' and 'Neighbor address' in p.fields}


def canonical(address):
    """An address as str(ip_address) writes it (BIRD and users may write
    IPv6 otherwise); anything else unchanged."""
    try:
        return str(ipaddress.ip_address(str(address).strip()))
    except ValueError:
        return address


def channel(protocol, version=4):
    """The fields of protocol's ipv4 or ipv6 channel; of its only channel
    if it lacks that one ({} without channels)."""
    fields = protocol.channels.get('ipv%d' % version)
    if fields is None and len(protocol.channels) == 1:
        return next(iter(protocol.channels.values()))
    return fields or {}


def session_state(protocol):
    """The session's state in FRR's words: BIRD's BGP state where they
    share it; a protocol that is down (disabled, or shut down by BIRD) or
    closing counts as Idle."""
    state = protocol.fields.get('BGP state', protocol.info.split()[0] if protocol.info else '')
    return state if state in BGP_STATES else 'Idle'


def route_counts(protocol):
    """{'imported': n, 'filtered': n, 'exported': n, 'preferred': n} from
    its channels' `Routes:` lines, summed ({} while they are down);
    'filtered' only where a channel keeps filtered routes."""
    counts = {}
    for fields in protocol.channels.values():
        for number, word in re.findall(r'(\d+) (\w+)', fields.get('Routes', '')):
            counts[word] = counts.get(word, 0) + int(number)
    return counts


def keeps_filtered(protocol):
    return 'filtered' in route_counts(protocol)


# show route ... all

def parse_routes(text):
    """[BirdRoute] of `show route ... [all]`, in BIRD's order (a prefix's
    best route first)."""
    found, prefix = [], None
    for line in strip_banner(text).splitlines():
        match = ROUTE.match(line)
        if match:
            prefix = match.group('prefix') or prefix
            found.append(BirdRoute(prefix, match.group('protocol'), bool(match.group('best')),
                                   None, None, None, None))
        elif found and line.startswith('\t'):
            found[-1] = route_detail(found[-1], line.strip())
    return found


def route_detail(route, line):
    """route with what one of its indented lines says."""
    words = line.split()
    if words[0] == 'via' and route.gateway is None:
        return route._replace(gateway=words[1])
    if words[0] == 'Type:':
        return route._replace(source=words[1] if len(words) > 1 else '')
    if words[0] == 'BGP.as_path:':
        return route._replace(as_path=' '.join(words[1:]))
    if words[0] == 'BGP.next_hop:' and len(words) > 1:
        return route._replace(bgp_next_hop=words[1])
    return route


def prefixes(text):
    """The prefixes (ip_networks) of `show route ...`'s routes."""
    return {ipaddress.ip_network(route.prefix) for route in parse_routes(text)}


# show static, show status

def parse_static(text):
    """The prefixes (ip_networks) of `show static`'s routes: each opens a
    line (`10.0.0.0/24` then its `dev`/`via` lines, or `10.9.0.0/24\tblackhole`);
    a route whose interface is missing or down (`(dormant)`) is listed too."""
    found = []
    for line in strip_banner(text).splitlines():
        if line and not line[0].isspace():
            try:
                found.append(ipaddress.ip_network(line.split()[0]))
            except ValueError:
                continue
    return found


def router_id(text):
    """The router id in `show status` (`Router ID is 10.0.0.254`), or None."""
    found = re.search(r'^Router ID is (\S+)$', strip_banner(text), re.MULTILINE)
    return found.group(1) if found else None
