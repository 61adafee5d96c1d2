#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Build the wg-xdp container image from Debian 12 packages only (no registry
# pull): mmdebstrap writes a minimal bookworm rootfs (the "essential" variant
# plus wg-xdp's runtime libraries, wireguard-tools and iproute2, docs and
# locales left out), build/wg-xdp is appended, `podman import` turns the tar
# into an image tagged localhost/wg-xdp:VERSION, and `podman save` writes an
# OCI archive beside it for `ctr import` / `skopeo copy` on a cluster.
#
# Usage: scripts/image.sh [--check] [BUILD_DIR]   (default build; make image calls it)
#        --check: exit 0 if the image is built and up to date, 1 (saying why) if not
# Cache: the image is rebuilt only when its inputs change. The key is the
# sha256 of build/wg-xdp, this script and the package list; it is written to
# BUILD/image/key, and an unchanged key with the image present is a no-op.
# Outputs: BUILD/image/rootfs.tar, BUILD/image/wg-xdp-oci.tar, BUILD/image/size
# (bytes of the uncompressed rootfs and of the OCI archive), BUILD/image/ref.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
CHECK=0
[ "${1:-}" = --check ] && { CHECK=1; shift; }
BUILD=${1:-$TOP/build}
OUT=$BUILD/image
BIN=$BUILD/wg-xdp
VERSION=$(sed -n 's/^VERSION *:= *//p' "$TOP/Makefile")
REF=localhost/wg-xdp:$VERSION
SUITE=bookworm
MIRROR=${WGX_IMAGE_MIRROR:-http://deb.debian.org/debian}
# wg-xdp's runtime libraries (ldd build/wg-xdp), the tools the manifests call.
PKGS=(libbpf1 libxdp1 libelf1 zlib1g libsodium23 libb2-1 libssl3 libmnl0 libjson-c5 libmicrohttpd12 libsystemd0 libcurl4 libyaml-0-2
	wireguard-tools iproute2 ca-certificates)

log() { echo "image.sh: $*" >&2; }
[ -x "$BIN" ] || { log "$BIN not built (run make)"; exit 1; }
for tool in mmdebstrap podman; do
	command -v $tool >/dev/null || { log "$tool missing (scripts/deps.sh installs it)"; exit 1; }
done
mkdir -p "$OUT"
rm -rf "$OUT/rootfs.tar.tmp"
key=$( { sha256sum <"$BIN"; sha256sum <"$0"; echo "${PKGS[*]} $SUITE $MIRROR $VERSION"; } | sha256sum | cut -d' ' -f1)
if [ -f "$OUT/key" ] && [ "$(cat "$OUT/key")" = "$key" ] && [ -f "$OUT/wg-xdp-oci.tar" ] &&
	podman image exists "$REF"; then
	log "up to date: $REF (key ${key:0:12})"
	exit 0
fi
[ $CHECK = 0 ] || { log "$REF not built or older than its inputs (make image)"; exit 1; }
rm -f "$OUT/key"
t0=$(date +%s)
log "mmdebstrap $SUITE + ${PKGS[*]}"
# path-exclude keeps docs, man pages and locales out (the image runs no shell
# sessions); copyright files stay.
mmdebstrap --quiet --format=tar --variant=essential --include="$(IFS=,; echo "${PKGS[*]}")" \
	--dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
	--dpkgopt='path-include=/usr/share/doc/*/copyright' \
	--dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/info/*' \
	--customize-hook='rm -rf "$1"/var/cache/apt/* "$1"/var/lib/apt/lists/*' \
	--customize-hook='mkdir -p "$1"/run/wireguard "$1"/run/wg-xdp "$1"/sys/fs/bpf' \
	--customize-hook="upload $BIN /usr/bin/wg-xdp" \
	--customize-hook='chmod 0755 "$1"/usr/bin/wg-xdp' \
	"$SUITE" "$OUT/rootfs.tar.tmp" "$MIRROR"
mv "$OUT/rootfs.tar.tmp" "$OUT/rootfs.tar"
podman rmi -f "$REF" >/dev/null 2>&1 || true
podman import --quiet \
	--change 'ENTRYPOINT ["/usr/bin/wg-xdp"]' --change 'CMD ["--help"]' \
	--change "LABEL org.opencontainers.image.title=wg-xdp org.opencontainers.image.version=$VERSION" \
	"$OUT/rootfs.tar" "$REF" >/dev/null
rm -f "$OUT/wg-xdp-oci.tar"
podman save --quiet --format oci-archive -o "$OUT/wg-xdp-oci.tar" "$REF"
printf '%s\n' "$REF" >"$OUT/ref"
printf 'rootfs_bytes %s\noci_archive_bytes %s\n' "$(stat -c %s "$OUT/rootfs.tar")" \
	"$(stat -c %s "$OUT/wg-xdp-oci.tar")" >"$OUT/size"
echo "$key" >"$OUT/key"
log "built $REF in $(( $(date +%s) - t0 )) s: $(tr '\n' ' ' <"$OUT/size")"
