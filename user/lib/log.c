// SPDX-License-Identifier: MIT
#include "lib/log.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <syslog.h>

enum wgx_log_level wgx_log_level = WGX_LOG_INFO;
static bool use_syslog;

void wgx_log_to_syslog(const char *ident)
{
	openlog(ident, LOG_PID, LOG_DAEMON);
	use_syslog = true;
}

void wgx_log(enum wgx_log_level level, const char *fmt, ...)
{
	static const int syslog_prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	static const char *const prefix[] = { "error: ", "warning: ", "", "debug: " };
	va_list ap;

	if (level > wgx_log_level)
		return;
	va_start(ap, fmt);
	if (use_syslog) {
		vsyslog(syslog_prio[level], fmt, ap);
	} else {
		fprintf(stderr, "wg-xdp: %s", prefix[level]);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	}
	va_end(ap);
}
