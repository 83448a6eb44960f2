"""Integration: `why` on a lab started from a broken config (its own lab)."""

import pytest

from bgptopo import procs, tracing
from conftest import build_lab
from test_grading import overlay

pytestmark = pytest.mark.integration


def test_why_names_a_missing_network_statement(tmp_path):
    net = build_lab(converge=False, etc=overlay(tmp_path, 'r2', '  network 12.0.0.0/24\n', ''))
    try:
        assert procs.wait_until(lambda: tracing.why(net, 'host', 'webserver') ==
                                'r2 has no `network 12.0.0.0/24` under address-family ipv4 '
                                'unicast', 10, interval=0.2)
    finally:
        net.stop()
