"""Asking one running FRR daemon through its vty socket, without vtysh.

vtysh is a process to start (~20 ms of CPU each, and the convergence wait
asks every router at the end of every build); the daemon's own unix socket
in the router's private run directory answers in well under a millisecond.
The protocol is vtysh's: the command as text ending in a NUL byte; the
answer's text, then three NUL bytes and the command's status byte."""

import socket
import time

END = b'\0\0\0'     # before the status byte that ends each answer
ANSWER_TIMEOUT = 10.0       # seconds a daemon gets to answer one command


def ask(path, command, timeout):
    """The daemon's answer to command, as text, from its vty socket at path
    (reached from our mount namespace: /proc/PID/root/...). OSError when the
    socket is not there or refuses; TimeoutError past timeout seconds."""
    deadline = time.monotonic() + timeout
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as vty:
        vty.settimeout(timeout)
        vty.connect(path)
        vty.sendall(command.encode() + b'\0')
        answer = bytearray()
        while not (len(answer) >= 4 and answer[-4:-1] == END):
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError('%s did not answer %r' % (path, command))
            vty.settimeout(left)
            chunk = vty.recv(65536)
            if not chunk:
                raise ConnectionResetError('%s closed before answering %r' % (path, command))
            answer += chunk
    return answer[:-4].decode(errors='replace')
