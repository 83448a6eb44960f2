"""Unit tests: CAIDA AS-relationship files written here (plain and bzip2)
are read, bad ones get a sentence naming file, line and fix, and the ASes
chosen from them reach each other valley-free."""

import bz2
import random

import pytest

from bgptopo import asgraph, labmodel, valleyfree
from bgptopo.errors import LabError

# 1 and 2 are the clique; 3 (cone 3, 5, 8) is 1's customer, 4 is 2's; 5 is
# multi-homed to 3 and 4; 6 peers with 3 only and has customer 7: they
# cannot reach 1, 2 and 4 valley-free; 8 is 3's customer, its line carries
# a serial-2 source field.
SAMPLE = """# source:topology|BGP|20240101|caida
# inferred clique: 1 2
# IXP ASes: 99
1|2|0
1|3|-1
2|4|-1
3|5|-1
4|5|-1
3|6|0
6|7|-1
3|8|-1|bgp
"""


def write(tmp_path, text, name='sample.as-rel.txt'):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def write_bz2(tmp_path, text, name='sample.as-rel.txt.bz2'):
    path = tmp_path / name
    path.write_bytes(bz2.compress(text.encode()))
    return str(path)


def test_a_plain_file_is_read(tmp_path):
    graph = asgraph.read_graph(write(tmp_path, SAMPLE))
    assert graph.clique == [1, 2]
    assert graph.neighbors[3] == {1: 'provider', 5: 'customer', 6: 'peer', 8: 'customer'}
    assert graph.neighbors[1] == {2: 'peer', 3: 'customer'}
    assert graph.lines[3, 8] == 11 and graph.first_lines[7] == 10


def test_a_bz2_file_reads_as_the_plain_one(tmp_path):
    plain = asgraph.read_graph(write(tmp_path, SAMPLE))
    packed = asgraph.read_graph(write_bz2(tmp_path, SAMPLE))
    renamed = asgraph.read_graph(write_bz2(tmp_path, SAMPLE, 'no-suffix.txt'))
    for graph in (packed, renamed):
        assert (graph.neighbors, graph.clique, graph.lines) == \
            (plain.neighbors, plain.clique, plain.lines)


def test_a_cut_bz2_file_is_a_sentence(tmp_path):
    path = tmp_path / 'cut.bz2'
    path.write_bytes(bz2.compress(SAMPLE.encode() * 50)[:200])
    with pytest.raises(LabError, match=r'cut.bz2 cannot be read after line \d+ .*fetch the file'):
        asgraph.read_graph(str(path))


@pytest.mark.parametrize('line, why', [
    ('1|2', 'is not a relationship line'),
    ('1|2|1', "has relationship '1', neither -1 nor 0"),
    ('1|x|-1', "has 'x' where an AS number belongs"),
    ('1|4294967296|0', 'has AS number 4294967296, outside 1..4294967295'),
    ('0|2|0', 'has AS number 0, outside'),
    ('5|5|0', 'relates AS 5 to itself'),
    ('2|1|-1', 'contradicts line 4 about AS 2 and AS 1'),
])
def test_a_malformed_line_names_file_line_and_fix(tmp_path, line, why):
    path = write(tmp_path, SAMPLE + line + '\n', 'bad.txt')
    with pytest.raises(LabError) as failure:
        asgraph.read_graph(path)
    text = str(failure.value)
    assert text.startswith('%s line 12: %r' % (path, line)), text
    assert why in text and 'write a|b|-1 when AS a is AS b\'s provider' in text, text


def test_a_link_written_twice_is_one(tmp_path):
    graph = asgraph.read_graph(write(tmp_path, SAMPLE + '2|1|0\n'))
    assert graph.neighbors[1][2] == 'peer' and graph.lines[1, 2] == 4 and (2, 1) not in graph.lines


def test_a_clique_header_with_a_non_number_is_a_sentence(tmp_path):
    path = write(tmp_path, '# inferred clique: 1 two\n1|2|0\n')
    with pytest.raises(LabError, match="line 1: the clique header names 'two'"):
        asgraph.read_graph(path)


def test_a_missing_file_is_a_sentence(tmp_path):
    with pytest.raises(LabError, match='cannot read .*nothing.txt .*No such file.*CAIDA'):
        asgraph.lab_from_graph(str(tmp_path / 'nothing.txt'), 3)


def test_a_file_without_links_is_a_sentence(tmp_path):
    with pytest.raises(LabError, match='holds no AS relationships'):
        asgraph.read_graph(write(tmp_path, '# inferred clique: 1 2\n\n'))


@pytest.mark.parametrize('n', [1, 9, 0])
def test_n_out_of_range_says_the_range(tmp_path, n):
    with pytest.raises(LabError, match='n=%d is out of range: .* holds 8 ASes; choose n from 2 '
                                       'to 8' % n):
        asgraph.lab_from_graph(write(tmp_path, SAMPLE), n)


def test_n_that_is_not_a_number_is_a_sentence(tmp_path):
    with pytest.raises(LabError, match='n=many is not a whole number'):
        asgraph.lab_from_graph(write(tmp_path, SAMPLE), 'many')


def test_the_core_grows_from_the_clique_by_customer_cone(tmp_path):
    graph = asgraph.read_graph(write(tmp_path, SAMPLE))
    # 3's cone (3, 5, 8) is larger than 4's (4, 5); 5 is in the next layer
    assert asgraph.choose(graph, 4) == [1, 2, 3, 4]
    assert asgraph.choose(graph, 6) == [1, 2, 3, 4, 5, 8]


def test_an_as_that_would_break_valley_free_reach_is_skipped(tmp_path):
    graph = asgraph.read_graph(write(tmp_path, SAMPLE))
    with pytest.raises(LabError, match='only 6 of .* can be chosen from its clique with every '
                                       'AS reaching every other valley-free; choose n from 2 to 6'):
        asgraph.choose(graph, 7)


