#!/usr/bin/python3
"""How a lab split over two servers builds and converges against the same
lab on one, and how the cross-server links carry traffic (VXLAN vs ssh
tunnels). The second server is the test server container on this machine
(bgptopo/clusterserver.py: started and removed here), so this measures the
cluster's own costs (ssh round trips, tunnels), not a second machine's
CPUs.

    ./bench/cluster.py [--ring 40] [--runs 3]
    ./bench/cluster.py --rings-only --suite bird --ring 1000 --runs 1    # how far two go

Each ring row also says the memory of each server's routers once converged
(their daemons' peak resident size, RSS and PSS, summed per server): both
servers share this machine's RAM, so a split lab shows how its memory
divides, from which what two real machines would hold is derived (derive).
A run is stopped (SIGTERM: the lab ends itself) once the machine passes
--max-used-gib in use.

Hold the lab lock around it (flock /tmp/bgptopo-itest.lock ...)."""

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time

GIB = 1024.0 ** 2      # KiB
WATCH_EVERY = 0.5      # seconds between looks at the machine's memory

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)
sys.path.insert(0, os.path.join(REPO, 'bench'))

from bgptopo import clusterserver
from mnbench import mem_available_kib
from mnrun import RESULTS, RunFailed, reason

CUSTOM = '%s/bgptopo/topo.py,%s/bench/clusterbench.py' % (REPO, REPO)


def used_gib():
    """The machine's memory in use (MemTotal less MemAvailable), GiB."""
    with open('/proc/meminfo') as meminfo:
        total = int(next(line for line in meminfo if line.startswith('MemTotal:')).split()[1])
    return (total - mem_available_kib()) / GIB


def watched(mn, topo, timeout, max_used):
    """mn's output once it exits; RunFailed (mn stopped) past timeout
    seconds or once the machine uses more than max_used GiB. The run's
    peak of the machine's use goes in watched.peak (GiB)."""
    chunks = []
    reader = threading.Thread(target=lambda: chunks.append(mn.stdout.read()), daemon=True)
    reader.start()
    deadline = time.monotonic() + timeout
    watched.peak = used_gib()
    while mn.poll() is None:
        watched.peak = max(watched.peak, used_gib())
        why = 'did not finish within %d s' % timeout if time.monotonic() > deadline else \
            'passed %.1f GiB in use' % max_used if watched.peak > max_used else None
        if why:
            mn.send_signal(signal.SIGTERM)
            try:
                mn.wait(timeout=120)
            except subprocess.TimeoutExpired:
                mn.kill()
            reader.join(10)
            raise RunFailed('%s %s, stopped:\n%s' % (topo, why, reason(''.join(chunks))))
        try:
            mn.wait(timeout=WATCH_EVERY)
        except subprocess.TimeoutExpired:
            pass
    reader.join()
    return ''.join(chunks)


def run(topo, test, servers=None, timeout=600, max_used=20.0):
    """(phases, BENCH data) of one mn run."""
    command = ['mn', '--custom', CUSTOM, '--topo', topo, '--test', test]
    if servers:
        command += ['--cluster', servers]
    env = dict(os.environ, PYTHONPATH=os.path.join(REPO, 'bench'))    # clusterbench's imports
    start = time.monotonic()
    used_before, available_before = used_gib(), mem_available_kib()
    mn = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, env=env)
    out = watched(mn, topo, timeout, max_used)
    end = time.monotonic()
    lines = [line for line in out.splitlines() if line.startswith('BENCH ')]
    if mn.returncode or not lines:
        raise RunFailed('%s failed (exit %d):\n%s' % (topo, mn.returncode, reason(out)))
    data = json.loads(lines[0][len('BENCH '):])
    s = data['stamps']
    phases = {'build': s['ready'] - start, 'convergence': s['converged'] - s['ready'],
              'teardown': end - s['test_end'], 'total': end - start,
              'machine_used_before_gib': used_before, 'machine_peak_gib': watched.peak}
    if 'mem_available_kib' in data:
        phases['lab_gib'] = (available_before - data['mem_available_kib']) / GIB
    for server, side in (data.get('memory') or {}).items():
        name = 'here' if server == 'localhost' else 'server'
        for key, value in side.items():
            phases['%s_%s' % (name, key)] = value
    return phases, data


