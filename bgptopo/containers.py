"""The lab's Docker containers, through the Docker SDK.

Every container runs with networking none (its only interfaces are the lab's
veths), as nobody with no capabilities, and carries a label naming the lab
process that owns it (pid and start time). Its PID 1 (dockerfiles/lifeline)
lives only while that process holds its stdin, so a container never outlives
its lab, even when the lab is killed."""

from bgptopo import lifecycle, procs
from bgptopo.errors import LabError

LABEL = 'org.bgptopo.lab'
NAME_PREFIX = 'bgptopo.'
REMOVE_TIMEOUT = 10.0


def client():
    """A Docker client, or a sentence saying why there is none."""
    try:
        import docker
    except ImportError:
        raise LabError('The Docker SDK for Python is missing; run ./setup.sh '
                       'or apt-get install python3-docker.')
    try:
        docker_client = docker.from_env(timeout=30)
        docker_client.ping()
    except Exception:
        raise LabError('The Docker engine is not running (`docker info` fails); '
                       'run ./setup.sh, which starts it, or start dockerd.')
    return docker_client


def container_name(node):
    return NAME_PREFIX + node


class LabContainer(object):
    """One running container of the lab: created, its lifeline attached, started."""

    def __init__(self, docker_client, node, image):
        self.api = docker_client.api
        self.node = node
        self.id = self.api.create_container(
            image, name=container_name(node), hostname=node,
            stdin_open=True,       # with the SDK this also sets StdinOnce
            user='nobody', labels={LABEL: lifecycle.owner_token()},
            host_config=self.api.create_host_config(
                network_mode='none', auto_remove=True, read_only=True,
                cap_drop=['ALL'], security_opt=['no-new-privileges'],
                # the web server may bind port 80 without any capability;
                # Docker turns IPv6 off in a container without network: on
                # again for dual-stack labs, without duplicate address detection
                sysctls={'net.ipv4.ip_unprivileged_port_start': '0',
                         'net.ipv6.conf.all.disable_ipv6': '0',
                         'net.ipv6.conf.default.disable_ipv6': '0',
                         'net.ipv6.conf.default.accept_dad': '0'},
                mem_limit='256m', pids_limit=256))['Id']
        lifecycle.adopt(self)
        try:
            self.lifeline = self.api.attach_socket(
                self.id, params={'stdin': 1, 'stream': 1})
            self.api.start(self.id)
            self.pid = self.api.inspect_container(self.id)['State']['Pid']
        except Exception:
            self.remove()
            raise

    @property
    def name(self):
        return container_name(self.node)

    def terminate(self):
        """How the lab ends what it owns (lifecycle.end_everything)."""
        self.remove()

    def remove(self):
        """Remove the container and wait until docker no longer lists it."""
        lifeline = getattr(self, 'lifeline', None)
        if lifeline is not None:
            lifeline.close()
        remove_container(self.api, self.id)
        lifecycle.disown(self)


def remove_container(api, container_id):
    import docker.errors
    try:
        api.remove_container(container_id, force=True)
    except docker.errors.NotFound:
        return
    except docker.errors.APIError:
        pass    # auto-removal already under way: wait for it below
    gone = procs.wait_until(lambda: not exists(api, container_id), REMOVE_TIMEOUT,
                            interval=0.05)
    if not gone:
        raise LabError('Docker did not remove container %s within %d s; '
                       'remove it with `docker rm -f %s`.'
                       % (container_id[:12], REMOVE_TIMEOUT, container_id[:12]))


def exists(api, container_id):
    import docker.errors
    try:
        api.inspect_container(container_id)
        return True
    except docker.errors.NotFound:
        return False


def lab_containers(docker_client):
    """(container, owner token) for every container that carries our label.
    The SDK lists, then inspects each: one removed in between (a lab ending
    meanwhile) is gone, not an error."""
    return [(c, c.labels.get(LABEL, '')) for c in docker_client.containers.list(
        all=True, filters={'label': LABEL}, ignore_removed=True)]


def remove_leftovers(docker_client):
    """Remove the containers of dead labs; the names removed. Only the lab
    lock's holder calls this: every other lab's container is then a leftover."""
    assert lifecycle.holds_lock()
    removed, ours = [], lifecycle.owner_token()
    for container, owner in lab_containers(docker_client):
        if owner != ours:
            remove_container(docker_client.api, container.id)
            removed.append(container.name)
    return removed
