#!/usr/bin/python3
"""Table benchmark: a synthetic full table (bench/syntheticdump.py, the same
bytes for a given N) fed into bgp3.

    ./bench/table.py [--sizes 10000,100000,500000] [--suites frr,bird] [--runs 3]

Each run is a fresh `mn --topo bgp3,feed=DUMP,suite=S --test table`
(bench/mnbench.py): the time from the process's start until every router
holds all N prefixes in BGP and in its kernel, the peak resident memory of
each router (its daemons' VmHWM summed) and of the feeder's BIRD by then,
and the time `feed stop` takes until no router holds any. Prints min /
median / max over the runs and writes bench/results/table.json."""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, 'bench'))
import syntheticdump

CUSTOM = '%s/bgptopo/topo.py,%s/bench/mnbench.py' % (REPO, REPO)
RESULTS = os.path.join(REPO, 'bench', 'results')
RUN_DEADLINE = 900      # seconds one run may take, start to exit
MIB = 1024.0


def dump_for(n, folder):
    """The synthetic dump of n prefixes, written once (seed 1)."""
    path = os.path.join(folder, 'bgptopo-bench-%d.mrt' % n)
    if not os.path.exists(path):
        syntheticdump.write(n, path + '.part')
        os.rename(path + '.part', path)
    return path


def one_run(dump, suite):
    start = time.monotonic()
    run = subprocess.run(['mn', '--custom', CUSTOM, '--topo', 'bgp3,feed=%s,suite=%s'
                          % (dump, suite), '--test', 'table'], cwd=REPO,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         universal_newlines=True, timeout=RUN_DEADLINE)
    end = time.monotonic()
    lines = [l for l in run.stdout.splitlines() if l.startswith('BENCH ')]
    if run.returncode != 0 or not lines:
        sys.exit('bench: %s on %s failed (exit %d):\n%s' % (dump, suite, run.returncode,
                                                           run.stdout[-3000:]))
    data = json.loads(lines[0][len('BENCH '):])
    stamps, sizes = data['stamps'], data['peak_rss_kib']
    routers = {name: sum(sizes['%s.%s' % (name, d)] for d in daemons) / MIB
               for name, daemons in data['routers'].items()}
    return {'fed': data['fed'], 'loaded': stamps['converged'] - start,
            'build': stamps['ready'] - start, 'withdraw': stamps['withdrawn'] - stamps['converged'],
            'total': end - start, 'router_mib_max': max(routers.values()),
            'routers_mib': routers, 'feeder_mib': sizes['feeder.bird'] / MIB,
            'daemons_mib': {k: v / MIB for k, v in sizes.items() if '.' in k}}


def spread(values, unit):
    return '%s / %s / %s' % tuple(unit % v for v in (min(values), statistics.median(values),
                                                     max(values)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--sizes', default='10000,100000,500000')
    parser.add_argument('--suites', default='frr,bird')
    parser.add_argument('--runs', type=int, default=3)
    parser.add_argument('--dumps', default='/var/tmp', help='where the dumps are kept')
    args = parser.parse_args()
    rows = []
    print('| suite | N | loaded (start to all routers, BGP + kernel) | withdraw all | '
          'peak MiB per router (max) | feeder MiB |')
    print('| --- | --- | --- | --- | --- | --- |')
    for n in [int(x) for x in args.sizes.split(',')]:
        dump = dump_for(n, args.dumps)
        for suite in args.suites.split(','):
            runs = [one_run(dump, suite) for _ in range(args.runs)]
            rows.append({'suite': suite, 'n': n, 'runs': runs})
            print('| %s | %s (%s fed) | %s | %s | %s | %s |' % (
                suite, '{:,}'.format(n), '{:,}'.format(runs[0]['fed']),
                spread([r['loaded'] for r in runs], '%.1f s'),
                spread([r['withdraw'] for r in runs], '%.1f s'),
                spread([r['router_mib_max'] for r in runs], '%.0f'),
                spread([r['feeder_mib'] for r in runs], '%.0f')), flush=True)
            os.makedirs(RESULTS, exist_ok=True)
            with open(os.path.join(RESULTS, 'table.json'), 'w') as out:
                json.dump(rows, out, indent=1)


if __name__ == '__main__':
    main()
