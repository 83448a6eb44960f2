"""A broken environment or a stale lab ends in one sentence and a non-zero
exit before anything is built (integration), and the checks behind that
(unit, faked surroundings)."""

import os
import shutil
import subprocess
import tempfile

import pytest

from bgptopo import containers, lifecycle, preflight
from bgptopo.routing.frr import install as suite
from bgptopo.errors import LabError
from conftest import MN, QUESTION, REPO


def run_mn(*extra, env=None):
    return subprocess.run(MN + ['bgp3', '--test', 'fetch'] + list(extra), cwd=REPO,
                          timeout=120, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True)


def sentence(output):
    lines = [l for l in output.splitlines() if l.startswith('*** bgptopo:')]
    assert len(lines) == 1, output
    assert 'Traceback' not in output
    return lines[0]


@pytest.mark.integration
def test_docker_engine_unreachable():
    env = dict(os.environ, DOCKER_HOST='unix:///nonexistent/docker.sock')
    run = run_mn(env=env)
    assert run.returncode == 2
    assert 'The Docker engine is not running' in sentence(run.stdout)


def make_container(owner):
    """A container labelled as owned by owner (a lab's pid:start-time)."""
    api = containers.client().api
    return api.create_container('bgptopo/host', name=containers.container_name('host'),
                                labels={containers.LABEL: owner},
                                host_config=api.create_host_config(network_mode='none'))['Id']


def dead_pid():
    child = subprocess.Popen(['true'])
    child.wait()
    return child.pid


@pytest.mark.integration
def test_a_missing_image_is_built_with_progress():
    subprocess.run(['docker', 'rmi', '-f', 'bgptopo/rogue'], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=True)
    run = subprocess.run(MN + ['bgp3,hijack=1', '--test', 'fetch'], cwd=REPO, timeout=300,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         universal_newlines=True)
    assert run.returncode == 0, run.stdout
    assert '*** Building bgptopo/rogue from dockerfiles/rogue' in run.stdout
    assert 'Successfully tagged bgptopo/rogue' in run.stdout


@pytest.mark.integration
def test_stale_container_of_a_dead_lab_is_removed_at_start():
    make_container(lifecycle.owner_token(dead_pid()))
    run = run_mn()
    assert run.returncode == 0, run.stdout
    assert containers.lab_containers(containers.client()) == []


@pytest.mark.integration
def test_a_dead_lab_whose_pid_was_reused_is_recognised():
    """The label's pid runs (this very process), but it started at another
    time than the lab that made the container: the lab is dead."""
    pid = os.getpid()
    make_container('%d:%d' % (pid, lifecycle.start_time(pid) - 1))
    run = run_mn()
    assert run.returncode == 0, run.stdout
    assert containers.lab_containers(containers.client()) == []


@pytest.mark.integration
def test_a_running_lab_is_left_alone():
    lifecycle.claim()       # this test process plays the live lab
    container = make_container(lifecycle.owner_token())
    try:
        run = run_mn()
        assert run.returncode == 2
        assert ('Another bgptopo lab (process %d) is running' % os.getpid()) in sentence(run.stdout)
        assert containers.exists(containers.client().api, container)
    finally:
        containers.remove_container(containers.client().api, container)
        lifecycle.release()
    assert not lifecycle.holds_lock()


@pytest.mark.integration
def test_two_labs_started_together_one_runs_one_is_told():
    runs = [subprocess.Popen(MN + ['bgp3', '--test', 'fetch'], cwd=REPO,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             universal_newlines=True) for _ in range(2)]
    outputs = [run.communicate(timeout=120)[0] for run in runs]
    codes = sorted(run.returncode for run in runs)
    assert codes == [0, 2], outputs
    winner, loser = sorted(runs, key=lambda run: run.returncode)
    assert QUESTION.strip() in outputs[runs.index(winner)]
    assert ('Another bgptopo lab (process %d) is running' % winner.pid) in \
        sentence(outputs[runs.index(loser)])
    assert containers.lab_containers(containers.client()) == []


