"""Node commands with a deadline and a pulse.

Mininet reads a node's answer from its shell's pty with no timeout, and the
lab holds that pty's other end itself: when the shell is killed from
outside (`mn -c`, another mn's failed run, the OOM killer), the read waits
forever. GuardedShell reads in short slices, checks between them that the
shell (and whatever else the node lives in) is still there, and gives each
command a deadline."""

import os
import select
import signal
import time

from mininet.link import Intf, Link
from mininet.log import debug, info

from bgptopo import lifecycle
from bgptopo.errors import LabError

COMMAND_TIMEOUT = 60.0      # seconds a node command may take (a fetch takes 5 at most)
PULSE_MS = 250              # how often a waiting command checks the shell is alive
INTERRUPT_GRACE = 2.0       # seconds an interrupted command gets to give the prompt back
# Mininet's shells read commands from a pty in canonical mode (bash
# --noediting): a line of 4095 bytes or more comes out mangled (measured:
# 4096 gave a wrong answer, 4099 ran another command), so longer ones are
# refused and chained ones split (cmd_chain)
LINE_MAX = 4000


class GuardedShell(object):
    """Mixin for the lab's Mininet node classes (before Node in the bases)."""

    command_timeout = COMMAND_TIMEOUT
    last_command = ''

    def require_alive(self):
        """NodeDied when the node's shell is gone."""
        if self.shell is None or self.shell.poll() is not None:
            raise lifecycle.NodeDied(
                "%s's shell was killed from outside the lab (by `mn -c` or another mn's "
                "cleanup?); the lab cannot go on: start it again." % self.name)

    def hang_up(self):
        """SIGHUP the shell's process group (the shell and what was typed at
        the prompt), also when the shell itself was killed from outside:
        Mininet signals only a living shell, and orphans would keep the
        node's namespace alive. The group's id cannot be reused while any
        member lives, so nothing else is hit."""
        if self.shell is not None:
            try:
                os.killpg(self.shell.pid, signal.SIGHUP)
            except (ProcessLookupError, PermissionError):
                pass

    def cmd(self, *args, **kwargs):
        """Mininet's cmd, failing with a sentence instead of hanging;
        timeout=seconds sets this command's deadline."""
        self.command_timeout = kwargs.pop('timeout', COMMAND_TIMEOUT)
        self.last_command = ' '.join(str(a) for a in args)
        if len(self.last_command.encode()) > LINE_MAX:
            raise LabError('%s: a command of %d bytes (`%s ...`) exceeds the %d its shell '
                           'reads in one line; split it (cmd_chain does).' % (
                               self.name, len(self.last_command.encode()),
                               self.last_command[:40], LINE_MAX))
        self.require_alive()
        try:
            return super(GuardedShell, self).cmd(*args, **kwargs)
        finally:
            self.command_timeout = COMMAND_TIMEOUT

    def cmd_chain(self, commands):
        """commands joined by && in as few shell lines as LINE_MAX allows (a
        failure skips the rest of its line only); their output."""
        return ''.join(self.cmd(' && '.join(line)) for line in lines_of(commands))

    def waitOutput(self, verbose=False, findPid=True):
        """The command's output up to Mininet's end-of-output mark, read in
        slices; between them the shell's pulse and the deadline are checked."""
        log = info if verbose else debug
        deadline = time.monotonic() + self.command_timeout
        chunks = []
        while self.waiting:
            if time.monotonic() > deadline:
                self.interrupt_overdue()
            if not self.output_ready(PULSE_MS):
                self.require_alive()
                continue
            data = self.monitor(findPid=findPid)
            chunks.append(data)
            log(data)
        return ''.join(chunks)

    def output_ready(self, timeout_ms):
        """Has the shell written something? Mininet's own poll also wakes for
        POLLOUT, always true on a pty, so its read would block instead."""
        if self.readbuf:
            return True
        poller = select.poll()
        poller.register(self.stdout.fileno(), select.POLLIN)
        return bool(poller.poll(timeout_ms))

    def interrupt_overdue(self):
        """Ctrl-C the command that outlived its deadline, then say so."""
        self.sendInt()
        grace = time.monotonic() + INTERRUPT_GRACE
        while self.waiting and time.monotonic() < grace:
            if self.output_ready(PULSE_MS):
                self.monitor()
        answered = not self.waiting
        self.waiting = False
        raise LabError('%s: `%s` did not finish within %g s; %s.' % (
            self.name, self.last_command[:80], self.command_timeout,
            'it was interrupted' if answered else 'its shell no longer answers'))


class DualStack(object):
    """Mixin for hosts (before Host in the bases): ip6=ADDRESS/LEN and
    gateway6=ADDRESS, the IPv6 twins of Mininet's ip and defaultRoute."""

    def config(self, ip6=None, gateway6=None, **params):
        result = super(DualStack, self).config(**params)
        if ip6:
            self.cmd('ip -6 addr add %s dev %s nodad && ip -6 route add default via %s'
                     % (ip6, self.defaultIntf(), gateway6))
        return result


class LabLink(Link):
    """A veth pair between nodes whose network namespaces die with them:
    stopping it deletes nothing (a command per veth end costs time, and
    cannot run in a node whose shell was killed from outside). Between two
    routers of one build (bgptopo/bulk.py) it is made in bulk with the
    others, and its ends are set up by their routers."""

    def __init__(self, node1, node2, **params):
        bulk = getattr(node1, 'bulk', None)
        self.deferred_to = bulk if bulk and not params.get('cls1') and \
            not params.get('cls2') and bulk.defers(node1, node2) else None
        if self.deferred_to:
            params['intf'] = DeferredIntf
        Link.__init__(self, node1, node2, **params)

    def makeIntfPair(self, intf1, intf2, addr1=None, addr2=None, node1=None, node2=None,
                     deleteIntfs=True):
        if self.deferred_to:
            return self.deferred_to.add_veth(intf1, node1, addr1, intf2, node2, addr2)
        return Link.makeIntfPair(intf1, intf2, addr1, addr2, node1, node2,
                                 deleteIntfs=deleteIntfs)

    def stop(self):
        ends = (self.intf1.node, self.intf2.node)
        if all(isinstance(node, GuardedShell) for node in ends):
            return
        Link.stop(self)


class DeferredIntf(Intf):
    """An interface of a veth pair made later in bulk: its MAC is given at
    creation and its router sets it up, so configuring it here would be
    four commands on an interface that does not exist yet."""

    def config(self, mac=None, **_params):
        self.mac = mac
        return {}


def lines_of(commands, limit=LINE_MAX):
    """commands grouped so that each group joined by ' && ' fits limit bytes."""
    lines = []
    for command in commands:
        if lines and len(' && '.join(lines[-1] + [command]).encode()) <= limit:
            lines[-1].append(command)
        else:
            lines.append([command])
    return lines
