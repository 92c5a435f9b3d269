/* SPDX-License-Identifier: Apache-2.0 */
/* test_net.c - network figures of a process's namespace. The fixture tests/fixtures/proc/net-busy
 * was captured from a real network namespace (lo, a veth pair vethabc/eth0, loopback TCP
 * connections in several states, UDP sockets with queued data), read through an injected proc root. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "collect/net.h"
#include "model/kinds.h"
#include "model/sample.h"

static int adv_idx(const char *name)
{
    for (int i = 0; cadv_tcpadv_names[i]; i++)
        if (strcmp(cadv_tcpadv_names[i], name) == 0)
            return i;
    cr_assert_fail("no tcpadv field %s", name);
    return -1;
}

static int proc_fd(const char *scenario)
{
    char path[512];
    int fd;

    snprintf(path, sizeof(path), "%s/proc/%s", CADV_FIXTURES, scenario);
    fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    cr_assert_geq(fd, 0, "%s", path);
    return fd;
}

Test(net, read_all_kinds_from_fixture)
{
    struct cadv_sample s;
    int fd = proc_fd("net-busy");

    cadv_sample_init_scratch(&s);
    cr_assert_not_null(s.net);
    cr_assert_eq(
            cadv_net_read(fd, 4242, CADV_KIND_NETWORK | CADV_KIND_TCP | CADV_KIND_UDP | CADV_KIND_ADVTCP, &s),
            0);
    cr_expect_eq(s.c.has & (CADV_HAS_NETWORK | CADV_HAS_TCP | CADV_HAS_UDP | CADV_HAS_ADVTCP),
                 CADV_HAS_NETWORK | CADV_HAS_TCP | CADV_HAS_UDP | CADV_HAS_ADVTCP);
    /* lo and vethabc are skipped */
    cr_assert_eq(s.n_ifaces, 1);
    cr_expect_str_eq(s.ifaces[0].name, "eth0");
    cr_expect_eq(s.ifaces[0].rx_bytes, 266);
    cr_expect_eq(s.ifaces[0].rx_packets, 3);
    cr_expect_eq(s.ifaces[0].tx_bytes, 1476);
    cr_expect_eq(s.ifaces[0].tx_packets, 8);
    cr_expect_eq(s.ifaces[0].rx_errors + s.ifaces[0].rx_dropped + s.ifaces[0].tx_errors +
                         s.ifaces[0].tx_dropped,
                 0);
    cr_expect_eq(s.net->tcp[CADV_TCP_LISTEN], 1);
    cr_expect_eq(s.net->tcp[CADV_TCP_ESTABLISHED], 6);
    cr_expect_eq(s.net->tcp[CADV_TCP_CLOSE_WAIT], 1);
    cr_expect_eq(s.net->tcp[CADV_TCP_FIN_WAIT2], 1);
    cr_expect_eq(s.net->tcp[CADV_TCP_TIME_WAIT], 0);
    cr_expect_eq(s.net->tcp6[CADV_TCP_LISTEN], 1);
    cr_expect_eq(s.net->tcp6[CADV_TCP_ESTABLISHED], 0);
    /* udp: Listen, Dropped, RxQueued (= the kernel's tx_queue), TxQueued (= rx_queue 0x680) */
    cr_expect_eq(s.net->udp[0], 3);
    cr_expect_eq(s.net->udp[1], 0);
    cr_expect_eq(s.net->udp[2], 0);
    cr_expect_eq(s.net->udp[3], 0x680);
    cr_expect_eq(s.net->udp6[0], 1);
    cr_expect_eq(s.net->tcp_adv[adv_idx("RtoMax")], 120000);
    cr_expect_eq((int64_t)s.net->tcp_adv[adv_idx("MaxConn")], -1);
    cr_expect_eq(s.net->tcp_adv[adv_idx("CurrEstab")], 7);
    cr_expect_eq(s.net->tcp_adv[adv_idx("TW")], 1);
    cr_expect_eq(s.net->tcp_adv[adv_idx("TCPPureAcks")], 5);
    cr_expect_eq(s.net->tcp_adv[adv_idx("TCPOrigDataSent")], 1);
    cadv_sample_done(&s);
    close(fd);
}

