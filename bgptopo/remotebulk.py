"""The routers of one remote server of a cluster lab (bgptopo/cluster.py),
built together in a few round trips over the server's shared ssh
connection, whatever their number: what bgptopo/bulk.py does for this
machine's routers.

Built one by one, a remote router took about 0.22 s: every link end, its
set-up, each config file copied and each daemon started was a round trip
of its own, several of them a fresh ssh command. A RemoteBulk (one per
server, in its routers' Mininet parameters) instead:
 - takes the links between two of its routers (LabLink defers them, as for
   a local Bulk) and, when the first of its routers is configured (every
   node and link of the lab exists by then), builds every router of the
   server:
 - one shell script run on the server (one ssh command, its stdin): the
   veth pairs in one `ip -batch`, then per router, inside the node's
   namespaces (nsenter), its private run directory mounted with the
   sysctls, its config files written into it, its interfaces' `ip -batch`,
   a few routers side by side; a router whose set-up fails is named;
 - every router's first daemons (FRR's zebra, BIRD) sent to every node
   shell before any answer is read (their pids);
 - one more script that waits on the server, to a deadline that grows with
   the number of routers, until every first daemon is ready, and names one
   that died or is late (only when daemons follow: FRR's bgpd needs zebra);
 - every router's other daemons (bgpd) sent likewise;
 - at the lab's end, every daemon of the server signalled and waited for
   by one script.
The daemons still start from each node's shell, so they keep their
parent-death signal: a shell that dies (ssh gone, `mn -c`) takes them along.
Nothing is written outside the routers' private run directories, which go
with their nodes."""

import os
import posixpath
import shlex
import subprocess
import uuid

from bgptopo import tcpdump
from bgptopo.bulk import Bulk, veth_line
from bgptopo.errors import LabError

SCRIPT_TIMEOUT = 15.0       # seconds a server's build script may take, plus SCRIPT_SHARE each
SCRIPT_SHARE = 0.05         # more seconds per router of the server
READY_POLL = 0.05           # seconds between the ready script's looks
STOP_WAIT = 5               # seconds the daemons get to exit before SIGKILL
FAILED = '@@bgptopo-failed '     # a line of the build script's output: the part that failed
DONE = '@@bgptopo-done'
# the remote command that runs the script sent on its stdin, each command of
# which reads /dev/null unless given its own (none eats the script's rest)
SCRIPT_COMMAND = 'exec sh /dev/fd/3 3<&0 </dev/null'
SET_UP_AT_ONCE = 8          # routers a server's build script sets up side by side


class RemoteBulk(Bulk):
    """The bulk build of the routers named routers on server (see above)."""

    def __init__(self, server, routers):
        Bulk.__init__(self, routers)
        self.server = server
        self.built = False

    def make_veths(self):
        """Each router's config() calls this (Router.config): the first call
        builds every router of the server; the others find it done."""
        if self.built:
            return
        self.built = True
        self.build()

    def build(self):
        routers = [self.added[name] for name in sorted(self.added)]
        if not routers:
            return
        self.configured = routers
        plans = [StartPlan(router) for router in routers]
        self.run_script(routers[0], set_up_script(self.veths, plans),
                        SCRIPT_TIMEOUT + SCRIPT_SHARE * len(routers))
        self.veths = []
        self.progress.say('%s: %d routers set up' % (self.server, len(routers)))
        for router in routers:
            if router.boot_capture:     # capture= : before the daemons, as Router's
                tcpdump.start(router, tcpdump.boot_intfs(router), router.boot_capture)
            for start_helper in router.before_daemons:     # helpers the daemons connect to
                start_helper(router)
        start_side_by_side([(plan.router, plan.first) for plan in plans])
        later = [plan for plan in plans if plan.rest]
        if later:
            self.wait_ready(routers[0], later)
            start_side_by_side([(plan.router, plan.rest) for plan in later])
        for plan in plans:      # what the set-up script did is not done again (later_batch)
            plan.router.set_up_ends = sorted(set(plan.router.intfNames()) |
                                             set(plan.router.interfaces()))
        self.done = True
        self.progress.finish('%s: all %d routers started' % (self.server, len(routers)))

    def run_script(self, router, script, timeout):
        """script run by sh on the server; LabError naming the part (a
        router, or the links) that failed, with what failed said."""
        out = run_on_server(router, script, timeout)
        lines = [line.strip() for line in out.splitlines() if line.strip()]
        failed = [line[len(FAILED):] for line in lines if line.startswith(FAILED)]
        if not failed and lines[-1:] == [DONE]:
            return
        said = [line for line in lines if not line.startswith(('@@bgptopo', 'BGPTOPO_EOF'))]
        raise LabError('%s cannot be set up on %s (%s); run `mn -c --cluster` and start '
                       'the lab again.' % ((failed or ['its routers'])[0], self.server,
                                           ' / '.join(said[-2:]) or 'no answer'))

    def wait_ready(self, router, plans):
        """Every plan's first daemons ready (their ready files), to a
        deadline that grows with the routers; LabError naming one that died
        or is late, with its last words."""
        timeout = plans[0].router.start_timeout()
        out = run_on_server(router, ready_script(plans, timeout), timeout + SCRIPT_TIMEOUT)
        for line in out.splitlines():
            words = line.split()
            if len(words) == 3 and words[0] in ('dead', 'late'):
                plan = next(p for p in plans if p.router.name == words[1])
                raise plan.router.not_started(words[2], words[0] == 'dead', timeout)
        if not out.rstrip().endswith(DONE):
            raise LabError('%s did not say whether its routers\' daemons started (%s); '
                           'start the lab again.' % (self.server, out.strip()[-120:]))

    def stop_daemons(self):
        """Every daemon of the server's routers signalled at once and waited
        for by one script there (the first router's terminate()); nothing
        if the server is gone: its daemons die with their shells."""
        pids = [pid for router in self.configured
                for pid in reversed(list(router.daemon_pids.values()))]
        for router in self.configured:
            router.daemon_pids.clear()
        if not pids or not any(alive(router) for router in self.configured):
            return
        try:
            run_on_server(next(r for r in self.configured if alive(r)),
                          stop_line(' '.join(map(str, pids)), STOP_WAIT),
                          STOP_WAIT + SCRIPT_TIMEOUT)
        except LabError:
            pass        # the server went away: the shells' ends take the daemons


