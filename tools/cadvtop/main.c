/* SPDX-License-Identifier: Apache-2.0 */
/* cadvtop - a live, sortable, full-screen table of the containers of a host, read from cadv or
 * cAdvisor over its REST API (--url), refreshed every second; --batch prints it once.
 *
 * One thread: fetch (libcurl, bounded bodies), build the rows (rows.c), draw (ncurses), wait for a
 * key up to the refresh interval. A failed fetch keeps the last table and shows the error. */
#include <curl/curl.h>
#include <curses.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rows.h"

#define BODY_MAX (512u << 20) /* a bigger answer is refused: 512 MiB of JSON is not a container list */

struct body {
    char *data;
    size_t len;
    bool too_big;
};

struct opts {
    const char *url;
    bool batch, raw, reverse;
    enum top_sort sort;
    long interval_ms;
};

struct client {
    CURL *curl;
    struct opts o;
    int64_t machine_mem;
    char error[CURL_ERROR_SIZE + 512];
};

static size_t on_data(char *p, size_t size, size_t n, void *arg)
{
    struct body *b = arg;
    size_t k = size * n;
    char *d;

    if (b->len + k > BODY_MAX) {
        b->too_big = true;
        return 0;
    }
    d = realloc(b->data, b->len + k + 1);
    if (!d)
        abort();
    memcpy(d + b->len, p, k);
    b->len += k;
    d[b->len] = '\0';
    b->data = d;
    return k;
}

/* GETs url + path into *b (NUL-terminated). Returns 0, or -EIO with c->error set. */
static int get(struct client *c, const char *path, struct body *b)
{
    char url[4096], cerr[CURL_ERROR_SIZE] = "";
    long status = 0;
    CURLcode r;

    *b = (struct body){0};
    snprintf(url, sizeof(url), "%s%s", c->o.url, path);
    curl_easy_setopt(c->curl, CURLOPT_URL, url);
    curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, b);
    curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, cerr);
    curl_easy_setopt(c->curl, CURLOPT_TIMEOUT, 10L);
    curl_easy_setopt(c->curl, CURLOPT_ACCEPT_ENCODING, "");
    r = curl_easy_perform(c->curl);
    curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
    if (r == CURLE_OK && status == 200)
        return 0;
    if (b->too_big)
        snprintf(c->error, sizeof(c->error), "%.300s: answer larger than %u MiB", url, BODY_MAX >> 20);
    else if (r != CURLE_OK)
        snprintf(c->error, sizeof(c->error), "%.300s: %s", url, cerr[0] ? cerr : curl_easy_strerror(r));
    else
        snprintf(c->error, sizeof(c->error), "%.300s: HTTP %ld %.200s", url, status, b->data ? b->data : "");
    free(b->data);
    *b = (struct body){0};
    return -EIO;
}

/* The machine's memory (shown as the limit of unlimited containers); 0 when unknown. */
static int64_t machine_memory(struct client *c)
{
    struct body b;
    json_t *m;
    int64_t v = 0;

    if (get(c, "/api/v1.3/machine", &b) < 0)
        return 0;
    m = json_loadb(b.data, b.len, 0, NULL);
    if (json_is_integer(json_object_get(m, "memory_capacity")))
        v = (int64_t)json_integer_value(json_object_get(m, "memory_capacity"));
    json_decref(m);
    free(b.data);
    return v;
}

/* One refresh: /api/v2.1/stats gives every container's spec (names, limits) and its last two
 * samples (for CPU %) in one answer. */
static int fetch(struct client *c, struct top_table *ret)
{
    struct body st;
    int r;

    if (get(c, "/api/v2.1/stats/?recursive=true&count=2", &st) < 0)
        return -EIO;
    r = top_table_parse(st.data, st.len, NULL, 0, c->machine_mem, ret, c->error, sizeof(c->error));
    free(st.data);
    if (r == 0)
        top_table_sort(ret, c->o.sort, c->o.reverse);
    return r;
}

