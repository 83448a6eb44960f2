"""A second --custom file for mn, used by bench/cluster.py: tests that time
one lab, split over servers (`--cluster`) or not, and print one BENCH line.
time.monotonic() is system-wide on Linux, so the runner compares the stamps
with its own start and end."""

import json
import time

from mininet.log import output

from bgptopo import convergence

IPERF_SECONDS = 3


def clustered(net):
    """Stamps: the network up (the test starts), converged, the test's end."""
    ready = time.monotonic()
    convergence.wait(net, timeout=300)
    converged = time.monotonic()
    output('BENCH %s\n' % json.dumps({'stamps': {'ready': ready, 'converged': converged,
                                                  'test_end': time.monotonic()}}))


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
