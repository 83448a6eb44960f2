"""Integration: relationships rendered into policies, on the real stack.
examples/multihomed.yml's six ASes route as Gao-Rexford says (the
multi-homed customer is no transit), `check` grades them, `path` and
`draw` show the relationships. (The other examples: test_labfile_examples.py.)"""

import os

import pytest

from bgptopo import drawing, grading, tracing
from conftest import REPO, build_lab

pytestmark = pytest.mark.integration

EXAMPLES = os.path.join(REPO, 'examples')


def example(name):
    return os.path.join(EXAMPLES, name + '.yml')


@pytest.fixture(scope='module')
def multihomed():
    net = build_lab(topology='lab', file=example('multihomed'))
    yield net
    net.stop()


def prefix_of_as(net, asn):
    """The IPv4 prefix AS asn originates, from the lab's plan."""
    return next(network for plan in net.topo.plan.routers.values() if plan.asn == asn
                for network, _ in plan.networks if network.version == 4)


def test_the_multihomed_lab_passes_its_check(multihomed):
    results = grading.check(multihomed)
    assert all(r.passed for r in results), grading.report(results)
    assert len(results) == 6 + 2 * 6 + 2      # sessions, two per router, the page


def test_a_multihomed_customer_carries_no_traffic_between_its_providers(multihomed):
    as10, as300 = multihomed['as10'], multihomed['as300']
    of_20, of_300 = prefix_of_as(multihomed, 20), prefix_of_as(multihomed, 300)
    # AS 10 reaches AS 20 over the top (AS 1 and AS 2), not through AS 300
    assert as10.routing.best_routes(as10)[of_20] == '1 2 20'
    # AS 300 has AS 20's route, but tells its other provider only of its own
    assert of_20 in as300.routing.best_routes(as300)
    assert as300.routing.advertised(as300, '172.16.0.13') == {of_300}
    # and customers come first: AS 10 takes AS 300's prefix from AS 300
    assert as10.routing.best_routes(as10)[of_300] == '300'


def test_path_says_how_each_as_hop_goes(multihomed):
    hops = tracing.trace(multihomed, 'host', 'webserver')
    assert [h['node'] for h in hops] == ['host', 'as400', 'as10', 'as1', 'as2', 'as20',
                                         'webserver']
    assert [h.get('next_as') for h in hops[1:5]] == [
        'up to a provider', 'up to a provider', 'across to a peer', 'down to a customer']
    assert '| across to a peer' in tracing.format_trace('host', 'webserver', hops, '?')


def test_draw_puts_providers_above_customers(multihomed, tmp_path):
    assert drawing.levels(multihomed) == {'as1': 0, 'as2': 0, 'as10': 1, 'as20': 1,
                                          'as300': 2, 'as400': 2}
    source = drawing.graph(multihomed).source
    assert 'rank=same' in source and 'rankdir=TB' in source
    assert drawing.draw(multihomed, str(tmp_path / 'lab.svg'))