def test_without_a_clique_header_the_top_ases_that_peer_start(tmp_path):
    # no provider above 10 (cone 5), 12 (cone 4) and 11 (cone 2); 10 starts,
    # 12 does not peer with it, 11 does
    text = ('10|11|0\n' + ''.join('10|%d|-1\n' % c for c in (1, 2, 3, 4)) + '11|5|-1\n' +
            ''.join('12|%d|-1\n' % c for c in (6, 7, 8)) + '1|2|-1\n')
    graph = asgraph.read_graph(write(tmp_path, text))
    assert asgraph.first_layer(graph, asgraph.Cones(graph)) == [10, 11]
    assert asgraph.choose(graph, 3) == [10, 11, 1]


def test_a_skipped_as_is_tried_again_when_a_neighbor_joins(tmp_path):
    # 9 peers with 1, so it is tried in the first layer after the clique and
    # skipped (its routes would not reach 2); 5, its provider, joins in the
    # next layer, and then 9 is tried again and joins as 5's customer
    text = SAMPLE + '1|9|0\n5|9|-1\n9|20|-1\n9|21|-1\n9|22|-1\n'
    graph = asgraph.read_graph(write(tmp_path, text))
    assert asgraph.choose(graph, 7) == [1, 2, 3, 4, 5, 8, 9]


def generated_file(tmp_path, seed=1, tops=4, transit=30, stubs=120, peerings=40):
    """A file shaped like the Internet: a clique, transit ASes with one to
    three providers above them, stubs, and random peerings."""
    pick = random.Random(seed)
    clique = list(range(1, tops + 1))
    middle = list(range(100, 100 + transit))
    lines = ['# inferred clique: ' + ' '.join(map(str, clique))]
    lines += ['%d|%d|0' % (a, b) for a in clique for b in clique if a < b]
    above, linked = list(clique), set()
    for asn in middle + list(range(1000, 1000 + stubs)):
        providers = pick.sample(above, pick.randint(1, 3))
        lines += ['%d|%d|-1' % (p, asn) for p in providers]
        linked.update((p, asn) for p in providers)
        if asn in middle:
            above.append(asn)
    pairs = {tuple(sorted(pick.sample(middle, 2))) for _ in range(peerings)} - linked
    lines += ['%d|%d|0' % pair for pair in sorted(pairs)]
    return write(tmp_path, '\n'.join(lines) + '\n', 'generated.txt')


def all_reach_all(lab):
    relationships = labmodel.as_relationships(lab)
    return all(valleyfree.expected_reach(relationships, asn) == set(lab.ases) for asn in lab.ases)


def test_the_core_is_deterministic_and_every_as_reaches_every_other(tmp_path):
    path = generated_file(tmp_path)
    graph = asgraph.read_graph(path)
    chosen = asgraph.choose(graph, 40)
    assert chosen == asgraph.choose(asgraph.read_graph(path), 40)
    assert chosen[:4] == asgraph.Cones(graph).largest_first([1, 2, 3, 4])
    assert all_reach_all(asgraph.lab_from_graph(path, 40))


def test_a_seeded_sample_is_reproducible_random_and_valley_free(tmp_path):
    path = generated_file(tmp_path)
    graph = asgraph.read_graph(path)
    samples = {seed: asgraph.choose(graph, 30, seed=seed) for seed in range(4)}
    assert samples[2] == asgraph.choose(asgraph.read_graph(path), 30, seed=2)
    assert len({tuple(sorted(found)) for found in samples.values()}) > 1
    assert all(found != asgraph.choose(graph, 30) for found in samples.values())
    for seed in range(4):
        assert all_reach_all(asgraph.lab_from_graph(path, 30, seed=seed)), seed


def test_a_sample_that_cannot_grow_says_choose_another_seed(tmp_path):
    graph = asgraph.read_graph(write(tmp_path, SAMPLE))
    with pytest.raises(LabError, match='can be chosen from seed=5\'s first AS .*, or another seed'):
        asgraph.choose(graph, 7, seed=5)


def test_the_lab_has_a_router_per_as_and_a_link_per_relationship(tmp_path):
    path = write(tmp_path, SAMPLE)
    lab = asgraph.lab_from_graph(path, 5, ipv6=True, suite='bird')
    assert (lab.source, lab.hosts, lab.lans, lab.ipv6) == (path, {}, [], True)
    assert sorted(lab.ases) == [1, 2, 3, 4, 5]
    assert lab.ases[3] == labmodel.AutonomousSystem(3, ('as3',), (), (), 5)
    assert lab.routers['as5'] == labmodel.LabRouter('as5', 5, 'bird', 7)
    assert [(link.a, link.b, link.relationship, link.line) for link in lab.links] == [
        ('as1', 'as2', 'peer', 4), ('as1', 'as3', 'customer', 5), ('as2', 'as4', 'customer', 6),
        ('as3', 'as5', 'customer', 7), ('as4', 'as5', 'customer', 8)]
    assert all(link.policy != 'none' for link in lab.links)
    assert labmodel.relationship(lab, 5, 3) == 'provider'


def test_the_links_keep_the_files_order(tmp_path):
    comments = [line for line in SAMPLE.splitlines() if line.startswith('#')]
    links = [line for line in SAMPLE.splitlines() if not line.startswith('#')]
    path = write(tmp_path, '\n'.join(comments + links[::-1]) + '\n')
    lab = asgraph.lab_from_graph(path, 5)
    assert [(link.a, link.b) for link in lab.links] == [
        ('as4', 'as5'), ('as3', 'as5'), ('as2', 'as4'), ('as1', 'as3'), ('as1', 'as2')]
