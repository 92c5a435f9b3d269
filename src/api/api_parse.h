/* SPDX-License-Identifier: Apache-2.0 */
/* api_parse.h - the pure parsing steps of cAdvisor's HTTP surface, kept free of I/O so they can be
 * unit-tested and fuzzed: Go's path cleaning (ServeMux), the /api/<version>/<type><rest> split, the
 * v2 query options, the v1 request body, and Go's quoting used in error texts. Failures append
 * cAdvisor's exact reply text (without Go's trailing newline) to a caller's buffer. Thread-safe. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cadv_buf;

/* Go's path.Clean: lexical cleaning ("" gives "."). Returns a malloc'd string. */
char *cadv_path_clean(const char *p);
/* Go's ServeMux cleanPath: rooted path.Clean that keeps a trailing slash. Returns a malloc'd string. */
char *cadv_http_clean_path(const char *p);

/* Appends s (n bytes) quoted as Go's strconv.Quote (the %q verb) does. */
void cadv_go_quote(struct cadv_buf *out, const char *s, size_t n);

enum cadv_api_version {
    CADV_API_V1_0,
    CADV_API_V1_1,
    CADV_API_V1_2,
    CADV_API_V1_3,
    CADV_API_V2_0,
    CADV_API_V2_1,
    _CADV_API_VERSION_MAX,
};

/* A parsed API path. type and rest point into the parsed string. */
struct cadv_api_path {
    enum cadv_api_version version;
    const char *type; /* type_len bytes, never empty */
    size_t type_len;
    const char *rest; /* what follows the type: "" or starting with "/" */
};

/* Splits path ("/api" or "/api/..."; already cleaned) as cAdvisor's handleRequest does. Returns 0
 * with *ret filled, or -EINVAL with the reply status in *ret_status (400 for the version and type
 * listings, 500 otherwise) and its text appended to msg. */
int cadv_api_parse_path(const char *path, struct cadv_api_path *ret, unsigned *ret_status,
                        struct cadv_buf *msg);
/* True when p's request type is exactly type. */
bool cadv_api_type_is(const struct cadv_api_path *p, const char *type);
/* True when version v serves the request type (its own or inherited). */
bool cadv_api_version_has_type(enum cadv_api_version v, const char *type, size_t len);
/* The container name of a request: Go's path.Join("/", rest). Returns a malloc'd string. */
char *cadv_api_container_name(const char *rest);

enum cadv_api_idtype {
    CADV_API_ID_NAME,
    CADV_API_ID_DOCKER,
    CADV_API_ID_PODMAN,
};

/* v2 RequestOptions. */
struct cadv_api_options {
    enum cadv_api_idtype idtype; /* "type": name (default), docker, podman */
    int count;                   /* "count": 64 by default; -1 = all */
    bool recursive;              /* "recursive": only the literal "true" */
    bool has_max_age;            /* "max_age" given */
    int64_t max_age_ns;          /* may be negative (Go accepts it) */
};

/* Parses the v2 query options from their raw values (NULL or "" = absent), as GetRequestOptions.
 * Returns 0, or -EINVAL with cAdvisor's error text appended to msg (served with status 500). */
int cadv_api_parse_options(const char *type, const char *count, const char *recursive, const char *max_age,
                           struct cadv_api_options *ret, struct cadv_buf *msg);

/* v1 ContainerInfoRequest. */
struct cadv_api_info_request {
    int num_stats;     /* 60 by default; negative = all */
    uint64_t start_ns; /* 0 = unbounded */
    uint64_t end_ns;   /* 0 = unbounded */
};

/* Decodes the optional JSON body {"num_stats":int,"start":time,"end":time} (keys matched
 * case-insensitively, unknown keys and trailing data ignored, empty body = defaults). Returns 0, or
 * -EINVAL with "unable to decode the json value: ..." appended to msg (served with status 500). */
int cadv_api_parse_info_request(const char *body, size_t len, struct cadv_api_info_request *ret,
                                struct cadv_buf *msg);
