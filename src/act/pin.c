/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "act/attr.h"
#include "act/pin.h"
#include "shared/macro.h"

int pin_read(const char *root, const char *address, char *ret, size_t size)
{
        char path[4096], buf[PIN_VALUE_MAX + 2];
        _cleanup_close_ int fd = -1;
        ssize_t k;
        int r;

        r = act_device_attr_path(root, address, "driver_override", path, sizeof path);
        if (r < 0)
                return r;
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return negative_errno();
        k = read(fd, buf, sizeof buf - 1);
        if (k < 0)
                return negative_errno();
        buf[k] = '\0';
        buf[strcspn(buf, "\n")] = '\0';
        if (streq(buf, "(null)"))
                buf[0] = '\0';
        if (strlen(buf) >= size)
                return -ENOBUFS;
        memcpy(ret, buf, strlen(buf) + 1);
        return 0;
}

int pin_write(const char *root, const char *address, const char *driver)
{
        char path[4096];
        int r;

        if (!driver || !*driver || strchr(driver, '\n'))
                return -EINVAL;
        r = act_device_attr_path(root, address, "driver_override", path, sizeof path);
        if (r < 0)
                return r;
        return act_write_attr(path, driver);
}

int pin_clear(const char *root, const char *address)
{
        char path[4096];
        int r;

        r = act_device_attr_path(root, address, "driver_override", path, sizeof path);
        if (r < 0)
                return r;
        return act_write_attr(path, "\n");
}

int pin_holder(const char *root, const char *address, char *ret, size_t size)
{
        char path[4096], target[4096];
        const char *name;
        ssize_t k;
        int r;

        r = act_device_attr_path(root, address, "driver", path, sizeof path);
        if (r < 0)
                return r;
        k = readlink(path, target, sizeof target - 1);
        if (k < 0) {
                if (errno != ENOENT)
                        return negative_errno();
                k = 0; /* no driver */
        }
        target[k] = '\0';
        name = strrchr(target, '/');
        name = name ? name + 1 : target;
        if (strlen(name) >= size)
                return -ENOBUFS;
        memcpy(ret, name, strlen(name) + 1);
        return 0;
}
