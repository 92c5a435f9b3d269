/* SPDX-License-Identifier: Apache-2.0 */
/* sample.c - sample storage, copying, packing and comparison. */
#include "model/sample.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/xalloc.h"

const char *const cadv_tcpadv_names[] = {
        "RtoAlgorithm",
        "RtoMin",
        "RtoMax",
        "MaxConn",
        "ActiveOpens",
        "PassiveOpens",
        "AttemptFails",
        "EstabResets",
        "CurrEstab",
        "InSegs",
        "OutSegs",
        "RetransSegs",
        "InErrs",
        "OutRsts",
        "InCsumErrors",
        "EmbryonicRsts",
        "SyncookiesSent",
        "SyncookiesRecv",
        "SyncookiesFailed",
        "PruneCalled",
        "RcvPruned",
        "OfoPruned",
        "OutOfWindowIcmps",
        "LockDroppedIcmps",
        "TW",
        "TWRecycled",
        "TWKilled",
        "TCPTimeWaitOverflow",
        "TCPTimeouts",
        "TCPSpuriousRTOs",
        "TCPLossProbes",
        "TCPLossProbeRecovery",
        "TCPRenoRecoveryFail",
        "TCPSackRecoveryFail",
        "TCPRenoFailures",
        "TCPSackFailures",
        "TCPLossFailures",
        "DelayedACKs",
        "DelayedACKLocked",
        "DelayedACKLost",
        "ListenOverflows",
        "ListenDrops",
        "TCPHPHits",
        "TCPPureAcks",
        "TCPHPAcks",
        "TCPRenoRecovery",
        "TCPSackRecovery",
        "TCPSACKReneging",
        "TCPFACKReorder",
        "TCPSACKReorder",
        "TCPRenoReorder",
        "TCPTSReorder",
        "TCPFullUndo",
        "TCPPartialUndo",
        "TCPDSACKUndo",
        "TCPLossUndo",
        "TCPFastRetrans",
        "TCPSlowStartRetrans",
        "TCPLostRetransmit",
        "TCPRetransFail",
        "TCPRcvCollapsed",
        "TCPDSACKOldSent",
        "TCPDSACKOfoSent",
        "TCPDSACKRecv",
        "TCPDSACKOfoRecv",
        "TCPAbortOnData",
        "TCPAbortOnClose",
        "TCPAbortOnMemory",
        "TCPAbortOnTimeout",
        "TCPAbortOnLinger",
        "TCPAbortFailed",
        "TCPMemoryPressures",
        "TCPMemoryPressuresChrono",
        "TCPSACKDiscard",
        "TCPDSACKIgnoredOld",
        "TCPDSACKIgnoredNoUndo",
        "TCPMD5NotFound",
        "TCPMD5Unexpected",
        "TCPMD5Failure",
        "TCPSackShifted",
        "TCPSackMerged",
        "TCPSackShiftFallback",
        "TCPBacklogDrop",
        "PFMemallocDrop",
        "TCPMinTTLDrop",
        "TCPDeferAcceptDrop",
        "IPReversePathFilter",
        "TCPReqQFullDoCookies",
        "TCPReqQFullDrop",
        "TCPFastOpenActive",
        "TCPFastOpenActiveFail",
        "TCPFastOpenPassive",
        "TCPFastOpenPassiveFail",
        "TCPFastOpenListenOverflow",
        "TCPFastOpenCookieReqd",
        "TCPSynRetrans",
        "TCPOrigDataSent",
        "PAWSActive",
        "PAWSEstab",
        NULL,
};

const char *const cadv_tcp_state_names[_CADV_TCP_STATE_MAX] = {
        "Established", "SynSent",   "SynRecv", "FinWait1", "FinWait2", "TimeWait",
        "Close",       "CloseWait", "LastAck", "Listen",   "Closing",
};

const char *const cadv_io_stat_names[_CADV_IO_STAT_MAX] = {
        "io_service_bytes", "io_serviced",  "io_queued",      "sectors",
        "io_service_time",  "io_wait_time", "io_merged",      "io_time",
        "io_cost_usage",    "io_cost_wait", "io_cost_indebt", "io_cost_indelay",
};

const char *const cadv_io_op_names[_CADV_IO_OP_MAX] = {"Read",    "Write", "Sync", "Async",
                                                       "Discard", "Total", "Count"};

_Static_assert(sizeof(struct cadv_sample_core) % sizeof(uint64_t) == 0, "core must be words only");

/* Layout of the arrays inside an arena: byte sizes for given counts. */
struct layout {
    size_t percpu, io, hugetlb, ifaces, fs, numa, perf, resctrl, accel, net, total;
};

