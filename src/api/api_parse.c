/* SPDX-License-Identifier: Apache-2.0 */
/* api_parse.c - pure parsers of cAdvisor's HTTP surface (paths, v2 options, v1 body), reproducing
 * the Go code's behaviour and error texts: net/http's ServeMux cleanPath and path.Clean,
 * cmd/internal/api/handler.go (handleRequest, getContainerInfoRequest) and versions.go
 * (GetRequestOptions), strconv.Quote and time.ParseDuration's messages. */
#include "api/api_parse.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/parse.h"
#include "core/timeutil.h"
#include "core/xalloc.h"

/* ---- paths ---- */

char *cadv_path_clean(const char *p)
{
    size_t n = strlen(p), r = 0, w = 0, dotdot = 0;
    bool rooted = n > 0 && p[0] == '/';
    char *out;

    if (n == 0)
        return cadv_xstrdup(".");
    out = cadv_xmalloc(n + 3); /* "." or "..": at most n bytes plus a separator */
    if (rooted) {
        out[w++] = '/';
        r = dotdot = 1;
    }
    while (r < n) {
        if (p[r] == '/' || (p[r] == '.' && (r + 1 == n || p[r + 1] == '/'))) { /* empty or "." element */
            r++;
        } else if (p[r] == '.' && p[r + 1] == '.' && (r + 2 == n || p[r + 2] == '/')) {
            r += 2;
            if (w > dotdot) {
                w--;
                while (w > dotdot && out[w] != '/')
                    w--;
            } else if (!rooted) {
                if (w > 0)
                    out[w++] = '/';
                out[w++] = '.';
                out[w++] = '.';
                dotdot = w;
            }
        } else {
            if ((rooted && w != 1) || (!rooted && w != 0))
                out[w++] = '/';
            for (; r < n && p[r] != '/'; r++)
                out[w++] = p[r];
        }
    }
    if (w == 0)
        out[w++] = '.';
    out[w] = '\0';
    return out;
}

char *cadv_http_clean_path(const char *p)
{
    char *rooted, *np;
    size_t lp, lnp;

    if (!*p)
        return cadv_xstrdup("/");
    rooted = p[0] == '/' ? cadv_xstrdup(p) : cadv_xasprintf("/%s", p);
    np = cadv_path_clean(rooted);
    lp = strlen(rooted);
    lnp = strlen(np);
    if (rooted[lp - 1] == '/' && strcmp(np, "/") != 0) {
        if (lp == lnp + 1 && strncmp(rooted, np, lnp) == 0) {
            free(np);
            return rooted;
        }
        np = cadv_xrealloc(np, lnp + 2);
        np[lnp] = '/';
        np[lnp + 1] = '\0';
    }
    free(rooted);
    return np;
}

/* ---- Go quoting ---- */

static const char hexdig[] = "0123456789abcdef";

/* Decodes one UTF-8 sequence at s (n > 0 bytes). Returns its length, or 0 if invalid. */
static size_t utf8_decode(const unsigned char *s, size_t n, unsigned *ret_cp)
{
    size_t len;
    unsigned cp;

    if (s[0] < 0x80) {
        *ret_cp = s[0];
        return 1;
    }
    if ((s[0] & 0xe0) == 0xc0) {
        len = 2;
        cp = s[0] & 0x1fu;
    } else if ((s[0] & 0xf0) == 0xe0) {
        len = 3;
        cp = s[0] & 0x0fu;
    } else if ((s[0] & 0xf8) == 0xf0) {
        len = 4;
        cp = s[0] & 0x07u;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3fu);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    *ret_cp = cp;
    return len;
}

/* unicode.IsPrint, approximated outside ASCII: C1 controls, the soft hyphen and the line/paragraph
 * separators are not printable; other valid code points are. */
static bool go_is_print(unsigned cp)
{
    if (cp < 0x80)
        return cp >= 0x20 && cp < 0x7f;
    return !(cp < 0xa0 || cp == 0xad || cp == 0x2028 || cp == 0x2029 || cp == 0xfeff);
}

static void put_hex(struct cadv_buf *out, const char *prefix, unsigned v, int digits)
{
    cadv_buf_puts(out, prefix);
    for (int i = digits - 1; i >= 0; i--)
        cadv_buf_putc(out, hexdig[(v >> (4 * i)) & 15]);
}

