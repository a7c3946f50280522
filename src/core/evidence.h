/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * What the guard knows about one PCI function: plain data, filled by src/probe/ (reads the world) or by a
 * test, and judged by verdict.c (pure). Every piece says where it came from, so that the verdict can be
 * explained in sentences.
 */

#include <stdbool.h>
#include <stdint.h>

#include "shared/macro.h"

#define PCI_ADDRESS_MAX 32 /* "0000:00:03.0" plus room for a long domain */
#define EVIDENCE_TEXT_MAX 256

/* How the function speaks virtio (virtio spec 4.1). */
typedef enum Transport {
        TRANSPORT_UNKNOWN,      /* 1af4:1000–103f whose capabilities could not be read (not root, truncated) */
        TRANSPORT_LEGACY_ONLY,  /* no virtio vendor capabilities: I/O BAR only, can never offer bit 33 */
        TRANSPORT_TRANSITIONAL, /* 1af4:1000–103f with the modern capabilities too */
        TRANSPORT_MODERN,       /* 1af4:1040–107f */
        _TRANSPORT_MAX,
        _TRANSPORT_INVALID = -22,
} Transport;

/* Where a feature word came from. */
typedef enum FeatureSource {
        FEATURE_SOURCE_NONE,       /* no word: see Evidence.feature_problem */
        FEATURE_SOURCE_NEGOTIATED, /* /sys/bus/virtio/devices/virtioN/features */
        FEATURE_SOURCE_OFFERED_BAR, /* device_feature in the common configuration, through the BAR */
        FEATURE_SOURCE_OFFERED_PCI_CFG, /* the same through the VIRTIO_PCI_CAP_PCI_CFG window in config space */
        _FEATURE_SOURCE_MAX,
        _FEATURE_SOURCE_INVALID = -22,
} FeatureSource;

/* Whether the function sits behind an IOMMU that vfio would program. */
typedef enum IommuGroupKind {
        IOMMU_GROUP_NONE,     /* no iommu_group link */
        IOMMU_GROUP_REAL,     /* a group of any type (DMA, DMA-FQ, identity, unknown, …) */
        IOMMU_GROUP_NOIOMMU,  /* a vfio no-IOMMU group (name "vfio-noiommu") */
        _IOMMU_GROUP_KIND_MAX,
        _IOMMU_GROUP_KIND_INVALID = -22,
} IommuGroupKind;

/* What the device tree says about the IOMMU in front of the function (src/probe/devicetree.c). Explains the
 * context in messages; never decides it, and never turns bypass into translated. */
typedef struct DeviceTreeEvidence {
        bool present;                    /* the platform has a device tree and it was read */
        bool covered;                    /* an IOMMU covers the function according to the tree */
        bool bypass_property;            /* the configured [DeviceTree] BypassProperty= is on the node or above */
        char iommu[EVIDENCE_TEXT_MAX];   /* "arm,smmu-v3 at /smmuv3@9050000", "TCE (ibm,dma-window) on /pci@…" */
        char node[EVIDENCE_TEXT_MAX];    /* the function's node, or its host bridge's */
        char problem[EVIDENCE_TEXT_MAX]; /* why the tree could not tell, when !present or unsure */
} DeviceTreeEvidence;

typedef struct Evidence {
        char address[PCI_ADDRESS_MAX]; /* "0000:00:03.0" */
        uint16_t vendor, device, subsys_vendor, subsys_device;
        uint8_t revision;
        uint32_t class_code;
        char modalias[EVIDENCE_TEXT_MAX]; /* "pci:v00001AF4d00001041sv…", for Allow=/Deny= globs */

        /* Identification (only meaningful when virtio_pci_is_virtio(vendor, device)). */
        unsigned virtio_type;                       /* 1 net, 2 block, …; 0 unknown */
        Transport transport;
        char transport_problem[EVIDENCE_TEXT_MAX];  /* why TRANSPORT_UNKNOWN */

        /* The feature word used as evidence, with its source. */
        FeatureSource feature_source;
        bool feature_recorded;           /* taken from the daemon's record in /run/vfio-guard, not read now */
        uint64_t features;               /* bits 0–63; bit n = feature n */
        char feature_problem[EVIDENCE_TEXT_MAX]; /* why no usable word ("permission denied", "not negotiated",
                                                  * "lockdown", "not recorded by vfio-guardd", …) */

        /* IOMMU group. */
        IommuGroupKind group_kind;
        int group_number;                /* -1 without a group */
        char group_type[32];             /* /sys/kernel/iommu_groups/N/type; "" when absent */

        DeviceTreeEvidence dt;

        /* Descriptive: the current driver and override (not used by the verdict). */
        char driver[64];                 /* "" when unbound */
        char driver_override[64];        /* "" when unset, or not read (see driver_override_read) */
        bool driver_override_read;
} Evidence;

/* Initialise to "nothing known" (group_number -1, all else zero). */
void evidence_init(Evidence *e, const char *address);

const char *transport_to_string(Transport t) _pure_;
Transport transport_from_string(const char *s) _pure_;
const char *feature_source_to_string(FeatureSource s) _pure_;
FeatureSource feature_source_from_string(const char *s) _pure_;
const char *iommu_group_kind_to_string(IommuGroupKind k) _pure_;
