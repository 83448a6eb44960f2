"""Integration: the stock mn launcher with our --custom file, as a user runs it."""

import json
import os
import signal
import subprocess
import time

import pytest

from bgptopo import procs
from conftest import MN, QUESTION, REPO, close_prompt, open_prompt

pytestmark = pytest.mark.integration



def test_mn_test_fetch_prints_the_page():
    run = subprocess.run(MN + ['bgp3', '--test', 'fetch'], cwd='/', timeout=120,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         universal_newlines=True)
    assert run.returncode == 0, run.stdout
    assert QUESTION.strip() in run.stdout


def test_mn_rejects_an_unknown_topo_parameter():
    run = subprocess.run(MN + ['bgp3,foo=1', '--test', 'fetch'], timeout=60,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         universal_newlines=True)
    assert run.returncode == 2
    assert ('Bgp3Topo does not take foo; it accepts etc, exercise, hijack, capture, suite, '
            'feed, feedto, feedpeer, bird, frr.') in run.stdout
    assert 'Traceback' not in run.stdout


@pytest.fixture(scope='module')
def prompt():
    """An interactive mn session at the mininet> prompt."""
    child = open_prompt('bgp3', REPO)
    yield child
    close_prompt(child)


def ask(child, line):
    """Send one command; its output. Mininet's help text itself holds
    'mininet> ', so the end is a marker that only the shell can print."""
    child.sendline(line)
    child.sendline('sh echo END-$((40+2))')
    child.expect('END-42')
    output = child.before
    child.expect('mininet> ')
    return output


def test_help_lists_the_lab_commands(prompt):
    text = ask(prompt, 'help')
    for usage in ('bgp [router [show args]]', 'routes [router]', 'fetch [-6] [node url]',
                  'vtysh router [command]'):
        assert usage in text


def test_cli_session(prompt):
    assert 'BGP converged in' in ask(prompt, 'converge')
    summary = ask(prompt, 'bgp r1')
    assert '192.168.12.2' in summary and '192.168.13.3' in summary
    assert 'Total number of neighbors 2' in summary
    everyone = ask(prompt, 'bgp')
    assert all('*** %s' % r in everyone for r in ('r1', 'r2', 'r3'))
    table = ask(prompt, 'bgp r1 ip bgp')
    assert '12.0.0.0/24' in table and '55000 i' in table
    routes = ask(prompt, 'routes r2')
    assert '10.0.0.0/24' in routes and '192.168.12.1' in routes and 'bgp' in routes
    assert 'Question:' in ask(prompt, 'fetch')
    assert 'FRRouting' in ask(prompt, 'vtysh r1 show version')


def json_of(text):
    """The JSON document a command printed (the echo and prompt around it aside)."""
    start = min(i for i in (text.find('{'), text.find('[')) if i >= 0)
    return json.JSONDecoder().raw_decode(text[start:].replace('\r\n', '\n'))[0]


def test_json_for_scripts_and_graders(prompt):
    summary = json_of(ask(prompt, 'bgp r1 --json'))
    peers = summary['r1'].get('ipv4Unicast', summary['r1'])['peers']
    assert {p['state'] for p in peers.values()} == {'Established'}
    routes = json_of(ask(prompt, 'routes r2 --json'))
    assert '10.0.0.0/24' in [r['dst'] for r in routes['r2']]
    hops = json_of(ask(prompt, 'path --json'))
    assert [h['node'] for h in hops] == ['host', 'r1', 'r2', 'webserver']


def test_path_and_why_at_the_prompt(prompt):
    text = ask(prompt, 'path host webserver')
    assert 'BGP path: 55000' in text and 'path host -> webserver (12.0.0.0/24)' in text
    assert 'nothing is broken: host fetches http://12.0.0.1/' in ask(prompt, 'why')


def test_interactive_vtysh(prompt):
    prompt.sendline('vtysh r1')
    prompt.expect('r1# ')
    prompt.sendline('show ip bgp summary')
    prompt.expect('r1# ')
    assert '192.168.13.3' in prompt.before
    prompt.sendline('exit')
    assert 'Total number of neighbors' not in ask(prompt, 'py 1')


def test_cli_misuse_is_one_sentence(prompt):
    assert 'r9 is no node of this lab; the routers are r1, r2, r3.' in ask(prompt, 'bgp r9')
    assert 'host is not a router; the routers are r1, r2, r3.' in ask(prompt, 'bgp host')
    assert 'usage: vtysh router [command]' in ask(prompt, 'vtysh')
    assert 'nosuch is no node of this lab' in ask(prompt, 'routes nosuch')
    assert 'nosuch is no node of this lab' in ask(prompt, 'fetch nosuch http://12.0.0.1/')
    assert 'usage: fetch [-6] [node url]' in ask(prompt, 'fetch host')
    assert 'usage: restart router' in ask(prompt, 'restart')


def test_fetch_of_an_unreachable_url_is_a_sentence_not_a_hang(prompt):
    """11.0.0.9 sits on r3's stub LAN, where nothing answers; curl gives up
    within its 5 s limit at most (ask() itself would time out at 60 s)."""
    started = time.monotonic()
    text = ask(prompt, 'fetch host http://11.0.0.9/')
    assert time.monotonic() - started < 5 + 5
    assert '*** host could not fetch http://11.0.0.9/: ' in text
    assert 'Traceback' not in text



def test_every_frr_daemon_runs_with_the_labs_malloc_settings(prompt):
    """zebra and bgpd peak lower with glibc's mmap threshold fixed (issue 12):
    the setting reaches each daemon of the lab. (glibc cuts the variable's
    text at its colons as it reads it: each setting is looked for.)"""
    from conftest import daemons_of
    from bgptopo.routing.frr.install import MALLOC_TUNABLES
    settings = MALLOC_TUNABLES.encode().split(b':')
    daemons = daemons_of(prompt.pid)
    assert len(daemons) == 6
    for pid in daemons:
        with open('/proc/%d/environ' % pid, 'rb') as environ:
            text = environ.read()
        assert b'\0GLIBC_TUNABLES=' + settings[0] in text
        assert all(setting in text for setting in settings)


def test_dead_daemon_shows_down_and_restart_recovers(prompt):
    """Last in this module: it kills r2's bgpd in the prompt's lab."""
    from conftest import our_daemons
    conf = os.path.join(REPO, 'etc', 'quagga', 'r2', 'bgpd.conf').encode()
    pid = [p for p in our_daemons() if conf in open('/proc/%d/cmdline' % p, 'rb').read()][0]
    os.kill(pid, signal.SIGKILL)
    assert procs.wait_until(lambda: not procs.alive(pid), 5)    # the kill takes a moment
    assert "r2's bgpd is not running (`restart r2` starts it)." in ask(prompt, 'bgp r2')
    assert 'r2: zebra and bgpd restarted' in ask(prompt, 'restart r2')
    assert 'BGP converged in' in ask(prompt, 'converge')
    assert 'Question:' in ask(prompt, 'fetch')
