# SPDX-License-Identifier: MIT
# Fetch and prepare Debian kernels for vmtest, sourced by vmtest/run.sh.
# Nothing touches /boot or the host's /lib/modules: each kernel package is
# unpacked into $VMTEST_CACHE/PACKAGE/root and booted from there.
#
#   PACKAGE/root/              dpkg-deb -x of the .deb, plus modules.dep (depmod -b)
#   PACKAGE/vmlinux            the uncompressed ELF (or the bzImage if that fails)
#   PACKAGE/initramfs.cpio.gz  busybox + vmtest/init + decompressed 9p modules

VMTEST_CACHE=${VMTEST_CACHE:-/var/cache/wgx-vmtest}
# Modules the initramfs needs to mount the host's / over virtio 9p; on kernels
# where one is built in, modprobe reports it as builtin and it is left out.
VM_BOOT_MODULES="virtio_pci 9pnet_virtio 9p"

vm_apt_updated=0

# vm_resolve PATTERN: print the newest package name matching the regex.
vm_resolve() {
	local pat=$1 pkg
	pkg=$(vm_match "$pat" < <(apt-cache pkgnames linux-image- 2>/dev/null))
	if [ -z "$pkg" ] && [ $vm_apt_updated -eq 0 ] && [ "$(id -u)" -eq 0 ]; then
		vm_apt_updated=1
		apt-get update -qq >/dev/null 2>&1
		pkg=$(vm_match "$pat" < <(apt-cache pkgnames linux-image- 2>/dev/null))
	fi
	# Offline: fall back to what is cached.
	[ -n "$pkg" ] || pkg=$(vm_match "$pat" < <(ls "$VMTEST_CACHE" 2>/dev/null))
	[ -n "$pkg" ] && echo "$pkg"
}

vm_match() {	# the newest of the names on stdin matching regex $1
	grep -E -- "$1" | sort -V | tail -1
}

# vm_prepare PACKAGE: download/unpack/depmod/extract/initramfs as needed, then
# set KDIR, KVER, KIMG. Returns non-zero with a reason on stderr.
vm_prepare() {
	local pkg=$1 deb
	KDIR=$VMTEST_CACHE/$pkg
	mkdir -p "$KDIR" || return 1
	if [ ! -f "$KDIR/.unpacked" ]; then
		deb=$(ls "$KDIR"/*.deb 2>/dev/null | head -1)
		if [ -z "$deb" ]; then
			# Stale package lists name versions the mirror has dropped: update once.
			(cd "$KDIR" && apt-get download "$pkg" >download.log 2>&1) ||
				{ apt-get update -qq >/dev/null 2>&1 && (cd "$KDIR" && apt-get download "$pkg" >download.log 2>&1); } ||
				{ echo "apt-get download $pkg failed: $(tail -1 "$KDIR/download.log")" >&2; return 1; }
			deb=$(ls "$KDIR"/*.deb | head -1)
		fi
		rm -rf "$KDIR/root"
		dpkg-deb -x "$deb" "$KDIR/root" || { echo "dpkg-deb -x $deb failed" >&2; return 1; }
		KVER=$(ls "$KDIR/root/lib/modules" | head -1)
		# Debian ships no modules.dep; modprobe in the guest needs it.
		depmod -b "$KDIR/root" "$KVER" || return 1
		rm -f "$deb"
		touch "$KDIR/.unpacked"
	fi
	KVER=$(ls "$KDIR/root/lib/modules" | head -1)
	[ -f "$KDIR/vmlinux" ] || vm_extract_vmlinux "$KDIR/root/boot/vmlinuz-$KVER" "$KDIR/vmlinux" ||
		cp "$KDIR/root/boot/vmlinuz-$KVER" "$KDIR/vmlinux"
	KIMG=$KDIR/vmlinux
	vm_initramfs || return 1
}

# Decompressing a bzImage costs seconds under TCG; the ELF boots directly
# (PVH entry). extract-vmlinux style: try every compression magic offset.
vm_extract_vmlinux() {
	local img=$1 out=$2 magic tool off
	for magic in '\xfd7zXZ\x00:xz' '\x28\xb5\x2f\xfd:zstd' '\x1f\x8b\x08:gzip'; do
		tool=${magic##*:}
		for off in $(LC_ALL=C grep -obUaP "${magic%:*}" "$img" | cut -d: -f1); do
			tail -c +$((off + 1)) "$img" | $tool -dc >"$out.tmp" 2>/dev/null
			if [ "$(head -c 4 "$out.tmp" | od -An -tx1 | tr -d ' ')" = 7f454c46 ]; then
				mv "$out.tmp" "$out"
				return 0
			fi
		done
	done
	rm -f "$out.tmp"
	return 1
}

# Build the initramfs when missing or older than vmtest/init.
vm_initramfs() {
	local out=$KDIR/initramfs.cpio.gz dir line ko n=0 bb m seen=" "
	[ -f "$out" ] && [ "$out" -nt "$VMTEST_DIR/init" ] && return 0
	bb=$(command -v busybox) || { echo "busybox not installed" >&2; return 1; }
	file -L "$bb" 2>/dev/null | grep -q 'statically linked' ||
		{ echo "$bb is not static (install busybox-static)" >&2; return 1; }
	dir=$(mktemp -d /tmp/wgx-vmtest-initramfs.XXXXXX)
	mkdir -p "$dir"/{bin,dev,proc,sys,newroot,mods}
	cp "$bb" "$dir/bin/busybox"
	cp "$VMTEST_DIR/init" "$dir/init"
	chmod +x "$dir/init"
	# busybox insmod cannot read .ko.xz/.ko.zst: decompress here, keep the order.
	while read -r line; do
		set -- $line
		[ "$1" = insmod ] || continue
		ko=$2
		[[ $seen == *" $ko "* ]] && continue
		seen+="$ko "
		n=$((n + 1))
		case "$ko" in
		*.xz) xz -dc "$ko" ;;
		*.zst) zstd -dc "$ko" ;;
		*.gz) gzip -dc "$ko" ;;
		*) cat "$ko" ;;
		esac >"$dir/mods/$(printf %02d $n)-$(basename "${ko%.ko*}").ko"
	done < <(for m in $VM_BOOT_MODULES; do
		modprobe -d "$KDIR/root" -S "$KVER" --show-depends "$m"
	done)
	(cd "$dir" && find . | cpio -o -H newc --quiet | gzip -1) >"$out.tmp" && mv "$out.tmp" "$out"
	rm -rf "$dir"
	[ -f "$out" ]
}
