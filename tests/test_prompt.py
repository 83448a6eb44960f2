"""Integration: the lab's commands typed at the mininet> prompt, as a user
does: check, failover, draw and defend on a bgp3 lab; hijack and defend on a
hijack=1 lab. Each answer is the command's output or one sentence, and the
prompt comes back. draw writes the file named and nothing else."""

import os
import re
import subprocess
import time
import xml.etree.ElementTree as ElementTree
from contextlib import contextmanager

import pytest

from bgptopo import procs
from bgpviews import SETTLE
from conftest import QUESTION, close_prompt, open_prompt
from test_mn import ask, json_of

pytestmark = pytest.mark.integration

PNG_MAGIC = b'\x89PNG\r\n\x1a\n'


@pytest.fixture(scope='class')
def workdir(tmp_path_factory):
    """Where the user runs mn: like the checkout's root, it holds a folder
    named bgptopo and a file of the user's."""
    top = tmp_path_factory.mktemp('workdir')
    (top / 'bgptopo').mkdir()
    (top / 'bgptopo' / 'topo.py').write_text('# not ours to touch\n')
    (top / 'notes').write_text('my notes\n')
    return top


@pytest.fixture(scope='class')
def prompt(workdir):
    child = open_prompt('bgp3', workdir)
    yield child
    close_prompt(child)


def tree(folder):
    """Every file and folder under folder: {relative path: content (None for a folder)}."""
    found = {}
    for top, dirs, files in os.walk(str(folder)):
        for name in dirs:
            found[os.path.relpath(os.path.join(top, name), str(folder))] = None
        for name in files:
            with open(os.path.join(top, name), 'rb') as f:
                found[os.path.relpath(os.path.join(top, name), str(folder))] = f.read()
    return found


def changes(before, after):
    """The paths added, removed or changed between two trees."""
    return {p for p in set(before) | set(after) if before.get(p, 0) != after.get(p, 0)}


def is_svg(data):
    return ElementTree.fromstring(data).tag == '{http://www.w3.org/2000/svg}svg'


