/* SPDX-License-Identifier: MIT */
/* Client side of the UAPI socket, for `wg-xdp show` and `wg-xdp detach`. */
#ifndef WGX_UAPI_CLIENT_H
#define WGX_UAPI_CLIENT_H

#include <stddef.h>

/*
 * Send @request (e.g. "get=1\n\n") to NAME's socket and read the reply up to
 * its terminating blank line. *reply is malloc'd and NUL-terminated. 0 or -errno:
 * -ETIMEDOUT when the daemon made no progress for WGX_CLIENT_TIMEOUT
 * (control/env.h), -EPROTO when it closed before the blank line.
 */
int wgx_uapi_call(const char *name, const char *request, char **reply);

#endif
