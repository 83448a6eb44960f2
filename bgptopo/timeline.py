"""`timeline`: a picture of a capture on one time axis: one lane per BGP
session with a mark for each message (OPEN, UPDATE announcing,
withdrawing, NOTIFICATION, KEEPALIVE), the spans the session was up, the
links the lab took down and up, the fetches `failover` measured and the
hijack's steps. Drawn with matplotlib in memory; like `draw`, it writes the
file named and nothing else."""

import io
import os
import time
from collections import namedtuple

from bgptopo import capture, drawing, journal, lab, messages, updates
from bgptopo.errors import LabError

Lane = namedtuple('Lane', 'label ends marks spans')     # ends: (upper, lower) router names

# message -> (legend label, marker, colour, size)
MARKS = {'OPEN': ('OPEN', '^', 'tab:blue', 60),
         'announce': ('UPDATE: announce', 'o', 'tab:green', 40),
         'withdraw': ('UPDATE: withdraw', 'v', 'tab:red', 60),
         'eor': ('UPDATE: End-of-RIB', 'o', 'lightgreen', 20),
         'NOTIFICATION': ('NOTIFICATION', 'X', 'black', 70),
         'KEEPALIVE': ('KEEPALIVE', '|', 'grey', 25),
         'close': ('TCP FIN/RST', 'x', 'dimgrey', 30),
         'ROUTE-REFRESH': ('ROUTE-REFRESH', 's', 'tab:purple', 40)}
OFFSET = 0.18       # messages the lane's first router sent sit above its line, the other's below
DEFAULT_NAME = '%s-timeline.png'
EVENT_ROWS, EVENT_STEP = 3, 0.22    # the lab's events are labelled on 3 staggered rows at the top


def mark_of(message):
    if message.kind == 'UPDATE':
        if message.details.get('end_of_rib'):
            return 'eor'
        return 'announce' if message.details['announced'] else 'withdraw'
    if message.kind in ('TCP-FIN', 'TCP-RST'):
        return 'close'
    return message.kind


def session_spans(found, link_events, start, end):
    """The times (from, to) a session was up, from its messages (one
    session's, in time order): a TCP connection is up from the KEEPALIVE
    that follows OPENs both ways (or, for one already up when the capture
    began, from the start) until a NOTIFICATION, a FIN or RST, or its link
    going down; a connection collision's loser never comes up."""
    opened, up_since, spans, ended = {}, {}, [], set()
    happenings = sorted([(m.time, 'message', m) for m in found] +
                        [(e.time, 'link', e) for e in link_events], key=lambda item: item[0])
    for when, what, item in happenings:
        if what == 'link':
            if item.details['status'] == 'down':
                spans += [(since, when) for since in up_since.values()]
                ended.update(up_since, opened)
                up_since.clear()
                opened.clear()
            continue
        conn = item.connection
        if conn in ended:
            continue
        if item.kind == 'OPEN':
            opened.setdefault(conn, set()).add(item.src)
        elif item.kind in ('NOTIFICATION', 'TCP-FIN', 'TCP-RST'):
            if conn in up_since:
                spans.append((up_since.pop(conn), when))
            opened.pop(conn, None)
            ended.add(conn)
        elif conn not in up_since:
            if len(opened.get(conn, ())) == 2:
                up_since[conn] = when
            elif conn not in opened:        # up before the capture began
                up_since[conn] = start
    spans += [(since, end) for since in up_since.values()]
    return merged(spans)


def merged(spans):
    out = []
    for begin, finish in sorted(spans):
        if out and begin <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], finish))
        else:
            out.append((begin, finish))
    return out


def lanes(found, names, sessions, link_events, start, end):
    """One Lane per session: sessions are (a, b) router name pairs, in the
    lab's order; a pair seen in the capture but not listed gets a lane too."""
    pairs = list(sessions)
    for message in found:
        pair = (names.get(message.src, message.src), names.get(message.dst, message.dst))
        if frozenset(pair) not in {frozenset(p) for p in pairs}:
            pairs.append(pair)
    result = []
    for a, b in pairs:
        mine = [m for m in found
                if {names.get(m.src, m.src), names.get(m.dst, m.dst)} == {a, b}]
        mine_events = [e for e in link_events if set(e.details['ends']) == {a, b}]
        marks = [(m.time, mark_of(m), names.get(m.src, m.src) == a) for m in mine]
        result.append(Lane('%s-%s' % (a, b), (a, b), marks,
                           session_spans(mine, mine_events, start, end)))
    return result


