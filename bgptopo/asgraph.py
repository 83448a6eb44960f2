"""A lab from a real AS graph: CAIDA's AS-relationship files (serial-1,
plain or bzip2), N of their ASes, one router each.

The file: `#` comment lines (the header may name the Tier-1 clique, as
`# inferred clique: 174 209 ...`), then one line per AS link, `a|b|-1` when
AS a is AS b's provider, `a|b|0` when they peer; further `|fields` (a
serial-2 file's source) are ignored.

Which N ASes (the same file and N always give the same ASes):
 1. Customer cone: an AS and every AS below it by provider-to-customer links.
 2. The first layer is the clique the header names (those of its ASes the
    file's links hold), largest customer cone first (ties: lower ASN).
    Without such a header: the ASes with no provider, largest cone first,
    each kept if it peers with all those kept before it (a clique found
    greedily from the top).
 3. Each AS of a layer, in order, joins the chosen ones if afterwards every
    chosen AS still reaches every other valley-free (bgptopo/valleyfree.py);
    otherwise it is skipped. The next layer is every AS linked to one that
    just joined and not chosen yet (a skipped AS is tried again when a new
    neighbor of it joins), ordered as in step 2, breadth first until N.
    So every AS joins attached to one already chosen (an AS joining as a
    customer always passes), the chosen sub-graph is connected, and the
    first N form the Internet's core.
With seed=S: a random connected sample instead, reproducible per seed:
random.Random(S) picks the first AS from the first layer (step 2), then
repeatedly one AS linked to the chosen ones and not tried since its last
new neighbor joined (from them in ASN order), which joins under step 3's
rule or is skipped. It starts at the top because a sample grown from a
stub stops early: once two chosen ASes peer, no provider above either can
join (its routes would have to go down, then across).

The lab: one router per AS named as<ASN>, originating prefixes from the
lab's pools (bgptopo/labplan.py), one link per relationship between chosen
ASes with Gao-Rexford policy, no hosts."""

import bz2
import random
from collections import namedtuple

from bgptopo import labmodel, valleyfree
from bgptopo.errors import LabError
from bgptopo.paths import shown

MAX_ASN = 4294967295
KINDS = {'-1': 'customer', '0': 'peer'}     # the file's a|b|x: what b is to a
CLIQUE_HEADER = 'inferred clique:'
LINE_FORM = 'a|b|-1 when AS a is AS b\'s provider, a|b|0 when they peer'

# neighbors: {asn: {neighbor: what the neighbor is to asn}}; clique: the
# ASNs the header names; lines: {(a, b) as the file has them: line};
# first_lines: {asn: the line it first appears on}; source: the path
AsGraph = namedtuple('AsGraph', 'source neighbors clique lines first_lines')


def router_name(asn):
    return 'as%d' % asn


# Reading the file.

def opened(path):
    """path opened as text: bzip2 when it starts with bzip2's magic, so a
    renamed file reads too."""
    try:
        with open(path, 'rb') as raw:
            magic = raw.read(3)
    except OSError as failure:
        raise LabError('cannot read %s (%s); give the path of a CAIDA AS-relationship file '
                       '(serial-1, e.g. 20240101.as-rel.txt.bz2).'
                       % (shown(path), failure.strerror))
    if magic == b'BZh':
        return bz2.open(path, 'rt', encoding='utf-8', errors='replace')
    return open(path, encoding='utf-8', errors='replace')


def numbered_lines(path):
    """(line number, text) of each line; a sentence when a bzip2 file is
    cut short or corrupt."""
    number = 0
    with opened(path) as lines:
        try:
            for number, text in enumerate(lines, 1):
                yield number, text.strip()
        except (OSError, EOFError) as failure:
            raise LabError('%s cannot be read after line %d (%s); the download may be cut '
                           'short: fetch the file again.' % (shown(path), number, failure))


def malformed(path, number, text, why):
    return LabError('%s line %d: %r %s; write %s, or remove the line.'
                    % (shown(path), number, text[:80], why, LINE_FORM))


def asn_of(path, number, text, field):
    field = field.strip()
    if not field.isdigit():
        raise malformed(path, number, text, 'has %r where an AS number belongs' % field)
    if not 1 <= int(field) <= MAX_ASN:
        raise malformed(path, number, text, 'has AS number %s, outside 1..%d' % (field, MAX_ASN))
    return int(field)


