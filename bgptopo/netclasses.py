"""Which Mininet classes build the lab: Containernet's where it is installed
(its Docker node and Containernet net), else Mininet's own with the
package's DockerHost. Both build the same topology."""

from concurrent.futures import ThreadPoolExecutor

from mininet.net import Mininet

from bgptopo import lifecycle
from bgptopo.dockerhost import DockerHost
from bgptopo.errors import LabError
from bgptopo.router import Router, stop_daemons_of

try:    # Containernet installs itself as the mininet package
    from mininet.node import Docker as ContainernetDocker
    from mininet.net import Containernet
except ImportError:
    ContainernetDocker = Containernet = None

CONTAINERNET = ContainernetDocker is not None

if CONTAINERNET:
    class LabDocker(ContainernetDocker):
        """Containernet's Docker node that also runs its image's CMD (the web
        server) once configured: Containernet leaves that call to its user.
        It is one of the lab's nodes (lifecycle.adopt), so every ending of
        the lab removes its container: SIGTERM skips net.stop(), and
        Containernet's containers have no lifeline of ours."""

        def __init__(self, name, **params):
            import docker.errors
            try:
                ContainernetDocker.__init__(self, name, **params)
            except docker.errors.APIError as failure:
                if failure.status_code != 409:
                    raise
                raise LabError('A container named mn.%s is left from a killed lab (Docker '
                               'refuses a second); run Containernet\'s mn -c, then start '
                               'the lab again.' % name)
            lifecycle.adopt(self)

        def terminate(self):
            try:
                ContainernetDocker.terminate(self)
            finally:
                lifecycle.disown(self)

        def config(self, **params):
            result = ContainernetDocker.config(self, **params)
            self.start()
            return result


def docker_host_params(image):
    """Topo.addHost parameters that make a container host of image.
    Containernet attaches containers to docker0 unless told otherwise: the
    lab's hosts must have no network but the lab's."""
    if CONTAINERNET:
        return dict(cls=LabDocker, dimage=image, network_mode='none')
    return dict(cls=DockerHost, image=image)


def image_of(node_info):
    return node_info.get('image') or node_info.get('dimage')


class LabNet(Mininet):
    """Mininet with Containernet's addDocker, for the package's DockerHost."""

    def addDocker(self, name, dimage, cls=DockerHost, **params):
        return self.addHost(name, cls=cls, image=dimage, **params)

    def stop(self):
        """What makes a node's ending wait (a router's daemons exiting, a
        container's removal) for every node at once; then Mininet ends the
        nodes one by one, each finding its waits done. A failure of the
        parallel part is raised after Mininet's stop, which retries it."""
        failures = end_waits_at_once(self.hosts)
        Mininet.stop(self)
        for failure in failures:
            raise failure


def end_waits_at_once(nodes):
    """Run the waiting part of every node's ending in parallel; the failures.
    The nodes stay the lab's: their terminate() ends the rest."""
    routers = [node for node in nodes if isinstance(node, Router)]
    waits = [node.end_container for node in nodes if isinstance(node, DockerHost)]
    waits.append(lambda: stop_daemons_of(routers))
    with ThreadPoolExecutor(max_workers=len(waits)) as pool:
        running = [pool.submit(w) for w in waits]
        return [r.exception() for r in running if r.exception()]


def net_class():
    return Containernet if CONTAINERNET else LabNet
