#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Boot Debian kernels in QEMU and run wg-xdp's suites inside each, plus the
# host kernel directly; print a suite x kernel table.
#
#   vmtest/run.sh [--kernel NAME|host|all]... [--suite NAME...] [--if-available]
#   vmtest/run.sh --kernel NAME --exec 'COMMAND'   (debugging: run one command
#                  in the guest from the top of the tree, print its output)
#
# Kernels come from vmtest/KERNELS (fetched with apt-get into $VMTEST_CACHE,
# default /var/cache/wgx-vmtest); "all" (the default) is the host plus every
# listed kernel. The guest's root is the host's / shared read-only over 9p, so
# the guest runs this tree's build/ as is. Exclusions: vmtest/DENYLIST.
# Exit: 0 all ran and passed or skipped, 1 a suite failed, 2 a kernel could not
# be booted (QEMU or download unavailable); --if-available turns 2 into 0 (CI).
#
# Environment: VMTEST_ACCEL=tcg|kvm (tcg: the default, works anywhere),
# VMTEST_MEM (MB, 1024), VMTEST_SMP (2), VMTEST_TIMEOUT (s per boot, 1800),
# VMTEST_CACHE, WGX_TRANSFER_MB (in-guest transfers, 2).
set -u
{ # parsed whole before it runs: editing this file mid-run is then harmless
VMTEST_DIR=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$VMTEST_DIR/.." && pwd)
. "$VMTEST_DIR/kernel.sh"

ALL_SUITES="bpf unit netns xdp-share interop-kernel interop-kernel-xdp conformance-kernel conformance-kernel-xdp zerocopy"
ACCEL=${VMTEST_ACCEL:-tcg}
MEM=${VMTEST_MEM:-1024}
SMP=${VMTEST_SMP:-2}
BOOT_TIMEOUT=${VMTEST_TIMEOUT:-1800}
KERNELS=() SUITES=() IF_AVAILABLE=0 EXEC=

usage() { sed -n '3,/^set -u/p' "$0" | grep '^#' | sed 's/^# \{0,1\}//'; exit "$1"; }

while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) KERNELS+=("$2"); shift 2 ;;
	--suite)
		shift
		while [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; do SUITES+=("$1"); shift; done ;;
	--if-available) IF_AVAILABLE=1; shift ;;
	--exec) EXEC=$2; shift 2 ;;
	-h | --help) usage 0 ;;
	*) echo "vmtest: unknown argument $1" >&2; usage 2 ;;
	esac