static void layout_of(struct layout *l, size_t n_percpu, size_t n_io, size_t n_hugetlb, size_t n_ifaces,
                      size_t n_fs, size_t n_numa, size_t n_perf, size_t n_resctrl, size_t n_accel, bool net)
{
    l->percpu = 0;
    l->io = l->percpu + n_percpu * sizeof(uint64_t);
    l->hugetlb = l->io + n_io * sizeof(struct cadv_io_entry);
    l->ifaces = l->hugetlb + n_hugetlb * sizeof(struct cadv_hugetlb_entry);
    l->fs = l->ifaces + n_ifaces * sizeof(struct cadv_iface_stats);
    l->numa = l->fs + n_fs * sizeof(struct cadv_fs_stats);
    l->perf = l->numa + n_numa * sizeof(struct cadv_numa_entry);
    l->resctrl = l->perf + n_perf * sizeof(struct cadv_perf_entry);
    l->accel = l->resctrl + n_resctrl * sizeof(struct cadv_resctrl_entry);
    l->net = l->accel + n_accel * sizeof(struct cadv_accel_entry);
    l->total = l->net + (net ? sizeof(struct cadv_net_extra) : 0);
}

static void point_arrays(struct cadv_sample *s, const struct layout *l, bool net)
{
    char *a = s->arena;

    s->percpu = (uint64_t *)(void *)(a + l->percpu);
    s->io = (struct cadv_io_entry *)(void *)(a + l->io);
    s->hugetlb = (struct cadv_hugetlb_entry *)(void *)(a + l->hugetlb);
    s->ifaces = (struct cadv_iface_stats *)(void *)(a + l->ifaces);
    s->fs = (struct cadv_fs_stats *)(void *)(a + l->fs);
    s->numa = (struct cadv_numa_entry *)(void *)(a + l->numa);
    s->perf = (struct cadv_perf_entry *)(void *)(a + l->perf);
    s->resctrl = (struct cadv_resctrl_entry *)(void *)(a + l->resctrl);
    s->accel = (struct cadv_accel_entry *)(void *)(a + l->accel);
    s->net = net ? (struct cadv_net_extra *)(void *)(a + l->net) : NULL;
}

static void ensure_arena(struct cadv_sample *s, size_t n)
{
    if (n <= s->arena_cap && s->arena)
        return;
    free(s->arena);
    s->arena = cadv_xmalloc(n);
    s->arena_cap = n;
}

void cadv_sample_init(struct cadv_sample *s)
{
    memset(s, 0, sizeof(*s));
}

void cadv_sample_init_scratch(struct cadv_sample *s)
{
    struct layout l;

    memset(s, 0, sizeof(*s));
    layout_of(&l, CADV_MAX_PERCPU, CADV_MAX_IO, CADV_MAX_HUGETLB, CADV_MAX_IFACES, CADV_MAX_FS, CADV_MAX_NUMA,
              CADV_MAX_PERF, CADV_MAX_RESCTRL, CADV_MAX_ACCEL, true);
    s->arena = cadv_xcalloc(1, l.total);
    s->arena_cap = l.total;
    point_arrays(s, &l, true);
}

void cadv_sample_done(struct cadv_sample *s)
{
    free(s->arena);
    memset(s, 0, sizeof(*s));
}

void cadv_samples_free(struct cadv_sample *arr, size_t n)
{
    if (!arr)
        return;
    for (size_t i = 0; i < n; i++)
        cadv_sample_done(&arr[i]);
    free(arr);
}

void cadv_sample_clear(struct cadv_sample *s)
{
    memset(&s->c, 0, sizeof(s->c));
    s->n_percpu = s->n_io = s->n_hugetlb = s->n_ifaces = s->n_fs = s->n_numa = s->n_perf = s->n_resctrl =
            s->n_accel = 0;
    if (s->net)
        memset(s->net, 0, sizeof(*s->net));
}

/* Packing: a sequence of LEB128 varints. Words of the core, then the counts, then each array's words
 * (strings as a length then raw bytes). */
static void put_varint(struct cadv_buf *out, uint64_t v)
{
    uint8_t tmp[10];
    size_t n = 0;

    do {
        uint8_t b = v & 0x7f;

        v >>= 7;
        tmp[n++] = v ? (uint8_t)(b | 0x80) : b;
    } while (v);
    cadv_buf_append(out, tmp, n);
}

static void put_words(struct cadv_buf *out, const void *p, size_t bytes)
{
    const uint64_t *w = p;

    for (size_t i = 0; i < bytes / sizeof(uint64_t); i++)
        put_varint(out, w[i]);
}

