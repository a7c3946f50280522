/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Refusing a function to vfio: the pin, and the unbind job when a guarded driver bound it anyway. The unbind is
 * written by a child (act/unbind.c); the loop only watches it: a timer names the holders when it takes long, the
 * child's report finishes the job (re-pin, hand back to the native driver). While the child is at it, nothing
 * that takes the function's device lock is touched (DESIGN.md section 4). A spare child comes back when done.
 */
#include <syslog.h>
#include <sys/wait.h>

#include "act/holders.h"
#include "act/pin.h"
#include "act/reprobe.h"
#include "act/unbind.h"
#include "daemon/guard-internal.h"
#include "probe/record.h"

/* How long the journal entry and the status of a refusal may wait for the unbind child. Both wake another process
 * (journald, the service manager) that would take the CPU from the child just before or during its write: vfio-pci
 * suspends the function right after binding it, and an unbind that comes after that must wait for the suspend and
 * the resume. Long enough for the usual unbind, far below the stuck-unbind timeout. */
#define ANNOUNCE_DELAY_USEC (50 * 1000ULL)

void refuse_cancel_watch(Function *f)
{
        f->unbind_io = sd_event_source_disable_unref(f->unbind_io);
        f->unbind_timer = sd_event_source_disable_unref(f->unbind_timer);
        if (f->unbind_spare.pid > 0) {
                /* Not killed: it finishes its unbind, then finds its job channel closed and exits. Its result
                 * pipe is unbind_result_fd, closed below. */
                close(f->unbind_spare.job_fd);
                f->unbind_spare = UNBIND_SPARE_NULL;
        }
        if (f->unbind_result_fd >= 0)
                close(f->unbind_result_fd);
        f->unbind_result_fd = -1;
}

/* Under the BPF LSM the child's pin write needs an exemption, given before it learns its job (refuse_start()): a
 * spare there only takes jobs. */
static bool spare_may_listen(const Guard *g)
{
        return guard_may_act(g) && !(g->kernel_mode == KERNEL_MODE_BPF_LSM && g->config.pin);
}

bool refuse_unbinds_at_once(const Function *f)
{
        return f->decided && f->guarded && !f->removed && f->assessment.decision == DECISION_REFUSE &&
               f->assessment.verdict != VERDICT_UNKNOWN;
}

/* The guarded drivers that exist now (the spare matches exact names; a driver loaded later re-arms it through
 * its `add` uevent, monitor.c). Never the native driver: the hand-back binds it. */
static void spare_drivers_read(Guard *g)
{
        _cleanup_closedir_ DIR *d = NULL;
        char path[PATH_MAX];
        struct dirent *de;

        g->n_spare_drivers = 0;
        g->spare_drivers_read = true;
        snprintf(path, sizeof path, "%s/sys/bus/pci/drivers", strempty(g->root));
        d = opendir(path);
        if (!d)
                return;
        while ((de = readdir(d)) && g->n_spare_drivers < UNBIND_SPARE_MAX_DRIVERS) {
                if (de->d_name[0] == '.' || strlen(de->d_name) >= sizeof g->spare_drivers[0] ||
                    streq(de->d_name, PIN_NATIVE_DRIVER) || !config_driver_is_guarded(&g->config, de->d_name))
                        continue;
                strcpy(g->spare_drivers[g->n_spare_drivers++], de->d_name);
        }
}

void refuse_drivers_changed(Guard *g)
{
        g->spare_drivers_read = false;
        refuse_arm_spare(g);
}

