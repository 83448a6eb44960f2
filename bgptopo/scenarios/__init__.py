"""Scenarios: what a lab can stage besides routing (bgptopo/scenarios/NAME.py).

A scenario is one module plus its files. Its module defines SCENARIO, a
Scenario that says everything the lab needs to know about it: the
topology flag that turns it on (hijack=1; none: every lab has it), the
configs its routers start from (an overlay of a suite's tree), what it
adds to a topology's description, what the machine must have, the images
it builds, and the commands it brings to the prompt. The topologies, the
preparation, `bgptopo check` and the CLI ask this registry; none of them
names a scenario.

A new scenario: a module here with its SCENARIO, its name in SCENARIOS,
its files (etc/, dockerfiles/), its tests."""

import importlib
import inspect
from collections import namedtuple

from bgptopo import routing
from bgptopo.errors import LabError
from bgptopo.paths import shown

# the modules bgptopo.scenarios.NAME, in the order their commands are listed
SCENARIOS = ('exercise', 'failover', 'hijack')


class Command(namedtuple('Command', 'name usage help run')):
    """A command a scenario brings to the prompt, declared once: usage and
    help line as `help` lists them (bgptopo.cli.COMMANDS), and
    run(net, words), which returns the text to print and raises LabError
    (Misuse for words it does not take: the prompt answers with the usage).
    run's docstring is the command's details in `help NAME`."""


class Misuse(LabError):
    """A scenario command typed wrong; its text is a detail for the usage
    line (or empty)."""


class Scenario(object):
    """What a scenario declares; subclasses override what they need."""

    name = None         # as users and sentences name it
    flag = None         # the topology parameter that turns it on (flag=1); None: always on
    topologies = ()     # the topologies (as --topo names them) that take its flag
    etc = {}            # {suite key: config tree} its routers start from instead of the suite's
    suites = None       # the suite keys it is written for; None: any
    images = {}         # {image: (its dockerfiles/ folder, the lab image it is built FROM)}
    commands = ()       # Command
    hint = None         # a line the prompt shows when it opens on a lab that runs it
    needs = None        # what preflight() checks, as `bgptopo check` lists it

    def extend(self, topo):
        """Add to topo's description (nodes, links, router parameters); the
        topology's build calls it last."""

    def preflight(self):
        """LabError unless the machine has what the scenario needs beyond
        the lab's own (called before a lab that runs it is built)."""


def registered():
    """Every Scenario, in SCENARIOS order."""
    return [importlib.import_module('%s.%s' % (__name__, name)).SCENARIO for name in SCENARIOS]


def flags(topology):
    """The scenario flags the topology called that takes."""
    return [s.flag for s in registered() if s.flag and topology in s.topologies]


def commands():
    """Every scenario's prompt commands: they work in any lab (one whose
    scenario is off answers with a sentence)."""
    return [command for scenario in registered() for command in scenario.commands]


def images():
    """{image: (folder, parent)} of every scenario's images."""
    found = {}
    for scenario in registered():
        found.update(scenario.images)
    return found


def chosen(topology, params):
    """The scenarios a lab of that topology runs: the always-on ones and
    those whose flag params sets (flags taken out of params, which get the
    scenario's etc overlay). A sentence for a flag that is no whole number,
    scenarios that each bring their routers' configs, a user's etc= or a
    suite the scenario is not written for."""
    found = []
    for scenario in registered():
        if scenario.flag is None:
            found.append(scenario)
        elif topology in scenario.topologies and flag_value(scenario, params.pop(scenario.flag, 0)):
            found.append(scenario)
    with_configs = [s for s in found if s.etc]
    if len(with_configs) > 1:
        raise LabError('%s do not go together (each starts the routers from configs of its '
                       'own); pick one.' % ' and '.join('%s=1' % s.flag for s in with_configs))
    for scenario in found:
        require_suites(scenario, params)
    if with_configs:
        if params.get('etc'):
            raise LabError('%s=1 starts the routers from %s; leave out etc= with it.'
                           % (with_configs[0].flag, ' and '.join(sorted(
                               shown(d) for d in with_configs[0].etc.values()))))
        params['etc'] = dict(with_configs[0].etc)
    return found


def flag_value(scenario, value):
    """A flag is 0 or 1; a sentence for anything else."""
    if str(value) not in ('0', '1'):
        raise LabError('%s=%s is neither 0 nor 1; write --topo bgp3,%s=1 to turn the %s on.'
                       % (scenario.flag, value, scenario.flag, scenario.name))
    return str(value) == '1'


def require_suites(scenario, params):
    """The lab's routers run only suites the scenario is written for (params:
    the topology's, with suite=KEY and KEY=r1+r2 as labtopo reads them)."""
    if scenario.suites is None:
        return
    used = {params.get('suite') or routing.DEFAULT} | {
        key for key in routing.SUITES if params.get(key)}
    if not used <= set(scenario.suites):
        raise LabError('%s=1 is written for %s routers; leave out suite= and %s with it.'
                       % (scenario.flag, ' and '.join(scenario.suites), ' and '.join(
                           '%s=' % key for key in sorted(routing.SUITES)
                           if key not in scenario.suites)))


def accepted_params(topology_class, names):
    """A topology's parameter names for its sentences (names: LabTopo's):
    its build's, then its scenarios' flags, then the rest."""
    own = len(inspect.signature(topology_class.build).parameters) - 1     # less self
    return names[:own] + flags(topology_class.name) + names[own:]


def of(topo):
    """The scenarios a described topology runs (none for a Topo that takes none)."""
    return list(getattr(topo, 'scenarios', ()))


def extend(topo):
    """Each scenario topo runs adds to its description (its build calls this last)."""
    for scenario in of(topo):
        scenario.extend(topo)


def preflight(topo):
    """Each scenario topo runs checks the machine has what it needs."""
    for scenario in of(topo):
        scenario.preflight()
