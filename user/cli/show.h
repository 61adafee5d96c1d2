/* SPDX-License-Identifier: MIT */
/*
 * `wg-xdp show`: an interface's statistics (control/stats.h) printed the way
 * `wg show` prints them (units, "1 minute, 2 seconds ago", peers with the
 * latest handshake first, colour on a terminal), then wg-xdp's own facts:
 * mode, the data plane's figures and the non-zero reason counters.
 */
#ifndef WGX_SHOW_H
#define WGX_SHOW_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct wgx_stats;

/* @color: ANSI colours as wg uses them; @now: wall-clock seconds for "ago". */
void wgx_show_print(FILE *out, const struct wgx_stats *s, bool color, uint64_t now);
/* Colour when stdout is a terminal, as wg: WG_COLOR_MODE=always|never|auto. */
bool wgx_show_color(const char *mode);

#endif