void refuse_arm_spare(Guard *g)
{
        static const char *addresses[UNBIND_SPARE_MAX_ADDRESSES];
        const char *drivers[UNBIND_SPARE_MAX_DRIVERS];
        size_t n = 0, n_drivers = 0;
        int r;

        if (g->spare.pid <= 0 || !g->spare.listening)
                return;
        if (spare_may_listen(g)) {
                for (size_t i = 0; i < g->n_functions && n < UNBIND_SPARE_MAX_ADDRESSES; i++) {
                        Function *f = g->functions[i];
                        if (refuse_unbinds_at_once(f) && f->unbind_pid == 0)
                                addresses[n++] = f->address;
                }
                if (n > 0 && !g->spare_drivers_read)
                        spare_drivers_read(g);
                n_drivers = n > 0 ? g->n_spare_drivers : 0;
                for (size_t i = 0; i < n_drivers; i++)
                        drivers[i] = g->spare_drivers[i];
        }
        r = unbind_spare_arm(&g->spare, g->root, g->config.pin ? PIN_NATIVE_DRIVER : NULL, addresses, n, drivers,
                             n_drivers);
        if (r < 0) {
                /* Gone, or it cannot be told: not one that might act on an old arming. */
                refuse_drop_spare(g);
                refuse_want_spare(g);
        }
}

/* Without a spare the next unbind forks on the spot: slower, not less safe. Not while the pin thread is inside a
 * write: asked again when its job is done. */
static void spare_start(Guard *g)
{
        if (g->spare.pid <= 0 && guard_may_act(g) && pin_worker_pause(g)) {
                (void) unbind_spare_start(&g->spare, spare_may_listen(g));
                pin_worker_resume(g);
                refuse_arm_spare(g);
        }
}

static int on_spare_wanted(sd_event_source *s, void *userdata)
{
        spare_start(userdata);
        return 0;
}

/* A spare lent to an unbind that is not stuck: it comes back when done (spare_take_back()). */
static bool spare_lent(const Guard *g)
{
        for (size_t i = 0; i < g->n_functions; i++)
                if (g->functions[i]->unbind_spare.pid > 0 && !g->functions[i]->unbind_stuck)
                        return true;
        return false;
}

void refuse_want_spare(Guard *g)
{
        int r;

        if (g->spare.pid > 0 || spare_lent(g) || !guard_may_act(g))
                return;
        if (!g->spare_source) {
                /* Idle priority: the fork copies the daemon's page tables; never before a pending uevent. */
                r = sd_event_add_defer(g->event, &g->spare_source, on_spare_wanted, g);
                if (r >= 0)
                        r = sd_event_source_set_priority(g->spare_source, SD_EVENT_PRIORITY_IDLE);
                if (r < 0) {
                        g->spare_source = sd_event_source_disable_unref(g->spare_source);
                        return;
                }
        }
        (void) sd_event_source_set_enabled(g->spare_source, SD_EVENT_ONESHOT);
}

static int on_spare_reaped(sd_event_source *s, const siginfo_t *si, void *userdata)
{
        return 0; /* a floating one-shot source: the loop frees it */
}

/* Let a spare go. Inside an unbind of its own that a holder stretches, it does not end at once: reaped when it
 * ends (never waited for). */
static void spare_let_go(Guard *g, UnbindSpare *s)
{
        pid_t left = unbind_spare_stop(s);

        if (left > 0)
                (void) sd_event_add_child(g->event, NULL, left, WEXITED, on_spare_reaped, NULL);
}

void refuse_drop_spare(Guard *g)
{
        g->spare_source = sd_event_source_disable_unref(g->spare_source);
        spare_let_go(g, &g->spare);
}

void refuse_ensure_pin(Guard *g, Function *f, const char *why)
{
        char cur[PIN_VALUE_MAX] = "";
        int r;

        if (f->unbind_pid > 0 || !g->config.pin)
                return;

        if (f->evidence.driver_override_read)
                snprintf(cur, sizeof cur, "%s", f->evidence.driver_override);
        else if (pin_read(g->root, f->address, cur, sizeof cur) == -ENOENT)
                return; /* a kernel without driver_override, or the function just went away */
        if (streq(cur, PIN_NATIVE_DRIVER))
                return;

        if (!guard_may_act(g)) {
                guard_emit_function(g, f, EVENT_PINNED, LOG_NOTICE, "would-pin", PIN_NATIVE_DRIVER,
                                    "%s: would pin driver_override to %s (%s); not enforcing", f->address,
                                    PIN_NATIVE_DRIVER, why);
                return;
        }

        r = pin_write(g->root, f->address, PIN_NATIVE_DRIVER);
        refuse_pin_outcome(g, f, cur, r, why);
        /* The caller records the function: guard_decide() afterwards, the monitor through the re-decision it
         * queues. */
}

