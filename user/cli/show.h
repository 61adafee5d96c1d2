/* SPDX-License-Identifier: MIT */
/* `wg-xdp show`: the UAPI view printed like `wg show`, plus wg-xdp's own facts. */
#ifndef WGX_SHOW_H
#define WGX_SHOW_H

#include <stdio.h>

/* Print interface NAME from its "get=1" answer @uapi and its stats JSON @stats (may be NULL). */
void wgx_show_print(FILE *out, const char *name, const char *uapi, const char *stats);

#endif
