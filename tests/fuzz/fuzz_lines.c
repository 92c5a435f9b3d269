/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_lines.c - core/fileio.h's line iterator, which splits every kernel file read line by line
 * (/proc/<pid>/net files, cgroup.procs). The first byte picks the buffer size (2..65 bytes); the rest is
 * written to a memfd. Invariants: reading the file through the small buffer gives exactly the lines
 * and -EBADMSG reports of the in-memory iterator with the same limit; lines hold no '\n' and stay
 * inside the input; the end is reached. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/fileio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *in = (const char *)data + 1;
    struct cadv_lines f, m;
    char buf[65];
    size_t cap, n;
    int fd;

    if (size == 0)
        return 0;
    cap = 2 + data[0] % 64;
    n = size - 1;
    fd = memfd_create("fuzz_lines", MFD_CLOEXEC);
    if (fd < 0)
        return 0;
    if (write(fd, in, n) != (ssize_t)n || lseek(fd, 0, SEEK_SET) != 0) {
        close(fd);
        return 0;
    }
    cadv_lines_init_fd(&f, fd, buf, cap);
    cadv_lines_init_mem(&m, in, n, cap - 1);
    for (size_t steps = 0;; steps++) {
        const char *fl = NULL, *ml = NULL;
        size_t fn = 0, mn = 0;
        int fr = cadv_lines_next(&f, &fl, &fn), mr = cadv_lines_next(&m, &ml, &mn);

        if (fr != mr || steps > n + 1)
            abort();
        if (fr == 0)
            break;
        if (fr == -EBADMSG)
            continue;
        if (fr != 1 || fn != mn || fn > cap - 1 || memcmp(fl, ml, fn) != 0 || memchr(ml, '\n', mn) ||
            ml < in || ml + mn > in + n)
            abort();
    }
    cadv_lines_done(&f);
    cadv_lines_done(&m);
    return 0;
}
