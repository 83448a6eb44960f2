"""Integration: the package installed with pip into a fresh venv (that sees
Debian's packages, as Debian's python has no pip of its own) carries its
configs and Dockerfiles, and `bgptopo run --test fetch` works from another
folder."""

import os
import shutil
import subprocess

import pytest

from conftest import QUESTION, REPO

pytestmark = pytest.mark.integration


def installed_venv(tmp_path):
    """A venv with the checkout pip-installed into it (from a copy: pip
    builds in the source tree, which the checkout must not gain)."""
    source = tmp_path / 'source'
    shutil.copytree(REPO, str(source), ignore=shutil.ignore_patterns(
        '.git', '__pycache__', '.pytest_cache', 'results'))
    venv = tmp_path / 'venv'
    subprocess.run(['/usr/bin/python3', '-m', 'venv', '--system-site-packages', str(venv)],
                   check=True, timeout=120)
    subprocess.run([str(venv / 'bin' / 'pip'), 'install', '-q', '--no-build-isolation',
                    '--no-deps', str(source)], check=True, timeout=300)
    return venv


def test_the_pip_installed_package_runs_the_lab(tmp_path):
    venv = installed_venv(tmp_path)
    share = venv / 'share' / 'bgptopo'
    for shipped in ('etc/quagga/r1/bgpd.conf', 'dockerfiles/webserver/www/index.html',
                    'setup.sh'):
        assert (share / shipped).is_file(), shipped
    elsewhere = tmp_path / 'elsewhere'
    elsewhere.mkdir()
    run = subprocess.run([str(venv / 'bin' / 'bgptopo'), 'run', '--test', 'fetch'],
                         cwd=str(elsewhere), timeout=120, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, universal_newlines=True)
    assert run.returncode == 0, run.stdout
    assert QUESTION.strip() in run.stdout
    assert os.listdir(str(elsewhere)) == []
