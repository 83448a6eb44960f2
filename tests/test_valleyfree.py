"""Unit tests: Gao-Rexford reasoning on relationships alone (who should
hear of whose prefixes, valleys in AS paths, hop words, drawing levels,
provider cycles)."""

from bgptopo import valleyfree
from bgptopo.labmodel import OPPOSITE


def relationships(*links):
    """{(a, b): what b is to a} from (a, b, what b is to a) triples."""
    found = {}
    for a, b, kind in links:
        found[a, b], found[b, a] = kind, OPPOSITE[kind]
    return found


# 1 and 2 peer at the top; 3 is 1's customer, 4 is 2's; 5 is multi-homed to
# 3 and 4; 6 peers with 3 only.
INTERNET = relationships((1, 2, 'peer'), (1, 3, 'customer'), (2, 4, 'customer'),
                         (3, 5, 'customer'), (4, 5, 'customer'), (3, 6, 'peer'))


def test_a_customer_route_reaches_everyone_its_providers_and_their_peers_reach():
    assert valleyfree.expected_reach(INTERNET, 5) == {1, 2, 3, 4, 5, 6}
    assert valleyfree.expected_reach(INTERNET, 3) == {1, 2, 3, 4, 5, 6}


def test_a_route_from_a_peer_or_provider_goes_only_down():
    # 6's route reaches its peer 3 and 3's customers, not 3's provider 1
    assert valleyfree.expected_reach(INTERNET, 6) == {3, 5, 6}
    # 1's route goes to its peer 2 and down, not on to 3's peer 6
    assert valleyfree.expected_reach(INTERNET, 1) == {1, 2, 3, 4, 5}


def test_reach_reads_the_same_both_ways():
    for a in range(1, 7):
        for b in range(1, 7):
            assert (b in valleyfree.expected_reach(INTERNET, a)) == \
                (a in valleyfree.expected_reach(INTERNET, b)), (a, b)


def test_links_with_policy_none_pass_everything_but_carry_no_customer_route():
    # the seed's style: three ASes with policy none hear of each other
    seed = relationships((1, 2, 'none'), (1, 3, 'none'), (2, 3, 'none'))
    assert valleyfree.expected_reach(seed, 1) == {1, 2, 3}
    # 7 hangs off 3 by a policy-none link: it hears of everything 3 has, but
    # what it sends 3 is no customer route of 3's, so 3 keeps it from 1 and 6
    mixed = {**INTERNET, **relationships((3, 7, 'none'))}
    assert valleyfree.expected_reach(mixed, 1) == {1, 2, 3, 4, 5, 7}
    assert valleyfree.expected_reach(mixed, 7) == {3, 5, 7}


def test_valley_free_paths_have_no_valley():
    assert valleyfree.valley('', 5, INTERNET) is None            # its own route
    assert valleyfree.valley('3 1 2 4', 5, INTERNET) is None     # up across down down
    assert valleyfree.valley('3 5', 1, INTERNET) is None         # up, up
    assert valleyfree.valley('1 2 4 5', 3, INTERNET) is None     # up up across down down
    assert valleyfree.valley('3', 6, INTERNET) is None           # across, from the origin


def test_prepending_is_one_as_hop():
    assert valleyfree.valley('3 3 3 5 5', 1, INTERNET) is None


def test_a_route_from_a_provider_given_to_a_provider_is_a_valley():
    assert valleyfree.valley('5 4', 3, INTERNET) == (
        'AS 5 gave AS 3 a route from its provider AS 4, and AS 3 is its provider, '
        'not its customer')


def test_a_route_from_a_peer_given_to_a_peer_or_provider_is_a_valley():
    assert valleyfree.valley('3 6', 5, INTERNET) is None          # from a peer, down
    assert valleyfree.valley('3 6', 1, INTERNET) == (
        'AS 3 gave AS 1 a route from its peer AS 6, and AS 1 is its provider, '
        'not its customer')
    assert valleyfree.valley('3 1', 6, INTERNET) == (
        'AS 3 gave AS 6 a route from its provider AS 1, and AS 6 is its peer, '
        'not its customer')


def test_the_first_offending_hop_is_named():
    peers_in_a_row = relationships((10, 11, 'peer'), (11, 12, 'peer'), (12, 13, 'peer'))
    assert valleyfree.valley('12 11 10', 13, peers_in_a_row) == (
        'AS 11 gave AS 12 a route from its peer AS 10, and AS 12 is its peer, '
        'not its customer')


def test_a_hop_without_relationship_is_not_judged():
    assert valleyfree.valley('7 4', 3, INTERNET) is None


def test_hop_kinds_say_how_each_as_hop_goes():
    assert valleyfree.hop_kinds([5, 5, 3, 1, 2, 4, 8], INTERNET) == [
        (5, 3, 'up to a provider'), (3, 1, 'up to a provider'), (1, 2, 'across to a peer'),
        (2, 4, 'down to a customer'), (4, 8, 'over a link with no relationship')]
    assert valleyfree.hop_kind(INTERNET, 3, 3) == 'inside the AS'


def test_ranks_put_providers_above_customers():
    levels = valleyfree.ranks(INTERNET, [1, 2, 3, 4, 5, 6, 7])
    assert levels == {1: 0, 2: 0, 3: 1, 4: 1, 5: 2, 6: 0, 7: 0}


def test_ranks_count_only_the_ases_asked_for():
    assert valleyfree.ranks(INTERNET, [3, 5]) == {3: 0, 5: 1}


def test_a_provider_cycle_shares_one_level_every_time():
    looped = relationships((1, 2, 'customer'), (2, 3, 'customer'), (3, 1, 'customer'),
                           (3, 4, 'customer'), (5, 1, 'customer'))
    levels = valleyfree.ranks(looped, [1, 2, 3, 4, 5])
    assert levels == {5: 0, 1: 1, 2: 1, 3: 1, 4: 2}
    assert valleyfree.ranks(looped, [5, 4, 3, 2, 1]) == levels


def test_provider_cycles_are_found_and_start_at_their_lowest_as():
    looped = relationships((7, 2, 'customer'), (2, 9, 'customer'), (9, 7, 'customer'),
                           (9, 4, 'customer'), (33, 31, 'customer'), (31, 32, 'customer'),
                           (32, 30, 'customer'), (30, 33, 'customer'), (31, 30, 'customer'))
    assert valleyfree.provider_cycles(looped) == [[2, 9, 7], [30, 33, 31]]
    assert valleyfree.provider_cycles(INTERNET) == []


def test_a_deep_graph_needs_no_recursion():
    chain = relationships(*[(i, i + 1, 'customer') for i in range(1, 5000)])
    assert valleyfree.ranks(chain, range(1, 5001))[5000] == 4999
