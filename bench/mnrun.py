"""What every benchmark runner in bench/ does with one `mn` process: start
it with bench/mnbench.py's tests, hold it to a deadline, read the BENCH line
it prints, and turn its stamps into phases.

Stamps come from time.monotonic() inside mn; it is system-wide on Linux, so
the runner compares them with its own start and end:
  build        mn process start until the network is up (the test starts)
  convergence  up until every session Established, every owed prefix routed
  teardown     end of the test until the mn process has exited
  total        process start to exit"""

import json
import os
import re
import signal
import statistics
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if REPO not in sys.path:
    sys.path.insert(0, REPO)        # runners import bgptopo from this checkout
from mnbench import mem_available_kib  # the runner's and the lab's one measure

CUSTOM = '%s/bgptopo/topo.py,%s/bench/mnbench.py' % (REPO, REPO)
RESULTS = os.path.join(REPO, 'bench', 'results')
STOP_GRACE = 120.0      # seconds a timed-out mn gets to stop its lab after SIGTERM
TAIL = 2000             # characters of a failed run's output worth showing
# the lab's sentences: its own lines, and mn's `Caught exception` report
SENTENCE = re.compile(r'^(\*\*\* bgptopo: |\w+(Error|Died|Exception): )')
SENTENCE_SHOWN = 600    # characters of each (a convergence failure lists every route)


class RunFailed(Exception):
    """One mn run failed or missed its deadline; the message says which, and
    what the lab said (reason)."""


def run_mn(topo, test, timeout):
    """(start, end, BENCH data) of one `mn --topo topo --test test`. At the
    deadline mn gets SIGTERM (the lab stops itself, leaving nothing behind),
    then SIGKILL after STOP_GRACE; RunFailed either way."""
    start = time.monotonic()
    mn = subprocess.Popen(['mn', '--custom', CUSTOM, '--topo', topo, '--test', test], cwd=REPO,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True)
    try:
        out, _ = mn.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        out = stop(mn)
        raise RunFailed('mn --topo %s did not finish within %d s:\n%s'
                        % (topo, timeout, reason(out)))
    end = time.monotonic()
    lines = [line for line in out.splitlines() if line.startswith('BENCH ')]
    if mn.returncode != 0 or not lines:
        raise RunFailed('mn --topo %s failed (exit %d):\n%s'
                        % (topo, mn.returncode, reason(out)))
    return start, end, json.loads(lines[0][len('BENCH '):])


def reason(out):
    """The lab's sentences in a failed run's output (each cut short), or
    the output's tail when it said none."""
    said = [line[:SENTENCE_SHOWN] for line in out.splitlines() if SENTENCE.match(line)]
    return '\n'.join(said) or out[-TAIL:]


def stop(mn):
    """SIGTERM, then SIGKILL a timed-out mn; whatever it printed."""
    mn.send_signal(signal.SIGTERM)
    try:
        return mn.communicate(timeout=STOP_GRACE)[0] or ''
    except subprocess.TimeoutExpired:
        mn.kill()
        return mn.communicate()[0] or ''


def scale_run(topo, timeout=900):
    """One `--test scale` run (bench/mnbench.py): its phases, the peak
    resident memory per router (MiB: mean and max over the routers), the
    private memory per router once converged (mean: shared libraries not
    counted), its PSS then (MiB: mean and max; each shared page divided
    among the processes that map it), and what the whole lab took of the
    machine's memory (MemAvailable before mn started less at convergence,
    GiB)."""
    available = mem_available_kib()
    start, end, data = run_mn(topo, 'scale', timeout)
    s, rss = data['stamps'], data['router_peak_rss_kib']
    private = data.get('router_private_kib') or [0]
    pss = data.get('router_pss_kib') or [0]
    return {'build': s['ready'] - start, 'convergence': s['converged'] - s['ready'],
            'up_converged': s['converged'] - start,
            'teardown': end - s['test_end'], 'total': end - start,
            'rss_mib_mean': sum(rss) / len(rss) / 1024.0, 'rss_mib_max': max(rss) / 1024.0,
            'private_mib_mean': sum(private) / len(private) / 1024.0,
            'pss_mib_mean': sum(pss) / len(pss) / 1024.0, 'pss_mib_max': max(pss) / 1024.0,
            'lab_gib': (available - data.get('mem_available_kib', available)) / 1024.0 ** 2}



def summary(runs, keys):
    """{key: {min, median, max}} over runs (dicts holding keys)."""
    table = {}
    for key in keys:
        values = [run[key] for run in runs]
        table[key] = {'min': min(values), 'median': statistics.median(values),
                      'max': max(values)}
    return table
