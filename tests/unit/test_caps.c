// SPDX-License-Identifier: MIT
/*
 * lib/caps.h on the real capability sets: the test lowers its own effective
 * set (capset; the permitted set keeps every capability, so it can raise them
 * again) and checks which capabilities an error is blamed on.
 */
#include <errno.h>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/caps.h"
#include "tap.h"

static struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
static struct __user_cap_data_struct saved[_LINUX_CAPABILITY_U32S_3];

/* Effective = permitted minus the capabilities in drop. */
static int effective_without(uint64_t drop)
{
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];

	memcpy(d, saved, sizeof(d));
	for (int i = 0; i < _LINUX_CAPABILITY_U32S_3; i++)
		d[i].effective = d[i].permitted & ~(uint32_t)(drop >> (32 * i));
	return (int)syscall(SYS_capset, &hdr, d);
}

int main(void)
{
	const uint64_t xsk = WGX_CAP(CAP_NET_RAW) | WGX_CAP(CAP_IPC_LOCK);
	const uint64_t bpf = WGX_CAP(CAP_BPF) | WGX_CAP(CAP_PERFMON);

	if (syscall(SYS_capget, &hdr, saved) || !(saved[0].permitted & (1u << CAP_NET_ADMIN)) ||
	    !(saved[1].permitted & (1u << (CAP_BPF - 32)))) {
		tap_skip("needs CAP_NET_ADMIN and CAP_BPF permitted (root)", "capability hints");
		return tap_done();
	}
	ok(effective_without(0) == 0 && !strcmp(wgx_cap_hint(-EPERM, xsk | bpf), ""),
	   "every capability effective: EPERM blames none");
	ok(effective_without(WGX_CAP(CAP_NET_RAW)) == 0 && !wgx_cap_effective(CAP_NET_RAW) &&
		   wgx_cap_effective(CAP_NET_ADMIN),
	   "capset lowered the effective set by CAP_NET_RAW only");
	ok(!strcmp(wgx_cap_hint(-EPERM, xsk), " (needs CAP_NET_RAW)"), "EPERM: %s",
	   wgx_cap_hint(-EPERM, xsk));
	ok(!strcmp(wgx_cap_hint(EACCES, xsk), " (needs CAP_NET_RAW)"), "EACCES, positive errno");
	ok(!strcmp(wgx_cap_hint(-ENOENT, xsk), ""), "ENOENT blames no capability");
	ok(!strcmp(wgx_cap_hint(-ENOBUFS, xsk), ""),
	   "ENOBUFS is a locked-memory error: not CAP_NET_RAW's");
	effective_without(WGX_CAP(CAP_IPC_LOCK));
	ok(strstr(wgx_cap_hint(-ENOBUFS, xsk), "(needs CAP_IPC_LOCK") != NULL,
	   "ENOBUFS without CAP_IPC_LOCK: %s", wgx_cap_hint(-ENOBUFS, xsk));
	effective_without(WGX_CAP(CAP_BPF) | WGX_CAP(CAP_PERFMON));
	ok(!strcmp(wgx_cap_hint(-EPERM, bpf), ""), "CAP_SYS_ADMIN stands in for CAP_BPF and CAP_PERFMON");
	effective_without(WGX_CAP(CAP_BPF) | WGX_CAP(CAP_PERFMON) | WGX_CAP(CAP_SYS_ADMIN));
	ok(!strcmp(wgx_cap_hint(-EPERM, bpf), " (needs CAP_PERFMON, CAP_BPF)"),
	   "without CAP_SYS_ADMIN, both named: %s", wgx_cap_hint(-EPERM, bpf));
	ok(effective_without(0) == 0 && wgx_cap_effective(CAP_BPF), "effective set restored");
	return tap_done();
}
