"""The Containernet-API script (python3 -m bgptopo) builds the same lab as
mn (integration), offers the same --test functions, and a python without
mininet gets a sentence instead of a traceback."""

import subprocess

import pytest

from conftest import QUESTION, REPO


def run_script(*args, python=('/usr/bin/python3',)):
    return subprocess.run(list(python) + ['-m', 'bgptopo'] + list(args), cwd=REPO,
                          timeout=120, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True)


@pytest.mark.integration
def test_python_script_builds_the_same_lab():
    """The Containernet-API script (python3 -m bgptopo) fetches the same page."""
    run = run_script('--test', 'fetch')
    assert run.returncode == 0, run.stdout
    assert QUESTION.strip() in run.stdout


@pytest.mark.integration
def test_python_script_grades_the_lab():
    run = run_script('--test', 'check')
    assert run.returncode == 0, run.stdout
    assert 'score 14/14: all requirements met' in run.stdout


def test_a_python_without_mininet_gets_a_sentence():
    """-S leaves Debian's site packages (mininet among them) off the path,
    as a venv or pyenv python would."""
    run = run_script('--test', 'fetch', python=('/usr/bin/python3', '-S'))
    assert run.returncode == 1
    assert 'Traceback' not in run.stdout
    assert run.stdout.strip() == (
        "*** bgptopo: /usr/bin/python3 has no mininet; run the lab with Debian's python "
        "(sudo /usr/bin/python3 -m bgptopo) after ./setup.sh, or install Containernet "
        "into this python.")
