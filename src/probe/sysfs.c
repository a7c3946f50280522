/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "probe/probe.h"
#include "probe/sysfs.h"
#include "shared/macro.h"
#include "shared/strv.h"

/* Parse 1–max_digits hex digits at *p; advance *p. */
static int hex_field(const char **p, unsigned max_digits, unsigned long *ret)
{
        const char *s = *p;
        unsigned long v = 0;
        unsigned n = 0;

        while (isxdigit((unsigned char) s[n])) {
                if (n == max_digits)
                        return -EINVAL;
                v = v * 16 + (unsigned long) (isdigit((unsigned char) s[n]) ? s[n] - '0'
                                                                              : tolower((unsigned char) s[n]) - 'a' + 10);
                n++;
        }
        if (n == 0)
                return -EINVAL;
        *p = s + n;
        *ret = v;
        return 0;
}

int pci_address_normalize(const char *s, char ret[PCI_ADDRESS_MAX])
{
        unsigned long a, b, domain = 0, bus, dev, fn;
        const char *p = s;

        if (!s)
                return -EINVAL;

        /* DOMAIN:BUS:DEV.FN or BUS:DEV.FN; a domain has up to 8 hex digits (VMD uses 5). */
        if (hex_field(&p, 8, &a) < 0 || *p++ != ':')
                return -EINVAL;
        if (hex_field(&p, 2, &b) < 0)
                return -EINVAL;
        if (*p == ':') {
                p++;
                domain = a;
                bus = b;
                if (hex_field(&p, 2, &dev) < 0)
                        return -EINVAL;
        } else {
                if (a > 0xff)
                        return -EINVAL;
                bus = a;
                dev = b;
        }
        if (*p++ != '.')
                return -EINVAL;
        if (hex_field(&p, 1, &fn) < 0 || *p != 0)
                return -EINVAL;
        if (dev > 0x1f || fn > 7)
                return -EINVAL;

        /* "%04lx:%02lx:%02lx.%lx" by hand: this runs several times per function in a listing, and snprintf()
         * costs more than everything else here together. */
        {
                static const char digits[] = "0123456789abcdef";
                char *o = ret;
                unsigned width = 4;

                while (width < 8 && domain >> (4 * width))
                        width++;
                for (unsigned i = width; i > 0; i--)
                        *o++ = digits[domain >> (4 * (i - 1)) & 0xf];
                *o++ = ':';
                *o++ = digits[bus >> 4];
                *o++ = digits[bus & 0xf];
                *o++ = ':';
                *o++ = digits[dev >> 4];
                *o++ = digits[dev & 0xf];
                *o++ = '.';
                *o++ = digits[fn];
                *o = 0;
        }
        return 0;
}

/* Concatenate parts into buf (NULL ends the list; NULL parts in between are skipped by the callers). Returns 0
 * or -ENAMETOOLONG. snprintf() would do, but costs more than the rest of a probe together. */
static int path_join(char *buf, size_t size, const char *const *parts, size_t n_parts)
{
        size_t n = 0;

        for (size_t i = 0; i < n_parts; i++) {
                size_t l = strlen(parts[i]);
                if (l >= size - n)
                        return -ENAMETOOLONG;
                memcpy(buf + n, parts[i], l);
                n += l;
        }
        buf[n] = 0;
        return 0;
}

int sysfs_pci_path(const char *root, const char *address, const char *name, char *buf, size_t size)
{
        const char *parts[] = { strempty(root), "/sys/bus/pci/devices/", address, name ? "/" : "", strempty(name) };

        return path_join(buf, size, parts, ELEMENTSOF(parts));
}

