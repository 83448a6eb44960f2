"""Shared fixtures: the repository on sys.path, and the lab built once per
module on the real stack (Docker containers, FRR daemons, namespaces)."""

import os
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from bgptopo.paths import QUESTION_PAGE  # noqa: E402

with open(QUESTION_PAGE) as _page:
    QUESTION = _page.read()     # the page the web server serves

TOPO_FILE = os.path.join(REPO, 'bgptopo', 'topo.py')
MN = ['mn', '--custom', TOPO_FILE, '--topo']


def pytest_collection_modifyitems(items):
    """Integration tests need root; say so instead of failing obscurely."""
    if os.geteuid() == 0:
        return
    skip = pytest.mark.skip(reason='integration tests need root (run ./setup.sh test as root)')
    for item in items:
        if 'integration' in item.keywords:
            item.add_marker(skip)


def build_lab(converge=True, **params):
    """A started bgp3 lab, converged unless told not to wait; the caller stops it."""
    from mininet.net import Mininet
    from bgptopo import convergence
    from bgptopo.topo import Bgp3Topo
    net = Mininet(topo=Bgp3Topo(**params), controller=None)
    try:
        net.start()
        if converge:
            convergence.wait(net)
    except BaseException:
        net.stop()
        raise
    return net


def bgpd_overlay(tmp_path, router, *replacements):
    """An etc overlay whose only file is router's bgpd.conf, each (old, new)
    of replacements applied; the other files come from etc/quagga."""
    with open(os.path.join(REPO, 'etc', 'quagga', router, 'bgpd.conf')) as original:
        text = original.read()
    for old, new in replacements:
        assert old in text
        text = text.replace(old, new)
    os.makedirs(str(tmp_path / router))
    (tmp_path / router / 'bgpd.conf').write_text(text)
    return str(tmp_path)


@pytest.fixture(scope='module')
def lab():
    net = build_lab()
    yield net
    net.stop()
