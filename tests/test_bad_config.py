"""Integration: a config the daemon rejects stops the lab before anything is built."""

import shutil
import subprocess

import pytest

from bgptopo import containers
from conftest import MN, REPO

pytestmark = pytest.mark.integration


@pytest.fixture
def broken_etc(tmp_path):
    etc = tmp_path / 'quagga'
    shutil.copytree(REPO + '/etc/quagga', str(etc))
    conf = etc / 'r2' / 'bgpd.conf'
    conf.write_text(conf.read_text().replace(
        'neighbor 192.168.23.3 remote-as 65000', 'neighbor 192.168.23.3 remote-az 65000'))
    return etc


def test_rejected_config_names_router_file_line_and_message(broken_etc):
    run = subprocess.run(MN + ['bgp3,etc=%s' % broken_etc, '--test', 'fetch'], timeout=60,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         universal_newlines=True)
    assert run.returncode == 2
    conf = broken_etc / 'r2' / 'bgpd.conf'
    number = conf.read_text().splitlines().index(' neighbor 192.168.23.3 remote-az 65000') + 1
    line = [l for l in run.stdout.splitlines() if l.startswith('*** bgptopo:')]
    assert len(line) == 1
    assert line[0].startswith('*** bgptopo: r2: bgpd rejects %s line %d '
                              '"neighbor 192.168.23.3 remote-az 65000": ' % (conf, number))
    assert 'Traceback' not in run.stdout and '*** Creating network' not in run.stdout
    assert containers.lab_containers(containers.client()) == []
