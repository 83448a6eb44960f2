"""A picture of the running lab, drawn with Graphviz: routers with their AS
and the prefixes they originate, hosts with their address, links with their
interfaces and subnet, and each BGP session coloured by its state. In a lab
with relationships (a lab file, an AS graph) providers sit above customers."""

import ipaddress
import os
import subprocess

from bgptopo import addressing, convergence, diagnose, lab, valleyfree
from bgptopo.errors import LabError
from bgptopo.router import Router

STATE_COLOURS = {'Established': 'forestgreen'}      # anything else: firebrick


def link_subnet(link):
    """The subnet of a link, from whichever end knows its address."""
    for intf in (link.intf1, link.intf2):
        node = intf.node
        if isinstance(node, Router):      # zebra.conf, not Mininet, knows its address
            address = addressing.first_address(node.interfaces(), intf.name)
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


def levels(net):
    """{router name: level}, providers above customers, in a lab with
    relationships (bgptopo/valleyfree.ranks); {} in the others."""
    relationships = lab.relationships(net)
    if not relationships:
        return {}
    asns = {router.name: router.router_config().asn for router in lab.routers(net)}
    ranked = valleyfree.ranks(relationships, set(asns.values()))
    return {name: ranked.get(asn, 0) for name, asn in asns.items()}


def lay_out_levels(dot, ranked):
    """Each level's routers side by side, the levels top to bottom."""
    for level in sorted(set(ranked.values())):
        with dot.subgraph(name='level%d' % level) as same:
            same.attr(rank='same')
            for name in sorted(n for n, found in ranked.items() if found == level):
                same.node(name)


def placement(net):
    """{node name: server} of a lab across servers (bgptopo/cluster.py), or {}."""
    placed = getattr(getattr(net, 'topo', None), 'placement', None)
    return dict(placed.of) if placed is not None else {}


def box_servers(dot, net):
    """In a lab across servers, each server's nodes in a box named after it."""
    where = placement(net)
    for number, server in enumerate(sorted(set(where.values()))):
        with dot.subgraph(name='cluster_server%d' % number) as box:
            box.attr(label='server %s' % server, style='dashed', color='gray40',
                     fontcolor='gray20')
            for name in sorted(n for n, s in where.items() if s == server and n in net):
                box.node(name)


def graph(net):
    import graphviz
    ranked = levels(net)
    dot = graphviz.Graph('bgptopo', graph_attr={'rankdir': 'TB' if ranked else 'LR',
                                                'fontname': 'Helvetica'},
                         node_attr={'fontname': 'Helvetica'}, edge_attr={'fontname': 'Helvetica',
                                                                         'fontsize': '10'})
    for router in lab.routers(net):
        config = router.router_config()
        originated = '\\n'.join(str(p) for p in config.networks)
        dot.node(router.name, '%s (%s)\\nAS %s\\n%s' % (router.name, router.routing.name,
                                                        config.asn, originated),
                 shape='box', style='rounded,filled', fillcolor='lightsteelblue')
    for host in lab.end_hosts(net):
        dot.node(host.name, '%s\\n%s' % (host.name, host.IP()), shape='ellipse',
                 style='filled', fillcolor='lightyellow')
    for switch in net.switches:
        dot.node(switch.name, '%s\\nLAN' % switch.name, shape='box3d')
    lay_out_levels(dot, ranked)
    box_servers(dot, net)
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
        if a in ranked and b in ranked and ranked[a] > ranked[b]:
            a, b = b, a         # the provider first: dot puts an edge's tail above
        dot.edge(a, b, **attrs)
    return dot


SUFFIXES = ('.png', '.svg')
DOT_TIMEOUT = 20        # seconds: dot lays out the lab's few nodes in well under one


def default_path(net):
    """Where `draw` with no file writes: the current directory, under a name
    after the topology (Bgp3Topo: bgp3-lab.png) that no folder of the
    checkout has (the script's net has no topo: bgptopo-lab.png)."""
    return '%s-lab.png' % lab.topology_name(net)


def check_target(path, command='draw', example='lab'):
    """Raise LabError unless path names a picture file command (draw,
    timeline) may write: it writes that file and nothing else (an existing
    file there is replaced, because the user named it)."""
    ext = os.path.splitext(path)[1]
    if ext not in SUFFIXES:
        raise LabError('%s writes .png or .svg files; got %s (end the name in .png '
                       'or .svg).' % (command, path))
    if os.path.isdir(path):
        raise LabError('%s is a folder; name a file in it, e.g. %s %s.'
                       % (path, command, os.path.join(path, example + ext)))
    folder = os.path.dirname(path) or '.'
    if not os.path.isdir(folder):
        raise LabError('the folder %s does not exist; create it or name a file in '
                       'another folder.' % folder)


def render(dot, fmt):
    """The picture's bytes, laid out by Graphviz's dot in memory: no file is
    written on the way (graphviz's render() would leave or delete one beside
    the picture)."""
    try:
        done = subprocess.run(['dot', '-T' + fmt], input=dot.source.encode(),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=DOT_TIMEOUT)
    except FileNotFoundError:
        raise LabError('Graphviz (dot) is missing; run ./setup.sh or apt-get install graphviz.')
    except subprocess.TimeoutExpired:
        raise LabError('Graphviz took over %d s to draw the lab; try again, or draw '
                       'an .svg.' % DOT_TIMEOUT)
    if done.returncode != 0:
        reason = done.stderr.decode(errors='replace').strip().splitlines()
        raise LabError('Graphviz could not draw the lab (%s); check the graphviz package.'
                       % (reason[-1] if reason else 'exit %d' % done.returncode))
    return done.stdout


def write(path, picture):
    try:
        with open(path, 'wb') as out:
            out.write(picture)
    except OSError as failure:
        raise LabError('cannot write %s: %s; name a file in a folder you can write.'
                       % (path, failure.strerror or failure))


def draw(net, path=None):
    """Write the picture of the running lab to path (.png or .svg; default:
    default_path in the current directory); the path written. Only that
    file is written, and nothing is deleted."""
    path = os.path.expanduser(path) if path else default_path(net)
    check_target(path)
    try:
        dot = graph(net)
    except ImportError:
        raise LabError('Graphviz for Python is missing; run ./setup.sh or '
                       'apt-get install python3-graphviz graphviz.')
    write(path, render(dot, os.path.splitext(path)[1][1:]))
    return path
