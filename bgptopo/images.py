"""The lab's Docker images, built from dockerfiles/ on this machine.

No registry may be reachable, so the debian:bookworm-slim base is made
locally with debootstrap when docker cannot pull it. Scenarios add images
of their own (bgptopo/scenarios/). Run as `python3 -m bgptopo.images`
(./setup.sh does) to build whatever is missing."""

import os
import shutil
import subprocess
import sys
import tempfile

from bgptopo import scenarios
from bgptopo.errors import LabError
from bgptopo.paths import DOCKERFILES_DIR

BASE_IMAGE = 'debian:bookworm-slim'
HOST_IMAGE = 'bgptopo/host'
WEBSERVER_IMAGE = 'bgptopo/webserver'
PULL_TIMEOUT = 60        # seconds: a registry that answers at all answers in this
STEP_TIMEOUT = 900       # seconds for debootstrap or one docker build
# image: (its dockerfiles/ folder, the lab image it is built FROM, if any)
IMAGES = {HOST_IMAGE: ('host', None), WEBSERVER_IMAGE: ('webserver', None)}


def known():
    """Every image the lab may need: its own and its scenarios'."""
    return dict(IMAGES, **scenarios.images())


def has_image(docker_client, name):
    import docker.errors
    try:
        docker_client.images.get(name)
        return True
    except docker.errors.ImageNotFound:
        return False


def say(text):
    sys.stderr.write('*** %s\n' % text)
    sys.stderr.flush()


def ensure_base(docker_client):
    """Pull the base image, or make it with debootstrap when no registry answers."""
    if has_image(docker_client, BASE_IMAGE):
        return
    say('Pulling %s' % BASE_IMAGE)
    if call(['docker', 'pull', '-q', BASE_IMAGE], PULL_TIMEOUT) == 0:
        return
    say('No registry reachable: making %s with debootstrap (about 30 s)' % BASE_IMAGE)
    if not shutil.which('debootstrap'):
        raise LabError('Cannot make %s: debootstrap is not installed; run ./setup.sh '
                       'or apt-get install debootstrap.' % BASE_IMAGE)
    rootfs = tempfile.mkdtemp(prefix='bgptopo-rootfs.')
    try:
        run(['debootstrap', '--variant=minbase', 'bookworm', rootfs], 'debootstrap')
        tar = subprocess.Popen(['tar', '-C', rootfs, '-c', '.'], stdout=subprocess.PIPE)
        run(['docker', 'import', '-', BASE_IMAGE], 'docker import', stdin=tar.stdout)
        tar.wait()
    finally:
        shutil.rmtree(rootfs, ignore_errors=True)


def call(command, timeout, **kwargs):
    """subprocess.call with a deadline; None when it was overrun (and killed)."""
    try:
        return subprocess.call(command, timeout=timeout, **kwargs)
    except subprocess.TimeoutExpired:
        return None


def run(command, what, **kwargs):
    """Run a build step, its output streamed so long work shows progress."""
    status = call(command, STEP_TIMEOUT, **kwargs)
    if status is None:
        raise LabError('%s did not finish within %d s while building the lab images; '
                       'check the disk and the apt mirror, then run ./setup.sh again.'
                       % (what, STEP_TIMEOUT))
    if status != 0:
        raise LabError('%s failed while building the lab images (see its output '
                       'above); fix that and run ./setup.sh again.' % what)


def build(docker_client, image, force=False):
    if has_image(docker_client, image) and not force:
        return
    if image not in known():
        raise LabError('the image %s is not on this machine and bgptopo does not build it; '
                       'build it (docker build -t %s ...) or choose another image.'
                       % (image, image))
    folder, parent = known()[image]
    if parent:
        build(docker_client, parent)
    ensure_base(docker_client)
    say('Building %s from dockerfiles/%s' % (image, folder))
    dockerfile = os.path.join(DOCKERFILES_DIR, folder, 'Dockerfile')
    run(['docker', 'build', '-t', image, '-f', dockerfile, DOCKERFILES_DIR],
        'docker build of %s' % image)


def ensure_all(docker_client, force=False):
    for image in known():
        build(docker_client, image, force)


def main(argv=None):
    from bgptopo.containers import client
    force = '--rebuild' in (argv if argv is not None else sys.argv[1:])
    try:
        ensure_all(client(), force)
    except LabError as failure:
        sys.exit('bgptopo: %s' % failure)


if __name__ == '__main__':
    main()
