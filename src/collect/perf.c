/* SPDX-License-Identifier: Apache-2.0 */
/* perf.c - perf event counters per container cgroup (see perf.h). */
#include "collect/perf.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <linux/perf_event.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifdef CADV_HAVE_LIBPFM
#    include <perfmon/pfmlib_perf_event.h>
#endif

#include "collect/perf_uncore.h"
#include "core/dynlib.h"
#include "core/errmsg.h"
#include "core/fileio.h"
#include "core/xalloc.h"
#include "model/sample.h"

struct perf_event_def {
    char name[CADV_PERF_NAME_MAX];
    uint32_t group; /* index of its group (the events of a group are scheduled together) */
    bool uncore;
    bool custom; /* type/config come from "custom_events" */
    bool ok;     /* resolved */
    struct perf_event_attr attr;
};

struct custom_def {
    char name[CADV_PERF_NAME_MAX];
    uint32_t type;
    uint64_t config[3];
};

/* One uncore counter to open: an uncore event on one PMU and one CPU of its cpumask. */
struct uncore_inst {
    uint32_t event; /* index into ev */
    uint32_t cpu;
    int32_t socket;
    char pmu[CADV_UNCORE_PMU_NAME_MAX];
    struct perf_event_attr attr;
};

struct cadv_perf_config {
    struct perf_event_def *ev; /* core events first, then uncore */
    size_t n_ev, n_core;
    struct custom_def *custom; /* core custom events, then uncore ones */
    size_t n_custom, n_core_custom;
    struct uncore_inst *uncore;
    size_t n_uncore;
};

/* cAdvisor parses custom configs with strconv.ParseUint(s, 0, 64): "0x..", "0..", decimal. */
static int parse_u64(const char *s, uint64_t *ret)
{
    char *end;
    int base = 10;

    if (s[0] == '\0' || s[0] == '-' || s[0] == '+' || s[0] == ' ')
        return -EINVAL;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        base = 16, s += 2;
    else if (s[0] == '0' && (s[1] == 'o' || s[1] == 'O'))
        base = 8, s += 2;
    else if (s[0] == '0' && (s[1] == 'b' || s[1] == 'B'))
        base = 2, s += 2;
    else if (s[0] == '0' && s[1] != '\0')
        base = 8, s += 1;
    if (s[0] == '\0' || s[0] == '-' || s[0] == '+' || s[0] == ' ')
        return -EINVAL;
    errno = 0;
    *ret = strtoull(s, &end, base);
    return errno || *end ? -EINVAL : 0;
}

static int add_event(struct cadv_perf_config *cfg, const char *name, uint32_t group, bool uncore, char *err,
                     size_t cap)
{
    struct perf_event_def *e;

    if (cfg->n_ev >= CADV_PERF_MAX_EVENTS) {
        cadv_errmsg(err, cap, "more than %d events", CADV_PERF_MAX_EVENTS);
        return -E2BIG;
    }
    if (name[0] == '\0' || strlen(name) >= CADV_PERF_NAME_MAX) {
        cadv_errmsg(err, cap, "event name empty or longer than %d bytes", CADV_PERF_NAME_MAX - 1);
        return -EINVAL;
    }
    e = &cfg->ev[cfg->n_ev++];
    memset(e, 0, sizeof(*e));
    strcpy(e->name, name);
    e->group = group;
    e->uncore = uncore;
    return 0;
}

/* "events": [name | [name, ...], ...]. */
static int parse_groups(struct cadv_perf_config *cfg, json_t *events, bool uncore, uint32_t *group, char *err,
                        size_t cap)
{
    size_t i, j;
    json_t *g, *n;
    int r;

    if (!json_is_array(events)) {
        cadv_errmsg(err, cap, "\"events\" must be an array");
        return -EINVAL;
    }
    json_array_foreach(events, i, g)
    {
        if (json_is_string(g)) {
            r = add_event(cfg, json_string_value(g), (*group)++, uncore, err, cap);
            if (r < 0)
                return r;
            continue;
        }
        if (!json_is_array(g) || json_array_size(g) == 0) {
            cadv_errmsg(err, cap, "an element of \"events\" must be a name or a non-empty array of names");
            return -EINVAL;
        }
        json_array_foreach(g, j, n)
        {
            if (!json_is_string(n)) {
                cadv_errmsg(err, cap, "an event group must hold names only");
                return -EINVAL;
            }
            r = add_event(cfg, json_string_value(n), *group, uncore, err, cap);
            if (r < 0)
                return r;
        }
        (*group)++;
    }
    return 0;
}

