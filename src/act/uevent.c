/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdint.h>

#include "act/uevent.h"

/* No libc at all below (see uevent.h): these are all the string helpers it needs. */
static bool has_prefix(const char *s, const char *prefix, const char **ret_rest)
{
        while (*prefix)
                if (*s++ != *prefix++)
                        return false;
        *ret_rest = s;
        return true;
}

static bool bytes_equal(const char *a, const char *b, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (a[i] != b[i])
                        return false;
        return true;
}

static uint32_t read_u32(const char *p)
{
        uint32_t v;
        __builtin_memcpy(&v, p, sizeof v);
        return v;
}

/* udevd's header (libudev's struct udev_monitor_netlink_header): "libudev\0", magic (big endian), header size,
 * properties offset and length, then filter hashes we do not need. */
#define LIBUDEV_PREFIX_SIZE 8
#define LIBUDEV_MAGIC 0xfeedcafeU
#define LIBUDEV_HEADER_MIN (LIBUDEV_PREFIX_SIZE + 4 * 4)

bool uevent_parse(char *buf, size_t n, Uevent *ret)
{
        size_t start, end;

        *ret = (Uevent) {};
        if (!buf || n == 0)
                return false;
        buf[n] = '\0';

        if (n >= LIBUDEV_HEADER_MIN && bytes_equal(buf, "libudev", LIBUDEV_PREFIX_SIZE)) {
                uint32_t magic = __builtin_bswap32(read_u32(buf + 8));
                uint32_t off = read_u32(buf + 16), len = read_u32(buf + 20);

                if (magic != LIBUDEV_MAGIC || off < LIBUDEV_HEADER_MIN || off > n || len > n - off)
                        return false;
                start = off;
                end = off + len;
                buf[end] = '\0'; /* the last property ends here, whatever follows */
        } else {
                /* "ACTION@DEVPATH": the first string; the properties follow it. */
                size_t i = 0;
                while (i < n && buf[i] != '\0' && buf[i] != '@')
                        i++;
                if (i == 0 || i >= n || buf[i] != '@')
                        return false;
                while (i < n && buf[i] != '\0')
                        i++;
                start = i + 1;
                end = n;
        }

        for (size_t i = start; i < end;) {
                const char *p = buf + i, *v;
                size_t l = 0;

                while (i + l < end && p[l] != '\0')
                        l++;
                if (has_prefix(p, "ACTION=", &v))
                        ret->action = v;
                else if (has_prefix(p, "DEVPATH=", &v))
                        ret->devpath = v;
                else if (has_prefix(p, "SUBSYSTEM=", &v))
                        ret->subsystem = v;
                else if (has_prefix(p, "DRIVER=", &v))
                        ret->driver = v;
                i += l + 1;
        }
        return ret->action && ret->devpath;
}

const char *uevent_devpath_name(const Uevent *e)
{
        const char *name = NULL;

        if (!e->devpath)
                return NULL;
        for (const char *p = e->devpath; *p; p++)
                if (*p == '/' && p[1] != '\0')
                        name = p + 1;
        return name;
}
