"""Checks made before anything is built, each failing with one sentence:
a lab either starts whole or leaves nothing behind."""

import os
import subprocess
from bgptopo import routing
from bgptopo.errors import LabError
from bgptopo.paths import shown


def require_root():
    if os.geteuid() != 0:
        raise LabError('bgptopo must run as root: it makes network namespaces '
                       'and starts routers; run it with sudo.')


def require_suites(keys):
    """Each routing suite the lab's routers run is installed and usable."""
    for key in sorted(keys):
        routing.suite(key).require_installed()


class ConfigChecks(object):
    """Each suite's own dry run of each router's config files, all running
    at once while the rest of the lab is prepared; result() raises the
    first rejection. routers: {name: the topology's nodeInfo (suite, etc_dir,
    modules)}"""

    def __init__(self, routers):
        self.jobs = []
        for name, info in sorted(routers.items()):
            suite = routing.suite(info['suite'])
            files = suite.config_files(name, info['etc_dir'])
            for conf in files:
                if not os.path.isfile(conf):
                    raise LabError('%s: %s is missing; a router running %s needs %s.' % (
                        name, shown(conf), suite.name,
                        ' and '.join(os.path.basename(f) for f in files)))
        for name, info in sorted(routers.items()):
            suite = routing.suite(info['suite'])
            self.jobs.append((name, suite, suite.start_config_checks(
                name, info['etc_dir'], info.get('modules'))))

    def result(self):
        outcomes = []
        for name, suite, checks in self.jobs:
            try:
                suite.finish_config_checks(name, checks)
            except LabError as failure:
                outcomes.append(failure)
        if outcomes:
            raise outcomes[0]


def check_interfaces(name, configured, present):
    """The interfaces a zebra.conf configures must be ones the router has."""
    missing = sorted(set(configured) - set(present) - {'lo'})
    if missing:
        raise LabError('%s: zebra.conf configures %s, but %s has only %s; fix the '
                       'interface name in etc/quagga/%s/zebra.conf.'
                       % (name, ', '.join(missing), name,
                          ', '.join(sorted(present)) or 'no interfaces', name))


NETEM_PROBE = ['unshare', '--net', 'tc', 'qdisc', 'add', 'dev', 'lo', 'root', 'netem',
               'delay', '1ms']


def require_shaping(topo):
    """Links with delay or loss need the kernel's netem queue (Mininet's
    TCLink puts it on each end); some kernels are built without it. Asked
    once, in a namespace of its own that dies with the probe."""
    shaped = [(a, b) for a, b, info in topo.links(withInfo=True)
              if any(info.get(key) is not None for key in ('delay', 'loss', 'jitter'))]
    if not shaped:
        return
    try:
        probe = subprocess.run(NETEM_PROBE, capture_output=True, text=True, timeout=5)
        refused = probe.returncode != 0 and (probe.stderr.strip() or 'refused')
    except (OSError, subprocess.TimeoutExpired) as failure:
        refused = str(failure)
    if refused:
        raise LabError('the link %s-%s has a delay or loss, which needs the kernel\'s netem '
                       'queue, and this kernel has none (%s); remove delay and loss from the '
                       'lab (bw works) or run on a kernel with sch_netem.'
                       % (shaped[0] + (refused.splitlines()[-1],)))
