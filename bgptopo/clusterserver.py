"""A second lab server on this one machine, for the cluster tests and for
trying `mn --cluster` without a second machine: a container of the lab's
own Debian base with sshd, sudo, Debian's mininet, FRR and BIRD 2
(dockerfiles/server), on an internal Docker bridge network of ours (it
reaches this machine and nothing beyond), with a Docker engine of its own
holding the lab's images (loaded from this machine's: its internal network
reaches no apt mirror to build them), run with what Mininet and that engine
need inside it (every capability this machine allows, no seccomp filter,
/dev/net/tun; this machine refuses --privileged).

Root logs in by a key the project makes (never the user's own): the key,
the server's host key and the authorized_keys the container mounts sit in
STATE_DIR, and one ssh drop-in of ours (SSH_DROP_IN) tells every ssh on
this machine (stock mn's included: its precheck, node shells, tunnels and
cleanup) to use them for that server's address only. down() removes all of
it: container, network, drop-in, folder.

    python3 -m bgptopo.clusterserver up      # prints the server's address
    python3 -m bgptopo.clusterserver down"""

import glob
import hashlib
import os
import shutil
import subprocess
import sys

from bgptopo import procs
from bgptopo.errors import LabError
from bgptopo.images import BASE_IMAGE, run as build_step
from bgptopo.paths import DOCKERFILES_DIR

SERVER_IMAGE = 'bgptopo/server'
CONTAINER = 'bgptopo-server'
NETWORK = 'bgptopo-cluster'
# fixed, outside the lab's own addresses (10/8 stubs, 192.168.x link subnets): Docker's
# next free pool may be 192.168.0.0/20
SUBNET = '172.31.254.0/24'
STATE_DIR = '/run/bgptopo-cluster'
SSH_DROP_IN = '/etc/ssh/ssh_config.d/bgptopo-cluster.conf'
KEY = os.path.join(STATE_DIR, 'id_ed25519')
KNOWN_HOSTS = os.path.join(STATE_DIR, 'known_hosts')
AUTHORIZED = os.path.join(STATE_DIR, 'authorized_keys')
SSH_READY_TIMEOUT = 20.0
DOCKER_TIMEOUT = 60
RECIPE_LABEL = 'org.bgptopo.recipe'
# the engine's containers' cgroups (dockerfiles/server/start), on this machine's hierarchies
CGROUP_PARENT = 'bgptopo-testserver'
ENGINE_READY_TIMEOUT = 30.0
LOAD_TIMEOUT = 300
# what Mininet and a Docker engine need inside the container. --privileged is
# refused here (this machine's capability bounding set lacks CAP_SYS_RESOURCE),
# so: every other capability, no seccomp filter (runc's session keyring), /proc/sys
# writable (ip_forward in the routers' namespaces), the engine's images on a tmpfs
RUN_OPTIONS = ['--cap-add', 'ALL', '--cap-drop', 'SYS_RESOURCE', '--device', '/dev/net/tun',
               '--security-opt', 'seccomp=unconfined', '--security-opt', 'systempaths=unconfined',
               '--tmpfs', '/var/lib/docker:exec']


def docker(*args, check=True):
    """A docker CLI command's output; LabError when it fails and check."""
    try:
        done = subprocess.run(['docker'] + list(args), capture_output=True, text=True,
                              timeout=DOCKER_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise LabError('`docker %s` took over %d s; is the Docker engine stuck?'
                       % (args[0], DOCKER_TIMEOUT))
    if check and done.returncode:
        raise LabError('`docker %s` failed (%s); fix that and try again.'
                       % (' '.join(args[:2]), done.stderr.strip().splitlines()[-1:]))
    return done.stdout.strip()


def has_image(image):
    return bool(docker('images', '-q', image))


def recipe():
    """A digest of what the server image is built from: an image of an older
    recipe (one left by an earlier checkout) is rebuilt."""
    digest = hashlib.sha256()
    for name in ('Dockerfile', 'start'):
        with open(os.path.join(DOCKERFILES_DIR, 'server', name), 'rb') as part:
            digest.update(part.read())
    return digest.hexdigest()[:16]


def image_recipe():
    return docker('image', 'inspect', '-f', '{{index .Config.Labels "%s"}}' % RECIPE_LABEL,
                  SERVER_IMAGE, check=False)


def build_image(force=False):
    """dockerfiles/server, FROM the lab's own base (made by bgptopo.images)."""
    if image_recipe() == recipe() and not force:
        return
    if not has_image(BASE_IMAGE):
        raise LabError('%s is missing; run ./setup.sh (it makes the lab\'s base image) '
                       'before building the test server.' % BASE_IMAGE)
    build_step(['docker', 'build', '-q', '-t', SERVER_IMAGE, '--label',
                '%s=%s' % (RECIPE_LABEL, recipe()), '-f',
                os.path.join(DOCKERFILES_DIR, 'server', 'Dockerfile'), DOCKERFILES_DIR],
               'docker build of %s' % SERVER_IMAGE)


def make_key():
    os.makedirs(STATE_DIR, mode=0o700, exist_ok=True)
    if not os.path.exists(KEY):
        subprocess.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', 'bgptopo-cluster',
                        '-f', KEY], check=True, timeout=30)
    shutil.copyfile(KEY + '.pub', AUTHORIZED)
    os.chmod(AUTHORIZED, 0o644)


def address():
    """The server container's address on our network, or None."""
    found = docker('inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}',
                   CONTAINER, check=False)
    return found or None


