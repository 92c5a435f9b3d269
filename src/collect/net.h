/* SPDX-License-Identifier: Apache-2.0 */
/* net.h - a container's network figures, read from the network namespace of its root process as
 * cAdvisor reads them (docs/compatibility.md#network): interface counters from /proc/<pid>/net/dev (kind
 * `network`), socket states from net/tcp and net/tcp6 (kind `tcp`), net/udp and net/udp6 (kind
 * `udp`), and the TCP counters of net/netstat and net/snmp (kind `advtcp`).
 *
 * Files are read in fixed-size chunks and parsed line by line, so a namespace with many sockets
 * costs time but no memory; no allocation, no logging. The parsers take (buf, len) without relying
 * on NUL-termination and never read outside it. Thread-safe (no shared state). */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct cadv_iface_stats;
struct cadv_sample;

/* Lines longer than this are malformed (the longest real ones, TcpExt's names, are ~3 KiB). */
#define CADV_NET_LINE_MAX 8192

/* Reads the figures of the kinds asked (CADV_KIND_NETWORK, _TCP, _UDP, _ADVTCP) for process pid
 * under proc_dirfd (an open --proc_root) into the scratch sample s (sample.h), and sets the matching
 * CADV_HAS_* bits. s->net must be non-NULL when TCP, UDP or ADVTCP are asked. As in cAdvisor, a
 * malformed file leaves its part zero (interfaces: none) without failing the others.
 * Returns 0, or -ESRCH when the process is gone (the CADV_HAS_NET* bits are then cleared). */
int cadv_net_read(int proc_dirfd, uint64_t pid, uint32_t kinds, struct cadv_sample *s);

/* /proc/<pid>/net/dev: skips 2 header lines; each line, with every ':' removed, must have 17 fields
 * (else the whole file is rejected: -EBADMSG); interfaces whose lower-cased name starts with lo,
 * veth, docker or nerdctl are skipped. Writes up to cap interfaces (more are dropped) and *ret_n. */
int cadv_net_parse_dev(const char *buf, size_t len, struct cadv_iface_stats *ifaces, size_t cap,
                       size_t *ret_n);

/* One line of net/tcp or net/tcp6 after the header: counts its state (4th field, "01".."0B") into
 * counts[_CADV_TCP_STATE_MAX]. Returns 0 or -EBADMSG (cAdvisor then drops the whole file). */
int cadv_net_tcp_line(const char *line, size_t len, uint64_t *counts);
/* A whole net/tcp file (header skipped). On -EBADMSG counts is left untouched. */
int cadv_net_parse_tcp(const char *buf, size_t len, uint64_t *counts);

/* A whole net/udp file (header skipped). */
void cadv_net_parse_udp(const char *buf, size_t len, uint64_t *udp);

/* net/netstat or net/snmp: pairs of "Proto: names..." / "Proto: values..." lines; the Tcp and
 * TcpExt pairs are matched case-insensitively onto cadv_tcpadv_names and stored into
 * tcp_adv[CADV_TCPADV_MAX] (negative values as two's complement). Returns 0 or -EBADMSG (a pair
 * with different field counts, or a value that is not a number), tcp_adv then partly written. */
int cadv_net_parse_netstat(const char *buf, size_t len, uint64_t *tcp_adv);