void cadv_go_quote(struct cadv_buf *out, const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    static const char esc_from[] = "\a\b\f\n\r\t\v";
    static const char esc_to[] = "abfnrtv";
    size_t i = 0;

    cadv_buf_putc(out, '"');
    while (i < n) {
        unsigned cp;
        size_t l = utf8_decode(s + i, n - i, &cp);
        const char *e;

        if (l == 0) {
            put_hex(out, "\\x", s[i], 2);
            i++;
            continue;
        }
        if (cp == '"' || cp == '\\') {
            cadv_buf_putc(out, '\\');
            cadv_buf_putc(out, (char)cp);
        } else if (go_is_print(cp)) {
            cadv_buf_append(out, s + i, l);
        } else if (cp != 0 && (e = strchr(esc_from, (int)cp)) != NULL) {
            cadv_buf_putc(out, '\\');
            cadv_buf_putc(out, esc_to[e - esc_from]);
        } else if (cp < 0x20 || cp == 0x7f) {
            put_hex(out, "\\x", cp, 2);
        } else if (cp < 0x10000) {
            put_hex(out, "\\u", cp, 4);
        } else {
            put_hex(out, "\\U", cp, 8);
        }
        i += l;
    }
    cadv_buf_putc(out, '"');
}

/* The time package's own quote(): bytes outside printable ASCII as \xHH. */
static void time_quote(struct cadv_buf *out, const char *s, size_t n)
{
    cadv_buf_putc(out, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c >= 0x80 || c < 0x20) {
            put_hex(out, "\\x", c, 2);
            continue;
        }
        if (c == '"' || c == '\\')
            cadv_buf_putc(out, '\\');
        cadv_buf_putc(out, (char)c);
    }
    cadv_buf_putc(out, '"');
}

/* ---- /api/<version>/<type><rest> ---- */

static const char *const version_names[_CADV_API_VERSION_MAX] = {"v1.0", "v1.1", "v1.2",
                                                                 "v1.3", "v2.0", "v2.1"};

/* SupportedRequestTypes of each version, sorted as handleRequest prints them. */
static const char *const version_types[_CADV_API_VERSION_MAX] = {
        "containers,machine",
        "containers,machine,subcontainers",
        "containers,docker,machine,subcontainers",
        "containers,docker,events,machine,subcontainers",
        "appmetrics,attributes,events,machine,ps,spec,stats,storage,summary,version",
        "appmetrics,attributes,events,machine,machinestats,ps,spec,stats,storage,summary,version",
};

bool cadv_api_version_has_type(enum cadv_api_version v, const char *type, size_t len)
{
    const char *p = version_types[v];

    while (*p) {
        size_t l = strcspn(p, ",");

        if (l == len && strncmp(p, type, len) == 0)
            return true;
        p += l;
        if (*p == ',')
            p++;
    }
    return false;
}

bool cadv_api_type_is(const struct cadv_api_path *p, const char *type)
{
    return strlen(type) == p->type_len && strncmp(p->type, type, p->type_len) == 0;
}

/* The leftmost match of `/api/([^/]+)/?([^/]+)?(.*)` (Go regexp: `.` stops at a newline). */
static bool api_regexp(const char *path, const char **ver, size_t *ver_len, const char **type,
                       size_t *type_len, const char **rest)
{
    const char *p = path;

    while ((p = strstr(p, "/api/")) != NULL) {
        const char *v = p + 5, *t;
        size_t vl = strcspn(v, "/");

        if (vl == 0) {
            p++;
            continue;
        }
        t = v + vl;
        if (*t == '/')
            t++;
        *ver = v;
        *ver_len = vl;
        *type = t;
        *type_len = strcspn(t, "/");
        *rest = t + *type_len;
        return true;
    }
    return false;
}

int cadv_api_parse_path(const char *path, struct cadv_api_path *ret, unsigned *ret_status,
                        struct cadv_buf *msg)
{
    const char *ver, *type, *rest;
    size_t ver_len, type_len;
    int v;

    if (strcmp(path, "/api") == 0 || strcmp(path, "/api/") == 0) {
        cadv_buf_puts(msg, "Supported API versions: v1.0,v1.1,v1.2,v1.3,v2.0,v2.1");
        *ret_status = 400;
        return -EINVAL;
    }
    if (!api_regexp(path, &ver, &ver_len, &type, &type_len, &rest)) {
        cadv_buf_puts(msg, "malformed request ");
        cadv_go_quote(msg, path, strlen(path));
        *ret_status = 500;
        return -EINVAL;
    }
    for (v = 0; v < _CADV_API_VERSION_MAX; v++)
        if (strlen(version_names[v]) == ver_len && strncmp(version_names[v], ver, ver_len) == 0)
            break;
    if (v == _CADV_API_VERSION_MAX) {
        cadv_buf_puts(msg, "unsupported API version ");
        cadv_go_quote(msg, ver, ver_len);
        *ret_status = 500;
        return -EINVAL;
    }
    if (type_len == 0) {
        cadv_buf_puts(msg, "Supported request types: ");
        cadv_go_quote(msg, version_types[v], strlen(version_types[v]));
        *ret_status = 400;
        return -EINVAL;
    }
    ret->version = (enum cadv_api_version)v;
    ret->type = type;
    ret->type_len = type_len;
    ret->rest = rest;
    return 0;
}

