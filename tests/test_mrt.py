"""Unit: the MRT reader (bgptopo/mrt.py) on dumps the tests write with its
own writer: routes and AS paths kept, the best-path rule, one peer's
table, compression told by content, and each bad input's sentence."""

import bz2
import gzip
import ipaddress

import pytest

from bgptopo import mrt
from bgptopo.errors import LabError

PEERS = [('192.0.2.11', '192.0.2.11', 3356), ('192.0.2.12', '2001:db8::12', 4200000001)]


def write(path, *records):
    path.write_bytes(b''.join(records))
    return str(path)


def prefixes(dump):
    return {'%s/%d' % (ipaddress.IPv4Address(r.network), r.length): r for r in dump.routes}


def sample(tmp_path, name='rib.mrt'):
    return write(tmp_path / name, mrt.peer_index(PEERS),
                 mrt.rib(0, '1.0.0.0/24', [(0, (3356, 13335), 0), (1, (4200000001, 2914, 7, 13335), 2)]),
                 mrt.rib(1, '8.0.0.0/9', [(0, (3356, 1299, 3356), 0), (1, (4200000001, 3356), 2)]),
                 mrt.rib(2, '2001:db8:1::/48', [(1, (4200000001, 65), 0)]))


def test_best_path_is_the_shortest_as_path_and_paths_keep_4_byte_ases(tmp_path):
    dump = mrt.read(sample(tmp_path))
    found = prefixes(dump)
    assert sorted(found) == ['1.0.0.0/24', '8.0.0.0/9']
    assert found['1.0.0.0/24'].path == (3356, 13335)
    assert found['8.0.0.0/9'].path == (4200000001, 3356) and found['8.0.0.0/9'].origin == 2
    assert dump.counts['IPv6 prefixes'] == 1 and dump.counts['IPv4 prefixes'] == 2
    assert [asn for _, _, asn in dump.peers] == [3356, 4200000001]


def test_equal_lengths_go_to_the_lowest_peer_index(tmp_path):
    path = write(tmp_path / 'tie.mrt', mrt.peer_index(PEERS),
                 mrt.rib(0, '9.9.9.0/24', [(1, (4200000001, 19281), 0), (0, (3356, 19281), 0)]))
    assert mrt.read(path).routes[0].path == (3356, 19281)     # peer 0's, though listed second
    path = write(tmp_path / 'tie2.mrt', mrt.peer_index(PEERS),
                 mrt.rib(0, '9.9.9.0/24', [(0, (3356, 19281), 0), (1, (4200000001, 19281), 0)]))
    assert mrt.read(path).routes[0].path == (3356, 19281)


def test_one_peers_table(tmp_path):
    found = prefixes(mrt.read(sample(tmp_path), peer=0))
    assert found['8.0.0.0/9'].path == (3356, 1299, 3356)


def test_as_sets_are_skipped_and_counted_unless_another_path_has_none(tmp_path):
    with_set = [(mrt.AS_SEQUENCE, (3356,)), (mrt.AS_SET, (1, 2))]
    path = write(tmp_path / 'sets.mrt', mrt.peer_index(PEERS),
                 mrt.rib(0, '5.0.0.0/16', [(0, with_set, 0)]),
                 mrt.rib(1, '6.0.0.0/16', [(0, with_set, 0), (1, (4200000001, 7, 8, 9), 0)]),
                 mrt.rib(2, '7.0.0.0/16', [(0, (3356, 9), 0)]))
    dump = mrt.read(path)
    assert sorted(prefixes(dump)) == ['6.0.0.0/16', '7.0.0.0/16']
    assert dump.counts['routes with an AS_SET'] == 1


@pytest.mark.parametrize('compress', [gzip.compress, bz2.compress])
def test_compressed_dumps_are_told_by_their_content(tmp_path, compress):
    plain = open(sample(tmp_path), 'rb').read()
    path = tmp_path / 'rib.20140101.0000'           # a name that says nothing
    path.write_bytes(compress(plain))
    assert sorted(prefixes(mrt.read(str(path)))) == ['1.0.0.0/24', '8.0.0.0/9']


def sentence(path, **params):
    with pytest.raises(LabError) as failure:
        mrt.read(str(path), **params)
    text = str(failure.value)
    assert text.endswith('.') and '\n' not in text
    return text


def test_an_empty_file(tmp_path):
    path = tmp_path / 'empty.mrt'
    path.write_bytes(b'')
    assert 'empty.mrt is empty; give a TABLE_DUMP_V2 RIB dump' in sentence(path)


def test_a_file_that_is_not_mrt(tmp_path):
    path = tmp_path / 'notes.txt'
    path.write_text('router bgp 65000\n neighbor 10.0.0.1 remote-as 65001\n' * 10)
    assert 'notes.txt is not an MRT TABLE_DUMP_V2 file' in sentence(path)


def test_another_mrt_type(tmp_path):
    path = write(tmp_path / 'bgp4mp.mrt', mrt.record(1, b'\0' * 20, kind=16))
    assert 'is not an MRT TABLE_DUMP_V2 file' in sentence(path)


def test_a_truncated_dump(tmp_path):
    whole = open(sample(tmp_path), 'rb').read()
    path = tmp_path / 'cut.mrt'
    path.write_bytes(whole[:-7])
    assert 'cut.mrt is truncated (a record of' in sentence(path)
    path.write_bytes(whole[:len(mrt.peer_index(PEERS)) + 5])
    assert 'is truncated (a record header is cut' in sentence(path)


def test_a_truncated_compressed_dump(tmp_path):
    path = tmp_path / 'cut.mrt.bz2'
    path.write_bytes(bz2.compress(open(sample(tmp_path), 'rb').read())[:-20])
    assert 'cannot read the MRT dump' in sentence(path)


def test_an_ipv6_only_dump(tmp_path):
    path = write(tmp_path / 'v6.mrt', mrt.peer_index(PEERS),
                 mrt.rib(0, '2001:db8:1::/48', [(1, (4200000001, 65), 0)]),
                 mrt.rib(1, '2001:db8:2::/48', [(1, (4200000001, 66), 0)]))
    assert 'holds IPv6 routes only (2 prefixes), and the feed carries IPv4' in sentence(path)


def test_an_unreadable_file(tmp_path):
    assert 'cannot read the MRT dump' in sentence(tmp_path / 'missing.mrt')
    assert 'cannot read the MRT dump' in sentence(tmp_path)       # a folder
    assert 'No such file' in sentence(tmp_path / 'missing.mrt')


def test_a_peer_the_dump_lacks_or_that_announced_nothing(tmp_path):
    path = sample(tmp_path)
    assert 'feedpeer=5: ' in sentence(path, peer=5) and '2 peers (0 to 1)' in sentence(path, peer=5)
    only_first = write(tmp_path / 'one.mrt', mrt.peer_index(PEERS),
                       mrt.rib(0, '1.0.0.0/24', [(0, (3356, 13335), 0)]))
    assert 'feedpeer=1: that peer of' in sentence(only_first, peer=1)


def test_a_damaged_entry(tmp_path):
    good = mrt.rib(0, '1.0.0.0/24', [(0, (3356, 13335), 0)])
    body = bytearray(good[mrt.HEADER.size:])
    body[9:11] = b'\xff\xff'        # the entry count: far more than there are
    path = write(tmp_path / 'bad.mrt', mrt.peer_index(PEERS), mrt.record(mrt.RIB_IPV4_UNICAST,
                                                                         bytes(body)))
    assert 'has a damaged RIB entry' in sentence(path)