static int parse_custom(struct cadv_perf_config *cfg, json_t *arr, char *err, size_t cap)
{
    size_t i, j;
    json_t *o, *v;

    if (!json_is_array(arr)) {
        cadv_errmsg(err, cap, "\"custom_events\" must be an array");
        return -EINVAL;
    }
    json_array_foreach(arr, i, o)
    {
        json_t *type = json_object_get(o, "type"), *conf = json_object_get(o, "config");
        json_t *name = json_object_get(o, "name");
        struct custom_def *c;

        if (cfg->n_custom >= CADV_PERF_MAX_EVENTS) {
            cadv_errmsg(err, cap, "more than %d custom events", CADV_PERF_MAX_EVENTS);
            return -E2BIG;
        }
        if (!json_is_object(o) || !json_is_string(name) || json_string_length(name) == 0 ||
            json_string_length(name) >= CADV_PERF_NAME_MAX || (type && !json_is_integer(type)) ||
            (type && (json_integer_value(type) < 0 || json_integer_value(type) > UINT32_MAX)) ||
            !json_is_array(conf) || json_array_size(conf) > 3) {
            cadv_errmsg(err, cap,
                        "custom event %zu: needs \"name\", \"type\" (u32) and \"config\" (up to 3 strings)",
                        i);
            return -EINVAL;
        }
        c = &cfg->custom[cfg->n_custom++];
        memset(c, 0, sizeof(*c));
        strcpy(c->name, json_string_value(name));
        c->type = type ? (uint32_t)json_integer_value(type) : 0;
        json_array_foreach(conf, j, v)
        {
            if (!json_is_string(v) || parse_u64(json_string_value(v), &c->config[j]) < 0) {
                cadv_errmsg(err, cap, "custom event \"%s\": config %zu is not an unsigned number", c->name,
                            j);
                return -EINVAL;
            }
        }
    }
    return 0;
}

static int parse_section(struct cadv_perf_config *cfg, json_t *sec, bool uncore, uint32_t *group, char *err,
                         size_t cap)
{
    json_t *events, *custom;
    int r;

    if (!sec || json_is_null(sec))
        return 0;
    if (!json_is_object(sec)) {
        cadv_errmsg(err, cap, "\"%s\" must be an object", uncore ? "uncore" : "core");
        return -EINVAL;
    }
    events = json_object_get(sec, "events");
    custom = json_object_get(sec, "custom_events");
    if (events && !json_is_null(events)) {
        r = parse_groups(cfg, events, uncore, group, err, cap);
        if (r < 0)
            return r;
    }
    if (custom && !json_is_null(custom))
        return parse_custom(cfg, custom, err, cap);
    return 0;
}

