// SPDX-License-Identifier: MIT
#include "lib/ifname.h"

#include <ctype.h>
#include <net/if.h>
#include <string.h>

bool wgx_ifname_valid(const char *name)
{
	size_t len = name ? strnlen(name, IF_NAMESIZE) : 0;

	if (len == 0 || len >= IF_NAMESIZE || !strcmp(name, ".") || !strcmp(name, ".."))
		return false;
	for (const char *p = name; *p; p++)
		if (*p == '/' || *p == ':' || isspace((unsigned char)*p))
			return false;
	return true;
}
