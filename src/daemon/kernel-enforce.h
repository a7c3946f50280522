/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Kernel-side enforcement as the guard sees it: a small table of operations. The real table
 * (kernel_ops_bpf, kernel-enforce-bpf.c) calls src/bpf/bpf-guard; the umockdev tests pass a table that records
 * the calls, because a test on the build host must never load a BPF program. Without a table
 * (GuardOptions.kernel_ops == NULL) the guard is reactive only.
 *
 * Each operation mirrors the bpf-guard function of the same name (see bpf/bpf-guard.h for the semantics and
 * the errors): ≥ 0 on success, -errno on failure. userdata is GuardOptions.kernel_ops_userdata.
 */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "bpf/bpf-guard.h" /* BpfGuardEvent and BpfGuardEventHandler: declarations only */

typedef struct KernelOps {
        /* bpf_guard_open() on the standard pin directory; *ret_reused as there. -EOPNOTSUPP, -EPERM and
         * -ENOMEDIUM mean "not possible here" and make the guard reactive. */
        int (*open)(void *userdata, bool *ret_reused);
        /* bpf_guard_free(): drop the descriptors, enforcement stays pinned. */
        void (*close)(void *userdata);
        /* bpf_guard_unpin(): remove the enforcement (KernelEnforcement=no, Mode=audit). Works when closed. */
        int (*unpin)(void *userdata);

        int (*refuse_address)(void *userdata, const char *address);
        int (*allow_address)(void *userdata, const char *address);
        int (*list_addresses)(void *userdata, char ***ret);
        int (*deny_node)(void *userdata, dev_t rdev);
        int (*allow_node)(void *userdata, dev_t rdev);
        int (*list_nodes)(void *userdata, dev_t **ret_nodes, size_t *ret_n);
        int (*exempt_tgid)(void *userdata, pid_t tgid);
        int (*unexempt_tgid)(void *userdata, pid_t tgid);

        /* A descriptor that polls readable when denials are pending (owned by the ops), and the drain. */
        int (*event_fd)(void *userdata);
        int (*process_events)(void *userdata, BpfGuardEventHandler cb, void *cb_userdata);
} KernelOps;

/* The real table; NULL in a build without the BPF program (meson -Dbpf=disabled or no clang/bpftool/libbpf). */
extern const KernelOps *const kernel_ops_bpf;

/* What is in force, as STATUS=, the journal and ROOT/run/vfio-guard/daemon say it. */
typedef enum KernelMode {
        KERNEL_MODE_AUDIT,    /* the daemon writes nothing (no --enforce, or Mode=audit) */
        KERNEL_MODE_REACTIVE, /* pins and unbinds only */
        KERNEL_MODE_BPF_LSM,  /* pins made walls by the BPF LSM program, vfio nodes of refused functions denied */
        _KERNEL_MODE_MAX,
        _KERNEL_MODE_INVALID = -22,
} KernelMode;

/* "audit", "reactive", "bpf-lsm" */
const char *kernel_mode_to_string(KernelMode m);
