"""The Mininet CLI, extended with the lab's commands (COMMANDS lists them:
its own, then the scenarios', bgptopo/scenarios/).

Misuse prints a usage line or one sentence and the prompt goes on."""

import json
import os
import select
import sys

from mininet.cli import CLI
from mininet.log import error, output
from mininet.util import quietRun

from bgptopo import (capture, convergence, drawing, grading, journal, lab, lifecycle, running,
                     scenarios, timeline, tracing, updates, watching)
from bgptopo.errors import LabError, unexpected
from bgptopo.nodeshell import PULSE_MS

COMMANDS = (
    ('bgp', 'bgp [router [show args]] [--json]', "a router's BGP summary, or any show of its suite"),
    ('routes', 'routes [router] [--json]', "every router's kernel routing table, or one's"),
    ('fetch', 'fetch [-6] [node url]',
     "the client retrieves the web server's page (-6: over IPv6)"),
    ('vtysh', 'vtysh router [command]', "an FRR router's vtysh, interactive or one command"),
    ('birdc', 'birdc router [command]', "a BIRD router's birdc, interactive or one command"),
    ('converge', 'converge [seconds]', 'wait until every session and prefix is up'),
    ('restart', 'restart router', "stop and start a router's routing daemons"),
    ('check', 'check [--json]', 'grade the lab: PASS/FAIL per requirement, a score'),
    ('path', 'path [-6] [src dst] [--json]',
     'hop by hop path now (-6: IPv6), with each router\'s AS path and AS hops'),
    ('why', 'why [src dst]', 'the first broken thing between two nodes, in a sentence'),
    ('draw', 'draw [file.png|file.svg]', 'a picture of the lab; writes (or replaces) that file only'),
    ('capture', 'capture [start [link|interface ...] [--dir FOLDER] | stop]',
     'tcpdump on router links, a pcap per interface; alone: what it captures'),
    ('updates', 'updates [router|link] [--keepalives] [--json]',
     'the captured BGP messages, decoded, in time order'),
    ('timeline', 'timeline [file.png|file.svg]',
     'a picture of the capture: a lane per session, link events, fetches'),
    ('watch', 'watch [seconds] [times]', 'sessions and best paths, redrawn until Ctrl-C'),
    ('feed', 'feed [start|stop]',
     'the fed table (feed=FILE): prefixes loaded, sent, held per router; stop withdraws it'),
) + tuple((c.name, c.usage, c.help) for c in scenarios.commands())
USAGE = {name: usage for name, usage, _ in COMMANDS}
HELP = {name: text for name, _, text in COMMANDS}


def misuse(name, detail=''):
    """The sentence for a command typed wrong: its declared usage."""
    return LabError('usage: %s%s' % (USAGE[name], ' (%s)' % detail if detail else ''))


def command(method):
    """A lab command (do_NAME): its help is the declared usage and help line,
    then the method's own docstring (details); a LabError is one line and
    the CLI goes on (unless the lab itself died: BgpCLI.onecmd ends it)."""
    name = method.__name__[len('do_'):]

    def run(self, line):
        try:
            return method(self, line)
        except lifecycle.NodeDied:
            raise
        except LabError as failure:
            error('*** %s\n' % failure)
    run.__doc__ = '%s: %s.%s' % (USAGE[name], HELP[name],
                                 '\n' + method.__doc__ if method.__doc__ else '')
    run.__name__ = method.__name__
    return run


