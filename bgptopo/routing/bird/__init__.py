"""BIRD 2 as a routing suite: one `bird` process per router, read from
<etc tree>/<router>/bird.conf (etc/bird), asked through birdc. BIRD sets
no addresses: the router applies zebra.conf's (bgptopo/addressing.py).

What each answer is read from (birdc.py, config.py, policy.py):
- file_config: bird.conf itself (config.py says which statements count);
- sessions, running_config, advertised, kept, filter_cause: `show protocols
  all`, whose BGP protocols name their neighbor address and AS, local AS,
  state, route counts and filters: sessions are keyed by neighbor address;
- running_config: BIRD prints no configuration, so it is assembled from
  what BIRD runs (so a `birdc configure` of an edited file shows, an edit
  not yet loaded does not): `show status` (router id), `show protocols
  all` (AS, neighbors; the tables of the BGP channels) and `show static
  NAME` of each static protocol that is up and feeds one of those tables
  (networks, by config.py's rule); no AS while bird is not running;
- best_route, best_routes: `show route [for] X all`, `show route all`: the
  best route of a prefix when BGP or a static protocol made it (BIRD's
  table also holds interface routes, FRR's BGP table does not); the AS path
  is '' and the next hop 0.0.0.0 (::) for a route the router originates (as
  FRR shows its `network`s); IPv4 and IPv6 alike (tables master4, master6);
- advertised: `show route export P`; kept: `show route protocol P`
  (P: the protocol whose neighbor is the peer)."""

import ipaddress
import os
import subprocess

from bgptopo import procs
from bgptopo.errors import LabError
from bgptopo.paths import BIRD_ETC_DIR, shown
from bgptopo.routing.bird import birdc, feed
from bgptopo.routing.bird.config import check_errors, parse_bird, unreadable
from bgptopo.routing.bird.policy import Side
from bgptopo.routing.bird.render import bird_conf
from bgptopo.routing.contract import BgpConfig, Neighbor, Route, RoutingSuite, Session

BIRD = '/usr/sbin/bird'
BIRDC = '/usr/sbin/birdc'
RUN_DIR = '/run/bird'
CONFIG_FILE = 'bird.conf'
CHECK_TIMEOUT = 30      # seconds `bird -p` may take to check a file
SUMMARY = 'show protocols'
# the `Type:` of routes FRR's BGP table would hold: BGP's, and the static
# routes a router originates
BGP_TABLE_SOURCES = ('BGP', 'static')


class Bird(RoutingSuite):
    key = 'bird'
    name = 'BIRD'
    bgp_daemon = 'bird'
    shell = 'birdc'
    run_dir = RUN_DIR
    sets_addresses = False

    def require_installed(self):
        missing = [path for path in (BIRD, BIRDC) if not os.access(path, os.X_OK)]
        if missing:
            raise LabError('BIRD is not installed (no %s); run ./setup.sh or apt-get '
                           'install bird2.' % ' and no '.join(missing))

    def default_etc_dir(self):
        return BIRD_ETC_DIR

    def config_files(self, name, etc_dir):
        return [os.path.join(etc_dir, name, CONFIG_FILE)]

    def start_config_checks(self, name, etc_dir, modules=()):
        """`bird -p` parses a file and exits: no socket, no routes, no root needed."""
        return [(conf, subprocess.Popen([BIRD, '-p', '-c', conf], stdin=subprocess.DEVNULL,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        universal_newlines=True))
                for conf in self.config_files(name, etc_dir)]

    def finish_config_check(self, name, conf, dry_run):
        finish_check(name, conf, dry_run)

    def file_config(self, name, etc_dir):
        path = self.config_files(name, etc_dir)[0]
        try:
            with open(path) as conf:
                return parse_bird(conf.read())
        except OSError as failure:
            raise LabError(unreadable_sentence(name, path, failure.strerror))

    # the running router

    def start_first(self, router):
        conf = router.bgp_config_file(self.config_files(router.name, router.etc_dir)[0])
        router.start_daemon('bird', [BIRD, '-f', '-c', conf, '-s', birdc.SOCKET,
                                     '-P', os.path.join(RUN_DIR, 'bird.pid')], wait=False)

    def render(self, plan):
        return {CONFIG_FILE: bird_conf(plan)}

    def fed_config(self, text, asn, side):
        return feed.fed_config(text, asn, side)

    def ready_file(self, daemon):
        return os.path.basename(birdc.SOCKET)

    def sessions(self, router):
        return self.parse_sessions(birdc.ask(router, 'show protocols all'))

    def sessions_command(self):
        return ['birdc', '-s', birdc.SOCKET, 'show protocols all']

    def parse_sessions(self, text):
        return {address: Session(birdc.session_state(protocol),
                                 birdc.route_counts(protocol).get('imported', 0))
                for address, protocol in birdc.bgp_protocols(text).items()}

    def running_config(self, router):
        found = birdc.parse_protocols(birdc.ask(router, 'show protocols all'))
        bgp = [p for p in found if p.proto == 'BGP' and 'Neighbor address' in p.fields]
        local_as = next((p.fields['Local AS'] for p in bgp if 'Local AS' in p.fields), None)
        config = BgpConfig(asn=int(local_as) if local_as else None,
                           router_id=birdc.router_id(birdc.ask(router, 'show status')))
        config.neighbors = [Neighbor(p.fields['Neighbor address'], p.fields['Neighbor AS'])
                            for p in bgp if 'Neighbor AS' in p.fields]
        config.networks = [network for name in originating_statics(found, bgp)
                           for network in birdc.parse_static(
                               birdc.ask(router, 'show static %s' % name))]
        return config

    def best_route(self, router, destination):
        words = 'show route %s%s all' % ('' if '/' in str(destination) else 'for ',
                                         destination)
        best = [r for r in birdc.parse_routes(birdc.ask(router, words)) if r.best]
        return route_of(best[0]) if best and routed_by_bgp(best[0]) else None

    def fed_count(self, router, side):
        return feed.fed_count(router, side)

    def bgp_file(self, name, etc_dir):
        return self.config_files(name, etc_dir)[0]

    def best_routes(self, router):
        return {ipaddress.ip_network(r.prefix): r.as_path or ''
                for r in birdc.parse_routes(birdc.ask(router, 'show route all'))
                if r.best and routed_by_bgp(r)}

    def advertised(self, router, peer_address):
        return self.routes_of_session(router, peer_address, 'show route export %s')

    def kept(self, router, peer_address):
        return self.routes_of_session(router, peer_address, 'show route protocol %s')

    def routes_of_session(self, router, peer_address, words):
        """The prefixes of `words % PROTOCOL`, PROTOCOL the session with
        peer_address; none without such a session."""
        protocol = self.protocol_of(router, peer_address)
        if protocol is None:
            return set()
        return birdc.prefixes(birdc.ask(router, words % protocol.name))

    def protocol_of(self, router, peer_address):
        """The BGP protocol (birdc.Protocol) whose neighbor is peer_address, or None."""
        found = birdc.bgp_protocols(birdc.ask(router, 'show protocols all'))
        return found.get(birdc.canonical(peer_address))

    def filter_cause(self, router, role, peer_address, peer_name, prefix):
        return Side(router, role, peer_address, peer_name).cause(prefix)

    # what users see and type

    def summary(self, router):
        return birdc.ask(router, SUMMARY)

    def show(self, router, words):
        return birdc.ask(router, 'show ' + ' '.join(words)) if words else self.summary(router)

    def lab_table(self, words, side):
        return feed.lab_table(words, side)

    def show_json(self, router, words):
        """BIRD answers in text only: for no words, the sessions as data
        ({address: {'state', 'received', 'protocol'}}); else {'output': text}."""
        if words:
            return {'output': self.show(router, words)}
        found = birdc.bgp_protocols(birdc.ask(router, 'show protocols all'))
        return {address: {'state': birdc.session_state(protocol),
                          'received': birdc.route_counts(protocol).get('imported', 0),
                          'protocol': protocol.name}
                for address, protocol in found.items()}

    def run_cli(self, router, command):
        return birdc.ask(router, command)

    def interactive_cli(self, router):
        return ['birdc']        # its default socket is the router's own (Router.config)

    def hint_neighbor(self, address, asn):
        return '`protocol bgp { neighbor %s as %s; ... }`' % (address, asn)

    def hint_network(self, prefix):
        return ('`route %s via "INTERFACE";` in a `protocol static` whose routes BGP '
                'exports (ORIGINATE in etc/bird)' % prefix)

    def hint_bgp(self):
        return 'a `protocol bgp` in its bird.conf'


