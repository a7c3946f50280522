/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Which processes hold a function through vfio: open /dev/vfio/GROUP, /dev/vfio/devices/vfioX (the function's
 * cdev, ROOT/sys/bus/pci/devices/ADDRESS/vfio-dev/vfioX), or an anon_inode:[vfio-device] (a VMM may keep only
 * that one). Kernels since 6.8 name the device of such an fd in fdinfo ("vfio-device-syspath:"); older ones do
 * not, so there every vfio device fd counts as a possible holder. Reads ROOT/proc; reading other processes'
 * fds needs CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH — what cannot be read is skipped.
 * Reads nothing that takes the device lock: safe while an unbind is in flight.
 */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

typedef struct Holder {
        pid_t pid;
        char comm[32];
        char what[64];  /* "/dev/vfio/12", "/dev/vfio/devices/vfio0", "anon_inode:[vfio-device]" */
        bool certain;   /* false: an anon vfio device fd that the kernel does not attribute */
} Holder;

/*
 * group_number: the function's IOMMU group (-1: none). Returns the number of holders (one entry per process,
 * the first fd found), *ret an array to free(); -errno when ROOT/proc cannot be read at all.
 */
int holders_find(const char *root, const char *address, int group_number, Holder **ret);

/* "1234 (qemu-system-x86), 99 (dpdk-testpmd?)" — '?' marks an uncertain holder. Always NUL-terminates. */
char *holders_format(const Holder *h, size_t n, char *buf, size_t size);
