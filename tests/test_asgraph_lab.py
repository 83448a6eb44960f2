"""Integration: an AS graph whose numbers and degrees look like the
Internet's builds and converges. A 6-digit ASN makes a router name
(as378239) whose stub interface plus a suffix passes Linux's 15 characters;
a dual-stack hub with 50 customers under BIRD (the lab sets its addresses,
bgptopo.router.kernel_batch) needs more addresses than one shell line holds."""

import bz2
import json

import pytest

from conftest import build_lab

pytestmark = pytest.mark.integration

HUB, CUSTOMERS = 378239, range(200001, 200051)


def star_file(tmp_path):
    lines = ['# inferred clique: %d' % HUB] + ['%d|%d|-1' % (HUB, asn) for asn in CUSTOMERS]
    path = tmp_path / 'star.as-rel.txt.bz2'
    path.write_bytes(bz2.compress(('\n'.join(lines) + '\n').encode()))
    return str(path)


def addresses(node):
    found = json.loads(node.cmd('ip -j addr show'))
    return {'%s/%d' % (a['local'], a['prefixlen']) for intf in found
            for a in intf['addr_info'] if a['scope'] == 'global'}


def test_a_six_digit_dual_stack_hub_with_fifty_customers_converges(tmp_path):
    # build_lab waits until every router routes every prefix it is owed
    net = build_lab(topology='asgraph', file=star_file(tmp_path), n=len(CUSTOMERS) + 1,
                    ipv6=1, suite='bird')
    try:
        hub = net['as%d' % HUB]
        planned = {str(address) for _, address in net.topo.plan.routers[hub.name].interfaces}
        assert planned <= addresses(hub)
        assert len(planned) > 2 * len(CUSTOMERS)
    finally:
        net.stop()
