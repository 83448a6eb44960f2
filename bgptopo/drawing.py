"""A picture of the running lab, drawn with Graphviz: routers with their AS
and the prefixes they originate, hosts with their address, links with their
interfaces and subnet, and each BGP session coloured by its state."""

import ipaddress
import os

from bgptopo import convergence, diagnose, lab
from bgptopo.errors import LabError
from bgptopo.router import QuaggaRouter

STATE_COLOURS = {'Established': 'forestgreen'}      # anything else: firebrick


def link_subnet(link):
    """The subnet of a link, from whichever end knows its address."""
    for intf in (link.intf1, link.intf2):
        node = intf.node
        if isinstance(node, QuaggaRouter):      # zebra, not Mininet, knows its address
            address = node.router_config().address_of(intf.name)
        else:
            address = ipaddress.ip_interface('%s/%s' % (intf.IP(), intf.prefixLen)) \
                if intf.IP() else None
        if address:
            return str(address.network)
    return '?'


def intf_up(intf):
    """Is the interface administratively up? (ip, not ifconfig: the
    containers' shells print ifconfig's flags differently)"""
    flags = intf.node.cmd('ip -o link show dev %s' % intf.name).split('<', 1)[-1]
    return 'UP' in flags.split('>', 1)[0].split(',')


def graph(net):
    import graphviz
    dot = graphviz.Graph('bgptopo', graph_attr={'rankdir': 'LR', 'fontname': 'Helvetica'},
                         node_attr={'fontname': 'Helvetica'}, edge_attr={'fontname': 'Helvetica',
                                                                         'fontsize': '10'})
    for router in lab.routers(net):
        config = router.router_config()
        originated = '\\n'.join(str(p) for p in config.networks)
        dot.node(router.name, '%s\\nAS %s\\n%s' % (router.name, config.asn, originated),
                 shape='box', style='rounded,filled', fillcolor='lightsteelblue')
    for host in lab.end_hosts(net):
        dot.node(host.name, '%s\\n%s' % (host.name, host.IP()), shape='ellipse',
                 style='filled', fillcolor='lightyellow')
    states = convergence.all_sessions(lab.routers(net))
    sessions = {(a.name, b.name): states.get(a, {}).get(str(address_b.ip), ('down',))[0]
                for a, b, _, address_b in diagnose.router_links(net)}
    for link in net.links:
        a, b = link.intf1.node.name, link.intf2.node.name
        state = sessions.get((a, b))
        label = '%s - %s\\n%s' % (link.intf1.name, link.intf2.name, link_subnet(link))
        attrs = {'label': label}
        if state is not None:
            attrs.update(label='%s\\nBGP %s' % (label, state), penwidth='2',
                         color=STATE_COLOURS.get(state, 'firebrick'))
        if not (intf_up(link.intf1) and intf_up(link.intf2)):
            attrs['style'] = 'dashed'
        dot.edge(a, b, **attrs)
    return dot


def draw(net, path='bgptopo.png'):
    """Write the picture to path (.png or .svg); the path written."""
    base, ext = os.path.splitext(path)
    if ext not in ('.png', '.svg'):
        raise LabError('draw writes .png or .svg files; got %s' % path)
    try:
        return graph(net).render(filename=base, format=ext[1:], cleanup=True)
    except ImportError:
        raise LabError('Graphviz for Python is missing; run ./setup.sh or '
                       'apt-get install python3-graphviz graphviz.')
