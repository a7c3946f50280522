/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Reading the world: everything the verdict needs about one PCI function, gathered from sysfs, PCI config
 * space (libpci), the daemon's records in /run and the device tree. Never writes anything.
 * Every path is taken below a root ("" for the real system, a fixture tree in tests).
 */

#include <stdbool.h>

#include "core/config.h"
#include "core/evidence.h"

/* What successive probe_function() calls of one process can share: whether the root has a device tree at all,
 * and, when asked for (probe_cache_snapshot_records()), which functions have a record of vfio-guardd. Tied to
 * one root at a time (a call with another root empties it). Meant for a listing or an enumeration; one thread
 * at a time. */
typedef struct ProbeCache ProbeCache;

typedef struct ProbeOptions {
        const char *root;             /* "" or NULL: the real system */
        const Config *config;         /* for [DeviceTree] BypassProperty=; may be NULL */
        bool use_records;             /* fall back to the offered word recorded by vfio-guardd (the CLI) */
        bool skip_driver_override;    /* an unbind of this function is in flight: do not touch the attribute
                                       * that takes the device lock (DESIGN.md section 4) */
        ProbeCache *cache;            /* NULL: nothing kept between calls */
        bool virtio_only;             /* a listing of virtio functions: a function that is surely not one is
                                       * left after its IDs (no driver, override, group; vendor and device
                                       * only) */
} ProbeOptions;

/* Returns 0 or -ENOMEM. */
int probe_cache_new(ProbeCache **ret);
ProbeCache *probe_cache_free(ProbeCache *c);
/* List ROOT/run/vfio-guard/functions once: later probes through c open a record only for a function that had
 * one then (a listing of N functions looks up one directory instead of N files). For a listing that is over in
 * moments, never for a long-lived cache (vfio-guardd writes records as it goes). Returns 0 (also without any
 * record), or -errno and no snapshot (then every probe looks for its own record, as without one). */
int probe_cache_snapshot_records(ProbeCache *c, const char *root);
/* List ROOT/sys/bus/virtio/devices once, for the virtio device (virtioN) of each PCI function: later probes through
 * c read virtioN/features straight away instead of listing the function's directory to find it (a function the
 * snapshot has nothing for, or whose virtioN is gone since, is still listed). Same terms as above. Returns 0, or
 * -errno and no snapshot. */
int probe_cache_snapshot_virtio(ProbeCache *c, const char *root);
/* For a listing: the descriptors each probe opened are closed in batches (a close_range() per dozens of
 * functions, not per function) and at the latest by probe_cache_free(). Never for a long-lived cache. */
void probe_cache_defer_closes(ProbeCache *c);

/*
 * Normalise a PCI address: "00:03.0" → "0000:00:03.0", hex digits lower-case.
 * Returns 0, or -EINVAL when malformed.
 */
int pci_address_normalize(const char *s, char ret[PCI_ADDRESS_MAX]);

/* Every PCI function under ROOT/sys/bus/pci/devices, sorted. *ret is a NULL-terminated array to free with
 * strv_free() (shared/strv.h). Returns the count, or -errno. */
int probe_list_functions(const char *root, char ***ret);

/*
 * Gather the evidence for one function. Pieces that cannot be read become problems recorded in the
 * evidence (feature_problem, transport_problem, dt.problem), never a failure.
 * Returns 0; -EINVAL for a malformed address; -ENOENT when no such function exists.
 */
int probe_function(const ProbeOptions *o, const char *address, Evidence *ret);

/* The other functions in the same IOMMU group (sorted, NULL-terminated), for "explain". Returns count. */
int probe_group_members(const char *root, int group_number, const char *except_address, char ***ret);
