"""The exercise (`--topo bgp3,exercise=1`): the routers start from
etc/quagga/exercise/<router>/bgpd.conf, commented skeletons whose BGP a
student writes; their addresses still come from etc/quagga/<router>/
zebra.conf (the overlay lacks it). `check` grades the lab against the
solution, etc/quagga (bgptopo/grading.py)."""

import os

from bgptopo.paths import ETC_DIR, shown
from bgptopo.scenarios import Scenario

ETC = os.path.join(ETC_DIR, 'exercise')


class Exercise(Scenario):
    name = 'exercise'
    flag = 'exercise'
    topologies = ('bgp3',)
    etc = {'frr': ETC}
    suites = ('frr',)
    hint = ("exercise: write each router's BGP in %s/<router>/bgpd.conf, `restart` the "
            "router, then `check` grades the lab" % shown(ETC))


SCENARIO = Exercise()
