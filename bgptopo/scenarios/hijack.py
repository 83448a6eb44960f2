"""The classic prefix hijack (`--topo bgp3,hijack=1`), staged on the running lab.

A rogue web server holding the web server's own address hangs off R3
(AS 65000), which then announces the web server's prefix as its own:
`exact` (the same prefix: wins at R1 only on a tie-break, here the naive
R1's lower-router-id rule) or `specific` (its two halves: longest match
wins wherever they are accepted). `defend on` makes R1 drop what RPKI
route origin validation finds Invalid: a ROA (etc/quagga/hijack/roas.json)
says 12.0.0.0/24, maximum length 24, belongs to AS 55000.

R1 starts from etc/quagga/hijack/r1/bgpd.conf (naive, with bgpd's rpki
module and an RPKI-to-router cache inside R1); the rogue is built from
dockerfiles/rogue. The scenario configures the routers through vtysh, so
it is FRR's. What it changes is found in the running lab, not written
here: R3's interface toward the rogue (their link), R1's import
route-maps and R3's export prefix-lists (their running configs), so a
renamed route-map or prefix-list is followed."""

import glob
import ipaddress
import json
import os
import re
import shutil

from bgptopo import journal, lab, procs, running
from bgptopo.errors import LabError
from bgptopo.images import WEBSERVER_IMAGE
from bgptopo.paths import ETC_DIR, router_conf, shown
from bgptopo.router import START_TIMEOUT
from bgptopo.routing.frr.config import parse_bgp
from bgptopo.routing.frr.policy import PrefixEntry, Policy, prefix_matches
from bgptopo.routing.frr.shell import running_config_text
from bgptopo.scenarios import Command, Misuse, Scenario

ETC = os.path.join(ETC_DIR, 'hijack')
ROAS = os.path.join(ETC, 'roas.json')
ROGUE_IMAGE = 'bgptopo/rogue'
ATTACKER, VICTIM, ROGUE = 'r3', 'r1', 'rogue'
VARIANTS = ('exact', 'specific')
RPKI_TIMEOUT = 15
ROA_COUNT = re.compile(r'Number of IPv4 Prefixes: (\d+)')
RPKI_CACHE = re.compile(r'^\s*rpki cache (\S+) (\d+)', re.MULTILINE)
CHANGES = 'bgptopo_hijack'     # the net's attribute: what `hijack start` changed on r3
IMPORT_CHECK_OFF = 'no bgp network import-check'


# The lab's description: the rogue behind r3, r1 validating origins.

def extend(topo):
    """The rogue claims the web server's address behind r3; r1's bgpd loads
    its rpki module, with an RPKI cache started before it."""
    victim = topo.nodeInfo(VICTIM)
    modules = dict(victim.get('modules') or {})
    modules['bgpd'] = list(modules.get('bgpd', ())) + ['rpki']
    victim['modules'] = modules
    victim.setdefault('before_daemons', []).append(start_rpki_cache)
    address = topo.nodeInfo(lab.WEB_SERVER)['ip']
    rogue = topo.addDockerHost(ROGUE, ROGUE_IMAGE, ip=address,
                               defaultRoute='via %s' % rogue_gateway(address))
    topo.addLink(ATTACKER, rogue)


def rogue_gateway(address):
    """The rogue's gateway: the last address of the subnet it shares with
    the web server (r3 takes it on at `hijack start`)."""
    return ipaddress.ip_interface(address).network[-2]


def start_rpki_cache(router):
    """An RPKI-to-router cache (stayrtr) serving ROAS inside router, where
    its bgpd.conf looks for one; started before its daemons, each start."""
    address, port = rpki_cache_address(router)
    pid = router.start_process('stayrtr', [
        'stayrtr', '-bind', '%s:%d' % (address, port), '-cache', ROAS,
        '-checktime=false', '-metrics.addr', ''])
    if not procs.wait_until(lambda: procs.listening(pid, port) or not procs.alive(pid),
                            START_TIMEOUT) or not procs.alive(pid):
        raise LabError('%s: the RPKI cache (stayrtr) did not start; its output: %s'
                       % (router.name, router.daemon_output('stayrtr').strip()[-300:]))


