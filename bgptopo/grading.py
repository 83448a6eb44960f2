"""The exercise checker: grades the running lab against the solution
(etc/quagga/<router>/), one requirement a line, PASS or FAIL with the
reason for a FAIL.

Requirements: every router-router session is Established; each router
accepts routes from each peer; every router routes each lab prefix to the
AS the solution says originates it; host reaches the web server; the page
retrieved is the question."""

import time

from bgptopo import convergence, diagnose, faults, lab
from bgptopo.errors import LabError
from bgptopo.frrconf import RouterConfig
from bgptopo.paths import QUESTION_PAGE

TIMEOUT = 15.0


class Requirement(object):
    def __init__(self, name, passed, reason=''):
        self.name, self.passed, self.reason = name, passed, reason

    def line(self):
        return ('PASS  %s' % self.name if self.passed
                else 'FAIL  %s: %s' % (self.name, self.reason))

    def as_dict(self):
        return {'requirement': self.name, 'passed': self.passed, 'reason': self.reason}


def session_requirements(net, states):
    found = []
    for a, b, address_a, address_b in diagnose.router_links(net):
        name = 'session %s-%s is Established' % (a.name, b.name)
        state_a = states.get(a, {}).get(str(address_b.ip), ('not configured', 0))
        state_b = states.get(b, {}).get(str(address_a.ip), ('not configured', 0))
        up = state_a[0] == state_b[0] == 'Established'
        reason = '' if up else (diagnose.session_cause(a, b, address_a, address_b) or
                                'the session is %s at %s' % (state_a[0], a.name))
        found.append(Requirement(name, up, reason))
        for me, peer, (state, received), my_address, peer_address in (
                (a, b, state_a, address_a, address_b), (b, a, state_b, address_b, address_a)):
            if up:
                got = isinstance(received, int) and received > 0
                found.append(Requirement(
                    '%s accepts routes from %s' % (me.name, peer.name), got,
                    '' if got else diagnose.policy_cause(me, peer, my_address, peer_address)))
    return found


def solution_origins(net):
    """{prefix: (origin router, AS)} as the solution configs have it."""
    origins = {}
    for router in lab.routers(net):
        solution = RouterConfig.load(router.name)
        for prefix in solution.networks:
            origins[prefix] = (router, solution.asn)
    return origins


def origin_requirements(net):
    found = []
    for prefix, (origin, asn) in sorted(solution_origins(net).items()):
        name = 'AS %s originates %s' % (asn, prefix)
        wrong = []
        for router in lab.routers(net):
            if router is origin:
                continue
            path = faults.best_as_path(router, prefix)
            if path is None:
                wrong.append('%s has no route to it' % router.name)
            elif path.split()[-1:] != [str(asn)]:
                wrong.append('%s learns it from AS %s' % (router.name, path.split()[-1]))
        reason = ''
        if wrong:
            reason = diagnose.origin_cause(net, origin, prefix) or '; '.join(wrong)
        found.append(Requirement(name, not wrong, reason))
    return found


def fetch_requirements(net):
    node, url = lab.default_fetch(net)
    try:
        page = lab.fetch(net[node], url, timeout=2)
    except LabError as failure:
        return [Requirement('%s reaches the web server' % node, False, str(failure)),
                Requirement('the question is retrieved', False, 'nothing was fetched')]
    with open(QUESTION_PAGE) as question:
        right = page == question.read()
    return [Requirement('%s reaches the web server' % node, True),
            Requirement('the question is retrieved', right,
                        '' if right else 'the page fetched is not the question')]


def evaluate(net):
    states = convergence.all_sessions(lab.routers(net))
    return session_requirements(net, states) + origin_requirements(net) + \
        fetch_requirements(net)


def check(net, timeout=TIMEOUT):
    """The requirements, once all pass or at the deadline (BGP may still be
    converging when a student asks)."""
    deadline = time.monotonic() + timeout
    while True:
        results = evaluate(net)
        if all(r.passed for r in results) or time.monotonic() >= deadline:
            return results
        time.sleep(0.2)


def report(results):
    passed = sum(r.passed for r in results)
    lines = [r.line() for r in results]
    lines.append('score %d/%d: %s' % (passed, len(results),
                                      'all requirements met' if passed == len(results)
                                      else 'fix the first FAIL, `restart` its router, check again'))
    return '\n'.join(lines) + '\n'


def as_json(results):
    passed = sum(r.passed for r in results)
    return {'requirements': [r.as_dict() for r in results], 'passed': passed,
            'total': len(results), 'all_passed': passed == len(results)}
