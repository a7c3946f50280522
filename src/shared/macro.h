/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Small helpers in the style of systemd's and kmod's macro.h: automatic cleanup and friends. */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>

#define _cleanup_(x) __attribute__((__cleanup__(x)))
#define _unused_ __attribute__((__unused__))
#define _printf_(a, b) __attribute__((__format__(printf, a, b)))
#define _noreturn_ __attribute__((__noreturn__))
#define _pure_ __attribute__((__pure__))
#define _const_ __attribute__((__const__))
#define _likely_(x) (__builtin_expect(!!(x), 1))
#define _unlikely_(x) (__builtin_expect(!!(x), 0))

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))
#define STRLEN(x) (sizeof("" x "") - 1)

static inline void freep(void *p)
{
        free(*(void **)p);
}
#define _cleanup_free_ _cleanup_(freep)

static inline void closep(int *fd)
{
        if (*fd >= 0) {
                int saved = errno;
                close(*fd);
                errno = saved;
        }
}
#define _cleanup_close_ _cleanup_(closep)

static inline void fclosep(FILE **f)
{
        if (*f)
                fclose(*f);
}
#define _cleanup_fclose_ _cleanup_(fclosep)

static inline void closedirp(DIR **d)
{
        if (*d)
                closedir(*d);
}
#define _cleanup_closedir_ _cleanup_(closedirp)

/* Hand over ownership: returns the pointer and clears the variable, so cleanup does not free it. */
#define TAKE_PTR(p)                                   \
        ({                                            \
                __typeof__(p) _take_ = (p);           \
                (p) = NULL;                           \
                _take_;                               \
        })

#define TAKE_FD(fd)                                   \
        ({                                            \
                int _take_fd_ = (fd);                 \
                (fd) = -1;                            \
                _take_fd_;                            \
        })

#define streq(a, b) (strcmp((a), (b)) == 0)
#define strneq(a, b, n) (strncmp((a), (b), (n)) == 0)

static inline const char *strempty(const char *s)
{
        return s ? s : "";
}

static inline const char *strna(const char *s)
{
        return s ? s : "n/a";
}

static inline const char *yes_no(int b)
{
        return b ? "yes" : "no";
}

/* Negative errno from a libc call that sets errno; never returns 0 for a failure. */
static inline int negative_errno(void)
{
        return errno > 0 ? -errno : -EIO;
}

/* Makes room for one more element in *array (n in use, *allocated allocated), doubling from `first`: lists
 * built one element at a time stay linear. Returns false (array untouched) when memory runs out. */
static inline bool greedy_realloc(void **array, size_t *allocated, size_t n, size_t first, size_t size)
{
        size_t a;
        void *p;

        if (n < *allocated)
                return true;
        a = *allocated ? *allocated * 2 : first;
        if (a < *allocated || a > SIZE_MAX / size)
                return false;
        p = realloc(*array, a * size);
        if (!p)
                return false;
        *array = p;
        *allocated = a;
        return true;
}
#define GREEDY_REALLOC(array, allocated, n, first) \
        greedy_realloc((void **) &(array), &(allocated), (n), (first), sizeof *(array))

/* Makes room for `more` bytes after the first `used` of *buf (*allocated allocated), doubling from 4 KiB: text
 * put together piece by piece stays linear. Returns false (buffer untouched) when memory runs out. */
static inline bool greedy_reserve(char **buf, size_t *allocated, size_t used, size_t more)
{
        size_t a = *allocated ? *allocated : 4096;
        char *p;

        if (more > SIZE_MAX / 2 - used)
                return false;
        if (used + more <= *allocated)
                return true;
        while (a < used + more)
                a *= 2;
        p = realloc(*buf, a);
        if (!p)
                return false;
        *buf = p;
        *allocated = a;
        return true;
}
