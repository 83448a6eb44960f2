"""The `bgptopo` command outside mn, and the Vagrantfile's static checks."""

import os
import subprocess
import time

import pytest

from bgptopo import console, containers, lifecycle
from conftest import REPO


def run_console(*args):
    return subprocess.run(['/usr/bin/python3', '-m', 'bgptopo.console'] + list(args), cwd=REPO,
                          timeout=120, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True)


def test_unknown_command_is_a_sentence():
    with pytest.raises(SystemExit) as leaving:
        console.main(['nope'])
    assert str(leaving.value).startswith("bgptopo: unknown command 'nope'; use one of: "
                                         "setup, run, render, clean, check.")


@pytest.mark.integration
def test_check_says_ok_for_each_requirement():
    run = run_console('check')
    assert run.returncode == 0, run.stdout
    lines = run.stdout.splitlines()
    assert len(lines) == 6 and all(line.startswith('OK ') for line in lines)


@pytest.mark.integration
def test_clean_removes_what_a_dead_lab_left():
    from test_environment import dead_pid, make_container
    make_container(lifecycle.owner_token(dead_pid()))
    run = run_console('clean')
    assert run.returncode == 0, run.stdout
    assert 'removed container bgptopo.host' in run.stdout
    assert containers.lab_containers(containers.client()) == []


def test_vagrantfile_is_valid_ruby():
    assert subprocess.run(['ruby', '-c', os.path.join(REPO, 'Vagrantfile')],
                          stdout=subprocess.PIPE).returncode == 0


def test_vagrant_validates_the_vagrantfile(tmp_path):
    env = dict(os.environ, VAGRANT_DOTFILE_PATH=str(tmp_path / 'dot'),
               VAGRANT_HOME=str(tmp_path / 'home'))
    run = subprocess.run(['vagrant', 'validate', '--ignore-provider'], cwd=REPO, env=env,
                         timeout=120, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         universal_newlines=True)
    assert 'Vagrantfile validated successfully.' in run.stdout, run.stdout


@pytest.mark.integration
def test_run_is_the_mn_line():
    run = run_console('run', '--test', 'fetch')
    assert run.returncode == 0, run.stdout
    assert 'Question:' in run.stdout


@pytest.mark.integration
def test_run_with_a_lab_file_opens_that_lab(tmp_path):
    """From another folder, with a relative path: the file is the lab."""
    lab = tmp_path / 'mine.yml'
    with open(os.path.join(REPO, 'examples', 'multihomed.yml')) as example:
        lab.write_text(example.read())
    run = subprocess.run(['/usr/bin/python3', '-m', 'bgptopo.console', 'run', 'mine.yml',
                          '--test', 'fetch'], cwd=str(tmp_path), timeout=120, text=True,
                         env=dict(os.environ, PYTHONPATH=REPO), stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
    assert run.returncode == 0, run.stdout
    assert 'Question:' in run.stdout and 'as400' in run.stdout


def test_render_without_a_folder_is_a_sentence():
    run = run_console('render', 'examples/bgp3.yml')
    assert run.returncode == 2
    assert run.stdout.startswith('bgptopo render: give the lab file and a folder')


COMMAND = '/usr/local/bin/bgptopo'     # the wrapper setup.sh installs for its checkout
READY = '*** Ready: mn --custom bgptopo/topo.py --topo bgp3'


@pytest.fixture
def command_kept():
    """setup.sh points the machine's bgptopo command at the checkout it runs
    from: put back the one there was."""
    try:
        with open(COMMAND) as wrapper:
            kept = wrapper.read()
    except FileNotFoundError:
        kept = None
    try:
        yield
    finally:
        if kept is None:
            os.remove(COMMAND)
        else:
            with open(COMMAND, 'w') as wrapper:
                wrapper.write(kept)


@pytest.mark.integration
def test_setup_then_a_second_setup_skips_everything_offline(command_kept):
    """`bgptopo setup` runs the install step; run again (without any network,
    in a namespace of its own) it finds everything done, says only that the
    lab is ready and takes seconds."""
    first = run_console('setup')
    assert first.returncode == 0, first.stdout
    assert first.stdout.splitlines()[-1] == READY
    started = time.monotonic()
    second = subprocess.run(['unshare', '--net', './setup.sh'], cwd=REPO, timeout=60,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            universal_newlines=True)
    assert second.returncode == 0, second.stdout
    assert second.stdout.splitlines() == [READY]
    assert time.monotonic() - started < 10
