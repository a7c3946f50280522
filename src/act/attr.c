/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <fcntl.h>
#include <stdio.h>

#include "act/attr.h"
#include "shared/macro.h"

int act_device_attr_path(const char *root, const char *address, const char *name, char *buf, size_t size)
{
        int n = snprintf(buf, size, "%s/sys/bus/pci/devices/%s/%s", strempty(root), address, name);
        if (n < 0 || (size_t) n >= size)
                return -ENAMETOOLONG;
        return 0;
}

int act_write_attr(const char *path, const char *value)
{
        _cleanup_close_ int fd = -1;
        size_t len = strlen(value);
        ssize_t k;

        /* O_TRUNC is ignored by sysfs but matters for the regular files of a fixture or umockdev testbed, where a
         * shorter value must replace a longer one for the test to see what was written. No O_CREAT: writing to
         * an attribute that does not exist must fail, not leave a file behind. */
        fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return negative_errno();

        k = write(fd, value, len);
        if (k < 0)
                return negative_errno();
        if ((size_t) k != len)
                return -EIO;
        return 0;
}
