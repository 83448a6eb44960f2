#!/usr/bin/python3
"""How a lab split over two servers builds and converges against the same
lab on one, and how the cross-server links carry traffic (VXLAN vs ssh
tunnels). The second server is the test server container on this machine
(bgptopo/clusterserver.py: started and removed here), so this measures the
cluster's own costs (ssh round trips, tunnels), not a second machine's
CPUs.

    ./bench/cluster.py [--ring 40] [--runs 3]

Hold the lab lock around it (flock /tmp/bgptopo-itest.lock ...)."""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)
sys.path.insert(0, os.path.join(REPO, 'bench'))

from bgptopo import clusterserver
from mnrun import RESULTS, RunFailed, reason, stop

CUSTOM = '%s/bgptopo/topo.py,%s/bench/clusterbench.py' % (REPO, REPO)


def run(topo, test, servers=None, timeout=600):
    """(phases, BENCH data) of one mn run."""
    command = ['mn', '--custom', CUSTOM, '--topo', topo, '--test', test]
    if servers:
        command += ['--cluster', servers]
    start = time.monotonic()
    mn = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True)
    try:
        out, _ = mn.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        raise RunFailed('%s did not finish within %d s:\n%s' % (topo, timeout, reason(stop(mn))))
    end = time.monotonic()
    lines = [line for line in out.splitlines() if line.startswith('BENCH ')]
    if mn.returncode or not lines:
        raise RunFailed('%s failed (exit %d):\n%s' % (topo, mn.returncode, reason(out)))
    data = json.loads(lines[0][len('BENCH '):])
    s = data['stamps']
    phases = {'build': s['ready'] - start, 'convergence': s['converged'] - s['ready'],
              'teardown': end - s['test_end'], 'total': end - start}
    return phases, data


def median_of(runs, key):
    return statistics.median(r[key] for r in runs)


def measure(label, runs, topo, test, servers=None):
    results = []
    for _ in range(runs):
        phases, data = run(topo, test, servers)
        phases.update({k: v for k, v in data.items() if k != 'stamps'})
        results.append(phases)
    row = {key: median_of(results, key) for key in results[0] if results[0][key] is not None}
    print('%-34s %s' % (label, '  '.join('%s %.2f' % item for item in sorted(row.items()))),
          flush=True)
    return row


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--ring', type=int, default=40)
    parser.add_argument('--runs', type=int, default=3)
    args = parser.parse_args()
    clusterserver.down()
    ip = clusterserver.up()
    split = 'localhost,%s' % ip
    pins = 'pin=r2@%s+r3@%s' % (ip, ip)
    table = {}
    try:
        ring = 'bgpring,n=%d' % args.ring
        table['ring one server'] = measure('ring n=%d, one server' % args.ring, args.runs,
                                           ring, 'clustered')
        for tunnel in ('vxlan', 'ssh'):
            table['ring split %s' % tunnel] = measure(
                'ring n=%d, two servers, %s' % (args.ring, tunnel), args.runs,
                '%s,tunnel=%s' % (ring, tunnel), 'clustered', split)
        table['bgp3 one server'] = measure('bgp3, one server', args.runs, 'bgp3', 'crosslink')
        for tunnel in ('vxlan', 'ssh'):
            table['bgp3 split %s' % tunnel] = measure(
                'bgp3 split, %s' % tunnel, args.runs, 'bgp3,%s,tunnel=%s' % (pins, tunnel),
                'crosslink', split)
    finally:
        clusterserver.down()
    os.makedirs(RESULTS, exist_ok=True)
    with open(os.path.join(RESULTS, 'cluster.json'), 'w') as out:
        json.dump(table, out, indent=1)


if __name__ == '__main__':
    main()
