/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * DAEMON ONLY. The feature word a virtio function offers, read from its common configuration structure:
 * write device_feature_select (0, then 1) and read device_feature — a change of device state, which is why
 * vfio-guardctl never calls this and reads the daemon's record instead.
 *
 * Call it only when no driver can be using the registers (DESIGN.md section 3): unbound with a pin in place,
 * or bound to a guarded driver that no process holds. It decides nothing: an all-ones word (asleep, decode
 * off) or a word without VERSION_1 is returned as read, and verdict.c judges it.
 */

#include <stddef.h>
#include <stdint.h>

#include "core/evidence.h"
#include "core/virtio-caps.h"

/*
 * Paths below root: ROOT/sys/bus/pci/devices/ADDRESS/{resourceN,config,power/control}.
 * First through the BAR (mmap of resourceN, N = the common capability's BAR), then, when that fails, through
 * the PCI_CFG window (pread/pwrite of config). A runtime-suspended function is held awake through
 * power/control = "on" for the read, and the old value is put back.
 * Returns 0 with *ret_source (FEATURE_SOURCE_OFFERED_BAR or _PCI_CFG) and *ret_word; or -errno with problem
 * saying why in words (no common configuration, permission denied, kernel lockdown, …).
 */
int offered_features_read(const char *root, const char *address, const VirtioCaps *caps, FeatureSource *ret_source,
                          uint64_t *ret_word, char *problem, size_t problem_size);
