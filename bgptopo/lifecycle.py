"""The lab's life on this machine: one lab at a time, what it owns, and an
ending that waits for everything it started, however the end comes (exit,
an error, Ctrl-C, SIGTERM, or its nodes killed from outside).

One lab at a time is a lock no process can leave behind: an abstract unix
socket (no file), bound while the lab lives and let go by the kernel when
its process dies, even by SIGKILL. The lock's holder owns the machine's
lab: every labelled container and run directory that is not its own is a
leftover of a dead lab, whatever pid that lab had."""

import atexit
import gc
import os
import signal
import socket

from mininet.log import error

from bgptopo.errors import LabError

LOCK_ADDRESS = '\0bgptopo.lab'
SIGNAL_EXIT = 128

_lock = None
_endings_hooked = False
_owned = []     # what may still run: nodes, and containers started before their node


class NodeDied(LabError):
    """A part of the lab died from outside; the lab cannot go on."""


def start_time(pid):
    """The kernel's start time of pid (clock ticks since boot), or None:
    with the pid it names one process, even after the pid is reused."""
    try:
        with open('/proc/%d/stat' % pid) as stat:
            return int(stat.read().rsplit(')', 1)[1].split()[19])
    except (OSError, IndexError, ValueError):
        return None


def owner_token(pid=None):
    """pid:start-time of a lab process, this one by default."""
    pid = os.getpid() if pid is None else pid
    return '%d:%s' % (pid, start_time(pid))


def holder():
    """The pid of the process holding the lock, or None."""
    inode = lock_inode()
    if inode is None:
        return None
    target = 'socket:[%s]' % inode
    for entry in filter(str.isdigit, os.listdir('/proc')):
        try:
            fds = os.listdir('/proc/%s/fd' % entry)
            if any(os.readlink('/proc/%s/fd/%s' % (entry, fd)) == target for fd in fds):
                return int(entry)
        except OSError:
            continue
    return None


def lock_inode():
    with open('/proc/net/unix') as table:
        for row in table.read().splitlines()[1:]:
            fields = row.split()
            if len(fields) >= 8 and fields[7] == '@' + LOCK_ADDRESS[1:]:
                return fields[6]
    return None


def claim():
    """Become the machine's lab, or a sentence naming the lab that is.
    Idempotent; also makes every ending of this process end the lab."""
    global _lock
    if _lock is not None:
        return
    lock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        lock.bind(LOCK_ADDRESS)
    except OSError:
        lock.close()
        raise LabError('Another bgptopo lab (process %s) is running; exit it before '
                       'starting a new one.' % (holder() or '?'))
    _lock = lock
    if not _endings_hooked:
        hook_endings()


def hook_endings():
    """Once per process: exit, SIGTERM and SIGHUP end the lab."""
    global _endings_hooked
    atexit.register(end_at_exit)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, exit_on_signal)
    _endings_hooked = True


def holds_lock():
    return _lock is not None


def release():
    global _lock
    if _lock is not None and not _owned:
        _lock.close()
        _lock = None


def exit_on_signal(signum, _frame):
    """SIGTERM and SIGHUP end the lab as `exit` does: the SystemExit unwinds
    whatever runs, and end_everything (atexit) stops what is left."""
    signal.signal(signum, signal.SIG_IGN)
    error('*** bgptopo: %s: stopping the lab\n' % signal.Signals(signum).name)
    raise SystemExit(SIGNAL_EXIT + signum)


def adopt(thing):
    """thing (a node, or a container before its node exists) is ours until
    disown(thing); it ends with thing.terminate()."""
    _owned.append(thing)


def disown(thing):
    if thing in _owned:
        _owned.remove(thing)
    release()


def end_everything():
    """Stop what of ours still runs and wait for it: routers' daemons (by
    pid), node shells, containers; the newest first (a node before the
    container it lives in). Safe to call at any time, twice."""
    while _owned:
        thing = _owned[-1]      # ending a node also disowns its container
        try:
            thing.terminate()
        except Exception as failure:      # go on: the rest must stop too
            error('*** bgptopo: stopping %s: %s\n' % (thing.name, failure))
        disown(thing)
    release()


def end_at_exit():
    """The lab's end as the process exits; then Python's own end is made
    short: its last garbage collections walk every object of mininet's,
    setuptools' and the Docker SDK's modules (0.05-0.5 s measured on this
    VM, while nothing of ours is left to free), and frozen objects are
    skipped."""
    end_everything()
    gc.freeze()


def require_alive(nodes):
    """NodeDied naming the first of nodes whose shell or container is gone."""
    for node in nodes:
        check = getattr(node, 'require_alive', None)
        if check:
            check()
