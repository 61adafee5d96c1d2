/* SPDX-License-Identifier: MIT */
/*
 * Where the pins go: the host's bpffs, that of pid 1's mount namespace, so
 * `bpftool map dump pinned /sys/fs/bpf/wg-xdp/NAME/...` works on the host
 * whichever mount namespace the daemon runs in. `ip netns exec` unshares
 * the mount namespace and mounts a fresh sysfs on /sys, whose /sys/fs/bpf is
 * an empty directory: a bpffs mounted there would be private to the daemon
 * and vanish with it. So from another mount namespace the daemon pins
 * through /proc/1/root/sys/fs/bpf (the same bpffs), and it never mounts a
 * private one: with no bpffs on the host it mounts one at the host's
 * /sys/fs/bpf (as systemd does at boot), from a child that joins pid 1's
 * mount namespace, or fails saying so. Where pid 1 is out of reach (a
 * sandboxing init), kthreadd (pid 2) stands for the initial namespace.
 */
#ifndef WGX_XDP_BPFFS_H
#define WGX_XDP_BPFFS_H

#include <stddef.h>

/* "/sys/fs/bpf/wg-xdp" or "/proc/PID/root/sys/fs/bpf/wg-xdp" into @buf; 0 or -errno (logged). */
int wgx_bpffs_pin_root(char *buf, size_t len);

#endif
