"""Asking a running FRR router through vtysh, inside its node (vtysh
finds the router's own daemons in the node's private run directory)."""

import json
import shlex


def vtysh(router, *commands):
    """Run vtysh commands on router; their output as text."""
    args = ' '.join('-c %s' % shlex.quote(c) for c in commands)
    return router.cmd('vtysh %s 2>&1' % args).replace('\r\n', '\n')


def vtysh_json(router, command):
    """A vtysh `show ... json` command's answer, parsed; {} if none."""
    return parse_json(vtysh(router, command))


def parse_json(text):
    """vtysh's JSON answer as data; {} when it said something else."""
    try:
        return json.loads(text)
    except ValueError:
        return {}


def running_config_text(router):
    """`show running-config`: zebra's part (interfaces) and bgpd's."""
    return vtysh(router, 'show running-config')
