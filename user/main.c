// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--version")) {
		printf("wg-xdp %s\n", WGX_VERSION);
		return 0;
	}
	fprintf(stderr, "usage: wg-xdp --version\n");
	return 1;
}