class BgpCLI(CLI):
    """Mininet's CLI with the BGP lab's commands."""

    prompt = 'mininet> '

    def __init__(self, mininet, *args, **params):
        for scenario in scenarios.of(getattr(mininet, 'topo', None)):
            if scenario.hint:
                output('*** %s\n' % scenario.hint)
        CLI.__init__(self, mininet, *args, **params)

    def onecmd(self, line):
        """Any command, Mininet's or ours: a failure is one sentence and the
        prompt comes back; a lab whose nodes died from outside ends."""
        try:
            lifecycle.require_alive(self.mn.hosts)
            return CLI.onecmd(self, line)
        except lifecycle.NodeDied as death:
            self.end_dead_lab(death)
        except LabError as failure:
            error('*** %s\n' % failure)
        except Exception:
            error('*** bgptopo: %s\n' % unexpected('`%s`' % line.strip()[:80]))
        return False

    def end_dead_lab(self, death):
        """Say what died, stop what is left, exit non-zero."""
        error('*** bgptopo: %s\n' % death)
        self.mn.stop()
        sys.exit(1)

    def waitForNode(self, node):
        """Mininet's wait for a command typed at the prompt (`r1 ping ...`),
        with a pulse: a node that dies meanwhile ends the wait, not hangs it."""
        poller = select.poll()
        poller.register(self.stdin, select.POLLIN)
        poller.register(node.stdout, select.POLLIN)
        if self.isatty():
            quietRun('stty -icanon min 1')      # interactive commands get each key
        while node.waiting:
            try:
                ready = {fd for fd, _ in poller.poll(PULSE_MS)}
                if self.stdin.fileno() in ready:
                    key = self.stdin.read(1)
                    if key:
                        node.write(key)
                    else:       # stdin ended (a script): stop listening to it
                        poller.unregister(self.stdin)
                if node.stdout.fileno() in ready:
                    output(node.monitor())
                elif hasattr(node, 'require_alive'):
                    node.require_alive()
            except KeyboardInterrupt:
                node.sendInt()

    def do_help(self, line):
        CLI.do_help(self, line)
        if not line:
            output('BGP lab commands:\n')
            for _, usage, text in COMMANDS:     # a long usage gets a line of its own
                output('  %-26s %s\n' % (usage, text) if len(usage) <= 26 else
                       '  %s\n  %-26s %s\n' % (usage, '', text))
            output('\n')

    @command
    def do_bgp(self, line):
        """BGP summary of one router or all; `bgp r1 ip bgp` runs `show ip bgp` on an FRR
        r1, `bgp r2 route` runs `show route` on a BIRD r2."""
        words, as_json = json_flag(line)
        targets = [lab.router(self.mn, words[0])] if words else lab.routers(self.mn)
        shown = words[1:]
        if as_json:
            answers = {r.name: r.routing.show_json(r, shown) if r.bgp_running()
                       else {'error': running.not_running(r)} for r in targets}
            output(json.dumps(answers, indent=1) + '\n')
            return
        for router in targets:
            output('*** %s (AS %s, %s): %s\n' % (
                router.name, router.router_config().asn, router.routing.name,
                'show ' + ' '.join(shown) if shown else 'its sessions'))
            if not router.bgp_running():
                output('%s.\n\n' % running.not_running(router))
                continue
            lab_words = fed_table_words(router, shown)
            output(router.routing.show(router, lab_words or shown).rstrip() + '\n\n')
            if lab_words:
                output(fed_table_note(self.mn, router, shown))

    @command
    def do_routes(self, line):
        """Kernel routing tables (prefix, next hop, interface, protocol)."""
        words, as_json = json_flag(line)
        if len(words) > 1:
            raise misuse('routes')
        targets = [lab.router(self.mn, words[0])] if words else lab.routers(self.mn)
        if as_json:
            output(json.dumps({r.name: kernel_routes(self.mn, r)[0] for r in targets},
                              indent=1) + '\n')
            return
        for router in targets:
            output('*** %s\n' % router.name)
            routes, fed = kernel_routes(self.mn, router)
            output(format_routes(routes))
            if fed is not None:
                output('  and {:,} fed routes (`feed` counts them)\n\n'.format(fed))

    @command
    def do_fetch(self, line):
        """Node (default host) retrieves url (default: the web server's page)."""
        words = line.split()
        if words not in ([], ['-6']) and len(words) != 2:
            raise misuse('fetch')
        output(lab.page(self.mn, version=6) if words == ['-6'] else lab.page(self.mn, *words))

    @command
    def do_converge(self, line):
        """Wait (30 s at most) until every BGP session is Established and every router
        routes every prefix."""
        words = line.split()
        if len(words) > 1 or (words and not words[0].isdigit()):
            raise misuse('converge')
        output(convergence.report(self.mn, int(words[0]) if words else None))

    @command
    def do_restart(self, line):
        """Stop the router's daemons (by pid) and start them again."""
        words = line.split()
        if len(words) != 1:
            raise misuse('restart')
        router = lab.router(self.mn, words[0])
        router.restart_daemons()
        output('*** %s: %s restarted; `converge` waits for BGP\n' % (
            router.name, ' and '.join(router.daemon_pids)))

    @command
    def do_vtysh(self, line):
        """The router's vtysh; with a command, run just that."""
        self.suite_cli('vtysh', line)

    @command
    def do_birdc(self, line):
        """The router's birdc; with a command, run just that."""
        self.suite_cli('birdc', line)

    def suite_cli(self, shell, line):
        """A router's own CLI (vtysh for FRR, birdc for BIRD), interactive or
        one command; a sentence for a router that runs the other suite."""
        words = line.split(None, 1)
        if not words:
            raise misuse(shell)
        router = lab.router(self.mn, words[0])
        if router.routing.shell != shell:
            raise LabError('%s runs %s, which has no %s; use `%s %s`.' % (
                router.name, router.routing.name, shell, router.routing.shell, router.name))
        if len(words) == 2:     # birdc's answer ends without a newline
            output(router.routing.run_cli(router, words[1]).rstrip('\n') + '\n')
        else:
            router.interact(router.routing.interactive_cli(router))


    @command
    def do_check(self, line):
        """Grade the running lab against the solution configs."""
        words = line.split()
        if words not in ([], ['--json']):
            raise misuse('check')
        results = grading.check(self.mn)
        if words:
            output(json.dumps(grading.as_json(results), indent=1) + '\n')
        else:
            output(grading.report(results))


    @command
    def do_path(self, line):
        """The hop-by-hop path from src (the client) to dst (the web server) now, beside
        the BGP AS path each router holds; -6: over IPv6."""
        words, as_json = json_flag(line)
        version = 6 if words[:1] == ['-6'] else 4
        words = words[1:] if version == 6 else words
        if len(words) not in (0, 2):
            raise misuse('path')
        src, dst = words or lab.default_ends(self.mn)
        hops = tracing.trace(self.mn, src, dst, version)
        if as_json:
            output(json.dumps(hops, indent=1) + '\n')
        else:
            prefix = lab.prefix_of(self.mn[dst], version)
            output(tracing.format_trace(src, dst, hops, prefix))

    @command
    def do_why(self, line):
        """The first broken thing between src and dst, in a sentence."""
        words = line.split()
        if len(words) not in (0, 2):
            raise misuse('why')
        src, dst = words or lab.default_ends(self.mn)
        output('*** %s\n' % tracing.why(self.mn, src, dst))


    @command
    def do_draw(self, line):
        """A picture of the running lab, written to that file (replaced if it exists:
        you named it) and nothing else; default bgp3-lab.png (after the topology) in
        the current directory."""
        words = line.split()
        if len(words) > 1:
            raise misuse('draw')
        output('*** drew %s\n' % drawing.draw(self.mn, words[0] if words else None))


    def do_link(self, line):
        """link node1 node2 up|down: Mininet's own, also written down for
        `updates` and `timeline` (a link that is down carries no message)."""
        words = line.split()
        if len(words) == 3 and words[2] in ('up', 'down') and \
                all(w in self.mn for w in words[:2]) and \
                self.mn[words[0]].connectionsTo(self.mn[words[1]]):
            journal.link_changed(self.mn, words[0], words[1], words[2], 'link')
        CLI.do_link(self, line)

    @command
    def do_capture(self, line):
        """Tcpdump on one end of every link between two routers (or those named), a
        FOLDER/INTERFACE.pcap each (default folder: bgp3-capture here); alone, what
        is being or was captured."""
        words = line.split()
        if not words:
            output(capture.status(self.mn))
        elif words == ['stop']:
            if not capture.stop(self.mn):
                raise LabError('no capture is running; `capture start` begins one.')
            output(capture.status(self.mn))
        elif words[0] == 'start':
            targets, folder = dir_option(words[1:])
            started = capture.start(self.mn, targets, folder)
            output('*** capturing %s into %s; `capture stop` ends it, `updates` decodes it\n'
                   % (', '.join(c.intf for c in started), os.path.dirname(started[0].path)))
        else:
            raise misuse('capture')

    @command
    def do_updates(self, line):
        """The BGP messages of the running or last capture, in time order, with the
        lab's link events."""
        words = line.split()
        rest = [w for w in words if w not in ('--json', '--keepalives')]
        if len(rest) > 1:
            raise misuse('updates')
        word, keepalives = (rest[0] if rest else None), '--keepalives' in words
        if '--json' in words:
            output(json.dumps(updates.show(self.mn, word, True, keepalives), indent=1) + '\n')
        else:
            output(updates.show(self.mn, word, keepalives=keepalives))

    @command
    def do_timeline(self, line):
        """A picture of the running or last capture, written to that file only (default
        bgp3-timeline.png here)."""
        words = line.split()
        if len(words) > 1:
            raise misuse('timeline')
        path, lanes = timeline.draw(self.mn, words[0] if words else None)
        output('*** drew %s: a lane for each session (%s)\n' % (path, ', '.join(lanes)))

    @command
    def do_feed(self, line):
        """Alone: the dump, what it left out, the feeder's routes loaded and sent, each
        router's fed prefixes in BGP and kernel. `feed stop`: the feeder withdraws every
        route, timed until no router holds one; `feed start`: it announces them again,
        timed until every router holds them all."""
        from bgptopo import feeding
        words = line.split()
        if words not in ([], ['stop'], ['start']):
            raise misuse('feed')
        action = {(): feeding.report, ('stop',): feeding.stop, ('start',): feeding.start}
        output(action[tuple(words)](self.mn))

    @command
    def do_watch(self, line):
        """Every router's sessions and best path to the web server, redrawn every
        seconds (1) until Ctrl-C; without a terminal (input or output), or from a
        script (`source`, --pre), printed `times` times (once)."""
        interval, times = watch_args(line.split())
        terminal = self.isatty() and sys.stdout.isatty() and not self.inputFile
        try:
            watching.watch(self.mn, interval, times, out=output, terminal=terminal)
        except KeyboardInterrupt:
            output('\n*** watch ended\n')


