"""The lab's Docker containers, through the Docker SDK.

Every container runs with networking none (its only interfaces are the lab's
veths), as nobody with no capabilities, and carries a label naming the lab
process that owns it (pid and start time). Its PID 1 (dockerfiles/lifeline)
lives only while that process holds its stdin, so a container never outlives
its lab, even when the lab is killed."""

import concurrent.futures
import os
import socket
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

from bgptopo import lifecycle, procs
from bgptopo.errors import LabError

LABEL = 'org.bgptopo.lab'
NAME_PREFIX = 'bgptopo.'
REMOVE_TIMEOUT = 10.0
ENGINE_SOCKET = 'unix:///var/run/docker.sock'   # the SDK's default DOCKER_HOST
ASK_TIMEOUT = 2.0       # seconds the engine gets to answer engine_status


def client(engine=None):
    """A Docker client of this machine's engine, or of engine (another
    server's, as a local URL: bgptopo/cluster.py), or a sentence saying why
    there is none."""
    try:
        import docker
    except ImportError:
        raise LabError('The Docker SDK for Python is missing; run ./setup.sh '
                       'or apt-get install python3-docker.')
    try:
        docker_client = docker.DockerClient(base_url=engine, timeout=30) if engine else \
            docker.from_env(timeout=30)
        docker_client.ping()
    except Exception:
        if engine:
            raise LabError('A server\'s Docker engine (reached here as %s) does not answer; '
                           'check `docker info` on that server (./setup.sh starts it).' % engine)
        raise LabError('The Docker engine is not running (`docker info` fails); '
                       'run ./setup.sh, which starts it, or start dockerd.')
    return docker_client


def engine_status(path):
    """The HTTP status of the engine's answer to GET path, asked on its unix
    socket without the Docker SDK (whose import alone takes 0.2 s); None
    when it does not answer, or is not reached by a unix socket (the SDK
    then asks, and says what is wrong)."""
    host = os.environ.get('DOCKER_HOST') or ENGINE_SOCKET
    if not host.startswith('unix://'):
        return None
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as engine:
            engine.settimeout(ASK_TIMEOUT)
            engine.connect(host[len('unix://'):])
            engine.sendall(('GET %s HTTP/1.0\r\nHost: docker\r\n\r\n'
                            % urllib.parse.quote(path)).encode())
            status_line = engine.recv(64).split(b' ')
    except OSError:
        return None
    return int(status_line[1]) if len(status_line) > 1 and status_line[1].isdigit() else None


def has_images(names):
    """Does the engine answer, holding every image of names (no SDK needed)?"""
    return all(engine_status('/images/%s/json' % name) == 200 for name in names)


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

    def running(self):
        """Does the engine say the container runs? (How a container on
        another server is watched: its pid is not this machine's.)"""
        import docker.errors
        try:
            return self.api.inspect_container(self.id)['State']['Running']
        except docker.errors.NotFound:
            return False

    def close_lifeline(self):
        """Let go of the container's PID 1: it exits, and the engine starts
        ending the container (auto_remove) while the lab ends the rest."""
        lifeline = getattr(self, 'lifeline', None)
        if lifeline is not None:
            lifeline.close()

    def remove(self):
        """Remove the container and wait until docker no longer lists it."""
        self.close_lifeline()
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
                            interval=0.01)
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


class ContainerStarts(object):
    """The containers of hosts ({host: image}) started in threads (the SDK
    imported, dead labs' containers removed first), each in this machine's
    engine or the one engines ({host: engine URL}) names; pending: {host:
    its PendingContainer}.
    One of the lab's things until every start has ended (lifecycle.adopt),
    so an ending of the lab during the starts waits for them (with a
    deadline) and then removes what they started (each container is the
    lab's from its creation: LabContainer)."""

    name = 'the containers\' start'
    TIMEOUT = 60.0      # seconds all starts may take (the SDK's calls have 30 each)

    def __init__(self, hosts, begin=True, engines=None):
        """begin: start now; else when the first host asks for its container
        (a lab whose routers start first: the import and the starts then
        take the CPU while FRR's bgpd waits its fixed second, and not from
        the config dry runs and the routers' start before it)."""
        lifecycle.adopt(self)
        self.hosts, self.engines = dict(hosts), dict(engines or {})
        self.starts, self.pending = [], {}
        for host in sorted(self.hosts):
            self.pending[host] = PendingContainer(host, self)
        if begin:
            self.begin()

    def begin(self):
        """Start the threads, once."""
        if self.starts:
            return
        engines = {self.engines.get(host) for host in self.hosts}
        pool = ThreadPoolExecutor(max_workers=len(self.hosts) + len(engines))
        ready = {engine: pool.submit(ready_client, engine) for engine in engines}
        self.starts.extend(ready.values())
        for host, pending in sorted(self.pending.items()):
            pending.start = pool.submit(start_after, ready[self.engines.get(host)], host,
                                        self.hosts[host])
            self.starts.append(pending.start)
        pool.shutdown(wait=False)

    def wait(self):
        """Every start ended, or a sentence at the deadline."""
        _, running = concurrent.futures.wait(self.starts, self.TIMEOUT)
        if running:
            raise LabError('Docker did not start the lab\'s containers within %d s; is the '
                           'engine overloaded? `docker ps` shows what it does.' % self.TIMEOUT)

    def terminate(self):
        try:
            self.wait()
        finally:
            lifecycle.disown(self)


def ready_client(engine=None):
    """A Docker client, with the containers of dead labs removed."""
    docker_client = client(engine)
    remove_leftovers(docker_client)
    return docker_client


def start_after(ready, host, image):
    return LabContainer(ready.result(ContainerStarts.TIMEOUT), host, image)


class PendingContainer(object):
    """A host's container being started (ContainerStarts): result() is the
    LabContainer once started, or the start's failure."""

    def __init__(self, host, starts):
        self.host, self.starts, self.start = host, starts, None

    def result(self):
        self.starts.begin()
        try:
            return self.start.result(self.starts.TIMEOUT)
        except concurrent.futures.TimeoutError:
            raise LabError('Docker did not start the container of %s within %d s; is the '
                           'engine overloaded? `docker ps` shows what it does.'
                           % (self.host, self.starts.TIMEOUT))
        finally:
            if all(start.done() for start in self.starts.starts):
                self.starts.terminate()
