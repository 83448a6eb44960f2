#!/bin/bash
# Sets up everything the bgptopo lab needs on Debian 12, as root, then
# optionally opens the lab or runs the tests:
#
#   ./setup.sh          install packages, start dockerd, build the images
#   ./setup.sh lab      ... then open the lab (mn --custom bgptopo/topo.py --topo bgp3)
#   ./setup.sh lab exercise   ... the same lab with the routers' BGP left to write
#   ./setup.sh lab hijack     ... the same lab with a rogue server behind R3
#   ./setup.sh test     ... then run the test suite
#   ./setup.sh server   ... and make this machine a lab server for `mn --cluster`
#                       (sshd for root by key, tunnels allowed, sudo)
#   ./setup.sh cluster SERVER   ... and give this machine ssh access to SERVER
#                       with a key of the lab's own (prints the line to add there)
#   ./setup.sh testserver up|down   a lab server in a container here, for trying
#                       --cluster on one machine (bgptopo/clusterserver.py)
#
# Every step checks first and skips what is done: a second run takes seconds.
set -euo pipefail
cd "$(dirname "$0")"

# openssh-client and sudo: Mininet's cluster edition (mn --cluster) runs its
# remote nodes through them, and so do the tests of it
PACKAGES=(docker.io frr mininet python3-docker python3-pytest python3-pexpect
          debootstrap iproute2 net-tools util-linux curl ruby openvswitch-switch python3-matplotlib
          stayrtr frr-rpki-rtrlib graphviz python3-graphviz vagrant python3-pyflakes python3-venv bird2 tcpdump tshark
          openssh-client sudo)
DOCKERD_LOG=/var/log/bgptopo-dockerd.log
PY=/usr/bin/python3     # the python mn runs; a pyenv or venv python lacks mininet

say() { echo "*** $*" >&2; }
die() { echo "setup.sh: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run me as root (sudo ./setup.sh): I install packages and start dockerd."

install_packages() {      # the lab's PACKAGES, or the ones named
    local missing=() wanted=("${PACKAGES[@]}")
    [ $# -gt 0 ] && wanted=("$@")
    for p in "${wanted[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return
    say "Installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" \
        || die "apt-get could not install ${missing[*]}; check the apt sources and try again."
    # where systemd runs, apt has just started frr and bird as system services:
    # not the lab's (it starts its routers itself); a service that was there
    # before this install is left as it was
    if [ -d /run/systemd/system ]; then
        for p in "${missing[@]}"; do
            case "$p" in frr|bird2) systemctl disable --now "${p%2}" >/dev/null 2>&1 || true ;; esac
        done
    fi
}

# FRR's daemons refuse to run for root unless root is in frrvty.
allow_root_frr() {
    id -nG root | grep -qw frrvty || { say "Adding root to group frrvty"; usermod -a -G frrvty root; }
}

start_dockerd() {
    docker info >/dev/null 2>&1 && return
    say "Starting the Docker engine"
    if [ -d /run/systemd/system ]; then
        systemctl start docker
    else
        nohup dockerd >"$DOCKERD_LOG" 2>&1 &
    fi
    for _ in $(seq 300); do docker info >/dev/null 2>&1 && return; sleep 0.1; done
    die "the Docker engine did not start within 30 s; see $DOCKERD_LOG."
}

# The `bgptopo` command (setup.py's console script), for Debian's python
# without pip: a wrapper that runs this checkout's package.
install_command() {
    local wrapper=/usr/local/bin/bgptopo
    local body="#!/bin/sh
exec env PYTHONPATH=$PWD $PY -m bgptopo.console \"\$@\""
    [ -f "$wrapper" ] && [ "$(cat "$wrapper")" = "$body" ] && return
    say "Installing the bgptopo command ($wrapper)"
    printf '%s\n' "$body" > "$wrapper"
    chmod 755 "$wrapper"
}

install_packages
allow_root_frr
install_command
start_dockerd
"$PY" -m bgptopo.images

# A lab server: sshd for root by key only, ssh tunnels allowed (tunnel=ssh),
# dead clients dropped within 6 s (their lab's processes then end too).
prepare_server() {
    install_packages openssh-server sudo
    local conf=/etc/ssh/sshd_config.d/bgptopo.conf
    printf '%s\n' '# bgptopo lab server (./setup.sh server)' 'PermitRootLogin prohibit-password' \
        'PermitTunnel yes' 'UseDNS no' 'MaxSessions 200' 'MaxStartups 200' \
        'ClientAliveInterval 2' 'ClientAliveCountMax 3' > "$conf"
    mkdir -p /root/.ssh && chmod 700 /root/.ssh
    if [ -d /run/systemd/system ]; then systemctl reload-or-restart ssh; else
        mkdir -p /run/sshd; pgrep -x sshd >/dev/null || /usr/sbin/sshd; fi
    say "This machine is a lab server; on the lab machine run: ./setup.sh cluster $(hostname)"
}

# The lab machine's key for its servers (its own, not the user's), and an ssh
# drop-in that uses it for SERVER only (mn's own ssh commands read it too).
add_server() {
    local server="$1" dir=/etc/bgptopo key=/etc/bgptopo/cluster_ed25519
    [ -n "$server" ] || die "name the server: ./setup.sh cluster SERVER"
    install_packages openssh-client sudo
    mkdir -p "$dir" && chmod 700 "$dir"
    [ -f "$key" ] || ssh-keygen -q -t ed25519 -N '' -C "bgptopo-cluster@$(hostname)" -f "$key"
    printf 'Host %s\n    User root\n    IdentityFile %s\n    IdentitiesOnly yes\n    StrictHostKeyChecking accept-new\n' \
        "$server" "$key" > "/etc/ssh/ssh_config.d/bgptopo-$server.conf"
    say "Add this line to /root/.ssh/authorized_keys on $server:"
    cat "$key.pub"
    say "Then: mn --custom bgptopo/topo.py --topo bgp3 --cluster localhost,$server"
}

case "${1:-}" in
    server) prepare_server ;;
    cluster) add_server "${2:-}" ;;
    testserver) shift; exec "$PY" -m bgptopo.clusterserver "$@" ;;
    lab)  shift
          topo=bgp3
          case "${1:-}" in      # a scenario's flag (bgptopo/scenarios/): exercise, hijack
              [a-z]*) topo=bgp3,$1=1; shift ;;
          esac
          exec mn --custom bgptopo/topo.py --topo "$topo" "$@" ;;
    test) shift; exec "$PY" -m pytest "$@" ;;
    "")   say "Ready: mn --custom bgptopo/topo.py --topo bgp3" ;;
    *)    die "unknown command '$1'; use: ./setup.sh [lab|test|server|cluster SERVER|testserver up|down]" ;;
esac