def scenario_command(declared):
    """A scenario's Command as the prompt's do_NAME: its words in, its text
    out, its misuse answered with its declared usage."""
    def run(self, line):
        try:
            text = declared.run(self.mn, line.split())
        except scenarios.Misuse as wrong:
            raise misuse(declared.name, str(wrong))
        output(text)
    run.__name__ = 'do_' + declared.name
    run.__doc__ = declared.run.__doc__
    return command(run)


def add_scenario_commands(prompt_class):
    for declared in scenarios.commands():
        setattr(prompt_class, 'do_' + declared.name, scenario_command(declared))


add_scenario_commands(BgpCLI)


def dir_option(words):
    """(the other words, the folder after --dir or None)."""
    if words.count('--dir') > 1 or words[-1:] == ['--dir']:
        raise misuse('capture')
    if '--dir' not in words:
        return words, None
    at = words.index('--dir')
    return words[:at] + words[at + 2:], words[at + 1]


def watch_args(words):
    """(seconds, times or None) of `watch [seconds] [times]`."""
    try:
        interval = float(words[0]) if words else 1.0
        times = int(words[1]) if len(words) > 1 else None
    except ValueError:
        raise watch_misuse()
    if len(words) > 2 or not watching.MIN_INTERVAL <= interval <= watching.MAX_INTERVAL or \
            (times is not None and times < 1):
        raise watch_misuse()
    return interval, times


