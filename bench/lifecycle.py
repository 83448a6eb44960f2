#!/usr/bin/python3
"""Benchmark of the lab's life cycle: N runs of mn, each a fresh process.

    ./bench/lifecycle.py [-n 5] [--json bench/results/lifecycle.json]

Phases, from the runner's time.monotonic() (system-wide, so comparable with
the stamps mn prints):
  build        mn process start until the network is started (CLI-ready)
  convergence  ready until every session Established, every prefix routed
  first fetch  ready until host has the page (polled with curl attempts of
               bgptopo.faults.ATTEMPT_TIMEOUT, 0.2 s, each)
  teardown     end of the test until the mn process has exited
  total        process start to exit of `mn ... --test lifecycle`
  test_fetch   process start to exit of `mn ... --test fetch` (the user's one-liner)
plus the failover outage (link r1-r2 down until fetch works via r3) and the
peak resident memory (VmHWM) of each daemon and container, through
convergence, fetches and failover. Prints min/median/max."""

import argparse
import json
import os
import subprocess
import sys
import time

from mnrun import REPO, RunFailed, run_mn, summary

PHASES = ('build', 'convergence', 'first_fetch', 'teardown', 'total', 'outage', 'test_fetch')


def one_run():
    try:
        start, end, data = run_mn('bgp3', 'lifecycle', timeout=300)
    except RunFailed as failure:
        sys.exit('bench: %s' % failure)
    s = data['stamps']
    return {'build': s['ready'] - start, 'convergence': s['converged'] - s['ready'],
            'first_fetch': s['first_fetch'] - s['ready'], 'teardown': end - s['test_end'],
            'total': end - start, 'outage': data['outage'],
            'failover_path': data['failover_path'], 'peak_rss_kib': data['peak_rss_kib']}


def test_fetch_run():
    """The user's one-liner, process start to exit: mn ... --test fetch."""
    start = time.monotonic()
    run = subprocess.run(['mn', '--custom', '%s/bgptopo/topo.py' % REPO, '--topo', 'bgp3',
                          '--test', 'fetch'], cwd=REPO, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, timeout=300)
    if run.returncode != 0:
        sys.exit('bench: mn --test fetch failed (exit %d)' % run.returncode)
    return time.monotonic() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('-n', type=int, default=5, help='runs (default 5)')
    parser.add_argument('--json', default=os.path.join(REPO, 'bench', 'results', 'lifecycle.json'))
    args = parser.parse_args()
    runs = []
    for i in range(args.n):
        runs.append(one_run())
        runs[-1]['test_fetch'] = test_fetch_run()
        print('run %d: total %.2f s' % (i + 1, runs[-1]['total']), file=sys.stderr)
    table = summary(runs, PHASES)
    print('%-12s %8s %8s %8s   (seconds, %d runs)' % ('phase', 'min', 'median', 'max', args.n))
    for phase in PHASES:
        row = table[phase]
        print('%-12s %8.3f %8.3f %8.3f' % (phase, row['min'], row['median'], row['max']))
    print('failover path at r1: %s' % runs[-1]['failover_path'])
    peak = {name: max(r['peak_rss_kib'].get(name, 0) for r in runs)
            for name in runs[0]['peak_rss_kib']}
    print('peak RSS (MiB): ' + ', '.join('%s %.1f' % (n, kib / 1024.0)
                                         for n, kib in sorted(peak.items())))
    os.makedirs(os.path.dirname(args.json), exist_ok=True)
    with open(args.json, 'w') as out:
        json.dump({'machine': os.uname().nodename, 'nproc': os.cpu_count(), 'runs': runs,
                   'summary': table, 'peak_rss_kib': peak}, out, indent=1)
    print('figures: %s' % args.json)


if __name__ == '__main__':
    main()
