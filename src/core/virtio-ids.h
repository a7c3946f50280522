/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Which PCI functions are virtio, and what kind of virtio device they are (virtio spec, PCI transport). Pure. */

#include <stdbool.h>
#include <stdint.h>

#define PCI_VENDOR_ID_VIRTIO 0x1af4
#define VIRTIO_PCI_DEVICE_ID_FIRST 0x1000
#define VIRTIO_PCI_DEVICE_ID_LAST_TRANSITIONAL 0x103f
#define VIRTIO_PCI_DEVICE_ID_MODERN_BASE 0x1040
#define VIRTIO_PCI_DEVICE_ID_LAST 0x107f

/* Feature bits the guard reads. */
#define VIRTIO_F_VERSION_1 32
#define VIRTIO_F_ACCESS_PLATFORM 33

/* Virtio device type numbers (virtio spec, "Device Types"). */
#define VIRTIO_ID_BALLOON 5

/* true for 1af4:1000–107f. */
bool virtio_pci_is_virtio(uint16_t vendor, uint16_t device);

/* true for 1af4:1040–107f: a modern-only (non-transitional) function, known from the IDs alone. */
bool virtio_pci_is_modern_id(uint16_t vendor, uint16_t device);

/*
 * The virtio device type: device - 0x1040 for modern IDs; for transitional IDs the subsystem device ID
 * (spec) or, when that is 0, the fixed table of transitional IDs (0x1000 net, 0x1001 block, …).
 * Returns the type (> 0), or 0 when it cannot be told.
 */
unsigned virtio_pci_device_type(uint16_t device, uint16_t subsys_device);

/* "net", "block", "console", "rng", "balloon", …; NULL for a type the table does not know. */
const char *virtio_type_to_string(unsigned type);
