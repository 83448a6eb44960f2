"""The classic prefix hijack, staged on the running lab (`--topo bgp3,hijack=1`).

R3 (AS 65000), with a rogue web server on r3-eth2, announces the web
server's 12.0.0.0/24 as its own: `exact` (the same /24: wins at R1 only on a
tie-break, here R1's lower-router-id rule) or `specific` (the two /25 halves:
longest match wins wherever they are accepted). `defend on` makes R1 drop
what RPKI route origin validation finds Invalid: a ROA says 12.0.0.0/24
(maximum length 24) belongs to AS 55000."""

import os
import re

from bgptopo import lab, procs
from bgptopo.errors import LabError
from bgptopo.paths import HIJACK_DIR

ROGUE_IP = '12.0.0.1/24'            # the real web server's own address
ROGUE_GATEWAY = '12.0.0.254'        # what the attacker puts on r3-eth3
ROGUE_INTF = 'r3-eth2'
VARIANTS = {'exact': ['12.0.0.0/24'], 'specific': ['12.0.0.0/25', '12.0.0.128/25']}
HALVES = [(40, '12.0.0.0/25'), (41, '12.0.0.128/25')]
ATTACKER, VICTIM = 'r3', 'r1'
ROAS = os.path.join(HIJACK_DIR, 'roas.json')
RPKI_TIMEOUT = 15
ROA_COUNT = re.compile(r'Number of IPv4 Prefixes: (\d+)')


def require_scenario(net):
    """hijack and defend act on the hijack lab's rogue and RPKI-validating r1."""
    if 'rogue' not in net:
        raise LabError('this lab has no rogue server and no RPKI on r1 (hijack and defend '
                       'need them); start it with --topo bgp3,hijack=1.')


def start(net, variant='specific'):
    """R3 announces the web server's prefix (or its halves) as its own."""
    require_scenario(net)
    if variant not in VARIANTS:
        raise LabError('%s is no variant of the hijack; the variants are %s.'
                       % (variant, ' and '.join(sorted(VARIANTS))))
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


def rpki_params():
    """R1's parameters in the scenario: bgpd with its RPKI module, and an
    RPKI-to-router cache serving the lab's ROAs (etc/quagga/hijack/roas.json)."""
    return {'modules': {'bgpd': ['rpki']}, 'rtr_cache': ROAS}


def rpki_loaded(router, timeout=RPKI_TIMEOUT):
    """Wait until router's RPKI table holds the ROAs: before that, every
    route is Not found and nothing would be dropped."""
    def count():
        found = ROA_COUNT.search(router.vtysh('show rpki prefix-table'))
        return int(found.group(1)) if found else 0     # not connected yet: no count
    loaded = procs.wait_until(lambda: count() > 0, timeout, interval=0.2)
    if not loaded:
        raise LabError("%s's RPKI table is still empty after %d s; see `vtysh %s show rpki "
                       "cache-connection`." % (router.name, timeout, router.name))


def defend(net, on=True):
    """R1 drops routes that RPKI finds Invalid: a prefix announced by an AS
    no ROA authorises (12.0.0.0/24 and its parts belong to AS 55000). Only
    the hijack lab's r1 validates origins: elsewhere, say so at once."""
    require_scenario(net)
    victim = lab.router(net, VICTIM)
    if on:
        rpki_loaded(victim)
        commands = ['configure terminal']
        for route_map in ('FROM-R2', 'FROM-R3'):
            commands += ['route-map %s deny 5' % route_map, 'match rpki invalid', 'exit']
    else:
        commands = ['configure terminal', 'no route-map FROM-R2 deny 5',
                    'no route-map FROM-R3 deny 5']
    # routes accepted before the change are judged again
    victim.vtysh(*commands + ['end', 'clear ip bgp * soft in'])