done
[ ${#SUITES[@]} -gt 0 ] || read -ra SUITES <<<"$ALL_SUITES"
for s in "${SUITES[@]}"; do
	[[ " $ALL_SUITES " == *" $s "* ]] || { echo "vmtest: unknown suite $s (have: $ALL_SUITES)" >&2; exit 2; }
done

# NAME PATTERN pairs from vmtest/KERNELS
declare -A PATTERN
LISTED=()
while read -r name pat _; do
	case "$name" in '' | '#'*) continue ;; esac
	PATTERN[$name]=$pat
	LISTED+=("$name")
done <"$VMTEST_DIR/KERNELS"
[ ${#KERNELS[@]} -gt 0 ] || KERNELS=(all)
COLS=()
for k in "${KERNELS[@]}"; do
	if [ "$k" = all ]; then COLS+=(host "${LISTED[@]}")
	elif [ "$k" = host ] || [ -n "${PATTERN[$k]:-}" ]; then COLS+=("$k")
	else echo "vmtest: $k is not in vmtest/KERNELS (have: host ${LISTED[*]})" >&2; exit 2
	fi
done

RUN=$TOP/build/vmtest/run-$(date +%Y%m%d-%H%M%S)
mkdir -p "$RUN"
ln -sfn "${RUN##*/}" "$TOP/build/vmtest/latest"
declare -A HEAD UNAVAIL
unavailable=0

# Install what the VM path needs (Debian package names).
vm_deps() {
	local need=() p
	command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
	file -L "$(command -v busybox 2>/dev/null || echo /nonexistent)" 2>/dev/null |
		grep -q 'statically linked' || need+=(busybox-static)
	command -v xz >/dev/null || need+=(xz-utils)
	command -v zstd >/dev/null || need+=(zstd)
	command -v depmod >/dev/null || need+=(kmod)
	command -v cpio >/dev/null || need+=(cpio)
	command -v file >/dev/null || need+=(file)
	[ ${#need[@]} -eq 0 ] && return 0
	[ "$(id -u)" -eq 0 ] || { echo "missing packages: ${need[*]}"; return 1; }
	echo "vmtest: installing ${need[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	{ apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}"; } \
		>"$RUN/apt.log" 2>&1 || { echo "apt-get install ${need[*]} failed (see $RUN/apt.log)"; return 1; }
}

deny_file() {	# deny_file KERNEL OUTDIR: this kernel's DENYLIST lines
	awk -v k="$1" '$1 == k { $1 = ""; sub(/^ +/, ""); print }' "$VMTEST_DIR/DENYLIST" >"$2/deny"
}

run_host() {
	local out=$RUN/host
	mkdir -p "$out"
	HEAD[host]="host $(uname -r | cut -d- -f1)"
	deny_file host "$out"
	echo "vmtest: host kernel $(uname -r), running directly"
	bash "$VMTEST_DIR/suites.sh" "$out" "${SUITES[@]}" | sed 's/^/  host: /'
}

run_vm() {
	local k=$1 out=$RUN/$1 pkg why t0=$SECONDS accel suites
	mkdir -p "$out"
	HEAD[$k]=$k
	if ! why=$(vm_deps); then UNAVAIL[$k]=$why; return; fi
	pkg=$(vm_resolve "${PATTERN[$k]}") || { UNAVAIL[$k]="no package matches ${PATTERN[$k]}"; return; }
	if ! vm_prepare "$pkg" 2>"$out/prepare.log"; then
		UNAVAIL[$k]="$pkg: $(tail -1 "$out/prepare.log")"
		return
	fi
	HEAD[$k]=$KVER
	deny_file "$k" "$out"
	# With kvm, QEMU falls back to TCG by itself where KVM does not work.
	accel=(-accel tcg,thread=multi)
	[ "$ACCEL" = kvm ] && accel=(-accel kvm "${accel[@]}")
	suites=$(IFS=,; echo "${SUITES[*]}")
	[ -z "$EXEC" ] || { echo "$EXEC" >"$out/exec.sh"; suites=exec; }
	echo "vmtest: booting $KVER ($ACCEL, prepared in $((SECONDS - t0)) s), console: $out/console.log"
	timeout -k 10 "$BOOT_TIMEOUT" qemu-system-x86_64 \
		"${accel[@]}" -cpu max -m "$MEM" -smp "$SMP" \
		-kernel "$KIMG" -initrd "$KDIR/initramfs.cpio.gz" \
		-append "console=ttyS0 panic=-1 loglevel=4 vmtest_top=$TOP vmtest_modroot=$KDIR/root vmtest_suites=$suites" \
		-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
		-virtfs local,path="$out",mount_tag=vmtestout,security_model=none,multidevs=remap \
		-virtfs local,path="$TOP",mount_tag=wgxtop,security_model=none,readonly=on,multidevs=remap \
		-netdev hubport,id=zc0,hubid=0 -device virtio-net-pci,netdev=zc0,mac=52:54:00:77:00:01 \
		-netdev hubport,id=zc1,hubid=0 -device virtio-net-pci,netdev=zc1,mac=52:54:00:77:00:02 \
		-display none -monitor none -serial file:"$out/console.log" -no-reboot \
		</dev/null >"$out/qemu.log" 2>&1
	local rc=$?
	if [ -n "$EXEC" ]; then
		cat "$out/exec.log" 2>/dev/null || tail -20 "$out/console.log"
		grep -m1 '^VMTEST-EXIT=' "$out/console.log"
		exit 0
	fi
	if [ ! -s "$out/console.log" ] && [ -s "$out/qemu.log" ]; then
		UNAVAIL[$k]="qemu exit $rc: $(head -1 "$out/qemu.log")"
		return
	fi
	if grep -q '^VMTEST-EXIT=' "$out/console.log"; then
		why=$(grep -m1 '^vmtest-init:' "$out/console.log")
		why=${why:-guest finished without a result}
	else
		why="guest did not finish (qemu exit $rc$([ $rc -eq 124 ] && echo ", timeout ${BOOT_TIMEOUT}s"))"
	fi
	for s in "${SUITES[@]}"; do
		[ -f "$out/$s.status" ] || echo "fail $why; see $out/console.log" >"$out/$s.status"
	done
	for s in "${SUITES[@]}"; do
		echo "  $k: $s: $(cat "$out/$s.status")"
	done
	echo "vmtest: $KVER done in $((SECONDS - t0)) s"
}

for k in "${COLS[@]}"; do
	if [ "$k" = host ]; then run_host; else run_vm "$k"; fi
done

# ---- the table ----
failed=0
notes=()
printf '\n%-24s' suite
for k in "${COLS[@]}"; do printf ' %-20s' "${HEAD[$k]}"; done
printf '\n'
for s in "${SUITES[@]}"; do
	printf '%-24s' "$s"
	for k in "${COLS[@]}"; do
		if [ -n "${UNAVAIL[$k]:-}" ]; then
			cell=unavailable
		else
			read -r cell why <"$RUN/$k/$s.status" 2>/dev/null || { cell=fail why="no status"; }
			case "$cell" in
			fail)
				failed=1
				if [ -f "$RUN/$k/$s/failed" ]; then
					while read -r t; do notes+=("FAIL $k $s: $RUN/$k/$s/$t.log"); done <"$RUN/$k/$s/failed"
				else
					notes+=("FAIL $k $s: $why")
				fi ;;
			skip) notes+=("skip $k $s: $why") ;;
			pass) [[ $why != *", 0 skipped" ]] && notes+=("partly skipped $k $s: $why") ;;
			esac
		fi
		printf ' %-20s' "$cell"
	done
	printf '\n'
done
for k in "${COLS[@]}"; do
	[ -n "${UNAVAIL[$k]:-}" ] && { notes+=("UNAVAILABLE $k: ${UNAVAIL[$k]}"); unavailable=1; }
done
printf '\n'
for n in "${notes[@]}"; do echo "$n"; done
echo "results: $RUN"
[ $failed -eq 0 ] || exit 1
[ $unavailable -eq 0 ] || [ $IF_AVAILABLE -eq 1 ] || exit 2
exit 0
exit
}