Test(net, only_kinds_asked_and_gone_process)
{
    struct cadv_sample s;
    int fd = proc_fd("net-busy");

    cadv_sample_init_scratch(&s);
    cr_assert_eq(cadv_net_read(fd, 4242, CADV_KIND_NETWORK, &s), 0);
    cr_expect_eq(s.c.has & (CADV_HAS_TCP | CADV_HAS_UDP | CADV_HAS_ADVTCP), 0);
    cr_expect_eq(s.net->tcp[CADV_TCP_LISTEN], 0);
    cadv_sample_clear(&s);
    cr_expect_eq(cadv_net_read(fd, 999999, CADV_KIND_NETWORK | CADV_KIND_TCP, &s), -ESRCH);
    cr_expect_eq(s.c.has & CADV_HAS_NETWORK, 0);
    cr_expect_eq(cadv_net_read(fd, 0, CADV_KIND_NETWORK, &s), -ESRCH);
    cadv_sample_done(&s);
    close(fd);
}

static const char dev_hdr[] = "Inter-|   Receive |  Transmit\n face |bytes packets|bytes\n";

Test(net, dev_skip_rules_and_rejects)
{
    struct cadv_iface_stats ifs[4];
    size_t n = 99;
    char buf[1024];

    snprintf(buf, sizeof(buf),
             "%s  LO0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\r\n"
             "lowpan0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"
             "docker0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"
             "nerdctl0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"
             "  eth1: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"
             "wlan0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16",
             dev_hdr);
    cr_assert_eq(cadv_net_parse_dev(buf, strlen(buf), ifs, 4, &n), 0);
    cr_assert_eq(n, 2);
    cr_expect_str_eq(ifs[0].name, "eth1");
    cr_expect_eq(ifs[0].rx_bytes, 1);
    cr_expect_eq(ifs[0].rx_dropped, 4);
    cr_expect_eq(ifs[0].tx_bytes, 9);
    cr_expect_eq(ifs[0].tx_dropped, 12);
    cr_expect_str_eq(ifs[1].name, "wlan0");
    /* cAdvisor deletes ':' before splitting, so a counter glued to the name merges with it */
    snprintf(buf, sizeof(buf), "%swlan0:1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n", dev_hdr);
    cr_expect_eq(cadv_net_parse_dev(buf, strlen(buf), ifs, 4, &n), -EBADMSG);
    /* a line without 17 fields rejects the whole file */
    snprintf(buf, sizeof(buf), "%s  eth1: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n eth2: 1 2 3\n", dev_hdr);
    n = 99;
    cr_expect_eq(cadv_net_parse_dev(buf, strlen(buf), ifs, 4, &n), -EBADMSG);
    cr_expect_eq(n, 99);
    snprintf(buf, sizeof(buf), "%s  eth1: 1 2 3 4 x 6 7 8 9 10 11 12 13 14 15 16\n", dev_hdr);
    cr_expect_eq(cadv_net_parse_dev(buf, strlen(buf), ifs, 4, &n), 0, "unused field 5 is not parsed");
    snprintf(buf, sizeof(buf), "%s  eth1: 1 2 3 x 5 6 7 8 9 10 11 12 13 14 15 16\n", dev_hdr);
    cr_expect_eq(cadv_net_parse_dev(buf, strlen(buf), ifs, 4, &n), -EBADMSG);
    /* capacity: extra interfaces are dropped */
    snprintf(buf, sizeof(buf),
             "%sa: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\nb: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n",
             dev_hdr);
    cr_assert_eq(cadv_net_parse_dev(buf, strlen(buf), ifs, 1, &n), 0);
    cr_expect_eq(n, 1);
}

