/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <fcntl.h>
#include <stdio.h>

#include "act/holders.h"
#include "shared/macro.h"

/* The function's vfio cdev name ("vfio0"), when it has one. Returns true when found. */
static bool vfio_cdev_name(const char *root, const char *address, char *buf, size_t size)
{
        _cleanup_closedir_ DIR *d = NULL;
        char path[4096];
        struct dirent *de;

        snprintf(path, sizeof path, "%s/sys/bus/pci/devices/%s/vfio-dev", strempty(root), address);
        d = opendir(path);
        if (!d)
                return false;
        while ((de = readdir(d)))
                if (strneq(de->d_name, "vfio", 4) && de->d_name[4] >= '0' && de->d_name[4] <= '9') {
                        snprintf(buf, size, "%.*s", (int) size - 1, de->d_name);
                        return true;
                }
        return false;
}

static int read_small_file(const char *path, char *buf, size_t size)
{
        _cleanup_close_ int fd = -1;
        ssize_t k;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return negative_errno();
        k = read(fd, buf, size - 1);
        if (k < 0)
                return negative_errno();
        buf[k] = '\0';
        return 0;
}

/* For an anon vfio device fd: does fdinfo attribute it to this function? 1 yes, 0 no, -ENODATA not said. */
static int fdinfo_names_device(const char *root, const char *pid, const char *fd, const char *address)
{
        char path[4096], buf[4096];
        const char *p;

        snprintf(path, sizeof path, "%s/proc/%s/fdinfo/%s", strempty(root), pid, fd);
        if (read_small_file(path, buf, sizeof buf) < 0)
                return -ENODATA;
        p = strstr(buf, "vfio-device-syspath:");
        if (!p)
                return -ENODATA;
        p += STRLEN("vfio-device-syspath:");
        p += strspn(p, " \t");
        size_t len = strcspn(p, "\n");
        size_t alen = strlen(address);
        /* The syspath ends with the function's address. */
        return len >= alen && strneq(p + len - alen, address, alen) && (len == alen || p[len - alen - 1] == '/');
}

int holders_find(const char *root, const char *address, int group_number, Holder **ret)
{
        _cleanup_closedir_ DIR *proc = NULL;
        _cleanup_free_ Holder *list = NULL;
        char group_dev[64] = "", cdev[320] = "", cdev_name[256];
        size_t n = 0, allocated = 0;
        char path[4096];
        struct dirent *de;

        if (group_number >= 0)
                snprintf(group_dev, sizeof group_dev, "/dev/vfio/%d", group_number);
        if (vfio_cdev_name(root, address, cdev_name, sizeof cdev_name))
                snprintf(cdev, sizeof cdev, "/dev/vfio/devices/%s", cdev_name);

        snprintf(path, sizeof path, "%s/proc", strempty(root));
        proc = opendir(path);
        if (!proc)
                return negative_errno();

        while ((de = readdir(proc))) {
                _cleanup_closedir_ DIR *fds = NULL;
                struct dirent *fe;
                Holder h = {};

                if (de->d_name[0] < '1' || de->d_name[0] > '9' || strspn(de->d_name, "0123456789") != strlen(de->d_name))
                        continue;
                snprintf(path, sizeof path, "%s/proc/%s/fd", strempty(root), de->d_name);
                fds = opendir(path);
                if (!fds)
                        continue; /* gone, or not ours to read */

                while ((fe = readdir(fds))) {
                        char target[256], link[4096 + 256 + 2];
                        ssize_t k;

                        if (fe->d_name[0] == '.')
                                continue;
                        snprintf(link, sizeof link, "%s/%s", path, fe->d_name);
                        k = readlink(link, target, sizeof target - 1);
                        if (k < 0)
                                continue;
                        target[k] = '\0';

                        if ((*group_dev && streq(target, group_dev)) || (*cdev && streq(target, cdev))) {
                                h.certain = true;
                        } else if (streq(target, "anon_inode:[vfio-device]")) {
                                int m = fdinfo_names_device(root, de->d_name, fe->d_name, address);
                                if (m == 0)
                                        continue;
                                h.certain = m > 0;
                        } else
                                continue;
                        snprintf(h.what, sizeof h.what, "%.63s", target);
                        if (h.certain)
                                break;
                }
                if (!h.what[0])
                        continue;

                h.pid = (pid_t) strtol(de->d_name, NULL, 10);
                snprintf(path, sizeof path, "%s/proc/%s/comm", strempty(root), de->d_name);
                if (read_small_file(path, h.comm, sizeof h.comm) < 0)
                        snprintf(h.comm, sizeof h.comm, "?");
                h.comm[strcspn(h.comm, "\n")] = '\0';

                if (!GREEDY_REALLOC(list, allocated, n, 4))
                        return -ENOMEM;
                list[n++] = h;
        }

        *ret = TAKE_PTR(list);
        return (int) n;
}

char *holders_format(const Holder *h, size_t n, char *buf, size_t size)
{
        size_t used = 0;

        if (size == 0)
                return buf;
        buf[0] = '\0';
        for (size_t i = 0; i < n && used < size; i++) {
                int k = snprintf(buf + used, size - used, "%s%d (%s%s)", i > 0 ? ", " : "", (int) h[i].pid,
                                 h[i].comm, h[i].certain ? "" : "?");
                if (k < 0)
                        break;
                used += (size_t) k;
        }
        return buf;
}
