"""The routing suites a router can run (contract.py says what each offers).

A new suite is a folder here with a RoutingSuite subclass, its entry in
SUITES, and its config tree under etc/."""

import importlib

from bgptopo.errors import LabError

# suite=KEY: the module holding it and the name of its RoutingSuite object
SUITES = {'frr': ('bgptopo.routing.frr', 'SUITE'), 'bird': ('bgptopo.routing.bird', 'SUITE')}
DEFAULT = 'frr'


def suite(key=DEFAULT):
    """The RoutingSuite users call key; a sentence for one there is not."""
    if key not in SUITES:
        raise LabError('%s is no routing suite; the suites are %s (e.g. --topo bgp3,suite=bird).'
                       % (key, ', '.join(sorted(SUITES))))
    module, name = SUITES[key]
    return getattr(importlib.import_module(module), name)


def choose(routers, suite_key=DEFAULT, base=None, **per_suite):
    """{router: suite key} for a topology's routers: suite_key for all (or
    base's {router: key}, a lab file's), except those a suite's own
    parameter names (bird=r2+r3: a comma-free list, for mn's --topo
    parsing). A sentence for an unknown suite or a router the lab does not have."""
    suite(suite_key)
    chosen = dict(base) if base else dict.fromkeys(routers, suite_key)
    for key, names in per_suite.items():
        suite(key)
        for name in filter(None, str(names).split('+')):
            if name not in chosen:
                raise LabError('%s=%s names %s, which is no router of this lab; the routers '
                               'are %s.' % (key, names, name, ', '.join(routers)))
            chosen[name] = key
    return chosen