def rpki_cache_address(router):
    """(address, port) of `rpki cache ADDRESS PORT` in router's bgpd.conf."""
    path = router_conf(router.name, 'bgpd', router.etc_dir)
    with open(path) as conf:
        found = RPKI_CACHE.search(conf.read())
    if not found:
        raise LabError('%s: %s names no RPKI cache; add `rpki cache 127.0.0.1 8282 '
                       'preference 1` under `rpki` (the lab starts the cache there).'
                       % (router.name, shown(path)))
    return found.group(1), int(found.group(2))


def require_rpki_tools():
    if not shutil.which('stayrtr') or not glob.glob('/usr/lib/*/frr/modules/bgpd_rpki.so'):
        raise LabError('The hijack scenario validates origins with RPKI, which needs '
                       'stayrtr and frr-rpki-rtrlib; run ./setup.sh or apt-get install both.')


# The running lab.

def require_scenario(net):
    """hijack and defend act on the hijack lab's rogue and RPKI-validating r1."""
    if ROGUE not in net:
        raise LabError('this lab has no rogue server and no RPKI on r1 (hijack and defend '
                       'need them); start it with --topo bgp3,hijack=1.')


def announced(net, variant):
    """The prefixes (ip_networks) r3 announces in variant: the web server's
    prefix itself, or its two halves."""
    if variant not in VARIANTS:
        raise LabError('%s is no variant of the hijack; the variants are %s.'
                       % (variant, ' and '.join(VARIANTS)))
    prefix = ipaddress.ip_network(lab.prefix_of(lab.node(net, lab.WEB_SERVER)))
    return [prefix] if variant == 'exact' else list(prefix.subnets())


def rogue_side(net):
    """(r3's interface on its link to the rogue, the rogue's gateway address
    with the rogue's prefix length): what r3 takes on to serve the rogue."""
    attacker, rogue = lab.router(net, ATTACKER), net[ROGUE]
    (attacker_intf, rogue_intf), = attacker.connectionsTo(rogue)
    own = lab.intf_address(rogue, rogue_intf.name)
    try:
        routes = json.loads(rogue.cmd('ip -j route show default') or '[]')
    except ValueError:
        routes = []
    if own is None or not routes or 'gateway' not in routes[0]:
        raise LabError('the rogue has no address or default route on %s now; start the lab '
                       'again.' % rogue_intf.name)
    return attacker_intf.name, ipaddress.ip_interface('%s/%d' % (
        routes[0]['gateway'], own.network.prefixlen))


def start(net, variant='specific'):
    """R3 announces the web server's prefix (or its halves) as its own;
    ([prefixes], r3's AS)."""
    require_scenario(net)
    prefixes = announced(net, variant)
    stop(net)
    attacker = lab.router(net, ATTACKER)
    require_bgp(attacker)
    text = running_config_text(attacker)
    config = parse_bgp(text)
    intf, gateway = rogue_side(net)
    changes = {'asn': config.asn, 'address': (intf, str(gateway)),
               'import_check': IMPORT_CHECK_OFF not in config_lines(text),
               'networks': [p for p in prefixes if p not in config.networks],
               'entries': export_entries(Policy(text), config, prefixes)}
    setattr(net, CHANGES, changes)
    attacker.vtysh(*start_commands(changes))
    return prefixes, config.asn


def start_commands(changes):
    """vtysh commands that make the changes."""
    commands = ['configure terminal', 'interface %s' % changes['address'][0],
                'ip address %s' % changes['address'][1], 'exit',
                'router bgp %s' % changes['asn']]
    if changes['import_check']:
        commands.append(IMPORT_CHECK_OFF)       # the halves exist in no RIB: announce anyway
    commands += ['address-family ipv4 unicast']
    commands += ['network %s' % p for p in changes['networks']]
    commands += ['exit', 'exit']
    commands += ['ip prefix-list %s seq %d permit %s' % entry for entry in changes['entries']]
    return commands


def stop(net):
    """R3 withdraws what `hijack start` announced and unplugs the rogue:
    the start's changes, those r3's running config still holds (vtysh
    stops at the first command that fails)."""
    require_scenario(net)
    changes = getattr(net, CHANGES, None)
    if not changes:
        return
    attacker = lab.router(net, ATTACKER)
    attacker.vtysh(*stop_commands(changes, config_lines(running_config_text(attacker))))
    delattr(net, CHANGES)


