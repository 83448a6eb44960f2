"""Shared fixtures: the repository on sys.path, and the lab built once per
module on the real stack (Docker containers, FRR daemons, namespaces)."""

import glob
import logging
import os
import subprocess
import sys
import tempfile

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from bgptopo.paths import QUESTION_PAGE

with open(QUESTION_PAGE) as _page:
    QUESTION = _page.read()     # the page the web server serves

TOPO_FILE = os.path.join(REPO, 'bgptopo', 'topo.py')
MN = ['mn', '--custom', TOPO_FILE, '--topo']


def pytest_collection_modifyitems(items):
    """Integration tests need root; say so instead of failing obscurely."""
    if os.geteuid() == 0:
        return
    skip = pytest.mark.skip(reason='integration tests need root (run ./setup.sh test as root)')
    for item in items:
        if 'integration' in item.keywords:
            item.add_marker(skip)


def processes():
    """{pid: argv} of every process now."""
    found = {}
    for entry in filter(str.isdigit, os.listdir('/proc')):
        try:
            with open('/proc/%s/cmdline' % entry, 'rb') as cmdline:
                found[int(entry)] = [a.decode(errors='replace')
                                     for a in cmdline.read().split(b'\0') if a]
        except OSError:
            continue
    return found


def our_daemons():
    """Pids of routing daemons a lab started: FRR's run with a config file
    of their own (-f), which the system's FRR service does not do; BIRD's
    in the foreground (-f), which the system's BIRD service is not."""
    return sorted(pid for pid, argv in processes().items()
                  if argv and '-f' in argv and (argv[0].startswith('/usr/lib/frr/') or
                                                os.path.basename(argv[0]) == 'bird'))


def daemons_of(pid):
    """our_daemons() that descend from process pid (an mn): those of its lab,
    whatever other labs or experiments run on the machine."""
    parents = {}
    for entry in filter(str.isdigit, os.listdir('/proc')):
        try:
            with open('/proc/%s/stat' % entry) as stat:
                parents[int(entry)] = int(stat.read().rsplit(')', 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue

    def descends(child):
        while child in parents and child != pid:
            child = parents[child]
        return child == pid
    return [daemon for daemon in our_daemons() if descends(daemon)]


def tcpdumps():
    """Pids of tcpdump processes (captures: only labs run them here)."""
    return sorted(pid for pid, argv in processes().items()
                  if argv and os.path.basename(argv[0]) == 'tcpdump')


def node_shells():
    """Pids of Mininet node shells (their argv ends in mininet:<node>)."""
    return sorted(pid for pid, argv in processes().items()
                  if argv and argv[-1].startswith('mininet:'))


def network_namespaces():
    inodes = set()
    for entry in filter(str.isdigit, os.listdir('/proc')):
        try:
            inodes.add(os.stat('/proc/%s/ns/net' % entry).st_ino)
        except OSError:
            continue
    return inodes


def lab_traces():
    """What of a lab exists now: daemons, captures (tcpdump), node shells,
    containers, network namespaces, veths in the root namespace, run directories."""
    from bgptopo import containers
    links = [l.split(':')[1].strip() for l in subprocess.check_output(
        ['ip', '-o', 'link', 'show'], universal_newlines=True).splitlines() if '-eth' in l]
    return {'daemons': our_daemons(), 'tcpdumps': tcpdumps(), 'shells': node_shells(),
            'containers': sorted(c.name for c, _ in
                                 containers.lab_containers(containers.client())),
            'namespaces': sorted(network_namespaces()), 'veths': links,
            'run dirs': sorted(glob.glob(os.path.join(tempfile.gettempdir(), 'bgptopo-gen.*')))}


def new_traces(before, kinds=None):
    """What of a lab exists now that did not `before` (a lab_traces()), per
    kind; {} when nothing. Things that went away meanwhile (another test's
    last process) do not count."""
    now = lab_traces()
    found = {kind: sorted(set(now[kind]) - set(before[kind]))
             for kind in (kinds or now)}
    return {kind: items for kind, items in found.items() if items}


def build_lab(converge=True, topology='bgp3', **params):
    """A started lab (bgp3, or another of topologies.TOPOLOGIES), converged
    unless told not to wait; the caller stops it."""
    from mininet.net import Mininet
    from bgptopo import convergence
    from bgptopo.preparation import prepare
    from bgptopo.topologies import TOPOLOGIES
    net = Mininet(topo=prepare(TOPOLOGIES[topology](**params)), controller=None)
    try:
        net.start()
        if converge:
            convergence.wait(net)
    except BaseException:
        net.stop()
        raise
    return net


class Printed(logging.Handler):
    """What Mininet's log printed (output, error) while attached."""

    def __init__(self):
        logging.Handler.__init__(self)
        self.lines = []

    def emit(self, record):
        self.lines.append(record.getMessage())


def run_lab_test(name, net, **deadline):
    """mn's `--test NAME` on net, in this process, so that a test can pass
    a shorter deadline (timeout=SECONDS) than mn's: (exit status, what it
    printed). A failing one stops net itself, as under mn."""
    from mininet.log import lg
    from bgptopo.mnplugin import TESTS
    printed = Printed()
    lg.addHandler(printed)
    try:
        TESTS[name](net, **deadline)
        status = 0
    except SystemExit as ended:
        status = ended.code
    finally:
        lg.removeHandler(printed)
    return status, ''.join(printed.lines)


def open_prompt(topo, cwd):
    """mn at its mininet> prompt, run from cwd. Lines are sent without
    pexpect's 50 ms pause before each (meant for password prompts that turn
    echo off; the prompt tests send hundreds of lines)."""
    import pexpect
    child = pexpect.spawn(MN[0], MN[1:] + [topo], cwd=str(cwd), timeout=60,
                          encoding='utf-8', dimensions=(50, 200))
    child.delaybeforesend = None
    child.expect('mininet> ')
    return child


def close_prompt(child):
    """exit typed at the prompt ends mn with status 0."""
    import pexpect
    if child.isalive():
        child.sendline('exit')
        child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def bgpd_overlay(tmp_path, router, *replacements):
    """An etc overlay whose only file is router's bgpd.conf, each (old, new)
    of replacements applied; the other files come from etc/quagga."""
    with open(os.path.join(REPO, 'etc', 'quagga', router, 'bgpd.conf')) as original:
        text = original.read()
    for old, new in replacements:
        assert old in text
        text = text.replace(old, new)
    os.makedirs(str(tmp_path / router))
    (tmp_path / router / 'bgpd.conf').write_text(text)
    return str(tmp_path)


@pytest.fixture
def nothing_but_files(monkeypatch):
    """Root, Docker, the suite and the lab lock all refuse to be used: a
    topology only describes."""
    from bgptopo import containers, lifecycle, preflight

    def refuse(*_args, **_kwargs):
        raise AssertionError('a topology must not need this to describe a lab')
    for module, name in ((preflight, 'require_root'), (preflight, 'require_suites'),
                         (containers, 'client'), (lifecycle, 'claim')):
        monkeypatch.setattr(module, name, refuse)


@pytest.fixture(scope='module')
def lab(request):
    """The module's own lab: bgp3, with the module's LAB_PARAMS if it sets
    them (e.g. {'hijack': 1})."""
    net = build_lab(**getattr(request.module, 'LAB_PARAMS', {}))
    yield net
    net.stop()