/* What a pin outcome changes in the function: at once. */
static void pin_outcome_state(Function *f, const char *old, int r)
{
        if (r < 0)
                return;
        snprintf(f->evidence.driver_override, sizeof f->evidence.driver_override, "%s", PIN_NATIVE_DRIVER);
        f->evidence.driver_override_read = true;
        if (old)
                f->pinned_by_guard = true;
}

/* Its journal entry, if any: nothing when the pin was in place already (whoever put it there). */
static void pin_outcome_emit(Guard *g, Function *f, const char *old, int r, const char *why)
{
        if (r < 0) {
                guard_emit_function(g, f, EVENT_ACTION_FAILED, LOG_ERR, "pin", PIN_NATIVE_DRIVER,
                                    "%s: could not pin driver_override to %s: %s", f->address, PIN_NATIVE_DRIVER,
                                    strerror(-r));
                return;
        }
        if (!old)
                return;
        if (old[0])
                guard_emit_function(g, f, EVENT_PINNED, LOG_NOTICE, "re-pin", PIN_NATIVE_DRIVER,
                                    "%s: driver_override had been set to \"%s\"; pinned it back to %s (%s)",
                                    f->address, old, PIN_NATIVE_DRIVER, why);
        else
                guard_emit_function(g, f, EVENT_PINNED, LOG_NOTICE, "pin", PIN_NATIVE_DRIVER,
                                    "%s: pinned driver_override to %s, vfio cannot bind it (%s)", f->address,
                                    PIN_NATIVE_DRIVER, why);
}

void refuse_pin_outcome(Guard *g, Function *f, const char *old, int r, const char *why)
{
        pin_outcome_state(f, old, r);
        pin_outcome_emit(g, f, old, r, why);
}

static int on_pin_reports(sd_event_source *s, uint64_t usec, void *userdata)
{
        refuse_flush_pin_reports(userdata);
        return 0;
}

void refuse_flush_pin_reports(Guard *g)
{
        if (g->pin_reports_pending == 0 || g->pin_reports_flushing)
                return;
        g->pin_reports_flushing = true;
        for (size_t i = 0; i < g->n_functions; i++) {
                Function *f = g->functions[i];
                if (!f->pin_report_pending)
                        continue;
                f->pin_report_pending = false;
                pin_outcome_emit(g, f, f->pin_report_r < 0 ? NULL : f->pin_report_old, f->pin_report_r,
                                 f->pin_report_why);
        }
        g->pin_reports_pending = 0;
        g->pin_reports_flushing = false;
        if (g->pin_report_source)
                (void) sd_event_source_set_enabled(g->pin_report_source, SD_EVENT_OFF);
}

/* The pin thread's re-pin after an unbind uevent comes in the middle of a management stack's bind sequence
 * (override, unbind, drivers_probe): its journal entry would wake journald just when the vfio bind may follow
 * and the guard needs the CPU (ANNOUNCE_DELAY_USEC). The state changes at once; the entry follows within
 * the delay, or before any other entry (guard_emit() flushes), so the journal keeps the order of events. */
