"""What topo.py hands to mn: topo constructors that fail with a sentence,
the `--test` functions, the CLI class, and a cleanup hook for mn's own
cleanup path (an exception during the build, Ctrl-C, `mn -c`)."""

import sys

from mininet.clean import addCleanupCallback
from mininet.log import error, output

from bgptopo import cluster, containers, convergence, generated, lifecycle, preflight
from bgptopo.errors import LabError, unexpected
from bgptopo.lab import page
from bgptopo.netclasses import end_waits_at_once
from bgptopo.preparation import prepare

INTERRUPTED = 130


def fail(message, code=1):
    error('*** bgptopo: %s\n' % message)
    sys.exit(code)


def entry(topo_class):
    """A topo constructor for mn's --topo: the description, then the work
    before the build; a LabError in either is one sentence and exit status 2,
    before anything is built."""
    def make(*args, **params):
        try:
            preflight.require_root()        # before anything, even reading configs
            tunnel, pins = cluster.take_params(params)      # --cluster's (bgptopo/cluster.py)
            return prepare(cluster.from_command_line(topo_class(*args, **params), tunnel, pins))
        except LabError as failure:
            fail(failure, 2)
    make.__doc__ = topo_class.__doc__
    return make


def lab_test(function):
    """A --test function that ends in a sentence and a non-zero exit on any
    failure (after stopping the lab), and stops the lab itself on Ctrl-C
    rather than leaving it to mn's kill-by-name cleanup. mn passes only the
    net; a caller may pass the function's deadline (timeout=SECONDS)."""
    def run(net, **deadline):
        try:
            function(net, **deadline)
            # every node's waits at once; mn's net.stop() then ends the nodes one
            # by one and retries (and reports) whatever failed here
            end_waits_at_once(net.hosts)
            return
        except LabError as failure:
            message, code = str(failure), 1
        except KeyboardInterrupt:
            message, code = 'interrupted; the lab is stopped', INTERRUPTED
        except Exception:
            message, code = unexpected('--test %s' % function.__name__), 1
        net.stop()
        fail(message, code)
    run.__doc__ = function.__doc__
    return run


@lab_test
def fetch_test(net, timeout=None):
    """--test fetch: wait for BGP to converge, then what `fetch` prints."""
    convergence.wait(net, timeout)
    output(page(net))


@lab_test
def converge_test(net):
    """--test converged: what `converge` prints."""
    output(convergence.report(net))


@lab_test
def check_test(net, timeout=None):
    """--test check: what `check` prints; exit 0 only when every requirement passes."""
    from bgptopo import grading     # imported by the runs that grade (11 ms as mn starts)
    results = grading.check(net, grading.TIMEOUT if timeout is None else timeout)
    output(grading.report(results))
    if not all(r.passed for r in results):
        raise LabError('%d of %d requirements failed.'
                       % (sum(not r.passed for r in results), len(results)))


def CLI(net, **params):
    """The lab's prompt (bgptopo/cli.py's BgpCLI), which mn opens by this
    name; its modules are imported when it opens: `mn --test` runs need
    none of them (40 ms as mn starts)."""
    from bgptopo.cli import BgpCLI
    return BgpCLI(net, **params)


PLACEMENT = cluster.PLACEMENT      # mn's --placement classes, for --cluster
CONTROLLERS = cluster.CONTROLLERS  # mn's 'none' controller, which --cluster needs to answer
TESTS = {'fetch': fetch_test, 'converged': converge_test, 'check': check_test}


def end_lab_in_cleanup():
    """mn's cleanup (a failed build, Ctrl-C, `mn -c`) kills node shells by
    name; this stops what remains of ours by pid and waits for it, and, when
    no lab runs, removes what dead labs left. mn ends a failed build with
    status 0: an exception being handled here ends it with status 1."""
    lifecycle.end_everything()
    try:
        lifecycle.claim()
    except LabError:
        pass        # a running lab: it notices its dead shells and ends itself
    else:
        try:
            containers.remove_leftovers(containers.client())
            generated.remove_stale_dirs()
        except LabError as failure:
            error('*** bgptopo: %s\n' % failure)
        lifecycle.release()
    if sys.exc_info()[1] is not None:
        sys.exit(INTERRUPTED if isinstance(sys.exc_info()[1], KeyboardInterrupt) else 1)


addCleanupCallback(end_lab_in_cleanup)
