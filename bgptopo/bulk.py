"""The kernel and daemon work of a lab's build, done in bulk: what makes a
thousand routers build in seconds under the stock `mn`.

Mininet builds node by node and link by link, each a few commands through
the node's shell (~4 ms a round trip, measured at n=100): a link costs nine
of them, a router's setup a dozen, and each router waited for its own zebra
before the next one started. A LabTopo gives its routers and their links one
Bulk (in their Mininet parameters, so every entry point builds the same way):
 - links between two of its routers are not made one by one: Mininet adds
   every link before it configures any node, so the first router's config()
   makes all the veth pairs in one `ip -batch` in the machine's namespace;
 - each router sets its interfaces up, its stubs and addresses in one
   `ip -batch` inside its namespace (Router.config);
 - daemons start in two phases: every router's first daemons (FRR's zebra,
   BIRD) as its config() ends, then, once the last router is configured,
   every router's rest (FRR's bgpd, which needs its zebra ready).
Under `mn` the routers go further ahead: a LabTopo lists its routers before
its hosts (Mininet makes nodes in that order) and gives its Bulk the links
between routers (early_links), so as soon as the last router's node exists
(Router.__init__: router_added) the Bulk makes those links and sets every
router up with its daemons, bgpd included: FRR's bgpd waits a fixed second
before its first connection, and that second now passes while Mininet makes
the hosts (waiting for their containers) and the other links. Zebra gives
an interface made later its configured addresses as it appears; a suite
that sets no addresses gets them in the router's config() (Router.config).
A Bulk serves one build; links and routers that come after it (none today)
are made the ordinary way."""

import subprocess
import time

from mininet.log import info

from bgptopo import procs
from bgptopo.errors import LabError

PROGRESS_EVERY = 2.0        # seconds between progress lines of a large build
BATCH_TIMEOUT = 120.0       # seconds one `ip -batch` of the whole lab may take


class Progress(object):
    """Progress lines at mn's info level, at most one per PROGRESS_EVERY
    seconds, so a small lab (done in less) prints none."""

    def __init__(self, every=PROGRESS_EVERY):
        self.every = every
        self.last = time.monotonic()
        self.spoken = False

    def say(self, text, force=False):
        """text: a string, or a function making it (called only when said)."""
        now = time.monotonic()
        if force or now - self.last >= self.every:
            self.last, self.spoken = now, True
            info('*** bgptopo: %s\n' % (text() if callable(text) else text))

    def finish(self, text):
        """The last line, said when earlier ones were."""
        if self.spoken:
            self.say(text, force=True)


class Bulk(object):
    """One build's bulk work for the routers named routers (see above).
    early_links: [(router1, intf1, mac1, router2, intf2, mac2)], the links
    between them made as soon as every router's node exists, and the
    routers set up then; None: each router is set up in its config()."""

    def __init__(self, routers, early_links=None):
        self.routers = frozenset(routers)
        self.early_links = early_links
        self.added = {}         # name: the router's node, as Mininet makes them
        self.made_early = set()     # frozensets of the interface names of early links
        self.early = False      # the routers were set up early (set_up_routers)
        self.veths = []         # pending: (intf1, node1, mac1, intf2, node2, mac2)
        self.configured = []    # routers whose first daemons run
        self.done = False
        self.progress = Progress()

    def defers(self, node1, node2):
        """Are both ends routers of this build, still being built (or set
        up early, their links made)?"""
        return (not self.done or self.early) and \
            all(getattr(node, 'bulk', None) is self and node.name in self.routers
                for node in (node1, node2))

    def add_veth(self, intf1, node1, mac1, intf2, node2, mac2):
        """A veth pair made by the next make_veths(); both ends are down
        until their routers set them up. One made early is there already."""
        if frozenset((intf1, intf2)) not in self.made_early:
            self.veths.append((intf1, node1, mac1, intf2, node2, mac2))

    def router_added(self, router):
        """Mininet made router's node; after the last, the early set-up."""
        self.added[router.name] = router
        if self.early_links is not None and set(self.added) == self.routers:
            self.set_up_routers()

    def set_up_routers(self):
        """The early links in one `ip -batch`, then every router set up with
        its link ends (Router.send_set_up, side by side), then its first
        daemons, and after the last router's, every router's rest
        (router_configured)."""
        self.early = True
        ends = {name: [] for name in self.added}
        for name1, intf1, mac1, name2, intf2, mac2 in self.early_links:
            self.veths.append((intf1, self.added[name1], mac1, intf2, self.added[name2], mac2))
            self.made_early.add(frozenset((intf1, intf2)))
            ends[name1].append(intf1)
            ends[name2].append(intf2)
        self.make_veths()
        # every router's kernel work sent before any answer is read: the
        # shells do it side by side, a round trip for all instead of each
        for name in sorted(self.added):
            self.added[name].send_set_up(ends[name])
        for name in sorted(self.added):
            self.added[name].finish_set_up()
        for name in sorted(self.added):
            self.added[name].start_after_set_up()

    def make_veths(self):
        """Every pending veth pair, each end made in its node's namespace, in
        one `ip -batch` run in the machine's namespace."""
        if not self.veths:
            return
        lines = [veth_line(*veth) for veth in self.veths]
        self.veths = []
        try:
            made = subprocess.run(['ip', '-batch', '-'], input='\n'.join(lines) + '\n',
                                  capture_output=True, text=True, timeout=BATCH_TIMEOUT)
        except subprocess.TimeoutExpired:
            raise LabError('making the lab\'s %d links took over %d s; is the machine short '
                           'of memory?' % (len(lines), BATCH_TIMEOUT))
        if made.returncode:
            raise LabError('the kernel refused a link of the lab (%s); start the lab again '
                           'after `mn -c`.' % ' / '.join(made.stderr.strip().splitlines()[-2:]))

    def router_configured(self, router):
        """router's first daemons run; once all have, every router's rest
        starts (LabError from a router whose first daemons did not come up)."""
        self.configured.append(router)
        left = len(self.routers) - len(self.configured)
        self.progress.say('%d of %d routers configured, their first daemons started'
                          % (len(self.configured), len(self.routers)))
        if left == 0:
            self.start_rest()

    def start_rest(self):
        """Every router's rest of daemons, sent to every router's shell
        before any answer is read: the shells start them side by side, so
        the BGP daemons start within a second of each other (each waits a
        second before its first connection) instead of a round trip apart."""
        self.done = True
        try:
            for router in self.configured:
                router.queued_starts = []
                router.start_rest_of_daemons()      # FRR: waits for its zebra
            starting = [router for router in self.configured if router.queued_starts]
            for router in starting:
                router.send_queued_starts()
            for number, router in enumerate(starting, 1):
                router.take_queued_pids()
                self.progress.say('%d of %d routers started' % (number, len(starting)))
        finally:
            for router in self.configured:
                router.queued_starts = None
        self.progress.finish('all %d routers started' % len(self.configured))

    def stop_daemons(self):
        """Every router's daemons at once (the first router's terminate()
        at the lab's end): Mininet ends nodes one by one, and a router's
        daemons take ~10 ms to exit, 20 s for a thousand routers in turn."""
        procs.stop_all([pid for router in self.configured for pid in router.take_daemon_pids()])


def veth_line(intf1, node1, mac1, intf2, node2, mac2):
    """`ip -batch`'s line for one veth pair across two namespaces (by pid)."""
    def end(intf, node, mac):
        return 'name %s netns %d%s' % (intf, node.pid, ' address %s' % mac if mac else '')
    return 'link add %s type veth peer %s' % (end(intf1, node1, mac1), end(intf2, node2, mac2))
