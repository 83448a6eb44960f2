"""The file `mn --custom` loads: the lab's topologies, its tests and its CLI.

    sudo mn --custom bgptopo/topo.py --topo bgp3 [--test fetch]

mn execs this file without __file__ and copies every name it defines into
mn's own globals, so it defines only what mn looks for: topos, tests, CLI, and for --cluster
PLACEMENT and controllers (bgptopo/cluster.py says why).
The topologies live in bgptopo/topologies.py, the rest in bgptopo/mnplugin.py."""


def _from_the_package_beside_this_file():
    """mn execs us from any directory: import the package next to us."""
    import inspect
    import os
    import sys
    here = os.path.abspath(inspect.currentframe().f_code.co_filename)
    sys.path.insert(0, os.path.dirname(os.path.dirname(here)))
    from bgptopo import mnplugin, topologies
    return ({name: mnplugin.entry(topology)
             for name, topology in topologies.TOPOLOGIES.items()},
            mnplugin.TESTS, mnplugin.CLI, mnplugin.PLACEMENT, mnplugin.CONTROLLERS)


topos, tests, CLI, PLACEMENT, controllers = _from_the_package_beside_this_file()
del _from_the_package_beside_this_file
