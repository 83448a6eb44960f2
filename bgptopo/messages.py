"""The BGP messages of a capture, decoded by Debian's tshark: when, from
whom to whom, what (OPEN, UPDATE, KEEPALIVE, NOTIFICATION, ROUTE-REFRESH),
and for an UPDATE the prefixes announced and withdrawn with AS path, next
hop and communities. The ends of BGP's TCP connections (FIN, RST) come
along: a session that ends shows where it ended.

The lab signs every session with TCP MD5; that is a TCP option, which
tshark reads past, so BGP is decoded all the same. tshark's JSON keeps
each message's structure (several BGP messages often share one packet),
which its field output would flatten."""

import json
import os
import subprocess
from collections import namedtuple

from bgptopo.errors import LabError

TSHARK_TIMEOUT = 60     # seconds tshark may take for one file (a lab's capture takes < 1)
DISPLAY_FILTER = 'bgp or (tcp.port == 179 and (tcp.flags.fin == 1 or tcp.flags.reset == 1))'
TYPES = {'1': 'OPEN', '2': 'UPDATE', '3': 'NOTIFICATION', '4': 'KEEPALIVE',
         '5': 'ROUTE-REFRESH'}
ERRORS = {'1': 'Message Header Error', '2': 'OPEN Message Error', '3': 'UPDATE Message Error',
          '4': 'Hold Timer Expired', '5': 'Finite State Machine Error', '6': 'Cease',
          '7': 'ROUTE-REFRESH Message Error'}
CEASE_REASONS = {'1': 'maximum number of prefixes reached', '2': 'administrative shutdown',
                 '3': 'peer de-configured', '4': 'administrative reset',
                 '5': 'connection rejected', '6': 'other configuration change',
                 '7': 'connection collision resolution', '8': 'out of resources',
                 '9': 'hard reset', '10': 'BFD down'}
WELL_KNOWN_COMMUNITIES = {'0xffff0000': 'graceful-shutdown', '0xffff0001': 'accept-own',
                          '0xffff029a': 'blackhole', '0xffffff01': 'no-export',
                          '0xffffff02': 'no-advertise', '0xffffff03': 'local-AS',
                          '0xffffff04': 'no-peer'}
AS_SET = '1'


class Message(namedtuple('Message', 'time src dst kind details key')):
    """One BGP message (or the FIN/RST of a BGP connection) seen on the wire.
    time: seconds since the epoch (the capture's clock); src, dst: IP
    addresses; kind: OPEN, UPDATE, ..., TCP-FIN, TCP-RST; details: a dict
    of what the message says; key: the same message seen by two captures
    (both ends of a link) has the same key."""

    @property
    def connection(self):
        """The TCP connection it belongs to, the same for both directions."""
        return tuple(sorted([self.key[0], self.key[1]]))

    @property
    def announces(self):
        return self.kind == 'UPDATE' and bool(self.details.get('announced'))

    @property
    def withdraws(self):
        return self.kind == 'UPDATE' and bool(self.details.get('withdrawn'))


def listed(value):
    """tshark's JSON merges repeated keys into a list: one value or many."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def find(tree, key):
    """Every value of key anywhere in tree (dicts and lists), in order."""
    found = []
    if isinstance(tree, dict):
        for name, value in tree.items():
            if name == key:
                found.extend(listed(value))
            else:
                found.extend(find(value, key))
    elif isinstance(tree, list):
        for item in tree:
            found.extend(find(item, key))
    return found


def first(tree, key, default=None):
    values = find(tree, key)
    return values[0] if values else default


def prefixes(tree, address_key):
    """The prefixes (a.b.c.d/len) a subtree lists, e.g. an UPDATE's NLRI."""
    found = []
    for entry in walk_dicts(tree):
        if address_key in entry and 'bgp.prefix_length' in entry:
            found.append('%s/%s' % (entry[address_key], entry['bgp.prefix_length']))
    return found


def walk_dicts(tree):
    """Every dict in tree, itself first."""
    if isinstance(tree, dict):
        yield tree
        for value in tree.values():
            yield from walk_dicts(value)
    elif isinstance(tree, list):
        for item in tree:
            yield from walk_dicts(item)


def as_path(attributes):
    """The AS path of an UPDATE's attributes as FRR prints it: '65000 55000',
    an AS set in braces."""
    words = []
    for segment in walk_dicts(attributes):
        if 'bgp.update.path_attribute.as_path_segment.type' not in segment:
            continue
        numbers = listed(segment.get('bgp.update.path_attribute.as_path_segment.as4')) or \
            listed(segment.get('bgp.update.path_attribute.as_path_segment.as2'))
        if segment['bgp.update.path_attribute.as_path_segment.type'] == AS_SET:
            words.append('{%s}' % ','.join(numbers))
        else:
            words.extend(numbers)
    return ' '.join(words)


def communities(attributes):
    """'AS:value' for each community, and the well-known ones by name."""
    numbered, known = [], []
    for entry in walk_dicts(attributes):
        if 'bgp.update.path_attribute.community_as' in entry:
            numbered.extend('%s:%s' % pair for pair in zip(
                listed(entry['bgp.update.path_attribute.community_as']),
                listed(entry.get('bgp.update.path_attribute.community_value'))))
        known.extend(WELL_KNOWN_COMMUNITIES.get(value.lower(), value) for value in
                     listed(entry.get('bgp.update.path_attribute.community_wellknown')))
    return numbered + known     # the wire's (numeric) order, as FRR prints them


