#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The installed systemd units, run by a real systemd: a container
# (systemd-nspawn --volatile=yes: the host's /usr read-only, everything else
# a tmpfs, no unit enabled, systemd as its PID 1) on namespace A's network, with what
# `make install PREFIX=/opt/wgx` wrote bound in and `systemctl link`ed, and a
# wg-xdp peer (host build) in namespace B.
#
#   wgx-sd-aPID: [container, systemd]                wgx-sd-bPID
#  +------------------------------------------+     +--------------------------+
#  | wg-xdp@wg0.service / wg-quick@wg0.service|     | wg-xdp wgxsdbPID socket  |
#  |   /etc/wireguard/wg0.conf, 100.64.0.1/24 |     |   100.64.0.2/24 :51820   |
#  | veth0 198.18.0.1/24                      +-----+ veth0 198.18.0.2/24      |
#  +------------------------------------------+     +--------------------------+
#
# Per WG_XDP_MODE (socket, xdp) of wg-xdp@wg0.service:
#   systemctl start returns with the unit active (Type=notify: READY=1 once the
#   UAPI listens; ExecStartPost loaded the peers by wg syncconf); the daemon's
#   bounding set is the unit's five capabilities; ping through the tunnel;
#   xdp: wgx_rx on veth0; reload after a peer was added to wg0.conf: both
#   peers on the device, the session kept (same latest handshake); kill -9 of
#   the daemon: systemd restarts it (Restart=on-failure) and the tunnel
#   answers again; stop: no process, UAPI socket, link or XDP program left.
# Then wg-quick@wg0.service with the installed drop-in (wg-quick falls back to
# wg-xdp, no kernel module here): up, ping, stop leaves nothing.
# The bpffs at /sys/fs/bpf in the container is this test's own instance.
. "$(dirname "$0")/lib.sh"
require_root
why=$(impl_available wg-xdp) || skip_all "$why"
command -v systemd-nspawn >/dev/null || skip_all "systemd-nspawn missing (scripts/deps.sh installs systemd-container)"
[ -x /lib/systemd/systemd ] || skip_all "systemd not installed"
command -v wg-quick >/dev/null || skip_all "wg-quick missing"

A=wgx-sd-a$$ B=wgx-sd-b$$ IFB=wgxsdb$$ MACHINE=wgxsd$$
IFB=${IFB:0:15}
STAGE=$LOGDIR/stage CONF=$LOGDIR/wireguard DEFAULTS=$LOGDIR/default BPFFS=$LOGDIR/bpffs
NSPAWN_PID= LEADER=
sd_cleanup() {
	if [ -n "$NSPAWN_PID" ] && kill -0 "$NSPAWN_PID" 2>/dev/null; then
		kill -TERM "$NSPAWN_PID"	# nspawn asks the container's systemd to power off
		for _ in $(seq 100); do kill -0 "$NSPAWN_PID" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$NSPAWN_PID" 2>/dev/null
	fi
	umount "$BPFFS" 2>/dev/null
	cleanup
}
trap sd_cleanup EXIT

