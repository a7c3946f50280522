/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/features.h"
#include "shared/macro.h"

_printf_(3, 4) static int fail(char *problem, size_t problem_size, const char *fmt, ...)
{
        va_list ap;

        if (problem && problem_size > 0) {
                va_start(ap, fmt);
                vsnprintf(problem, problem_size, fmt, ap);
                va_end(ap);
        }
        return -EINVAL;
}

int virtio_features_parse(const char *s, uint64_t *ret_word, char *problem, size_t problem_size)
{
        uint64_t word = 0;
        size_t n;

        if (!s)
                return fail(problem, problem_size, "no feature string");

        /* Bounded scan: a huge input must not cost more than the limit. */
        n = strnlen(s, VIRTIO_FEATURES_MAX_CHARS + 2);
        if (n > 0 && s[n - 1] == '\n')
                n--;
        else if (n == VIRTIO_FEATURES_MAX_CHARS + 2)
                n = VIRTIO_FEATURES_MAX_CHARS + 1; /* longer than the limit, whatever follows */

        if (n == 0)
                return fail(problem, problem_size, "empty feature string");
        if (n > VIRTIO_FEATURES_MAX_CHARS)
                return fail(problem, problem_size, "feature string longer than %d characters",
                            VIRTIO_FEATURES_MAX_CHARS);
        if (n < VIRTIO_FEATURES_MIN_CHARS)
                return fail(problem, problem_size, "feature string too short: %zu characters, at least %d expected",
                            n, VIRTIO_FEATURES_MIN_CHARS);

        for (size_t i = 0; i < n; i++) {
                if (s[i] != '0' && s[i] != '1')
                        return fail(problem, problem_size,
                                    "feature string has a character other than 0 or 1 at position %zu", i);
                if (i < 64 && s[i] == '1')
                        word |= UINT64_C(1) << i;
        }

        if (ret_word)
                *ret_word = word;
        return 0;
}

int virtio_features_format(uint64_t word, size_t n, char *buf, size_t size)
{
        if (n < VIRTIO_FEATURES_MIN_CHARS || n > VIRTIO_FEATURES_MAX_CHARS || size < n + 1)
                return -EINVAL;

        for (size_t i = 0; i < n; i++)
                buf[i] = i < 64 && ((word >> i) & 1) ? '1' : '0';
        buf[n] = 0;
        return 0;
}
