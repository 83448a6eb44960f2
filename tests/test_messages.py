"""Unit tests of reading a capture: tshark's decoding of a real pcap
(tests/fixtures/r1-r3.pcap, captured from boot on r1-eth2 of a hijack lab:
the first OPENs, UPDATEs with r3's community 65000:80 no-export, the
hijack's /25s announced and withdrawn, a hard reset NOTIFICATION and the
connection collision that follows), the lines of `updates`, the sessions'
up spans and lanes of `timeline`, and the CLI's argument parsing."""

import os
import xml.etree.ElementTree as ElementTree

import pytest

from bgptopo import messages, timeline, updates
from bgptopo.cli import dir_option, watch_args
from bgptopo.errors import LabError
from bgptopo.journal import Event

FIXTURE = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'fixtures', 'r1-r3.pcap')
R1, R3 = '192.168.13.1', '192.168.13.3'
NAMES = {R1: 'r1', R3: 'r3'}
PNG_MAGIC = b'\x89PNG\r\n\x1a\n'


@pytest.fixture(scope='module')
def found():
    return messages.decode([FIXTURE])


def kinds(found, src=None):
    return [m.kind for m in found if src is None or m.src == src]


def test_the_session_begins_with_both_opens(found):
    assert [m.kind for m in found[:2]] == ['OPEN', 'OPEN']
    opens = {m.src: m.details for m in found[:2]}
    assert opens == {R1: {'as': 4500, 'hold_time': 9, 'router_id': '10.0.0.254'},
                     R3: {'as': 65000, 'hold_time': 9, 'router_id': '11.0.0.254'}}


def test_updates_carry_prefixes_paths_next_hops_and_communities(found):
    backup = [m.details for m in found if m.src == R3 and m.announces and
              m.details['announced'] == ['12.0.0.0/24']]
    assert backup[0] == {'announced': ['12.0.0.0/24'], 'withdrawn': [],
                         'as_path': '65000 4500 55000', 'next_hop': R3, 'communities': []}
    tagged = [d for d in backup if d['communities']]
    assert tagged[0]['as_path'] == '65000 55000'
    assert tagged[0]['communities'] == ['65000:80', 'no-export']


def test_the_hijack_is_announced_then_withdrawn(found):
    halves = ['12.0.0.0/25', '12.0.0.128/25']
    announced = [i for i, m in enumerate(found) if m.details.get('announced') == halves]
    withdrawn = [i for i, m in enumerate(found) if m.details.get('withdrawn') == halves]
    assert len(announced) == 1 and len(withdrawn) == 1 and announced[0] < withdrawn[0]
    assert found[announced[0]].details['as_path'] == '65000'
    assert found[withdrawn[0]].src == R3 and 'as_path' not in found[withdrawn[0]].details


def test_notifications_name_their_cause_and_connections_their_end(found):
    notes = [m for m in found if m.kind == 'NOTIFICATION']
    assert [(n.details['error'], n.details['reason']) for n in notes] == [
        ('Cease', 'hard reset'), ('Cease', 'connection collision resolution'),
        ('Cease', 'connection collision resolution')]
    hard_reset = found.index(notes[0])
    assert found[hard_reset + 1].kind == 'TCP-FIN'


def test_end_of_rib_markers_are_recognised(found):
    assert sum(1 for m in found if m.details.get('end_of_rib')) == 4


def test_the_same_packet_in_two_files_counts_once(found):
    assert messages.decode([FIXTURE, FIXTURE]) == found


def test_a_file_cut_short_is_decoded_up_to_the_cut(found, tmp_path):
    """A capture being written may end in half a packet."""
    with open(FIXTURE, 'rb') as whole:
        (tmp_path / 'cut.pcap').write_bytes(whole.read()[:5000])
    early = messages.decode([str(tmp_path / 'cut.pcap')])
    assert 0 < len(early) < len(found) and early == found[:len(early)]


def test_a_file_that_is_no_capture_is_a_sentence(tmp_path):
    (tmp_path / 'notes.pcap').write_text('not a capture\n')
    with pytest.raises(LabError, match=r'^tshark could not read .*notes.pcap: .*\.$'):
        messages.decode([str(tmp_path / 'notes.pcap')])


def test_missing_tshark_is_a_sentence(monkeypatch, tmp_path):
    copy = tmp_path / 'copy.pcap'       # a file not decoded before
    with open(FIXTURE, 'rb') as original:
        copy.write_bytes(original.read())
    monkeypatch.setenv('PATH', str(tmp_path))
    with pytest.raises(LabError, match='tshark is missing; run ./setup.sh'):
        messages.decode([str(copy)])


def test_a_file_that_did_not_change_is_not_decoded_again(found, monkeypatch, tmp_path):
    copy = tmp_path / 'growing.pcap'
    with open(FIXTURE, 'rb') as original:
        whole = original.read()
    copy.write_bytes(whole[:5000])
    runs = []
    real = messages.run_tshark
    monkeypatch.setattr(messages, 'run_tshark', lambda paths: runs.append(paths) or real(paths))
    early = messages.decode([str(copy)])
    assert messages.decode([str(copy)]) == early and len(runs) == 1
    copy.write_bytes(whole)             # the capture grew
    assert messages.decode([str(copy)]) == found and len(runs) == 2


