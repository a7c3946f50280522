/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The guard: one object that owns the event loop, the configuration and the state of every PCI function the
 * daemon has seen. vfio-guardd.c wires it to the command line and systemd; the umockdev tests drive it in
 * process (guard_start(), then guard_run_for() a bounded time, then look at the testbed).
 */

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "core/config.h"
#include "core/verdict.h"
#include "daemon/events.h"
#include "daemon/kernel-enforce.h"

typedef struct Guard Guard;

/*
 * The seam for kernel-side enforcement: the hook is called whenever the decision about a virtio function is
 * made for the first time or changes, and with DECISION_NOT_GUARDED when the function goes away; from
 * guard_decide() BEFORE the decision is acted on (pin written or lifted, unbind dispatched) and before the
 * record, so that a function that becomes allowed leaves the kernel's refusal before its pin is lifted. The
 * built-in kernel enforcement (kernel-enforce.c, GuardOptions.kernel_ops) runs first, then this hook. The hook
 * must not block; a negative return is journalled as a failed action ("kernel-enforcement") and changes
 * nothing else.
 */
typedef struct GuardDecisionChange {
        const char *address;      /* "0000:00:03.0" */
        Decision old_decision;    /* DECISION_NOT_GUARDED when first seen */
        Decision new_decision;    /* DECISION_NOT_GUARDED when removed */
        bool pinned;              /* driver_override names the native driver (before this decision's action) */
        int group_number;         /* IOMMU group (/dev/vfio/N), -1 without one */
} GuardDecisionChange;

typedef int (*GuardDecisionHook)(Guard *g, const GuardDecisionChange *change, void *userdata);

typedef struct GuardOptions {
        const char *root;           /* prefix for /sys, /proc and /run ("" or NULL: the real system) */
        const char *config_file;    /* --config: this file alone; NULL: the standard search path */
        bool enforce;               /* --enforce: without it nothing is ever written (rule zero) */
        bool notify;                /* send sd_notify() (READY=1, STATUS=, WATCHDOG=1) */
        bool monitor;               /* listen to kernel uevents (tests of the pure flow may turn it off) */
        uint64_t unbind_timeout_usec; /* after this an unbind counts as stuck and its holders are named;
                                       * 0: the default (3 s) */
        EventSink sink;             /* NULL: journal or stderr, whichever fits */
        void *sink_userdata;
        sd_event *event;            /* NULL: the thread's default loop */
        /* Kernel-side enforcement (kernel-enforce.h): kernel_ops_bpf in the daemon, a recording table in tests;
         * NULL: reactive only. Used when enforcing (--enforce, Mode=enforce) and KernelEnforcement=auto. */
        const KernelOps *kernel_ops;
        void *kernel_ops_userdata;
} GuardOptions;

/* Blocks SIGCHLD in the calling thread (the unbind children are watched through sd-event). */
int guard_new(const GuardOptions *o, Guard **ret);
/* Does not wait for unbind children: a stuck one stays behind, the pins stay. */
Guard *guard_free(Guard *g);
static inline void guard_freep(Guard **g)
{
        if (*g)
                guard_free(*g);
}

void guard_set_decision_hook(Guard *g, GuardDecisionHook hook, void *userdata);

/* Load the configuration, start the uevent monitor, re-check recorded functions, decide every present function
 * and dispatch its action, then READY=1. Returns 0 or -errno (only when the loop cannot work at all). */
int guard_start(Guard *g);
/* Re-read the configuration and re-apply it to every function (SIGHUP). */
int guard_reload(Guard *g);
/* Journal "stopped" and tell systemd; the caller then leaves the loop. */
void guard_stop(Guard *g);

/* One kernel uevent, already taken apart (monitor.c calls it; tests may too). subsystem "pci" or "virtio";
 * devpath as in DEVPATH=; driver from DRIVER= or NULL. Malformed or unknown events are ignored. */
void guard_handle_uevent(Guard *g, const char *action, const char *subsystem, const char *devpath,
                         const char *driver);

/* Run the loop until nothing happened for idle_usec or total_usec passed (tests). Returns 0 or -errno. */
int guard_run_for(Guard *g, uint64_t total_usec, uint64_t idle_usec);

sd_event *guard_get_event(Guard *g);
/* The current STATUS= text. */
const char *guard_status(Guard *g);
bool guard_is_ready(Guard *g);
/* What is in force now (audit, reactive, BPF LSM), and the BPF LSM denials reported since the start. */
KernelMode guard_kernel_mode(Guard *g);
unsigned guard_kernel_denials(Guard *g);
/* Unbinds dispatched and not finished. */
unsigned guard_unbinds_in_flight(Guard *g);
