"""DockerHost: a Mininet host that lives in a Docker container.

The node's shell joins the container's network and mount namespaces (not its
pid namespace: Mininet moves veths with `ip link ... netns <pid>`, which the
kernel resolves in the caller's pid namespace), so node.cmd() runs the
image's own tools (curl, ifconfig) on the lab's interfaces."""

from mininet.node import Host

from bgptopo import lifecycle, procs
from bgptopo.containers import LabContainer, PendingContainer, client
from bgptopo.nodeshell import DualStack, GuardedShell


class DockerHost(GuardedShell, DualStack, Host):
    """A host whose processes run inside a container of `image`.
    container: one already started for it, or a PendingContainer being
    started (bgptopo/preparation.py starts them in parallel)."""

    def __init__(self, name, image, container=None, **params):
        self.image = image
        if isinstance(container, PendingContainer):
            container = container.result()
        self.container = container or LabContainer(client(), name, image)
        try:
            Host.__init__(self, name, **params)
        except BaseException:
            self.container.remove()
            raise
        lifecycle.adopt(self)

    def _popen(self, cmd, **params):
        # from a directory the container has (mnexec returns to the cwd)
        if starts_shell(cmd):
            cmd = attached(cmd, self.container.pid)
            params.setdefault('cwd', '/')
        return Host._popen(self, cmd, **params)

    def require_alive(self):
        """The shell, and the container it lives in (its PID 1, the lifeline)."""
        if not procs.alive(self.container.pid):
            raise lifecycle.NodeDied(
                "%s's container was stopped from outside the lab (docker rm or kill?); "
                "the lab cannot go on: start it again." % self.name)
        GuardedShell.require_alive(self)

    def terminate(self):
        self.end_container()
        lifecycle.disown(self)

    def end_container(self):
        """The container's lifeline let go first (the engine ends it
        meanwhile), then the shell, then the container, waited for.
        Safe to call twice: LabNet.stop calls it for every host at once."""
        self.container.close_lifeline()
        self.hang_up()
        Host.terminate(self)
        self.container.remove()


def starts_shell(cmd):
    """Is cmd Mininet's start of a node's shell in new namespaces
    (`mnexec -cdn ...`, or `mnexec -cn ...` on a cluster's server)?"""
    return list(cmd[:1]) == ['mnexec'] and cmd[1] in ('-cdn', '-cn')


def attached(cmd, pid):
    """That start made to join the namespaces of pid instead (`mnexec -cda PID ...`)."""
    return ['mnexec', cmd[1][:-1] + 'a', str(pid)] + list(cmd[2:])
