"""What a router received from a peer and what it kept, read from its bgpd:
a test of a filter proves the route arrived and was rejected, not merely
that it is absent (it might never have been sent)."""

from contextlib import contextmanager

from bgptopo import procs

R1_AS, R3_AT_R1 = 4500, '192.168.13.3'     # r1's AS; r3's address on the r1-r3 link
SETTLE = 10     # seconds for BGP to carry an announcement or a withdrawal


@contextmanager
def keeping_received_routes(router, asn, peer):
    """router keeps a copy of everything peer sends, before its import policy
    (soft-reconfiguration inbound), while the block runs; removed after."""
    def soft_reconfiguration(prefix=''):
        router.vtysh('configure terminal', 'router bgp %d' % asn, 'address-family ipv4 unicast',
                     '%sneighbor %s soft-reconfiguration inbound' % (prefix, peer))
    soft_reconfiguration()
    try:
        yield
    finally:
        soft_reconfiguration('no ')


def received_path(router, peer, prefix):
    """The AS path of prefix as peer sent it to router (before policy), or None."""
    received = router.vtysh_json('show ip bgp neighbors %s received-routes json' % peer)
    return received.get('receivedRoutes', {}).get(prefix, {}).get('path')


def wait_received(router, peer, prefix, as_path):
    """True once router has received prefix from peer with as_path (within SETTLE)."""
    return procs.wait_until(lambda: received_path(router, peer, prefix) == as_path,
                            SETTLE, interval=0.1)


def table_paths(router, prefix, peer=None, as_path=None):
    """The paths router's BGP table holds for exactly prefix (after policy),
    those from peer with as_path if given."""
    entry = router.vtysh_json('show ip bgp %s json' % prefix)
    paths = entry.get('paths', []) if entry.get('prefix') == prefix else []
    return [p for p in paths
            if (peer is None or p.get('peer', {}).get('peerId') == peer)
            and (as_path is None or p.get('aspath', {}).get('string') == as_path)]
