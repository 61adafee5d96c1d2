// SPDX-License-Identifier: MIT
#include "cli/args.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/ifname.h"

int wgx_arg_uint(const char *cmd, const char *opt, const char *arg, unsigned long min,
		 unsigned long max, unsigned long *out)
{
	unsigned long v;
	char *end;

	errno = 0;
	/* strtoul accepts " -1" and wraps it: digits only. */
	if (!isdigit((unsigned char)arg[0]))
		goto bad;
	v = strtoul(arg, &end, 10);
	if (errno || *end || v < min || v > max)
		goto bad;
	*out = v;
	return 0;
bad:
	fprintf(stderr, "wg-xdp %s: %s '%s': expected a whole number from %lu to %lu\n", cmd, opt,
		arg, min, max);
	return -EINVAL;
}

int wgx_arg_word(const char *cmd, const char *opt, const char *arg, const char *const *words)
{
	for (int i = 0; words[i]; i++)
		if (!strcmp(arg, words[i]))
			return i;
	fprintf(stderr, "wg-xdp %s: %s '%s': expected one of:", cmd, opt, arg);
	for (int i = 0; words[i]; i++)
		fprintf(stderr, " %s", words[i]);
	fputc('\n', stderr);
	return -EINVAL;
}

int wgx_arg_ifname(const char *cmd, const char *what, const char *arg)
{
	if (wgx_ifname_valid(arg))
		return 0;
	fprintf(stderr, "wg-xdp %s: %s '%s': not a valid interface name (1-15 characters, no '/', ':' or spaces)\n",
		cmd, what, arg);
	return -EINVAL;
}

void wgx_arg_getopt_error(const char *cmd, char **argv, int optopt_char)
{
	const char *bad = optind > 0 ? argv[optind - 1] : "?";

	if (optopt_char && bad[0] == '-' && bad[1] != '-')
		fprintf(stderr, "wg-xdp %s: option '-%c': unknown, or its value is missing\n", cmd,
			optopt_char);
	else
		fprintf(stderr, "wg-xdp %s: option '%s': unknown, or its value is missing\n", cmd, bad);
	fprintf(stderr, "Try 'wg-xdp %s --help'.\n", cmd);
}