def watch_misuse():
    return misuse('watch', 'seconds: %g to %d' % (watching.MIN_INTERVAL, watching.MAX_INTERVAL))


def fed_table_words(router, words):
    """In a fed lab, the words that show router's whole table without the
    fed routes, when words ask for the whole table; else None."""
    if getattr(router, 'feed', None) is None:
        return None
    return router.routing.lab_table(words, router.feed)


def fed_table_note(net, router, words):
    """The line under a table shown without its fed routes."""
    from bgptopo import feeding
    example = feeding.key_text(min(feeding.require(net).keys))
    return '*** and {:,} fed prefixes, not listed; ask for one: `bgp {} {} {}`\n\n'.format(
        router.routing.fed_count(router, router.feed), router.name, ' '.join(words), example)


def kernel_routes(net, router):
    """(router's kernel routes as lab.kernel_routes gives them, how many
    fed routes were left out of them: None in a lab without a feed)."""
    if getattr(router, 'feed', None) is None:
        return lab.kernel_routes(router), None
    from bgptopo import feeding
    return feeding.kernel_routes(router, feeding.require(net))


def json_flag(line):
    """(the other words, whether --json was given)."""
    words = line.split()
    return [w for w in words if w != '--json'], '--json' in words


def format_routes(routes):
    """Kernel routes (lab.kernel_routes) as aligned columns."""
    rows = [('prefix', 'next hop', 'interface', 'protocol')]
    for route in routes:
        rows.append((route.get('dst', '?'), route.get('gateway', 'direct'),
                     route.get('dev', '-'), route.get('protocol', 'kernel')))
    widths = [max(len(row[column]) for row in rows) for column in range(3)]
    return ''.join('  %s %s %s %s\n' % (row[0].ljust(widths[0]), row[1].ljust(widths[1]),
                                        row[2].ljust(widths[2]), row[3])
                   for row in rows) + '\n'

