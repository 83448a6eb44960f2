#!/usr/bin/python3
"""Scale benchmark: the lab's life cycle on generated rings of N routers.

    ./bench/scale.py [--sizes 3,10,30,100] [--runs 3] [--mesh] [--suite frr|bird] [--png FILE]

For each N, --runs fresh `mn --topo bgpring,n=N,suite=S --test scale`: build
(process start until the network is up), convergence (up until every
session Established and every router routes every stub LAN), teardown, and
the peak resident memory per router (VmHWM of its daemons summed: zebra +
bgpd, or bird, through convergence), the private memory per router (no
shared library pages), its PSS (shared pages divided among the processes
that map them: what one more router costs) and the lab's share of the
machine's memory.
Prints the medians (min-max), writes every run and the summaries as JSON
(one file per suite) and a PNG of the medians of both suites measured."""

import argparse
import json
import os
import sys

from mnrun import RESULTS, RunFailed, scale_run, summary

PHASES = ('build', 'convergence', 'up_converged', 'teardown', 'total', 'rss_mib_mean',
          'rss_mib_max', 'private_mib_mean', 'pss_mib_mean', 'pss_mib_max', 'lab_gib')


def one_size(n, mesh, suite, runs):
    """runs fresh runs of one size: the medians (a row), with min and max."""
    done = []
    for _ in range(runs):
        try:
            done.append(scale_run('bgpring,n=%d,mesh=%d,suite=%s' % (n, mesh, suite)))
        except RunFailed as failure:
            sys.exit('bench: n=%d: %s' % (n, failure))
    table = summary(done, PHASES)
    return dict({key: table[key]['median'] for key in PHASES}, n=n, runs=done, summary=table)


def spread(row, key, form='%.2f'):
    values = row['summary'][key]
    return (form + ' (' + form + '-' + form + ')') % (values['median'], values['min'],
                                                      values['max'])


def plot(path, mesh):
    """Both suites' latest figures (scale-frr.json, scale-bird.json, as
    far as they exist), side by side: time to a converged lab, memory."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    for suite, rows in saved_rows().items():
        sizes = [r['n'] for r in rows]
        left.plot(sizes, [r['up_converged'] for r in rows], marker='o',
                  label='%s: up and converged' % suite)
        left.plot(sizes, [r['teardown'] for r in rows], marker='.', linestyle=':',
                  label='%s: teardown' % suite)
        right.plot(sizes, [r['rss_mib_mean'] for r in rows], marker='o',
                   label='%s: peak RSS' % suite)
        right.plot(sizes, [r['private_mib_mean'] for r in rows], marker='.', linestyle=':',
                   label='%s: private' % suite)
    for axes, place in ((left, 'upper left'), (right, 'center right')):
        axes.set_xscale('log')
        axes.set_xlabel('routers (%s)' % ('full mesh' if mesh else 'ring'))
        axes.legend(fontsize='small', loc=place)
    left.set_yscale('log')
    left.set_ylabel('seconds')
    left.set_title('time from process start')
    right.set_ylabel('MiB per router (mean)')
    right.set_title('memory per router')
    right.set_ylim(bottom=0)
    fig.tight_layout()
    fig.savefig(path, dpi=90)


def saved_rows():
    """{suite: its rows} of the suites measured so far."""
    found = {}
    for suite in ('frr', 'bird'):
        try:
            with open(os.path.join(RESULTS, 'scale-%s.json' % suite)) as saved:
                found[suite] = json.load(saved)
        except FileNotFoundError:
            continue
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--sizes', default='3,10,30,100')
    parser.add_argument('--mesh', action='store_true', help='full meshes instead of rings')
    parser.add_argument('--suite', default='frr', help='the routers\' suite: frr or bird')
    parser.add_argument('--png', default=os.path.join(RESULTS, 'scale.png'))
    parser.add_argument('--runs', type=int, default=1, help='fresh runs per size')
    args = parser.parse_args()
    rows = []
    print('n, then median (min-max) of %d runs: build, convergence, up and converged, '
          'teardown, total (s); peak RSS, private memory, PSS per router (MiB); lab (GiB)'
          % args.runs)
    for n in [int(x) for x in args.sizes.split(',')]:
        row = one_size(n, int(args.mesh), args.suite, args.runs)
        rows.append(row)
        print('%5d  %s' % (n, '  '.join(spread(row, key, '%.1f' if 'mib' in key else '%.2f')
                                         for key in PHASES if not key.endswith('_max'))),
              flush=True)
    os.makedirs(RESULTS, exist_ok=True)
    with open(os.path.join(RESULTS, 'scale-%s.json' % args.suite), 'w') as out:
        json.dump(rows, out, indent=1)
    plot(args.png, args.mesh)
    print('figures: %s, plot: %s' % (os.path.join(RESULTS, 'scale-%s.json' % args.suite),
                                     args.png))


if __name__ == '__main__':
    main()
