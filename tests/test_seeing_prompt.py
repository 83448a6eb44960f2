"""Integration: seeing BGP at the mininet> prompt of a hijack lab, as a
teacher does it: `capture start`, `hijack start specific`, `updates r1`
(r3's announcement of the /25s, then their withdrawal), `link` events,
`timeline`, `capture stop`; `watch` redraws in place until Ctrl-C gives
the prompt back, and ends the lab with a sentence when the lab's shells are
killed meanwhile, leaving no tcpdump. Misuse is one sentence; only the
capture folder and the picture named are written."""

import os
import signal
import xml.etree.ElementTree as ElementTree

import pexpect
import pytest

from bgptopo import procs
from bgptopo.watching import CLEAR
from conftest import QUESTION, lab_traces, open_prompt
from test_mn import ask, json_of
from test_outside_kill import DIED, NOTICE, shells_of
from test_prompt import changes, tree

pytestmark = pytest.mark.integration

SETTLE = 10     # seconds for an announcement to cross and be captured
HALVES = '12.0.0.0/25 12.0.0.128/25'
ANNOUNCE = 'r3 -> r1  UPDATE        announce %s  AS path 65000  next hop 192.168.13.3' % HALVES
WITHDRAW = 'r3 -> r1  UPDATE        withdraw %s' % HALVES


@pytest.fixture(scope='module')
def workdir(tmp_path_factory):
    top = tmp_path_factory.mktemp('teacher')
    (top / 'notes').write_text('my notes\n')
    return top


@pytest.fixture(scope='module')
def traces_before():
    return lab_traces()


@pytest.fixture(scope='module')
def prompt(workdir, traces_before):
    child = open_prompt('bgp3,hijack=1', workdir)
    yield child
    if child.isalive():
        child.sendline('exit')
        child.expect(pexpect.EOF)
    child.close()


def answer_until(child, line, condition):
    """The answer to line, asked again until condition(answer) (SETTLE s at most)."""
    answers = []
    procs.wait_until(lambda: condition(answers.append(ask(child, line)) or answers[-1]),
                     SETTLE, interval=0.3)
    return answers[-1]


def test_before_a_capture_each_command_says_so(prompt, workdir):
    before = tree(workdir)
    nothing = ('*** nothing was captured yet; `capture start` begins a capture (or start the '
               'lab with --topo bgp3,capture=FOLDER).')
    assert '*** no capture yet; `capture start` begins one' in ask(prompt, 'capture')
    for line in ('updates', 'updates r1 --json', 'timeline', 'timeline t.svg'):
        assert nothing in ask(prompt, line), line
    assert '*** no capture is running; `capture start` begins one.' in ask(prompt, 'capture stop')
    assert '*** usage: capture [start [link|interface ...] [--dir FOLDER] | stop]' in \
        ask(prompt, 'capture begin')
    assert '*** usage: watch [seconds] [times] (seconds: 0.2 to 3600)' in ask(prompt, 'watch 0')
    assert changes(before, tree(workdir)) == set()


def test_a_teacher_shows_the_hijack_message_by_message(prompt, workdir):
    """The hijack's own UPDATEs: the sessions are up before it starts (the
    prompt comes before BGP has converged)."""
    assert 'BGP converged' in ask(prompt, 'converge')
    before = tree(workdir)
    started = ask(prompt, 'capture start')
    assert '*** capturing r1-eth1, r1-eth2, r2-eth1 into %s/bgp3-capture;' % workdir in started
    assert '*** a capture is already running (into %s/bgp3-capture' % workdir in \
        ask(prompt, 'capture start r1-r2 --dir elsewhere')
    ask(prompt, 'hijack start specific')
    text = answer_until(prompt, 'updates r1', lambda text: ANNOUNCE in text)
    assert ANNOUNCE in text, text
    ask(prompt, 'hijack stop')
    text = answer_until(prompt, 'updates r1', lambda text: WITHDRAW in text)
    assert text.index(ANNOUNCE) < text.index(WITHDRAW), text
    messages = json_of(ask(prompt, 'updates r1 --json'))['messages']
    hijack = [m for m in messages if m.get('announced') == HALVES.split()]
    assert [(m['from'], m['to'], m['as_path']) for m in hijack] == [('r3', 'r1', '65000')]
    for line in ('link r1 r3 down', 'link r1 r3 up'):
        ask(prompt, line)
    assert 'BGP converged' in ask(prompt, 'converge')
    links = ask(prompt, 'updates r1-r3')
    assert links.index('LINK DOWN      r1-r3 (link)') < links.index('LINK UP        r1-r3 (link)')
    assert 'r2 -> r3' not in links and 'r1 -> r2' not in links
    drew = ask(prompt, 'timeline hijack.svg')
    assert '*** drew hijack.svg: a lane for each session (r1-r2, r1-r3, r2-r3)' in drew, drew
    texts = [t.text for t in ElementTree.parse(str(workdir / 'hijack.svg')).iter(
        '{http://www.w3.org/2000/svg}text')]
    assert ' hijack start specific' in texts and ' hijack stop' in texts
    stopped = ask(prompt, 'capture stop')
    assert '*** the last capture' in stopped and ' packets' in stopped
    assert changes(before, tree(workdir)) == {'bgp3-capture', 'bgp3-capture/r1-eth1.pcap',
                                              'bgp3-capture/r1-eth2.pcap',
                                              'bgp3-capture/r2-eth1.pcap', 'hijack.svg'}


def test_watch_redraws_in_place_until_ctrl_c(prompt):
    prompt.sendline('watch 0.3')
    for _ in range(2):
        prompt.expect_exact(CLEAR, timeout=10)
        prompt.expect('r3   AS 65000 .*best path to webserver \\(12.0.0.0/24\\): AS path 55000 '
                      'via r2', timeout=10)
        prompt.expect('Established', timeout=10)
    prompt.sendintr()
    prompt.expect_exact('*** watch ended', timeout=10)
    prompt.expect('mininet> ')
    assert QUESTION.strip() in ask(prompt, 'fetch').replace('\r\n', '\n')
    assert 'Total number of neighbors 2' in ask(prompt, 'bgp r1')


def test_watch_from_a_script_prints_its_views_and_ends(prompt, tmp_path):
    script = tmp_path / 'views.mn'
    script.write_text('watch 0.2 2\nwatch\n')
    text = ask(prompt, 'source %s' % script)
    assert CLEAR not in text and text.count('bgp3 lab at ') == 3, text
    assert 'Ctrl-C' not in text


def test_watch_ends_with_the_lab_when_its_shells_are_killed(prompt, traces_before):
    """The last test: the lab dies under `watch` while it captures."""
    started = ask(prompt, 'capture start --dir second')
    assert 'capturing' in started, started
    assert lab_traces()['tcpdumps']
    prompt.sendline('watch 0.3')
    prompt.expect_exact(CLEAR, timeout=10)
    shells = shells_of(prompt.pid)
    assert len(shells) == 6         # host, webserver, rogue, r1, r2, r3
    for pid in shells:              # as `pkill -9 -f mininet:` would
        os.kill(pid, signal.SIGKILL)
    prompt.expect(pexpect.EOF, timeout=NOTICE)
    prompt.close()
    assert prompt.exitstatus == 1 and DIED in prompt.before and 'Traceback' not in prompt.before
    assert procs.wait_until(lambda: lab_traces() == traces_before, 10, interval=0.1), \
        lab_traces()
