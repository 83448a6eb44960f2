"""Where FRR's zebra and bgpd are installed: FRR's folders (Debian 12
packages only FRR), else Quagga's, FRR's ancestor with the same daemons and
config language, or folders BGPTOPO_SUITE_DIRS names."""

import grp
import os
import subprocess
from collections import namedtuple

from bgptopo import procs
from bgptopo.errors import LabError
from bgptopo.routing.frr.config import config_errors
from bgptopo.paths import shown

DAEMONS = ('zebra', 'bgpd')
# started when a router's folder has their file (plans with OSPF inside an AS)
OPTIONAL_DAEMONS = ('ospfd', 'ospf6d')
DRY_RUN_TIMEOUT = 30
# descriptors an FRR daemon may use: a generated full mesh (250 routers) has 249 peers
LIMIT_FDS = 1024
# glibc's malloc for the daemons (issue 12, measured on FRR 8.4): blocks of 128 KiB or more
# (each peer's 724 KiB struct and 640 KiB read buffer) always mmapped, so calloc leaves them
# untouched and a freed one goes back to the kernel. By default glibc raises that threshold
# when such a block is freed (bgpd frees some as sessions come up), and later ones come from
# the heap, zeroed page by page. One arena and no per-thread caches saved another 0.4 MiB a
# router but loaded a 500k-prefix feed 13% slower: not taken.
MALLOC_TUNABLES = 'glibc.malloc.mmap_threshold=131072'


class Installation(namedtuple('Installation', 'name daemon_dir run_dir vty_group')):
    """Where one installation keeps its daemons, sockets and vty group."""

    def daemon(self, name):
        return os.path.join(self.daemon_dir, name)

    def command(self, daemon, conf, modules=()):
        """The command line that runs one daemon of a router in the foreground.
        It runs as root (the config may sit in a root-only checkout); vty is
        reachable only through the router's private socket directory.
        modules: daemon modules to load (-M), e.g. rpki for bgpd."""
        args = ['env', 'GLIBC_TUNABLES=%s' % malloc_tunables(), self.daemon(daemon),
                '-f', conf, '-u', 'root', '-g', 'root', '-P', '0', '-i', self.pid_file(daemon)]
        for module in modules:
            args += ['-M', module]
        if self.name == 'FRR':
            # FRR sizes its tables by the file-descriptor limit, which mn
            # raises to thousands; a lab router needs a socket per peer
            args += ['--log', 'file:%s' % self.log_file(daemon), '--limit-fds', str(LIMIT_FDS)]
        return args

    def pid_file(self, daemon):
        return os.path.join(self.run_dir, '%s.pid' % daemon)

    def log_file(self, daemon):
        return os.path.join(self.run_dir, '%s.log' % daemon)

    def start_config_check(self, conf, modules=()):
        """The daemon's own dry run of conf, started; finish_config_check reads it.
        As root, like the real run: the checkout may be readable by root only."""
        loads = [arg for module in modules for arg in ('-M', module)]
        return subprocess.Popen([self.daemon(daemon_of(conf)), '-C', '-f', conf,
                                 '-u', 'root', '-g', 'root'] + loads,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                universal_newlines=True)

    def finish_config_check(self, router, conf, dry_run):
        """Raise LabError when the dry run rejected conf."""
        daemon = daemon_of(conf)
        output = procs.output_within(dry_run, DRY_RUN_TIMEOUT)
        if output is None:
            raise LabError('%s: %s did not finish checking %s within %d s; try `%s -C -f %s` '
                           'by hand.' % (router, daemon, shown(conf), DRY_RUN_TIMEOUT,
                                         self.daemon(daemon), shown(conf)))
        if "can't open configuration file" in output:
            raise LabError('%s: %s cannot read %s; make it readable by root.'
                           % (router, daemon, shown(conf)))
        errors = config_errors(output)
        if errors:
            raise LabError(config_error_sentence(router, daemon, conf, errors))

    def root_can_run_daemons(self):
        """The daemons refuse to start for root outside the vty group."""
        try:
            return 'root' in grp.getgrnam(self.vty_group).gr_mem
        except KeyError:
            return False


def malloc_tunables():
    """The daemons' GLIBC_TUNABLES: ours, then the user's own (glibc lets
    the later setting of a tunable win)."""
    own = os.environ.get('GLIBC_TUNABLES')
    return MALLOC_TUNABLES + (':' + own if own else '')


def daemon_of(conf):
    """zebra for .../zebra.conf, bgpd for .../bgpd.conf, ospfd for .../ospfd.conf."""
    return os.path.basename(conf)[:-len('.conf')]


def config_error_sentence(router, daemon, conf, errors):
    line, text, message = errors[0]
    more = ' (and %d more)' % (len(errors) - 1) if len(errors) > 1 else ''
    return ('%s: %s rejects %s line %d "%s": %s%s; fix the file and start '
            'the lab again.' % (router, daemon, shown(conf), line, text,
                                message, more))


FRR = Installation('FRR', '/usr/lib/frr', '/var/run/frr', 'frrvty')
QUAGGA = Installation('Quagga', '/usr/lib/quagga', '/var/run/quagga', 'quaggavty')
# Folders (separated by ':') to look in for zebra and bgpd instead of the
# packages' own, in order: e.g. a suite built from source in /usr/local/lib/frr.
# A folder whose path names quagga is run as Quagga, any other as FRR.
DIRS_VARIABLE = 'BGPTOPO_SUITE_DIRS'


def candidates():
    """The suites to look for, in order: those of BGPTOPO_SUITE_DIRS if set,
    else FRR's and then Quagga's Debian folders."""
    folders = os.environ.get(DIRS_VARIABLE)
    if folders is None:
        return [FRR, QUAGGA]
    return [(QUAGGA if 'quagga' in folder.lower() else FRR)._replace(daemon_dir=folder)
            for folder in folders.split(':') if folder]


def installed():
    """The first suite whose zebra and bgpd are installed, FRR first."""
    suites = candidates()
    for suite in suites:
        if all(os.access(suite.daemon(d), os.X_OK) for d in DAEMONS):
            return suite
    searched = ' or '.join(s.daemon_dir for s in suites) or 'no folder'
    if DIRS_VARIABLE in os.environ:
        raise LabError('No zebra and bgpd in %s (%s names where to look); point it at the '
                       'folder that holds them, or unset it to use /usr/lib/frr.'
                       % (searched, DIRS_VARIABLE))
    raise LabError('Neither FRR nor Quagga is installed (no zebra and bgpd in %s); run '
                   './setup.sh, or apt-get install frr.' % searched)
