"""Unit: a build's bulk work (bgptopo/bulk.py) on routers that only record
what happens to them: nobody's second daemons start before every router
runs its first ones; then every router's are sent before any answer is
read; so is every router's early set-up; progress lines come no more often than asked; a veth pair is one
`ip -batch` line across two namespaces. The bulk build on the real stack
is in every integration test (every lab is built so), and a ring past a
hundred routers in tests/test_generated.py."""

import pytest

from bgptopo import bulk


class RecordingRouter(object):
    def __init__(self, name, events, pid=100):
        self.name, self.events, self.pid = name, events, pid
        self.queued_starts = None
        self.daemon_pids = {}

    def start_rest_of_daemons(self):
        self.events.append(('rest', self.name))
        self.queued_starts.append(('bgpd', ['bgpd']))

    def send_queued_starts(self):
        self.events.append(('send', self.name))

    def take_queued_pids(self):
        self.events.append(('take', self.name))
        self.queued_starts = None


    def send_set_up(self, link_ends):
        self.events.append(('send set-up', self.name, tuple(link_ends)))

    def finish_set_up(self):
        self.events.append(('finish set-up', self.name))

    def start_after_set_up(self):
        self.events.append(('first daemons', self.name))


def build(names, every=1000.0):
    events = []
    routers = [RecordingRouter(name, events) for name in names]
    made = bulk.Bulk(names)
    made.progress = bulk.Progress(every)
    return made, routers, events


def test_second_daemons_start_once_every_router_runs_its_first():
    made, routers, events = build(['r1', 'r2', 'r3'])
    for router in routers[:2]:
        made.router_configured(router)
    assert events == [] and not made.done
    made.router_configured(routers[2])
    assert made.done
    assert [kind for kind, _ in events] == ['rest'] * 3 + ['send'] * 3 + ['take'] * 3
    assert all(router.queued_starts is None for router in routers)


def test_the_early_set_up_is_sent_to_every_router_before_any_answer_is_read(monkeypatch):
    """The routers' set-up round trips overlap (Router.send_set_up): every
    router's is sent, then every answer read, then the first daemons start."""
    events = []
    routers = [RecordingRouter(name, events) for name in ('r1', 'r2')]
    made = bulk.Bulk(['r1', 'r2'], early_links=[('r1', 'r1-eth0', None, 'r2', 'r2-eth0', None)])
    monkeypatch.setattr(made, 'make_veths', lambda: events.append(('veths',)))
    for router in routers:
        made.router_added(router)
    assert events == [('veths',), ('send set-up', 'r1', ('r1-eth0',)),
                      ('send set-up', 'r2', ('r2-eth0',)), ('finish set-up', 'r1'),
                      ('finish set-up', 'r2'), ('first daemons', 'r1'), ('first daemons', 'r2')]


def test_a_router_that_failed_to_start_leaves_no_queue_behind():
    made, routers, events = build(['r1', 'r2'])

    def refuse():
        raise bulk.LabError('r2: bgpd did not start')
    routers[1].take_queued_pids = refuse
    made.router_configured(routers[0])
    with pytest.raises(bulk.LabError, match='r2: bgpd did not start'):
        made.router_configured(routers[1])
    assert all(router.queued_starts is None for router in routers)


def test_progress_lines_come_no_more_often_than_asked(monkeypatch):
    said = []
    monkeypatch.setattr(bulk, 'info', said.append)
    clock = [0.0]
    monkeypatch.setattr(bulk.time, 'monotonic', lambda: clock[0])
    progress = bulk.Progress(every=2.0)
    progress.say('early')
    clock[0] = 2.5
    progress.say(lambda: 'later')
    progress.say('too soon')
    progress.finish('done')
    assert said == ['*** bgptopo: later\n', '*** bgptopo: done\n']


def test_a_quick_build_says_nothing(monkeypatch):
    said = []
    monkeypatch.setattr(bulk, 'info', said.append)
    progress = bulk.Progress(every=1000.0)
    progress.say('configured')
    progress.finish('all started')
    assert said == []


def test_a_veth_pair_is_made_across_two_namespaces():
    a, b = RecordingRouter('r1', [], pid=11), RecordingRouter('r2', [], pid=22)
    assert bulk.veth_line('r1-eth0', a, None, 'r2-eth0', b, '02:00:00:00:00:02') == (
        'link add name r1-eth0 netns 11 type veth peer name r2-eth0 netns 22 '
        'address 02:00:00:00:00:02')
