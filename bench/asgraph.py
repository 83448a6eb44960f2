#!/usr/bin/python3
"""Benchmark of labs from an AS graph: `--topo asgraph,file=F,n=N` for each N.

    ./bench/asgraph.py [--sizes 10,30,100] [--runs 3] [--suite frr|bird] [--ipv6]
                       [--file 20240101.as-rel.txt.bz2] [--seed S] [--timeout 900]
    ./bench/asgraph.py --write FILE      (only write the generated graph)

Each run is a fresh `mn --topo asgraph,file=F,n=N,suite=S --test scale`
(bench/mnbench.py; phases as bench/mnrun.py says): build, convergence (every
session Established, every router routing every prefix its relationships
owe it), teardown, total, and the peak resident memory per router (VmHWM of
zebra + bgpd, or bird), its private memory and PSS once converged. Prints
the medians per N and writes every run and the medians to
bench/results/asgraph-<suite>[-ipv6].json.

Without --file the graph is generated (no CAIDA file ships, none may be
downloaded here): internet_like() below, written as a CAIDA serial-1 .bz2
into a temporary folder that is removed afterwards. --file F measures a real
CAIDA file instead (plain or .bz2)."""

import argparse
import bz2
import json
import os
import random
import shutil
import sys
import tempfile

from mnrun import RESULTS, RunFailed, scale_run, summary
from bgptopo import asgraph     # importable: mnrun puts the repository on sys.path

PHASES = ('build', 'convergence', 'up_converged', 'teardown', 'total', 'rss_mib_mean',
          'rss_mib_max', 'private_mib_mean', 'pss_mib_mean', 'pss_mib_max', 'lab_gib')

# The generated graph's shape: (tier, how many ASes, how many providers each
# may have and how likely each count is, where providers come from: {tier:
# weight}, peerings per AS with others of its tier on average).
TIERS = (
    ('tier1', 10, None, None, None),
    ('tier2', 150, ((1, 2, 3), (3, 4, 3)), {'tier1': 8, 'tier2': 2}, 4.0),
    ('tier3', 700, ((1, 2, 3), (5, 4, 1)), {'tier1': 1, 'tier2': 7, 'tier3': 2}, 1.0),
    ('stub', 2400, ((1, 2, 3), (13, 6, 1)), {'tier1': 1, 'tier2': 7, 'tier3': 12}, 0.0),
)
# ASN ranges that look like the registries' (never reserved, private or
# documentation numbers: 23456, 64496-131071): tier-1s have old short
# numbers, stubs mostly 32-bit ones.
ASN_RANGES = {
    'tier1': ((100, 9999),),
    'tier2': ((1000, 23455), (23457, 64495)),
    'tier3': ((10000, 64495), (131072, 399999)),
    'stub': ((30000, 64495), (131072, 399999), (131072, 399999)),
}


def new_asn(pick, tier, taken):
    while True:
        low, high = pick.choice(ASN_RANGES[tier])
        asn = pick.randint(low, high)
        if asn not in taken:
            taken.add(asn)
            return asn


def internet_like(seed=2024):
    """The text of a CAIDA serial-1 file shaped like the Internet, the same
    for the same seed:
      - tier-1: a clique of 10 ASes that all peer, named by the
        `# inferred clique:` header as CAIDA's files do;
      - tier-2: 150 transit ASes, 1-3 providers each, mostly tier-1s,
        sometimes an earlier tier-2; about 4 peerings each with tier-2s;
      - tier-3: 700 regional ASes, 1-3 providers, mostly tier-2s; about one
        peering each with another tier-3;
      - stubs: 2400 customers only, 1-3 providers (mostly one) among the
        tiers above.
    Providers are drawn in proportion to a size each transit AS gets from a
    Pareto law, so a few grow large customer cones, as on the Internet.
    Every provider is an AS of a higher tier or an earlier one of the same
    tier: no provider cycles. Peerings never double a provider link."""
    pick = random.Random(seed)
    taken, tiers, size = set(), {}, {}
    providers, peerings = {}, set()
    for tier, count, provider_counts, sources, peers_each in TIERS:
        tiers[tier] = []
        for _ in range(count):
            asn = new_asn(pick, tier, taken)
            if provider_counts:
                providers[asn] = choose_providers(pick, provider_counts, sources, tiers, size)
            tiers[tier].append(asn)
            size[asn] = pick.paretovariate(1.2)
        if peers_each:
            peerings |= same_tier_peerings(pick, tiers[tier], peers_each, size, providers)
    clique = tiers['tier1']
    peerings |= {(a, b) for a in clique for b in clique if a < b}
    return serial1(seed, tiers, providers, peerings)


def choose_providers(pick, provider_counts, sources, tiers, size):
    """1-3 distinct providers from the tiers sources weighs, larger ASes
    likelier."""
    counts, weights = provider_counts
    wanted = pick.choices(counts, weights)[0]
    chosen = set()
    for _ in range(20 * wanted):
        if len(chosen) == wanted:
            break
        tier = pick.choices(list(sources), list(sources.values()))[0]
        if tiers[tier]:
            chosen.add(pick.choices(tiers[tier], [size[asn] for asn in tiers[tier]])[0])
    return sorted(chosen)


def same_tier_peerings(pick, asns, peers_each, size, providers):
    """About peers_each peerings per AS of one tier, larger ASes likelier;
    none between an AS and its own provider."""
    weights = [size[asn] for asn in asns]
    found = set()
    for _ in range(int(len(asns) * peers_each / 2)):
        a, b = pick.choices(asns, weights, k=2)
        if a != b and a not in providers.get(b, ()) and b not in providers.get(a, ()):
            found.add((min(a, b), max(a, b)))
    return found


