"""DockerHost: a Mininet host that lives in a Docker container.

The node's shell joins the container's network and mount namespaces (not its
pid namespace: Mininet moves veths with `ip link ... netns <pid>`, which the
kernel resolves in the caller's pid namespace), so node.cmd() runs the
image's own tools (curl, ifconfig) on the lab's interfaces."""

from mininet.node import Host

from bgptopo.containers import LabContainer, client


class DockerHost(Host):
    """A host whose processes run inside a container of `image`.
    container: one already started for it (LabTopo starts them in parallel)."""

    def __init__(self, name, image, container=None, **params):
        self.image = image
        self.container = container or LabContainer(client(), name, image)
        try:
            Host.__init__(self, name, **params)
        except BaseException:
            self.container.remove()
            raise

    def _popen(self, cmd, **params):
        # Mininet starts a node's shell as `mnexec -cdn ...` (new namespaces);
        # ours attaches to the container's namespaces with `mnexec -cda PID`,
        # from a directory the container has (mnexec returns to the cwd).
        if cmd[0] == 'mnexec' and cmd[1] == '-cdn':
            cmd = ['mnexec', '-cda', str(self.container.pid)] + cmd[2:]
            params.setdefault('cwd', '/')
        return Host._popen(self, cmd, **params)

    def terminate(self):
        Host.terminate(self)
        self.container.remove()