static int name_width(const struct top_table *t, int max)
{
    int w = 4;

    for (size_t i = 0; i < t->n; i++) {
        int n = (int)strlen(t->rows[i].name);

        w = n > w ? n : w;
    }
    return max > 0 && w > max ? max : w;
}

static int batch(struct client *c)
{
    struct top_table t = {0};
    char line[1024];
    int w;

    if (fetch(c, &t) < 0) {
        fprintf(stderr, "cadvtop: %s\n", c->error);
        return 1;
    }
    w = name_width(&t, 0);
    top_header_format(line, sizeof(line), w, c->o.raw);
    puts(line);
    for (size_t i = 0; i < t.n; i++) {
        char *row = NULL;
        size_t n = (size_t)w + 200;

        row = malloc(n);
        if (!row)
            abort();
        top_row_format(&t.rows[i], row, n, w, c->o.raw);
        puts(row);
        free(row);
    }
    top_table_done(&t);
    return fflush(stdout) == 0 ? 0 : 1;
}

static void draw(const struct client *c, const struct top_table *t, size_t top, bool failed)
{
    char line[1024];
    int rows = LINES, w = name_width(t, COLS > 120 ? COLS - 100 : 20);

    erase();
    attron(A_BOLD);
    mvprintw(0, 0, "cadvtop  %.60s  %zu containers  sort: %s%s", c->o.url, t->n, top_sort_label(c->o.sort),
             c->o.reverse ? " (reversed)" : "");
    attroff(A_BOLD);
    mvprintw(1, 0,
             "keys: c cpu  m memory  n name  x network  i block I/O  p pids  r reverse  arrows scroll  q "
             "quit");
    if (failed)
        mvprintw(2, 0, "error: %.*s", COLS > 8 ? COLS - 8 : 0, c->error);
    top_header_format(line, sizeof(line), w, false);
    attron(A_REVERSE);
    mvprintw(3, 0, "%-*.*s", COLS, COLS, line);
    attroff(A_REVERSE);
    for (size_t i = top; i < t->n && (int)(i - top) + 4 < rows; i++) {
        top_row_format(&t->rows[i], line, sizeof(line), w, false);
        mvprintw((int)(i - top) + 4, 0, "%.*s", COLS, line);
    }
    refresh();
}

/* A key press: new sort (1), scroll or nothing (0), quit (-1). */
static int on_key(struct client *c, int ch, size_t *top, size_t n)
{
    static const struct {
        int ch;
        enum top_sort key;
    } keys[] = {{'c', TOP_SORT_CPU}, {'m', TOP_SORT_MEM}, {'n', TOP_SORT_NAME},
                {'x', TOP_SORT_NET}, {'i', TOP_SORT_IO},  {'p', TOP_SORT_PIDS}};

    if (ch == 'q' || ch == 'Q' || ch == 27)
        return -1;
    if (ch == 'r') {
        c->o.reverse = !c->o.reverse;
        return 1;
    }
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        if (ch == keys[i].ch) {
            c->o.reverse = c->o.sort == keys[i].key ? c->o.reverse : false;
            c->o.sort = keys[i].key;
            return 1;
        }
    if ((ch == KEY_DOWN || ch == 'j') && *top + 1 < n)
        (*top)++;
    else if ((ch == KEY_UP || ch == 'k') && *top > 0)
        (*top)--;
    else if (ch == KEY_NPAGE)
        *top = *top + (size_t)LINES < n ? *top + (size_t)LINES : *top;
    else if (ch == KEY_PPAGE)
        *top = *top > (size_t)LINES ? *top - (size_t)LINES : 0;
    return 0;
}