def parse_link(path, number, text):
    """(a, b, what b is to a) of one relationship line."""
    fields = text.split('|')
    if len(fields) < 3:
        raise malformed(path, number, text, 'is not a relationship line')
    if fields[2].strip() not in KINDS:
        raise malformed(path, number, text, 'has relationship %r, neither -1 nor 0'
                        % fields[2].strip())
    a, b = asn_of(path, number, text, fields[0]), asn_of(path, number, text, fields[1])
    if a == b:
        raise malformed(path, number, text, 'relates AS %d to itself' % a)
    return a, b, KINDS[fields[2].strip()]


def clique_of(path, number, text):
    """The ASNs of a `# inferred clique:` header line, or None for any
    other comment."""
    words = text.lstrip('#').strip()
    if not words.lower().startswith(CLIQUE_HEADER):
        return None
    named = words[len(CLIQUE_HEADER):].split()
    wrong = [word for word in named if not word.isdigit()]
    if wrong:
        raise LabError('%s line %d: the clique header names %r, not an AS number; list AS '
                       'numbers separated by spaces, or remove the line.'
                       % (shown(path), number, wrong[0]))
    return [int(word) for word in named]


def read_graph(path):
    """The AsGraph of a CAIDA file; a sentence naming the file, the line
    and the fix for a line that is not one of the format's."""
    graph = AsGraph(path, {}, [], {}, {})
    for number, text in numbered_lines(path):
        if text.startswith('#'):
            clique = clique_of(path, number, text)
            if clique is not None and not graph.clique:
                graph.clique.extend(clique)
        elif text:
            add_link(graph, number, text, *parse_link(path, number, text))
    if not graph.lines:
        raise LabError('%s holds no AS relationships (only comments, or nothing); give a '
                       'CAIDA serial-1 file, one link a line: %s.' % (shown(path), LINE_FORM))
    return graph


def add_link(graph, number, text, a, b, kind):
    """One link into graph; the same link twice is one, two different
    relationships for one pair are a mistake to fix."""
    before = graph.neighbors.get(a, {}).get(b)
    if before not in (None, kind):
        earlier = graph.lines.get((a, b), graph.lines.get((b, a)))
        raise malformed(graph.source, number, text, 'contradicts line %d about AS %d and AS %d'
                        % (earlier, a, b))
    if before is None:
        graph.neighbors.setdefault(a, {})[b] = kind
        graph.neighbors.setdefault(b, {})[a] = labmodel.OPPOSITE[kind]
        graph.lines[a, b] = number
        graph.first_lines.setdefault(a, number)
        graph.first_lines.setdefault(b, number)


# Choosing the ASes.

class Chosen(object):
    """The ASes chosen so far and the relationships among them. An AS joins
    only if every chosen AS reaches every other valley-free afterwards:
    valley-free paths read the same both ways, and adding links only adds
    paths, so it is enough that the newcomer reaches all the others."""

    def __init__(self, graph):
        self.graph, self.order, self.neighbors = graph, [], {}

    def __len__(self):
        return len(self.order)

    def __contains__(self, asn):
        return asn in self.neighbors

    def join(self, asn):
        """Does asn join (True) or would it break valley-free reach (False)?"""
        links = {other: kind for other, kind in self.graph.neighbors[asn].items()
                 if other in self.neighbors}
        self.neighbors[asn] = links
        for other, kind in links.items():
            self.neighbors[other][asn] = labmodel.OPPOSITE[kind]
        if len(valleyfree.reach(self.neighbors, asn)) == len(self.neighbors):
            self.order.append(asn)
            return True
        for other in links:
            del self.neighbors[other][asn]
        del self.neighbors[asn]
        return False

    def newcomers_near(self, asns):
        """The ASes linked to asns and not chosen: the next ones to try."""
        return {other for asn in asns for other in self.graph.neighbors[asn] if other not in self}


class Cones(object):
    """Customer cone sizes, counted when first asked: a real file holds
    tens of thousands of ASes, and a choice asks for a few thousand."""

    def __init__(self, graph):
        self.graph, self.sizes = graph, {}

    def size(self, asn):
        if asn not in self.sizes:
            cone = valleyfree.closure(self.graph.neighbors, [asn], valleyfree.DOWN)
            self.sizes[asn] = len(cone)
        return self.sizes[asn]

    def largest_first(self, asns):
        return sorted(asns, key=lambda asn: (-self.size(asn), asn))