int sysfs_open_function_at(int devices_fd, const char *address)
{
        int fd;

        fd = openat(devices_fd, address, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0 && errno == EACCES)
                /* Searchable but not listable: the attributes can still be opened through it. */
                fd = openat(devices_fd, address, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT || errno == ENOTDIR ? -ENOENT : negative_errno();
        return fd;
}

int sysfs_open_function(const char *root, const char *address)
{
        char path[PATH_MAX];
        int r;

        r = sysfs_pci_path(root, address, NULL, path, sizeof path);
        if (r < 0)
                return r;
        return sysfs_open_function_at(AT_FDCWD, path);
}

void sysfs_fds_add(SysfsFds *f, int fd)
{
        if (f && f->n < ELEMENTSOF(f->fd))
                f->fd[f->n++] = fd;
        else
                (void) close(fd);
}

void sysfs_close_all(const int *fd, size_t n)
{
        int sorted[64];

        if (n > ELEMENTSOF(sorted)) {
                for (size_t i = 0; i < n; i++)
                        (void) close(fd[i]);
                return;
        }
        /* In order, then one close_range() per run of consecutive numbers: a probe's descriptors are opened one
         * after another, so a batch is one run or a few. */
        for (size_t i = 0; i < n; i++) {
                size_t j = i;
                for (; j > 0 && sorted[j - 1] > fd[i]; j--)
                        sorted[j] = sorted[j - 1];
                sorted[j] = fd[i];
        }
        for (size_t i = 0; i < n;) {
                size_t j = i + 1;
                while (j < n && sorted[j] == sorted[j - 1] + 1)
                        j++;
                if (j - i == 1 || close_range((unsigned) sorted[i], (unsigned) sorted[j - 1], 0) < 0)
                        for (size_t k = i; k < j; k++)
                                (void) close(sorted[k]);
                i = j;
        }
}

void sysfs_fds_close(SysfsFds *f)
{
        sysfs_close_all(f->fd, f->n);
        f->n = 0;
}

int sysfs_read_all_keep_at(int dir_fd, const char *name, char *buf, size_t size, SysfsFds *keep)
{
        _cleanup_close_ int fd = -1;
        size_t n = 0;

        if (size < 2)
                return -EINVAL;
        fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return negative_errno();

        /* One byte more than fits tells "too long" from "exactly full". A read that returns less than asked is
         * the end: sysfs hands out an attribute in one read, and regular files (fixtures, records) have
         * nothing more after a short read; asking again only costs a system call that returns 0. */
        for (;;) {
                size_t want = size - n;
                ssize_t k = read(fd, buf + n, want);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                if (k == 0)
                        break;
                n += (size_t) k;
                if (n == size)
                        return -EFBIG;
                if ((size_t) k < want)
                        break;
        }
        buf[n] = 0;
        sysfs_fds_add(keep, TAKE_FD(fd));
        return (int) n;
}

int sysfs_read_all_at(int dir_fd, const char *name, char *buf, size_t size)
{
        return sysfs_read_all_keep_at(dir_fd, name, buf, size, NULL);
}

int sysfs_read_all(const char *path, char *buf, size_t size)
{
        return sysfs_read_all_at(AT_FDCWD, path, buf, size);
}

int sysfs_read_line_keep_at(int dir_fd, const char *name, char *buf, size_t size, SysfsFds *keep)
{
        char tmp[4096];
        size_t n;
        int r;

        r = sysfs_read_all_keep_at(dir_fd, name, tmp, sizeof tmp, keep);
        if (r < 0)
                return r;
        n = strcspn(tmp, "\n");
        if (n >= size)
                return -ENAMETOOLONG;
        memcpy(buf, tmp, n);
        buf[n] = 0;
        return (int) n;
}

int sysfs_read_line_at(int dir_fd, const char *name, char *buf, size_t size)
{
        return sysfs_read_line_keep_at(dir_fd, name, buf, size, NULL);
}

int sysfs_read_line(const char *path, char *buf, size_t size)
{
        return sysfs_read_line_at(AT_FDCWD, path, buf, size);
}

int sysfs_read_hex_at(int dir_fd, const char *name, uint32_t max, uint32_t *ret)
{
        return sysfs_read_hex_keep_at(dir_fd, name, max, ret, NULL);
}

int sysfs_read_hex_keep_at(int dir_fd, const char *name, uint32_t max, uint32_t *ret, SysfsFds *keep)
{
        char line[64], *end;
        unsigned long v;
        int r;

        r = sysfs_read_line_keep_at(dir_fd, name, line, sizeof line, keep);
        if (r < 0)
                return r;
        if (!isxdigit((unsigned char) line[0]) && !(line[0] == '0' && line[1] == 'x'))
                return -EINVAL;
        errno = 0;
        v = strtoul(line, &end, 16);
        if (errno != 0 || end == line || *end != 0 || v > max)
                return -EINVAL;
        *ret = (uint32_t) v;
        return 0;
}

int sysfs_read_hex(const char *path, uint32_t max, uint32_t *ret)
{
        return sysfs_read_hex_at(AT_FDCWD, path, max, ret);
}

int sysfs_read_link_basename_at(int dir_fd, const char *name, char *buf, size_t size)
{
        char target[PATH_MAX];
        const char *base;
        ssize_t n;

        n = readlinkat(dir_fd, name, target, sizeof target - 1);
        if (n < 0)
                return negative_errno();
        target[n] = 0;
        while (n > 1 && target[n - 1] == '/')
                target[--n] = 0;
        base = strrchr(target, '/');
        base = base ? base + 1 : target;
        if (!*base)
                return -EINVAL;
        if (strlen(base) >= size)
                return -ENAMETOOLONG;
        strcpy(buf, base);
        return 0;
}

int sysfs_read_link_basename(const char *path, char *buf, size_t size)
{
        return sysfs_read_link_basename_at(AT_FDCWD, path, buf, size);
}

static bool is_virtio_name(const char *s)
{
        if (!strneq(s, "virtio", STRLEN("virtio")) || !s[STRLEN("virtio")])
                return false;
        for (s += STRLEN("virtio"); *s; s++)
                if (!isdigit((unsigned char) *s))
                        return false;
        return true;
}

int sysfs_virtio_child_at(int dir_fd, char *buf, size_t size)
{
        _cleanup_close_ int own = -1;
        char entries[8192];
        int fd = dir_fd;
        ssize_t n;

        /* getdents64() directly spares opendir()'s fstat(), buffer and descriptor. An O_PATH descriptor cannot
         * be listed: then one of our own. */
        n = getdents64(fd, entries, sizeof entries);
        if (n < 0 && errno == EBADF) {
                own = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (own < 0)
                        return negative_errno();
                fd = own;
                n = getdents64(fd, entries, sizeof entries);
        }

        /* virtio-pci registers exactly one virtio device per PCI function. */
        for (; n > 0; n = getdents64(fd, entries, sizeof entries))
                for (ssize_t off = 0; off < n;) {
                        const struct dirent64 *de = (const struct dirent64 *) (entries + off);

                        off += de->d_reclen;
                        if (!is_virtio_name(de->d_name))
                                continue;
                        if (strlen(de->d_name) >= size)
                                return -ENAMETOOLONG;
                        strcpy(buf, de->d_name);
                        return 0;
                }
        return n < 0 ? negative_errno() : -ENOENT;
}

/* The types the kernel shows for a group with a default domain (iommu_group_show_type()). */
static bool is_domain_type(const char *type)
{
        static const char *const types[] = { "DMA", "DMA-FQ", "identity", "blocked", "unmanaged" };

        for (size_t i = 0; i < ELEMENTSOF(types); i++)
                if (streq(type, types[i]))
                        return true;
        return false;
}

int sysfs_read_iommu_group_at(const char *root, int dir_fd, Evidence *e)
{
        return sysfs_read_iommu_group_keep_at(root, -1, dir_fd, e, NULL);
}

int sysfs_read_iommu_group_keep_at(const char *root, int groups_fd, int dir_fd, Evidence *e, SysfsFds *keep)
{
        char path[PATH_MAX], group[32], name[64], number[24], *end;
        unsigned long n;
        int r;

        e->group_kind = IOMMU_GROUP_NONE;
        e->group_number = -1;
        e->group_type[0] = 0;

        r = sysfs_read_link_basename_at(dir_fd, "iommu_group", group, sizeof group);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;

        errno = 0;
        n = strtoul(group, &end, 10);
        if (errno != 0 || end == group || *end || n > INT_MAX)
                return -EINVAL;

        e->group_number = (int) n;
        e->group_kind = IOMMU_GROUP_REAL;

        /* The number as the kernel names the directory (no sign, no leading zeros), whatever the link said. */
        {
                char *p = number + sizeof number;

                *--p = 0;
                do
                        *--p = (char) ('0' + n % 10);
                while ((n /= 10) > 0);
                memmove(number, p, strlen(p) + 1);
        }

        /* Through the groups' directory when the caller holds it: two path components instead of six. */
        if ((groups_fd >= 0 ? path_join(path, sizeof path, (const char *const[]) { number, "/type" }, 2)
                            : path_join(path, sizeof path,
                                        (const char *const[]) { strempty(root), "/sys/kernel/iommu_groups/", number,
                                                                "/type" },
                                        4)) < 0 ||
            sysfs_read_line_keep_at(groups_fd >= 0 ? groups_fd : AT_FDCWD, path, e->group_type, sizeof e->group_type,
                                    keep) < 0)
                e->group_type[0] = 0; /* older kernels have no type; the group still counts */

        /* vfio names its no-IOMMU groups; no other group has this name. Such a group has no default domain, so
         * its type reads "unknown": a group whose type names a domain is an IOMMU's, and its name is not read
         * (one lookup less per function in a listing). Whatever a tree says, this can only make a group count
         * as an IOMMU's, never the other way round. */
        if (is_domain_type(e->group_type))
                return 0;
        if (path_join(path, sizeof path,
                      (const char *const[]) { strempty(root), "/sys/kernel/iommu_groups/", number, "/name" }, 4) >= 0 &&
            sysfs_read_line(path, name, sizeof name) >= 0 && streq(name, "vfio-noiommu"))
                e->group_kind = IOMMU_GROUP_NOIOMMU;

        return 0;
}

int sysfs_list_addresses(const char *dir, const char *except, char ***ret)
{
        _cleanup_strv_free_ char **l = NULL;
        _cleanup_closedir_ DIR *d = NULL;
        size_t n = 0, allocated = 0;
        struct dirent *de;

        d = opendir(dir);
        if (!d)
                return negative_errno();

        while ((errno = 0, de = readdir(d))) {
                char a[PCI_ADDRESS_MAX];

                if (de->d_name[0] == '.')
                        continue;
                /* Only names that are addresses, exactly as the kernel writes them. */
                if (pci_address_normalize(de->d_name, a) < 0 || !streq(a, de->d_name))
                        continue;
                if (except && streq(a, except))
                        continue;
                /* Grown by doubling: strv_extend() walks the list each time, which adds up over hundreds. */
                if (!GREEDY_REALLOC(l, allocated, n + 1, 32))
                        return -ENOMEM;
                l[n] = strdup(a);
                if (!l[n])
                        return -ENOMEM;
                l[++n] = NULL;
        }
        if (errno > 0)
                return -errno;

        if (!l) {
                l = calloc(1, sizeof(char *));
                if (!l)
                        return -ENOMEM;
        }
        strv_sort(l);
        *ret = TAKE_PTR(l);
        return (int) n;
}

int probe_list_functions(const char *root, char ***ret)
{
        char dir[PATH_MAX];

        snprintf(dir, sizeof dir, "%s/sys/bus/pci/devices", strempty(root));
        return sysfs_list_addresses(dir, NULL, ret);
}

int probe_group_members(const char *root, int group_number, const char *except_address, char ***ret)
{
        char dir[PATH_MAX], except[PCI_ADDRESS_MAX];

        if (group_number < 0)
                return -EINVAL;
        if (except_address && pci_address_normalize(except_address, except) < 0)
                return -EINVAL;
        snprintf(dir, sizeof dir, "%s/sys/kernel/iommu_groups/%d/devices", strempty(root), group_number);
        return sysfs_list_addresses(dir, except_address ? except : NULL, ret);
}
