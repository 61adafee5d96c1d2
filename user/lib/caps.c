// SPDX-License-Identifier: MIT
#include "lib/caps.h"

#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The capabilities wg-xdp's operations need (control/attach.c and the planes). */
static const char *const cap_names[] = {
	[CAP_NET_BIND_SERVICE] = "CAP_NET_BIND_SERVICE",
	[CAP_NET_ADMIN] = "CAP_NET_ADMIN",
	[CAP_NET_RAW] = "CAP_NET_RAW",
	[CAP_IPC_LOCK] = "CAP_IPC_LOCK",
	[CAP_SYS_ADMIN] = "CAP_SYS_ADMIN",
	[CAP_SYS_NICE] = "CAP_SYS_NICE",
	[CAP_PERFMON] = "CAP_PERFMON",
	[CAP_BPF] = "CAP_BPF",
};

bool wgx_cap_effective(int cap)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = { 0 };

	if (cap < 0 || cap >= 32 * _LINUX_CAPABILITY_U32S_3 || syscall(SYS_capget, &hdr, data))
		return true;
	return data[cap / 32].effective & (UINT32_C(1) << (cap % 32));
}

static bool cap_present(int cap)
{
	if (wgx_cap_effective(cap))
		return true;
	return (cap == CAP_BPF || cap == CAP_PERFMON) && wgx_cap_effective(CAP_SYS_ADMIN);
}

const char *wgx_cap_hint(int err, uint64_t need)
{
	static _Thread_local char buf[160];
	struct rlimit rl;
	size_t len = 0;
	int n;

	err = err < 0 ? -err : err;
	if (err == ENOBUFS || err == ENOMEM || err == EAGAIN)
		need &= WGX_CAP(CAP_IPC_LOCK);
	else if (err != EPERM && err != EACCES)
		need = 0;
	buf[0] = '\0';
	for (int cap = 0; cap < (int)(sizeof(cap_names) / sizeof(cap_names[0])); cap++) {
		if (!(need & WGX_CAP(cap)) || !cap_names[cap] || cap_present(cap))
			continue;
		n = snprintf(buf + len, sizeof(buf) - len, "%s%s", len ? ", " : " (needs ",
			     cap_names[cap]);
		if (n < 0 || (size_t)n >= sizeof(buf) - len)
			break;
		len += (size_t)n;
	}
	if (!len)
		return buf;
	if ((need & WGX_CAP(CAP_IPC_LOCK)) && !cap_present(CAP_IPC_LOCK) &&
	    !getrlimit(RLIMIT_MEMLOCK, &rl) && rl.rlim_cur != RLIM_INFINITY)
		snprintf(buf + len, sizeof(buf) - len, ", or an RLIMIT_MEMLOCK above %llu KiB)",
			 (unsigned long long)rl.rlim_cur / 1024);
	else
		snprintf(buf + len, sizeof(buf) - len, ")");
	return buf;
}
