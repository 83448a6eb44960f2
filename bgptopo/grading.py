"""The exercise checker: grades the running lab against its solution (see
solution_dir: etc/quagga for bgp3 and its exercise, a generated lab's own
configs), one requirement a line, PASS or FAIL with the reason for a FAIL.

Requirements (a lab from a file or an AS graph: bgptopo/labgrading.py):
every router-router session is Established; each router
accepts routes from each peer; every router routes each prefix to the AS
the solution says originates it; in a lab with a client and a web server,
the client reaches it and the page retrieved is the question. Every
requirement is listed whatever the state, so the score's total is fixed."""

import time

from bgptopo import convergence, diagnose, faults, lab, labgrading
from bgptopo.errors import LabError
from bgptopo.paths import ETC_DIR, QUESTION_PAGE, router_conf

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
    """Per router-router link: its session is Established, and each end
    accepts routes from the other (FAIL, not left out, while the session is down)."""
    found = []
    for a, b, address_a, address_b in diagnose.router_pairs(net):
        up, reason = session_verdict(a, b, address_a, address_b, states)
        found.append(Requirement('session %s-%s is Established' % (a.name, b.name), up, reason))
        for receiver, sender, receiver_address, sender_address in (
                (a, b, address_a, address_b), (b, a, address_b, address_a)):
            found.append(accept_requirement(receiver, sender, receiver_address, sender_address,
                                            states, up))
    return found


def state_at(states, router, address):
    """(state, prefixes received) of router's session to address."""
    return states.get(router, {}).get(str(address.ip), ('not configured', 0))


def session_verdict(a, b, address_a, address_b, states):
    for router, address, peer in ((a, address_a, b), (b, address_b, a)):
        if address is None:
            return False, '%s has no address on its link to %s' % (router.name, peer.name)
    state_a, state_b = state_at(states, a, address_b)[0], state_at(states, b, address_a)[0]
    if state_a == state_b == 'Established':
        return True, ''
    return False, diagnose.session_down(a, b, address_a, address_b, state_a)


def accept_requirement(receiver, sender, receiver_address, sender_address, states, session_up):
    name = '%s accepts routes from %s' % (receiver.name, sender.name)
    if not session_up:
        return Requirement(name, False, 'the session is not Established')
    received = state_at(states, receiver, sender_address)[1]
    got = isinstance(received, int) and received > 0
    return Requirement(name, got, '' if got else diagnose.policy_cause(
        receiver, sender, receiver_address, sender_address))


def solution_dir(router):
    """Where router's solution is. An overlay of etc/quagga (the exercise,
    the hijack's naive r1, a test's broken copy) borrows zebra.conf from
    etc/quagga and is graded against etc/quagga; a lab with configs of its
    own (a generated ring, etc/bird) is graded against those."""
    zebra = router_conf(router.name, 'zebra', router.etc_dir)
    overlay = zebra == router_conf(router.name, 'zebra') and \
        router.routing.default_etc_dir() == ETC_DIR
    return ETC_DIR if overlay else router.etc_dir


def solution_origins(net):
    """({prefix: (origin router, AS)} as the lab's solution has it,
    [requirement failed for each router whose solution cannot be read])."""
    origins, unread = {}, []
    for router in lab.routers(net):
        try:
            solution = router.routing.file_config(router.name, solution_dir(router))
        except LabError as failure:       # the solution's files cannot be read
            unread.append(Requirement('%s has a solution to grade against' % router.name,
                                      False, str(failure)))
            continue
        for prefix in solution.networks:
            origins[prefix] = (router, solution.asn)
    return origins, unread


def origin_requirements(net):
    origins, found = solution_origins(net)
    for prefix, (origin, asn) in sorted(origins.items()):
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
        found.append(Requirement('AS %s originates %s' % (asn, prefix), not wrong, reason))
    return found


def fetch_requirements(net):
    """Only a lab with the client and the web server has a page to fetch."""
    if not all(end in net for end in lab.roles(net)):
        return []
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
    """Every requirement once: a lab from a file or an AS graph is graded
    on its relationships (bgptopo/labgrading.py), the others on their
    solution configs; both fetch the page when the lab has client and server."""
    topo = getattr(net, 'topo', None)
    if getattr(topo, 'plan', None) is not None:
        found = labgrading.evaluate(net, topo.lab, topo.plan.routers)
    else:
        states = convergence.all_sessions(lab.routers(net))
        found = session_requirements(net, states) + origin_requirements(net)
    return found + fetch_requirements(net)


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