static int interactive(struct client *c)
{
    struct top_table t = {0};
    size_t top = 0;
    bool failed = false, quit = false;

    initscr();
    cbreak();
    noecho();
    keypad(stdscr, TRUE);
    curs_set(0);
    while (!quit) {
        struct top_table next = {0};
        int ch;

        failed = fetch(c, &next) < 0;
        if (!failed) {
            top_table_done(&t);
            t = next;
        }
        draw(c, &t, top, failed);
        timeout((int)c->o.interval_ms);
        /* keys are handled at once; the table is fetched again when the interval passes */
        while ((ch = getch()) != ERR) {
            int k = on_key(c, ch, &top, t.n);

            if (k < 0) {
                quit = true;
                break;
            }
            if (k > 0)
                top_table_sort(&t, c->o.sort, c->o.reverse);
            draw(c, &t, top, failed);
        }
    }
    endwin();
    top_table_done(&t);
    return 0;
}

static void usage(FILE *out)
{
    fputs("Usage: cadvtop [--url URL] [--batch] [--raw] [--sort KEY] [--reverse] [--interval MS]\n"
          "Live table of the containers of a cadv or cAdvisor (its REST API, /api/v2.0).\n"
          "  --url URL       base URL of cadv or cAdvisor (default http://127.0.0.1:8080)\n"
          "  --batch         print the table once and exit (for scripts)\n"
          "  --raw           with --batch: byte counts instead of KiB/MiB/GiB\n"
          "  --sort KEY      cpu (default), mem, name, net, io, pids\n"
          "  --reverse       reverse the order\n"
          "  --interval MS   refresh interval of the live view (default 1000)\n"
          "Keys: c m n x i p sort by cpu, memory, name, network, block I/O, pids; r reverse; q quit.\n",
          out);
}

static int parse_args(int argc, char **argv, struct opts *o)
{
    static const struct option longs[] = {
            {"url", required_argument, NULL, 'u'}, {"batch", no_argument, NULL, 'b'},
            {"raw", no_argument, NULL, 'R'},       {"sort", required_argument, NULL, 's'},
            {"reverse", no_argument, NULL, 'r'},   {"interval", required_argument, NULL, 'i'},
            {"help", no_argument, NULL, 'h'},      {NULL, 0, NULL, 0},
    };
    int ch, k;
    char *end;

    *o = (struct opts){.url = "http://127.0.0.1:8080", .sort = TOP_SORT_CPU, .interval_ms = 1000};
    while ((ch = getopt_long(argc, argv, "u:bRs:ri:h", longs, NULL)) != -1) {
        switch (ch) {
        case 'u':
            o->url = optarg;
            break;
        case 'b':
            o->batch = true;
            break;
        case 'R':
            o->raw = true;
            break;
        case 's':
            if ((k = top_sort_parse(optarg)) < 0) {
                fprintf(stderr, "cadvtop: unknown sort key '%s' (cpu, mem, name, net, io, pids)\n", optarg);
                return 2;
            }
            o->sort = (enum top_sort)k;
            break;
        case 'r':
            o->reverse = true;
            break;
        case 'i':
            errno = 0;
            o->interval_ms = strtol(optarg, &end, 10);
            if (errno || *end || o->interval_ms < 100 || o->interval_ms > 3600000) {
                fprintf(stderr, "cadvtop: --interval takes milliseconds, 100 to 3600000\n");
                return 2;
            }
            break;
        case 'h':
            usage(stdout);
            return 1;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "cadvtop: unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct client c = {0};
    char *url;
    size_t n;
    int r = parse_args(argc, argv, &c.o);

    if (r)
        return r == 1 ? 0 : 2;
    n = strlen(c.o.url);
    while (n > 0 && c.o.url[n - 1] == '/')
        n--;
    c.o.url = url = strndup(c.o.url, n);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    c.curl = curl_easy_init();
    if (!c.o.url || !c.curl)
        abort();
    c.machine_mem = machine_memory(&c);
    r = c.o.batch ? batch(&c) : interactive(&c);
    curl_easy_cleanup(c.curl);
    curl_global_cleanup();
    free(url);
    return r;
}
