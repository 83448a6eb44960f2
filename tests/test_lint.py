"""The linter (pyflakes, Debian's python3-pyflakes) finds nothing in the
package, the tests or the benchmarks, and no line silences a linter."""

import os
import subprocess

from conftest import REPO

TREES = ['bgptopo', 'tests', 'bench']
SILENCER = '# ' + 'noqa'     # spelled apart, so this file does not hold one


def test_pyflakes_is_clean():
    run = subprocess.run(['/usr/bin/python3', '-m', 'pyflakes'] + TREES, cwd=REPO,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         universal_newlines=True, timeout=120)
    assert (run.returncode, run.stdout) == (0, '')


def test_nothing_silences_the_linter():
    """pyflakes honours no silencing mark: such a mark only hides a warning
    from a reader's own linter, never from this one."""
    marked = []
    for tree in TREES:
        for top, _, files in os.walk(os.path.join(REPO, tree)):
            for name in files:
                if name.endswith('.py'):
                    path = os.path.join(top, name)
                    with open(path) as source:
                        marked += ['%s:%d' % (os.path.relpath(path, REPO), number)
                                   for number, line in enumerate(source, 1)
                                   if SILENCER in line]
    assert marked == []


# words only one suite's output or config syntax uses, and the folder allowed to hold them
SUITE_WORDS = {'ipv4Unicast': 'bgptopo/routing/frr/', 'pfxRcd': 'bgptopo/routing/frr/',
               'bestpath': 'bgptopo/routing/frr/', 'Neighbor address': 'bgptopo/routing/bird/',
               'protocol bgp': 'bgptopo/routing/bird/'}
# FRR-only scenarios configure FRR through vtysh by design
WRITTEN_FOR_FRR = ('bgptopo/scenarios/hijack.py',)


def test_no_module_outside_a_suite_knows_its_formats():
    """The routing-suite seam: a suite's output formats and config syntax
    are read and written in its own folder only (README, "Adding a routing suite")."""
    strays = []
    for top, _, files in os.walk(os.path.join(REPO, 'bgptopo')):
        for name in files:
            path = os.path.relpath(os.path.join(top, name), REPO)
            if not name.endswith('.py') or path in WRITTEN_FOR_FRR:
                continue
            with open(os.path.join(REPO, path)) as source:
                text = source.read()
            strays += ['%s in %s' % (word, path) for word, home in SUITE_WORDS.items()
                       if word in text and not path.startswith(home)]
    assert strays == []