def figure(lane_list, events, start, end, title):
    """The matplotlib Figure of the lanes and the lab's events (journal
    Events), the time axis in seconds since start."""
    from matplotlib.figure import Figure
    fetches = [e for e in events if e.kind == 'fetch']
    rows = len(lane_list) + (1 if fetches else 0)
    fig = Figure(figsize=(12, 1.6 + 0.75 * rows), dpi=100)
    axes = fig.add_subplot(1, 1, 1)
    seen = set()
    for row, lane in enumerate(reversed(lane_list)):
        draw_lane(axes, row, lane, start, seen)
    labels = [lane.label for lane in reversed(lane_list)]
    if fetches:
        draw_fetches(axes, len(lane_list), fetches, start, seen)
        labels.append('fetch')
    draw_events(axes, [e for e in events if e.kind != 'fetch'], start, rows)
    axes.set_yticks(range(rows))
    axes.set_yticklabels(labels)
    axes.set_ylim(-0.7, rows - 0.5 + EVENT_ROWS * EVENT_STEP)
    axes.set_xlim(-0.02 * max(end - start, 1), (end - start) * 1.02 + 0.1)
    axes.set_xlabel('seconds since %s' % capture.clock(start))
    axes.set_title(title)
    axes.grid(axis='x', alpha=0.3)
    axes.legend(loc='upper center', bbox_to_anchor=(0.5, -0.25 if rows < 4 else -0.15),
                ncol=5, fontsize='small', frameon=False)
    fig.tight_layout()
    return fig


def draw_lane(axes, row, lane, start, seen):
    axes.axhline(row, color='lightgrey', linewidth=1, zorder=0)
    for begin, finish in lane.spans:
        axes.plot([begin - start, finish - start], [row, row], color='tab:green', alpha=0.35,
                  linewidth=9, solid_capstyle='butt', zorder=1,
                  label=once(seen, 'session up'))
    for key in MARKS:
        label, marker, colour, size = MARKS[key]
        points = [(when - start, row + (OFFSET if upper else -OFFSET))
                  for when, kind, upper in lane.marks if kind == key]
        if points:
            axes.scatter(*zip(*points), marker=marker, color=colour, s=size, zorder=3,
                         label=once(seen, label))
    axes.text(0, row + 0.42, '%s sends above, %s below' % lane.ends, fontsize='x-small',
              color='grey', va='center')


def draw_fetches(axes, row, fetches, start, seen):
    axes.axhline(row, color='lightgrey', linewidth=1, zorder=0)
    for ok, marker, colour, label in ((True, 'D', 'tab:cyan', 'fetch works'),
                                      (False, 'x', 'tab:red', 'fetch fails')):
        times = [e.time - start for e in fetches if e.details['ok'] == ok]
        if times:
            axes.scatter(times, [row] * len(times), marker=marker, color=colour, s=40,
                         zorder=3, label=once(seen, label))


def draw_events(axes, events, start, rows):
    """A vertical line for each thing the lab did: a link down (red) or up
    (green), a hijack or defence step (purple)."""
    for index, event in enumerate(events):
        if event.kind == 'link':
            colour = 'tab:red' if event.details['status'] == 'down' else 'tab:green'
            text = 'link %s %s' % ('-'.join(event.details['ends']), event.details['status'])
        else:
            colour, text = 'tab:purple', event.details['what']
        axes.axvline(event.time - start, color=colour, linestyle='--', linewidth=1, zorder=2)
        axes.text(event.time - start, rows - 0.45 + EVENT_STEP * (index % EVENT_ROWS),
                  ' ' + text, color=colour, fontsize='small', va='bottom')


def once(seen, label):
    """The legend label the first time, then none: one legend entry a kind."""
    if label in seen:
        return None
    seen.add(label)
    return label


def render(fig, fmt):
    """The picture's bytes; SVG keeps its text as text (searchable, and
    lighter than glyph outlines)."""
    import matplotlib
    out = io.BytesIO()
    with matplotlib.rc_context({'svg.fonttype': 'none'}):
        fig.savefig(out, format=fmt)
    return out.getvalue()


def lab_sessions(net):
    """(a, b) for every link between two routers, in the lab's order."""
    return [(link.intf1.node.name, link.intf2.node.name)
            for link in capture.router_router_links(net)]


def draw(net, path=None):
    """Write the timeline of the running or last capture to path (.png or
    .svg; default <topology>-timeline.png in the current directory); the
    (path, lane labels) drawn."""
    path = os.path.expanduser(path) if path else DEFAULT_NAME % lab.topology_name(net)
    drawing.check_target(path, 'timeline', 'timeline')
    paths = capture.pcaps(net)
    found = messages.decode(paths)
    names = updates.address_names(net)
    start = min(c.started for c in capture.captures(net))
    events = [e for e in journal.events(net) if e.time >= start]
    end = max([m.time for m in found] + [e.time for e in events] +
              [c.stopped or c.started for c in capture.captures(net)] + [start])
    if any(c.running() for c in capture.captures(net)):
        end = max(end, time.time())
    lane_list = lanes(found, names, lab_sessions(net),
                      [e for e in events if e.kind == 'link'], start, end)
    if not lane_list:
        raise LabError('the capture holds no BGP session to draw; capture while routers talk '
                       '(capture start, then e.g. failover).')
    fig = figure(lane_list, events, start, end, 'BGP timeline of the %s lab (capture %s)' % (
        lab.topology_name(net), os.path.basename(os.path.dirname(paths[0]))))
    drawing.write(path, render(fig, os.path.splitext(path)[1][1:]))
    return path, [lane.label for lane in lane_list]
