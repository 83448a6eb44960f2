"""Unit tests: FRR's filters judged on a prefix, and on which side of a
session a route is lost, from running configs and tables of fake routers."""

import ipaddress
import json
import shlex

from bgptopo import policy, routing
from bgptopo.routing.frr import policy as frr_policy

R1_RUNNING = '''Current configuration:
!
router bgp 4500
 neighbor 192.168.12.2 remote-as 55000
 neighbor 192.168.13.3 remote-as 65000
 neighbor 192.168.14.4 remote-as 65004
 neighbor PEERS peer-group
 neighbor 192.168.15.5 peer-group PEERS
 !
 address-family ipv4 unicast
  network 10.0.0.0/24
  neighbor 192.168.12.2 route-map FROM-R2 in
  neighbor 192.168.12.2 route-map TO-PEERS out
  neighbor 192.168.13.3 route-map FROM-R3 in
  neighbor 192.168.13.3 prefix-list EDGE in
  neighbor PEERS route-map TO-PEERS out
 exit-address-family
exit
!
ip prefix-list FROM-R2 seq 10 deny 12.0.0.0/24
ip prefix-list FROM-R2 seq 20 permit 11.0.0.0/24
ip prefix-list FROM-R3 seq 10 permit 12.0.0.0/24 le 25
ip prefix-list EDGE seq 5 permit any
ip prefix-list LAB seq 10 permit 10.0.0.0/16 ge 24 le 24
!
route-map FROM-R2 permit 10
 match ip address prefix-list FROM-R2
exit
!
route-map FROM-R3 deny 5
 match rpki invalid
exit
!
route-map FROM-R3 permit 10
 match ip address prefix-list FROM-R3
exit
!
route-map TO-PEERS deny 5
exit
!
end
'''

P = ipaddress.ip_network


def test_prefix_lists_match_as_frr_does():
    rules = frr_policy.Policy(R1_RUNNING)
    assert rules.prefix_list_verdict('FROM-R2', P('12.0.0.0/24')) == (
        False, 'prefix-list FROM-R2 seq 10 denies it')
    assert rules.prefix_list_verdict('FROM-R2', P('11.0.0.0/24'))[0] is True
    assert rules.prefix_list_verdict('FROM-R2', P('11.0.0.0/25')) == (
        False, 'prefix-list FROM-R2 has no entry for it')       # exact length only
    assert rules.prefix_list_verdict('FROM-R3', P('12.0.0.128/25'))[0] is True
    assert rules.prefix_list_verdict('FROM-R3', P('12.0.0.0/26'))[0] is False
    assert rules.prefix_list_verdict('LAB', P('10.0.7.0/24'))[0] is True
    assert rules.prefix_list_verdict('LAB', P('10.0.0.0/16'))[0] is False   # ge 24
    assert rules.prefix_list_verdict('EDGE', P('1.2.3.0/24'))[0] is True   # any
    assert rules.prefix_list_verdict('NONE', P('1.2.3.0/24'))[0] is False


def test_route_maps_name_the_entry_that_decides():
    rules = frr_policy.Policy(R1_RUNNING)
    assert rules.route_map_verdict('FROM-R2', P('12.0.0.0/24')) == (
        False, 'no entry matches it (`permit 10`: prefix-list FROM-R2 seq 10 denies it)')
    assert rules.route_map_verdict('TO-PEERS', P('10.0.0.0/24')) == (
        False, 'its entry `deny 5` matches it')
    assert rules.route_map_verdict('FROM-R3', P('12.0.0.0/24')) == (
        None, 'its entry `deny 5` decides by `match rpki invalid`')
    assert rules.route_map_verdict('GONE', P('12.0.0.0/24'))[0] is False


def test_session_filters_in_frr_order_with_peer_groups():
    rules = frr_policy.Policy(R1_RUNNING)
    assert rules.filters('192.168.13.3', 'in') == [('prefix-list', 'EDGE'),
                                                   ('route-map', 'FROM-R3')]
    assert rules.filters('192.168.15.5', 'out') == [('route-map', 'TO-PEERS')]
    assert rules.filters('192.168.14.4', 'out') == []
    assert rules.requires_policy
    assert not frr_policy.Policy('router bgp 1\n no bgp ebgp-requires-policy\n').requires_policy