static void put_str(struct cadv_buf *out, const char *s, size_t cap)
{
    size_t n = strnlen(s, cap - 1);

    put_varint(out, n);
    cadv_buf_append(out, s, n);
}

void cadv_sample_pack(const struct cadv_sample *s, struct cadv_buf *out)
{
    put_words(out, &s->c, sizeof(s->c));
    put_varint(out, s->n_percpu);
    put_varint(out, s->n_io);
    put_varint(out, s->n_hugetlb);
    put_varint(out, s->n_ifaces);
    put_varint(out, s->n_fs);
    put_varint(out, s->n_numa);
    put_varint(out, s->n_perf);
    put_varint(out, s->n_resctrl);
    put_varint(out, s->n_accel);
    put_varint(out, s->net != NULL);
    put_words(out, s->percpu, s->n_percpu * sizeof(uint64_t));
    put_words(out, s->io, s->n_io * sizeof(struct cadv_io_entry));
    put_words(out, s->hugetlb, s->n_hugetlb * sizeof(struct cadv_hugetlb_entry));
    for (uint32_t i = 0; i < s->n_ifaces; i++) {
        put_str(out, s->ifaces[i].name, sizeof(s->ifaces[i].name));
        put_words(out, &s->ifaces[i].rx_bytes, sizeof(s->ifaces[i]) - sizeof(s->ifaces[i].name));
    }
    for (uint32_t i = 0; i < s->n_fs; i++) {
        put_str(out, s->fs[i].device, sizeof(s->fs[i].device));
        put_str(out, s->fs[i].type, sizeof(s->fs[i].type));
        put_words(out, &s->fs[i].capacity, sizeof(s->fs[i]) - offsetof(struct cadv_fs_stats, capacity));
    }
    put_words(out, s->numa, s->n_numa * sizeof(struct cadv_numa_entry));
    put_words(out, s->perf, s->n_perf * sizeof(struct cadv_perf_entry));
    put_words(out, s->resctrl, s->n_resctrl * sizeof(struct cadv_resctrl_entry));
    put_words(out, s->accel, s->n_accel * sizeof(struct cadv_accel_entry));
    if (s->net)
        put_words(out, s->net, sizeof(*s->net));
}

struct reader {
    const uint8_t *p, *end;
    bool bad;
};

static uint64_t get_varint(struct reader *r)
{
    uint64_t v = 0;
    unsigned shift = 0;

    while (r->p < r->end && shift < 64) {
        uint8_t b = *r->p++;

        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return v;
        shift += 7;
    }
    r->bad = true;
    return 0;
}

static void get_words(struct reader *r, void *p, size_t bytes)
{
    uint64_t *w = p;

    for (size_t i = 0; i < bytes / sizeof(uint64_t); i++)
        w[i] = get_varint(r);
}

static void get_str(struct reader *r, char *dst, size_t cap)
{
    uint64_t n = get_varint(r);

    if (n >= cap || n > (uint64_t)(r->end - r->p)) {
        r->bad = true;
        dst[0] = '\0';
        return;
    }
    memcpy(dst, r->p, n);
    dst[n] = '\0';
    r->p += n;
}

