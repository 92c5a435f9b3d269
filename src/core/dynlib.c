/* SPDX-License-Identifier: Apache-2.0 */
#include "core/dynlib.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void load(struct cadv_dynlib *lib)
{
    void *h = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);

    if (!h) {
        /* "<file>: cannot open shared object file: No such file or directory"; the file may also be
         * a library that lib->soname needs: then the whole message says which. */
        const char *e = dlerror();
        size_t n = strlen(lib->soname);
        bool absent = !e || (strncmp(e, lib->soname, n) == 0 && e[n] == ':' && strstr(e, "No such file"));

        (void)snprintf(lib->error, sizeof(lib->error), "%s: %s", lib->soname, absent ? "not found" : e);
        lib->result = -ENOENT;
        return;
    }
    for (size_t i = 0; i < lib->n_syms; i++) {
        void *p = dlsym(h, lib->syms[i].name);

        if (!p) {
            (void)snprintf(lib->error, sizeof(lib->error), "%s lacks %s (another version?)", lib->soname,
                           lib->syms[i].name);
            lib->result = -ENOSYS;
            return;
        }
        /* POSIX: a function's address from dlsym converts to its function pointer type. */
        memcpy((char *)lib->table + lib->syms[i].offset, &p, sizeof(p));
    }
    lib->result = 0;
}

int cadv_dynlib_load(struct cadv_dynlib *lib, const char **ret_why)
{
    int r;

    pthread_mutex_lock(&lock);
    if (!lib->tried) {
        load(lib);
        lib->tried = true;
    }
    r = lib->result;
    pthread_mutex_unlock(&lock);
    if (r < 0 && ret_why)
        *ret_why = lib->error;
    return r;
}
