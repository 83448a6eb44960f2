"""Stage cases of tests/cases/ on the real lab and compare what the real
`why` and `check` say with their expected.txt: how a case is known to hold
of real FRR, kernels and containers, not only of tests/fakelab.py. Builds
real labs: as root, under the shared lock, from the repository:

    flock /tmp/bgptopo-itest.lock /usr/bin/python3 tests/realcases.py [CASE ...]

A case is staged from its topo and config folder (as the fake builds it),
then the lines of its `real lab:` list are typed into the lab's own prompt
(link, hijack, converge, py ...). Each case's questions are asked until the
answers are the expected ones or DEADLINE passes; it prints MATCH or the
lines that differ. A case with neither configs of its own nor a `real lab`
list is skipped: nothing would stage it."""

import difflib
import os
import sys
import tempfile
import time

TESTS_DIR = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [TESTS_DIR, os.path.dirname(TESTS_DIR)]    # tests/, and the repository

import fakelab
from bgptopo import procs
from bgptopo.cli import BgpCLI
from bgptopo.preparation import prepare
from test_cases import ask

DEADLINE = 40       # seconds: a hold time (9 s) and a few connect retries


def stageable(case):
    return bool(case.config_files() or 'exercise=' in case.data.get('topo', '') or
                case.name == fakelab.SOLVED or case.data.get('real lab'))


def type_at_prompt(net, lines):
    """Run lines as if typed at the lab's mininet> prompt."""
    if not lines:
        return
    with tempfile.NamedTemporaryFile('w', suffix='.txt') as script:
        script.write('\n'.join(lines) + '\n')
        script.flush()
        BgpCLI(net, script=script.name)


def answers(net, case):
    return [(question, ask(net, question)) for question, _ in case.questions()]


def run(case):
    """(True, seconds) once the real lab answers as expected; else (False, the diff)."""
    from mininet.net import Mininet
    net = Mininet(topo=prepare(case.topology()), controller=None)
    try:
        net.start()
        start = time.monotonic()
        type_at_prompt(net, case.data.get('real lab') or [])
        expected = case.questions()
        if procs.wait_until(lambda: answers(net, case) == expected, DEADLINE, interval=0.5):
            return True, time.monotonic() - start
        found = answers(net, case)
    finally:
        net.stop()
    return False, '\n'.join(difflib.unified_diff(
        ['%s: %s' % qa for qa in expected], ['%s: %s' % qa for qa in found],
        'expected', 'real lab', lineterm=''))


def main(names):
    for name in names or fakelab.case_names():
        case = fakelab.Case(name)
        if not stageable(case):
            print('%-24s SKIPPED (no configs of its own, no `real lab` list)' % name)
            continue
        matched, outcome = run(case)
        print('%-24s %s' % (name, 'MATCH after %.1f s' % outcome if matched else 'DIFFERS'))
        if not matched:
            print(outcome)
        sys.stdout.flush()


if __name__ == '__main__':
    main(sys.argv[1:])
