// SPDX-License-Identifier: MIT
#include "plane/xdp/xdp_bpffs.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/caps.h"
#include "lib/log.h"

#define HOST_BPFFS "/sys/fs/bpf"

/*
 * A process of the host's (initial) mount namespace we may enter: pid 1, or,
 * where pid 1 is out of reach (a sandboxing init), kthreadd, which lives in
 * the initial namespaces. 0 when neither is readable: we act as the host.
 */
static int host_pid(void)
{
	char comm[32] = "";
	FILE *f;
	int fd;

	fd = open("/proc/1/ns/mnt", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		close(fd);
		return 1;
	}
	f = fopen("/proc/2/comm", "re");
	if (f) {
		if (!fgets(comm, sizeof(comm), f))
			comm[0] = '\0';
		fclose(f);
	}
	fd = strcmp(comm, "kthreadd\n") ? -1 : open("/proc/2/ns/mnt", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	close(fd);
	return 2;
}

static bool same_mount_ns(int pid)
{
	char a[64], b[64], path[32];
	ssize_t na, nb;

	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", pid);
	na = readlink("/proc/self/ns/mnt", a, sizeof(a));
	nb = readlink(path, b, sizeof(b));
	return na > 0 && na == nb && !memcmp(a, b, (size_t)na);
}

static bool is_bpffs(const char *path)
{
	struct statfs st;

	return statfs(path, &st) == 0 && st.f_type == BPF_FS_MAGIC;
}

/* Mount bpffs at /sys/fs/bpf in @pid's mount namespace (a child: setns needs one thread). */
static int mount_on_host(int pid)
{
	int status = 0;
	pid_t child = fork();

	if (child < 0)
		return -errno;
	if (child == 0) {
		char path[32];
		int fd;

		if (pid) {
			snprintf(path, sizeof(path), "/proc/%d/ns/mnt", pid);
			fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd < 0 || setns(fd, CLONE_NEWNS))
				_exit(10 + errno % 100);
		}
		_exit(mount("bpf", HOST_BPFFS, "bpf", 0, "mode=0700") ? 10 + errno % 100 : 0);
	}
	if (waitpid(child, &status, 0) < 0)
		return -errno;
	if (!WIFEXITED(status))
		return -ECHILD;
	return WEXITSTATUS(status) ? -(WEXITSTATUS(status) - 10) : 0;
}

int wgx_bpffs_pin_root(char *buf, size_t len)
{
	int pid = host_pid(), err;
	char host[48];

	if (!pid || same_mount_ns(pid)) {
		pid = 0;
		snprintf(host, sizeof(host), "%s", HOST_BPFFS);
	} else {
		snprintf(host, sizeof(host), "/proc/%d/root%s", pid, HOST_BPFFS);
	}
	if (!is_bpffs(host)) {
		err = mount_on_host(pid);
		if (err || !is_bpffs(host)) {
			err = err ?: -ENODEV;
			/* A container sees the host's through a hostPath volume instead. */
			pr_err("bpf: no bpffs at the host's %s and mounting one failed (%s%s): "
			       "mount -t bpf bpf %s on the host, and in a container mount the "
			       "host's %s there (Kubernetes: a hostPath volume)", HOST_BPFFS,
			       strerror(-err), wgx_cap_hint(err, WGX_CAP(CAP_SYS_ADMIN)), HOST_BPFFS,
			       HOST_BPFFS);
			return err;
		}
		pr_info("bpf: mounted bpffs at the host's %s", HOST_BPFFS);
	}
	if ((size_t)snprintf(buf, len, "%s/wg-xdp", host) >= len)
		return -ENAMETOOLONG;
	return 0;
}
