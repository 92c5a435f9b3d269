/* SPDX-License-Identifier: Apache-2.0 */
/* raw.c - acceptance rule of the raw runtime (cAdvisor's raw factory). */
#include "runtime/raw.h"

#include <stddef.h>
#include <string.h>

bool cadv_raw_accepts(bool docker_only, char *const *whitelist, const char *name)
{
    /* cAdvisor splits the flag on ',', so an unset flag is {""}: treat a missing list the same. */
    static char *const match_all[] = {(char *)"", NULL};

    if (strcmp(name, "/") == 0)
        return true;
    if (!whitelist || !whitelist[0])
        whitelist = match_all;
    /* cAdvisor tests only the first entry: "-docker_only" with ",/foo" still rejects every raw cgroup. */
    if (docker_only && whitelist[0][0] == '\0')
        return false;
    for (size_t i = 0; whitelist[i]; i++)
        if (strncmp(name, whitelist[i], strlen(whitelist[i])) == 0)
            return true;
    return false;
}
