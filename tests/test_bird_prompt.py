"""Integration: a mixed lab at the mininet> prompt (r1 on FRR, r2 and r3 on
BIRD), as a user types: each command answers for each router in its own
suite's terms, each router's own CLI is reached by its own name, and a
command aimed at the wrong suite is one sentence."""

import pytest

from conftest import QUESTION, REPO, close_prompt, open_prompt
from test_mn import ask, json_of

pytestmark = pytest.mark.integration


@pytest.fixture(scope='module')
def prompt():
    child = open_prompt('bgp3,bird=r2+r3', REPO)
    assert 'BGP converged' in ask(child, 'converge')
    yield child
    close_prompt(child)


def no_bug(text):
    return 'Traceback' not in text and 'unexpectedly' not in text


def test_bgp_shows_each_router_in_its_suite_terms(prompt):
    text = ask(prompt, 'bgp')
    assert '*** r1 (AS 4500, FRR)' in text and '*** r2 (AS 55000, BIRD)' in text
    assert 'Total number of neighbors 2' in text        # FRR's summary
    assert 'Proto' in text and 'Established' in text    # BIRD's protocol table
    assert '12.0.0.0/24' in ask(prompt, 'bgp r2 route')
    sessions = json_of(ask(prompt, 'bgp r2 --json'))
    assert sessions['r2']['192.168.12.1']['state'] == 'Established'


def test_each_router_has_its_own_cli(prompt):
    assert 'Router ID is 12.0.0.254' in ask(prompt, 'birdc r2 show status')
    assert 'r1 runs FRR, which has no birdc; use `vtysh r1`.' in ask(prompt, 'birdc r1 show status')
    assert 'r2 runs BIRD, which has no vtysh; use `birdc r2`.' in ask(prompt, 'vtysh r2 show bgp')
    prompt.sendline('birdc r3')
    prompt.expect('bird> ')
    prompt.sendline('show protocols')
    prompt.expect('Established')
    prompt.sendline('quit')
    prompt.expect('mininet> ')


def test_the_lab_works_and_is_graded_across_suites(prompt):
    assert QUESTION.strip() in ask(prompt, 'fetch').replace('\r\n', '\n')
    assert 'nothing is broken' in ask(prompt, 'why')
    path = ask(prompt, 'path')
    assert 'r2 AS 55000' in path and no_bug(path)
    assert 'score 14/14' in ask(prompt, 'check')


def test_restarting_a_bird_router_and_converging_again(prompt):
    assert '*** r2: bird restarted' in ask(prompt, 'restart r2')
    assert 'BGP converged' in ask(prompt, 'converge')
    assert QUESTION.strip() in ask(prompt, 'fetch').replace('\r\n', '\n')
