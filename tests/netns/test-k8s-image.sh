#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The container image (make image: Debian 12 packages + build/wg-xdp) runs
# wg-xdp in socket mode with only NET_ADMIN, on the network of namespace A
# (a pod's hostNetwork), and passes traffic with a wg-xdp peer in B.
#
#   wgx-k8s-iaPID                                   wgx-k8s-ibPID
#  +----------------------------------------+      +-----------------------------+
#  | [image] wg-xdp attach veth0 --name     |      | build/wg-xdp (host)         |
#  |   wgxk8siaPID --mode socket            |      |   wgxk8sibPID 100.64.0.2/24 |
#  |   100.64.0.1/24                        |      |                             |
#  | veth0 198.18.0.1/24                    +------+ veth0 198.18.0.2/24         |
#  +----------------------------------------+      +-----------------------------+
#
# The image is run with podman (--network ns:A, --cap-drop=all
# --cap-add=NET_ADMIN) where podman can start containers; where it cannot
# (this machine: crun's setrlimit fails without CAP_SYS_RESOURCE in the
# bounding set), the same image's rootfs (podman mount) is entered with
# chroot, the bounding set reduced to NET_ADMIN, so the image's own binary and
# libraries are what runs. make check does not build the image (1.5-3 min): the
# test SKIPs until `make image` has built it for the current build/wg-xdp.
. "$(dirname "$0")/lib.sh"
require_root
[ -x "$WGX" ] || skip_all "$WGX not built"
command -v podman >/dev/null || skip_all "podman missing (scripts/deps.sh installs it)"
why=$(bash "$TOP/scripts/image.sh" --check "$(dirname "$WGX")" 2>&1) || skip_all "${why#image.sh: }"
REF=$(cat "$(dirname "$WGX")/image/ref")
A=wgx-k8s-ia$$ B=wgx-k8s-ib$$ IFA=wgxk8sia$$ IFB=wgxk8sib$$
IFA=${IFA:0:15} IFB=${IFB:0:15}
diag "image $REF: $(tr '\n' ' ' <"$(dirname "$WGX")/image/size")"
CTR=wgx-k8s-img$$ MNT=
img_cleanup() {
	podman rm -f "$CTR" >/dev/null 2>&1
	cleanup
}
trap img_cleanup EXIT

setup_underlay
mkdir -p /var/run/wireguard /var/run/wg-xdp
if podman run --rm --network none --cap-drop=all "$REF" --version >"$LOGDIR/probe.out" 2>&1; then
	HOW="podman run --network ns:/var/run/netns/$A --cap-drop=all --cap-add=NET_ADMIN"
	podman run --rm --name "$CTR" --network "ns:/var/run/netns/$A" --cap-drop=all \
		--cap-add=NET_ADMIN --device /dev/net/tun -v /var/run/wireguard:/var/run/wireguard \
		-v /var/run/wg-xdp:/var/run/wg-xdp "$REF" attach veth0 --name $IFA --mode socket \
		--foreground >"$LOGDIR/$IFA.log" 2>&1 &
	PIDS+=($!)
else
	diag "podman cannot run containers here: $(tail -1 "$LOGDIR/probe.out")"
	podman create --name "$CTR" "$REF" >/dev/null &&
		MNT=$(podman mount "$CTR") || skip_all "podman cannot mount the image either"
	HOW="chroot into the image's rootfs (podman mount), bounding set NET_ADMIN only"
	all_caps=$(capsh --print | sed -n 's/^Bounding set =//p' | tr -d ' ')
	drop=$(echo "$all_caps" | tr ',' '\n' | grep -vx cap_net_admin | paste -sd,)
	# A private mount namespace: /dev, /proc and the run directories as a runtime gives them
	# (onto run/: the image's /var/run is an absolute symlink, resolved outside the chroot here).
	ip netns exec $A unshare -m bash -c "
		mkdir -p '$MNT/run/wireguard' '$MNT/run/wg-xdp' &&
		mount --rbind /dev '$MNT/dev' && mount -t proc proc '$MNT/proc' &&
		mount --bind /var/run/wireguard '$MNT/run/wireguard' &&
		mount --bind /var/run/wg-xdp '$MNT/run/wg-xdp' &&
		exec capsh --drop=$drop --chroot='$MNT' -- -c \
			'exec /usr/bin/wg-xdp attach veth0 --name $IFA --mode socket --foreground'" \
		>"$LOGDIR/$IFA.log" 2>&1 &
	PIDS+=($!)
fi
diag "running the image by: $HOW"
check "wg-xdp from the image up in $A (UAPI answering)" wait_for "$IFA uapi" 100 wg show $IFA
check "peer B (host build) up" start_wg wg-xdp $B $IFB socket
KA=$(genkey) KB=$(genkey)
check "image's wg-xdp configured with wg through the shared /var/run/wireguard" \
	configure $A $IFA 1 "$KA" "$(pubkey "$KB")" 198.18.0.2:51820 2
check "B configured" configure $B $IFB 2 "$KB" "$(pubkey "$KA")" 198.18.0.1:51820 1
check "ping B -> A through the tunnel" tunnel_up $B 100.64.0.1
check "20 pings A -> B, none lost" ip netns exec $A ping -c 20 -i 0.05 -W 2 100.64.0.2
check "2 MB TCP B -> A, sha256 matches" transfer_sha 2 100.64.0.1 30
ok "$(grep -q "up, mode socket" "$LOGDIR/$IFA.log"; echo $?)" "the image's daemon logged: $(grep -m1 'up, mode' "$LOGDIR/$IFA.log")"
"$WGX" detach $IFA >/dev/null 2>&1
[ -z "$MNT" ] || podman umount "$CTR" >/dev/null 2>&1
finish