def median_of(runs, key):
    return statistics.median(r[key] for r in runs)


def measure(label, runs, topo, test, servers=None, timeout=600, max_used=20.0):
    """The medians of runs fresh mn runs (and how many runs), printed."""
    results = []
    for _ in range(runs):
        phases, data = run(topo, test, servers, timeout, max_used)
        phases.update({k: v for k, v in data.items() if k not in ('stamps', 'memory', 'mem_available_kib')})
        results.append(phases)
    row = {key: median_of(results, key) for key in results[0]
           if isinstance(results[0][key], (int, float))}
    row['runs'] = runs
    print('%-34s %s' % (label, '  '.join('%s %.2f' % item for item in sorted(row.items()))),
          flush=True)
    return row


def derive(row, machine_gib, reserve_gib=3.0):
    """What two real machines of machine_gib each would hold (derived, not
    measured): routers per machine from the measured peak per router on the
    server side of a split ring (each side pays its own shared libraries:
    peak, not PSS), less reserve_gib for the system."""
    per_router = row['server_peak_mib'] / row['server_routers']
    fits = int((machine_gib - reserve_gib) * 1024 / per_router)
    return {'peak_mib_per_router': per_router, 'routers_per_machine': fits,
            'routers_on_two': 2 * fits}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--ring', type=int, default=40)
    parser.add_argument('--runs', type=int, default=3)
    parser.add_argument('--suite', default='frr', help="the ring's suite: frr or bird")
    parser.add_argument('--rings-only', action='store_true',
                        help='the ring split (VXLAN) and on one server only')
    parser.add_argument('--split-only', action='store_true',
                        help='with --rings-only: the split ring alone (a big one apart)')
    parser.add_argument('--one-only', action='store_true',
                        help='with --rings-only: the ring on one server alone')
    parser.add_argument('--max-used-gib', type=float, default=20.0,
                        help='stop a run once the machine uses more (GiB)')
    parser.add_argument('--timeout', type=int, default=600, help='seconds per run')
    parser.add_argument('--out', help='results file (default bench/results/cluster.json)')
    args = parser.parse_args()
    clusterserver.down()
    ip = clusterserver.up()
    split = 'localhost,%s' % ip
    pins = 'pin=r2@%s+r3@%s' % (ip, ip)
    table = {}
    limits = dict(timeout=args.timeout, max_used=args.max_used_gib)
    try:
        ring = 'bgpring,n=%d,suite=%s' % (args.ring, args.suite)
        label = 'ring n=%d %s' % (args.ring, args.suite)
        if not args.split_only:
            table['%s, one server' % label] = measure('%s, one server' % label, args.runs, ring,
                                                      'clustered', **limits)
        if args.one_only:
            return save(table, args.out)
        tunnels = ('vxlan',) if args.rings_only else ('vxlan', 'ssh')
        for tunnel in tunnels:
            key = '%s, two servers, %s' % (label, tunnel)
            table[key] = measure(key, args.runs, '%s,tunnel=%s' % (ring, tunnel), 'clustered',
                                 split, **limits)
        machine = os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 1024.0 ** 3
        table['%s, derived for two real machines of %.0f GiB' % (label, machine)] = derive(
            table['%s, two servers, vxlan' % label], machine)
        print('derived, not measured: %s' % json.dumps(table[
            '%s, derived for two real machines of %.0f GiB' % (label, machine)]), flush=True)
        if args.rings_only:
            return save(table, args.out)
        table['bgp3 one server'] = measure('bgp3, one server', args.runs, 'bgp3', 'crosslink')
        for tunnel in ('vxlan', 'ssh'):
            table['bgp3 split %s' % tunnel] = measure(
                'bgp3 split, %s' % tunnel, args.runs, 'bgp3,%s,tunnel=%s' % (pins, tunnel),
                'crosslink', split)
    finally:
        clusterserver.down()
    save(table, args.out)


def save(table, path=None):
    os.makedirs(RESULTS, exist_ok=True)
    with open(path or os.path.join(RESULTS, 'cluster.json'), 'w') as out:
        json.dump(table, out, indent=1)


if __name__ == '__main__':
    main()
