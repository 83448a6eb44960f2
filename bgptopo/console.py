"""`bgptopo`: what a user does outside mn.

    bgptopo setup          install packages, start dockerd, build the images (./setup.sh)
    bgptopo run [mn args]  open the lab (mn --custom bgptopo/topo.py --topo bgp3 ...)
    bgptopo run FILE.yml [mn args]
                           open the lab a file describes (--topo lab,file=FILE.yml)
    bgptopo render FILE.yml DIR
                           write its routers' configs as an etc tree: DIR/<router>/...
                           (edit them, then --topo lab,file=FILE.yml,etc=DIR)
    bgptopo clean          remove what dead labs left, then run mn's own cleanup (mn -c)
    bgptopo check          preflight: each requirement OK, or how to fix it"""

import importlib.util
import os
import shutil
import subprocess
import sys

from bgptopo import (containers, generated, images, labfile, labplan, lifecycle, preflight,
                     routing, scenarios)
from bgptopo.errors import LabError
from bgptopo.paths import PACKAGE_DIR, REPO_DIR


def check_lines():
    """(ok, text) for each thing the lab needs."""
    lines = []

    def probe(what, test):
        try:
            detail = test()
            lines.append((True, '%s%s' % (what, ': %s' % detail if detail else '')))
        except LabError as failure:
            lines.append((False, '%s: %s' % (what, failure)))
    probe('running as root', preflight.require_root)
    probe('routing suite', require_default_suite)
    probe('Docker engine', lambda: containers.client().version().get('Version'))
    probe('lab images', missing_images)
    for scenario in scenarios.registered():
        if scenario.needs:
            probe(scenario.needs, scenario.preflight)
    probe('Graphviz for draw', require_graphviz)
    return lines


def require_default_suite():
    suite = routing.suite()
    suite.require_installed()
    return suite.name


def missing_images():
    docker_client = containers.client()
    missing = [i for i in images.known() if not images.has_image(docker_client, i)]
    if missing:
        raise LabError('%s not built; run bgptopo setup (they are also built when a '
                       'lab needs them)' % ', '.join(missing))
    return ', '.join(images.known())


def require_graphviz():
    if importlib.util.find_spec('graphviz') is None:
        raise LabError('python3-graphviz is missing; run bgptopo setup')
    if not shutil.which('dot'):
        raise LabError('graphviz (dot) is missing; run bgptopo setup')


def check():
    lines = check_lines()
    for ok, text in lines:
        print('%-4s %s' % ('OK' if ok else 'FIX', text))
    return 0 if all(ok for ok, _ in lines) else 1


def clean():
    """Only when no lab runs: then whatever of ours exists is a leftover."""
    try:
        lifecycle.claim()
        removed = containers.remove_leftovers(containers.client())
        generated.remove_stale_dirs()
    except LabError as failure:
        print('bgptopo clean: %s' % failure, file=sys.stderr)
        return 1
    finally:
        lifecycle.release()
    for name in removed:
        print('removed container %s' % name)
    return subprocess.call(['mn', '-c'])


def topo_argument(rest):
    """--topo's value for `bgptopo run`: a lab file first in rest (taken
    from it) is lab,file=PATH; otherwise the seed's lab."""
    if rest and rest[0].endswith(('.yml', '.yaml')):
        return 'lab,file=%s' % os.path.abspath(rest.pop(0))
    return 'bgp3'


def render(rest):
    """`bgptopo render FILE DIR`: the configs a lab file gives, written
    into DIR (made if missing; files of the same names replaced, nothing
    else touched)."""
    if len(rest) != 2:
        print('bgptopo render: give the lab file and a folder: bgptopo render mylab.yml '
              'mylab-etc', file=sys.stderr)
        return 2
    source, top = rest
    try:
        if os.path.exists(top) and not os.path.isdir(top):
            raise LabError('%s exists and is no folder; name a folder.' % top)
        written = labplan.render(labplan.plan(labfile.load(source)), top)
    except LabError as failure:
        print('bgptopo render: %s' % failure, file=sys.stderr)
        return 2
    except OSError as failure:
        print('bgptopo render: cannot write %s (%s); name a folder you can write.'
              % (failure.filename or top, failure.strerror), file=sys.stderr)
        return 2
    print('wrote %d files for %d routers into %s; load them with --topo lab,file=%s,etc=%s'
          % (sum(len(files) for files in written.values()), len(written), top, source, top))
    return 0


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    command, rest = (argv[0], argv[1:]) if argv else ('', [])
    if command == 'setup':
        os.execv(os.path.join(REPO_DIR, 'setup.sh'), ['setup.sh'] + rest)
    if command == 'run':
        os.execvp('mn', ['mn', '--custom', os.path.join(PACKAGE_DIR, 'topo.py'),
                         '--topo', topo_argument(rest)] + rest)
    if command == 'render':
        sys.exit(render(rest))
    if command == 'clean':
        sys.exit(clean())
    if command == 'check':
        sys.exit(check())
    sys.exit('bgptopo: unknown command %r; use one of: setup, run, render, clean, check.\n%s'
             % (command, __doc__))


if __name__ == '__main__':
    main()
