"""No wait without a deadline: a node command that overruns is interrupted
with a sentence and the node goes on working; a vtysh that does not answer
is a sentence, not a hang (integration); a bug of ours is a sentence whose
traceback lands in the error log (unit)."""

import os
import signal
import time

import pytest

from bgptopo import convergence, errors, procs
from bgptopo.errors import LabError


@pytest.mark.integration
def test_an_overrunning_node_command_is_interrupted(lab):
    r1 = lab['r1']
    start = time.monotonic()
    with pytest.raises(LabError, match=r'r1: `sleep 30` did not finish within 1 s; '
                                       r'it was interrupted\.'):
        r1.cmd('sleep 30', timeout=1)
    assert time.monotonic() - start < 1 + 3
    assert r1.cmd('echo still-here').strip() == 'still-here'
    assert r1.dead_daemons() == []      # the Ctrl-C reached the command only


@pytest.mark.integration
def test_a_stuck_bgpd_is_a_sentence(lab, monkeypatch):
    monkeypatch.setattr(convergence, 'ANSWER_TIMEOUT', 1)
    r1 = lab['r1']
    os.kill(r1.daemon_pids['bgpd'], signal.SIGSTOP)
    try:
        with pytest.raises(LabError, match="r1's vtysh did not answer within 1 s"):
            convergence.all_sessions([r1])
    finally:
        os.kill(r1.daemon_pids['bgpd'], signal.SIGCONT)
    assert procs.wait_until(lambda: convergence.all_sessions([r1])[r1], 10, interval=0.2)


def test_a_bug_is_a_sentence_and_a_logged_traceback(tmp_path, monkeypatch):
    log = tmp_path / 'errors.log'
    monkeypatch.setattr(errors, 'ERROR_LOG', str(log))
    try:
        {}['missing']
    except KeyError:
        sentence = errors.unexpected('`path host r1`')
    assert sentence == ("`path host r1` failed unexpectedly (KeyError: 'missing'); its "
                        "traceback is in %s: please report it." % log)
    assert "{}['missing']" in log.read_text() and 'Traceback' in log.read_text()
