/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* The guard's state, shared by the files of src/daemon (one concern each) and by nobody else. */

#include <libudev.h>
#include <sys/types.h>
#include <systemd/sd-event.h>

#include "act/pin.h"
#include "act/unbind.h"
#include "core/evidence.h"
#include "core/verdict.h"
#include "daemon/guard.h"
#include "probe/probe.h"

typedef struct PinWorker PinWorker;
typedef struct PinWatch PinWatch;

typedef struct Function {
        Guard *guard;
        char address[PCI_ADDRESS_MAX];
        bool decided;             /* evidence gathered and assessed at least once */
        bool guarded;             /* a virtio function (decision allow or refuse) */
        bool removed;             /* gone; freed once its unbind child has ended */
        Evidence evidence;
        Assessment assessment;
        char evidence_text[512];
        bool pinned_by_guard;     /* the daemon wrote driver_override itself (kept in the /run record) */

        /* The last usable feature word. virtioN and its features vanish when virtio-pci unbinds (libvirt does
         * that before it binds vfio-pci): the device's offer does not change while it stays present, so the
         * word stays evidence until `remove`. Also taken from the /run record after a restart. */
        bool remembered;
        FeatureSource remembered_source;
        uint64_t remembered_features;
        uint16_t remembered_vendor, remembered_device;
        unsigned refused_bindings;

        /* A full re-decision waits in the low-priority queue (guard_decide_later()). */
        bool decide_queued;
        unsigned decide_flags;
        uint64_t decide_seq;
        const char *decide_why;   /* a static string */

        /* An unbind in flight: while set, no lock-taking attribute of this function is touched. */
        pid_t unbind_pid;
        int unbind_result_fd;     /* the child reports the outcome of its write here */
        UnbindSpare unbind_spare; /* the spare doing it, back to the guard when done (pid 0: a child of its own) */
        char unbind_driver[64];
        bool unbind_stuck;
        bool refusal_unannounced; /* its journal entry and status wait until the child is done, or a while */
        bool bound_while_unbinding; /* a guarded driver's bind uevent came while the child was at work */
        /* The pin thread's outcome, written already, its journal entry waiting (refuse_pin_outcome_later()). */
        bool pin_report_pending;
        int pin_report_r;
        char pin_report_old[PIN_VALUE_MAX];
        const char *pin_report_why;
        sd_event_source *unbind_io;   /* the result pipe */
        sd_event_source *unbind_timer;
} Function;

struct Guard {
        sd_event *event;
        char *root;
        char *config_file;
        bool enforce;
        bool notify;
        bool use_monitor;
        uint64_t unbind_timeout_usec;
        EventSink sink;
        void *sink_userdata;
        GuardDecisionHook decision_hook;
        void *decision_hook_userdata;

        Config config;
        bool config_loaded;
        ProbeCache *probe_cache;       /* what a probe may reuse (whether the platform has a device tree at all) */

        Function **functions;
        size_t n_functions, allocated;

        /* Re-decisions that are not urgent wait here, below the monitor: a vfio bind is never queued behind
         * the probes that the unbind and bind uevents of the same libvirt sequence ask for. */
        sd_event_source *decide_source;
        uint64_t decide_seq;
        uint64_t decide_first_usec;    /* CLOCK_MONOTONIC: when the queue was last armed from empty */

        /* An unbind child forked ahead of time (refuse.c): a vfio bind is answered without a fork. */
        UnbindSpare spare;
        sd_event_source *spare_source;
        /* The guarded PCI drivers that exist, by name, for arming the spare: read when first needed again after
         * a driver was added or removed, or a reload (refuse_drivers_changed()). */
        char spare_drivers[UNBIND_SPARE_MAX_DRIVERS][64];
        size_t n_spare_drivers;
        bool spare_drivers_read;
        PinWorker *pin_worker;         /* pin checks off the loop (pin-worker.c), started on first use */
        sd_event_source *pin_report_source; /* journals the pin thread's outcomes a little later */
        unsigned pin_reports_pending;
        bool pin_reports_flushing;
        PinWatch *pin_watch;           /* inotify on the pinned driver_override files (pin-watch.c) */
        bool pin_watch_failed;         /* a watch could not be set: journalled once */

        struct udev *udev;
        struct udev_monitor *monitor;
        sd_event_source *monitor_source;

        /* Kernel enforcement (kernel-enforce.c). */
        const KernelOps *kops;
        void *kops_userdata;
        KernelMode kernel_mode;
        bool kernel_open;              /* kops->open() succeeded and kops->close() has not been called */
        char kernel_why[200];          /* why reactive (or how the program was found), for journal and file */
        sd_event_source *kernel_events;
        unsigned kernel_denials;
        uint64_t denial_window_usec;   /* rate limit of denial entries: start of the current second */
        unsigned denials_in_window, denials_suppressed;
        struct KernelNode *kernel_nodes; /* the vfio nodes the map denies, as far as this daemon knows */
        size_t n_kernel_nodes;

        bool started, ready;
        unsigned refused_bindings;
        char status[256];
};

/* Nothing is written to sysfs unless --enforce was given and Mode=enforce. */
static inline bool guard_may_act(const Guard *g)
{
        return g->enforce && g->config.mode == GUARD_MODE_ENFORCE;
}

