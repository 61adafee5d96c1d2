/* SPDX-License-Identifier: MIT */
/* Interface names: the one check every name that becomes a path or a link passes. */
#ifndef WGX_IFNAME_H
#define WGX_IFNAME_H

#include <stdbool.h>

/*
 * As the kernel's dev_valid_name(), plus ':' (alias syntax): 1 to IFNAMSIZ-1
 * characters, not "." or "..", no '/', ':' or white space. A valid name is
 * safe as one path component (pid files, sockets, pin directories).
 */
bool wgx_ifname_valid(const char *name);

#endif