void refuse_pin_outcome_later(Guard *g, Function *f, const char *old, int r, const char *why)
{
        int k;

        pin_outcome_state(f, old, r);
        if (r >= 0 && !old)
                return; /* nothing to journal */
        if (f->pin_report_pending)
                refuse_flush_pin_reports(g);
        if (!g->pin_report_source) {
                k = sd_event_add_time_relative(g->event, &g->pin_report_source, CLOCK_MONOTONIC,
                                               ANNOUNCE_DELAY_USEC, 0, on_pin_reports, g);
                if (k < 0) {
                        pin_outcome_emit(g, f, old, r, why);
                        return;
                }
        } else if (g->pin_reports_pending == 0 &&
                   sd_event_source_set_time_relative(g->pin_report_source, ANNOUNCE_DELAY_USEC) < 0) {
                pin_outcome_emit(g, f, old, r, why);
                return;
        }
        (void) sd_event_source_set_enabled(g->pin_report_source, SD_EVENT_ONESHOT);
        f->pin_report_pending = true;
        f->pin_report_r = r;
        f->pin_report_why = why;
        snprintf(f->pin_report_old, sizeof f->pin_report_old, "%s", old ?: "");
        g->pin_reports_pending++;
}

void refuse_announce(Guard *g, Function *f)
{
        if (!f->refusal_unannounced)
                return;
        f->refusal_unannounced = false;
        guard_emit_function(g, f, EVENT_BIND_REFUSED, LOG_NOTICE, "unbind", f->unbind_driver,
                            "%s: %s bound a function the guard refuses; unbinding it%s", f->address,
                            f->unbind_driver, g->config.pin ? ", pinning it to " PIN_NATIVE_DRIVER : "");
        status_update(g);
}

static uint64_t announce_delay(const Guard *g)
{
        return g->unbind_timeout_usec < ANNOUNCE_DELAY_USEC ? g->unbind_timeout_usec : ANNOUNCE_DELAY_USEC;
}

static int on_unbind_timeout(sd_event_source *s, uint64_t usec, void *userdata)
{
        Function *f = userdata;
        Guard *g = f->guard;
        _cleanup_free_ Holder *h = NULL;
        char holders[512] = "";
        int n;

        /* The first expiry is the deferred journal entry; the same timer then waits for the rest of the
         * stuck-unbind timeout. */
        if (f->refusal_unannounced) {
                refuse_announce(g, f);
                if (g->unbind_timeout_usec > announce_delay(g) &&
                    sd_event_source_set_time_relative(s, g->unbind_timeout_usec - announce_delay(g)) >= 0 &&
                    sd_event_source_set_enabled(s, SD_EVENT_ONESHOT) >= 0)
                        return 0;
        }

        n = holders_find(g->root, f->address, f->evidence.group_number, &h);
        if (n > 0)
                holders_format(h, (size_t) n, holders, sizeof holders);
        f->unbind_stuck = true;
        /* A spare lent to it is held up: the next bind elsewhere gets a new one. */
        refuse_want_spare(g);

        _cleanup_free_ char *message = NULL;
        char pci_id[16];
        if (asprintf(&message,
                     "%s: unbinding it from %s has not finished after %.1f s: %s%s; the guard goes on serving the "
                     "other functions and finishes this one when the device is let go",
                     f->address, f->unbind_driver, (double) g->unbind_timeout_usec / 1e6,
                     n > 0 ? "held by " : n == 0 ? "no holder found" : "holders could not be read",
                     holders) < 0)
                message = NULL;
        GuardEvent ev = {
                .kind = EVENT_UNBIND_STUCK,
                .priority = LOG_WARNING,
                .message = message ?: "unbind stuck",
                .action = "unbind",
                .driver = f->unbind_driver,
                .holders = n > 0 ? holders : NULL,
        };
        guard_function_event(g, f, &ev, pci_id);
        guard_emit(g, &ev);
        status_update(g);
        return 0;
}

/* The spare that did a job, back: the idle spare again (it is armed below). It is preferred to one forked meanwhile
 * (another function's unbind while it was lent): having slept, it gets a CPU at once when the next bind wakes it.
 * A dead one (its pipe ended without a report) is reaped. */