def stop_line(pids, grace):
    """A shell line that TERMs pids (words), waits up to grace seconds for
    them, then KILLs only those still running."""
    return ('kill %s 2>/dev/null; for i in $(seq %d); do a=; for p in %s; do kill -0 $p '
            '2>/dev/null && a="$a $p"; done; [ -z "$a" ] && break; sleep 0.1; done; '
            '[ -n "$a" ] && kill -9 $a 2>/dev/null; true' % (pids, int(grace * 10), pids))


def alive(router):
    return router.shell is not None and router.shell.poll() is None


class StartPlan(object):
    """What one router starts (its first daemons, then the rest) and the
    config files to write into its private run directory on the server
    for them, as the routing suite says: the suite's start_first and
    start_rest with the router's starts queued (RemoteRouter.start_daemon)."""

    def __init__(self, router):
        self.router = router
        router.started = False
        self.files, self.texts = {}, {}     # {copy: local file}, {copy: text} (a fed lab's)
        router.queued_files = self.texts
        try:
            self.first = queued(router, router.routing.start_first)
            self.rest = queued(router, router.routing.start_rest)
        finally:
            router.queued_files = None
        for starts in (self.first, self.rest):
            starts[:] = [(daemon, self.shipped(args)) for daemon, args in starts]

    def shipped(self, args):
        """args with each local config file named by its copy on the server."""
        out = []
        for arg in args:
            copy = router_copy(self.router, arg)
            if copy:
                self.files[copy] = arg
                arg = copy
            out.append(arg)
        return out

    def ready_files(self):
        """(daemon, its ready file through /proc on the server) of the first daemons."""
        return [(daemon, through_proc(self.router, self.router.routing.ready_file(daemon)))
                for daemon, _ in self.first]


def router_copy(router, arg):
    """The path in router's run directory a local config file arg is copied
    to (RemoteRouter.shipped), or None for an argument that is none."""
    if isinstance(arg, str) and arg.endswith('.conf') and os.path.isabs(arg) \
            and os.path.isfile(arg):
        return posixpath.join(router.routing.run_dir, os.path.basename(arg))
    return None


def queued(router, start):
    """The (daemon, args) start(router) asks for, queued, not started."""
    router.queued_starts = []
    try:
        start(router)
        return router.queued_starts
    finally:
        router.queued_starts = None


def through_proc(router, name):
    """A file of router's private run directory as the server's root sees it."""
    return '%s/%s' % (router.from_root(router.routing.run_dir), name)


def heredoc(command, text, after=''):
    """command reading text as its stdin, in a shell script; after: what
    follows the command on its line (`|| ...`, `&`)."""
    end = 'BGPTOPO_EOF_%s' % uuid.uuid4().hex
    return "%s <<'%s'%s\n%s%s%s" % (command, end, after and ' ' + after, text,
                                    '' if text.endswith('\n') else '\n', end)


