"""Integration: seeing BGP on a lab captured from boot (`capture=DIR`): the
capture holds every session's first OPENs; across `failover r1 r2` and
`link r1 r2 up` it holds, in order, r3's backup route, the link going down,
r1's new path through r3, and r2's re-announcement once the link is back;
the timeline has a lane per session; a capture at the prompt takes the
links named; misuse is one sentence that writes nothing."""

import os
import signal
import time
import xml.etree.ElementTree as ElementTree

import pytest

from bgptopo import (capture, convergence, journal, messages, procs, timeline, updates,
                     watching)
from bgptopo.cli import BgpCLI
from bgptopo.errors import LabError
from bgptopo.scenarios.failover import failover
from conftest import build_lab, tcpdumps
from test_prompt import read_only

pytestmark = pytest.mark.integration

WEB = '12.0.0.0/24'
SESSIONS = [('r1', 'r2'), ('r1', 'r3'), ('r2', 'r3')]
PNG_MAGIC = b'\x89PNG\r\n\x1a\n'


@pytest.fixture(scope='module')
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp('capture') / 'from-boot'


@pytest.fixture(scope='module')
def lab(folder):
    before = tcpdumps()
    net = build_lab(capture=str(folder))
    yield net
    net.stop()
    assert tcpdumps() == before


def decoded(net):
    """The capture's messages with node names: (time, from, to, kind, details)."""
    names = updates.address_names(net)
    return [(m.time, names[m.src], names[m.dst], m.kind, m.details)
            for m in messages.decode(capture.pcaps(net))]


def cli(net):
    """The lab's CLI object, for one command, without a terminal."""
    shell = BgpCLI.__new__(BgpCLI)
    shell.mn = net
    return shell


def test_a_capture_from_boot_holds_every_sessions_first_opens(lab, folder):
    assert sorted(os.listdir(str(folder))) == ['r1-eth1.pcap', 'r1-eth2.pcap', 'r2-eth1.pcap']
    assert all(c.running() for c in capture.captures(lab))
    assert procs.wait_until(lambda: len({(s[1], s[2]) for s in decoded(lab) if s[3] == 'OPEN'})
                            == 6, 5, interval=0.2)
    seen = decoded(lab)
    for a, b in SESSIONS:
        # every BGP daemon starts at once, so both ends may connect at the
        # same moment: a collision's OPENs, its Cease (subcode 7) and the
        # closed connection's FIN come before the first KEEPALIVE
        session = [s for s in seen if {s[1], s[2]} == {a, b}]
        opening = session[:[s[3] for s in session].index('KEEPALIVE')]
        assert opening and opening[0][3] == 'OPEN', session[:4]
        assert {(s[1], s[2]) for s in opening if s[3] == 'OPEN'} == {(a, b), (b, a)}, opening
        assert all(s[3] in ('OPEN', 'TCP-FIN') or (s[3], s[4].get('subcode')) ==
                   ('NOTIFICATION', '7') for s in opening), opening


def announcements(seen, src, dst, prefix=WEB):
    return [(s[0], s[4]['as_path']) for s in seen
            if (s[1], s[2], s[3]) == (src, dst, 'UPDATE') and prefix in s[4]['announced']]


def test_failover_and_back_in_order(lab):
    outage, path = failover(lab, 'r1', 'r2')
    assert path == '65000 55000'
    try:
        assert procs.wait_until(lambda: any(
            p == '4500 65000 55000' for _, p in announcements(decoded(lab), 'r1', 'r3')), 10)
    finally:
        cli(lab).do_link('r1 r2 up')
    convergence.wait(lab)
    assert procs.wait_until(lambda: [p for _, p in announcements(decoded(lab), 'r1', 'r3')][-1:]
                            == ['4500 55000'], 10)
    seen = decoded(lab)
    down, up = [e.time for e in journal.events(lab, 'link')]
    backup = [t for t, p in announcements(seen, 'r3', 'r1') if p == '65000 55000']
    detour = [t for t, p in announcements(seen, 'r1', 'r3') if p == '4500 65000 55000']
    back = [t for t, p in announcements(seen, 'r2', 'r1') if p == '55000']
    restored = [t for t, p in announcements(seen, 'r1', 'r3') if p == '4500 55000']
    assert backup[0] < down < detour[0] < up < back[-1] < restored[-1]
    assert not [s for s in seen if down < s[0] < up and s[1] == 'r2' and s[2] == 'r1']
    text = updates.show(lab, 'r1')
    assert text.index('LINK DOWN      r1-r2 (failover)') < \
        text.index('UPDATE        announce 12.0.0.0/24  AS path 4500 65000 55000') < \
        text.index('LINK UP        r1-r2 (link)')


def test_updates_of_a_link_show_only_its_ends(lab):
    answer = updates.show(lab, 'r2-eth1', as_dict=True)
    assert answer['messages'] and all({m['from'], m['to']} == {'r2', 'r3'}
                                      for m in answer['messages'])
    again = updates.show(lab, 'r3-r2', as_dict=True)     # the capture goes on meanwhile:
    assert again['messages'][:len(answer['messages'])] == answer['messages']   # KEEPALIVEs
    assert again['keepalives_left_out'] >= answer['keepalives_left_out']       # every 3 s
    assert again['events'] == answer['events']
    with pytest.raises(LabError, match='^r9 is no router, link or router interface of this '
                                       'lab; name a router'):
        updates.show(lab, 'r9')