def ssh_command(server, *command):
    """ssh to server as root the way the lab checks its servers (the drop-in
    supplies key and host key)."""
    from bgptopo.cluster import ssh_to
    return ssh_to(server) + list(command)


def answers(server, *command):
    """Does command (none: just the login) succeed on server over ssh?"""
    try:
        return subprocess.run(ssh_command(server, *(command or ['true'])), capture_output=True,
                              stdin=subprocess.DEVNULL, timeout=15).returncode == 0
    except subprocess.TimeoutExpired:
        return False


def write_drop_in(ip):
    with open(SSH_DROP_IN, 'w') as conf:
        conf.write('# bgptopo\'s test server (bgptopo/clusterserver.py); removed with it\n'
                   'Host %s\n    User root\n    IdentityFile %s\n    IdentitiesOnly yes\n'
                   '    UserKnownHostsFile %s\n    StrictHostKeyChecking yes\n'
                   % (ip, KEY, KNOWN_HOSTS))


def trust_host_key(ip):
    """The host key sshd made at its start, read through docker: no first-use guess."""
    key = docker('exec', CONTAINER, 'cat', '/etc/ssh/ssh_host_ed25519_key.pub').split()
    with open(KNOWN_HOSTS, 'w') as known:
        known.write('%s %s %s\n' % (ip, key[0], key[1]))


def up():
    """Start the test server (building its image if needed); its address."""
    build_image()
    if address():
        raise LabError('a test server (%s) already runs; `python3 -m bgptopo.clusterserver '
                       'down` removes it.' % CONTAINER)
    make_key()
    if not docker('network', 'ls', '-q', '-f', 'name=^%s$' % NETWORK):
        docker('network', 'create', '--internal', '--subnet', SUBNET, '--label',
               'org.bgptopo.server=1', NETWORK)
    docker('run', '-d', '--name', CONTAINER, '--hostname', CONTAINER, '--network', NETWORK,
           '--label', 'org.bgptopo.server=1', '-v', '%s:/etc/ssh/bgptopo_authorized_keys:ro'
           % AUTHORIZED, *RUN_OPTIONS, SERVER_IMAGE)
    ip = address()
    if not procs.wait_until(host_key_made, SSH_READY_TIMEOUT, 0.1):
        raise LabError('the test server made no host key within %d s; see `docker logs %s`.'
                       % (SSH_READY_TIMEOUT, CONTAINER))
    trust_host_key(ip)
    write_drop_in(ip)
    if not procs.wait_until(lambda: answers(ip), SSH_READY_TIMEOUT, 0.2):
        raise LabError('the test server %s does not answer ssh within %d s; see `docker logs '
                       '%s`.' % (ip, SSH_READY_TIMEOUT, CONTAINER))
    if not procs.wait_until(lambda: answers(ip, 'docker', 'info'), ENGINE_READY_TIMEOUT, 0.2):
        raise LabError('the test server\'s Docker engine did not answer within %d s; see '
                       '`docker exec %s cat /var/log/dockerd.txt`.'
                       % (ENGINE_READY_TIMEOUT, CONTAINER))
    load_images(ip)
    return ip


def load_images(ip):
    """The lab's images that this machine has, into the server's engine (what
    ./setup.sh server builds on a server that reaches an apt mirror)."""
    from bgptopo import images
    names = [name for name in sorted(images.known()) if docker('images', '-q', name)]
    save = subprocess.Popen(['docker', 'save'] + names, stdout=subprocess.PIPE)
    try:
        loaded = subprocess.run(ssh_command(ip, 'docker', 'load', '-q'), stdin=save.stdout,
                                capture_output=True, text=True, timeout=LOAD_TIMEOUT)
    except subprocess.TimeoutExpired:
        loaded = None
    finally:
        save.stdout.close()
        procs.stop(save.pid)
        save.wait()
    if loaded is None or loaded.returncode:
        raise LabError('the lab\'s images did not load into the test server\'s engine (%s); '
                       'see `docker exec %s cat /var/log/dockerd.txt`.' % (
                           'timed out' if loaded is None else loaded.stderr.strip()[-200:],
                           CONTAINER))


def host_key_made():
    return subprocess.run(['docker', 'exec', CONTAINER, 'test', '-s',
                           '/etc/ssh/ssh_host_ed25519_key.pub'],
                          capture_output=True, timeout=DOCKER_TIMEOUT).returncode == 0


def down():
    """Remove the test server and everything of it; safe when nothing runs."""
    docker('rm', '-f', '-v', CONTAINER, check=False)
    docker('network', 'rm', NETWORK, check=False)
    remove_cgroups()
    for path in (SSH_DROP_IN,):
        if os.path.exists(path):
            os.remove(path)
    shutil.rmtree(STATE_DIR, ignore_errors=True)


def remove_cgroups():
    """The cgroups the server's engine made on this machine's hierarchies,
    deepest first (each is empty once the container is gone)."""
    for top in glob.glob('/sys/fs/cgroup/*/%s' % CGROUP_PARENT):
        for folder, _, _ in sorted(os.walk(top), key=lambda found: -len(found[0])):
            try:
                os.rmdir(folder)
            except OSError:
                pass


def main(argv=None):
    words = sys.argv[1:] if argv is None else argv
    try:
        if words == ['up']:
            print(up())
        elif words == ['down']:
            down()
        else:
            sys.exit('usage: python3 -m bgptopo.clusterserver up|down')
    except LabError as failure:
        sys.exit('bgptopo: %s' % failure)


if __name__ == '__main__':
    main()
