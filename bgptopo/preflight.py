"""Checks made before anything is built, each failing with one sentence:
a lab either starts whole or leaves nothing behind."""

import glob
import os
import shutil
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


class ConfigChecks(object):
    """Each daemon's own dry run of each router's config, all running at once
    while the rest of the lab is prepared; result() raises the first rejection.
    routers: {name: [(config path, daemon modules)]}"""

    def __init__(self, suite, routers):
        self.suite = suite
        self.jobs = [(name, conf, modules) for name, confs in sorted(routers.items())
                     for conf, modules in confs]
        for name, conf, _ in self.jobs:
            if not os.path.isfile(conf):
                raise LabError('%s: %s is missing; every router needs a zebra.conf '
                               'and a bgpd.conf in etc/quagga/%s/.' % (name, conf, name))
        self.dry_runs = [suite.start_config_check(conf, modules)
                         for _, conf, modules in self.jobs]

    def result(self):
        outcomes = []
        for (name, conf, _), dry_run in zip(self.jobs, self.dry_runs):
            try:
                self.suite.finish_config_check(name, conf, dry_run)
            except LabError as failure:
                outcomes.append(failure)
        if outcomes:
            raise outcomes[0]


def require_rtr_cache():
    if not shutil.which('stayrtr') or not glob.glob('/usr/lib/*/frr/modules/bgpd_rpki.so'):
        raise LabError('The hijack scenario validates origins with RPKI, which needs '
                       'stayrtr and frr-rpki-rtrlib; run ./setup.sh or apt-get install both.')


def check_interfaces(name, configured, present):
    """The interfaces a zebra.conf configures must be ones the router has."""
    missing = sorted(set(configured) - set(present) - {'lo'})
    if missing:
        raise LabError('%s: zebra.conf configures %s, but %s has only %s; fix the '
                       'interface name in etc/quagga/%s/zebra.conf.'
                       % (name, ', '.join(missing), name,
                          ', '.join(sorted(present)) or 'no interfaces', name))
