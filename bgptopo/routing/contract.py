"""What the lab asks of a router's routing daemons, whatever suite runs them.

A suite (FRR in routing/frr/, BIRD in routing/bird/) is one RoutingSuite
object: it starts and checks its daemons, reads its config files and its
daemons' answers, and says how its users fix things. The rest of the lab
speaks only in the types below (sessions, routes, a BGP config reduced to
what the lab reasons about), so no module outside a suite's folder knows
that suite's config syntax or output formats.

A router's interfaces and addresses are not the suite's: whatever it runs,
they are written in zebra.conf's language (bgptopo/addressing.py)."""

from collections import namedtuple

from bgptopo.errors import LabError

# one BGP session as a router sees it: its state ('Established', 'Active',
# ...) and how many prefixes it accepted from the peer
Session = namedtuple('Session', 'state received')
# a router's best route: prefix (a string), as_path ('' for a route it
# originates itself), next_hop (an address, or '?')
Route = namedtuple('Route', 'prefix as_path next_hop')
Neighbor = namedtuple('Neighbor', 'address remote_as')
# A router's part in a fed lab (bgptopo/feeding.py): routes whose AS path
# holds asn (the feeder's AS) pass each of its sessions' import and export
# policies ahead of the lab's own entries, except the export to the peers
# at the addresses in withheld (routers no farther from the feeder than
# this one: they have the routes already); neighbor: the feeder (a
# Neighbor) on the fed router, whose session with it imports every route
# and exports none; None on the other routers.
FeedSide = namedtuple('FeedSide', 'asn neighbor withheld', defaults=((),))

# A router as a suite-neutral plan describes it, for a suite to render
# into its config files (generated labs and lab files).
#   interfaces: [(name, ip_interface)], IPv4 and IPv6; 'lo' holds the
#     router's loopback addresses (/32, /128) when it has iBGP peers;
#   networks: [(ip_network, the interface it lives on)], originated while
#     that interface is up;
#   peers: [Peer], one per session (an IPv6 session carries IPv6 routes
#     only, an IPv4 session IPv4 routes only);
#   accept: [(ip_network, ge, le)], the prefixes a session with no
#     relationship imports and exports (an empty list: none);
#   keepalive, hold: BGP timers in seconds;
#   ospf: the interfaces OSPF runs on inside the AS (links to routers of
#     the same AS, and lo, passive); empty: no OSPF.
RouterPlan = namedtuple('RouterPlan', 'name asn router_id interfaces networks peers accept '
                                      'keepalive hold ospf', defaults=((),))

# One BGP session as a plan describes it.
#   relationship: what the peer is to this router's AS: 'customer', 'peer'
#     or 'provider' (Gao-Rexford policies, below), 'internal' (iBGP: import
#     and export everything, next-hop-self, update-source local_address),
#     None (the plan's accept list both ways, the seed's style);
#   local_address: the address the session starts from (iBGP: the loopback);
#   rr_client: this router reflects routes to the peer (iBGP);
#   the per-session overrides a file may give: local_pref (import), med,
#   prepend (how many extra times our AS), communities (['a:b', ...], added
#   on export), max_prefix (the most prefixes accepted).
Peer = namedtuple('Peer', 'name address asn password relationship local_address rr_client '
                          'local_pref med prepend communities max_prefix',
                  defaults=(None, None, False, None, None, 0, (), None))

# Gao-Rexford, rendered the same by every suite: a route learned from a
# customer, peer or provider gets its local preference and is tagged with
# the large community (own AS, 0, TAG); sessions to peers and providers
# export only the AS's own routes (empty AS path) and routes tagged
# customer; sessions to customers and iBGP peers export everything.
LOCAL_PREF = {'customer': 300, 'peer': 200, 'provider': 100}
TAG = {'customer': 1, 'peer': 2, 'provider': 3}
EXPORTS_ALL_TO = ('customer', 'internal')
# OSPF inside an AS, rendered the same by every suite (routers of one AS
# may run different suites, and OSPF neighbors must agree on both): hello
# every second, a neighbor dead after 4 s without one; point-to-point links
OSPF_HELLO, OSPF_DEAD = 1, 4


class BgpConfig(object):
    """The part of a router's BGP configuration the lab reasons about: its
    AS (None without BGP), router id, neighbors (address and AS, both as
    strings) and the prefixes it originates (ip_networks)."""

    def __init__(self, asn=None, router_id=None, neighbors=(), networks=()):
        self.asn, self.router_id = asn, router_id
        self.neighbors, self.networks = list(neighbors), list(networks)

    def neighbor(self, address):
        return next((n for n in self.neighbors if n.address == str(address)), None)


