"""The lab's packet capture, as `capture` at the prompt and the topology
parameter `capture=DIR` drive it: which interfaces (one end of every link
between two routers by default, or the links and interfaces named), the
folder, start, stop and status. The processes themselves are tcpdump.py's.

A capture writes INTERFACE.pcap files into one folder and nothing else:
the folder the user names, or, unnamed, `<topology>-capture` (bgp3-capture)
in the current directory, a name no folder of the checkout has."""

import os
import time

from bgptopo import drawing, lab, tcpdump
from bgptopo.errors import LabError


def default_folder(net):
    return '%s-capture' % lab.topology_name(net)


def prepare_folder(path):
    """The absolute path of a folder captures may write into, made if
    missing (its parent must exist); a sentence if it cannot be."""
    path = os.path.abspath(os.path.expanduser(path))
    if os.path.exists(path) and not os.path.isdir(path):
        raise LabError('%s is a file, not a folder; name a folder for the capture '
                       '(it is made if missing).' % path)
    if not os.path.exists(path):
        parent = os.path.dirname(path)
        if not os.path.isdir(parent):
            raise LabError('the folder %s does not exist; create it, or name a folder '
                           'in one that exists.' % parent)
        try:
            os.mkdir(path)
        except OSError as failure:
            raise LabError('cannot make the folder %s: %s; name a folder you can write.'
                           % (path, failure.strerror or failure))
    if not os.access(path, os.W_OK | os.X_OK):
        raise LabError('cannot write into %s; name a folder you can write.' % path)
    return path


def boot_folder(folder):
    """The topology parameter capture=DIR, checked before anything is built."""
    if not folder:
        return None
    tcpdump.require_installed()
    return prepare_folder(str(folder))


def router_ends(link, routers):
    """The interfaces of link that belong to routers."""
    return [intf for intf in (link.intf1, link.intf2) if intf.node in routers]


def link_name(link):
    return '%s-%s' % (link.intf1.node.name, link.intf2.node.name)


def captured_end(net, link):
    """The interface a capture of link listens on: its router end; between
    two routers, the end of the one the lab configures first (as a capture
    from boot does, tcpdump.boot_intfs)."""
    ends = router_ends(link, lab.routers(net))
    order = {node: index for index, node in enumerate(net.hosts)}
    return min(ends, key=lambda intf: order[intf.node]) if ends else None


def router_router_links(net):
    routers = lab.routers(net)
    return [link for link in net.links if len(router_ends(link, routers)) == 2]


def capturable_links(net):
    routers = lab.routers(net)
    return [link for link in net.links if router_ends(link, routers)]


def resolve(net, words):
    """The router interfaces (Mininet Intfs) a capture of words takes: each
    word a link (r1-r2, either order) or a router's interface (r1-eth1);
    no words: every link between two routers."""
    if not words:
        return [captured_end(net, link) for link in router_router_links(net)]
    found = []
    for word in words:
        intf = named_intf(net, word) or captured_end(net, named_link(net, word))
        if intf not in found:
            found.append(intf)
    return found


def named_intf(net, word):
    for router in lab.routers(net):
        if word in router.intfNames() and router.intf(word).link is not None:
            return router.intf(word)
    return None


def named_link(net, word):
    links = capturable_links(net)
    for link in links:
        ends = {link.intf1.node.name, link.intf2.node.name}
        if word.count('-') == 1 and set(word.split('-')) == ends:
            return link
    raise LabError('%s is no link or router interface of this lab; name links like %s, or '
                   'interfaces like %s.' % (word[:80], ', '.join(link_name(l) for l in links),
                                            example_intf(net)))


def example_intf(net):
    """A router interface to show in a sentence: one on a link between routers."""
    links = router_router_links(net) or capturable_links(net)
    return captured_end(net, links[0]).name if links else 'r1-eth0'


def require_up(intfs):
    """tcpdump captures only an interface that is up: say which is down
    before anything starts."""
    for intf in intfs:
        if not drawing.intf_up(intf):
            link = intf.link
            raise LabError('%s is down (the link %s), and tcpdump captures only interfaces '
                           'that are up; `link %s %s up` first, or name other links.' % (
                               intf.name, link_name(link), link.intf1.node.name,
                               link.intf2.node.name))


def captures(net):
    """The recorded captures (running or stopped), in the lab's order."""
    return [c for router in lab.routers(net) for c in router.captures.values()]


def running(net):
    return [c for c in captures(net) if c.running()]


def start(net, words, folder=None):
    """Capture the interfaces words name (see resolve) into folder; the captures."""
    tcpdump.require_installed()
    busy = running(net)
    if busy:
        raise LabError('a capture is already running (into %s, since %s); `capture stop` '
                       'ends it.' % (os.path.dirname(busy[0].path), clock(busy[0].started)))
    intfs = resolve(net, words)
    if not intfs:
        raise LabError('this lab has no link between two routers; name a link or an '
                       'interface: capture start r1-eth0.')
    require_up(intfs)
    folder = prepare_folder(folder or default_folder(net))
    for router in lab.routers(net):
        router.captures.clear()         # the last capture's files stay on disk
    try:
        for router in lab.routers(net):
            tcpdump.start(router, [i.name for i in intfs if i.node is router], folder)
    except BaseException:
        stop(net)
        raise
    return captures(net)


def stop(net):
    """Stop the running capture; the captures stopped."""
    ended = running(net)
    for router in lab.routers(net):
        tcpdump.stop(router)
    return ended


def pcaps(net):
    """The files of the running or last capture that exist; a sentence when
    there are none."""
    found = [c.path for c in captures(net) if os.path.exists(c.path)]
    if not found:
        raise LabError('nothing was captured yet; `capture start` begins a capture (or start '
                       'the lab with --topo %s,capture=FOLDER).' % lab.topology_name(net))
    return found


def clock(seconds):
    """A wall-clock time as users read it next to the capture: 16:06:17.583."""
    return time.strftime('%H:%M:%S', time.localtime(seconds)) + ('%.3f' % (seconds % 1))[1:]


def size(path):
    try:
        return '%.1f kB' % (os.path.getsize(path) / 1000.0)
    except OSError:
        return 'no file'


def describe(capture):
    """A line of `capture`: the file, its link, its size, its packets."""
    notes = [size(capture.path)]
    if capture.packets() is not None:
        notes.append('%d packets' % capture.packets())
    if capture.ended_unexpectedly():
        notes.append('tcpdump ended unexpectedly (killed from outside?)')
    return '  %-18s %-16s %s\n' % (os.path.basename(capture.path),
                                   link_name(capture.router.intf(capture.intf).link),
                                   ', '.join(notes))


def status(net):
    """What `capture` says: the running or last capture, its files."""
    found = captures(net)
    if not found:
        return ('*** no capture yet; `capture start` begins one (every link between two '
                'routers, into %s/).\n' % default_folder(net))
    folder = os.path.dirname(found[0].path)
    if any(c.running() for c in found):
        head = '*** capturing since %s into %s:\n' % (clock(found[0].started), folder)
        tail = '*** `capture stop` ends it; `updates` decodes it meanwhile\n'
    else:
        stopped = max(c.stopped or c.started for c in found)
        head = '*** the last capture (%s to %s) is in %s:\n' % (
            clock(found[0].started), clock(stopped), folder)
        tail = '*** `updates` and `timeline` read it; Wireshark opens its files\n'
    return head + ''.join(describe(c) for c in found) + tail
