"""Checks made before anything is built, each failing with one sentence:
a lab either starts whole or leaves nothing behind."""

import os
from concurrent.futures import ThreadPoolExecutor

from bgptopo import suite as suites
from bgptopo.errors import LabError


def require_root():
    if os.geteuid() != 0:
        raise LabError('bgptopo must run as root: it makes network namespaces '
                       'and starts routers; run it with sudo.')


def require_suite():
    suite = suites.installed()
    if not suite.root_can_run_daemons():
        raise LabError('%s refuses to run its daemons for root, which is not in '
                       'group %s; run ./setup.sh or usermod -a -G %s root.'
                       % (suite.name, suite.vty_group, suite.vty_group))
    return suite


def check_router_configs(suite, routers):
    """Each daemon's own dry run of each router's config, all at once.
    routers: {name: (zebra.conf path, bgpd.conf path)}"""
    jobs = [(name, daemon, conf) for name, confs in sorted(routers.items())
            for daemon, conf in zip(suites.DAEMONS, confs)]
    for name, daemon, conf in jobs:
        if not os.path.isfile(conf):
            raise LabError('%s: %s is missing; every router needs a zebra.conf '
                           'and a bgpd.conf in etc/quagga/%s/.' % (name, conf, name))
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        checks = [pool.submit(suite.check_config, *job) for job in jobs]
    for check in checks:
        check.result()     # re-raises the first rejection, in router order


def check_interfaces(name, configured, present):
    """The interfaces a zebra.conf configures must be ones the router has."""
    missing = sorted(set(configured) - set(present) - {'lo'})
    if missing:
        raise LabError('%s: zebra.conf configures %s, but %s has only %s; fix the '
                       'interface name in etc/quagga/%s/zebra.conf.'
                       % (name, ', '.join(missing), name,
                          ', '.join(sorted(present)) or 'no interfaces', name))
