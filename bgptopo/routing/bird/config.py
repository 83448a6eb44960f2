"""BIRD 2's bird.conf, reduced to what the lab reasons about
(bgptopo.routing.contract.BgpConfig), and `bird -p`'s messages. BIRD
itself parses and applies the whole file; this reads only the statements
below, enough for the lab's configs and the usual hand-written ones:

- `router id A.B.C.D;` at the top level: the router id;
- `protocol bgp [NAME] [from TEMPLATE] { ... }` and `template bgp NAME
  [from TEMPLATE] { ... }`: `local [ADDRESS] as N;`, `neighbor ADDRESS
  [port P] as N;` (a template's values hold unless the protocol sets its
  own) and the `table` of its ipv4 and ipv6 channels;
- `protocol static [NAME] [from TEMPLATE] { ... }`: its `route PREFIX ...;`
  statements, its channel's `table`, `disabled`.

The AS is the first BGP protocol's local AS (None without a protocol bgp:
templates alone run nothing). The neighbors are the BGP protocols' (a
`neighbor range` has no one address: it is left out).

The networks a router originates, FRR's `network`s, are in BIRD the routes
(IPv4 and IPv6) of its static protocols that are not disabled and feed a
table a BGP channel reads (master4 or master6 unless a channel names
another; a protocol bgp without a channel has one of its neighbor's
family): BGP announces them through each session's export filter, which,
as FRR's route-map out, decides who gets which. (`include` is not followed.)"""

import ipaddress
import re
from collections import namedtuple

from bgptopo.routing.contract import BgpConfig, Neighbor

DEFAULT_TABLES = {'ipv4': 'master4', 'ipv6': 'master6'}
# `bird -p` on stderr: `bird: FILE:LINE:COLUMN MESSAGE` (the first error only)
CHECK_ERROR = re.compile(r'^bird: (?P<file>.+?):(?P<line>\d+):(?P<column>\d+) (?P<message>.+)$',
                         re.MULTILINE)
UNREADABLE = re.compile(r'^bird: Unable to open configuration file (?P<file>.+?): '
                        r'(?P<reason>.+)$', re.MULTILINE)
TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|/\*.*?\*/|#[^\n]*|[{};\[\]]|[^\s{};\[\]"#]+',
                    re.DOTALL)
OFF = ('no', 'off', 'false')

# one statement: its words, and the statements of its block (None without one)
Statement = namedtuple('Statement', 'words block')
CheckError = namedtuple('CheckError', 'file line column message')


def tokens(text):
    """bird.conf's words, strings (quotes dropped), braces and semicolons,
    without comments; inside [ ] (sets, whose prefix patterns may hold
    {16,24}) braces are words, not blocks."""
    depth = 0
    for token in TOKENS.findall(text):
        if token.startswith('#') or token.startswith('/*'):
            continue
        if token == '[':
            depth += 1
        elif token == ']':
            depth = max(0, depth - 1)
        if token.startswith('"'):
            yield 'word', token[1:-1]
        elif token in ('{', '}', ';') and not depth:
            yield token, token
        else:
            yield 'word', token


def statements(text):
    """The top-level Statements of bird.conf's text."""
    return parse_block(tokens(text))


def parse_block(stream):
    """Statements up to the '}' closing this block (or the end): one ends
    at its ';' or at the end of its block (`x { ... }` needs no ';')."""
    found, words = [], []
    for kind, token in stream:
        if kind == 'word':
            words.append(token)
        elif kind == '{':
            found.append(Statement(words, parse_block(stream)))
            words = []
        elif kind == ';':
            if words:
                found.append(Statement(words, None))
            words = []
        else:
            break
    if words:
        found.append(Statement(words, None))
    return found


def value_after(words, key):
    """The word after key in words, or None."""
    return words[words.index(key) + 1] if key in words[:-1] else None


