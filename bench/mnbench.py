"""A second --custom file for mn, used by bench/lifecycle.py: the test
`lifecycle` times the phases of one lab inside mn and prints them as one
JSON line. time.monotonic() is system-wide on Linux, so the runner can
compare these stamps with its own."""

import json
import time

from mininet.log import output

from bgptopo import containers, convergence, faults, lab
from bgptopo.scenarios.failover import failover


def peak_rss_kib(pid):
    """The most resident memory pid has used so far (VmHWM, KiB): the peak
    over its whole life, not one sample of VmRSS; 0 once it is gone."""
    try:
        with open('/proc/%d/status' % pid) as status:
            for line in status:
                if line.startswith('VmHWM:'):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def rollup_kib(pid, fields):
    """The sum of fields (e.g. 'Pss') of pid's smaps_rollup, KiB; 0 once it is gone."""
    total = 0
    try:
        with open('/proc/%d/smaps_rollup' % pid) as rollup:
            for line in rollup:
                if line.split(':')[0] in fields:
                    total += int(line.split()[1])
    except OSError:
        pass
    return total


def private_kib(pid):
    """Memory pid alone holds (KiB): smaps_rollup's Private_Clean +
    Private_Dirty. RSS counts each shared library's pages in every process
    that maps them; the machine pays for them once."""
    return rollup_kib(pid, ('Private_Clean', 'Private_Dirty'))


def pss_kib(pid):
    """pid's proportional set size (KiB): its private pages, plus each page
    it shares divided by the number of processes that map it. Summed over
    a lab's daemons it is what the lab costs the machine, so a router's is
    the honest cost of one more router (a moment's value, not a peak)."""
    return rollup_kib(pid, ('Pss',))


def mem_available_kib():
    with open('/proc/meminfo') as meminfo:
        for line in meminfo:
            if line.startswith('MemAvailable:'):
                return int(line.split()[1])
    return 0


def memory(net):
    """Peak resident memory so far (KiB): each daemon's, and each container's
    (its processes' peaks summed: the same measure on cgroup v1 and v2)."""
    sizes = {'%s.%s' % (r.name, d): peak_rss_kib(pid)
             for r in lab.routers(net) for d, pid in r.daemon_pids.items()}
    api = containers.client().api
    for host in lab.end_hosts(net):
        if not hasattr(host, 'container'):
            continue        # a plain node (a fed lab's feeder: its BIRD is counted apart)
        top = api.top(host.container.id, ps_args='-eo pid')
        sizes[host.name] = sum(peak_rss_kib(int(row[0])) for row in top['Processes'])
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
    outage, path = failover(net, 'r1', 'r2')
    sizes = memory(net)     # the peaks through convergence, fetches and failover
    stamps['test_end'] = time.monotonic()
    output('BENCH %s\n' % json.dumps({'stamps': stamps, 'outage': outage,
                                      'failover_path': path, 'peak_rss_kib': sizes}))


def scale(net):
    """For generated labs: ready stamp, convergence stamp, peak RSS per
    router; its private memory and PSS once converged."""
    ready = time.monotonic()
    convergence.wait(net, timeout=300)
    converged = time.monotonic()
    sizes = memory(net)
    per_router = [sum(sizes['%s.%s' % (r.name, daemon)] for daemon in r.daemon_pids)
                  for r in lab.routers(net)]
    private = [sum(map(private_kib, r.daemon_pids.values())) for r in lab.routers(net)]
    pss = [sum(map(pss_kib, r.daemon_pids.values())) for r in lab.routers(net)]
    output('BENCH %s\n' % json.dumps({'stamps': {'ready': ready, 'converged': converged,
                                                  'test_end': time.monotonic()},
                                       'router_peak_rss_kib': per_router,
                                       'router_private_kib': private,
                                       'router_pss_kib': pss,
                                       'mem_available_kib': mem_available_kib()}))


def table(net):
    """For fed labs (bench/table.py): up, every router holding the whole
    feed in BGP and kernel, the peaks of memory (routers' daemons, the
    feeder's BIRD) then, and the time `feed stop` takes to empty them all."""
    from bgptopo import feeding
    ready = time.monotonic()
    convergence.wait(net)
    converged = time.monotonic()
    sizes = memory(net)
    feeder = feeding.feeder(net)
    sizes['feeder.bird'] = peak_rss_kib(feeder.daemon_pids['bird'])
    feeding.stop(net)
    withdrawn = time.monotonic()
    output('BENCH %s\n' % json.dumps({
        'stamps': {'ready': ready, 'converged': converged, 'withdrawn': withdrawn},
        'fed': len(feeding.of(net)), 'peak_rss_kib': sizes,
        'routers': {r.name: sorted(r.daemon_pids) for r in lab.routers(net)}}))


tests = {'lifecycle': lifecycle, 'scale': scale, 'table': table}