def first_layer(graph, cones):
    """The header's clique, or a clique found greedily among the ASes with
    no provider (all ASes when every one has a provider: a cycle)."""
    named = [asn for asn in graph.clique if asn in graph.neighbors]
    if named:
        return cones.largest_first(named)
    tops = [asn for asn, links in graph.neighbors.items()
            if valleyfree.UP not in links.values()] or list(graph.neighbors)
    clique = []
    for asn in cones.largest_first(tops):
        if all(graph.neighbors[asn].get(other) == valleyfree.ACROSS for other in clique):
            clique.append(asn)
    return clique


def core(graph, n):
    """The chosen ASes in the order they joined, breadth first from the
    first layer (the module's rule); fewer than n when no more can join."""
    chosen, cones = Chosen(graph), Cones(graph)
    layer = first_layer(graph, cones)
    while layer:
        joined = []
        for asn in layer:
            if len(chosen) == n:
                return chosen.order
            if chosen.join(asn):
                joined.append(asn)
        layer = cones.largest_first(chosen.newcomers_near(joined))
    return chosen.order


def sample(graph, n, seed):
    """A random connected choice of up to n ASes under the same rule,
    reproducible per seed."""
    pick, chosen = random.Random(seed), Chosen(graph)
    start = pick.choice(sorted(first_layer(graph, Cones(graph))))
    chosen.join(start)
    frontier = chosen.newcomers_near([start])
    while frontier and len(chosen) < n:
        asn = pick.choice(sorted(frontier))
        frontier.discard(asn)
        if chosen.join(asn):
            frontier |= chosen.newcomers_near([asn])
    return chosen.order


def whole_number(value, what):
    try:
        return int(value)
    except (TypeError, ValueError):
        raise LabError('%s=%s is not a whole number; give one, e.g. %s=20.' % (what, value, what))


def choose(graph, n, seed=None):
    """[asn]: n of graph's ASes, the core (seed None) or a random sample
    (module docstring), each reaching every other valley-free; a sentence
    when n is out of range or fewer can be chosen."""
    n, count = whole_number(n, 'n'), len(graph.neighbors)
    if not 2 <= n <= count:
        raise LabError('n=%d is out of range: %s holds %d ASes; choose n from 2 to %d.'
                       % (n, shown(graph.source), count, count))
    chosen = core(graph, n) if seed is None else sample(graph, n, seed)
    if len(chosen) < n:
        start = ('from its clique' if seed is None
                 else 'from seed=%s\'s first AS %d' % (seed, chosen[0]))
        raise LabError('only %d of %s\'s ASes can be chosen %s with every AS reaching every '
                       'other valley-free; choose n from 2 to %d%s.'
                       % (len(chosen), shown(graph.source), start, len(chosen),
                          '' if seed is None else ', or another seed'))
    return chosen


# The lab.

def links(graph, asns):
    """One RouterLink per relationship among asns, in the file's order."""
    chosen = set(asns)
    found = []
    for a in asns:
        for b, kind in graph.neighbors[a].items():
            if b in chosen and (a, b) in graph.lines:
                found.append(labmodel.RouterLink(router_name(a), router_name(b), kind, None,
                                                 None, {}, {}, graph.lines[a, b]))
    return sorted(found, key=lambda link: link.line)


def lab_of(graph, asns, ipv6=False, suite='frr'):
    """The Lab of asns: one router each, prefixes from the pools, no hosts."""
    asns = sorted(asns)
    ases = {asn: labmodel.AutonomousSystem(asn, (router_name(asn),), (), (),
                                           graph.first_lines[asn]) for asn in asns}
    routers = {router_name(asn): labmodel.LabRouter(router_name(asn), asn, suite,
                                                    graph.first_lines[asn]) for asn in asns}
    return labmodel.Lab(graph.source, ases, routers, {}, links(graph, asns), [], ipv6)


def lab_from_graph(path, n, seed=None, ipv6=False, suite='frr'):
    """The Lab of n ASes chosen from the CAIDA file at path (module docstring)."""
    graph = read_graph(path)
    return lab_of(graph, choose(graph, n, seed), ipv6, suite)
