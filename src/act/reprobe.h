/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Hand an unbound function back to its native driver. Takes the device lock: only for a function with no unbind
 * in flight.
 */

#include <stdbool.h>

/*
 * pinned: driver_override already names the native driver, so ROOT/sys/bus/pci/drivers_probe lets the kernel
 * pick, and only that driver can match. Otherwise write the address to ROOT/sys/bus/pci/drivers/DRIVER/bind
 * explicitly: with no pin, drivers_probe could hand the function straight back to vfio-pci (new_id, ids=).
 * Returns 0; -ENOENT when the attribute is missing (the native driver is not loaded); other -errno (-ENODEV
 * when no driver accepted it).
 */
int reprobe_function(const char *root, const char *address, const char *native_driver, bool pinned);
