"""Integration: the prompt fuzz test. Every command the CLI lists, with each
class of argument (each node name, an unknown name, nothing, --json, a path
in a missing folder, a folder, an existing file's name with a picture
suffix, quotes, a 5,000-character word, non-ASCII text, two node names:
every ordered pair for a command whose usage reads a node and then another
word, one pair, an extra word, for the rest), on a bgp3 lab and on a hijack
lab (there only the pairs with the rogue in them): the prompt comes back, no
traceback is printed, no bug is logged, no file outside the run directory
changes except what a command was told to write (the picture draw or
timeline names, the folder capture start names), and at the end `fetch`
still prints the question. On the bgp3 lab `capture start` (with
links, interfaces and folders besides) and `capture stop` come first, so
that updates and timeline then read a real capture.

Left out of Mininet's own commands, by design: exit, quit and EOF end the
lab; sh, py, px and source run whatever they are given; x, xterm and gterm
open windows; iperf, iperfudp and the ping commands send test traffic of
their own; dpctl and switch need switches, which the lab has none of."""

import os

import pexpect
import pytest

from bgptopo.cli import COMMANDS, USAGE
from bgptopo.watching import CLEAR
from conftest import MN, QUESTION, REPO

pytestmark = pytest.mark.integration

OURS = [name for name, _, _ in COMMANDS]
MININETS = ['help', 'nodes', 'ports', 'net', 'intfs', 'dump', 'link', 'links', 'noecho',
            'time', 'wait']
SCENARIO = ['hijack start', 'hijack stop', 'defend on', 'defend off']
ANSWER_TIMEOUT = 90     # the slowest answer: a check or converge that waits out its deadline
MARK = 'fuzz-mark'     # an unknown command: Mininet answers it without a process
NODE_WORDS = {'router', 'node', 'src', 'r1', 'link', 'interface'}  # in usage lines


def single_arguments(nodes, workdir):
    return nodes + ['nosuchnode', '', '--json', str(workdir / 'missing' / 'x.png'),
                    str(workdir / 'afolder'), 'notes.png', '"r1"', "'", '"', 'x' * 5000,
                    'Grüße→路由器']


def all_arguments(nodes, workdir):
    """The single ones and every ordered pair of node names."""
    return single_arguments(nodes, workdir) + \
        ['%s %s' % (a, b) for a in nodes for b in nodes if a != b]


def one_pair_arguments(nodes, workdir):
    """The single ones and one pair of routers: a word too many after a
    word that is right."""
    return single_arguments(nodes, workdir) + ['%s %s' % tuple(routers_among(nodes)[:2])]


def routers_among(nodes):
    return [n for n in nodes if n.startswith('r') and n[1:].isdigit()]


def reads_a_node_pair(usage):
    """True when a usage line (cli.COMMANDS) reads a node (router, node,
    src, r1, link or interface) and then another word: `path [src dst]`,
    `vtysh router [command]`; not `updates [router|link] [--json]`."""
    words = usage.replace('[', ' ').replace(']', ' ').split()[1:]
    return any(set(word.split('|')) & NODE_WORDS and following != '|' and
               not following.startswith('--')
               for word, following in zip(words, words[1:]))


def arguments_for(command, pairs=all_arguments):
    """pairs for a command that reads a node and another word (by its
    declared usage), one pair for the rest."""
    usage = USAGE[command.split()[0]]
    return pairs if reads_a_node_pair(usage) else one_pair_arguments


def rogue_pair_arguments(nodes, workdir):
    """On the hijack lab: the single ones, and the pairs with the rogue in
    them (the other pairs are bgp3's, answered there)."""
    return single_arguments(nodes, workdir) + \
        ['%s %s' % (a, b) for a in nodes for b in nodes if a != b and 'rogue' in (a, b)]


def snapshot(*folders):
    """{path: (size, mtime)} of every file below folders (caches left out)."""
    found = {}
    for folder in folders:
        for top, dirs, files in os.walk(str(folder)):
            dirs[:] = [d for d in dirs if d not in ('.git', '__pycache__', '.pytest_cache')]
            for name in files:
                path = os.path.join(top, name)
                stat = os.stat(path)
                found[path] = (stat.st_size, stat.st_mtime_ns)
    return found


def capture_arguments(nodes, workdir):
    """capture start's own besides the others: links, interfaces, folders
    (one made, one whose parent is missing, a file)."""
    return all_arguments(nodes, workdir) + [
        'r1-r2', 'r2-eth1', 'r1-r2 r9-r1', '--dir', '--dir %s' % (workdir / 'afolder'),
        '--dir %s' % (workdir / 'missing' / 'x'), '--dir notes.png',
        'r2-r3 --dir %s' % (workdir / 'links'), '--dir a --dir b']


