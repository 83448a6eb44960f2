"""What topo.py hands to mn: topo constructors that fail with a sentence,
the `--test` functions, the CLI class, and a cleanup hook for mn's own
cleanup path (an exception during the build, Ctrl-C)."""

import sys

from mininet.clean import addCleanupCallback
from mininet.log import error, output

from bgptopo import containers, convergence, grading
from bgptopo.cli import BgpCLI as CLI  # noqa: F401  (mn looks for the name CLI)
from bgptopo.errors import LabError
from bgptopo.lab import fetch, default_fetch


def fail(message, code=1):
    error('*** bgptopo: %s\n' % message)
    sys.exit(code)


def entry(topo_class):
    """A topo constructor for mn's --topo that turns a LabError into one
    sentence and exit status 2, before anything is built."""
    def make(*args, **params):
        try:
            return topo_class(*args, **params)
        except LabError as failure:
            fail(failure, 2)
    make.__doc__ = topo_class.__doc__
    return make


def fetch_test(net):
    """--test fetch: wait for BGP to converge, fetch the page, print it."""
    try:
        convergence.wait(net)
        node, url = default_fetch(net)
        page = fetch(net[node], url)
    except LabError as failure:
        net.stop()
        fail(failure)
    output(page if page.endswith('\n') else page + '\n')


def converge_test(net):
    """--test converged: wait for every session and prefix, print the time."""
    try:
        elapsed = convergence.wait(net)
    except LabError as failure:
        net.stop()
        fail(failure)
    output('*** BGP converged in %.2f s\n' % elapsed)


def check_test(net):
    """--test check: grade the lab; exit 0 only when every requirement passes."""
    results = grading.check(net)
    output(grading.report(results))
    if not all(r.passed for r in results):
        net.stop()
        sys.exit(1)


TESTS = {'fetch': fetch_test, 'converged': converge_test, 'check': check_test}


def remove_our_containers():
    """mn's cleanup kills node shells (our daemons follow through their
    parent-death signal); containers are Docker's, so remove ours here.
    mn calls this while it handles a failed build, which it would end with
    status 0: a LabError there ends it with status 1."""
    try:
        containers.remove_stale(containers.client(), include_own=True)
    except LabError as failure:
        error('*** bgptopo: %s\n' % failure)
    if isinstance(sys.exc_info()[1], LabError):
        sys.exit(1)


addCleanupCallback(remove_our_containers)
