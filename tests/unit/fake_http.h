/* SPDX-License-Identifier: Apache-2.0 */
/* fake_http.h - a tiny HTTP/1.1 server on a unix socket for runtime plugin tests: answers GETs from a
 * route table (exact path -> status and body), 404 otherwise, one request per connection, in a
 * thread. Header-only (static functions) for the test executables that include it. */
#pragma once

#include <criterion/criterion.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

struct fake_route {
    const char *path;
    int status;
    const char *body;
};

struct fake_http {
    char path[108];
    int lfd;
    pthread_t thr;
    atomic_int stop;
    atomic_int requests;
    const struct fake_route *routes;
    size_t n_routes;
};

static void fake_http_serve_one(struct fake_http *fs, int c)
{
    char req[4096], target[1024] = "", hdr[256];
    const char *body = "{\"message\":\"not found\"}";
    int status = 404;
    size_t n = 0;
    ssize_t k;

    while (n < sizeof(req) - 1 && (k = read(c, req + n, sizeof(req) - 1 - n)) > 0) {
        n += (size_t)k;
        req[n] = '\0';
        if (strstr(req, "\r\n\r\n"))
            break;
    }
    req[n] = '\0';
    atomic_fetch_add(&fs->requests, 1);
    if (sscanf(req, "GET %1023s ", target) == 1) {
        for (size_t i = 0; i < fs->n_routes; i++) {
            if (strcmp(fs->routes[i].path, target) == 0) {
                status = fs->routes[i].status;
                body = fs->routes[i].body;
                break;
            }
        }
    }
    snprintf(hdr, sizeof(hdr),
             "HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %zu\r\nConnection: "
             "close\r\n\r\n",
             status, strlen(body));
    (void)!send(c, hdr, strlen(hdr), MSG_NOSIGNAL);
    (void)!send(c, body, strlen(body), MSG_NOSIGNAL);
}

static void *fake_http_main(void *arg)
{
    struct fake_http *fs = arg;

    while (!atomic_load(&fs->stop)) {
        struct pollfd p = {.fd = fs->lfd, .events = POLLIN};
        int c;

        if (poll(&p, 1, 50) <= 0)
            continue;
        c = accept(fs->lfd, NULL, NULL);
        if (c < 0)
            continue;
        fake_http_serve_one(fs, c);
        close(c);
    }
    return NULL;
}

/* Listens on sock_path (replacing a stale file) and serves routes (borrowed) until fake_http_stop. */
static void fake_http_start(struct fake_http *fs, const char *sock_path, const struct fake_route *routes,
                            size_t n)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};

    memset(fs, 0, sizeof(*fs));
    snprintf(fs->path, sizeof(fs->path), "%s", sock_path);
    fs->routes = routes;
    fs->n_routes = n;
    unlink(fs->path);
    snprintf(a.sun_path, sizeof(a.sun_path), "%s", fs->path);
    fs->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    cr_assert_geq(fs->lfd, 0);
    cr_assert_eq(bind(fs->lfd, (struct sockaddr *)&a, sizeof(a)), 0);
    cr_assert_eq(listen(fs->lfd, 8), 0);
    cr_assert_eq(pthread_create(&fs->thr, NULL, fake_http_main, fs), 0);
}

static void fake_http_stop(struct fake_http *fs)
{
    atomic_store(&fs->stop, 1);
    pthread_join(fs->thr, NULL);
    close(fs->lfd);
    unlink(fs->path);
}