@pytest.fixture
def readable_copy():
    """The package where nobody can read it (the checkout may be root's only)."""
    top = tempfile.mkdtemp(prefix='bgptopo-nobody.', dir='/tmp')
    os.chmod(top, 0o755)
    shutil.copytree(os.path.join(REPO, 'bgptopo'), os.path.join(top, 'bgptopo'),
                    ignore=shutil.ignore_patterns('__pycache__'))
    yield top
    shutil.rmtree(top)


@pytest.mark.integration
def test_not_root(readable_copy):
    run = subprocess.run(['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups',
                          '/usr/bin/python3', '-m', 'bgptopo', '--test', 'fetch'],
                         cwd=readable_copy, timeout=60, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, universal_newlines=True)
    assert run.returncode == 1
    assert run.stdout.strip().splitlines()[-1] == (
        '*** bgptopo: bgptopo must run as root: it makes network namespaces and starts '
        'routers; run it with sudo.')


def nothing_built(run):
    """mn stopped before the network: no node made, no container left."""
    return '*** Creating network' not in run.stdout and \
        containers.lab_containers(containers.client()) == []


@pytest.fixture
def root_outside_frrvty():
    """root taken out of group frrvty for the test, and put back whatever happens."""
    subprocess.run(['gpasswd', '-d', 'root', 'frrvty'], check=True,
                   stdout=subprocess.DEVNULL)
    try:
        yield
    finally:
        subprocess.run(['usermod', '-a', '-G', 'frrvty', 'root'], check=True)


@pytest.mark.integration
def test_root_outside_the_vty_group(root_outside_frrvty):
    run = run_mn()
    assert run.returncode == 2
    assert sentence(run.stdout) == (
        '*** bgptopo: FRR refuses to run its daemons for root, which is not in group '
        'frrvty; run ./setup.sh or usermod -a -G frrvty root.')
    assert nothing_built(run)


@pytest.mark.integration
def test_no_routing_suite_where_the_lab_looks(tmp_path):
    """BGPTOPO_SUITE_DIRS points the daemon lookup at an empty folder."""
    run = run_mn(env=dict(os.environ, **{suite.DIRS_VARIABLE: str(tmp_path)}))
    assert run.returncode == 2
    assert sentence(run.stdout) == (
        '*** bgptopo: No zebra and bgpd in %s (BGPTOPO_SUITE_DIRS names where to look); '
        'point it at the folder that holds them, or unset it to use /usr/lib/frr.' % tmp_path)
    assert nothing_built(run)


def test_suite_dirs_name_the_suites_in_order(monkeypatch):
    monkeypatch.setenv(suite.DIRS_VARIABLE, '/opt/quagga/lib::/usr/local/lib/frr')
    assert [(s.name, s.daemon_dir) for s in suite.candidates()] == [
        ('Quagga', '/opt/quagga/lib'), ('FRR', '/usr/local/lib/frr')]
    monkeypatch.delenv(suite.DIRS_VARIABLE)
    assert suite.candidates() == [suite.FRR, suite.QUAGGA]


def test_interface_missing_from_the_topology():
    with pytest.raises(LabError) as failure:
        preflight.check_interfaces('r1', {'r1-eth0': [], 'r1-eth7': []}, ['r1-eth0', 'r1-eth1'])
    assert str(failure.value) == ('r1: zebra.conf configures r1-eth7, but r1 has only r1-eth0, '
                                  'r1-eth1; fix the interface name in etc/quagga/r1/zebra.conf.')


def test_lab_error_during_mn_build_exits_non_zero(monkeypatch):
    """mn ends a failed build with status 0; our cleanup hook makes it 1."""
    from bgptopo import mnplugin
    monkeypatch.setattr(lifecycle, 'claim', lambda: None)
    monkeypatch.setattr(containers, 'client', lambda: None)
    monkeypatch.setattr(containers, 'remove_leftovers', lambda client: [])
    monkeypatch.setattr(mnplugin.generated, 'remove_stale_dirs', lambda: None)
    try:
        raise LabError('r1: zebra exited at start')
    except LabError:
        with pytest.raises(SystemExit) as leaving:
            mnplugin.end_lab_in_cleanup()
    assert leaving.value.code == 1
    mnplugin.end_lab_in_cleanup()    # outside a failure: no exit
