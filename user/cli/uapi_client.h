/* SPDX-License-Identifier: MIT */
/* Client side of the UAPI socket, for `wg-xdp show` and `wg-xdp detach`. */
#ifndef WGX_UAPI_CLIENT_H
#define WGX_UAPI_CLIENT_H

#include <stddef.h>

/* Path of NAME's UAPI socket ($WGX_UAPI_DIR or /var/run/wireguard). */
const char *wgx_uapi_sock_path(const char *name, char *buf, size_t len);
/*
 * Send @request (e.g. "get=1\n\n") to NAME's socket and read the reply up to
 * its terminating blank line. *reply is malloc'd and NUL-terminated. 0 or -errno.
 */
int wgx_uapi_call(const char *name, const char *request, char **reply);

#endif
