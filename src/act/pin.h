/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Pinning a function to its native driver through driver_override (DESIGN.md section 4): with the attribute set,
 * only the named driver can bind, so new_id, vfio-pci.ids=, drivers_probe and an explicit bind of vfio-pci all
 * fail. Writing it does not unbind. All three take the kernel's device lock: never call them for a function
 * whose unbind is in flight.
 */

#include <stddef.h>

/* The native driver of every virtio PCI function. */
#define PIN_NATIVE_DRIVER "virtio-pci"
#define PIN_VALUE_MAX 64

/*
 * Read ROOT/sys/bus/pci/devices/ADDRESS/driver_override into ret (size ≥ 1). An unset override reads back as
 * "(null)" on some kernels and as an empty line on others: both give "".
 * Returns 0, -ENOENT when the kernel has no such attribute or the function is gone, other -errno.
 */
int pin_read(const char *root, const char *address, char *ret, size_t size);

/* Write driver to driver_override. Returns 0 or -errno. */
int pin_write(const char *root, const char *address, const char *driver);

/* Clear driver_override (a lone newline clears it on every kernel since 3.16). Returns 0 or -errno. */
int pin_clear(const char *root, const char *address);

/* The driver that holds the function now, from its `driver` link: unlike driver_override, the link is read without
 * the device lock. "" when none. Returns 0, -ENOBUFS when the name does not fit, other -errno. */
int pin_holder(const char *root, const char *address, char *ret, size_t size);
