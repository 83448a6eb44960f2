"""FRR (or Quagga) as a routing suite: zebra and bgpd per router, read from
<etc tree>/<router>/zebra.conf and bgpd.conf (the seed's etc/quagga), and
ospfd and ospf6d where the router's folder has ospfd.conf, ospf6d.conf
(lab files' ASes of several routers); asked through vtysh. The lab's
default suite."""

import ipaddress
import os

from bgptopo.errors import LabError
from bgptopo.paths import ETC_DIR, router_conf, shown
from bgptopo.routing.contract import Route, RoutingSuite, Session
from bgptopo.routing.frr import feed, install, vty
from bgptopo.routing.frr.config import parse_bgp
from bgptopo.routing.frr.policy import Side
from bgptopo.routing.frr import render
from bgptopo.routing.frr.shell import parse_json, running_config_text, vtysh, vtysh_json

SUMMARY = 'show bgp summary'     # every address family's sessions
# the BGP table an address or prefix of each IP version is in: IPv4's as
# the seed's lab always asked it
TABLES = {4: 'show ip bgp', 6: 'show bgp ipv6 unicast'}


def table(destination):
    """The TABLES command for destination (an address or prefix, as text
    or ipaddress object; what is not IPv6 is asked as IPv4)."""
    return TABLES[6 if ':' in str(destination) else 4]


