"""The work before Mininet builds a lab, kept out of the Topo (which only
describes): preflight, the machine's lab lock, leftovers of dead labs, the
daemons' dry runs of every config, images, and the containers, started in
parallel. Every entry point calls prepare(topo): mn's (mnplugin.entry), the
script (python3 -m bgptopo) and the tests. A lab either starts whole or
leaves nothing behind.

When the engine answers and holds every image the lab needs (asked without
the Docker SDK), the SDK's import, the removal of dead labs' containers and
the containers' start go on in threads (containers.ContainerStarts), and
each host waits for its own container. In a lab whose routers start first
(bgptopo/bulk.py starts every daemon before any host is made) the threads
begin when the first host is made, so they run while FRR's bgpd waits its
fixed second before its first connection, and the config dry runs and the
routers' start do not share the CPU with them. Otherwise the SDK removes
dead labs' containers and builds missing images here, before anything is
built, so a missing engine or image is said first, and the starts begin.
Containers of a cluster lab's hosts on other servers start in those
servers' engines (bgptopo/cluster.py)."""

from bgptopo import capture, containers, generated, images, lifecycle, preflight, scenarios
from bgptopo.netclasses import CONTAINERNET, image_of


def prepare(topo):
    """Make the machine ready for topo; a LabError (nothing left) if it cannot be."""
    preflight.require_root()
    lifecycle.claim()
    try:
        preflight.require_suites(set(topo.suites.values()))
        preflight.require_shaping(topo)
        if topo.boot_capture:
            capture.boot_folder(topo.boot_capture)
        scenarios.preflight(topo)
        config_checks = preflight.ConfigChecks({name: topo.nodeInfo(name)
                                                for name in routers_to_check(topo)})
        try:
            generated.remove_stale_dirs()
            engines = remote_engines(topo)
            local_hosts = [host for host in topo.docker_hosts() if host not in engines]
            images_here = containers.has_images(lab_images(topo, local_hosts))
            if CONTAINERNET or not images_here:
                docker_client = containers.client()
                containers.remove_leftovers(docker_client)
                for host in local_hosts:
                    images.build(docker_client, image_of(topo.nodeInfo(host)))
            if topo.docker_hosts() and not CONTAINERNET:
                starts = containers.ContainerStarts(
                    {host: image_of(topo.nodeInfo(host)) for host in topo.docker_hosts()},
                    begin=not (images_here and routers_start_first(topo)), engines=engines)
                for host, pending in starts.pending.items():
                    topo.nodeInfo(host)['container'] = pending
        finally:
            config_checks.result()      # a rejected config speaks first
    except BaseException:
        lifecycle.end_everything()      # the containers started; the lock
        raise
    return topo


def routers_to_check(topo):
    """The routers whose config files get their daemons' dry run: those of
    files users write or edit (etc/quagga, etc/bird, etc=DIR). Files the lab
    rendered itself this run from a plan are not users' mistakes to report,
    and every renderer's output is dry-run by the tests (test_generated,
    test_frr_render, test_bird_render, the examples); their dry runs cost
    ~30 ms of CPU a file, 2000 files at n=1000 with FRR."""
    return [] if getattr(topo, 'rendered_configs', False) else topo.routers()


def routers_start_first(topo):
    """Does the build start every router's daemons before it makes a host
    (bgptopo/bulk.py)?"""
    bulk = getattr(topo, 'bulk', None)
    return bulk is not None and bulk.early_links is not None


def lab_images(topo, hosts):
    return sorted({image_of(topo.nodeInfo(host)) for host in hosts})


def remote_engines(topo):
    """{host: its engine's URL here} for the Docker hosts that a cluster lab
    placed on other servers (bgptopo/cluster.py reaches their engines)."""
    elsewhere = {host: topo.nodeInfo(host)['server'] for host in topo.docker_hosts()
                 if topo.nodeInfo(host).get('server', 'localhost') != 'localhost'}
    if not elsewhere:
        return {}
    from bgptopo import cluster
    return cluster.engines(elsewhere)