class RoutingSuite(object):
    """One routing suite. Methods that take a router take a running
    bgptopo.router.Router (or, in unit tests, anything with its cmd,
    name and run_file); they ask its daemons through router.cmd, so every
    question has the node shell's deadline."""

    key = None          # as users name it: suite=frr
    name = None         # as sentences name it: FRR
    bgp_daemon = None   # the process without which the router has no BGP
    shell = None        # its command line interface, a prompt command of that name
    run_dir = None      # the stock folder of its sockets, private in each router
    sets_addresses = False  # do its daemons configure the interfaces (zebra does)?

    # Before the lab: what must be installed, which files, their dry runs.

    def require_installed(self):
        """LabError unless the suite's programs are installed and runnable by root."""
        raise NotImplementedError

    def default_etc_dir(self):
        """The config tree routers of this suite read by default."""
        raise NotImplementedError

    def config_files(self, name, etc_dir):
        """[path]: the files router name's daemons read (all must exist)."""
        raise NotImplementedError

    def start_config_checks(self, name, etc_dir, modules=()):
        """[(config path, its dry run)]: the daemons' own dry runs of name's
        files, started (run side by side with the lab's other preparations);
        finish_config_checks reads them."""
        raise NotImplementedError

    def finish_config_check(self, name, conf, dry_run):
        """LabError naming router, file, line and message if the dry run of
        conf rejected it."""
        raise NotImplementedError

    def finish_config_checks(self, name, checks):
        """Every dry run of start_config_checks read (none left running),
        then the first rejection raised."""
        failures = []
        for conf, dry_run in checks:
            try:
                self.finish_config_check(name, conf, dry_run)
            except LabError as failure:
                failures.append(failure)
        if failures:
            raise failures[0]

    def file_config(self, name, etc_dir):
        """The BgpConfig written in name's files (LabError if unreadable)."""
        raise NotImplementedError

    def render(self, plan):
        """{file name: text}: the suite's config files for a RouterPlan
        (the address file, zebra.conf, is the lab's: bgptopo/addressing.py)."""
        raise NotImplementedError

    def fed_config(self, text, asn, side):
        """text, the BGP daemon's config file of a router of AS asn, with
        what a FeedSide adds (the router starts from it in a fed lab);
        LabError if the file leaves no room for it."""
        raise NotImplementedError

    # The running router.

    def start(self, router):
        """Start router's daemons (router.start_process) in the order they
        need; the BGP daemon is not waited for (see ready_file)."""
        self.start_first(router)
        self.start_rest(router)

    def start_first(self, router):
        """Start the daemons that wait for nobody (FRR's zebra, BIRD),
        without waiting for them: a lab starts every router's first daemons,
        then every router's rest (start_rest), so no router waits for its
        own before the next one starts."""
        raise NotImplementedError

    def start_rest(self, router):
        """Start the daemons that need the first ones ready (FRR's bgpd needs
        its zebra), waiting for those first; nothing by default."""

    def ready_file(self, daemon):
        """The file in run_dir whose existence says daemon has read its config."""
        raise NotImplementedError

    def log_files(self, daemon):
        """Files in run_dir daemon writes its messages to, besides its output."""
        return []

    def sessions(self, router):
        """{peer address: Session} of every BGP session router's daemon has
        (the answer to sessions_command, asked through router.cmd)."""
        raise NotImplementedError

    def direct_sessions(self, router, timeout):
        """{peer address: Session} asked of the BGP daemon without starting
        a process (FRR: bgpd's vty socket), or None if this suite cannot
        (callers then run sessions_command); TimeoutError past timeout
        seconds."""
        return None

    def sessions_command(self):
        """argv of the command, run in the node, whose output parse_sessions
        reads: callers run it in several routers side by side."""
        raise NotImplementedError

    def parse_sessions(self, text):
        raise NotImplementedError

    def running_config(self, router):
        """The BgpConfig router runs now (edits at its CLI included)."""
        raise NotImplementedError

    def best_route(self, router, destination):
        """The Route router chose for destination (a prefix, or an address:
        the longest match), or None."""
        raise NotImplementedError

    def fed_count(self, router, side):
        """How many IPv4 prefixes router's BGP table holds from the feed
        (side: its FeedSide): exact, and a walk of the table (ask it once
        the counts of sessions() say the table is there)."""
        raise NotImplementedError

    def bgp_file(self, name, etc_dir):
        """The file router name's BGP daemon reads (the one fed_config extends)."""
        raise NotImplementedError

    def best_routes(self, router):
        """{ip_network: as_path} of every best route router holds."""
        raise NotImplementedError

    def advertised(self, router, peer_address):
        """The prefixes (ip_networks) router sends the peer at peer_address,
        after its export policy."""
        raise NotImplementedError

    def kept(self, router, peer_address):
        """The prefixes router keeps from the peer at peer_address, after
        its import policy."""
        raise NotImplementedError

    def filter_cause(self, router, role, peer_address, peer_name, prefix):
        """Why router's policy drops prefix on its session with peer_name
        (role 'import' or 'export'), in one sentence naming the policy."""
        raise NotImplementedError

    # What users see and type.

    def summary(self, router):
        """router's BGP sessions as the suite shows them."""
        raise NotImplementedError

    def show(self, router, words):
        """`show WORDS` in the suite's CLI, as text."""
        raise NotImplementedError

    def lab_table(self, words, side):
        """When `show WORDS` asks for the whole IPv4 BGP table: the words
        that show it without side's fed routes; else None."""
        return None

    def show_json(self, router, words):
        """`show WORDS` as data (a dict); its sessions when words is empty."""
        raise NotImplementedError

    def run_cli(self, router, command):
        """One command of the suite's CLI, run in router: its answer."""
        raise NotImplementedError

    def interactive_cli(self, router):
        """argv of the suite's interactive CLI, run inside router."""
        raise NotImplementedError

    # How a user fixes things, in the suite's own words.

    def hint_neighbor(self, address, asn):
        """The statement that makes address (AS asn) a neighbor."""
        raise NotImplementedError

    def hint_network(self, prefix):
        """Where and how a router originates prefix."""
        raise NotImplementedError

    def hint_bgp(self):
        """What a router without BGP lacks, and where to write it."""
        raise NotImplementedError
