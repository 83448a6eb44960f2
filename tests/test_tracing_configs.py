"""Integration: `why` on a lab started from a broken config (its own lab)."""

import pytest

from bgptopo import procs, tracing
from conftest import bgpd_overlay, build_lab

pytestmark = pytest.mark.integration


def why_settles_on(etc, sentence):
    """True once `why` says sentence on a lab from etc; else what it says."""
    net = build_lab(converge=False, etc=etc)
    try:
        return procs.wait_until(lambda: tracing.why(net, 'host', 'webserver') == sentence,
                                10, interval=0.2) or tracing.why(net, 'host', 'webserver')
    finally:
        net.stop()


def test_why_names_a_missing_network_statement(tmp_path):
    etc = bgpd_overlay(tmp_path, 'r2', ('  network 12.0.0.0/24\n', ''))
    assert why_settles_on(etc, 'r2 has no `network 12.0.0.0/24` under address-family '
                               'ipv4 unicast') is True


def test_why_names_a_remote_as_mismatch(tmp_path):
    etc = bgpd_overlay(tmp_path, 'r1',
        ('neighbor 192.168.12.2 remote-as 55000', 'neighbor 192.168.12.2 remote-as 55001'),
        ('neighbor 192.168.13.3 remote-as 65000', 'neighbor 192.168.13.3 remote-as 65001'))
    assert why_settles_on(etc, 'r1 expects AS 55001 at 192.168.12.2, but r2 runs AS 55000') \
        is True


def test_why_names_a_wrong_neighbor_address(tmp_path):
    etc = bgpd_overlay(tmp_path, 'r1', ('neighbor 192.168.12.2 ', 'neighbor 192.168.12.9 '),
                       ('neighbor 192.168.13.3 ', 'neighbor 192.168.13.9 '))
    assert why_settles_on(etc, "r1's neighbor 192.168.12.9 is not r2's address on their "
                               "link (192.168.12.2)") is True


def test_why_names_the_import_filter_a_config_file_breaks(tmp_path):
    etc = bgpd_overlay(tmp_path, 'r1',
        ('FROM-R2 seq 10 permit 12.0.0.0/24', 'FROM-R2 seq 10 deny 12.0.0.0/24'),
        ('FROM-R3 seq 20 permit 12.0.0.0/24', 'FROM-R3 seq 20 deny 12.0.0.0/24'))
    assert why_settles_on(etc, "r1's import route-map FROM-R2 from r2 rejects 12.0.0.0/24: "
                               "no entry matches it (`permit 10`: prefix-list FROM-R2 seq 10 "
                               "denies it)") is True


def test_why_names_the_export_filter_a_config_file_breaks(tmp_path):
    etc = bgpd_overlay(tmp_path, 'r2',
                       ('LAB-NETS seq 30 permit 12.0.0.0/24', 'LAB-NETS seq 30 deny 12.0.0.0/24'))
    assert why_settles_on(etc, "r2's export route-map TO-PEERS toward r1 rejects 12.0.0.0/24: "
                               "no entry matches it (`permit 10`: prefix-list LAB-NETS seq 30 "
                               "denies it)") is True
