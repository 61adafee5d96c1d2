/* SPDX-License-Identifier: MIT */
/*
 * The one logging layer. Never called per packet on the fast path and never
 * given key material.
 */
#ifndef WGX_LOG_H
#define WGX_LOG_H

/* WGX_LOG_SILENT is a threshold only (LOG_LEVEL=silent): nothing is logged at it. */
enum wgx_log_level { WGX_LOG_SILENT = -1, WGX_LOG_ERR, WGX_LOG_WARN, WGX_LOG_INFO, WGX_LOG_DEBUG };

extern enum wgx_log_level wgx_log_level;

void wgx_log(enum wgx_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/*
 * wireguard-go's LOG_LEVEL words: "verbose"/"debug", "info", "warning",
 * "error", "silent". Returns 0 and sets *out, or -EINVAL.
 */
int wgx_log_level_parse(const char *word, enum wgx_log_level *out);
/* Send log lines to syslog instead of stderr (after daemonizing). */
void wgx_log_to_syslog(const char *ident);

#define pr_err(...) wgx_log(WGX_LOG_ERR, __VA_ARGS__)
#define pr_warn(...) wgx_log(WGX_LOG_WARN, __VA_ARGS__)
#define pr_info(...) wgx_log(WGX_LOG_INFO, __VA_ARGS__)
#define pr_debug(...)                                   \
	do {                                            \
		if (wgx_log_level >= WGX_LOG_DEBUG)     \
			wgx_log(WGX_LOG_DEBUG, __VA_ARGS__); \
	} while (0)

#endif