def test_updates_lines_fold_keepalives_unless_asked(found):
    folded = updates.text(found, [], NAMES).splitlines()
    listed = updates.text(found, [], NAMES, keepalives=True).splitlines()
    assert not any('KEEPALIVE ' in line and '->' in line for line in folded)
    assert '...       2 KEEPALIVEs (r1-r3)' in folded[2]
    assert sum('KEEPALIVE' in line for line in listed) == kinds(found).count('KEEPALIVE')
    assert len(listed) - len(folded) == kinds(found).count('KEEPALIVE') - sum(
        'KEEPALIVE' in line for line in folded)
    hijack = [line for line in folded if '12.0.0.0/25' in line]
    assert hijack[0].split('  ', 1)[1] == (
        'r3 -> r1  UPDATE        announce 12.0.0.0/25 12.0.0.128/25  AS path 65000  next hop '
        '192.168.13.3  communities 65000:80 no-export')
    assert hijack[1].endswith('r3 -> r1  UPDATE        withdraw 12.0.0.0/25 12.0.0.128/25')


def test_link_events_are_lines_in_time_order(found):
    down = Event(found[5].time + 0.0001, 'link', {'ends': ('r1', 'r3'), 'status': 'down',
                                                  'by': 'failover'})
    lines = updates.text(found[:8], [down], NAMES).splitlines()
    at = [i for i, line in enumerate(lines) if 'LINK DOWN' in line]
    assert len(at) == 1 and lines[at[0]].endswith('lab       LINK DOWN      r1-r3 (failover)')
    assert 'End-of-RIB' in lines[at[0] - 1]


def test_updates_as_json(found):
    answer = updates.as_json(found, [], NAMES)
    assert answer['keepalives_left_out'] == kinds(found).count('KEEPALIVE')
    first = answer['messages'][0]
    assert (first['type'], first['from'], first['to'], first['as']) == ('OPEN', 'r1', 'r3', 4500)
    assert all(m['type'] != 'KEEPALIVE' for m in answer['messages'])


def test_session_spans_follow_opens_notifications_and_collisions(found):
    start, end = found[0].time - 1, found[-1].time + 1
    spans = timeline.session_spans(found, [], start, end)
    reset = next(m.time for m in found if m.kind == 'NOTIFICATION')
    winner_keepalive = [m for m in found if m.kind == 'KEEPALIVE' and m.time > reset]
    assert len(spans) == 2
    assert spans[0][1] == reset and spans[1][1] == end
    assert spans[0][0] == next(m.time for m in found if m.kind == 'KEEPALIVE')
    assert spans[1][0] in {m.time for m in winner_keepalive}


def test_a_session_up_before_the_capture_is_up_from_its_start(found):
    later = [m for m in found if m.time > found[0].time + 2.9 and
             m.time < next(n.time for n in found if n.kind == 'NOTIFICATION')]
    spans = timeline.session_spans(later, [], 100.0, 200.0)
    assert spans[0][0] == 100.0


def test_a_link_going_down_ends_the_session(found):
    down = Event(found[10].time, 'link', {'ends': ('r1', 'r3'), 'status': 'down', 'by': 'link'})
    spans = timeline.session_spans(found[:12], [down], 0, found[11].time + 5)
    assert spans[-1][1] == down.time


def test_timeline_has_a_lane_per_session_in_svg_and_png(found):
    start, end = found[0].time - 0.5, found[-1].time + 0.5
    link = Event(found[20].time, 'link', {'ends': ('r1', 'r3'), 'status': 'down', 'by': 'link'})
    fetches = [Event(found[20].time + 0.2, 'fetch', {'ok': False}),
               Event(found[20].time + 0.4, 'fetch', {'ok': True})]
    sessions = [('r1', 'r2'), ('r1', 'r3'), ('r2', 'r3')]
    lanes = timeline.lanes(found, NAMES, sessions, [link], start, end)
    assert [lane.label for lane in lanes] == ['r1-r2', 'r1-r3', 'r2-r3']
    assert len(lanes[1].marks) == len(found) and lanes[0].marks == []
    fig = timeline.figure(lanes, [link] + fetches, start, end, 'a test')
    svg = ElementTree.fromstring(timeline.render(fig, 'svg'))
    texts = [t.text for t in svg.iter('{http://www.w3.org/2000/svg}text')]
    for label in ('r1-r2', 'r1-r3', 'r2-r3', 'fetch'):
        assert texts.count(label) == 1, texts
    assert ' link r1-r3 down' in texts
    assert timeline.render(fig, 'png').startswith(PNG_MAGIC)


def test_an_unlisted_session_in_the_capture_gets_a_lane(found):
    lanes = timeline.lanes(found, NAMES, [('r1', 'r2')], [], 0, 1)
    assert [lane.label for lane in lanes] == ['r1-r2', 'r1-r3']


@pytest.mark.parametrize('line, parsed', [
    ('', (1.0, None)), ('2', (2.0, None)), ('0.5 3', (0.5, 3))])
def test_watch_arguments(line, parsed):
    assert watch_args(line.split()) == parsed


@pytest.mark.parametrize('line', ['x', '0', '0.1', '1 0', '1 2 3', 'nan', 'inf', '1 x', '4000'])
def test_watch_misuse_is_the_usage(line):
    with pytest.raises(LabError, match=r'^usage: watch \[seconds\] \[times\]'):
        watch_args(line.split())


def test_capture_folder_option():
    assert dir_option(['r1-r2', '--dir', 'out', 'r2-r3']) == (['r1-r2', 'r2-r3'], 'out')
    assert dir_option(['r1-r2']) == (['r1-r2'], None)
    for words in (['--dir'], ['--dir', 'a', '--dir', 'b']):
        with pytest.raises(LabError, match='^usage: capture'):
            dir_option(words)
