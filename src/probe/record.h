/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The daemon's record of one function, ROOT/run/vfio-guard/functions/ADDRESS: written by vfio-guardd (atomically,
 * temporary file + rename), read by vfio-guardctl and by vfio-guardd after a restart. Plain KEY=VALUE lines
 * (documented in vfio-guardd(8)); unknown keys are ignored, so the format can grow:
 *
 *   VERDICT=bypass                   translated | bypass | unknown
 *   DECISION=refuse                  allow | refuse
 *   FEATURE_SOURCE=offered-bar       none | negotiated | offered-bar | offered-pci-cfg
 *   FEATURES=0x0000010130bf8024      the 64-bit word used as evidence (hex), when FEATURE_SOURCE != none
 *   TRANSPORT=transitional
 *   PCI_ID=1af4:1000
 *   PINNED_BY_GUARD=1                the daemon wrote driver_override itself (it only ever lifts its own pins)
 *   PIN=virtio-pci                   the value it wrote
 *   UPDATED_USEC=1732712345000000    CLOCK_REALTIME when written
 *
 * The offered word is what the CLI cannot read itself (reading it writes a device register), so the record
 * is its only way to it.
 *
 * Beside the directory, ROOT/run/vfio-guard/daemon records the daemon itself (which enforcement is in force:
 * ENFORCEMENT=bpf-lsm|reactive|audit): probe/daemon-state.h.
 */

#include <stdbool.h>
#include <stdint.h>

#include "core/evidence.h"
#include "core/verdict.h"

#define RECORD_DIR "run/vfio-guard/functions"
/* ROOT/run/vfio-guard/unbinding/ADDRESS exists while the daemon's unbind of that function is in flight. Then the
 * kernel holds the function's device lock (a vfio user may hold the unbind up for minutes), and reading its
 * driver_override would block: readers (vfio-guardctl) skip that attribute while the mark is there. */
#define UNBINDING_DIR "run/vfio-guard/unbinding"

typedef struct Record {
        char address[PCI_ADDRESS_MAX];
        Verdict verdict;
        Decision decision;
        FeatureSource feature_source;
        uint64_t features;
        Transport transport;
        uint16_t vendor, device;
        bool pinned_by_guard;
        char pin[64];
        uint64_t updated_usec;
} Record;

/* Returns 0; -ENOENT when there is no record; -EBADMSG when it cannot be parsed; other -errno. */
int record_read(const char *root, const char *address, Record *ret);
/* Creates the directory when needed. Returns 0 or -errno. */
int record_write(const char *root, const Record *r);
/* Returns 0 (also when there was none) or -errno. */
int record_remove(const char *root, const char *address);
/* Addresses that have a record, sorted; *ret NULL-terminated (strv_free). Returns the count or -errno. */
int record_list(const char *root, char ***ret);

/* Set (on) or clear the "unbind in flight" mark of a function. Returns 0 or -errno. */
int record_mark_unbinding(const char *root, const char *address, bool on);
/* Whether the mark is there. */
bool record_is_unbinding(const char *root, const char *address);
