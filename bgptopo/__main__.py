"""`sudo python3 -m bgptopo`: the lab built by a script, through the
Containernet API (addDocker for the two containers, addHost with the
QuaggaRouter class for the routers), then the lab's CLI.

With Containernet installed this uses Containernet's own net and Docker
classes; without it, the package's LabNet offers the same addDocker.
The nodes and links are those of the bgp3 topology (one source of truth)."""

import argparse
import sys

try:
    from mininet.log import setLogLevel
except ImportError:
    sys.exit('*** bgptopo: %s has no mininet; run the lab with Debian\'s python '
             '(sudo /usr/bin/python3 -m bgptopo) after ./setup.sh, or install Containernet '
             'into this python.' % sys.executable)

from bgptopo.cli import BgpCLI
from bgptopo import preflight
from bgptopo.errors import LabError
from bgptopo.mnplugin import TESTS
from bgptopo.netclasses import image_of, net_class
from bgptopo.preparation import prepare
from bgptopo.topologies import Bgp3Topo


def build(topo):
    """A net made node by node with the Containernet API from topo."""
    net = net_class()(controller=None)
    for name in topo.hosts():
        params = dict(topo.nodeInfo(name))
        image = image_of(params)
        if image:
            for key in ('image', 'dimage'):
                params.pop(key, None)
            net.addDocker(name, dimage=image, **params)
        else:
            net.addHost(name, **params)
    for _, _, params in topo.links(sort=True, withInfo=True):
        net.addLink(**params)
    return net


def main(argv=None):
    parser = argparse.ArgumentParser(prog='python3 -m bgptopo', description=__doc__.split('\n')[0])
    parser.add_argument('--test', choices=sorted(TESTS),
                        help='run a test instead of the CLI, as mn --test does')
    parser.add_argument('-v', '--verbosity', default='info')
    args = parser.parse_args(argv)
    setLogLevel(args.verbosity)
    try:
        preflight.require_root()        # before anything, even reading configs
        net = build(prepare(Bgp3Topo()))
    except LabError as failure:
        sys.exit('*** bgptopo: %s' % failure)
    try:
        net.start()
        if args.test:
            TESTS[args.test](net)     # on failure: stops the net, exits non-zero
        else:
            BgpCLI(net)
    except LabError as failure:
        net.stop()
        sys.exit('*** bgptopo: %s' % failure)
    net.stop()


if __name__ == '__main__':
    main()
