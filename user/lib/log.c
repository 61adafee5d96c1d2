// SPDX-License-Identifier: MIT
#include "lib/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

enum wgx_log_level wgx_log_level = WGX_LOG_INFO;
static bool use_syslog;

int wgx_log_level_parse(const char *word, enum wgx_log_level *out)
{
	static const struct {
		const char *word;
		enum wgx_log_level level;
	} words[] = {
		{ "verbose", WGX_LOG_DEBUG }, { "debug", WGX_LOG_DEBUG }, { "info", WGX_LOG_INFO },
		{ "warning", WGX_LOG_WARN },  { "error", WGX_LOG_ERR },	  { "silent", WGX_LOG_SILENT },
	};

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (!strcmp(word, words[i].word)) {
			*out = words[i].level;
			return 0;
		}
	return -EINVAL;
}

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

	if (level > wgx_log_level || level < WGX_LOG_ERR)
		return;
	va_start(ap, fmt);
	if (use_syslog) {
		vsyslog(syslog_prio[level], fmt, ap);
	} else {
		char line[1024];
		int n = snprintf(line, sizeof(line), "wg-xdp: %s", prefix[level]);

		/* One write per line: threads (the agent's API client) never interleave. */
		n += vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
		if (n > (int)sizeof(line) - 2)
			n = (int)sizeof(line) - 2;
		line[n++] = '\n';
		fwrite(line, 1, (size_t)n, stderr);
	}
	va_end(ap);
}
