"""A second lab server on this one machine, for the cluster tests and for
trying `mn --cluster` without a second machine: a container of the lab's
own Debian base with sshd, sudo, Debian's mininet, FRR and BIRD 2
(dockerfiles/server), on an internal Docker bridge network of ours (it
reaches this machine and nothing beyond), run with the capabilities
Mininet needs inside it (NET_ADMIN, SYS_ADMIN, /dev/net/tun; this machine
refuses --privileged).

Root logs in by a key the project makes (never the user's own): the key,
the server's host key and the authorized_keys the container mounts sit in
STATE_DIR, and one ssh drop-in of ours (SSH_DROP_IN) tells every ssh on
this machine (stock mn's included: its precheck, node shells, tunnels and
cleanup) to use them for that server's address only. down() removes all of
it: container, network, drop-in, folder.

    python3 -m bgptopo.clusterserver up      # prints the server's address
    python3 -m bgptopo.clusterserver down"""

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
# what Mininet needs inside the container; --privileged is refused here
# (this machine's capability bounding set lacks CAP_SYS_RESOURCE)
RUN_OPTIONS = ['--cap-add', 'NET_ADMIN', '--cap-add', 'SYS_ADMIN', '--device', '/dev/net/tun',
               # /proc/sys writable in the routers' namespaces (ip_forward)
               '--security-opt', 'systempaths=unconfined']


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


def build_image(force=False):
    """dockerfiles/server, FROM the lab's own base (made by bgptopo.images)."""
    if has_image(SERVER_IMAGE) and not force:
        return
    if not has_image(BASE_IMAGE):
        raise LabError('%s is missing; run ./setup.sh (it makes the lab\'s base image) '
                       'before building the test server.' % BASE_IMAGE)
    build_step(['docker', 'build', '-q', '-t', SERVER_IMAGE, '-f',
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
    """ssh to server as root the way mn does (the drop-in supplies key and host key)."""
    return ['ssh', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5', 'root@%s' % server] + \
        list(command)


def answers(server):
    return subprocess.run(ssh_command(server, 'true'), capture_output=True,
                          timeout=15).returncode == 0


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
    return ip


def host_key_made():
    return subprocess.run(['docker', 'exec', CONTAINER, 'test', '-s',
                           '/etc/ssh/ssh_host_ed25519_key.pub'],
                          capture_output=True, timeout=DOCKER_TIMEOUT).returncode == 0


def down():
    """Remove the test server and everything of it; safe when nothing runs."""
    docker('rm', '-f', '-v', CONTAINER, check=False)
    docker('network', 'rm', NETWORK, check=False)
    for path in (SSH_DROP_IN,):
        if os.path.exists(path):
            os.remove(path)
    shutil.rmtree(STATE_DIR, ignore_errors=True)


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
