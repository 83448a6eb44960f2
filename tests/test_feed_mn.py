"""Integration: fed labs as mn runs them. `mn --test fetch` waits for the
whole table before fetching; a bad dump is one sentence and builds
nothing; a SIGKILLed fed lab (feeder included) leaves nothing after
`mn -c`."""

import os
import signal
import subprocess

import pexpect
import pytest

from bgptopo import procs
from conftest import MN, QUESTION, REPO, lab_traces, new_traces, our_daemons
from test_feed_lab import write_dump

pytestmark = pytest.mark.integration


@pytest.fixture(scope='module')
def dump(tmp_path_factory):
    return write_dump(tmp_path_factory.mktemp('feed') / 'rib.mrt')


def test_mn_test_fetch_waits_for_the_table(dump):
    run = subprocess.run(MN + ['bgp3,feed=%s' % dump, '--test', 'fetch'], cwd=REPO,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         universal_newlines=True, timeout=300)
    assert run.returncode == 0, run.stdout[-3000:]
    assert QUESTION in run.stdout


def test_a_bad_dump_is_a_sentence_and_builds_nothing(tmp_path):
    path = tmp_path / 'rib.mrt'
    path.write_bytes(b'not a dump at all' * 4)
    before = lab_traces()
    run = subprocess.run(MN + ['bgp3,feed=%s' % path], cwd=REPO, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, universal_newlines=True, timeout=120)
    assert run.returncode == 2
    assert 'rib.mrt is not an MRT TABLE_DUMP_V2 file; give a TABLE_DUMP_V2 RIB dump' in run.stdout
    assert not new_traces(before)


def test_sigkill_of_a_fed_lab_then_mn_c_leaves_no_trace(dump):
    before = lab_traces()
    child = pexpect.spawn(MN[0], MN[1:] + ['bgp3,feed=%s' % dump], cwd=REPO, timeout=60,
                          encoding='utf-8')
    child.expect('mininet> ')
    assert len(set(our_daemons()) - set(before['daemons'])) == 7     # 3 zebra, 3 bgpd, the feeder
    os.kill(child.pid, signal.SIGKILL)
    child.close()
    subprocess.run(['mn', '-c'], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   timeout=120, check=True)
    assert procs.wait_until(lambda: not new_traces(before), 10, interval=0.1), new_traces(before)