class Protocol(object):
    """One protocol (or template) of bird.conf: what the lab reads of it."""

    def __init__(self, kind, name, template=None):
        self.kind, self.name = kind, name
        self.local_as = self.neighbor = self.neighbor_as = None
        self.channels, self.disabled, self.routes = {}, False, []     # {channel: its table}
        if template is not None:
            self.local_as, self.neighbor = template.local_as, template.neighbor
            self.neighbor_as, self.channels = template.neighbor_as, dict(template.channels)
            self.disabled, self.routes = template.disabled, list(template.routes)

    def read(self, block):
        for statement in block or ():
            words = statement.words + ['']
            if words[0] == 'local' and value_after(words, 'as'):
                self.local_as = value_after(words, 'as')
            elif words[0] == 'neighbor' and words[1] not in ('range', ''):
                self.read_neighbor(words)
            elif words[0] == 'disabled':
                self.disabled = words[1] not in OFF
            elif words[0] in DEFAULT_TABLES:
                self.channels[words[0]] = channel_table(statement) or \
                    self.channels.get(words[0], DEFAULT_TABLES[words[0]])
            elif words[0] == 'route' and words[1]:
                self.routes.append(words[1])

    def read_neighbor(self, words):
        """`neighbor [ADDRESS] [port P] [as N]`."""
        if words[1] != 'as':
            self.neighbor = words[1]
        self.neighbor_as = value_after(words, 'as') or self.neighbor_as

    def tables(self):
        """The tables its channels read; a BGP protocol without a channel
        has one of its neighbor's family."""
        if self.channels or self.kind != 'bgp':
            return set(self.channels.values())
        return {DEFAULT_TABLES['ipv6' if ':' in (self.neighbor or '') else 'ipv4']}

    def networks(self):
        """Its routes' prefixes, BIRD's strict notation assumed."""
        found = []
        for route in self.routes:
            try:
                found.append(ipaddress.ip_network(route))
            except ValueError:
                continue
        return found


def channel_table(statement):
    """The table a channel names (`ipv4 { table T; }` or `ipv6 table T;`)."""
    named = value_after(statement.words, 'table')
    for inner in statement.block or ():
        named = value_after(inner.words, 'table') or named
    return named


def protocols(text):
    """[Protocol] of bird.conf's protocol bgp and protocol static
    statements, in the file's order, their templates applied; and the router id."""
    templates, found, router_id = {}, [], None
    for statement in statements(text):
        words = statement.words + ['', '']
        if words[:2] == ['router', 'id']:
            router_id = words[2] or None
        elif words[0] in ('protocol', 'template') and words[1] in ('bgp', 'static'):
            kind = words[1]
            named = words[2] not in ('from', '')
            unnamed = '%s%d' % (kind, 1 + sum(p.kind == kind for p in found))
            name = words[2] if named else unnamed     # BIRD's own names: bgp1, static1...
            protocol = Protocol(kind, name, templates.get(value_after(words, 'from')))
            protocol.read(statement.block)
            if words[0] == 'template':
                templates[name] = protocol
            else:
                found.append(protocol)
    return found, router_id


def parse_bird(text):
    """The BgpConfig of a bird.conf (see the module's docstring)."""
    found, router_id = protocols(text)
    bgp = [p for p in found if p.kind == 'bgp']
    tables = set().union(*(p.tables() for p in bgp))
    config = BgpConfig(router_id=router_id)
    config.asn = next((int(p.local_as) for p in bgp if p.local_as), None)
    config.neighbors = [Neighbor(p.neighbor, p.neighbor_as) for p in bgp
                        if p.neighbor and p.neighbor_as]
    config.networks = [network for p in found
                       if p.kind == 'static' and not p.disabled and p.tables() & tables
                       for network in p.networks()]
    return config


def check_errors(output):
    """[CheckError] from `bird -p`'s output (BIRD reports the first only)."""
    return [CheckError(m.group('file'), int(m.group('line')), int(m.group('column')),
                       m.group('message').strip())
            for m in CHECK_ERROR.finditer(output)]


def unreadable(output):
    """(file, reason) when `bird -p` could not open a config file, else None."""
    found = UNREADABLE.search(output)
    return (found.group('file'), found.group('reason').strip()) if found else None