static void spare_take_back(Guard *g, UnbindSpare *back, bool dead)
{
        if (dead || !guard_may_act(g)) {
                spare_let_go(g, back);
                return;
        }
        if (g->spare.pid > 0)
                spare_let_go(g, &g->spare);
        g->spare = *back;
        *back = UNBIND_SPARE_NULL;
}

static int on_unbind_done(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        Function *f = userdata;
        Guard *g = f->guard;
        char address[PCI_ADDRESS_MAX], driver[64], actions[64] = "unbind", other[UNBIND_ADDRESS_MAX];
        bool was_stuck = f->unbind_stuck, own;
        UnbindSpare back;
        int r, k;

        r = unbind_result(fd, f->address, &own, other);
        if (r == -EAGAIN)
                return 0; /* woken early: the job is not done */
        refuse_announce(g, f); /* the refusal is journalled before its outcome */
        /* An armed spare that unbound another function on its own before this job came (its bind uevent was
         * not seen here: socket overrun): decide that one again; the spare pinned it. */
        if (other[0])
                guard_decide_later(g, other, DECIDE_MAY_UNBIND, "unbound by the spare on its own");
        kernel_enforce_unexempt(g, f->unbind_pid);
        (void) record_mark_unbinding(g->root, f->address, false);
        f->unbind_pid = 0;
        f->unbind_stuck = false;
        /* The spare's pipe stays with it. */
        back = f->unbind_spare;
        if (back.pid > 0) {
                f->unbind_spare = UNBIND_SPARE_NULL;
                f->unbind_result_fd = -1;
        }
        refuse_cancel_watch(f);
        if (back.pid > 0)
                spare_take_back(g, &back, r == -EINTR);
        snprintf(address, sizeof address, "%s", f->address);
        snprintf(driver, sizeof driver, "%s", f->unbind_driver);

        if (f->removed) {
                guard_drop(g, f);
                kernel_enforce_sync(g); /* its vfio nodes went with it */
                status_update(g);
                refuse_want_spare(g);
                return 0;
        }

        if (r < 0 && r != -ENODEV) {
                guard_emit_function(g, f, EVENT_ACTION_FAILED, LOG_ERR, "unbind", driver,
                                    "%s: could not unbind it from %s: %s", address, driver, strerror(-r));
                status_update(g);
                refuse_want_spare(g);
                return 0;
        }

        /* Unbound (or -ENODEV: somebody else unbound it first). The override may have been rewritten while
         * the unbind waited (libvirt, driverctl, dpdk-devbind write it before they bind): pin it again. */
        if (g->config.pin && guard_may_act(g)) {
                char cur[PIN_VALUE_MAX] = "";
                k = pin_read(g->root, address, cur, sizeof cur);
                if (k >= 0 && !streq(cur, PIN_NATIVE_DRIVER))
                        k = pin_write(g->root, address, PIN_NATIVE_DRIVER);
                if (k >= 0) {
                        f->pinned_by_guard = true;
                        snprintf(f->evidence.driver_override, sizeof f->evidence.driver_override, "%s",
                                 PIN_NATIVE_DRIVER);
                        f->evidence.driver_override_read = true;
                        strcat(actions, ",re-pin");
                } else
                        guard_emit_function(g, f, EVENT_ACTION_FAILED, LOG_ERR, "re-pin", PIN_NATIVE_DRIVER,
                                            "%s: could not pin driver_override again: %s", address, strerror(-k));
        }
        /* The spare (the one back from this job, or a new one now, not when the next vfio bind is already being
         * unbound: a fork copies the page tables, milliseconds of CPU under emulation) is armed with this function
         * again before the hand-back: a management stack may try again right after it. */
        if (g->spare.pid > 0)
                refuse_arm_spare(g);
        else
                spare_start(g);
        if (g->config.reprobe && guard_may_act(g)) {
                k = reprobe_function(g->root, address, PIN_NATIVE_DRIVER,
                                     g->config.pin && f->evidence.driver_override_read &&
                                             streq(f->evidence.driver_override, PIN_NATIVE_DRIVER));
                if (k >= 0)
                        strcat(actions, ",reprobe");
                else
                        guard_emit_function(g, f, EVENT_ACTION_FAILED, LOG_WARNING, "reprobe", PIN_NATIVE_DRIVER,
                                            "%s: could not hand it back to %s: %s", address, PIN_NATIVE_DRIVER,
                                            strerror(-k));
        }
        guard_emit_function(g, f, EVENT_UNBOUND, LOG_NOTICE, actions, driver,
                            "%s: unbound from %s%s (%s)%s", address, driver,
                            was_stuck ? " after its holders let go" : "", actions,
                            own ? "; the unbind child acted on the bind uevent itself" : "");
        function_record(g, f);

        /* vfio let it go: its device node, and the group node when it was the last vfio member, are gone, and
         * their numbers may go to another group next; allow them again. */
        kernel_enforce_sync(g);

        /* A guarded driver bound it again while the child was at work (the monitor leaves such a bind to this
         * place): decided now, and unbound again if it still holds it. */
        if (f->bound_while_unbinding) {
                f->bound_while_unbinding = false;
                (void) guard_decide(g, address, DECIDE_MAY_UNBIND, "bind while unbinding");
                return 0;
        }
        /* Fresh evidence, no new unbind: the kernel's own bind/unbind uevents drive anything further. It waits
         * behind the monitor: another function's vfio bind may be pending. */
        guard_decide_later(g, address, 0, "unbind finished");
        return 0;
}

