/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The virtio vendor capabilities in a PCI config space buffer (virtio spec 4.1.4), and the transport they
 * show. Pure: works on bytes read by src/probe/pci-config.c or taken from a fixture.
 *
 * The buffer may be 64 bytes (config space past 64 bytes needs CAP_SYS_ADMIN), 256, or 4096; any length is
 * accepted. The capability list is untrusted input: the walk is bounded and remembers where it has been.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/evidence.h"

#define PCI_CONFIG_HEADER_SIZE 64
#define PCI_CONFIG_SPACE_SIZE 256

#define PCI_CAP_ID_VNDR 0x09
#define VIRTIO_PCI_CAP_MIN_LEN 16     /* struct virtio_pci_cap */
#define VIRTIO_PCI_CFG_CAP_MIN_LEN 20 /* struct virtio_pci_cfg_cap: the cap plus pci_cfg_data[4] */
#define VIRTIO_PCI_BAR_MAX 5

typedef enum VirtioCapType {
        VIRTIO_PCI_CAP_COMMON_CFG = 1,
        VIRTIO_PCI_CAP_NOTIFY_CFG = 2,
        VIRTIO_PCI_CAP_ISR_CFG = 3,
        VIRTIO_PCI_CAP_DEVICE_CFG = 4,
        VIRTIO_PCI_CAP_PCI_CFG = 5,
        VIRTIO_PCI_CAP_SHARED_MEMORY_CFG = 8,
        VIRTIO_PCI_CAP_VENDOR_CFG = 9,
} VirtioCapType;

/* Offsets inside the common configuration structure (struct virtio_pci_common_cfg). */
#define VIRTIO_PCI_COMMON_DFSELECT 0x00 /* le32 device_feature_select */
#define VIRTIO_PCI_COMMON_DF 0x04       /* le32 device_feature */
#define VIRTIO_PCI_COMMON_MIN_LEN 0x08  /* what reading the offered word needs */

/* Offsets inside struct virtio_pci_cap, from the capability's position in config space. */
#define VIRTIO_PCI_CAP_OFF_CFG_TYPE 3
#define VIRTIO_PCI_CAP_OFF_BAR 4
#define VIRTIO_PCI_CAP_OFF_ID 5
#define VIRTIO_PCI_CAP_OFF_OFFSET 8
#define VIRTIO_PCI_CAP_OFF_LENGTH 12
#define VIRTIO_PCI_CFG_CAP_OFF_DATA 16

#define VIRTIO_CAPS_MAX 16

typedef struct VirtioCap {
        uint16_t position; /* where the capability sits in config space */
        uint8_t cap_len;
        uint8_t cfg_type;  /* VirtioCapType */
        uint8_t bar;       /* 0–5 (capabilities naming another BAR are not kept) */
        uint8_t id;
        uint32_t offset;   /* within the BAR */
        uint32_t length;
} VirtioCap;

typedef struct VirtioCaps {
        size_t config_size;       /* bytes of config space that were available */
        bool truncated;           /* fewer than 256 bytes: the capability list could not be read whole */
        bool list_bit;            /* status register says there is a capability list */
        bool walk_broken;         /* the list loops, points outside 0x40–0xff, or runs off the buffer */
        unsigned n_virtio_seen;   /* vendor capabilities with a known virtio cfg_type, kept or not */
        unsigned n_ignored;       /* of those, how many were unusable (cap_len < 16, BAR > 5, …) */
        size_t n;
        VirtioCap caps[VIRTIO_CAPS_MAX];
        char problem[EVIDENCE_TEXT_MAX]; /* first problem met, in words; "" when none */
} VirtioCaps;

/*
 * Walk the standard capability list of config[0..size) and collect the virtio capabilities.
 * Never fails on bad content: problems end up in ret->problem / walk_broken / n_ignored.
 * Returns 0, or -EINVAL when config is NULL or size < 64 (not even a header).
 */
int virtio_caps_parse(const uint8_t *config, size_t size, VirtioCaps *ret);

/* The first kept capability of the type, or NULL. For COMMON_CFG only one long enough to hold
 * device_feature_select and device_feature; for PCI_CFG only one with the data window (cap_len >= 20). */
const VirtioCap *virtio_caps_find(const VirtioCaps *c, VirtioCapType type);

/*
 * The transport of a virtio function with these IDs and capabilities:
 *   1af4:1040–107f                               → MODERN
 *   1af4:1000–103f with a usable common cfg cap  → TRANSITIONAL (unless the list walk broke)
 *   1af4:1000–103f, ≥ 256 bytes read, a sound list and no virtio capability at all → LEGACY_ONLY
 *   anything else (≤ 64 bytes, broken walk, a capability pointer behind a clear capabilities-list bit,
 *   virtio caps but no usable common cfg) → UNKNOWN
 * A malformed list never yields LEGACY_ONLY or TRANSITIONAL. Writes the reason for UNKNOWN into reason
 * (may be NULL); "" otherwise. Returns _TRANSPORT_INVALID for a function that is not virtio.
 */
Transport virtio_caps_transport(uint16_t vendor, uint16_t device, const VirtioCaps *c, char *reason,
                                size_t reason_size);

const char *virtio_cap_type_to_string(unsigned cfg_type) _const_;
