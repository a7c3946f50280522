/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "core/virtio-ids.h"
#include "shared/macro.h"

bool virtio_pci_is_virtio(uint16_t vendor, uint16_t device)
{
        return vendor == PCI_VENDOR_ID_VIRTIO && device >= VIRTIO_PCI_DEVICE_ID_FIRST &&
               device <= VIRTIO_PCI_DEVICE_ID_LAST;
}

bool virtio_pci_is_modern_id(uint16_t vendor, uint16_t device)
{
        return virtio_pci_is_virtio(vendor, device) && device >= VIRTIO_PCI_DEVICE_ID_MODERN_BASE;
}

/* Transitional device IDs, virtio spec 4.1.2.3: fixed for the types that existed before 1.0. */
static const unsigned transitional_types[] = {
        [0x00] = 1,  /* network */
        [0x01] = 2,  /* block */
        [0x02] = 5,  /* memory balloon */
        [0x03] = 3,  /* console */
        [0x04] = 8,  /* SCSI host */
        [0x05] = 4,  /* entropy source */
        [0x09] = 9,  /* 9P transport */
};

unsigned virtio_pci_device_type(uint16_t device, uint16_t subsys_device)
{
        if (device >= VIRTIO_PCI_DEVICE_ID_MODERN_BASE && device <= VIRTIO_PCI_DEVICE_ID_LAST)
                return device - VIRTIO_PCI_DEVICE_ID_MODERN_BASE;
        if (device < VIRTIO_PCI_DEVICE_ID_FIRST || device > VIRTIO_PCI_DEVICE_ID_LAST_TRANSITIONAL)
                return 0;
        /* The spec makes the subsystem device ID the type for transitional devices. */
        if (subsys_device > 0 && subsys_device < 0x40)
                return subsys_device;
        if (device - VIRTIO_PCI_DEVICE_ID_FIRST < (int) ELEMENTSOF(transitional_types))
                return transitional_types[device - VIRTIO_PCI_DEVICE_ID_FIRST];
        return 0;
}

static const char *const type_names[] = {
        [1] = "net",      [2] = "block",    [3] = "console",      [4] = "rng",
        [5] = "balloon",  [6] = "ioremap",  [7] = "rpmsg",        [8] = "scsi",
        [9] = "9p",       [10] = "mac80211-wlan", [11] = "rproc-serial", [12] = "caif",
        [13] = "memory-balloon", [16] = "gpu", [17] = "clock", [18] = "input",
        [19] = "vsock",   [20] = "crypto",  [21] = "signal-dist", [22] = "pstore",
        [23] = "iommu",   [24] = "mem",     [25] = "sound",       [26] = "fs",
        [27] = "pmem",    [28] = "rpmb",    [29] = "mac80211-hwsim", [30] = "video-encoder",
        [31] = "video-decoder", [32] = "scmi", [33] = "nitro-sec-mod", [34] = "i2c-adapter",
        [35] = "watchdog", [36] = "can",    [38] = "parameter-server", [39] = "audio-policy",
        [40] = "bluetooth", [41] = "gpio",  [42] = "rdma",
};

const char *virtio_type_to_string(unsigned type)
{
        if (type >= ELEMENTSOF(type_names))
                return NULL;
        return type_names[type];
}