char *cadv_api_container_name(const char *rest)
{
    /* (.*) stops at a newline; rest begins with "/" unless empty, so Join("/", rest) = Clean(rest). */
    size_t n = strcspn(rest, "\n");
    char *r, *name;

    if (n == 0)
        return cadv_xstrdup("/");
    r = cadv_xstrndup(rest, n);
    name = cadv_path_clean(r);
    free(r);
    return name;
}

/* ---- v2 options ---- */

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool duration_unit_known(const char *u, size_t n)
{
    static const char *const units[] = {"ns", "us", "\xc2\xb5s", "\xce\xbcs", "ms", "s", "m", "h"};

    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
        if (strlen(units[i]) == n && memcmp(units[i], u, n) == 0)
            return true;
    return false;
}

/* time.ParseDuration's error text for s, which cadv_parse_duration rejected with -EINVAL: the first
 * segment that is malformed, lacks a unit or has an unknown one (overflow gives -ERANGE earlier). */
static void duration_error(const char *orig, struct cadv_buf *msg)
{
    const char *s = orig;

    if (*s == '-' || *s == '+')
        s++;
    while (*s) {
        const char *u;
        size_t pre, post = 0, ul;

        if (!(*s == '.' || is_digit(*s)))
            break;
        for (pre = 0; is_digit(s[pre]); pre++)
            ;
        s += pre;
        if (*s == '.') {
            s++;
            for (post = 0; is_digit(s[post]); post++)
                ;
            s += post;
        }
        if (pre == 0 && post == 0)
            break;
        for (ul = 0; s[ul] && s[ul] != '.' && !is_digit(s[ul]); ul++)
            ;
        if (ul == 0) {
            cadv_buf_puts(msg, "time: missing unit in duration ");
            time_quote(msg, orig, strlen(orig));
            return;
        }
        u = s;
        s += ul;
        if (!duration_unit_known(u, ul)) {
            cadv_buf_puts(msg, "time: unknown unit ");
            time_quote(msg, u, ul);
            cadv_buf_puts(msg, " in duration ");
            time_quote(msg, orig, strlen(orig));
            return;
        }
    }
    cadv_buf_puts(msg, "time: invalid duration ");
    time_quote(msg, orig, strlen(orig));
}

int cadv_api_parse_options(const char *type, const char *count, const char *recursive, const char *max_age,
                           struct cadv_api_options *ret, struct cadv_buf *msg)
{
    struct cadv_api_options o = {.idtype = CADV_API_ID_NAME, .count = 64};

    if (type && *type) {
        if (strcmp(type, "name") == 0) {
            o.idtype = CADV_API_ID_NAME;
        } else if (strcmp(type, "docker") == 0) {
            o.idtype = CADV_API_ID_DOCKER;
        } else if (strcmp(type, "podman") == 0) {
            o.idtype = CADV_API_ID_PODMAN;
        } else {
            cadv_buf_puts(msg, "unknown 'type' ");
            cadv_go_quote(msg, type, strlen(type));
            return -EINVAL;
        }
    }
    if (count && *count) {
        int64_t n;

        if (cadv_parse_i64(count, &n) < 0) {
            cadv_buf_printf(msg, "failed to parse 'count' option: %s", count);
            return -EINVAL;
        }
        if (n < -1) {
            cadv_buf_printf(msg, "invalid 'count' option: only -1 and larger values allowed, not %lld",
                            (long long)n);
            return -EINVAL;
        }
        o.count = n > INT_MAX ? INT_MAX : (int)n;
    }
    o.recursive = recursive && strcmp(recursive, "true") == 0;
    if (max_age && *max_age) {
        int r = cadv_parse_duration(max_age, &o.max_age_ns);

        if (r < 0) {
            cadv_buf_puts(msg, "failed to parse 'max_age' option: ");
            if (r == -EINVAL) {
                duration_error(max_age, msg);
            } else {
                cadv_buf_puts(msg, "time: invalid duration ");
                time_quote(msg, max_age, strlen(max_age));
            }
            return -EINVAL;
        }
        o.has_max_age = true;
    }
    *ret = o;
    return 0;
}

/* ---- v1 body ---- */

