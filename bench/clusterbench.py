"""A second --custom file for mn, used by bench/cluster.py: tests that time
one lab, split over servers (`--cluster`) or not, and print one BENCH line.
time.monotonic() is system-wide on Linux, so the runner compares the stamps
with its own start and end."""

import json
import time
from collections import defaultdict

from mininet.log import output

from bgptopo import convergence, lab
from mnbench import mem_available_kib, peak_rss_kib, rollup_kib

IPERF_SECONDS = 3


# per pid on a server: its VmHWM, VmRSS and Pss (KiB), one line each
MEMORY_SCRIPT = ('for p in %s; do h=$(awk \'/^VmHWM:/{print $2}\' /proc/$p/status); '
                 'r=$(awk \'/^VmRSS:/{print $2}\' /proc/$p/status); '
                 's=$(awk \'/^Pss:/{print $2}\' /proc/$p/smaps_rollup); echo "$h $r $s"; done')


def clustered(net):
    """Stamps: the network up (the test starts), converged, the test's end;
    the memory of each server's routers once converged (side_memory)."""
    ready = time.monotonic()
    convergence.wait(net, timeout=900)
    converged = time.monotonic()
    memory = side_memory(net)
    output('BENCH %s\n' % json.dumps({'mem_available_kib': mem_available_kib(), 'memory': memory,
                                       'stamps': {'ready': ready, 'converged': converged,
                                                  'test_end': time.monotonic()}}))


def side_memory(net):
    """{server: {routers, peak_mib, rss_mib, pss_mib}}: the sums over each
    server's routers of their daemons' VmHWM (peak resident), VmRSS and PSS;
    a remote server's read there in one ssh command."""
    by_server = defaultdict(list)
    for router in lab.routers(net):
        by_server[getattr(router, 'server', None) or 'localhost'].append(router)
    sides = {}
    for server, routers in by_server.items():
        pids = [pid for r in routers for pid in r.daemon_pids.values()]
        if server == 'localhost':
            rows = [(peak_rss_kib(p), rollup_kib(p, ('Rss',)), rollup_kib(p, ('Pss',)))
                    for p in pids]
        else:
            rows = [tuple(int(w) for w in line.split()) for line in
                    routers[0].ssh(MEMORY_SCRIPT % ' '.join(map(str, pids)),
                                   timeout=120).splitlines() if len(line.split()) == 3]
        sums = [sum(row[i] for row in rows) / 1024.0 for i in range(3)]
        sides[server] = {'routers': len(routers), 'daemons': len(rows), 'peak_mib': sums[0],
                         'rss_mib': sums[1], 'pss_mib': sums[2]}
    return sides


def crosslink(net):
    """bgp3's r1-r2 link (split: it crosses servers): TCP throughput from r1
    to r2 (iperf, IPERF_SECONDS) and the round trip (ping), once converged."""
    ready = time.monotonic()
    convergence.wait(net, timeout=60)
    converged = time.monotonic()
    r1, r2 = net['r1'], net['r2']
    server = r2.cmd('iperf -s >/dev/null 2>&1 & echo $!').split()[-1]
    try:
        r1.cmd('sleep 0.3')
        csv = r1.cmd('iperf -c 192.168.12.2 -t %d -y C' % IPERF_SECONDS).strip().splitlines()
        ping = r1.cmd('ping -c 20 -i 0.05 -q 192.168.12.2').strip().splitlines()[-1]
    finally:
        r2.cmd('kill %s' % server)
    output('BENCH %s\n' % json.dumps({
        'stamps': {'ready': ready, 'converged': converged, 'test_end': time.monotonic()},
        'mbit_s': int(csv[-1].split(',')[-1]) / 1e6 if csv else None,
        'rtt_ms': float(ping.split('=')[1].split('/')[1]) if '=' in ping else None}))


tests = {'clustered': clustered, 'crosslink': crosslink}
