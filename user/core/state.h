/* SPDX-License-Identifier: MIT */
/*
 * A device's state as one process hands it to the next (control/handover.h,
 * `wg-xdp restart`): the configuration (private key, port, fwmark, peers
 * with their keys, preshared keys, endpoints, allowed IPs, keepalive), the
 * cookie secret, every peer's handshake, session keypairs with their send
 * counters and replay windows, timers and counters. Nothing of the data
 * plane: the plane hands over its own descriptors.
 *
 * Times travel as offsets from the snapshot's @now, so a receiver on
 * another clock base rebases them; wall-clock values (last handshake) as
 * they are. Field by field, little-endian (lib/serial.h): never a struct's
 * bytes, so the layout of this binary's structs is not the format. A
 * change of what is written here needs a new WGX_HANDOVER_VERSION.
 *
 * The output holds secrets: the caller writes it only to memory that never
 * reaches a filesystem or a log, and wipes it. Control thread.
 */
#ifndef WGX_STATE_H
#define WGX_STATE_H

#include <stdint.h>

struct wgx_device;
struct wgx_reader;
struct wgx_writer;

/* Write @dev's state as of @now (monotonic ns). Check w->bad afterwards. */
void wgx_state_export(const struct wgx_device *dev, uint64_t now, struct wgx_writer *w);

/*
 * Rebuild the state into @dev, a fresh device (no peer, no key) whose plane
 * is set and already holds the sockets (dev->up comes from the state, no
 * bind). @now is the receiver's time for the snapshot's @now. Secrets go
 * straight into locked memory (core/secret.h). Every table mirror (hooks)
 * sees what is added. Reads only its own section: the caller checks that
 * the reader is at its end. 0, or -EBADMSG for any malformed or inconsistent
 * input, -ENOMEM; on error @dev holds part of the state: destroy it.
 */
int wgx_state_import(struct wgx_device *dev, uint64_t now, struct wgx_reader *r);

#endif