def update_details(bgp):
    attributes = bgp.get('bgp.update.path_attributes', {})
    details = {'announced': prefixes(bgp.get('bgp.update.nlri', {}), 'bgp.nlri_prefix'),
               'withdrawn': prefixes(bgp.get('bgp.update.withdrawn_routes', {}),
                                     'bgp.withdrawn_prefix')}
    if details['announced']:
        details.update(as_path=as_path(attributes),
                       next_hop=first(attributes, 'bgp.update.path_attribute.next_hop'),
                       communities=communities(attributes))
    if not details['announced'] and not details['withdrawn'] and not attributes:
        details['end_of_rib'] = True
    return details


def open_details(bgp):
    return {'as': int(first(bgp, 'bgp.cap.4as', bgp.get('bgp.open.myas', 0))),
            'hold_time': int(bgp.get('bgp.open.holdtime', 0)),
            'router_id': bgp.get('bgp.open.identifier')}


def notification_details(bgp):
    code = bgp.get('bgp.notify.major_error', '?')
    subcode = next((value for name, value in bgp.items()
                    if name.startswith('bgp.notify.minor_error') and
                    not name.startswith('bgp.notify.minor_error_data')), None)
    reason = CEASE_REASONS.get(subcode) if code == '6' else None
    return {'error': ERRORS.get(code, 'error %s' % code), 'code': code, 'subcode': subcode,
            'reason': reason or ('subcode %s' % subcode if subcode else None)}


DETAILS = {'OPEN': open_details, 'UPDATE': update_details,
           'NOTIFICATION': notification_details}


def parse_packet(packet):
    """The Messages of one packet of tshark's JSON (-T json --no-duplicate-keys)."""
    layers = packet.get('_source', {}).get('layers', {})
    frame, ip, tcp = (layers.get(name, {}) for name in ('frame', 'ip', 'tcp'))
    if not ip or not tcp:
        return []
    when = float(frame.get('frame.time_epoch', 0))
    src, dst = ip.get('ip.src'), ip.get('ip.dst')
    base = ('%s:%s' % (src, tcp.get('tcp.srcport')), '%s:%s' % (dst, tcp.get('tcp.dstport')),
            tcp.get('tcp.seq_raw'))
    found = []
    for index, bgp in enumerate(m for m in listed(layers.get('bgp')) if 'bgp.type' in m):
        kind = TYPES.get(bgp['bgp.type'], 'type %s' % bgp['bgp.type'])
        details = DETAILS.get(kind, lambda _: {})(bgp)
        found.append(Message(when, src, dst, kind, details, base + (index,)))
    flags = tcp.get('tcp.flags_tree', {})
    for flag, kind in (('tcp.flags.fin', 'TCP-FIN'), ('tcp.flags.reset', 'TCP-RST')):
        if flags.get(flag) == '1':
            found.append(Message(when, src, dst, kind, {}, base + (kind,)))
    return found


def parse(tshark_json):
    """The Messages in tshark's JSON output for one capture file."""
    try:
        packets = json.loads(tshark_json) if tshark_json.strip() else []
    except ValueError:
        raise LabError('tshark printed something that is not JSON; is its version '
                       'older than 3.0 (it needs --no-duplicate-keys)?')
    return [message for packet in packets for message in parse_packet(packet)]


def tshark_command(path):
    return ['tshark', '-r', path, '-n', '-Y', DISPLAY_FILTER, '-T', 'json',
            '--no-duplicate-keys', '-J', 'frame ip tcp bgp']


def run_tshark(paths):
    """tshark's JSON for each file, the files decoded side by side."""
    try:
        calls = [(path, subprocess.Popen(tshark_command(path), stdout=subprocess.PIPE,
                                         stderr=subprocess.PIPE, universal_newlines=True))
                 for path in paths]
    except FileNotFoundError:
        raise LabError('tshark is missing; run ./setup.sh or apt-get install tshark.')
    return [answer(path, call) for path, call in calls]


def answer(path, call):
    """tshark's output; a file cut short (a capture still being written) is
    decoded up to the cut, which tshark reports with exit status 2, as it
    does a file that is no capture at all, with no output."""
    try:
        out, err = call.communicate(timeout=TSHARK_TIMEOUT)
    except subprocess.TimeoutExpired:
        call.kill()
        call.communicate()
        raise LabError('tshark did not decode %s within %d s; is the file huge? Open it in '
                       'Wireshark instead.' % (path, TSHARK_TIMEOUT))
    if call.returncode != 0 and not out.strip():
        said = [line.strip() for line in err.splitlines()
                if line.strip() and 'dangerous' not in line]
        raise LabError('tshark could not read %s: %s.' % (
            path, said[-1].rstrip('.') if said else 'exit status %d' % call.returncode))
    return out


_decoded = {}   # (path, size, mtime): its Messages; a file that did not change is not decoded again


def stamp(path):
    try:
        info = os.stat(path)
    except OSError:
        return (path, None, None)
    return (path, info.st_size, info.st_mtime_ns)


def decode_files(paths):
    """The Messages of each file (tshark runs only for files new or changed)."""
    stamps = [stamp(path) for path in paths]
    fresh = [s for s in stamps if s not in _decoded]
    if fresh:
        for key, text in zip(fresh, run_tshark([key[0] for key in fresh])):
            _decoded[key] = parse(text)
    for key in set(_decoded) - set(stamps):
        del _decoded[key]
    return [_decoded[key] for key in stamps]


def decode(paths):
    """Every message in the capture files, each once, in time order."""
    seen, found = set(), []
    for decoded in decode_files(paths):
        for message in decoded:
            if message.key not in seen:
                seen.add(message.key)
                found.append(message)
    return sorted(found, key=lambda m: (m.time, m.key))