class Frr(RoutingSuite):
    key = 'frr'
    bgp_daemon = 'bgpd'
    shell = 'vtysh'
    sets_addresses = True       # zebra applies zebra.conf

    @property
    def installation(self):
        """FRR's or Quagga's folders (looked up each time: tests point
        BGPTOPO_SUITE_DIRS elsewhere)."""
        return install.installed()

    @property
    def name(self):
        return self.installation.name

    @property
    def run_dir(self):
        return self.installation.run_dir

    def require_installed(self):
        found = self.installation
        if not found.root_can_run_daemons():
            raise LabError('%s refuses to run its daemons for root, which is not in '
                           'group %s; run ./setup.sh or usermod -a -G %s root.'
                           % (found.name, found.vty_group, found.vty_group))

    def default_etc_dir(self):
        return ETC_DIR

    def config_files(self, name, etc_dir):
        return [conf for _, conf in self.daemon_files(name, etc_dir)]

    def daemon_files(self, name, etc_dir):
        """[(daemon, its config file)] of router name, in the order they
        start: zebra, the OSPF daemons whose files its folder holds, bgpd."""
        zebra, bgpd = (router_conf(name, daemon, etc_dir) for daemon in install.DAEMONS)
        ospf = [(daemon, router_conf(name, daemon, etc_dir))
                for daemon in install.OPTIONAL_DAEMONS]
        return [('zebra', zebra)] + [(daemon, conf) for daemon, conf in ospf
                                     if os.path.isfile(conf)] + [('bgpd', bgpd)]

    def start_config_checks(self, name, etc_dir, modules=None):
        modules = modules or {}
        return [(conf, self.installation.start_config_check(
            conf, modules.get(install.daemon_of(conf), ())))
            for conf in self.config_files(name, etc_dir)]

    def finish_config_check(self, name, conf, dry_run):
        self.installation.finish_config_check(name, conf, dry_run)

    def file_config(self, name, etc_dir):
        path = router_conf(name, 'bgpd', etc_dir)
        try:
            with open(path) as conf:
                return parse_bgp(conf.read())
        except OSError as failure:
            raise LabError('%s: cannot read %s (%s); every FRR router needs a bgpd.conf in '
                           'its folder of the etc tree.' % (name, shown(path), failure.strerror))

    def render(self, plan):
        return render.render(plan)

    def fed_config(self, text, asn, side):
        return feed.fed_config(text, asn, side)

    # the running router

    def start_first(self, router):
        """zebra, not waited for here: start_rest waits for it."""
        self.start_daemons(router, lambda daemon: daemon == 'zebra')

    def start_rest(self, router):
        """zebra waited for (bgpd retries a missing zebra only after 10 s);
        then the OSPF daemons and bgpd, not waited for: they connect to
        zebra themselves, and the next router starts meanwhile."""
        if 'zebra' in router.daemon_pids:
            router.wait_ready('zebra', router.daemon_pids['zebra'])
        self.start_daemons(router, lambda daemon: daemon != 'zebra')

    def start_daemons(self, router, chosen):
        for daemon, conf in self.daemon_files(router.name, router.etc_dir):
            if not chosen(daemon):
                continue
            if daemon == 'bgpd':
                conf = router.bgp_config_file(conf)
            router.start_daemon(daemon, self.installation.command(
                daemon, conf, router.modules.get(daemon, ())), wait=False)

    def ready_file(self, daemon):
        return '%s.vty' % daemon

    def log_files(self, daemon):
        return [self.installation.log_file(daemon)] if self.installation.name == 'FRR' else []

    def sessions(self, router):
        found = self.direct_sessions(router, vty.ANSWER_TIMEOUT)
        return found if found is not None else \
            self.parse_sessions(vtysh(router, '%s json' % SUMMARY))

    def direct_sessions(self, router, timeout):
        """From bgpd's vty socket (bgptopo/routing/frr/vty.py); None if it
        is not there (Quagga's, a bgpd starting, a router on another
        server): vtysh then says why."""
        if not getattr(router, 'files_here', True):
            return None
        try:
            return self.parse_sessions(vty.ask(router.run_file(self.ready_file('bgpd')),
                                               '%s json' % SUMMARY, timeout))
        except TimeoutError:
            raise
        except OSError:
            return None

    def sessions_command(self):
        return ['vtysh', '-c', '%s json' % SUMMARY]

    def parse_sessions(self, text):
        """FRR nests each family's sessions (ipv4Unicast, ipv6Unicast, ...);
        Quagga answered one family's, unnested."""
        summary = parse_json(text)
        families = [summary] if 'peers' in summary else \
            [family for family in summary.values() if isinstance(family, dict)]
        return {address: Session(peer.get('state', '?'), peer.get('pfxRcd', 0))
                for family in families for address, peer in family.get('peers', {}).items()}

    def running_config(self, router):
        return parse_bgp(running_config_text(router))

    def best_route(self, router, destination):
        answer = vtysh_json(router, '%s %s json' % (table(destination), destination))
        for path in answer.get('paths', []):
            if path.get('bestpath', {}).get('overall'):
                hops = path.get('nexthops') or [{}]
                as_path = path.get('aspath', {}).get('string', '')
                return Route(answer.get('prefix'), '' if as_path == 'Local' else as_path,
                             hops[0].get('ip', '?'))
        return None

    def fed_count(self, router, side):
        return feed.fed_count(router)

    def bgp_file(self, name, etc_dir):
        return router_conf(name, 'bgpd', etc_dir)

    def best_routes(self, router):
        routes = {}
        for command in TABLES.values():
            routes.update(vtysh_json(router, '%s json' % command).get('routes', {}))
        return {ipaddress.ip_network(prefix): path.get('path', '')
                for prefix, paths in routes.items() for path in paths if path.get('bestpath')}

    def advertised(self, router, peer_address):
        answer = vtysh_json(router, '%s neighbors %s advertised-routes json'
                            % (table(peer_address), peer_address))
        return {ipaddress.ip_network(prefix) for prefix in answer.get('advertisedRoutes', {})}

    def kept(self, router, peer_address):
        answer = vtysh_json(router, '%s neighbors %s routes json'
                            % (table(peer_address), peer_address))
        return {ipaddress.ip_network(prefix) for prefix in answer.get('routes', {})}

    def filter_cause(self, router, role, peer_address, peer_name, prefix):
        return Side(router, role, peer_address, peer_name).cause(prefix)

    # what users see and type

    def summary(self, router):
        return vtysh(router, SUMMARY)

    def show(self, router, words):
        return vtysh(router, 'show ' + ' '.join(words)) if words else self.summary(router)

    def lab_table(self, words, side):
        return feed.lab_table(words)

    def show_json(self, router, words):
        return vtysh_json(router, '%s json' % ('show ' + ' '.join(words) if words else SUMMARY))

    def run_cli(self, router, command):
        return vtysh(router, command)

    def interactive_cli(self, router):
        # vtysh prompts with the system hostname, which the routers share:
        # give this vtysh a UTS namespace of its own named after the router
        return ['unshare', '--uts', 'sh', '-c', 'hostname "$0" && exec vtysh', router.name]

    def hint_neighbor(self, address, asn):
        if ':' not in str(address):
            return '`neighbor %s remote-as %s`' % (address, asn)
        return ('`neighbor %s remote-as %s` and, under address-family ipv6 unicast, '
                '`neighbor %s activate`' % (address, asn, address))

    def hint_network(self, prefix):
        family = 'ipv6' if ':' in str(prefix) else 'ipv4'
        return '`network %s` under address-family %s unicast' % (prefix, family)

    def hint_bgp(self):
        return 'no `router bgp` section: write one in its bgpd.conf'


SUITE = Frr()
