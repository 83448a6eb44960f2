#!/usr/bin/python3
"""A deterministic synthetic MRT RIB dump (TABLE_DUMP_V2) with the shape of
a real IPv4 table, for bench/table.py and the tests: the prefix lengths
of a 2014 full table (55% /24, then /22, /23, /21, /20, /16, ...), only
unicast space outside the lab's and the special-purpose ranges; about
eleven prefixes per origin AS (a 2014 table: ~500k prefixes from ~45k
origins), a few origins holding many; each origin reached by a path of 2
to 8 hops through one of a few transit ASes, the same for all its
prefixes, from each of two peers (so the best-path rule is exercised).

    ./bench/syntheticdump.py N FILE [--seed S] [--bz2]"""

import argparse
import bz2
import ipaddress
import itertools
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from bgptopo import mrt

# (prefix length, share of the table), after a 2014 RouteViews table
LENGTH_MIX = ((24, 55), (22, 10), (23, 9), (21, 6), (20, 6), (19, 4), (16, 4), (18, 2),
              (17, 2), (13, 0.3), (14, 0.5), (15, 0.7), (12, 0.2), (11, 0.1), (10, 0.1),
              (8, 0.02), (25, 0.05))
TRANSIT = (3356, 174, 1299, 2914, 6939, 3257, 6453, 6762, 1239, 701)
# address space a dump must not carry: private, shared, special purpose,
# multicast and reserved, and the lab's own (its /24s and link subnets)
EXCLUDED = [ipaddress.ip_network(n) for n in (
    '0.0.0.0/8', '10.0.0.0/8', '11.0.0.0/8', '12.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8',
    '169.254.0.0/16', '172.16.0.0/12', '192.0.0.0/24', '192.0.2.0/24', '192.168.0.0/16',
    '198.18.0.0/15', '198.51.100.0/24', '203.0.113.0/24', '224.0.0.0/3')]
EXCLUDED_RANGES = [(int(n.network_address), int(n.broadcast_address)) for n in EXCLUDED]
PEERS = [('192.0.2.11', '192.0.2.11', 3356), ('192.0.2.12', '192.0.2.12', 174)]
PREFIXES_PER_ORIGIN = 11


def excluded(network, length):
    last = network + (1 << (32 - length)) - 1
    return any(low <= last and network <= high for low, high in EXCLUDED_RANGES)


def prefixes(n, rng):
    """n distinct prefixes with LENGTH_MIX's shares, in address order."""
    lengths = [length for length, _ in LENGTH_MIX]
    weights = [share for _, share in LENGTH_MIX]
    found = set()
    while len(found) < n:
        length = rng.choices(lengths, weights)[0]
        network = rng.getrandbits(32) & (0xffffffff << (32 - length)) & 0xffffffff
        if (network, length) not in found and not excluded(network, length):
            found.add((network, length))
    return sorted(found)


def public_asn(rng):
    """A 2-byte or 4-byte public AS number."""
    return rng.choice((rng.randrange(1, 64496), rng.randrange(131072, 400000)))


def path(rng, first, origin):
    """An AS path of 2-8 hops from the peer's AS through a transit AS and
    others to origin."""
    hops = rng.choices(range(2, 9), (20, 30, 25, 12, 7, 4, 2))[0]
    middle = [rng.choice(TRANSIT)] + [public_asn(rng) for _ in range(hops - 3)]
    return ((first,) + tuple(middle) + (origin,))[:hops]


def origins(count, rng):
    """[(origin's path from each peer, its origin code)], count of them."""
    found = []
    for _ in range(count):
        origin = public_asn(rng)
        found.append(([path(rng, asn, origin) for _, _, asn in PEERS], rng.choice((0, 0, 0, 2))))
    return found


def records(n, seed=1):
    """The dump's records, as bytes, one after another."""
    rng = random.Random(seed)
    yield mrt.peer_index(PEERS)
    pool = origins(max(1, n // PREFIXES_PER_ORIGIN), rng)
    weights = list(itertools.accumulate(1.0 / (rank + 1) ** 0.8     # a few origins hold many
                                        for rank in range(len(pool))))
    for sequence, (network, length) in enumerate(prefixes(n, rng)):
        paths, origin = rng.choices(pool, cum_weights=weights)[0]
        entries = [(index, paths[index], origin) for index in range(len(PEERS))]
        yield mrt.rib(sequence, ipaddress.ip_network((network, length)), entries)


def write(n, path_, seed=1, compress=False):
    opener = bz2.open if compress else open
    with opener(path_, 'wb') as out:
        for record in records(n, seed):
            out.write(record)
    return path_


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('n', type=int)
    parser.add_argument('file')
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--bz2', action='store_true')
    args = parser.parse_args()
    write(args.n, args.file, args.seed, args.bz2)


if __name__ == '__main__':
    main()
