"""What a running router holds, asked of the router itself (through its
suite) rather than read from its files: an edit at its CLI, `hijack start`
or `defend on` change what runs without touching the files, and a
diagnosis must describe the router that runs, not the file it started from."""

from bgptopo.routing.contract import BgpConfig


def config(router):
    """The BgpConfig router runs now (no AS while its BGP daemon is down)."""
    return router.running_config() if router.bgp_running() else BgpConfig()


def best_route(router, destination):
    """The Route router chose for destination (a prefix, or an address:
    the longest match, as the kernel forwards by), or None (also when its
    BGP daemon is not running). as_path is '' for its own network."""
    if not router.bgp_running():
        return None
    return router.routing.best_route(router, destination)


def not_running(router):
    """The sentence for a router whose BGP daemon is down."""
    return "%s's %s is not running (`restart %s` starts it)" % (
        router.name, router.routing.bgp_daemon, router.name)
