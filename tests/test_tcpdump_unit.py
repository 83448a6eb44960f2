"""Unit tests: a capture start waits for its own tcpdump's 'listening on',
never for words an earlier capture of the same interface left behind, and
a silent tcpdump is a sentence. A fake router stands in for the node's
shell, as it behaves under load: it answers with the pid before the new
process has opened its output file."""

import itertools
import os
import re
import subprocess
import time

import pytest

from bgptopo import tcpdump
from bgptopo.errors import LabError
from bgptopo.router import DaemonNode

LAG = 0.5       # seconds the new process takes to open its output file


class SlowShellRouter(object):
    """start_process runs `sh` that waits LAG s, then opens the output file
    (emptying it) and says 'listening on' with its start number, or nothing."""

    name = 'r2'
    files_here = True
    # what a capture asks of a node's machine: this one's, as a Router's
    process_alive = DaemonNode.process_alive
    process_said = DaemonNode.process_said
    stop_process = DaemonNode.stop_process
    written_at = DaemonNode.written_at
    bring_here = DaemonNode.bring_here

    def __init__(self, run_dir, says=True):
        self.run_dir, self.says = str(run_dir), says
        self.children, self.numbers = [], itertools.count(1)
        self.captures = {}

    def process_output(self, name):
        return os.path.join(self.run_dir, '%s.out' % name)

    def start_process(self, name, args, record=True):
        word = 'echo "tcpdump: listening on %s (start %d)";' % (args[2], next(self.numbers)) \
            if self.says else ''
        child = subprocess.Popen(['sh', '-c', 'sleep %g; exec >"$0" 2>&1; %s exec sleep 60'
                                  % (LAG, word), self.process_output(name)])
        self.children.append(child)
        return child.pid

    def end(self):
        for child in self.children:
            child.kill()
            child.wait()


@pytest.fixture
def router(tmp_path):
    fake = SlowShellRouter(tmp_path)
    yield fake
    fake.end()


def test_a_second_capture_waits_for_its_own_tcpdump(router, tmp_path):
    first, = tcpdump.start(router, ['r2-eth1'], str(tmp_path))
    tcpdump.stop(router)
    second, = tcpdump.start(router, ['r2-eth1'], str(tmp_path))
    assert '(start 2)' in second.output(), second.output()
    assert '(start 1)' in first.output(), first.output()     # each keeps its own words


def test_a_silent_tcpdump_is_a_sentence(tmp_path):
    router = SlowShellRouter(tmp_path, says=False)
    try:
        capture = tcpdump.Tcpdump(router, 'r2-eth1', str(tmp_path / 'r2-eth1.pcap'))
        with pytest.raises(LabError) as failure:
            capture.wait_listening(time.monotonic() + LAG * 2)
    finally:
        router.end()
    said = str(failure.value)
    silence = re.match(r'r2: tcpdump could not capture r2-eth1 into %s/r2-eth1\.pcap: it said '
                       r'nothing in (\d+\.\d) s \(is the machine overloaded\?\)\.$'
                       % re.escape(str(tmp_path)), said)
    assert silence and float(silence.group(1)) >= LAG * 2, said
    assert not capture.running()
