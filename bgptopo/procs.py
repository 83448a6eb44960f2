"""Processes the lab started, ended by their recorded pid and waited for:
never by name, so nothing that is not ours is touched."""

import os
import select
import signal
import subprocess
import time


def alive(pid):
    """True while pid runs (a zombie counts as ended)."""
    try:
        with open('/proc/%d/stat' % pid) as stat:
            return stat.read().rsplit(')', 1)[1].split()[0] != 'Z'
    except (OSError, IndexError):
        return False


def wait_exit(pid, timeout):
    """Wait until pid has exited, at most timeout seconds; True if it did.
    A pidfd wakes us the moment the process ends, without polling."""
    try:
        fd = os.pidfd_open(pid)
    except (OSError, AttributeError):
        return wait_until(lambda: not alive(pid), timeout)
    try:
        deadline = time.monotonic() + timeout
        while alive(pid):
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            # a zombie's pidfd is readable at once; alive() then says so
            select.select([fd], [], [], min(left, 0.2))
        return True
    finally:
        os.close(fd)


def stop(pid, grace=5.0):
    """SIGTERM pid, wait up to grace seconds, then SIGKILL and wait again."""
    for sig, timeout in ((signal.SIGTERM, grace), (signal.SIGKILL, 2.0)):
        if not alive(pid):
            return True
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return True
        if wait_exit(pid, timeout):
            return True
    return False


def stop_all(pids, grace=5.0):
    """stop() for many processes at once: SIGTERM to all, wait for all up to
    grace seconds, then SIGKILL to those left and wait again; True if all
    ended. A thousand routers' daemons end in the time of the slowest."""
    for sig, timeout in ((signal.SIGTERM, grace), (signal.SIGKILL, 2.0)):
        living = [pid for pid in pids if alive(pid)]
        for pid in living:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        if wait_until(lambda: not [pid for pid in living if alive(pid)], timeout, 0.02):
            return True
    return False


def listening(pid, port):
    """Does a TCP socket listen on port in pid's network namespace?"""
    try:
        with open('/proc/%d/net/tcp' % pid) as table:
            rows = table.read().splitlines()[1:]
    except OSError:
        return False
    return any(row.split()[1].endswith(':%04X' % port) and row.split()[3] == '0A'
               for row in rows)


def wait_until(condition, timeout, interval=0.01):
    """Poll condition() until it is true or timeout seconds pass; its last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)


KILLED_GRACE = 2.0      # seconds a killed process's pipes get to close


def output_within(process, timeout):
    """The output of a started subprocess.Popen once it ends, or None if it
    outlives timeout seconds (it is then killed and reaped; a child of it
    that holds its pipes is not waited for past KILLED_GRACE)."""
    try:
        return process.communicate(timeout=timeout)[0]
    except subprocess.TimeoutExpired:
        process.kill()
        try:
            process.communicate(timeout=KILLED_GRACE)
        except subprocess.TimeoutExpired:
            pass        # the pipes close with the child that holds them
        return None
