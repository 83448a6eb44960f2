"""Why a BIRD router's policy drops a route on one session, in BIRD's
words. BIRD itself judges its filters (they are a programming language,
not lists to read): a route its import filter rejected stays listed in
`show route filtered protocol P` (with `import keep filtered on`, as the
lab's configs have), one its export filter rejects in `show route
noexport P`; so the sentence reports BIRD's own verdict and the command
that shows it. Which side drops a route is observed by bgptopo/policy.py."""

import ipaddress

from bgptopo.routing.bird import birdc

ROLES = {'import': ('Input filter', 'from', 'filtered protocol %s', 'reload in %s'),
         'export': ('Output filter', 'toward', 'noexport %s', 'reload out %s')}
# what `show protocols all` names a filter that is no named one
NONE_POLICY = {'REJECT': 'none', 'ACCEPT': 'all'}


class Side(object):
    """One BIRD router's policy on one session in one direction."""

    def __init__(self, router, role, peer_address, peer_name):
        self.router, self.role, self.peer_name = router, role, peer_name
        self.peer_address = birdc.canonical(peer_address)
        self.field, self.preposition, self.listing, self.reload = ROLES[role]
        found = birdc.bgp_protocols(birdc.ask(router, 'show protocols all'))
        self.protocol = found.get(self.peer_address)

    def cause(self, prefix):
        """The sentence for prefix, lost on this side."""
        if self.protocol is None:
            return '%s has no protocol bgp with neighbor %s (%s)' % (
                self.router.name, self.peer_address, self.peer_name)
        version = ipaddress.ip_network(prefix).version
        listing = 'show route %s' % (self.listing % self.protocol.name)
        if birdc.parse_routes(birdc.ask(self.router, 'show route %s %s' % (
                prefix, self.listing % self.protocol.name))):
            return '%s rejects %s (birdc `%s` lists it)' % (self.policy(version), prefix, listing)
        if self.role == 'import' and not birdc.keeps_filtered(self.protocol):
            return ('%s may reject %s: protocol %s keeps no rejected routes to show '
                    '(`import keep filtered on;` in its ipv%d channel makes birdc `%s` list '
                    'them)' % (self.policy(version), prefix, self.protocol.name, version,
                               listing))
        return ('%s passes %s now (birdc `%s` lacks it), yet it is lost there: the filter '
                'changed since it was applied (`birdc %s` on %s applies it again)'
                % (self.policy(version), prefix, listing, self.reload % self.protocol.name,
                   self.router.name))

    def policy(self, version):
        """"r2's import filter FROM_R1 from r1", or its `import none`/`all`
        (of its channel of that IP version)."""
        name = birdc.channel(self.protocol, version).get(self.field, '(unnamed)')
        if name in NONE_POLICY:
            what = 'policy `%s %s`' % (self.role, NONE_POLICY[name])
        elif name == '(unnamed)':
            what = 'filter written in protocol %s' % self.protocol.name
        else:
            what = 'filter %s' % name
        return "%s's %s %s %s %s" % (self.router.name, self.role, what, self.preposition,
                                     self.peer_name)
