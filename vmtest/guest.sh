#!/bin/bash
# SPDX-License-Identifier: MIT
# Runs as PID 1 inside the vmtest guest, chrooted into the host's / (see
# vmtest/init): prepare the kernel, run the suites, print the exit marker that
# vmtest/run.sh waits for on the console, power off.
#   guest.sh OUTDIR SUITE...
OUT=$1
shift
export PATH=/run/vmtest/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/tmp LANG=C.UTF-8 TMPDIR=/tmp
# The in-guest network is emulated (TCG): small transfers, correctness only.
export WGX_TRANSFER_MB=${WGX_TRANSFER_MB:-2}
# Starting wg-xdp alone takes 1-2 s there: the restart scenario's 2 s bound
# for "killed, started again, tunnel back" measures the emulator.
export WGX_RESTART_BOUND_MS=${WGX_RESTART_BOUND_MS:-6000}
TOP=$(cd "$(dirname "$0")/.." && pwd)

hostname wgx-vmtest
ip link set lo up
for m in wireguard veth tun; do
	modprobe "$m" || echo "vmtest-guest: modprobe $m failed"
done
{
	echo "kernel $(uname -r)"
	echo "cpus $(nproc) mem $(awk '/MemTotal/ {print $2}' /proc/meminfo) kB"
	echo "btf $([ -f /sys/kernel/btf/vmlinux ] && echo yes || echo no)"
} >"$OUT/guest-info"

if [ "$1" = exec ]; then	# run.sh --exec: one command, for debugging
	(cd "$TOP" && bash "$OUT/exec.sh") >"$OUT/exec.log" 2>&1 </dev/null
else
	bash "$TOP/vmtest/suites.sh" "$OUT" "$@"
fi
rc=$?
sync
echo "VMTEST-EXIT=$rc" >/dev/console
echo o >/proc/sysrq-trigger
sleep 30
