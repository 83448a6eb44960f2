"""What Gao-Rexford's business relationships allow, reasoned on the
relationships alone, whatever suite routes: who should hear of an AS's
prefixes, whether the AS path a route took has a valley, how each AS hop of
a path reads, and how to lay providers above customers.

Relationships are {(asn a, asn b): what b is to a} ('customer', 'peer',
'provider'), as bgptopo.labmodel.as_relationships gives them. Export under
Gao-Rexford: an AS sends the routes it learned from its customers (and its
own) to everyone, and the routes it learned from peers and providers only
to its customers. So a route travels up zero or more provider links, across
at most one peer link, then down zero or more customer links: a path of
that shape is valley-free, any other has a valley."""

from collections import deque

UP, ACROSS, DOWN = 'provider', 'peer', 'customer'
NONE = 'none'   # a link with policy none: the seed's accept-the-lab's-prefixes sessions
HOP_WORDS = {UP: 'up to a provider', ACROSS: 'across to a peer', DOWN: 'down to a customer'}
NO_RELATIONSHIP = 'over a link with no relationship'
INSIDE = 'inside the AS'


def adjacency(relationships):
    """{asn: {neighbor asn: what the neighbor is to asn}}: the
    relationships indexed by AS, so each question walks only its neighbors."""
    found = {}
    for (a, b), kind in relationships.items():
        found.setdefault(a, {})[b] = kind
        found.setdefault(b, {})
    return found


def of_kind(neighbors, asn, kind):
    return [other for other, what in neighbors.get(asn, {}).items() if what == kind]


def closure(neighbors, start, kind):
    """start and every AS reached from it by following links to `kind`
    (providers: everyone above; customers: the customer cone)."""
    found, queue = set(start), deque(start)
    while queue:
        for other in of_kind(neighbors, queue.popleft(), kind):
            if other not in found:
                found.add(other)
                queue.append(other)
    return found


def reach(neighbors, origin):
    """expected_reach on an adjacency (see there); asgraph grows one
    adjacency AS by AS and asks this of each candidate. A route's state on
    the way is the AS holding it and whether that AS may still send it up
    or across (it is its own, or came from a customer); a link with policy
    none (NONE) passes every route both ways, and what comes over it is
    nobody's customer route."""
    start = (origin, True)
    seen, queue = {start}, deque([start])
    while queue:
        asn, upward = queue.popleft()
        for other, kind in neighbors.get(asn, {}).items():
            if kind in (UP, ACROSS) and not upward:
                continue
            state = (other, kind == UP)     # other learned it from its customer
            if state not in seen:
                seen.add(state)
                queue.append(state)
    return {asn for asn, _ in seen}


def expected_reach(relationships, origin):
    """The ASes that should hold a route to origin's prefixes (origin
    included): every AS above origin (customer routes go to everyone), their
    peers, and everything below those (the rest goes only to customers).
    Without policy-none links, valley-free paths read the same both ways,
    so this is also the set of ASes whose prefixes origin should reach."""
    return reach(adjacency(relationships), origin)


def as_numbers(as_path):
    """The ASNs of an AS path string, prepending collapsed ('3 3 3 4' is
    3 then 4: one AS hop); AS sets and other non-numbers left out."""
    found = []
    for word in str(as_path or '').split():
        if word.isdigit() and (not found or found[-1] != int(word)):
            found.append(int(word))
    return found


def travelled(as_path, me):
    """The ASes a route passed, from the origin (the path's last ASN) to me."""
    ases = list(reversed(as_numbers(as_path)))
    if not ases or ases[-1] != me:
        ases.append(me)
    return ases


def valley(as_path, me, relationships):
    """None when the route whose AS path me (an ASN) holds is valley-free,
    else the first offending hop in words. Each AS that passed the route on
    learned it from the AS before it on the way; one that learned it from a
    provider or a peer may give it only to a customer. A hop between ASes
    with no relationship (a link with policy none) is not judged."""
    ases = travelled(as_path, me)
    for learned_from, sender, receiver in zip(ases, ases[1:], ases[2:]):
        got, gave = relationships.get((sender, learned_from)), relationships.get((sender, receiver))
        if got in (UP, ACROSS) and gave in (UP, ACROSS):
            return ('AS %s gave AS %s a route from its %s AS %s, and AS %s is its %s, '
                    'not its customer' % (sender, receiver, got, learned_from, receiver, gave))
    return None


