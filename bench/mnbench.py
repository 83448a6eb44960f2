"""A second --custom file for mn, used by bench/lifecycle.py: the test
`lifecycle` times the phases of one lab inside mn and prints them as one
JSON line. time.monotonic() is system-wide on Linux, so the runner can
compare these stamps with its own."""

import json
import time

from mininet.log import output

from bgptopo import containers, convergence, faults, lab


def rss_kib(pid):
    with open('/proc/%d/status' % pid) as status:
        for line in status:
            if line.startswith('VmRSS:'):
                return int(line.split()[1])
    return 0


def memory(net):
    """Peak-at-the-moment resident memory: each daemon (KiB), each container (KiB)."""
    sizes = {'%s.%s' % (r.name, d): rss_kib(pid)
             for r in lab.routers(net) for d, pid in r.daemon_pids.items()}
    api = containers.client().api
    for host in lab.end_hosts(net):
        stats = api.stats(host.container.id, stream=False)
        sizes[host.name] = stats.get('memory_stats', {}).get('usage', 0) // 1024
    return sizes


def first_fetch(net):
    node, url = lab.default_fetch(net)
    return faults.fetch_outage(net[node], url, time.monotonic())


def lifecycle(net):
    ready = time.monotonic()
    stamps = {'ready': ready}
    stamps['first_fetch'] = ready + first_fetch(net)
    convergence.wait(net)
    stamps['converged'] = time.monotonic()
    sizes = memory(net)
    outage, path = faults.failover(net, 'r1', 'r2')
    stamps['test_end'] = time.monotonic()
    output('BENCH %s\n' % json.dumps({'stamps': stamps, 'outage': outage,
                                      'failover_path': path, 'rss_kib': sizes}))


def scale(net):
    """For generated labs: ready stamp, convergence stamp, RSS per router."""
    ready = time.monotonic()
    convergence.wait(net, timeout=300)
    converged = time.monotonic()
    sizes = memory(net)
    per_router = [sizes.get('%s.zebra' % r.name, 0) + sizes.get('%s.bgpd' % r.name, 0)
                  for r in lab.routers(net)]
    output('BENCH %s\n' % json.dumps({'stamps': {'ready': ready, 'converged': converged,
                                                  'test_end': time.monotonic()},
                                       'router_rss_kib': per_router}))


tests = {'lifecycle': lifecycle, 'scale': scale}
