"""`updates`: the captured BGP messages as a teacher reads them out, one a
line in time order, addresses turned into the lab's node names, with the
links the lab took down and up in between (a link that is down carries no
message: only the lab knows when a session's link went away).
KEEPALIVEs, a session's heartbeat every few seconds, are folded into one
line per run unless asked for."""

import os

from bgptopo import capture, journal, lab, messages
from bgptopo.capture import clock
from bgptopo.errors import LabError

CLOSES = {'TCP-FIN': 'the BGP connection closes (TCP FIN)',
          'TCP-RST': 'the BGP connection is reset (TCP RST)'}


def address_names(net):
    """{address: node name} of every address a node of the lab holds now."""
    names = {}
    for node in net.hosts:
        for found in lab.addresses(node).values():
            for address in found:
                names.setdefault(str(address.ip), node.name)
    return names


class Selection(object):
    """Which messages and link events a word picks: a router's (those it
    sends or receives), a link's (between its two ends; a router's
    interface names its link), or, no word, all."""

    def __init__(self, net, word=None):
        self.router, self.ends = None, None
        if word is None:
            self.title = 'every session'
        elif word in [r.name for r in lab.routers(net)]:
            self.router, self.title = word, word
        else:
            link = link_of(net, word)
            self.ends = {link.intf1.node.name, link.intf2.node.name}
            self.title = 'the link %s' % capture.link_name(link)

    def picks(self, a, b):
        if self.router:
            return self.router in (a, b)
        return self.ends is None or {a, b} == self.ends

    def picks_event(self, event):
        return self.picks(*event.details['ends'])


def link_of(net, word):
    """The link a word names (r1-r2, or an interface r1-eth1), or a sentence."""
    intf = capture.named_intf(net, word)
    if intf is not None:
        return intf.link
    try:
        return capture.named_link(net, word)
    except LabError:
        raise LabError('%s is no router, link or router interface of this lab; name a '
                       'router (%s), a link (%s) or an interface (e.g. %s).' % (
                           word[:80], ', '.join(r.name for r in lab.routers(net)),
                           ', '.join(capture.link_name(l) for l in capture.capturable_links(net)),
                           capture.example_intf(net)))


def summary(message):
    """What a message says, in a phrase."""
    details = message.details
    if message.kind == 'OPEN':
        return 'AS %s, hold time %s s, router id %s' % (
            details['as'], details['hold_time'], details['router_id'])
    if message.kind == 'UPDATE':
        return update_summary(details)
    if message.kind == 'NOTIFICATION':
        return '%s%s' % (details['error'], ': %s' % details['reason'] if details['reason'] else '')
    return CLOSES.get(message.kind, '')


def update_summary(details):
    if details.get('end_of_rib'):
        return 'End-of-RIB (the initial routes are all sent)'
    parts = []
    if details['announced']:
        parts.append('announce %s  AS path %s  next hop %s%s' % (
            ' '.join(details['announced']), details['as_path'] or '(empty)',
            details['next_hop'], '  communities %s' % ' '.join(details['communities'])
            if details['communities'] else ''))
    if details['withdrawn']:
        parts.append('withdraw %s' % ' '.join(details['withdrawn']))
    return '; '.join(parts)


def event_line(event, width):
    details = event.details
    return '%s  %-*s  LINK %-9s %s (%s)\n' % (
        clock(event.time), width, 'lab', details['status'].upper(),
        '-'.join(details['ends']), details['by'])


def message_line(message, names, width):
    return ('%s  %-*s  %-13s %s' % (clock(message.time), width, route(message, names),
                                    message.kind, summary(message))).rstrip() + '\n'


def route(message, names):
    return '%s -> %s' % (names.get(message.src, message.src), names.get(message.dst, message.dst))


def folded_line(run, names, width):
    sessions = sorted({'-'.join(sorted([names.get(m.src, m.src), names.get(m.dst, m.dst)]))
                       for m in run})
    return '%s  %-*s  %d KEEPALIVE%s (%s)\n' % (clock(run[0].time), width, '...', len(run),
                                                '' if len(run) == 1 else 's', ', '.join(sessions))


def text(found, events, names, keepalives=False):
    """The lines of `updates`: messages and link events in time order, runs
    of KEEPALIVEs folded into one line unless keepalives."""
    width = max([len(route(m, names)) for m in found] + [len('lab')])
    items = sorted([(m.time, 0, m) for m in found] + [(e.time, 1, e) for e in events],
                   key=lambda item: item[:2])
    lines, run = [], []
    for _, is_event, item in items:
        if not is_event and item.kind == 'KEEPALIVE' and not keepalives:
            run.append(item)
            continue
        if run:
            lines.append(folded_line(run, names, width))
            run = []
        lines.append(event_line(item, width) if is_event else message_line(item, names, width))
    if run:
        lines.append(folded_line(run, names, width))
    return ''.join(lines)


def as_json(found, events, names, keepalives=False):
    listed = [m for m in found if keepalives or m.kind != 'KEEPALIVE']
    return {
        'messages': [dict(time=m.time, clock=clock(m.time), type=m.kind,
                          **{'from': names.get(m.src, m.src), 'to': names.get(m.dst, m.dst),
                             'from_address': m.src, 'to_address': m.dst}, **m.details)
                     for m in listed],
        'keepalives_left_out': len(found) - len(listed),
        'events': [dict(time=e.time, clock=clock(e.time), type='link ' + e.details['status'],
                        link='-'.join(e.details['ends']), by=e.details['by']) for e in events]}


def captured(net, selection):
    """(messages, link events) of the running or last capture that selection picks."""
    paths = capture.pcaps(net)
    names = address_names(net)
    found = [m for m in messages.decode(paths)
             if selection.picks(names.get(m.src, m.src), names.get(m.dst, m.dst))]
    since = min(c.started for c in capture.captures(net))
    events = [e for e in journal.events(net, 'link')
              if e.time >= since and selection.picks_event(e)]
    return found, events, names


def show(net, word=None, as_dict=False, keepalives=False):
    """What `updates [word]` prints (as_dict: what --json prints, as a dict)."""
    selection = Selection(net, word)
    found, events, names = captured(net, selection)
    if as_dict:
        return as_json(found, events, names, keepalives)
    folder = os.path.dirname(capture.pcaps(net)[0])
    if not found and not events:
        return '*** the capture in %s holds no BGP message of %s yet\n' % (folder,
                                                                          selection.title)
    head = '*** BGP messages of %s, captured in %s%s\n' % (
        selection.title, folder, '' if keepalives else ' (--keepalives lists KEEPALIVEs)')
    return head + text(found, events, names, keepalives)