def allowed_changes(line, workdir):
    """(files, folders) a line was told to write: the picture draw or
    timeline names (by default bgp3-lab.png, bgp3-timeline.png); the
    folder capture start names (by default bgp3-capture), anything in it."""
    words = line.split()
    default = {'draw': 'bgp3-lab.png', 'timeline': 'bgp3-timeline.png'}.get(words[0])
    if default:
        return {os.path.join(str(workdir), words[1] if len(words) == 2 else default)}, set()
    if words[:2] == ['capture', 'start']:
        at = words.index('--dir') + 1 if '--dir' in words else None
        folder = words[at] if at and at < len(words) else 'bgp3-capture'
        return set(), {os.path.join(str(workdir), folder)}
    return set(), set()


def allowed(path, line, workdir):
    files, folders = allowed_changes(line, workdir)
    return path in files or any(os.path.dirname(path) == folder for folder in folders)


def answer(child, line, routers):
    """Type line; its output, once the prompt is back. An interactive vtysh
    (`vtysh ROUTER`) is left with exit, a `watch` (until Ctrl-C on a
    terminal) with Ctrl-C once it has shown its view."""
    child.sendline(line)
    words = line.split()
    if words[:1] == ['vtysh'] and len(words) == 2 and words[1] in routers:
        child.expect('%s# ' % words[1], timeout=ANSWER_TIMEOUT)
        child.sendline('exit')
    if words == ['watch']:
        child.expect_exact(CLEAR, timeout=ANSWER_TIMEOUT)
        child.expect('Ctrl-C returns to the prompt', timeout=ANSWER_TIMEOUT)
        child.sendintr()
        child.expect_exact('*** watch ended', timeout=ANSWER_TIMEOUT)
    child.sendline(MARK)
    child.expect('Unknown command: %s' % MARK, timeout=ANSWER_TIMEOUT)
    output = child.before
    child.expect('mininet> ', timeout=ANSWER_TIMEOUT)
    return output


def fuzz(topo, commands, tmp_path):
    workdir = tmp_path / 'work'
    workdir.mkdir()
    (workdir / 'afolder').mkdir()
    (workdir / 'notes.png').write_bytes(b'the user\'s own picture')
    error_log = tmp_path / 'errors.log'
    env = dict(os.environ, BGPTOPO_ERROR_LOG=str(error_log))
    child = pexpect.spawn(MN[0], MN[1:] + [topo], cwd=str(workdir), timeout=60, env=env,
                          encoding='utf-8', dimensions=(50, 400))
    # pexpect waits 50 ms before each send (for password prompts that turn
    # echo off); two sends a line made that 0.1 s most of the fuzz's time
    child.delaybeforesend = None
    child.expect('mininet> ')
    try:
        listing = answer(child, 'nodes', ()).split('available nodes are:')[-1]
        nodes = sorted(listing.strip().splitlines()[0].split())
        routers = routers_among(nodes)
        for command, arguments in commands:
            for argument in arguments(nodes, workdir):
                line = ('%s %s' % (command, argument)).strip()
                before = snapshot(workdir, REPO)
                output = answer(child, line, routers)
                assert 'Traceback' not in output and 'Caught exception' not in output, \
                    (line, output)
                after = snapshot(workdir, REPO)
                changed = {path for path in set(before) | set(after)
                           if before.get(path) != after.get(path)}
                assert all(allowed(path, line, workdir) for path in changed), (line, changed)
                restore(child, line, routers)
        assert not error_log.exists(), error_log.read_text()
        for line in ('hijack stop', 'defend off', 'converge'):
            answer(child, line, routers)
        assert QUESTION.strip() in answer(child, 'fetch', routers).replace('\r\n', '\n')
    finally:
        if child.isalive():
            child.sendline('exit')
            child.expect(pexpect.EOF, timeout=60)
        child.close()
    assert child.exitstatus == 0


def restore(child, line, routers):
    """Undo what a line changed on purpose: failover takes a link down, a
    capture start starts a capture."""
    words = line.split()
    if words[:2] == ['capture', 'start']:
        answer(child, 'capture stop', routers)
    if words[0] == 'failover' and len(words) in (1, 3):
        a, b = words[1:] or ('r1', 'r2')
        if a in routers and b in routers:
            answer(child, 'link %s %s up' % (a, b), routers)


def test_commands_that_read_a_node_pair_are_told_by_their_usage():
    """Unit: which commands the fuzz gives every pair (a usage that loses
    its second word would lose them)."""
    assert sorted(c for c in USAGE if reads_a_node_pair(USAGE[c])) == \
        ['bgp', 'birdc', 'capture', 'failover', 'fetch', 'path', 'vtysh', 'why']


def test_fuzz_the_bgp3_prompt(tmp_path):
    """Ours with every argument class; Mininet's own with the single ones
    (their node handling is Mininet's, and a pair is just two more words)."""
    fuzz('bgp3', [('capture start', capture_arguments), ('capture stop', one_pair_arguments)] +
         [(c, arguments_for(c)) for c in OURS] + [(c, single_arguments) for c in MININETS],
         tmp_path)


def test_fuzz_the_hijack_prompt(tmp_path):
    """Ours again, with the rogue among the nodes, and the scenario's own
    commands; pairs only with the rogue in them."""
    fuzz('bgp3,hijack=1', [(c, arguments_for(c, rogue_pair_arguments))
                           for c in OURS + SCENARIO], tmp_path)
