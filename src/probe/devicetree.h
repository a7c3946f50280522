/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Device-tree context of a PCI function (arm64, riscv, ppc64): which IOMMU, if any, the platform says covers
 * it. Read with libfdt from ROOT/sys/firmware/fdt (validated with fdt_check_full() first) and, for nodes
 * that appeared later, from the live tree ROOT/proc/device-tree. Explains the context; never decides it.
 */

#include "core/evidence.h"

/*
 * Fill *ret for the function at address (ROOT/sys/bus/pci/devices/ADDRESS). bypass_property: the
 * [DeviceTree] BypassProperty= name, or NULL/"" when off.
 * Always fills *ret (ret->present = false and ret->problem set when there is no tree or it cannot be read:
 * a bad blob is "unknown context" with the reason, never "no IOMMU"). Returns 0, or -errno on allocation failure.
 */
int devicetree_probe(const char *root, const char *address, const char *bypass_property, DeviceTreeEvidence *ret);