int refuse_start(Guard *g, Function *f, const char *driver)
{
        pid_t pid;
        int r;

        if (f->unbind_pid > 0)
                return 0;

        if (!guard_may_act(g)) {
                guard_emit_function(g, f, EVENT_BIND_REFUSED, LOG_NOTICE, "would-unbind", driver,
                                    "%s: bound to %s; would unbind it%s; not enforcing", f->address, driver,
                                    g->config.pin ? ", pin it to " PIN_NATIVE_DRIVER " and hand it back" : "");
                return 0;
        }

        /* vfio-pci holds it: its nodes exist now, and nobody may open them while it is handed back. Every
         * path to an unbind (start, bind uevent, reload) comes through here. */
        kernel_enforce_before_unbind(g, f);

        /* At once: user space may be opening the vfio group right now.
         *
         * Under the BPF LSM the child's pin write needs an exemption: the address is already in the refused map,
         * and the child is a process of its own. It is still needed: a function that vfio-pci held before the
         * guard ran may carry no pin at all, or libvirt's "vfio-pci" written before the wall went up, and the
         * daemon cannot write it itself (the write waits for the device lock, which a stuck unbind elsewhere may
         * hold: DESIGN.md section 4). So the child waits on a gate until its tgid is exempt, and the exemption
         * is withdrawn when it ends (on_unbind_done). If the exemption fails the child's write is refused, and
         * the daemon re-pins after the unbind; the vfio nodes are denied meanwhile. */
        int gate = -1;
        bool gated = g->kernel_mode == KERNEL_MODE_BPF_LSM && g->config.pin;
        const char *pin = g->config.pin ? PIN_NATIVE_DRIVER : NULL;

        /* The spare child first: no fork between the bind uevent and the unbind write. Its job is its gate:
         * it is exempt before it learns what to write. */
        r = -EAGAIN;
        if (g->spare.pid > 0) {
                pid_t spare = g->spare.pid;
                int k = gated ? kernel_enforce_exempt(g, spare) : 0;

                r = unbind_spare_dispatch(&g->spare, g->root, f->address, driver, pin);
                if (r < 0) {
                        if (gated && k >= 0)
                                kernel_enforce_unexempt(g, spare);
                        refuse_drop_spare(g);
                } else {
                        /* Lent to this job; back when it is done (on_unbind_done()). */
                        pid = spare;
                        f->unbind_spare = g->spare;
                        f->unbind_result_fd = g->spare.result_fd;
                        g->spare = UNBIND_SPARE_NULL;
                        if (k < 0)
                                guard_emit_function(g, f, EVENT_ACTION_FAILED, LOG_WARNING, "kernel-enforcement",
                                                    driver,
                                                    "%s: could not let the unbind child %d write the pin: %s; the "
                                                    "guard pins it after the unbind", f->address, (int) pid,
                                                    strerror(-k));
                }
        }
        if (r < 0) {
                /* Urgent: forks even when the pin thread is busy (its writes take no lock of libc's). */
                bool paused = pin_worker_pause(g);
                r = unbind_spawn(g->root, f->address, driver, pin, &pid, &f->unbind_result_fd, gated ? &gate : NULL);
                if (paused)
                        pin_worker_resume(g);
                if (r < 0) {
                        guard_emit_function(g, f, EVENT_ACTION_FAILED, LOG_ERR, "unbind", driver,
                                            "%s: could not start unbinding it from %s: %s", f->address, driver,
                                            strerror(-r));
                        return r;
                }
                /* Its end is reaped here; its report comes through the pipe. */
                (void) sd_event_add_child(g->event, NULL, pid, WEXITED, on_spare_reaped, NULL);
        }
        if (gate >= 0) {
                r = kernel_enforce_exempt(g, pid);
                if (r < 0)
                        guard_emit_function(g, f, EVENT_ACTION_FAILED, LOG_WARNING, "kernel-enforcement", driver,
                                            "%s: could not let the unbind child %d write the pin: %s; the guard "
                                            "pins it after the unbind", f->address, (int) pid, strerror(-r));
                close(gate);
        }
        /* A pin check the unbind uevent before this bind asked for is not needed any more (the child pins, and
         * the end of the job re-pins): it would take the device lock while the child unbinds. */
        pin_worker_cancel(g, f->address);
        /* The child has its job: the rest only reports, and waits where it can. Tell readers (vfio-guardctl)
         * not to touch driver_override while the unbind holds the device lock (advisory). */
        (void) record_mark_unbinding(g->root, f->address, true);
        f->unbind_pid = pid;
        f->unbind_stuck = false;
        f->bound_while_unbinding = false;
        snprintf(f->unbind_driver, sizeof f->unbind_driver, "%s", driver);
        if (g->config.pin)
                f->pinned_by_guard = true; /* the child writes it right after the unbind */
        f->refused_bindings++;
        g->refused_bindings++;

        r = sd_event_add_io(g->event, &f->unbind_io, f->unbind_result_fd, EPOLLIN, on_unbind_done, f);
        if (r >= 0)
                r = sd_event_add_time_relative(g->event, &f->unbind_timer, CLOCK_MONOTONIC, announce_delay(g), 0,
                                               on_unbind_timeout, f);
        if (r < 0) {
                /* Cannot watch it: the child still does its job; the next uevent re-decides. */
                f->refusal_unannounced = true;
                refuse_announce(g, f);
                guard_emit_function(g, f, EVENT_ACTION_FAILED, LOG_ERR, "unbind", driver,
                                    "%s: cannot watch the unbind child %d: %s", f->address, (int) pid, strerror(-r));
                refuse_cancel_watch(f);
                (void) record_mark_unbinding(g->root, f->address, false);
                f->unbind_pid = 0;
                return r;
        }

        /* The BIND_REFUSED entry and the status: when the child is done, or after announce_delay(), whichever
         * comes first (on_unbind_done(), on_unbind_timeout()); always before the outcome. A spare lent to
         * this job comes back when it is done; a new one is forked only if it does not. */
        f->refusal_unannounced = true;
        return 0;
}