def stop_commands(changes, running):
    """vtysh commands that undo changes, of those running (the lines of
    r3's running config, stripped) holds."""
    commands = ['configure terminal', 'router bgp %s' % changes['asn'],
                'address-family ipv4 unicast']
    commands += ['no network %s' % p for p in changes['networks'] if 'network %s' % p in running]
    commands += ['exit']
    if changes['import_check'] and IMPORT_CHECK_OFF in running:
        commands.append('bgp network import-check')
    commands += ['exit']
    commands += ['no ip prefix-list %s seq %d permit %s' % entry for entry in changes['entries']
                 if 'ip prefix-list %s seq %d permit %s' % entry in running]
    intf, address = changes['address']
    if 'ip address %s' % address in running:
        commands += ['interface %s' % intf, 'no ip address %s' % address]
    return commands


def require_bgp(router):
    """The scenario reads and changes router's running BGP: it must run."""
    if not router.bgp_running():
        raise LabError('%s.' % running.not_running(router))


def config_lines(text):
    return [line.strip() for line in text.splitlines()]


def ebgp_neighbors(config):
    return [n for n in config.neighbors if n.remote_as not in (str(config.asn), 'internal')]


def export_prefix_lists(policy, config):
    """The prefix-lists r3's export policy lets routes out by: those its
    eBGP sessions filter with, directly or in a permit entry of their
    export route-map."""
    names = []
    for neighbor in ebgp_neighbors(config):
        for kind, name in policy.filters(neighbor.address, 'out'):
            if kind == 'prefix-list':
                names.append(name)
            elif kind == 'route-map':
                names += [clause.split()[3] for entry in policy.route_maps.get(name, [])
                          if entry.action == 'permit' for clause in entry.matches
                          if clause.split()[:3] == ['ip', 'address', 'prefix-list']]
    return sorted(set(names))


def export_entries(policy, config, prefixes):
    """[(prefix-list, seq, prefix)]: the entries r3's export prefix-lists
    need so that prefixes leave too. Entries of their own: with FRR 8.4,
    removing a `12.0.0.0/24 ge 25 le 25` entry again left r3 no longer
    exporting the plain /24."""
    added = []
    for name in export_prefix_lists(policy, config):
        entries = list(policy.prefix_lists.get(name, []))
        for prefix in prefixes:
            if policy.prefix_list_verdict(name, prefix)[0]:
                continue
            seq = free_seq(entries, prefix)
            if seq is None:
                raise LabError("r3's prefix-list %s has no free sequence number before the entry "
                               "that denies %s; renumber its entries (e.g. 10, 20), then "
                               "`hijack start` again." % (name, prefix))
            entries.append(PrefixEntry(seq, 'permit', prefix, None, None))
            added.append((name, seq, prefix))
    return added


def free_seq(entries, prefix):
    """A sequence number for a new `permit prefix` entry among entries
    (PrefixEntry): below the first entry that matches prefix (it denies
    it), else after the last; None if no number is free below that entry."""
    used = {entry.seq for entry in entries}
    matching = [entry.seq for entry in sorted(entries) if prefix_matches(entry, prefix)]
    if not matching:
        return max(used, default=0) + 1
    return next((seq for seq in range(matching[0] - 1, 0, -1) if seq not in used), None)


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
    """R1 drops routes that RPKI finds Invalid (a prefix announced by an AS
    no ROA authorises): a deny entry first in each import route-map r1's
    eBGP sessions run now; off removes every such entry. Only the hijack
    lab's r1 validates origins: elsewhere, say so at once."""
    require_scenario(net)
    victim = lab.router(net, VICTIM)
    require_bgp(victim)
    text = running_config_text(victim)
    policy = Policy(text)
    if on:
        maps = import_route_maps(net, victim.name, text)
        rpki_loaded(victim)
        commands = [c for name in maps for c in guard_commands(victim.name, policy, name)]
    else:
        commands = ['no route-map %s deny %d' % (name, entry.seq)
                    for name, entries in sorted(policy.route_maps.items())
                    for entry in entries if is_guard(entry)]
    # routes accepted before the change are judged again
    victim.vtysh('configure terminal', *commands + ['end', 'clear ip bgp * soft in'])


