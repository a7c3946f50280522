/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>

#include "act/attr.h"
#include "act/reprobe.h"
#include "shared/macro.h"

int reprobe_function(const char *root, const char *address, const char *native_driver, bool pinned)
{
        char path[4096];
        int n;

        if (pinned)
                n = snprintf(path, sizeof path, "%s/sys/bus/pci/drivers_probe", strempty(root));
        else if (native_driver && *native_driver && !strchr(native_driver, '/'))
                n = snprintf(path, sizeof path, "%s/sys/bus/pci/drivers/%s/bind", strempty(root), native_driver);
        else
                return -EINVAL;
        if (n < 0 || (size_t) n >= sizeof path)
                return -ENAMETOOLONG;

        return act_write_attr(path, address);
}