def finish_check(name, conf, check):
    """LabError when `bird -p` rejected conf (or did not finish in time)."""
    output = procs.output_within(check, CHECK_TIMEOUT)
    if output is None:
        raise LabError('%s: BIRD did not finish checking %s within %d s; try `bird -p -c %s` '
                       'by hand.' % (name, shown(conf), CHECK_TIMEOUT, shown(conf)))
    missing = unreadable(output)
    if missing:
        raise LabError(unreadable_sentence(name, missing[0], missing[1]))
    errors = check_errors(output)
    if errors:
        raise LabError(rejection_sentence(name, errors[0]))
    if check.returncode:
        raise LabError('%s: BIRD rejects %s (`bird -p -c %s` exits %d: %s); fix the file and '
                       'start the lab again.' % (name, shown(conf), shown(conf),
                                                 check.returncode, output.strip() or 'silently'))


def rejection_sentence(name, error):
    """bird -p's first error, with the line it names quoted: BIRD's message
    does not name the word it stumbled on (`unexpected CF_SYM_UNDEFINED`)."""
    text = line_of(error.file, error.line)
    quoted = ' "%s"' % text if text else ''
    return ('%s: BIRD rejects %s line %d column %d%s: %s; fix the file and start the lab '
            'again.' % (name, shown(error.file), error.line, error.column, quoted,
                        error.message))


def line_of(path, number):
    """Line number of path, stripped ('' if unreadable)."""
    try:
        with open(path) as text:
            lines = text.read().splitlines()
    except OSError:
        return ''
    return lines[number - 1].strip() if 0 < number <= len(lines) else ''


def unreadable_sentence(name, path, reason):
    return ('%s: BIRD cannot read %s (%s); every BIRD router needs a bird.conf in its '
            'folder of the etc tree, readable by root.' % (name, shown(path), reason))


def originating_statics(found, bgp):
    """The names of the static protocols among found (birdc.Protocols)
    whose routes BGP originates (config.py's rule): up, feeding a table
    one of the BGP protocols bgp reads."""
    tables = {fields.get('Table') for p in bgp for fields in p.channels.values()}
    return [p.name for p in found if p.proto == 'Static' and p.state != 'down'
            and {fields.get('Table') for fields in p.channels.values()} & tables]


def routed_by_bgp(route):
    """A route BGP learned or a static protocol made (the router's own
    networks): what FRR's BGP table would hold."""
    return route.as_path is not None or route.source in BGP_TABLE_SOURCES


def route_of(route):
    """The contract's Route; a route the router originates has no AS path
    and FRR's next hop of a `network`, 0.0.0.0 (:: for IPv6)."""
    if route.as_path is None and route.source != 'BGP':
        return Route(route.prefix, '', '::' if ':' in route.prefix else '0.0.0.0')
    return Route(route.prefix, route.as_path or '', route.bgp_next_hop or route.gateway or '?')


SUITE = Bird()
