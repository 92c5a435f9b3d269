/* SPDX-License-Identifier: Apache-2.0 */
/* replay_main.c - runs a libFuzzer target over every file of a corpus directory (and over a few
 * synthetic inputs), so fuzz-found crashes stay fixed in the ordinary test run. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf;
    long n;

    if (!f)
        return -1;
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return -1;
    }
    buf = malloc((size_t)n + 1);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        fclose(f);
        return -1;
    }
    fclose(f);
    /* Every prefix of the input too: truncated kernel files happen. */
    for (long i = 0; i <= n; i += (n > 256 ? n / 64 + 1 : 1))
        LLVMFuzzerTestOneInput(buf, (size_t)i);
    LLVMFuzzerTestOneInput(buf, (size_t)n);
    free(buf);
    return 0;
}

int main(int argc, char **argv)
{
    static const char *const synth[] = {"", "\n", "\0\0\0", " : = \n\n", "99999999999999999999999999"};
    int files = 0;

    for (size_t i = 0; i < sizeof(synth) / sizeof(synth[0]); i++)
        LLVMFuzzerTestOneInput((const uint8_t *)synth[i], strlen(synth[i]) + (i == 2 ? 3 : 0));
    for (int a = 1; a < argc; a++) {
        DIR *d = opendir(argv[a]);
        struct dirent *e;

        if (!d) {
            fprintf(stderr, "replay: cannot open corpus %s\n", argv[a]);
            return 1;
        }
        while ((e = readdir(d))) {
            char path[4096];

            if (e->d_name[0] == '.')
                continue;
            snprintf(path, sizeof(path), "%s/%s", argv[a], e->d_name);
            if (run_file(path) == 0)
                files++;
        }
        closedir(d);
    }
    printf("replayed %d corpus files\n", files);
    return 0;
}
