/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Writing one sysfs attribute below a root prefix. sysfs takes a whole value in one write(2); a short write is
 * an error. Library code: returns -errno, never logs.
 */

#include <stddef.h>

/* ROOT/sys/bus/pci/devices/ADDRESS/NAME into buf. Returns 0 or -ENAMETOOLONG. */
int act_device_attr_path(const char *root, const char *address, const char *name, char *buf, size_t size);

/* Write value (no newline added) to path, which must exist (sysfs attributes are never created).
 * Returns 0 or -errno (-ENOENT when the attribute does not exist, -EIO on a short write). */
int act_write_attr(const char *path, const char *value);
