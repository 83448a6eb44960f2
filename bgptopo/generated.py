"""Router configs rendered from a plan for generated topologies (rings and
full meshes of N ASes, for scale benchmarks), by each routing suite. They
are written to a run directory and read back by the same code that reads
etc/quagga and etc/bird, so the generated files stay the single source of
truth for those labs.

Addressing: router i (1-based) is AS 65000+i (4200000000+i past 65534:
65535 is reserved), owns the stub LAN 10.1.i.0/24 on ri-lan (from i=256
on: 10.128.0.0/9's i-th /24); link k (0-based) joins its two routers in
10.(2+k/256).(k%256).0/24 (.1 on the lower-numbered router, .2 on the
other)."""

import atexit
import glob
import ipaddress
import os
import shutil
import subprocess
import tempfile

from bgptopo import addressing, lifecycle, routing
from bgptopo.errors import LabError
from bgptopo.routing.contract import Peer, RouterPlan

RUN_PREFIX = 'bgptopo-gen.'
MAX_ROUTERS = 2000          # a ring's; its links stay below 10.128.0.0
MAX_MESH = 250              # a full mesh's 31125 links end at 10.123.x.0
# every AS may announce and transit any stub LAN /24, nothing else
ACCEPT = [(ipaddress.ip_network('10.1.0.0/16'), 24, 24),
          (ipaddress.ip_network('10.128.0.0/9'), 24, 24)]
PRIVATE_ASN_16, PRIVATE_ASN_32 = 65000, 4200000000
KEEPALIVE, HOLD = 3, 9
_watchers = []


def whole_numbers(**params):
    """The values of params as ints, or a sentence naming the one that is not."""
    try:
        return [int(params[name]) for name in params]
    except ValueError:
        bad = next(k for k, v in params.items() if not str(v).lstrip('-').isdigit())
        raise LabError('%s=%s is not a whole number; write e.g. --topo bgpring,n=10.'
                       % (bad, params[bad]))


def ring_links(n):
    """Router pairs (1-based) of a ring; a line for n == 2."""
    return [(i, i % n + 1) for i in range(1, n + 1)] if n > 2 else [(1, 2)]


def mesh_links(n):
    return [(i, j) for i in range(1, n + 1) for j in range(i + 1, n + 1)]


def plan(n, links):
    """{router number: RouterPlan} of a generated lab (see the addressing above)."""
    asns = {i: asn(i) for i in range(1, n + 1)}
    interfaces = {i: [('r%d-lan' % i, ipaddress.ip_interface('%s.254/24' % stub_net(i)))]
                  for i in asns}
    peers = {i: [] for i in asns}
    for k, (a, b) in enumerate(links):
        subnet = '10.%d.%d' % (2 + k // 256, k % 256)
        for me, peer, mine, theirs in ((a, b, 1, 2), (b, a, 2, 1)):
            port = len(interfaces[me]) - 1      # links count from eth0
            interfaces[me].append(('r%d-eth%d' % (me, port),
                                   ipaddress.ip_interface('%s.%d/24' % (subnet, mine))))
            peers[me].append(Peer('r%d' % peer, '%s.%d' % (subnet, theirs), asns[peer], None))
    return {i: RouterPlan('r%d' % i, asns[i], '%s.254' % stub_net(i), interfaces[i],
                          [(ipaddress.ip_network('%s.0/24' % stub_net(i)), 'r%d-lan' % i)],
                          peers[i], ACCEPT, KEEPALIVE, HOLD) for i in asns}


def asn(i):
    return PRIVATE_ASN_16 + i if PRIVATE_ASN_16 + i < 65535 else PRIVATE_ASN_32 + i


def stub_net(i):
    """The first three bytes of router i's stub LAN."""
    return '10.1.%d' % i if i < 256 else '10.%d.%d' % (128 + i // 256, i % 256)


def write_configs(n, links):
    """A fresh run directory with r1..rN's configs for every suite."""
    most = MAX_ROUTERS if len(links) <= n else MAX_MESH
    if not 2 <= n <= most:
        raise LabError('n=%d is out of range; generated %s have 2 to %d routers.'
                       % (n, 'rings' if most == MAX_ROUTERS else 'full meshes', most))
    top = run_directory()
    write_tree(plan(n, links).values(), top)
    return top


def run_directory():
    """A fresh run directory, removed when we exit, and also when we are
    killed (SIGKILL runs no atexit): a watcher in a session of its own
    reads a pipe only we write to; the kernel closes it when we die, however
    we die, and the watcher then removes the directory and ends.
    remove_stale_dirs is the last resort, should the watcher be killed too."""
    top = tempfile.mkdtemp(prefix='%s%s.' % (RUN_PREFIX, lifecycle.owner_token().replace(':', '-')))
    atexit.register(shutil.rmtree, top, True)
    watcher = subprocess.Popen(['sh', '-c', 'cat >/dev/null; rm -rf "$0"', top],
                               stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    _watchers.append(watcher)       # its pipe stays open as long as we live
    return top


def write_tree(plans, top):
    """Each RouterPlan's configs as an etc tree: top/<router>/zebra.conf
    (its addresses) and every suite's files; {router: [file names]}."""
    suites = [routing.suite(key) for key in sorted(routing.SUITES)]
    written = {}
    for router in plans:
        folder = os.path.join(top, router.name)
        os.makedirs(folder, exist_ok=True)
        files = {'zebra.conf': addressing.render(router)}
        for suite in suites:
            files.update(suite.render(router))
        for name, text in files.items():
            with open(os.path.join(folder, name), 'w') as conf:
                conf.write(text)
        written[router.name] = sorted(files)
    return written


def remove_stale_dirs():
    """Run directories whose process is gone (killed before its atexit ran):
    each is named after its owner's pid and start time, so a reused pid does
    not keep a dead lab's directory alive."""
    for path in glob.glob(os.path.join(tempfile.gettempdir(), RUN_PREFIX + '*')):
        owner = owner_of(path)
        if owner and lifecycle.owner_token(int(owner.split(':')[0])) != owner:
            shutil.rmtree(path, ignore_errors=True)


def owner_of(path):
    """The pid:start-time a run directory is named after, or None."""
    owner = os.path.basename(path)[len(RUN_PREFIX):].split('.')[0].replace('-', ':')
    pid, _, started = owner.partition(':')
    return owner if pid.isdigit() and started.isdigit() else None
