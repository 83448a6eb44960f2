"""Where a route is lost between two BGP peers, observed on the running
routers whatever suite they run: what the sender holds and advertised to
the peer against what the peer kept says on which side, export or import,
the route is dropped; that side's suite then names the policy that drops it."""


def rejection(receiver, sender, receiver_address, sender_address, prefix=None):
    """Why receiver holds no route (to prefix; without one: none at all) from
    sender over an Established session, in one sentence: the side that drops
    it and the filter there that rejects it. None when sender holds no such
    route to pass on (with a prefix) or nothing is lost."""
    receiver_as = str(receiver.routing.running_config(receiver).asn)
    # a route whose AS path holds the receiver's AS is dropped as a loop, by design
    held = {p: path for p, path in best_paths(sender).items()
            if (prefix is None or p == prefix) and receiver_as not in path.split()}
    if not held:
        return None if prefix else '%s holds no route it could pass on to %s' % (
            sender.name, receiver.name)
    sent = sender.routing.advertised(sender, receiver_address.ip) & set(held)
    if not sent:
        return sender.routing.filter_cause(sender, 'export', receiver_address.ip,
                                           receiver.name, min(held))
    if receiver.routing.kept(receiver, sender_address.ip) & sent:
        return None
    return receiver.routing.filter_cause(receiver, 'import', sender_address.ip,
                                         sender.name, min(sent))


def best_paths(router):
    """{ip_network: AS path} of router's best routes; {} while its BGP
    daemon is not running (nobody to ask)."""
    if not router.bgp_running():
        return {}
    return router.routing.best_routes(router)