int cadv_perf_config_parse(const char *json, size_t len, struct cadv_perf_config **ret, char *err, size_t cap)
{
    struct cadv_perf_config *cfg;
    json_error_t jerr;
    json_t *root;
    uint32_t group = 0;
    int r;

    if (len > CADV_PERF_CONFIG_MAX_BYTES) {
        cadv_errmsg(err, cap, "config larger than %u bytes", CADV_PERF_CONFIG_MAX_BYTES);
        return -E2BIG;
    }
    root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        cadv_errmsg(err, cap, "invalid JSON at line %d: %s", jerr.line, jerr.text);
        return -EINVAL;
    }
    if (!json_is_object(root)) {
        json_decref(root);
        cadv_errmsg(err, cap, "the config must be a JSON object");
        return -EINVAL;
    }
    cfg = cadv_xcalloc(1, sizeof(*cfg));
    cfg->ev = cadv_xcalloc(CADV_PERF_MAX_EVENTS, sizeof(*cfg->ev));
    cfg->custom = cadv_xcalloc(CADV_PERF_MAX_EVENTS, sizeof(*cfg->custom));
    r = parse_section(cfg, json_object_get(root, "core"), false, &group, err, cap);
    cfg->n_core = cfg->n_ev;
    cfg->n_core_custom = cfg->n_custom;
    if (r >= 0)
        r = parse_section(cfg, json_object_get(root, "uncore"), true, &group, err, cap);
    json_decref(root);
    if (r < 0) {
        cadv_perf_config_free(cfg);
        return r;
    }
    *ret = cfg;
    return 0;
}

int cadv_perf_config_load(const char *path, struct cadv_perf_config **ret, char *err, size_t cap)
{
    char *buf = cadv_xmalloc(CADV_PERF_CONFIG_MAX_BYTES + 1);
    size_t n = 0;
    int r;

    r = cadv_read_at(AT_FDCWD, path, buf, CADV_PERF_CONFIG_MAX_BYTES + 1, &n);
    if (r >= 0 && n > CADV_PERF_CONFIG_MAX_BYTES)
        r = -EFBIG;
    if (r < 0)
        cadv_errmsg(err, cap, "cannot read %s: %s", path, strerror(-r));
    else
        r = cadv_perf_config_parse(buf, n, ret, err, cap);
    free(buf);
    return r;
}

struct cadv_perf_config *cadv_perf_config_free(struct cadv_perf_config *cfg)
{
    if (cfg) {
        free(cfg->ev);
        free(cfg->custom);
        free(cfg->uncore);
        free(cfg);
    }
    return NULL;
}

