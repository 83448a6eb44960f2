"""One tcpdump on one interface of a router: started inside the router (its
namespaces), tied to the router's shell by a parent-death signal as the
daemons are, recorded by pid, stopped by pid and waited for.

A router keeps its captures in `router.captures` ({interface: Tcpdump}),
also once stopped: their files are what `updates` and `timeline` read,
until the next `capture start` replaces them."""

import itertools
import os
import re
import shutil
import time

from bgptopo import procs
from bgptopo.errors import LabError

START_TIMEOUT = 10.0    # seconds tcpdump gets to open its interface and file: measured
                        # 0.04 s at most with both CPUs of a 2-core machine kept busy
STOP_GRACE = 3.0        # seconds it gets to flush its file after SIGTERM
PCAP_SUFFIX = '.pcap'   # Debian's AppArmor profile lets tcpdump write *.pcap anywhere
COUNT = re.compile(r'(\d+) packets? captured')
READY = 'listening on'  # tcpdump's stderr once its interface and file are open
STARTS = itertools.count(1)     # numbers each start's output file (see Tcpdump.__init__)
FILE_TROUBLE = ('Permission denied', 'Read-only', 'No such file', 'No space')


def require_installed():
    if not shutil.which('tcpdump'):
        raise LabError('tcpdump is missing; run ./setup.sh or apt-get install tcpdump.')


def require_installed_at(router):
    """tcpdump on the machine router runs on (another server may lack it)."""
    if router.files_here:
        return require_installed()
    if not router.cmd('command -v tcpdump').strip():
        raise LabError('tcpdump is missing on the server %s (where %s runs); run ./setup.sh '
                       'server there or apt-get install tcpdump.' % (router.server, router.name))


def pcap_path(folder, intf):
    return os.path.join(folder, intf + PCAP_SUFFIX)


class Tcpdump(object):
    """A capture of every packet on router's interface intf into path (a
    pcap file, replaced if it exists), written packet by packet (-U) as
    soon as it is seen (--immediate-mode: the kernel would otherwise hand
    packets over in batches up to a second late), so `updates` reads a
    message the moment after it crossed. Root keeps the file (-Z root):
    Debian's tcpdump would otherwise drop to a user that may not write there.

    Each start has an output file of its own (tcpdump-INTF-N.out): the
    node's shell answers with the pid before the new process has opened
    (and so emptied) its output file, so a name used before would still
    hold the last capture's 'listening on' for a moment, and could be
    read as this one's, or be emptied between two reads."""

    def __init__(self, router, intf, path):
        self.router, self.intf, self.path = router, intf, path
        self.name = 'tcpdump-%s-%d' % (intf, next(STARTS))
        self.started = time.time()
        self.launched = time.monotonic()
        self.stopped = None
        self.copy = None        # the router's copy of its file here, if it needs one
        self.written = router.written_at(path)
        self.pid = router.start_process(self.name, [
            'tcpdump', '-i', intf, '-U', '--immediate-mode', '-n', '-Z', 'root', '-w',
            self.written], record=False)

    def alive(self):
        return self.router.process_alive(self.pid)

    def running(self):
        return self.stopped is None and self.alive()

    def ended_unexpectedly(self):
        """Not running, yet never stopped by the lab."""
        return self.stopped is None and not self.alive()

    def output(self):
        """What tcpdump said (its stderr): 'listening on ...', errors, counts."""
        return self.router.process_said(self.name)

    def listening(self):
        return READY in self.output()

    def wait_listening(self, deadline):
        """Raise LabError unless tcpdump captures by deadline (time.monotonic)."""
        procs.wait_until(lambda: self.listening() or not self.alive(),
                         max(0.0, deadline - time.monotonic()))
        said = self.output()
        if READY not in said or not self.alive():
            reason = self.failure(said)
            self.stop()
            raise LabError('%s: tcpdump could not capture %s into %s: %s%s.' % (
                self.router.name, self.intf, self.path, reason.rstrip('.'),
                '; name a folder you can write (capture start --dir FOLDER)'
                if any(word in reason for word in FILE_TROUBLE) else ''))
        self.copy = self.router.bring_here(self.written, self.path, self.pid)

    def failure(self, said):
        """Why tcpdump is not capturing: its own last line, or its silence
        since it was started."""
        lines = said.strip().splitlines()
        if lines:
            return lines[-1].replace('tcpdump: ', '')
        if self.alive():
            return 'it said nothing in %.1f s (is the machine overloaded?)' % (
                time.monotonic() - self.launched)
        return 'it ended without a word'

    def stop(self):
        """SIGTERM (tcpdump flushes its file and exits), waited for."""
        if self.stopped is None:
            self.router.stop_process(self.pid, STOP_GRACE)
            if self.copy is not None:
                self.copy.finish()
            self.stopped = time.time()

    def packets(self):
        """How many packets tcpdump says it captured (known once stopped), or None."""
        found = COUNT.search(self.output())
        return int(found.group(1)) if found else None


def start(router, intfs, folder):
    """Capture each of router's interfaces intfs into folder/INTF.pcap; each
    tcpdump is capturing when this returns (they start side by side)."""
    started = []
    if intfs:
        require_installed_at(router)
    try:
        for intf in intfs:
            started.append(Tcpdump(router, intf, pcap_path(folder, intf)))
        deadline = time.monotonic() + START_TIMEOUT
        for capture in started:
            capture.wait_listening(deadline)
    except BaseException:
        for capture in started:
            capture.stop()
        raise
    router.captures.update((c.intf, c) for c in started)
    return started


def stop(router):
    """Stop every capture router runs; they stay recorded with their files."""
    for capture in router.captures.values():
        capture.stop()


def boot_intfs(router):
    """The interfaces a capture from boot takes at router, configured
    before its daemons start: one end of each link to another router, this
    end unless the far router was configured (and captures it) already.
    Links and far nodes exist by then: Mininet builds every link before it
    configures a node."""
    intfs = []
    for intf in router.intfList():
        link = getattr(intf, 'link', None)
        if link is None:
            continue
        far = link.intf2 if link.intf1 is intf else link.intf1
        if hasattr(far.node, 'captures') and far.name not in far.node.captures:
            intfs.append(intf.name)
    return intfs