/* The JSON kind name Go's UnmarshalTypeError prints. */
static const char *json_kind(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "object";
    case JSON_ARRAY:
        return "array";
    case JSON_STRING:
        return "string";
    case JSON_TRUE:
    case JSON_FALSE:
        return "bool";
    default:
        return "number";
    }
}

/* Go's UnmarshalTypeError text, prefixed as getContainerInfoRequest does. */
static int type_error(struct cadv_buf *msg, const json_t *v, const char *go_type)
{
    cadv_buf_printf(msg, "unable to decode the json value: json: cannot unmarshal %s into Go %s",
                    json_kind(v), go_type);
    return -EINVAL;
}

/* A bound of the request as the store takes it (ns since the epoch, 0 = none). cAdvisor's store
 * treats Go's zero time as "no bound"; any other time is a real bound, also before 1970 (a start
 * there bounds nothing, an end there matches nothing) or past what uint64_t nanoseconds hold. */
static uint64_t bound_ns(int64_t sec, uint32_t nsec, bool is_end)
{
    if (sec == CADV_GO_ZERO_TIME_SEC && nsec == 0)
        return 0;
    if (sec < 0 || (sec == 0 && nsec == 0))
        return is_end ? 1 : 0; /* an end of 1 ns: no sample is that old */
    if ((uint64_t)sec > (UINT64_MAX - nsec) / CADV_NS_PER_SEC)
        return UINT64_MAX;
    return (uint64_t)sec * CADV_NS_PER_SEC + nsec;
}

static int body_time(const char *key, const json_t *v, uint64_t *ret, struct cadv_buf *msg)
{
    const char *s;
    uint32_t nsec;
    int64_t sec;

    if (json_is_null(v))
        return 0;
    if (!json_is_string(v)) {
        cadv_buf_printf(msg,
                        "unable to decode the json value: json: cannot unmarshal %s into Go struct field "
                        "ContainerInfoRequest.%s of type time.Time",
                        json_kind(v), key);
        return -EINVAL;
    }
    s = json_string_value(v);
    if (strlen(s) != json_string_length(v) || cadv_parse_rfc3339_sec(s, &sec, &nsec) < 0) {
        cadv_buf_puts(msg, "unable to decode the json value: parsing time ");
        cadv_go_quote(msg, s, json_string_length(v));
        cadv_buf_printf(msg, " for %s: not an RFC 3339 time", key);
        return -EINVAL;
    }
    *ret = bound_ns(sec, nsec, strcmp(key, "end") == 0);
    return 0;
}

static int body_fields(json_t *root, struct cadv_api_info_request *q, struct cadv_buf *msg)
{
    const char *key;
    json_t *v;
    int r;

    json_object_foreach(root, key, v)
    {
        if (strcasecmp(key, "num_stats") == 0) {
            json_int_t n;

            if (json_is_null(v))
                continue;
            if (!json_is_integer(v))
                return type_error(msg, v, "struct field ContainerInfoRequest.num_stats of type int");
            n = json_integer_value(v);
            q->num_stats = n > INT_MAX ? INT_MAX : n < 0 ? -1 : (int)n;
        } else if (strcasecmp(key, "start") == 0) {
            r = body_time("start", v, &q->start_ns, msg);
            if (r < 0)
                return r;
        } else if (strcasecmp(key, "end") == 0) {
            r = body_time("end", v, &q->end_ns, msg);
            if (r < 0)
                return r;
        }
    }
    return 0;
}

int cadv_api_parse_info_request(const char *body, size_t len, struct cadv_api_info_request *ret,
                                struct cadv_buf *msg)
{
    struct cadv_api_info_request q = {.num_stats = 60};
    json_error_t err;
    json_t *root;
    size_t i;
    int r = 0;

    /* An empty body is io.EOF for Go's decoder: the defaults. */
    for (i = 0; i < len && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' || body[i] == '\n'); i++)
        ;
    if (i == len) {
        *ret = q;
        return 0;
    }
    /* Go's Decoder reads one value and ignores what follows. */
    root = json_loadb(body, len, JSON_DECODE_ANY | JSON_DISABLE_EOF_CHECK | JSON_ALLOW_NUL, &err);
    if (!root) {
        cadv_buf_printf(msg, "unable to decode the json value: %s", err.text);
        return -EINVAL;
    }
    if (json_is_object(root))
        r = body_fields(root, &q, msg);
    else if (!json_is_null(root))
        r = type_error(msg, root, "value of type v1.ContainerInfoRequest");
    json_decref(root);
    if (r < 0)
        return r;
    *ret = q;
    return 0;
}
