"""The nodes and links a lab file adds besides routers and containers:
plain Mininet hosts (one may serve the question page), a LAN's bridge (an
IXP's peering LAN) and links with delay, bandwidth or loss."""

import itertools
import shlex
import sys

from mininet.link import TCIntf
from mininet.node import Host, Switch

from bgptopo import lifecycle
from bgptopo.nodeshell import DualStack, GuardedShell, LabLink
from bgptopo.paths import QUESTION_PAGE

HTTP_PORT = 80


class PlainHost(GuardedShell, DualStack, Host):
    """A Mininet host (a namespace, the machine's programs). serves=True:
    it serves the question page on port 80 (python3's http.server, ended
    with the node's shell: same process group, and its parent's death)."""

    def __init__(self, name, serves=False, **params):
        self.serves = serves
        Host.__init__(self, name, **params)
        lifecycle.adopt(self)

    def config(self, **params):
        result = super(PlainHost, self).config(**params)
        if self.serves:
            folder = QUESTION_PAGE.rsplit('/', 1)[0]
            self.cmd('cd %s && setpriv --pdeathsig TERM %s -m http.server --bind :: %d '
                     '>/dev/null 2>&1 & cd /' % (shlex.quote(folder), sys.executable, HTTP_PORT))
        return result

    def terminate(self):
        self.hang_up()
        Host.terminate(self)
        lifecycle.disown(self)


class LanBridge(GuardedShell, Switch):
    """A LAN as a Linux bridge inside a namespace of its own: nothing of it
    is left in the machine's namespace, whatever ends the lab."""

    numbers = itertools.count(1)

    def __init__(self, name, **params):
        params['inNamespace'] = True
        # Mininet's switches want an OpenFlow datapath id; a bridge has no use for it
        params.setdefault('dpid', '%x' % next(self.numbers))
        Switch.__init__(self, name, **params)
        lifecycle.adopt(self)

    def start(self, _controllers):
        self.cmd_chain(['ip link add br0 type bridge', 'ip link set br0 up'] +
                       ['ip link set %s master br0 up' % intf
                        for intf in self.intfList() if intf.name != 'lo'])

    def connected(self):
        return True

    def stop(self, deleteIntfs=True):
        """Nothing to delete: the bridge and its ports go with the namespace."""

    def terminate(self):
        self.hang_up()
        Switch.terminate(self)
        lifecycle.disown(self)


class ShapedLink(LabLink):
    """A veth pair whose two ends delay, limit or drop (tc, as Mininet's
    TCLink): delay=10ms makes each direction 10 ms slower."""

    def __init__(self, node1, node2, delay=None, bw=None, loss=None, **params):
        shaping = {key: value for key, value in
                   (('delay', delay), ('bw', bw), ('loss', loss)) if value is not None}
        LabLink.__init__(self, node1, node2, cls1=TCIntf, cls2=TCIntf,
                         params1=shaping, params2=shaping, **params)