# in_ctr CMD...: run CMD inside the container (its mounts, pids and network).
in_ctr() { nsenter -t "$LEADER" -m -u -i -n -p env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"; }
dump_state() {
	[ -z "$LEADER" ] && return
	in_ctr systemctl --no-pager status 'wg-xdp@wg0' 'wg-quick@wg0' 2>&1 | sed 's/^/#   /' | tail -30
	in_ctr journalctl --no-pager -n 30 -u 'wg-xdp@wg0' -u 'wg-quick@wg0' 2>&1 | sed 's/^/#   /'
}
main_pid() { in_ctr systemctl show -P MainPID "$1"; }
hs_a() { in_ctr wg show wg0 latest-handshakes | awk -v k="$PB" '$1 == k {print $2}'; }
ping_b() { in_ctr ping -c 1 -W 1 -w "${1:-5}" 100.64.0.2; }
# The daemons serving wg0 inside the container (by its UAPI socket's owner).
wgx_procs() { in_ctr pgrep -f "wg-xdp.* --name wg0|/opt/wgx/sbin/wg-xdp wg0" ; }
nothing_left() {	# no daemon, socket, pid file, link, XDP program
	! wgx_procs && ! in_ctr test -e /run/wireguard/wg0.sock &&
		! in_ctr test -e /run/wg-xdp/wg0.pid && ! ip -n $A link show wg0 2>/dev/null &&
		! ip -n $A link show veth0 | grep -q 'xdp'
}
write_conf() {	# write_conf [EXTRA_PEER_KEY]: wg0.conf, a wg-quick file
	{
		printf '[Interface]\nPrivateKey = %s\nListenPort = 51820\nAddress = 100.64.0.1/24\n\n' "$KA"
		printf '[Peer]\nPublicKey = %s\nEndpoint = 198.18.0.2:51820\nAllowedIPs = 100.64.0.2/32\n' "$PB"
		[ -z "${1:-}" ] || printf '\n[Peer]\nPublicKey = %s\nAllowedIPs = 100.64.0.9/32\n' "$1"
	} >"$CONF/wg0.conf"
	chmod 0600 "$CONF/wg0.conf"
}

setup_underlay
KA=$(genkey) KB=$(genkey) KC=$(genkey)
PA=$(pubkey "$KA") PB=$(pubkey "$KB") PC=$(pubkey "$KC")
mkdir -p "$STAGE" "$CONF" "$BPFFS"
mount -t bpf bpf "$BPFFS" || skip_all "cannot mount a bpffs"
check "make install PREFIX=/opt/wgx DESTDIR=$STAGE" \
	make -C "$TOP" -s install PREFIX=/opt/wgx DESTDIR="$STAGE" BUILD="$(dirname "$WGX")" || { finish; exit; }
write_conf
: >"$DEFAULTS"
# A machine ID: not a first boot, so systemd enables no unit by preset (the
# container starts only what systemd itself needs and what this test asks).
od -An -N16 -tx1 /dev/urandom | tr -d ' \n' >"$LOGDIR/machine-id"
check "B: wg-xdp --mode socket" start_wg wg-xdp $B $IFB socket || { finish; exit; }
check "B configured" configure $B $IFB 2 "$KB" "$PA" 198.18.0.1:51820 1 || { finish; exit; }

systemd-nspawn --quiet --register=no --keep-unit --directory=/ --volatile=yes -M "$MACHINE" \
	--network-namespace-path=/run/netns/$A --bind=/dev/net/tun \
	--capability=CAP_NET_ADMIN,CAP_BPF,CAP_PERFMON,CAP_NET_RAW,CAP_IPC_LOCK --system-call-filter=bpf \
	--bind-ro="$STAGE/opt/wgx:/opt/wgx" --bind="$CONF:/etc/wireguard" \
	--bind-ro="$DEFAULTS:/etc/default/wg-xdp" --bind="$BPFFS:/sys/fs/bpf" \
	--bind-ro="$LOGDIR/machine-id:/etc/machine-id" \
	-b -- systemd.firstboot=off systemd.unit=multi-user.target >"$LOGDIR/boot.log" 2>&1 &
NSPAWN_PID=$!
booted() {
	LEADER=$(ps -o pid= --ppid "$NSPAWN_PID" | head -1 | tr -d ' ')
	[ -n "$LEADER" ] && in_ctr systemctl is-system-running 2>/dev/null | grep -Eqx 'running|degraded'
}
if ! WAIT_PID=$NSPAWN_PID wait_for "the container's systemd" 600 booted; then
	ok 1 "container booted with systemd as PID 1"
	sed 's/^/#   /' "$LOGDIR/boot.log" | tail -20
	finish; exit
fi
ok 0 "container booted: systemd $(in_ctr systemctl --version | head -1 | cut -d' ' -f2) as PID 1, state $(in_ctr systemctl is-system-running)"
check "systemctl link /opt/wgx/lib/systemd/system/wg-xdp@.service" \
	in_ctr systemctl link /opt/wgx/lib/systemd/system/wg-xdp@.service

peers_are() { [ "$(in_ctr wg show wg0 peers | sort)" = "$(printf '%s\n' "$@" | sort)" ]; }
loaded() { peers_are "$PB" && [ "$(in_ctr wg show wg0 listen-port)" = 51820 ]; }
xdp_on_veth() { ip -n $A -d link show veth0 | grep -q 'prog/xdp'; }
tunnel_addr() { in_ctr ip addr replace 100.64.0.1/24 dev wg0 && in_ctr ip link set wg0 up; }

one_mode() {
	local mode=$1 pid hs pid2 bnd
	printf 'WG_XDP_IFACE=veth0\nWG_XDP_MODE=%s\n' "$mode" >"$DEFAULTS"
	write_conf
	check "$mode: systemctl start wg-xdp@wg0 (Type=notify)" in_ctr systemctl start wg-xdp@wg0 || return
	check "$mode: unit active" in_ctr systemctl is-active wg-xdp@wg0
	pid=$(main_pid wg-xdp@wg0)
	check "$mode: the peers loaded by ExecStartPost (wg syncconf): B's key, port 51820" loaded
	bnd=$(in_ctr sed -n 's/^CapBnd:\t//p' /proc/"$pid"/status)
	ok $(( 16#${bnd:-0} == 16#c000007000 ? 0 : 1 )) \
		"$mode: daemon (pid $pid) bounding set $bnd = NET_ADMIN NET_RAW IPC_LOCK PERFMON BPF"
	tunnel_addr
	check "$mode: ping through the tunnel" ping_b 10
	[ "$mode" != xdp ] || check "xdp: wgx_rx attached to veth0" xdp_on_veth
	hs=$(hs_a)
	write_conf "$PC"
	check "$mode: systemctl reload after a peer was added to wg0.conf" in_ctr systemctl reload wg-xdp@wg0
	check "$mode: both peers on the device" peers_are "$PB" "$PC"
	ok $(( $(main_pid wg-xdp@wg0) == pid ? 0 : 1 )) "$mode: the same daemon serves (pid $pid)"
	ok $([ "$(hs_a)" = "$hs" ]; echo $?) "$mode: session kept across the reload (latest handshake $hs)"
	in_ctr kill -9 "$pid"
	restarted() {
		pid2=$(main_pid wg-xdp@wg0)
		[ -n "$pid2" ] && [ "$pid2" != 0 ] && [ "$pid2" != "$pid" ] &&
			in_ctr systemctl is-active -q wg-xdp@wg0
	}
	if wait_for "systemd's restart of wg-xdp@wg0" 150 restarted; then
		ok 0 "$mode: kill -9 of the daemon: systemd restarted it (pid $pid -> $pid2)"
		tunnel_addr
		check "$mode: after the restart: both peers loaded again" peers_are "$PB" "$PC"
		check "$mode: after the restart: ping through the tunnel" ping_b 10
	else
		ok 1 "$mode: kill -9 of the daemon: systemd restarted it"
	fi
	check "$mode: systemctl stop wg-xdp@wg0" in_ctr systemctl stop wg-xdp@wg0
	check "$mode: stopped: no daemon, UAPI socket, pid file, link or XDP program left" \
		wait_for "wg0 gone" 50 nothing_left
}
one_mode socket
one_mode xdp

dropin() {
	in_ctr mkdir -p /etc/systemd/system/wg-quick@.service.d &&
		in_ctr cp /opt/wgx/share/wg-xdp/wg-quick@.service.d/wg-xdp.conf \
			/etc/systemd/system/wg-quick@.service.d/ && in_ctr systemctl daemon-reload
}
by_wgquick() {
	peers_are "$PB" && ip -n $A -o addr show wg0 | grep -q '100.64.0.1/24' && wgx_procs
}
check "wg-quick@.service drop-in installed to /etc/systemd/system/wg-quick@.service.d/" dropin
write_conf
printf 'WG_XDP_IFACE=veth0\n' >"$DEFAULTS"
if check "wg-quick: systemctl start wg-quick@wg0 (no kernel module: wg-xdp)" in_ctr systemctl start wg-quick@wg0; then
	check "wg-quick: wg-xdp serves wg0 (B's key), the address from the file" by_wgquick
	check "wg-quick: ping through the tunnel" ping_b 10
	check "wg-quick: systemctl stop wg-quick@wg0" in_ctr systemctl stop wg-quick@wg0
	check "wg-quick: stopped: nothing left" wait_for "wg0 gone" 50 nothing_left
fi
finish