def serial1(seed, tiers, providers, peerings):
    links = [(p, c, -1) for c, ps in providers.items() for p in ps]
    links += [(a, b, 0) for a, b in peerings]
    header = [
        '# bgptopo bench/asgraph.py: a generated Internet-shaped AS graph (seed %d), NOT '
        'measured data' % seed,
        '# %s ASes: %s; %d links' % (sum(map(len, tiers.values())),
                                    ', '.join('%d %s' % (len(tiers[t[0]]), t[0]) for t in TIERS),
                                    len(links)),
        '# inferred clique: %s' % ' '.join(map(str, sorted(tiers['tier1']))),
    ]
    return '\n'.join(header + ['%d|%d|%d' % link for link in sorted(links)]) + '\n'


def write_generated(path, seed):
    with open(path, 'wb') as out:
        out.write(bz2.compress(internet_like(seed).encode()))


# Running the labs.

def topo(file, n, suite, ipv6, seed):
    params = ['asgraph', 'file=%s' % file, 'n=%d' % n, 'suite=%s' % suite]
    params += ['ipv6=1'] if ipv6 else []
    params += ['seed=%d' % seed] if seed is not None else []
    return ','.join(params)


def lab_shape(graph, n, seed):
    """How many links the lab of n ASes has, of which peerings: its size
    beside the number of routers."""
    chosen = set(asgraph.choose(graph, n, seed))
    links = [kind for asn in chosen for other, kind in graph.neighbors[asn].items()
             if other in chosen and asn < other]
    return {'links': len(links), 'peerings': links.count('peer')}


def one_size(file, n, args):
    """All runs of one n: each run's figures, and the medians of those that
    finished (a failed run is kept with its reason)."""
    runs = []
    for number in range(args.runs):
        try:
            runs.append(scale_run(topo(file, n, args.suite, args.ipv6, args.seed), args.timeout))
        except RunFailed as failure:
            runs.append({'failed': str(failure)})
            print('n=%d run %d failed: %s' % (n, number + 1, failure), file=sys.stderr)
    finished = [run for run in runs if 'failed' not in run]
    return {'n': n, 'runs': runs, 'finished': len(finished),
            'summary': summary(finished, PHASES) if finished else None}


def row_text(n, shape, result):
    head = '%5d %6d %6d %4d/%d' % (n, shape['links'], shape['peerings'], result['finished'],
                                    len(result['runs']))
    table = result['summary']
    if not table:
        return head + '   every run failed'
    median = {key: table[key]['median'] for key in PHASES}
    memory = ' %8.1f (max %.1f) %8.1f %8.1f (max %.1f) %6.2f' % (
        median['rss_mib_mean'], median['rss_mib_max'], median['private_mib_mean'],
        median['pss_mib_mean'], median['pss_mib_max'], median['lab_gib'])
    return head + ' %7.2fs %11.2fs %8.2fs %7.2fs' % (
        median['build'], median['convergence'], median['teardown'], median['total']) + memory


def measure(file, source, args):
    graph = asgraph.read_graph(file)
    sizes = [int(size) for size in args.sizes.split(',')]
    print('%s, suite %s%s; medians of %d runs' % (source, args.suite,
                                                  ', dual stack' if args.ipv6 else '', args.runs))
    print('%5s %6s %6s %6s %8s %12s %9s %8s %14s %8s %14s %6s' % (
        'n', 'links', 'peer', 'ok', 'build', 'convergence', 'teardown', 'total', 'MiB/router',
        'private', 'PSS', 'GiB'))
    results = []
    for n in sizes:
        shape = lab_shape(graph, n, args.seed)
        result = dict(one_size(file, n, args), **shape)
        results.append(result)
        print(row_text(n, shape, result), flush=True)
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--sizes', default='10,30,100')
    parser.add_argument('--runs', type=int, default=3)
    parser.add_argument('--suite', default='frr', help='the routers\' suite: frr or bird')
    parser.add_argument('--ipv6', action='store_true', help='dual stack')
    parser.add_argument('--file', help='a CAIDA AS-relationship file (default: a generated one)')
    parser.add_argument('--seed', type=int, help='a random connected sample (asgraph seed=)')
    parser.add_argument('--graph-seed', type=int, default=2024,
                        help='the generated graph\'s seed (default 2024)')
    parser.add_argument('--timeout', type=float, default=900, help='seconds per mn run')
    parser.add_argument('--write', metavar='FILE', help='write the generated graph, .bz2, and stop')
    args = parser.parse_args()
    if args.write:
        return write_generated(args.write, args.graph_seed)
    folder = None if args.file else tempfile.mkdtemp(prefix='bgptopo-asgraph-')
    try:
        if args.file:
            file, source = os.path.abspath(args.file), args.file
        else:
            file = os.path.join(folder, 'generated.as-rel.txt.bz2')
            source = 'generated graph (seed %d)' % args.graph_seed
            write_generated(file, args.graph_seed)
        results = measure(file, source, args)
    finally:
        if folder:
            shutil.rmtree(folder)
    save(results, source, args)


def save(results, source, args):
    os.makedirs(RESULTS, exist_ok=True)
    path = os.path.join(RESULTS, 'asgraph-%s%s.json' % (args.suite, '-ipv6' if args.ipv6 else ''))
    with open(path, 'w') as out:
        json.dump({'machine': os.uname().nodename, 'nproc': os.cpu_count(), 'graph': source,
                   'suite': args.suite, 'ipv6': args.ipv6, 'seed': args.seed,
                   'sizes': results}, out, indent=1)
    print('figures: %s' % path)


if __name__ == '__main__':
    main()
