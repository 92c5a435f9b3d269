/* SPDX-License-Identifier: Apache-2.0 */
/* main.c - placeholder until the modules are wired (foundation issue in progress). */
#include <stdio.h>

int main(void)
{
    puts("cadv " CADV_VERSION);
    return 0;
}