def hop_kind(relationships, a, b):
    """How the hop from AS a to AS b reads: 'up to a provider' when b is
    a's provider, and so on."""
    if a == b:
        return INSIDE
    return HOP_WORDS.get(relationships.get((a, b)), NO_RELATIONSHIP)


def hop_kinds(ases, relationships):
    """[(a, b, how the hop reads)] for each AS hop of ases (in the order
    traffic or a route goes; repeated ASNs, as prepending gives, are one AS)."""
    distinct = as_numbers(' '.join(str(asn) for asn in ases))
    return [(a, b, hop_kind(relationships, a, b)) for a, b in zip(distinct, distinct[1:])]


def provider_edges(relationships, asns=None):
    """{provider: [its customers]} among asns (all ASes when None), sorted."""
    edges = {}
    for (a, b), kind in sorted(relationships.items()):
        if asns is not None and (a not in asns or b not in asns):
            continue
        edges.setdefault(a, [])
        edges.setdefault(b, [])
        if kind == DOWN:
            edges[a].append(b)
    for asn in asns or ():
        edges.setdefault(asn, [])
    return edges


def components(edges):
    """The strongly connected components of edges ({node: [next]}), each a
    sorted list, customers' before their providers' (Tarjan's order);
    iterative, since a real AS graph is deep enough for Python's recursion limit."""
    index, low, on_stack, stack, found = {}, {}, set(), [], []
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(edges[root]))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, nexts = work[-1]
            step = next(nexts, None)
            if step is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    found.append(pop_component(node, stack, on_stack))
            elif step not in index:
                index[step] = low[step] = len(index)
                stack.append(step)
                on_stack.add(step)
                work.append((step, iter(edges[step])))
            elif step in on_stack:
                low[node] = min(low[node], index[step])
    return found


def pop_component(root, stack, on_stack):
    component = []
    while True:
        node = stack.pop()
        on_stack.discard(node)
        component.append(node)
        if node == root:
            return sorted(component)


def ranks(relationships, asns):
    """{asn: level} for drawing: 0 for ASes with no provider among asns, and
    each AS one below its lowest provider. ASes on a provider cycle share one
    level (the cycle is ranked as one AS), so the result is defined and the
    same on every call."""
    edges = provider_edges(relationships, set(asns))
    providers = {asn: [] for asn in edges}
    for provider, customers in edges.items():
        for customer in customers:
            providers[customer].append(provider)
    found = {}
    for component in reversed(components(edges)):   # providers first
        members = set(component)
        above = [found[p] for asn in component for p in providers[asn] if p not in members]
        level = max(above) + 1 if above else 0
        found.update((asn, level) for asn in component)
    return found


def provider_cycles(relationships):
    """[[a, b, ..., z]]: one cycle of each group of ASes that are each
    other's providers round a loop (a is b's provider, ..., z is a's), the
    shortest through the group's lowest ASN, which it starts with. Under
    such a loop no AS is the top of its own routes: the lab file warns."""
    edges = provider_edges(relationships)
    return sorted(shortest_cycle(edges, component)
                  for component in components(edges) if len(component) > 1)


def shortest_cycle(edges, component):
    """The shortest provider loop from component's first AS back to it."""
    start, members = component[0], set(component)
    came_from, queue = {start: None}, deque([start])
    while queue:
        asn = queue.popleft()
        for customer in edges[asn]:
            if customer == start:
                return walk_back(came_from, asn)
            if customer in members and customer not in came_from:
                came_from[customer] = asn
                queue.append(customer)
    return list(component)      # not reached: a component of two or more has a loop


def walk_back(came_from, last):
    cycle = []
    while last is not None:
        cycle.append(last)
        last = came_from[last]
    return list(reversed(cycle))
