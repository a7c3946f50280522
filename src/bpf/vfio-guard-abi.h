/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* What the BPF program and its loader share: map layouts and the denial record. Included by
 * vfio-guard.bpf.c (clang -target bpf) and by bpf-guard.c, so only <linux/types.h> types here.
 *
 * Changing anything below changes the layout of a pinned map: libbpf then refuses to reuse the maps
 * pinned by the previous version (see "Upgrades" in bpf-guard.h). Add, never reorder. */

#include <linux/types.h>

/* A PCI address as sysfs names the function's directory ("0000:00:03.0"), NUL-padded. 15 characters
 * leave room for the 5-digit domains of VMD and Hyper-V bridges. */
#define VFIO_GUARD_ADDRESS_MAX 16

/* The kernel's own dev_t encoding, MKDEV(major, minor) = major << 20 | minor: the program compares
 * inode->i_rdev, which user space never sees in this form (st_rdev is glibc's encoding). */
#define VFIO_GUARD_KDEV(major, minor) (((__u32) (major) << 20) | ((__u32) (minor) & 0xfffffu))

#define VFIO_GUARD_MAX_ADDRESSES 1024
#define VFIO_GUARD_MAX_NODES 1024
#define VFIO_GUARD_MAX_EXEMPT 64
#define VFIO_GUARD_RINGBUF_BYTES (64 * 1024)

enum vfio_guard_denial {
        VFIO_GUARD_DENIED_OVERRIDE = 1, /* write-open of a refused function's driver_override */
        VFIO_GUARD_DENIED_NODE = 2,     /* any open of a listed vfio group or device node */
};

/* Indices of the "stats" array map (one __u64 each). */
enum vfio_guard_stat {
        VFIO_GUARD_STAT_DENIED_OVERRIDE = 0,
        VFIO_GUARD_STAT_DENIED_NODE = 1,
        VFIO_GUARD_STAT_EVENTS_LOST = 2, /* ring buffer full: denied, but not reported one by one */
        VFIO_GUARD_STAT_MAX = 3,
};

/* One ring buffer record per denial. */
struct vfio_guard_event {
        __u64 cgroup_id;
        __u32 kind; /* enum vfio_guard_denial */
        __u32 pid;  /* thread id */
        __u32 tgid; /* process id */
        __u32 uid;
        __u32 rdev;     /* kernel encoding; VFIO_GUARD_DENIED_NODE only */
        __u32 f_flags;  /* the open flags (O_WRONLY, …) */
        char comm[16];
        char address[VFIO_GUARD_ADDRESS_MAX]; /* VFIO_GUARD_DENIED_OVERRIDE only */
};
