"""Unit tests: which solution a lab is graded against, and which
requirements a lab without a client and web server has."""

import os

from bgptopo import generated, grading, routing
from bgptopo.paths import ETC_DIR
from bgptopo.scenarios import exercise, hijack


class FakeRouter(object):
    routing = routing.suite('frr')

    def __init__(self, name, etc_dir):
        self.name, self.etc_dir = name, etc_dir


def test_bgp3_its_exercise_and_overlays_are_graded_against_etc_quagga(tmp_path):
    os.makedirs(str(tmp_path / 'r1'))
    (tmp_path / 'r1' / 'bgpd.conf').write_text('! a broken copy\n')
    for etc in (ETC_DIR, exercise.ETC, hijack.ETC, str(tmp_path)):
        assert grading.solution_dir(FakeRouter('r1', etc)) == ETC_DIR, etc


def test_a_generated_lab_is_graded_against_its_own_configs(monkeypatch, tmp_path):
    etc = generated.write_configs(4, generated.ring_links(4))
    routers = [FakeRouter('r%d' % i, etc) for i in range(1, 5)]
    for router in routers:     # r1..r3 exist in etc/quagga too: they must not be used
        assert grading.solution_dir(router) == etc
    lost = FakeRouter('r9', str(tmp_path))
    monkeypatch.setattr(grading.lab, 'routers', lambda net: routers + [lost])
    origins, unread = grading.solution_origins(None)
    assert {str(p): (r.name, asn) for p, (r, asn) in origins.items()} == {
        '10.1.%d.0/24' % i: ('r%d' % i, 65000 + i) for i in range(1, 5)}
    assert [(r.name, r.passed) for r in unread] == [('r9 has a solution to grade against',
                                                     False)]


def test_a_lab_without_client_and_web_server_has_no_fetch_requirements():
    class RingNet(object):
        def __contains__(self, name):
            return name.startswith('r')
    assert grading.fetch_requirements(RingNet()) == []