/* The kernel's generic event names (perf list), for builds without libpfm4 and names it lacks. */
static const struct {
    const char *name;
    uint32_t type;
    uint64_t config;
} generic_events[] = {
        {"cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES},
        {"cpu-cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES},
        {"instructions", PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS},
        {"cache-references", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_REFERENCES},
        {"cache-misses", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_MISSES},
        {"branches", PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_INSTRUCTIONS},
        {"branch-instructions", PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_INSTRUCTIONS},
        {"branch-misses", PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_MISSES},
        {"bus-cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_BUS_CYCLES},
        {"stalled-cycles-frontend", PERF_TYPE_HARDWARE, PERF_COUNT_HW_STALLED_CYCLES_FRONTEND},
        {"stalled-cycles-backend", PERF_TYPE_HARDWARE, PERF_COUNT_HW_STALLED_CYCLES_BACKEND},
        {"ref-cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_REF_CPU_CYCLES},
        {"cpu-clock", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK},
        {"task-clock", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK},
        {"page-faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS},
        {"faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS},
        {"context-switches", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CONTEXT_SWITCHES},
        {"cs", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CONTEXT_SWITCHES},
        {"cpu-migrations", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_MIGRATIONS},
        {"migrations", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_MIGRATIONS},
        {"minor-faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS_MIN},
        {"major-faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS_MAJ},
        {"alignment-faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_ALIGNMENT_FAULTS},
        {"emulation-faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_EMULATION_FAULTS},
};

static void attr_init(struct perf_event_attr *a, uint32_t type, const uint64_t config[3])
{
    memset(a, 0, sizeof(*a));
    a->size = sizeof(*a);
    a->type = type;
    a->config = config[0];
    a->config1 = config[1];
    a->config2 = config[2];
}

static bool resolve_generic(struct perf_event_def *e)
{
    for (size_t i = 0; i < sizeof(generic_events) / sizeof(generic_events[0]); i++) {
        if (strcmp(generic_events[i].name, e->name) == 0) {
            attr_init(&e->attr, generic_events[i].type, (const uint64_t[3]){generic_events[i].config, 0, 0});
            return true;
        }
    }
    return false;
}

#ifdef CADV_HAVE_LIBPFM
/* libpfm4, loaded when an event name needs it (core/dynlib.h) */
static struct {
    __typeof__(pfm_initialize) *initialize;
    __typeof__(pfm_get_os_event_encoding) *get_os_event_encoding;
} pfm;
static const struct cadv_dynsym pfm_syms[] = {
        CADV_DYNSYM(pfm, initialize, pfm_initialize),
        CADV_DYNSYM(pfm, get_os_event_encoding, pfm_get_os_event_encoding),
};
static struct cadv_dynlib pfm_lib = CADV_DYNLIB("libpfm.so.4", pfm, pfm_syms);

/* Why libpfm4's event names are unavailable ("libpfm.so.4: not found"), or NULL. */
static const char *pfm_missing(void)
{
    const char *why = NULL;

    return cadv_dynlib_load(&pfm_lib, &why) < 0 ? why : NULL;
}

static bool resolve_pfm(const char *name, struct perf_event_attr *ret)
{
    static atomic_int pfm_state; /* 0 unknown, 1 ready, -1 failed */
    pfm_perf_encode_arg_t arg;
    struct perf_event_attr attr;

    if (atomic_load(&pfm_state) == 0)
        atomic_store(&pfm_state, !pfm_missing() && pfm.initialize() == PFM_SUCCESS ? 1 : -1);
    if (atomic_load(&pfm_state) < 0)
        return false;
    memset(&arg, 0, sizeof(arg));
    memset(&attr, 0, sizeof(attr));
    arg.attr = &attr;
    arg.size = sizeof(arg);
    if (pfm.get_os_event_encoding(name, PFM_PLM0 | PFM_PLM3, PFM_OS_PERF_EVENT, &arg) != PFM_SUCCESS)
        return false;
    attr_init(ret, attr.type, (const uint64_t[3]){attr.config, attr.config1, attr.config2});
    return true;
}
#else
static const char *pfm_missing(void)
{
    return "built without libpfm4's headers";
}

static bool resolve_pfm(const char *name, struct perf_event_attr *ret)
{
    (void)name;
    (void)ret;
    return false;
}
#endif

size_t cadv_perf_config_resolve(struct cadv_perf_config *cfg, cadv_perf_report_cb report, void *userdata)
{
    size_t ok = 0;

    for (size_t i = 0; i < cfg->n_core; i++) {
        struct perf_event_def *e = &cfg->ev[i];

        e->ok = false;
        for (size_t j = 0; j < cfg->n_core_custom && !e->ok; j++) {
            if (strcmp(cfg->custom[j].name, e->name) == 0) {
                attr_init(&e->attr, cfg->custom[j].type, cfg->custom[j].config);
                e->custom = e->ok = true;
            }
        }
        if (!e->ok)
            e->ok = resolve_pfm(e->name, &e->attr) || resolve_generic(e);
        if (!e->ok && report) {
            const char *no_pfm = pfm_missing();
            char why[256];

            (void)snprintf(why, sizeof(why),
                           "unknown event name (not a custom event, libpfm4 or kernel name%s%s)",
                           no_pfm ? "; libpfm4: " : "", no_pfm ? no_pfm : "");
            report(userdata, e->name, why);
        }
        ok += e->ok;
    }
    return ok;
}

/* ---- uncore events: counted system-wide per PMU and CPU of its cpumask, for the root only ---- */

static const struct custom_def *uncore_custom(const struct cadv_perf_config *cfg, const char *name)
{
    for (size_t j = cfg->n_core_custom; j < cfg->n_custom; j++)
        if (strcmp(cfg->custom[j].name, name) == 0)
            return &cfg->custom[j];
    return NULL;
}

static size_t group_size(const struct cadv_perf_config *cfg, uint32_t group)
{
    size_t n = 0;

    for (size_t i = cfg->n_core; i < cfg->n_ev; i++)
        n += cfg->ev[i].group == group;
    return n;
}

/* Adds one counter per CPU of pmu's cpumask for event ev. */
static void add_uncore(struct cadv_perf_config *cfg, uint32_t ev, const struct cadv_uncore_pmu *pmu,
                       const struct perf_event_attr *attr, const char *sys_root)
{
    for (size_t k = 0; k < pmu->n_cpus && cfg->n_uncore < CADV_PERF_MAX_UNCORE; k++) {
        struct uncore_inst *u = &cfg->uncore[cfg->n_uncore++];

        u->event = ev;
        u->cpu = pmu->cpus[k];
        u->socket = cadv_uncore_socket_of_cpu(sys_root, pmu->cpus[k]);
        (void)snprintf(u->pmu, sizeof(u->pmu), "%s", pmu->name);
        u->attr = *attr;
    }
}

/* The attr of event name on pmu: custom (config as given), a sysfs alias or term list, else libpfm4
 * (its type replaced by the PMU's, as cAdvisor does). Returns 0 or a negative errno with why. */
static int uncore_attr(const char *sys_root, const struct cadv_uncore_pmu *pmu,
                       const struct custom_def *custom, const char *name, struct perf_event_attr *ret,
                       char *why, size_t cap)
{
    uint64_t config[3];
    int r;

    if (custom) {
        attr_init(ret, pmu->type, custom->config);
        return 0;
    }
    r = cadv_uncore_event_encode(sys_root, pmu, name, config, why, cap);
    if (r == -ENOENT && resolve_pfm(name, ret)) {
        ret->type = pmu->type;
        return 0;
    }
    if (r >= 0)
        attr_init(ret, pmu->type, config);
    return r;
}

static bool uncore_resolve_event(struct cadv_perf_config *cfg, uint32_t ev,
                                 const struct cadv_uncore_pmu *pmus, size_t n_pmus, const char *sys_root,
                                 char *why, size_t cap)
{
    const struct perf_event_def *e = &cfg->ev[ev];
    const struct custom_def *custom = uncore_custom(cfg, e->name);
    const char *slash = strchr(e->name, '/'), *name = slash ? slash + 1 : e->name;
    char prefix[CADV_PERF_NAME_MAX] = "";
    size_t matched = 0;

    if (slash)
        (void)snprintf(prefix, sizeof(prefix), "%.*s", (int)(slash - e->name), e->name);
    if (custom && custom->type != 0)
        strcpy(prefix, "uncore");
    (void)snprintf(why, cap, "no uncore PMU named \"%s*\" (name events \"<pmu prefix>/<event>\")", prefix);
    if (prefix[0] == '\0')
        return false;
    for (size_t p = 0; p < n_pmus; p++) {
        struct perf_event_attr attr;

        if (strncmp(pmus[p].name, prefix, strlen(prefix)) != 0 ||
            (custom && custom->type != 0 && custom->type != pmus[p].type))
            continue;
        if (uncore_attr(sys_root, &pmus[p], custom, name, &attr, why, cap) < 0)
            continue;
        add_uncore(cfg, ev, &pmus[p], &attr, sys_root);
        matched++;
    }
    return matched > 0;
}

size_t cadv_perf_config_resolve_uncore(struct cadv_perf_config *cfg, const char *sys_root,
                                       cadv_perf_report_cb report, void *userdata)
{
    struct cadv_uncore_pmu *pmus = NULL;
    char why[512];
    int n_pmus;

    cfg->n_uncore = 0;
    if (cfg->n_ev == cfg->n_core)
        return 0;
    free(cfg->uncore);
    cfg->uncore = cadv_xcalloc(CADV_PERF_MAX_UNCORE, sizeof(*cfg->uncore));
    n_pmus = cadv_uncore_pmus_discover(sys_root, &pmus);
    for (size_t i = cfg->n_core; i < cfg->n_ev; i++) {
        bool ok = false;

        if (n_pmus <= 0)
            (void)snprintf(why, sizeof(why), "no uncore PMU under %s/bus/event_source/devices", sys_root);
        else if (group_size(cfg, cfg->ev[i].group) > 1)
            (void)snprintf(why, sizeof(why), "grouping uncore perf events is not supported");
        else
            ok = uncore_resolve_event(cfg, (uint32_t)i, pmus, (size_t)n_pmus, sys_root, why, sizeof(why));
        if (!ok && report)
            report(userdata, cfg->ev[i].name, why);
    }
    free(pmus);
    return cfg->n_uncore;
}

size_t cadv_perf_config_n_uncore(const struct cadv_perf_config *cfg)
{
    return cfg->n_uncore;
}

static const char *uncore_info(const struct cadv_perf_config *cfg, size_t idx, const char **ret_pmu,
                               int *ret_socket, uint32_t *ret_cpu, uint64_t ret_config[3])
{
    const struct uncore_inst *u;

    if (!cfg || idx >= cfg->n_uncore)
        return NULL;
    u = &cfg->uncore[idx];
    if (ret_pmu)
        *ret_pmu = u->pmu;
    if (ret_socket)
        *ret_socket = u->socket;
    if (ret_cpu)
        *ret_cpu = u->cpu;
    if (ret_config) {
        ret_config[0] = u->attr.config;
        ret_config[1] = u->attr.config1;
        ret_config[2] = u->attr.config2;
    }
    return cfg->ev[u->event].name;
}

const char *cadv_perf_config_uncore(const struct cadv_perf_config *cfg, size_t idx, const char **ret_pmu,
                                    int *ret_socket, uint32_t *ret_cpu, uint32_t *ret_type,
                                    uint64_t ret_config[3])
{
    const char *name = uncore_info(cfg, idx, ret_pmu, ret_socket, ret_cpu, ret_config);

    if (name && ret_type)
        *ret_type = cfg->uncore[idx].attr.type;
    return name;
}

size_t cadv_perf_config_n_events(const struct cadv_perf_config *cfg)
{
    return cfg->n_core;
}

const char *cadv_perf_config_event_name(const struct cadv_perf_config *cfg, size_t idx)
{
    return idx < cfg->n_core ? cfg->ev[idx].name : "";
}

static _Atomic(const struct cadv_perf_config *) installed;

void cadv_perf_config_install(const struct cadv_perf_config *cfg)
{
    atomic_store(&installed, cfg);
}

const char *cadv_perf_event_name(uint64_t idx)
{
    const struct cadv_perf_config *cfg = atomic_load(&installed);

    return cfg && idx < cfg->n_core ? cfg->ev[idx].name : "";
}

const char *cadv_perf_uncore_name(uint64_t event, const char **ret_pmu, int *ret_socket)
{
    const char *name = NULL;

    if (cadv_perf_event_is_uncore(event))
        name = uncore_info(atomic_load(&installed), (size_t)(event & ~CADV_PERF_UNCORE_BIT), ret_pmu,
                           ret_socket, NULL, NULL);
    if (!name) {
        *ret_pmu = "";
        *ret_socket = -1;
    }
    return name ? name : "";
}

static bool is_dir(const char *path)
{
    return access(path, F_OK) == 0;
}

int cadv_perf_cgroup_dir(const char *cgroup_root, const char *name, char *buf, size_t cap)
{
    static const char *const layouts[][2] = {
            {"/perf_event", "/perf_event"},        /* cgroup v1 */
            {"/cgroup.controllers", ""},           /* pure v2 */
            {"/unified/cgroup.procs", "/unified"}, /* hybrid: perf_event on the unified mount */
    };
    char probe[4096];
    int n;

    if (strcmp(name, "/") == 0)
        name = "";
    for (size_t i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++) {
        n = snprintf(probe, sizeof(probe), "%s%s", cgroup_root, layouts[i][0]);
        if (n < 0 || (size_t)n >= sizeof(probe))
            return -ENAMETOOLONG;
        if (!is_dir(probe))
            continue;
        n = snprintf(buf, cap, "%s%s%s", cgroup_root, layouts[i][1], name);
        return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
    }
    return -ENOENT;
}

/* One open counter: an event on one CPU. */
struct counter {
    int fd;
    uint32_t event; /* index of the core event, or of the uncore counter when uncore */
    uint32_t cpu;
    bool uncore;
};

struct cadv_perf_counters {
    struct counter *c;
    size_t n;
};

static atomic_int fd_budget = INT_MAX, fds_held;

void cadv_perf_set_fd_budget(int fds)
{
    atomic_store(&fd_budget, fds);
}

/* Reserves n fds of the budget. */
static bool fds_reserve(int n)
{
    int held = atomic_load(&fds_held);

    do {
        if (n > atomic_load(&fd_budget) - held)
            return false;
    } while (!atomic_compare_exchange_weak(&fds_held, &held, held + n));
    return true;
}

static int perf_open(struct perf_event_attr *attr, int cgroup_fd, int cpu, int group_fd)
{
    long fd = syscall(SYS_perf_event_open, attr, cgroup_fd, cpu, group_fd,
                      PERF_FLAG_PID_CGROUP | PERF_FLAG_FD_CLOEXEC);

    return fd < 0 ? -errno : (int)fd;
}

/* Online CPUs from /sys/devices/system/cpu/online ("0-3,5"); at most cap. */
static size_t online_cpus(uint32_t *cpus, size_t cap)
{
    char buf[1024], *p = buf, *end;
    size_t n = 0, len = 0;

    if (cadv_read_at(AT_FDCWD, "/sys/devices/system/cpu/online", buf, sizeof(buf) - 1, &len) < 0)
        len = 0;
    buf[len] = '\0';
    for (;;) {
        unsigned long a = strtoul(p, &end, 10), b = a;

        if (end == p)
            break;
        if (*end == '-')
            b = strtoul(end + 1, &end, 10);
        for (unsigned long i = a; i <= b && n < cap; i++)
            cpus[n++] = (uint32_t)i;
        if (*end != ',')
            break;
        p = end + 1;
    }
    if (n == 0) /* no sysfs: assume CPUs 0..N-1 */
        for (long i = 0; i < sysconf(_SC_NPROCESSORS_ONLN) && n < cap; i++)
            cpus[n++] = (uint32_t)i;
    return n;
}

int cadv_perf_counters_open(const struct cadv_perf_config *cfg, const char *cgroup_dir,
                            struct cadv_perf_counters **ret)
{
    uint32_t *cpus;
    struct cadv_perf_counters *pc;
    size_t n_cpus, n_ok = 0;
    int cg_fd, first_err = -ENOENT;

    cg_fd = open(cgroup_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (cg_fd < 0)
        return -errno;
    cpus = cadv_xcalloc(CADV_MAX_PERCPU, sizeof(*cpus));
    n_cpus = online_cpus(cpus, CADV_MAX_PERCPU);
    for (size_t i = 0; i < cfg->n_core; i++)
        n_ok += cfg->ev[i].ok;
    if (n_ok == 0 || !fds_reserve((int)(n_cpus * n_ok))) {
        close(cg_fd);
        free(cpus);
        return n_ok == 0 ? -ENOENT : -EMFILE;
    }
    pc = cadv_xcalloc(1, sizeof(*pc));
    pc->c = cadv_xcalloc(n_cpus * cfg->n_core + 1, sizeof(*pc->c));
    for (size_t k = 0; k < n_cpus; k++) {
        int leader = -1;
        uint32_t leader_group = UINT32_MAX;

        for (size_t i = 0; i < cfg->n_core; i++) {
            struct perf_event_attr attr = cfg->ev[i].attr;
            int fd;

            if (!cfg->ev[i].ok)
                continue;
            if (cfg->ev[i].group != leader_group)
                leader = -1;
            attr.read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
            if (leader < 0)
                attr.disabled = 1;
            fd = perf_open(&attr, cg_fd, (int)cpus[k], leader);
            if (fd < 0) {
                if (first_err == -ENOENT)
                    first_err = fd;
                continue;
            }
            if (leader < 0) {
                leader = fd;
                leader_group = cfg->ev[i].group;
            }
            pc->c[pc->n++] = (struct counter){fd, (uint32_t)i, cpus[k], false};
        }
    }
    close(cg_fd);
    free(cpus);
    atomic_fetch_sub(&fds_held, (int)(n_cpus * n_ok - pc->n)); /* the reservation not used */
    for (size_t i = 0; i < pc->n; i++)
        (void)ioctl(pc->c[i].fd, PERF_EVENT_IOC_ENABLE, 0);
    if (pc->n == 0) {
        cadv_perf_counters_free(pc);
        return first_err;
    }
    *ret = pc;
    return 0;
}

static int perf_open_cpu(struct perf_event_attr *attr, int cpu)
{
    long fd = syscall(SYS_perf_event_open, attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);

    return fd < 0 ? -errno : (int)fd;
}

int cadv_perf_counters_open_uncore(const struct cadv_perf_config *cfg, struct cadv_perf_counters **pc)
{
    struct cadv_perf_counters *p = *pc;
    size_t opened = 0;
    int first_err = 0;

    if (cfg->n_uncore == 0)
        return 0;
    if (!fds_reserve((int)cfg->n_uncore))
        return -EMFILE;
    if (!p)
        p = cadv_xcalloc(1, sizeof(*p));
    p->c = cadv_xrealloc(p->c, (p->n + cfg->n_uncore + 1) * sizeof(*p->c));
    for (size_t i = 0; i < cfg->n_uncore; i++) {
        struct perf_event_attr attr = cfg->uncore[i].attr;
        int fd;

        attr.read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
        attr.disabled = 1;
        fd = perf_open_cpu(&attr, (int)cfg->uncore[i].cpu);
        if (fd < 0) {
            first_err = first_err ? first_err : fd;
            continue;
        }
        (void)ioctl(fd, PERF_EVENT_IOC_ENABLE, 0);
        p->c[p->n++] = (struct counter){fd, (uint32_t)i, cfg->uncore[i].cpu, true};
        opened++;
    }
    atomic_fetch_sub(&fds_held, (int)(cfg->n_uncore - opened));
    if (p->n == 0) {
        cadv_perf_counters_free(p);
        p = NULL;
    }
    *pc = p;
    return opened > 0 ? (int)opened : first_err;
}

struct cadv_perf_counters *cadv_perf_counters_free(struct cadv_perf_counters *pc)
{
    if (!pc)
        return NULL;
    for (size_t i = pc->n; i-- > 0;) /* members before their leader */
        close(pc->c[i].fd);
    atomic_fetch_sub(&fds_held, (int)pc->n);
    free(pc->c);
    free(pc);
    return NULL;
}

void cadv_perf_scale(uint64_t raw, uint64_t enabled, uint64_t running, uint64_t *ret_value, double *ret_ratio)
{
    double ratio = 1.0;

    if (enabled != 0 && running != 0)
        ratio = (double)running / (double)enabled;
    *ret_value = ratio == 1.0 ? raw : (uint64_t)((double)raw / ratio);
    *ret_ratio = ratio;
}

int cadv_perf_counters_read(struct cadv_perf_counters *pc, struct cadv_sample *s)
{
    uint32_t n = 0;

    for (size_t i = 0; i < pc->n && n < CADV_MAX_PERF; i++) {
        uint64_t v[3]; /* value, time enabled, time running */
        struct cadv_perf_entry *e = &s->perf[n];
        double ratio;
        ssize_t r = read(pc->c[i].fd, v, sizeof(v));

        if (r != (ssize_t)sizeof(v))
            continue; /* a counter the kernel could not read this time is left out, as cAdvisor */
        e->event = pc->c[i].uncore ? CADV_PERF_UNCORE_BIT | pc->c[i].event : pc->c[i].event;
        e->cpu = pc->c[i].cpu;
        cadv_perf_scale(v[0], v[1], v[2], &e->value, &ratio);
        memcpy(&e->scaling_ratio, &ratio, sizeof(ratio));
        n++;
    }
    s->n_perf = n;
    return (int)n;
}
