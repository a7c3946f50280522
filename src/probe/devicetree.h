/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Device-tree context of a PCI function (arm64, riscv, ppc64): which IOMMU, if any, the platform says covers
 * it. Read with libfdt from ROOT/sys/firmware/fdt (validated with fdt_check_full() first) and, for nodes
 * that appeared later, from the live tree ROOT/proc/device-tree. Explains the context; never decides it.
 */

#include <stddef.h>
#include <stdint.h>

#include "core/evidence.h"

/*
 * Fill *ret for the function at address (ROOT/sys/bus/pci/devices/ADDRESS). bypass_property: the
 * [DeviceTree] BypassProperty= name, or NULL/"" when off.
 * Always fills *ret (ret->present = false and ret->problem set when there is no tree or it cannot be read:
 * a bad blob is "unknown context" with the reason, never "no IOMMU"). Returns 0, or -errno on allocation failure.
 */
int devicetree_probe(const char *root, const char *address, const char *bypass_property, DeviceTreeEvidence *ret);

/*
 * The pure part, on a blob in memory (no filesystem): what the probe above uses, and what the tests drive.
 */

/* libfdt error (-FDT_ERR_*) → -errno. 0 and positive values pass through. */
int devicetree_errno_from_fdt(int fdt_err) _const_;

/*
 * Look rid up in an iommu-map property (big-endian cells <rid-base iommu-phandle iommu-base length>, as
 * stored in the blob, len bytes) after applying mask (iommu-map-mask; 0xffffffff when absent).
 * Returns 0 and the IOMMU's phandle and the translated ID; -ENOENT when rid lies outside every range;
 * -EBADMSG when the property is not a whole number of 4-cell entries.
 */
int devicetree_iommu_map_lookup(const void *map, size_t len, uint32_t mask, uint32_t rid,
                                uint32_t *ret_phandle, uint32_t *ret_id);

/*
 * Find the node whose phandle is phandle in a blob that passed fdt_check_full(). Returns 0 and its offset;
 * -EINVAL for the reserved values 0 and 0xffffffff; -ENOENT when no node has it; -ENOTUNIQ when several do.
 */
int devicetree_phandle_lookup(const void *blob, uint32_t phandle, int *ret_offset);

/* Which function to place in the tree: its own node if the kernel linked one, else its host bridge's
 * node, else the PCI domain (matched against linux,pci-domain). */
typedef struct DeviceTreeFunction {
        const char *node;        /* "/pci@800000020000000/ethernet@0", or NULL */
        const char *bridge;      /* "/pcie@10000000", or NULL */
        unsigned domain;
        uint32_t rid;            /* requester ID: bus << 8 | device << 3 | function */
} DeviceTreeFunction;

/*
 * Fill *ret from a blob of size bytes: validated with fdt_check_full() first (a bad blob gives
 * present = false and the reason), then the IOMMU that covers f: the function node's iommus, its host
 * bridge's iommu-map/iommu-map-mask, an ibm,dma-window on the node or an ancestor (pseries TCE).
 * ret->covered = false with an empty problem means: the tree says no IOMMU covers the function.
 * Returns 0; -ENOENT (ret filled, problem set) when f->node or f->bridge is not in this blob (a node that
 * appeared after boot: try the live tree); -ENOMEM.
 */
int devicetree_blob_evidence(const void *blob, size_t size, const DeviceTreeFunction *f,
                             const char *bypass_property, DeviceTreeEvidence *ret);

/*
 * Pack a live tree (a directory of node directories and property files, like /proc/device-tree) into a
 * blob with libfdt's sequential-write API, so that it is judged by the same code as /sys/firmware/fdt.
 * Returns 0 and a malloc'ed blob; -errno.
 */
int devicetree_blob_from_directory(const char *dir, void **ret_blob, size_t *ret_size);
