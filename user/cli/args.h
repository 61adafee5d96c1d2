/* SPDX-License-Identifier: MIT */
/*
 * Strict command-line values: a number is all digits and in range, a word is
 * one of a list; every failure is reported on stderr naming the command, the
 * option and the value, so the user sees which argument is wrong.
 */
#ifndef WGX_ARGS_H
#define WGX_ARGS_H

#include <stdbool.h>

/* 0 with *out set, or -EINVAL after printing "wg-xdp CMD: OPT 'ARG': ..." */
int wgx_arg_uint(const char *cmd, const char *opt, const char *arg, unsigned long min,
		 unsigned long max, unsigned long *out);
/* Index of @arg in the NULL-terminated @words, or -EINVAL after printing the choices. */
int wgx_arg_word(const char *cmd, const char *opt, const char *arg, const char *const *words);
/* An interface name (lib/ifname.h), or -EINVAL after saying why not. */
int wgx_arg_ifname(const char *cmd, const char *what, const char *arg);
/* Report getopt_long's failure (unknown option, missing value) for argv[optind - 1]. */
void wgx_arg_getopt_error(const char *cmd, char **argv, int optopt_char);

#endif