class TestBgp3Prompt(object):

    def test_check_and_check_json(self, prompt):
        text = ask(prompt, 'check')
        lines = [l.strip() for l in text.splitlines() if l.startswith(('PASS', 'FAIL'))]
        score = re.search(r'score (\d+)/(\d+): all requirements met', text)
        assert score and lines and all(l.startswith('PASS') for l in lines), text
        assert int(score.group(1)) == int(score.group(2)) == len(lines)
        graded = json_of(ask(prompt, 'check --json'))
        assert graded['all_passed'] and graded['passed'] == graded['total'] == len(lines)
        assert all(r['passed'] for r in graded['requirements'])

    def test_hijack_and_defend_outside_a_hijack_lab_are_sentences_at_once(self, prompt):
        for command in ('defend on', 'hijack start'):
            started = time.monotonic()
            text = ask(prompt, command)
            assert time.monotonic() - started < 3, command
            assert ('*** this lab has no rogue server and no RPKI on r1 (hijack and defend '
                    'need them); start it with --topo bgp3,hijack=1.') in text
            assert 'Traceback' not in text

    def test_failover_then_the_link_back(self, prompt):
        try:
            text = ask(prompt, 'failover r1 r2')
            assert re.search(r'\*\*\* link r1-r2 down: fetch works again after [\d.]+ s; r1 '
                             r'now reaches the web server through AS path 65000 55000', text), text
        finally:
            ask(prompt, 'link r1 r2 up')
        assert 'BGP converged in' in ask(prompt, 'converge')
        # converged means routed and every session Established: the direct
        # path r2 sends once the session is back may come a moment later
        shown = []

        def direct_path():
            shown.append(ask(prompt, 'path'))
            return 'BGP path: 55000' in shown[-1]
        assert procs.wait_until(direct_path, 10, interval=0.2), shown[-1]

    def test_draw_without_a_name_writes_after_the_topology_beside_a_bgptopo_folder(
            self, prompt, workdir):
        before = tree(workdir)
        assert '*** drew bgp3-lab.png' in ask(prompt, 'draw')
        after = tree(workdir)
        assert changes(before, after) == {'bgp3-lab.png'}
        assert after['bgp3-lab.png'].startswith(PNG_MAGIC)

    def test_draw_writes_only_the_named_file_and_keeps_its_neighbours(self, prompt, tmp_path):
        (tmp_path / 'notes').write_text('my notes\n')
        before = tree(tmp_path)
        assert '*** drew %s' % (tmp_path / 'notes.png') in ask(prompt, 'draw %s'
                                                               % (tmp_path / 'notes.png'))
        ask(prompt, 'draw %s' % (tmp_path / 'notes.svg'))
        after = tree(tmp_path)
        assert changes(before, after) == {'notes.png', 'notes.svg'}
        assert after['notes.png'].startswith(PNG_MAGIC) and is_svg(after['notes.svg'])
        assert after['notes'] == b'my notes\n'

    def test_draw_replaces_a_file_only_when_named_and_help_says_so(self, prompt, tmp_path):
        (tmp_path / 'old.png').write_bytes(b'an older picture')
        ask(prompt, 'draw %s' % (tmp_path / 'old.png'))
        assert (tmp_path / 'old.png').read_bytes().startswith(PNG_MAGIC)
        assert 'replaced if it exists' in ask(prompt, 'help draw')

    def test_draw_refusals_are_sentences_and_write_nothing(self, prompt, tmp_path):
        (tmp_path / 'shelf.png').mkdir()
        readonly = tmp_path / 'readonly'
        readonly.mkdir()
        refusals = [
            ('shelf.png', '*** %s is a folder; name a file in it, e.g. draw %s.'
             % (tmp_path / 'shelf.png', tmp_path / 'shelf.png' / 'lab.png')),
            ('nowhere/lab.png', '*** the folder %s does not exist; create it or name a '
             'file in another folder.' % (tmp_path / 'nowhere')),
            ('readonly/lab.png', '*** cannot write %s: Read-only file system; name a file '
             'in a folder you can write.' % (readonly / 'lab.png')),
            ('lab.gif', '*** draw writes .png or .svg files; got %s' % (tmp_path / 'lab.gif')),
        ]
        before = tree(tmp_path)
        with read_only(readonly):        # root may write anywhere else
            for name, sentence in refusals:
                text = ask(prompt, 'draw %s' % (tmp_path / name))
                assert sentence in text and 'Traceback' not in text, text
        assert changes(before, tree(tmp_path)) == set()
        assert QUESTION.strip() in ask(prompt, 'fetch').replace('\r\n', '\n')


@contextmanager
def read_only(folder):
    """folder mounted read-only over itself while the block runs."""
    subprocess.run(['mount', '--bind', str(folder), str(folder)], check=True)
    try:
        subprocess.run(['mount', '-o', 'remount,bind,ro', str(folder)], check=True)
        yield
    finally:
        subprocess.run(['umount', str(folder)], check=True)


@pytest.fixture(scope='class')
def hijack_prompt(tmp_path_factory):
    child = open_prompt('bgp3,hijack=1', tmp_path_factory.mktemp('hijack'))
    yield child
    close_prompt(child)


def fetch_shows(child, text):
    """fetch at the prompt serves text, within SETTLE."""
    return procs.wait_until(lambda: text in ask(child, 'fetch'), SETTLE, interval=0.2)


class TestHijackPrompt(object):

    def test_hijack_defend_and_back(self, hijack_prompt):
        child = hijack_prompt
        assert fetch_shows(child, 'You reached the web server')
        text = ask(child, 'hijack start exact')
        assert "*** r3 now announces 12.0.0.0/24 as AS 65000's" in text
        try:
            assert fetch_shows(child, 'HIJACKED')
            assert '*** r1 origin validation on' in ask(child, 'defend on')
            assert fetch_shows(child, 'You reached the web server')
            assert '*** r1 origin validation off' in ask(child, 'defend off')
            assert fetch_shows(child, 'HIJACKED')
        finally:
            stopped = ask(child, 'hijack stop')
        assert '*** r3 withdrew its announcements' in stopped
        assert fetch_shows(child, 'You reached the web server')