int cadv_sample_unpack(const uint8_t *p, size_t n, struct cadv_sample *dst)
{
    struct reader r = {.p = p, .end = p + n};
    uint64_t cnt[10];
    struct layout l;

    get_words(&r, &dst->c, sizeof(dst->c));
    for (int i = 0; i < 10; i++)
        cnt[i] = get_varint(&r);
    if (r.bad || cnt[0] > CADV_MAX_PERCPU || cnt[1] > CADV_MAX_IO || cnt[2] > CADV_MAX_HUGETLB ||
        cnt[3] > CADV_MAX_IFACES || cnt[4] > CADV_MAX_FS || cnt[5] > CADV_MAX_NUMA ||
        cnt[6] > CADV_MAX_PERF || cnt[7] > CADV_MAX_RESCTRL || cnt[8] > CADV_MAX_ACCEL || cnt[9] > 1)
        return -EBADMSG;
    layout_of(&l, cnt[0], cnt[1], cnt[2], cnt[3], cnt[4], cnt[5], cnt[6], cnt[7], cnt[8], cnt[9]);
    ensure_arena(dst, l.total ? l.total : 1);
    memset(dst->arena, 0, l.total);
    point_arrays(dst, &l, cnt[9]);
    dst->n_percpu = (uint32_t)cnt[0];
    dst->n_io = (uint32_t)cnt[1];
    dst->n_hugetlb = (uint32_t)cnt[2];
    dst->n_ifaces = (uint32_t)cnt[3];
    dst->n_fs = (uint32_t)cnt[4];
    dst->n_numa = (uint32_t)cnt[5];
    dst->n_perf = (uint32_t)cnt[6];
    dst->n_resctrl = (uint32_t)cnt[7];
    dst->n_accel = (uint32_t)cnt[8];
    get_words(&r, dst->percpu, dst->n_percpu * sizeof(uint64_t));
    get_words(&r, dst->io, dst->n_io * sizeof(struct cadv_io_entry));
    get_words(&r, dst->hugetlb, dst->n_hugetlb * sizeof(struct cadv_hugetlb_entry));
    for (uint32_t i = 0; i < dst->n_ifaces; i++) {
        get_str(&r, dst->ifaces[i].name, sizeof(dst->ifaces[i].name));
        get_words(&r, &dst->ifaces[i].rx_bytes, sizeof(dst->ifaces[i]) - sizeof(dst->ifaces[i].name));
    }
    for (uint32_t i = 0; i < dst->n_fs; i++) {
        get_str(&r, dst->fs[i].device, sizeof(dst->fs[i].device));
        get_str(&r, dst->fs[i].type, sizeof(dst->fs[i].type));
        get_words(&r, &dst->fs[i].capacity, sizeof(dst->fs[i]) - offsetof(struct cadv_fs_stats, capacity));
    }
    get_words(&r, dst->numa, dst->n_numa * sizeof(struct cadv_numa_entry));
    get_words(&r, dst->perf, dst->n_perf * sizeof(struct cadv_perf_entry));
    get_words(&r, dst->resctrl, dst->n_resctrl * sizeof(struct cadv_resctrl_entry));
    get_words(&r, dst->accel, dst->n_accel * sizeof(struct cadv_accel_entry));
    if (dst->net)
        get_words(&r, dst->net, sizeof(*dst->net));
    if (r.bad || r.p != r.end)
        return -EBADMSG;
    return 0;
}

bool cadv_sample_stats_equal(const struct cadv_sample *a, const struct cadv_sample *b)
{
    struct cadv_sample_core ca = a->c, cb = b->c;

    ca.timestamp_ns = cb.timestamp_ns = 0;
    ca.detail_timestamp_ns = cb.detail_timestamp_ns = 0;
    if (memcmp(&ca, &cb, sizeof(ca)) != 0)
        return false;
    if (a->n_percpu != b->n_percpu || a->n_io != b->n_io || a->n_hugetlb != b->n_hugetlb ||
        a->n_ifaces != b->n_ifaces || a->n_fs != b->n_fs || a->n_numa != b->n_numa ||
        a->n_perf != b->n_perf || a->n_resctrl != b->n_resctrl || a->n_accel != b->n_accel ||
        (!a->net) != (!b->net))
        return false;
    if ((a->n_percpu && memcmp(a->percpu, b->percpu, a->n_percpu * sizeof(uint64_t)) != 0) ||
        (a->n_io && memcmp(a->io, b->io, a->n_io * sizeof(*a->io)) != 0) ||
        (a->n_hugetlb && memcmp(a->hugetlb, b->hugetlb, a->n_hugetlb * sizeof(*a->hugetlb)) != 0) ||
        (a->n_ifaces && memcmp(a->ifaces, b->ifaces, a->n_ifaces * sizeof(*a->ifaces)) != 0) ||
        (a->n_fs && memcmp(a->fs, b->fs, a->n_fs * sizeof(*a->fs)) != 0) ||
        (a->n_numa && memcmp(a->numa, b->numa, a->n_numa * sizeof(*a->numa)) != 0) ||
        (a->n_perf && memcmp(a->perf, b->perf, a->n_perf * sizeof(*a->perf)) != 0) ||
        (a->n_resctrl && memcmp(a->resctrl, b->resctrl, a->n_resctrl * sizeof(*a->resctrl)) != 0) ||
        (a->n_accel && memcmp(a->accel, b->accel, a->n_accel * sizeof(*a->accel)) != 0))
        return false;
    return !a->net || memcmp(a->net, b->net, sizeof(*a->net)) == 0;
}

void cadv_hugetlb_size_text(uint64_t pagesize_bytes, char *out, size_t size)
{
    static const char *const units[] = {"B", "KB", "MB", "GB", "TB", "PB"};
    double v = (double)pagesize_bytes;
    int u = 0;

    while (v >= 1024.0 && u < 5) {
        v /= 1024.0;
        u++;
    }
    (void)snprintf(out, size, "%g%s", v, units[u]);
}
