/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* NULL-terminated string arrays. */

#include <stdbool.h>
#include <stddef.h>

void strv_free(char **l);
size_t strv_length(char *const *l);
/* Append a copy of s. Returns 0 or -ENOMEM (l unchanged on failure). */
int strv_extend(char ***l, const char *s);
bool strv_contains(char *const *l, const char *s);
void strv_sort(char **l);

static inline void strv_freep(char ***l)
{
        strv_free(*l);
}
#define _cleanup_strv_free_ __attribute__((__cleanup__(strv_freep)))
