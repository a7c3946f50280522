/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* bpf-guard: the loader and map API of the kernel-side refusal (BPF LSM program vfio-guard.bpf.c).
 *
 * What the kernel then refuses, with EPERM, for every process:
 *   - a write-open of driver_override of a refused PCI function, except by exempt thread groups (the guard
 *     itself, so it can pin). With driver_override pinned and unwritable, the kernel's own matching refuses
 *     vfio-pci through new_id, vfio-pci.ids=, drivers_probe and an explicit bind; those files need nothing.
 *   - any open (read or write) of a denied vfio group or device node, matched on its device number.
 * Reads of driver_override, other functions and all other files are untouched.
 *
 * Lifetime. The program is attached through a BPF link pinned in bpffs, with its maps beside it:
 *   PIN_DIR/link               the attachment: while it exists, the program runs
 *   PIN_DIR/refused_addresses  PIN_DIR/denied_nodes  PIN_DIR/exempt_tgids  PIN_DIR/stats  PIN_DIR/events
 * Nothing is tied to the loading process: after a crash or SIGKILL the refusal stays in force, and a
 * restarted loader reuses the pinned maps with their contents. BpfGuard holds no link descriptor, so
 * unpinning really detaches, even while a daemon runs.
 *
 * Upgrades. bpf_guard_open() always loads the program it was built with, on the pinned maps. If the pinned
 * link runs the same program (same kernel tag) on the same maps, the new copy is dropped. Otherwise (an
 * upgrade, or a map pin removed and recreated by hand) the new program is attached first, its link pinned
 * as PIN_DIR/link_new and renamed over PIN_DIR/link: both programs refuse during the swap, then the old
 * one detaches when its last reference (the old pin) goes. Map
 * contents carry over. If the map layout changed (vfio-guard-abi.h), libbpf cannot reuse the pinned
 * maps and bpf_guard_open() fails with -EINVAL and leaves the old program enforcing: run
 * bpf_guard_unpin() first (the package's upgrade step), then open and refill.
 *
 * Requirements: a kernel with the BPF LSM active ("bpf" in /sys/kernel/security/lsm), bpffs mounted at
 * the pin directory's parent, and privileges to load and attach an LSM program: CAP_BPF with CAP_PERFMON
 * (5.8+), or CAP_SYS_ADMIN (both verified on Debian's 6.1; CAP_BPF alone gives -EPERM). libbpf also
 * reads /sys/kernel/btf/vmlinux.
 *
 * How a daemon drives it:
 *   start         bpf_guard_open(); on -EOPNOTSUPP, -EPERM or -ENOMEDIUM say so and stay reactive.
 *                 bpf_guard_list_addresses()/list_nodes(): allow what is no longer refused (the maps
 *                 outlive the daemon, and the configuration may have changed meanwhile).
 *   refusing      bpf_guard_refuse_address() first, then write the pin (the daemon is exempt).
 *   vfio holds a refused function
 *                 bpf_guard_deny_node() with st_rdev of /dev/vfio/N (and /dev/vfio/devices/vfioX where
 *                 it exists) before dispatching the unbind; bpf_guard_allow_node() once handed back.
 *                 The node is the whole group: siblings in it are denied too (the group is not viable).
 *   allowing      bpf_guard_allow_address() before lifting the pin (configuration change, Allow=).
 *   events        bpf_guard_event_fd() in the event loop, bpf_guard_process_events() when readable.
 *   stop          bpf_guard_free(): protection stays.
 *   way out       KernelEnforcement=no + reload, or by hand: bpf_guard_unpin() (vfio-guard-bpf --unpin,
 *                 or rm -r /sys/fs/bpf/vfio-guard).
 *
 * Root can always unpin: this is a wall against management stacks and accidents, not against a hostile
 * root. All functions return ≥ 0 on success and -errno on failure; none logs (libbpf's messages are
 * dropped unless $VFIO_GUARD_BPF_DEBUG is set, then they go to stderr). Not thread-safe. */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define BPF_GUARD_PIN_DIR "/sys/fs/bpf/vfio-guard"

typedef struct BpfGuard BpfGuard;

typedef enum BpfGuardDenial {
        BPF_GUARD_DENIED_OVERRIDE = 1, /* write-open of a refused function's driver_override */
        BPF_GUARD_DENIED_NODE = 2,     /* open of a denied vfio node */
} BpfGuardDenial;

typedef struct BpfGuardEvent {
        BpfGuardDenial kind;
        pid_t pid;  /* the thread that tried */
        pid_t tgid; /* its process */
        uid_t uid;
        uint64_t cgroup_id;
        int open_flags;  /* O_WRONLY, O_RDWR, … as passed to open() */
        dev_t rdev;      /* BPF_GUARD_DENIED_NODE: the node's device number (user-space encoding) */
        char comm[16];   /* the thread's command name, NUL-terminated */
        char address[16]; /* BPF_GUARD_DENIED_OVERRIDE: the PCI address, NUL-terminated */
} BpfGuardEvent;

typedef struct BpfGuardStats {
        uint64_t denied_override;
        uint64_t denied_node;
        uint64_t events_lost; /* denials that did not fit into the ring buffer (still denied) */
} BpfGuardStats;

/* Whether the running kernel has the BPF LSM active: 1 yes, 0 no, -errno if securityfs cannot be read
 * (root is the securityfs mount point, normally "/sys/kernel/security"; NULL means that). */
int bpf_guard_lsm_active(const char *securityfs);

/* Load (or re-use) and attach the program, pinned under pin_dir (NULL: BPF_GUARD_PIN_DIR), and exempt
 * the calling process: the exempt set is *replaced* by {getpid()} so a dead daemon's tgid, which the
 * kernel may hand to another process, stops being exempt. *ret_reused is set to true when the pinned
 * program was already the same one (restart), false when it was loaded (first start or upgrade); may be
 * NULL.
 *   -EOPNOTSUPP  the BPF LSM is not active in this kernel (or securityfs is not mounted)
 *   -EPERM       not allowed to load or attach (missing capabilities, lockdown, seccomp)
 *   -ENOMEDIUM   pin_dir's parent is not a bpffs mount
 *   -EINVAL      pinned maps of an incompatible layout exist (see Upgrades) or bad argument
 * On failure nothing that was pinned before is changed. */
typedef enum BpfGuardOpenFlags {
        /* Attach and swap in the freshly loaded program even when the pinned one has the same tag: the
         * upgrade path on demand (tests; an administrator's "reload the program"). */
        BPF_GUARD_OPEN_REPLACE = 1 << 0,
} BpfGuardOpenFlags;

int bpf_guard_open(const char *pin_dir, BpfGuardOpenFlags flags, BpfGuard **ret, bool *ret_reused);

/* The refused PCI functions. address is the sysfs name, "DDDD:BB:DD.F" (lower-case hex as the kernel
 * writes it; upper case is folded; a domain of 4 to 7 hex digits: 8-digit domains do not fit the
 * kernel-side key). -EINVAL for anything else, -E2BIG when the map is full. Refusing
 * an address already refused and allowing one not refused succeed. On a configuration change that
 * allows a function, call bpf_guard_allow_address() before writing its driver_override. */
int bpf_guard_refuse_address(BpfGuard *g, const char *address);
int bpf_guard_allow_address(BpfGuard *g, const char *address);
/* The refused addresses currently in the (possibly inherited) map, sorted: to drop stale entries after a
 * restart. *ret is a NULL-terminated string array to free with strv_free(). */
int bpf_guard_list_addresses(BpfGuard *g, char ***ret);

/* The denied vfio nodes, by device number as stat() gives it in st_rdev (user-space encoding). The
 * node must be a character device; pass st_rdev of /dev/vfio/N or /dev/vfio/devices/vfioX. */
int bpf_guard_deny_node(BpfGuard *g, dev_t rdev);
int bpf_guard_allow_node(BpfGuard *g, dev_t rdev);
/* *ret_nodes (malloc'ed, free()) and *ret_n: the denied nodes currently in the map. */
int bpf_guard_list_nodes(BpfGuard *g, dev_t **ret_nodes, size_t *ret_n);

/* Processes that may write a refused function's driver_override: the guard, or a child it forks to pin
 * (a child has its own tgid: exempt it from the parent before it writes, unexempt it after it exits).
 * tgid as the initial PID namespace sees it (the kernel compares that one): a daemon in a PID namespace
 * of its own would exempt the wrong process. */
int bpf_guard_exempt_tgid(BpfGuard *g, pid_t tgid);
int bpf_guard_unexempt_tgid(BpfGuard *g, pid_t tgid);

/* Denial reports. The fd (an epoll fd, owned by g) becomes readable when events are pending: add it to
 * the event loop for EPOLLIN, then call bpf_guard_process_events(), which calls cb once per denial and
 * returns how many it handled, or the first negative value cb returned. Events that happened while no
 * daemon ran are still in the pinned ring buffer (up to its size) and come first. */
typedef int (*BpfGuardEventHandler)(const BpfGuardEvent *event, void *userdata);
int bpf_guard_event_fd(BpfGuard *g);
int bpf_guard_process_events(BpfGuard *g, BpfGuardEventHandler cb, void *userdata);

int bpf_guard_get_stats(BpfGuard *g, BpfGuardStats *ret);

/* Release the loader's descriptors. Enforcement stays (it is pinned). Returns NULL. */
BpfGuard *bpf_guard_free(BpfGuard *g);
static inline void bpf_guard_freep(BpfGuard **g)
{
        if (*g)
                bpf_guard_free(*g);
}
#define _cleanup_bpf_guard_ __attribute__((__cleanup__(bpf_guard_freep)))

/* The way out: remove the link first (the program stops refusing at once), then the maps and pin_dir
 * (NULL: BPF_GUARD_PIN_DIR). Works with or without a running daemon; 0 if nothing was pinned.
 * Command line equivalent: rm -r /sys/fs/bpf/vfio-guard */
int bpf_guard_unpin(const char *pin_dir);

/* Validate and canonicalise a PCI address into buf (16 bytes, NUL-padded): 0 or -EINVAL. Exposed for
 * the tests and for the daemon's own validation. */
int bpf_guard_address_key(const char *address, char buf[static 16]);
