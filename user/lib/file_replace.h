/* SPDX-License-Identifier: MIT */
/* Replace a small file whole: readers see the old text or the new, never half. */
#ifndef WGX_FILE_REPLACE_H
#define WGX_FILE_REPLACE_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Write @len bytes of @text to PATH.new (created afresh with O_EXCL and
 * O_NOFOLLOW, so never through a planted link, @mode whatever the umask),
 * then rename it over @path. 0 or -errno (PATH.new removed). No fsync: for
 * pid and status files, not data.
 */
int wgx_file_replace(const char *path, const char *text, size_t len, mode_t mode);

#endif