def import_route_maps(net, router_name, text):
    """The import route-maps of a router's eBGP sessions in its running
    config text; a sentence for a session that has none (nothing to guard)."""
    found = import_maps(text)
    missing = [address for address, name in sorted(found.items()) if name is None]
    if missing:
        raise LabError('%s has no import route-map on its session with %s, so origin '
                       'validation has nothing to join there; give it one (`neighbor %s '
                       'route-map NAME in` under address-family ipv4 unicast), then `defend '
                       'on`.' % (router_name, peer_name(net, missing[0]), missing[0]))
    return sorted(set(found.values()))


def import_maps(text):
    """{eBGP neighbor address: its import route-map, or None} of a running config."""
    config, policy = parse_bgp(text), Policy(text)
    found = {}
    for neighbor in ebgp_neighbors(config):
        names = [name for kind, name in policy.filters(neighbor.address, 'in')
                 if kind == 'route-map']
        found[neighbor.address] = names[0] if names else None
    return found


def peer_name(net, address):
    holders = [r.name for r in lab.routers(net) if lab.holds(r, address)]
    return '%s (%s)' % (holders[0], address) if holders else address


def is_guard(entry):
    """A route-map entry `deny N` that matches RPKI Invalid routes only."""
    return entry.action == 'deny' and entry.matches == ['rpki invalid']


def guard_commands(router_name, policy, name):
    """vtysh commands that make route-map name deny RPKI Invalid routes
    first: none if its first entry does already."""
    entries = sorted(policy.route_maps.get(name, []), key=lambda entry: entry.seq)
    if entries and is_guard(entries[0]):
        return []
    seq = entries[0].seq // 2 if entries else 5
    if seq < 1:
        raise LabError("%s's route-map %s begins with entry 1, leaving no room before it for "
                       "origin validation; renumber its entries (e.g. 10, 20), then `defend "
                       "on`." % (router_name, name))
    return ['route-map %s deny %d' % (name, seq), 'match rpki invalid', 'exit']


# At the prompt.

def hijack_command(net, words):
    """R3 announces (or stops announcing) the web server's prefix as its own."""
    if words[:1] == ['start'] and len(words) <= 2:
        variant = words[1] if len(words) == 2 else 'specific'
        prefixes, asn = start(net, variant)
        journal.acted(net, 'hijack start %s' % variant)
        return ("*** %s now announces %s as AS %s's; try fetch, bgp %s ip bgp\n"
                % (ATTACKER, ' and '.join(map(str, prefixes)), asn, VICTIM))
    if words == ['stop']:
        stop(net)
        journal.acted(net, 'hijack stop')
        return '*** %s withdrew its announcements\n' % ATTACKER
    raise Misuse()


def defend_command(net, words):
    """R1 drops the routes RPKI finds Invalid (etc/quagga/hijack/roas.json says
    who may originate what), whatever its import route-maps are called."""
    if words not in (['on'], ['off']):
        raise Misuse()
    defend(net, words == ['on'])
    journal.acted(net, 'defend %s' % words[0])
    return '*** %s origin validation %s\n' % (VICTIM, words[0])


class Hijack(Scenario):
    name = 'hijack'
    flag = 'hijack'
    topologies = ('bgp3',)
    etc = {'frr': ETC}
    suites = ('frr',)
    images = {ROGUE_IMAGE: ('rogue', WEBSERVER_IMAGE)}
    commands = (
        Command('hijack', 'hijack start [exact|specific] | hijack stop',
                'r3 announces the web server prefix (hijack=1)', hijack_command),
        Command('defend', 'defend on|off',
                'origin validation on r1: 12.0.0.0/24 only from AS 55000', defend_command),
    )
    hint = ('hijack: `hijack start [exact|specific]` then `fetch`; `defend on` turns on '
            "r1's origin validation; `hijack stop` ends it")
    needs = 'RPKI cache for the hijack scenario'

    def extend(self, topo):
        extend(topo)

    def preflight(self):
        require_rpki_tools()


SCENARIO = Hijack()
