"""Integration: mn itself on BIRD and mixed labs, and the sentences a wrong
suite choice gets (each a fresh mn; no other lab may run meanwhile, so
these are not in test_suites.py, whose labs live for its whole module)."""

import os
import shutil
import subprocess

import pytest

from conftest import MN, QUESTION, REPO

pytestmark = pytest.mark.integration


def test_a_generated_ring_converges_on_bird():
    run = subprocess.run(MN + ['bgpring,n=4,suite=bird', '--test', 'converged'], cwd=REPO,
                         timeout=120, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         universal_newlines=True)
    assert run.returncode == 0 and '*** BGP converged in' in run.stdout, run.stdout


@pytest.mark.parametrize('topo', ['bgp3,suite=bird', 'bgp3,bird=r2'])
def test_mn_fetches_the_question_through_bird_routers(topo):
    run = subprocess.run(MN + [topo, '--test', 'fetch'], cwd=REPO, timeout=120,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         universal_newlines=True)
    assert run.returncode == 0, run.stdout
    assert QUESTION.strip() in run.stdout


@pytest.mark.parametrize('topo, sentence', [
    ('bgp3,suite=quagga', 'quagga is no routing suite; the suites are bird, frr'),
    ('bgp3,bird=r9', 'bird=r9 names r9, which is no router of this lab'),
])
def test_a_wrong_suite_is_one_sentence_and_exit_2(topo, sentence):
    run = subprocess.run(MN + [topo, '--test', 'fetch'], cwd=REPO, timeout=60,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         universal_newlines=True)
    assert run.returncode == 2 and sentence in run.stdout, run.stdout
    assert 'Traceback' not in run.stdout


def test_a_bird_conf_bird_rejects_stops_the_lab_before_it_is_built(tmp_path):
    etc = tmp_path / 'etc'
    shutil.copytree(os.path.join(REPO, 'etc', 'bird'), str(etc))
    conf = etc / 'r2' / 'bird.conf'
    conf.write_text(conf.read_text().replace('local as 55000;', 'local as 55000'))
    run = subprocess.run(MN + ['bgp3,suite=bird,etc=%s' % etc, '--test', 'fetch'], cwd=REPO,
                         timeout=60, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         universal_newlines=True)
    assert run.returncode == 2, run.stdout
    assert 'r2: BIRD rejects %s line' % conf in run.stdout, run.stdout
