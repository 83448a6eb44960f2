"""bgptopo/routing/frr/vty.py against a socket that speaks vtysh's protocol
(the real daemons' answers are checked in tests/test_suites.py)."""

import os
import socket
import threading

import pytest

from bgptopo.routing.frr import vty


def serve(path, reply):
    """A one-connection server at path: reply(command bytes) is sent back
    for the one command it reads, then the server waits for the close."""
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(1)

    def run():
        connection, _ = server.accept()
        with connection, server:
            command = b''
            while not command.endswith(b'\0'):
                command += connection.recv(100)
            for chunk in reply(command[:-1]):
                connection.sendall(chunk)
            connection.recv(1)      # until the client closes

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_the_answer_is_the_text_before_the_end_marker(tmp_path):
    path = str(tmp_path / 'bgpd.vty')
    # split across writes, the marker too: the client reads to the marker
    serve(path, lambda command: [b'{"asked": "' + command, b'"}\0\0', b'\0\0'])
    assert vty.ask(path, 'show bgp summary json', 5) == '{"asked": "show bgp summary json"}'


def test_a_daemon_that_never_ends_its_answer_times_out(tmp_path):
    path = str(tmp_path / 'bgpd.vty')
    serve(path, lambda command: [b'{"half'])
    with pytest.raises(TimeoutError):
        vty.ask(path, 'show bgp summary json', 0.3)


def test_no_socket_is_an_oserror_for_the_caller_to_fall_back(tmp_path):
    with pytest.raises(OSError):
        vty.ask(os.path.join(str(tmp_path), 'bgpd.vty'), 'show bgp summary json', 1)
