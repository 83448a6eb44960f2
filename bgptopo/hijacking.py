"""The classic prefix hijack, staged on the running lab (`--topo bgp3,hijack=1`).

R3 (AS 65000), with a rogue web server on r3-eth2, announces the web
server's 12.0.0.0/24 as its own: `exact` (the same /24: wins at R1 only on a
tie-break, here R1's lower-router-id rule) or `specific` (the two /25 halves:
longest match wins wherever they are accepted). `defend on` gives R1 origin
validation by filters: any route inside 12.0.0.0/24 must originate in AS 55000."""

from bgptopo import lab
from bgptopo.errors import LabError

ROGUE_IP = '12.0.0.1/24'            # the real web server's own address
ROGUE_GATEWAY = '12.0.0.254'        # what the attacker puts on r3-eth3
ROGUE_INTF = 'r3-eth2'
VICTIM_PREFIX = '12.0.0.0/24'
VARIANTS = {'exact': ['12.0.0.0/24'], 'specific': ['12.0.0.0/25', '12.0.0.128/25']}
HALVES = [(40, '12.0.0.0/25'), (41, '12.0.0.128/25')]
ATTACKER, VICTIM, ORIGIN_AS = 'r3', 'r1', 55000


def require_scenario(net):
    if 'rogue' not in net:
        raise LabError('this lab has no rogue server; start it with --topo bgp3,hijack=1.')


def start(net, variant='specific'):
    """R3 announces the web server's prefix (or its halves) as its own."""
    require_scenario(net)
    if variant not in VARIANTS:
        raise LabError('usage: hijack start [exact|specific]')
    stop(net)
    commands = ['configure terminal', 'interface %s' % ROGUE_INTF,
                'ip address %s/24' % ROGUE_GATEWAY, 'exit',
                # the /25s exist in no RIB: announce them anyway
                'router bgp 65000', 'no bgp network import-check',
                'address-family ipv4 unicast']
    commands += ['network %s' % prefix for prefix in VARIANTS[variant]]
    # r3's export filter passes the lab's /24s only: let the halves out too
    # (as entries of their own: here, with FRR 8.4, removing a
    # `12.0.0.0/24 ge 25 le 25` entry left r3 no longer exporting the plain /24)
    commands += ['exit', 'exit'] + ['ip prefix-list LAB-NETS seq %d permit %s' % seq_prefix
                                    for seq_prefix in HALVES]
    net[ATTACKER].vtysh(*commands)


def stop(net):
    """R3 withdraws every hijacked announcement and unplugs the rogue.
    vtysh stops at the first command that fails, so only what the running
    config holds is removed."""
    require_scenario(net)
    attacker = net[ATTACKER]
    running = [line.strip() for line in attacker.vtysh('show running-config').splitlines()]
    hijacked = [p for variant in VARIANTS.values() for p in variant
                if 'network %s' % p in running]
    commands = ['configure terminal', 'router bgp 65000', 'address-family ipv4 unicast']
    commands += ['no network %s' % p for p in hijacked]
    commands += ['exit', 'exit']
    commands += ['no ip prefix-list LAB-NETS seq %d permit %s' % seq_prefix
                 for seq_prefix in HALVES
                 if 'ip prefix-list LAB-NETS seq %d permit %s' % seq_prefix in running]
    if 'ip address %s/24' % ROGUE_GATEWAY in running:
        commands += ['interface %s' % ROGUE_INTF, 'no ip address %s/24' % ROGUE_GATEWAY]
    attacker.vtysh(*commands)


def defend(net, on=True):
    """R1 accepts routes inside 12.0.0.0/24 only when AS 55000 originates them."""
    victim = lab.router(net, VICTIM)
    if on:
        commands = ['configure terminal',
                    'bgp as-path access-list NOT-FROM-%d seq 5 deny _%d$' % (ORIGIN_AS, ORIGIN_AS),
                    'bgp as-path access-list NOT-FROM-%d seq 10 permit .*' % ORIGIN_AS,
                    'ip prefix-list WEB-NETS seq 5 permit %s le 32' % VICTIM_PREFIX]
        for route_map in ('FROM-R2', 'FROM-R3'):
            commands += ['route-map %s deny 5' % route_map,
                         'match ip address prefix-list WEB-NETS',
                         'match as-path NOT-FROM-%d' % ORIGIN_AS, 'exit']
    else:
        commands = ['configure terminal', 'no route-map FROM-R2 deny 5',
                    'no route-map FROM-R3 deny 5']
    # routes accepted before the change are judged again
    victim.vtysh(*commands + ['end', 'clear ip bgp * soft in'])
