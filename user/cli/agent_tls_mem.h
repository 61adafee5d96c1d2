/* SPDX-License-Identifier: MIT */
/*
 * The agent's HTTPS stack (libcurl, and the OpenSSL under it) allocating
 * through wiping allocators: every block is zeroed before it goes back to
 * malloc. The bearer token, a client key and the requests that carry them
 * pass through libcurl's and OpenSSL's own buffers, which they free without
 * wiping; with these, a freed copy leaves nothing behind.
 */
#ifndef WGX_CLI_AGENT_TLS_MEM_H
#define WGX_CLI_AGENT_TLS_MEM_H

/*
 * curl_global_init() with the wiping allocators, once per process, before
 * any other use of libcurl. OpenSSL takes them only if it allocated nothing
 * yet (a warning otherwise: its buffers are then freed unwiped). 0 or -EIO.
 */
int wgx_agent_tls_init(void);

#endif