class FakeRouter(object):
    """Answers vtysh (run through its shell, as the FRR suite asks) like a
    running FRR router: a running config, a BGP table of best routes, what
    it advertises and keeps per neighbor."""

    routing = routing.suite('frr')

    def __init__(self, name, running, best, advertised=None, kept=None):
        self.name, self.running = name, running
        self.best, self.sent, self.kept = best, advertised or {}, kept or {}

    def bgp_running(self):
        return True

    def running_config(self):
        return self.routing.running_config(self)

    def cmd(self, line):
        words = shlex.split(line)
        assert words[0] == 'vtysh' and words[1] == '-c', line
        command = words[2]
        if command == 'show running-config':
            return self.running
        return json.dumps(self.vtysh_json(command))

    def vtysh_json(self, command):
        words = command.split()
        if command == 'show ip bgp json':
            return {'routes': {p: [{'bestpath': True, 'path': path}]
                               for p, path in self.best.items()}}
        if command == 'show bgp ipv6 unicast json':
            return {'routes': {}}
        if words[-2] == 'advertised-routes':
            return {'advertisedRoutes': {p: {'path': self.best[p]}
                                         for p in self.sent.get(words[4], [])}}
        return {'routes': {p: [{}] for p in self.kept.get(words[4], [])}}


R2_RUNNING = '''router bgp 55000
 address-family ipv4 unicast
  network 12.0.0.0/24
  neighbor 192.168.12.1 route-map TO-PEERS out
 exit-address-family
ip prefix-list LAB-NETS seq 30 deny 12.0.0.0/24
route-map TO-PEERS permit 10
 match ip address prefix-list LAB-NETS
'''
R1_ADDRESS, R2_ADDRESS = (ipaddress.ip_interface(a) for a in ('192.168.12.1/24',
                                                            '192.168.12.2/24'))


def test_a_route_held_but_not_advertised_is_lost_to_the_export_filter():
    r1 = FakeRouter('r1', R1_RUNNING, {})
    r2 = FakeRouter('r2', R2_RUNNING, {'12.0.0.0/24': '', '10.0.0.0/24': '4500'})
    assert policy.rejection(r1, r2, R1_ADDRESS, R2_ADDRESS, P('12.0.0.0/24')) == (
        "r2's export route-map TO-PEERS toward r1 rejects 12.0.0.0/24: no entry matches it "
        "(`permit 10`: prefix-list LAB-NETS seq 30 denies it)")
    # 10.0.0.0/24 went through r1 already (AS 4500 in its path): not a policy loss
    assert policy.rejection(r1, r2, R1_ADDRESS, R2_ADDRESS, P('10.0.0.0/24')) is None
    assert policy.rejection(r1, r2, R1_ADDRESS, R2_ADDRESS, P('11.0.0.0/24')) is None


def test_a_route_advertised_but_not_kept_is_lost_to_the_import_filter():
    r1 = FakeRouter('r1', R1_RUNNING, {})
    r2 = FakeRouter('r2', R2_RUNNING, {'12.0.0.0/24': ''},
                    advertised={'192.168.12.1': ['12.0.0.0/24']})
    assert policy.rejection(r1, r2, R1_ADDRESS, R2_ADDRESS) == (
        "r1's import route-map FROM-R2 from r2 rejects 12.0.0.0/24: no entry matches it "
        "(`permit 10`: prefix-list FROM-R2 seq 10 denies it)")
    r1.kept = {'192.168.12.2': ['12.0.0.0/24']}
    assert policy.rejection(r1, r2, R1_ADDRESS, R2_ADDRESS) is None


def test_a_loss_no_running_filter_explains_asks_to_reapply_the_policy():
    r1 = FakeRouter('r1', R1_RUNNING, {})
    r2 = FakeRouter('r2', R2_RUNNING.replace('deny 12.0.0.0/24', 'permit 12.0.0.0/24'),
                    {'12.0.0.0/24': ''})
    assert policy.rejection(r1, r2, R1_ADDRESS, R2_ADDRESS, P('12.0.0.0/24')) == (
        "r2's export policy toward r1 passes 12.0.0.0/24 now, yet it is lost there: the "
        "policy changed since it was applied (`vtysh r2 clear ip bgp 192.168.12.1 soft out` "
        "applies it again)")


def test_a_session_without_policy_sends_nothing():
    r1 = FakeRouter('r1', R1_RUNNING, {})
    r2 = FakeRouter('r2', 'router bgp 55000\n', {'12.0.0.0/24': ''})
    assert policy.rejection(r1, r2, R1_ADDRESS, R2_ADDRESS) == (
        'r2 has no export route-map (`neighbor 192.168.12.1 route-map NAME out`) toward r1; '
        'FRR sends an eBGP peer nothing without a policy')
    r2.best = {}
    assert policy.rejection(r1, r2, R1_ADDRESS, R2_ADDRESS) == \
        'r2 holds no route it could pass on to r1'