def set_up_script(veths, plans):
    """The server's build script (see the module's docstring): the links,
    then SET_UP_AT_ONCE routers at a time, each in its namespaces; silent
    unless something fails (FAILED ROUTER, after what failed said)."""
    lines = ['exec 2>&1']
    if veths:
        lines.append(heredoc('ip -batch -', '\n'.join(veth_line(*veth) for veth in veths),
                             '|| { echo %s; exit 0; }' % shlex.quote(FAILED + 'the links')))
    for number, plan in enumerate(plans, 1):
        lines.append(heredoc('nsenter -t %d -m -n sh -e' % plan.router.pid, router_script(plan),
                             '|| echo %s &' % shlex.quote(FAILED + plan.router.name)))
        if number % SET_UP_AT_ONCE == 0:
            lines.append('wait')
    lines += ['wait', 'echo %s' % DONE]
    return '\n'.join(lines) + '\n'


def router_script(plan):
    """What one router's set-up runs inside its namespaces: its private run
    directory mounted and the sysctls (Router.set_up_line), its config
    files written there, its interfaces' `ip -batch`."""
    router = plan.router
    lines = [router.set_up_line()]
    for copy, local in sorted(plan.files.items()):
        with open(local) as conf:
            lines.append(heredoc('cat > %s' % shlex.quote(copy), conf.read()))
    for copy, text in sorted(plan.texts.items()):
        lines.append(heredoc('cat > %s' % shlex.quote(copy), text))
    batch = router.kernel_batch()
    if batch:
        lines.append(heredoc('ip -batch -', '\n'.join(batch)))
    return '\n'.join(lines)


def ready_script(plans, timeout):
    """A script that waits until every plan's first daemons are ready or
    dead, or timeout seconds pass; it prints `dead|late ROUTER DAEMON` for
    each that is not ready, then DONE. Items are ROUTER,DAEMON,PID,FILE."""
    items = ' '.join('%s,%s,%d,%s' % (plan.router.name, daemon, plan.router.daemon_pids[daemon],
                                      path)
                     for plan in plans for daemon, path in plan.ready_files())
    script = READY_SCRIPT.replace('SECONDS', str(int(timeout) + 1)).replace('ITEMS', items)
    return script.replace('POLL', '%g' % READY_POLL).replace('DONE', DONE)


READY_SCRIPT = r"""read up rest < /proc/uptime; end=$(( ${up%.*} + SECONDS ))
pending="ITEMS"
while [ -n "$pending" ]; do
  next=
  for item in $pending; do
    rest=${item#*,}; rest=${rest#*,}; pid=${rest%%,*}; path=${rest#*,}
    if [ -e "$path" ]; then :
    elif kill -0 "$pid" 2>/dev/null; then next="$next $item"
    else echo "dead $(echo $item | cut -d, -f1,2 | tr , ' ')"; fi
  done
  pending=$next
  read up rest < /proc/uptime
  if [ -n "$pending" ] && [ ${up%.*} -ge $end ]; then
    for item in $pending; do echo "late $(echo $item | cut -d, -f1,2 | tr , ' ')"; done
    break
  fi
  [ -n "$pending" ] && sleep POLL
done
echo DONE
"""


def start_side_by_side(starts):
    """[(router, [(daemon, args)])]: each router's daemons sent to its shell
    in one line, every router's before any answer is read (their pids)."""
    starts = [(router, daemons) for router, daemons in starts if daemons]
    for router, daemons in starts:
        router.queued_starts = daemons
        router.send_queued_starts()
    try:
        for router, _ in starts:
            router.take_queued_pids()
    finally:
        for router, _ in starts:
            router.queued_starts = None


def run_on_server(router, script, timeout):
    """script run by sh in the root namespace of router's server, over its
    shared ssh connection (its keepalives too); its output."""
    try:
        done = subprocess.run(router.server_command(SCRIPT_COMMAND), input=script,
                              capture_output=True,
                              universal_newlines=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise LabError('%s does not answer over ssh within %d s (building its routers); is '
                       'the server down? run `mn -c --cluster` and start the lab again.'
                       % (router.server, timeout))
    if done.returncode == 255:
        raise LabError('the connection to the server %s ended (%s); is the server down or '
                       'unreachable? start the lab again.'
                       % (router.server, done.stderr.strip()[-200:] or 'no answer'))
    return done.stdout

