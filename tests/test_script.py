"""Integration: the Containernet-API script builds the same lab as mn."""

import subprocess

import pytest

from conftest import QUESTION, REPO

pytestmark = pytest.mark.integration


def test_python_script_builds_the_same_lab():
    """The Containernet-API script (python3 -m bgptopo) fetches the same page."""
    run = subprocess.run(['/usr/bin/python3', '-m', 'bgptopo', '--test', 'fetch'], cwd=REPO,
                         timeout=120, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         universal_newlines=True)
    assert run.returncode == 0, run.stdout
    assert QUESTION.strip() in run.stdout
