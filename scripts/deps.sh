#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Install everything wg-xdp's build, tests, demo and benchmarks need on Debian 12.
# Idempotent: installs only what is missing; safe to run on every `make check`.
set -euo pipefail

PKGS=(
	build-essential pkg-config make gcc
	clang llvm libbpf-dev bpftool libxdp-dev xdp-tools
	libsodium-dev libb2-dev libssl-dev libelf-dev zlib1g-dev libmnl-dev
	libjson-c-dev libmicrohttpd-dev libsystemd-dev scdoc
	iproute2 ethtool iputils-ping netcat-openbsd tcpdump nftables
	wireguard-tools wireguard-go iperf3 socat curl python3-prometheus-client
	perl coreutils kmod python3 xxd gnuplot-nox linux-perf
	libclang-rt-14-dev gdb python3-cryptography
	qemu-system-x86 busybox-static xz-utils zstd cpio file
	libjson-c-dev libmicrohttpd-dev libcap2-bin python3-yaml mmdebstrap podman
	libcurl4-openssl-dev libyaml-dev systemd systemd-container
)

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing packages: ${missing[*]} (run as root to install)" >&2
	exit 1
fi
echo "deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