Test(net, tcp_states_and_unknown_state)
{
    uint64_t c[_CADV_TCP_STATE_MAX] = {0};
    static const char good[] = "  sl local rem st\n 0: a b 0A x\n 1: a b 01 x\n 2: a b 0B x\n 3: a b 06 x\n";
    static const char bad[] = "  sl local rem st\n 0: a b 0A x\n 1: a b 0C x\n";
    static const char lower[] = "  sl local rem st\n 0: a b 0a x\n";

    cr_assert_eq(cadv_net_parse_tcp(good, sizeof(good) - 1, c), 0);
    cr_expect_eq(c[CADV_TCP_LISTEN], 1);
    cr_expect_eq(c[CADV_TCP_ESTABLISHED], 1);
    cr_expect_eq(c[CADV_TCP_CLOSING], 1);
    cr_expect_eq(c[CADV_TCP_TIME_WAIT], 1);
    cr_expect_eq(cadv_net_parse_tcp(bad, sizeof(bad) - 1, c), -EBADMSG);
    cr_expect_eq(c[CADV_TCP_LISTEN], 1, "untouched on error");
    cr_expect_eq(cadv_net_parse_tcp(lower, sizeof(lower) - 1, c), -EBADMSG);
    cr_expect_eq(cadv_net_tcp_line(" 0: a b", 7, c), -EBADMSG);
}

Test(net, udp_fields)
{
    uint64_t u[4] = {0};
    static const char f[] = "  sl local rem st tx rx ...\n"
                            " 1: a b 07 0000000A:00000002 00:0 0 0 0 1 2 p 7\n"
                            " 2: a b 07 zz 00:0 0 0 0 1 2 p -1\n"
                            " 3: short line\n";

    cadv_net_parse_udp(f, sizeof(f) - 1, u);
    cr_expect_eq(u[0], 3);
    cr_expect_eq(u[1], 6); /* 7 + (-1) */
    cr_expect_eq(u[2], 10);
    cr_expect_eq(u[3], 2);
}

Test(net, netstat_pairs)
{
    uint64_t adv[CADV_TCPADV_MAX] = {0};
    static const char ok[] = "IpExt: InNoRoutes\nIpExt: 5\nTcpExt: tw tcppureacks Unknown\nTcpExt: 3 4 -9\n"
                             "Tcp: MaxConn RtoMin\nTcp: -1 200\n";
    static const char mismatch[] = "Tcp: MaxConn RtoMin\nTcp: -1\n";
    static const char badval[] = "TcpExt: TW\nTcpExt: x\n";
    static const char plus[] = "TcpExt: TW\nTcpExt: +1\n";
    static const char odd[] = "Tcp: MaxConn\n";

    cr_assert_eq(cadv_net_parse_netstat(ok, sizeof(ok) - 1, adv), 0);
    cr_expect_eq(adv[adv_idx("TW")], 3);
    cr_expect_eq(adv[adv_idx("TCPPureAcks")], 4);
    cr_expect_eq((int64_t)adv[adv_idx("MaxConn")], -1);
    cr_expect_eq(adv[adv_idx("RtoMin")], 200);
    cr_expect_eq(cadv_net_parse_netstat(mismatch, sizeof(mismatch) - 1, adv), -EBADMSG);
    cr_expect_eq(cadv_net_parse_netstat(badval, sizeof(badval) - 1, adv), -EBADMSG);
    cr_expect_eq(cadv_net_parse_netstat(plus, sizeof(plus) - 1, adv), -EBADMSG);
    cr_expect_eq(cadv_net_parse_netstat(odd, sizeof(odd) - 1, adv), -EBADMSG);
}

Test(net, live_self_namespace)
{
    struct cadv_sample s;
    int fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    cadv_sample_init_scratch(&s);
    cr_assert_eq(cadv_net_read(fd, (uint64_t)getpid(),
                               CADV_KIND_NETWORK | CADV_KIND_TCP | CADV_KIND_UDP | CADV_KIND_ADVTCP, &s),
                 0);
    cr_expect(s.c.has & CADV_HAS_ADVTCP);
    cr_expect_neq(s.net->tcp_adv[adv_idx("RtoMin")], 0, "the kernel's snmp Tcp line was read");
    cadv_sample_done(&s);
    close(fd);
}
