/* SPDX-License-Identifier: MIT */
/*
 * `wg-xdp agent`: reconciles the desired peers of one interface, read from a
 * directory (a mounted ConfigMap), into the running daemon through its UAPI
 * socket, by difference (cli/agent_diff.h), never with replace_peers.
 *
 *   wg-xdp agent --interface NAME [--dir DIR [--file F]]
 *                [--kube | --kubeconfig PATH] [--node NODE] [--endpoint ADDR[:PORT]]
 *                [--status-file S] [--metrics-file M] [--metrics-port P]
 *                [--interval SECONDS] [--debounce-ms MS] [--once] [--verbose]
 *
 * The desired state is the one file DIR/F (default NAME.conf) in `wg setconf`
 * format (cli/agent_state.h). A reload happens when DIR changes (inotify;
 * kubelet's `..data` symlink swap, or a plain edit), debounced: DIR quiet for
 * MS (200) or 1 s after the first event; when NAME's UAPI socket appears (the
 * daemon restarted); every SECONDS (30) as a resync; on SIGHUP. An invalid file
 * changes nothing on the device and is reported (log, status, metrics); a
 * missing DIR or file, or a daemon that does not answer, is retried every
 * second with the device left as it is.
 *
 * API mode (--kube: in-cluster credentials; --kubeconfig PATH): the other
 * Nodes' annotations are peers too (cli/agent_kube.h, cli/agent_nodes.h),
 * merged with DIR's peers when DIR is given (the file wins a key both name);
 * a change of the API's peers is a change event like DIR's. Nothing is
 * reconciled before the first list, so an agent restart never removes the
 * nodes' peers; while the API is unreachable the last peers seen stay.
 */
#ifndef WGX_AGENT_H
#define WGX_AGENT_H

/* argv[0] is "agent". Returns the process exit status (--once: 0 = applied). */
int wgx_agent_main(int argc, char **argv);

#endif
