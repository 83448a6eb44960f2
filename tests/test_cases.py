"""Fast tests of the lab's reasoning: each folder of tests/cases/ is a lab
state (its routers' configs, what they would answer) and what `why` and
`check` must say of it (expected.txt). tests/fakelab.py builds a fake lab in
that state, and the lab's own code (tracing.why, grading, diagnose, policy,
the FRR suite) answers unchanged, in milliseconds."""

import pytest

import fakelab
from bgptopo import grading, tracing

CASES = fakelab.case_names()


def ask(net, question):
    """What the lab answers a question of expected.txt: `why SRC DST` (its
    sentence) or `check` (the report, graded once: nothing converges here)."""
    words = question.split()
    if words[0] == 'why' and len(words) == 3:
        return tracing.why(net, words[1], words[2])
    if words == ['check']:
        return grading.report(grading.check(net, timeout=0)).rstrip('\n')
    raise ValueError('expected.txt asks `%s`; a case asks `why SRC DST` or `check`' % question)


@pytest.mark.parametrize('name', CASES)
def test_the_lab_answers_as_expected(name):
    case = fakelab.Case(name)
    net = case.lab()
    for question, expected in case.questions():
        assert ask(net, question) == expected, question


@pytest.mark.parametrize('name', [name for name in CASES if name != fakelab.SOLVED])
def test_a_case_made_right_answers_otherwise(name):
    """The answers follow from the case, not from the fake: with its broken
    configs left out (etc/quagga's instead) and its `made right` changes to
    the running state, what the lab says must change."""
    case = fakelab.Case(name)
    assert case.breaks_something(), \
        '%s holds no config of its own and says nothing of how to make it right' % name
    net = case.lab(made_right=True)
    assert [ask(net, question) for question, _ in case.questions()] != \
        [expected for _, expected in case.questions()]


def test_the_cases_cover_every_family_of_diagnosis():
    assert {'solved', 'exercise', 'missing-network', 'remote-as-mismatch',
            'wrong-neighbor-address', 'no-router-bgp', 'bgpd-down', 'import-filter',
            'export-route-map-entry', 'not-reapplied', 'no-export-policy', 'as-path-loop',
            'link-down', 'session-down', 'hijack'} <= set(CASES)