def test_the_timeline_has_a_lane_per_session(lab, tmp_path):
    path, lanes = timeline.draw(lab, str(tmp_path / 'failover.png'))
    assert lanes == ['r1-r2', 'r1-r3', 'r2-r3']
    with open(path, 'rb') as picture:
        assert picture.read(8) == PNG_MAGIC
    path, _ = timeline.draw(lab, str(tmp_path / 'failover.svg'))
    texts = [t.text for t in ElementTree.parse(path).iter('{http://www.w3.org/2000/svg}text')]
    assert [t for t in texts if t in ('r1-r2', 'r1-r3', 'r2-r3', 'fetch')] == \
        ['r2-r3', 'r1-r3', 'r1-r2', 'fetch']
    assert ' link r1-r2 down' in texts and ' link r1-r2 up' in texts
    assert sorted(os.listdir(str(tmp_path))) == ['failover.png', 'failover.svg']


def test_misuse_is_one_sentence_and_writes_nothing(lab, tmp_path, monkeypatch):
    (tmp_path / 'notes.txt').write_text('mine\n')
    (tmp_path / 'readonly').mkdir()
    with pytest.raises(LabError, match=r'^a capture is already running \(into .*from-boot, '
                                       r'since [0-9:.]+\); `capture stop` ends it\.$'):
        capture.start(lab, [], str(tmp_path / 'x'))
    assert len(capture.stop(lab)) == 3 and not capture.running(lab)
    refusals = [
        (['r1-r9'], 'out', r'^r1-r9 is no link or router interface of this lab; name links '
                           r'like host-r1, r1-r2, r1-r3, r2-r3, r2-webserver, or interfaces '
                           r'like r1-eth1\.$'),
        (['host-eth0'], 'out', 'host-eth0 is no link or router interface'),
        ([], 'notes.txt', r'notes.txt is a file, not a folder; name a folder'),
        ([], 'missing/out', r'^the folder .*missing does not exist; create it'),
        ([], 'readonly', r'^cannot write into .*readonly; name a folder you can write\.$'),
    ]
    with read_only(tmp_path / 'readonly'):
        for words, where, sentence in refusals:
            with pytest.raises(LabError, match=sentence):
                capture.start(lab, words, str(tmp_path / where))
    lab.configLinkStatus('r1', 'r2', 'down')
    try:
        with pytest.raises(LabError, match=r'^r1-eth1 is down \(the link r1-r2\), and tcpdump '
                                           r'captures only interfaces that are up; `link r1 r2 '
                                           r'up` first, or name other links\.$'):
            capture.start(lab, [], str(tmp_path / 'out'))
    finally:
        lab.configLinkStatus('r1', 'r2', 'up')
    monkeypatch.setenv('PATH', '/nowhere')
    with pytest.raises(LabError, match='^tcpdump is missing; run ./setup.sh'):
        capture.start(lab, [], str(tmp_path / 'out'))
    monkeypatch.undo()
    convergence.wait(lab)
    assert sorted(os.listdir(str(tmp_path))) == ['notes.txt', 'readonly']
    assert not capture.running(lab)


def test_a_capture_of_named_links_into_a_named_folder(lab, tmp_path):
    started = capture.start(lab, ['r3-r2', 'r1-eth1'], str(tmp_path / 'two'))
    assert sorted(c.intf for c in started) == ['r1-eth1', 'r2-eth1']
    lab['r1'].vtysh('clear ip bgp 192.168.12.2')        # a hard reset: a NOTIFICATION, OPENs
    assert procs.wait_until(lambda: [s for s in decoded(lab) if s[3] == 'NOTIFICATION'], 10)
    assert sorted(os.listdir(str(tmp_path / 'two'))) == ['r1-eth1.pcap', 'r2-eth1.pcap']
    convergence.wait(lab)
    os.kill(lab['r2'].captures['r2-eth1'].pid, signal.SIGKILL)     # from outside
    assert procs.wait_until(lambda: 'r2-eth1.pcap       r2-r3            ' in capture.status(lab)
                            and 'ended unexpectedly' in capture.status(lab), 5)
    stopped = capture.stop(lab)
    assert [c.intf for c in stopped] == ['r1-eth1'] and stopped[0].packets() > 0
    status = capture.status(lab)
    assert 'the last capture' in status and 'r1-eth1.pcap       r1-r2' in status
    reset = [s for s in decoded(lab) if s[3] == 'NOTIFICATION'][0]
    assert (reset[1], reset[2], reset[4]['error']) == ('r1', 'r2', 'Cease')


def test_watch_without_a_terminal_prints_its_views_one_below_the_other(lab):
    views = []
    watching.watch(lab, 0.3, None, out=views.append, terminal=False)
    assert len(views) == 1
    started = time.monotonic()
    watching.watch(lab, 0.3, 2, out=views.append, terminal=False)
    assert len(views) == 3 and time.monotonic() - started >= 0.3
    assert not any(watching.CLEAR in view for view in views)
    first = views[0].splitlines()
    assert first[2] == 'r1   AS 4500    best path to webserver (12.0.0.0/24): AS path 55000 via r2'
    assert first[3].split() == ['r2', '192.168.12.2', 'Established', '2', 'prefixes', 'received']
    assert 'its own network' in first[5]


def test_watch_shows_a_dead_bgpd(lab):
    r3 = lab['r3']
    os.kill(r3.daemon_pids['bgpd'], signal.SIGKILL)
    assert procs.wait_until(lambda: not r3.daemon_running('bgpd'), 5)
    try:
        view = watching.view(lab, 1)
        assert "bgpd is not running (`restart r3` starts it)" in view
        assert 'r3   AS 65000   best path to webserver (12.0.0.0/24): no route' in view
    finally:
        r3.restart_daemons()
    convergence.wait(lab)