/* guard.c */
Function *guard_find(Guard *g, const char *address);
typedef enum DecideFlags {
        DECIDE_MAY_UNBIND = 1 << 0,  /* unbind when bound to a guarded driver (start, add, reload, bind) */
        DECIDE_MAY_READ_OFFERED = 1 << 1, /* nothing can be probing it right now (not right after `add`) */
        DECIDE_FORCE_LOG = 1 << 2,   /* journal the classification even when it did not change */
        DECIDE_RETRIED = 1 << 3,     /* internal: second pass after pinning an unbound unknown function */
        DECIDE_KEEP_OVERRIDE = 1 << 4, /* do not read driver_override (the pin worker does): keep what is known */
} DecideFlags;
/* Probe, assess, act, record. Returns 0, -ENOENT when the function is gone (it is forgotten), other -errno. */
int guard_decide(Guard *g, const char *address, DecideFlags flags, const char *why);
/* The same, later: once nothing of higher priority (the monitor, an unbind ending) is pending. Requests for one
 * function merge (flags or-ed, the last why). why must be a static string. */
void guard_decide_later(Guard *g, const char *address, DecideFlags flags, const char *why);
void guard_forget(Guard *g, const char *address);
/* Free a function marked removed whose unbind child has ended. */
void guard_drop(Guard *g, Function *f);
void guard_emit(Guard *g, const GuardEvent *ev);
/* Fill the function's fields (device, verdict, …) of an event; pci_id is storage for one of them. */
void guard_function_event(Guard *g, Function *f, GuardEvent *ev, char pci_id[static 16]);
void guard_emit_function(Guard *g, Function *f, EventKind kind, int priority, const char *action,
                         const char *driver, const char *fmt, ...) _printf_(7, 8);
void function_record(Guard *g, Function *f);

/* The function's driver_override names the native driver (by the guard or anybody). */
bool function_is_pinned(const Function *f);

/* refuse.c: the unbind job. */
int refuse_start(Guard *g, Function *f, const char *driver);
void refuse_cancel_watch(Function *f);
/* Journal a refusal whose entry still waits (refuse_start() defers it while the child writes). */
void refuse_announce(Guard *g, Function *f);
/* Fork a spare unbind child once nothing is urgent (when enforcing and none is idle); let it go. */
void refuse_want_spare(Guard *g);
void refuse_drop_spare(Guard *g);
/* A bind of f by a guarded driver is unbound at once, without probing first: refused, with settled evidence. The
 * idle spare is armed with exactly these functions (less those being unbound). */
bool refuse_unbinds_at_once(const Function *f);
/* Tell the idle spare what it may unbind on its own, as the functions stand now. Called whenever the set may
 * have changed, and before a pin is lifted (act/unbind.h). */
void refuse_arm_spare(Guard *g);
/* A PCI driver came or went, or GuardedDrivers= may have changed: read the list again and re-arm. */
void refuse_drivers_changed(Guard *g);
/* Ensure the pin of a refused function (no unbind in flight). why: "start", "bind", … */
void refuse_ensure_pin(Guard *g, Function *f, const char *why);
/* The outcome of a pin check: r < 0 failed; old NULL: it was in place; else written over old. Journals it and
 * updates the function (not its record). */
void refuse_pin_outcome(Guard *g, Function *f, const char *old, int r, const char *why);
/* The same, its journal entry a little later (before any other entry, at the latest). */
void refuse_pin_outcome_later(Guard *g, Function *f, const char *old, int r, const char *why);
/* Journal the outcomes that wait, now, in order. */
void refuse_flush_pin_reports(Guard *g);

/* pin-worker.c: the pin check of a refused function, in a thread (false: not queued, do it in line). */
bool pin_worker_queue(Guard *g, Function *f, const char *why);
/* Drop the job of this address if the thread has not taken it yet. */
void pin_worker_cancel(Guard *g, const char *address);
/* Around a fork: true when the thread is between jobs, and then it stays so until pin_worker_resume(). A child
 * forked while the thread is inside a library call could inherit that library's lock held (umockdev's preload
 * in the tests has no fork handlers); the children make raw system calls only (act/unbind.c), so this is the
 * second line. false: busy, nothing held. */
bool pin_worker_pause(Guard *g);
void pin_worker_resume(Guard *g);
void pin_worker_stop(Guard *g);

/* pin-watch.c: IN_MODIFY of a pinned driver_override queues its pin check (started on first use). */
/* Watch f's driver_override while the guard pins it (refused, Pin=yes, enforcing); stop watching otherwise. */
void pin_watch_update(Guard *g, Function *f);
/* The function is forgotten or freed. */
void pin_watch_forget(Guard *g, const char *address);
void pin_watch_stop(Guard *g);

/* kernel-enforce.c */
/* After every configuration load (start: before enumeration; reload: before re-applying): open, keep or unpin
 * the kernel enforcement as the configuration says; journal and record the mode when it changed (or at start). */
void kernel_enforce_configure(Guard *g, bool starting);
/* A decision changed (called before it is acted on): refuse or allow the address, deny or allow nodes. */
int kernel_enforce_decision(Guard *g, Function *f, Decision old_decision, Decision new_decision);
/* A guarded driver holds a refused function and an unbind is about to be dispatched: deny its vfio nodes. */
void kernel_enforce_before_unbind(Guard *g, Function *f);
/* Everything: refill the refused addresses, drop stale addresses and nodes (after enumeration, reload, unbind). */
void kernel_enforce_sync(Guard *g);
/* The unbind child writes driver_override from its own process. */
int kernel_enforce_exempt(Guard *g, pid_t pid);
void kernel_enforce_unexempt(Guard *g, pid_t pid);
/* Leave: descriptors closed, enforcement stays pinned (fail-closed). */
void kernel_enforce_done(Guard *g);

/* monitor.c */
int monitor_start(Guard *g);
void monitor_stop(Guard *g);

/* status.c */
void status_update(Guard *g);
void status_ready(Guard *g);
void status_stopping(Guard *g);
