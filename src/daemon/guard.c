/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Where the daemon decides about one function and acts on it: probe (src/probe) → assess() (src/core) → pin,
 * lift or unbind (src/act, through refuse.c) → record in /run and journal. Every path in and out of the guard
 * (start, uevents, reload, the end of an unbind) comes through guard_decide().
 */
#include <signal.h>
#include <stdarg.h>
#include <syslog.h>
#include <time.h>

#include "buildinfo.h"
#include "act/holders.h"
#include "act/pin.h"
#include "core/virtio-ids.h"
#include "daemon/guard-internal.h"
#include "probe/probe.h"
#include "probe/record.h"
#include "shared/strv.h"
#if __has_include("probe/offered.h")
#include "probe/offered.h"
#include "probe/pci-config.h"
#define HAVE_OFFERED_READ 1
#else
#define HAVE_OFFERED_READ 0
#endif

#define DEFAULT_UNBIND_TIMEOUT_USEC (3 * 1000000ULL)

static uint64_t now_usec(clockid_t clock)
{
        struct timespec ts;

        clock_gettime(clock, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000;
}

/* ---- events ---- */

void guard_emit(Guard *g, const GuardEvent *ev)
{
        /* Earlier events first: the pin thread's outcomes wait a little (refuse_pin_outcome_later()). */
        refuse_flush_pin_reports(g);
        g->sink(ev, g->sink_userdata);
}

void guard_function_event(Guard *g, Function *f, GuardEvent *ev, char pci_id[static 16])
{
        const Evidence *e = &f->evidence;

        snprintf(pci_id, 16, "%04x:%04x", e->vendor, e->device);
        ev->device = f->address;
        ev->verdict = f->decided ? verdict_to_string(f->assessment.verdict) : NULL;
        ev->context = f->decided ? context_to_string(f->assessment.context) : NULL;
        ev->decision = f->decided ? decision_to_string(f->assessment.decision) : NULL;
        ev->evidence = f->decided ? f->evidence_text : NULL;
        ev->pci_id = f->decided ? pci_id : NULL;
        ev->iommu = e->dt.present && e->dt.iommu[0] ? e->dt.iommu : NULL;
        ev->mode = guard_may_act(g) ? "enforce" : "audit";
}

void guard_emit_function(Guard *g, Function *f, EventKind kind, int priority, const char *action,
                         const char *driver, const char *fmt, ...)
{
        _cleanup_free_ char *message = NULL;
        char pci_id[16];
        va_list ap;

        va_start(ap, fmt);
        if (vasprintf(&message, fmt, ap) < 0)
                message = NULL;
        va_end(ap);

        GuardEvent ev = {
                .kind = kind,
                .priority = priority,
                .message = message ?: "(out of memory)",
                .action = action,
                .driver = driver,
        };
        guard_function_event(g, f, &ev, pci_id);
        guard_emit(g, &ev);
}

/* ---- the function table ---- */

Function *guard_find(Guard *g, const char *address)
{
        for (size_t i = 0; i < g->n_functions; i++)
                if (!g->functions[i]->removed && streq(g->functions[i]->address, address))
                        return g->functions[i];
        return NULL;
}

static Function *guard_add(Guard *g, const char *address)
{
        Function *f;

        if (!GREEDY_REALLOC(g->functions, g->allocated, g->n_functions, 16))
                return NULL;
        f = calloc(1, sizeof *f);
        if (!f)
                return NULL;
        f->guard = g;
        f->unbind_result_fd = -1;
        f->unbind_spare = UNBIND_SPARE_NULL;
        snprintf(f->address, sizeof f->address, "%s", address);
        evidence_init(&f->evidence, address);
        g->functions[g->n_functions++] = f;
        return f;
}

static void function_free_slot(Guard *g, Function *f)
{
        /* Journalled while the function is still known (flushing looks at the list). */
        if (f->pin_report_pending)
                refuse_flush_pin_reports(g);
        for (size_t i = 0; i < g->n_functions; i++)
                if (g->functions[i] == f) {
                        memmove(g->functions + i, g->functions + i + 1,
                                (g->n_functions - i - 1) * sizeof *g->functions);
                        g->n_functions--;
                        break;
                }
        refuse_cancel_watch(f);
        /* A removed one was forgotten by the watch already: a new function at its address may be watched now. */
        if (!f->removed)
                pin_watch_forget(g, f->address);
        free(f);
}

void guard_drop(Guard *g, Function *f)
{
        function_free_slot(g, f);
}

bool function_is_pinned(const Function *f)
{
        return f->pinned_by_guard ||
               (f->evidence.driver_override_read && streq(f->evidence.driver_override, PIN_NATIVE_DRIVER));
}

static void call_decision_hook(Guard *g, Function *f, Decision old_decision, Decision new_decision)
{
        int r;

        if (old_decision == new_decision)
                return;
        r = kernel_enforce_decision(g, f, old_decision, new_decision);
        if (r < 0)
                guard_emit_function(g, f, EVENT_ACTION_FAILED, LOG_ERR, "kernel-enforcement", NULL,
                                    "%s: could not %s it in the kernel: %s", f->address,
                                    new_decision == DECISION_REFUSE ? "refuse" : "allow", strerror(-r));
        if (!g->decision_hook)
                return;
        r = g->decision_hook(g,
                             &(GuardDecisionChange){
                                     .address = f->address,
                                     .old_decision = old_decision,
                                     .new_decision = new_decision,
                                     .pinned = function_is_pinned(f),
                                     .group_number = f->evidence.group_number,
                             },
                             g->decision_hook_userdata);
        if (r < 0)
                guard_emit_function(g, f, EVENT_ACTION_FAILED, LOG_ERR, "kernel-enforcement", NULL,
                                    "%s: kernel-side enforcement could not be updated: %s", f->address,
                                    strerror(-r));
}

void guard_forget(Guard *g, const char *address)
{
        Function *f = guard_find(g, address);
        int r;

        r = record_remove(g->root, address);
        if (r < 0)
                g->sink(&(GuardEvent){ .kind = EVENT_ACTION_FAILED, .priority = LOG_WARNING, .device = address,
                                       .action = "forget",
                                       .message = "could not remove the record of a function that went away" },
                        g->sink_userdata);
        pin_watch_forget(g, address);
        if (!f)
                return;
        if (f->decided && f->guarded)
                call_decision_hook(g, f, f->assessment.decision, DECISION_NOT_GUARDED);
        bool was_at_once = refuse_unbinds_at_once(f) && f->unbind_pid == 0;
        if (f->unbind_pid > 0)
                f->removed = true; /* freed when its unbind child ends (refuse.c) */
        else
                function_free_slot(g, f);
        if (was_at_once)
                refuse_arm_spare(g);
        status_update(g);
}

void function_record(Guard *g, Function *f)
{
        Record rec = {
                .verdict = f->assessment.verdict,
                .decision = f->assessment.decision,
                .feature_source = f->evidence.feature_source,
                .features = f->evidence.features,
                .transport = f->evidence.transport,
                .vendor = f->evidence.vendor,
                .device = f->evidence.device,
                .pinned_by_guard = f->pinned_by_guard,
                .updated_usec = now_usec(CLOCK_REALTIME),
        };
        int r;

        snprintf(rec.address, sizeof rec.address, "%s", f->address);
        if (f->pinned_by_guard)
                snprintf(rec.pin, sizeof rec.pin, "%s", PIN_NATIVE_DRIVER);
        r = record_write(g->root, &rec);
        if (r < 0)
                guard_emit_function(g, f, EVENT_ACTION_FAILED, LOG_WARNING, "record", NULL,
                                    "%s: could not write the record under /run/vfio-guard: %s", f->address,
                                    strerror(-r));
}

/* ---- evidence ---- */

/* The offered word: only when no driver can be using the registers (DESIGN.md section 3), and only when the
 * guard may change device state (reading it writes device_feature_select). */
static void read_offered(Guard *g, Function *f, Evidence *e, DecideFlags flags)
{
        bool unbound_pinned, guarded_idle = false;

        if (!(flags & DECIDE_MAY_READ_OFFERED) || !guard_may_act(g) || f->unbind_pid > 0)
                return;
        if (e->transport != TRANSPORT_TRANSITIONAL && e->transport != TRANSPORT_MODERN)
                return;

        unbound_pinned = !e->driver[0] && e->driver_override_read && streq(e->driver_override, PIN_NATIVE_DRIVER);
        if (!unbound_pinned && e->driver[0] && config_driver_is_guarded(&g->config, e->driver)) {
                _cleanup_free_ Holder *h = NULL;
                guarded_idle = holders_find(g->root, f->address, e->group_number, &h) == 0;
        }
        if (!unbound_pinned && !guarded_idle)
                return;

#if HAVE_OFFERED_READ
        uint64_t word;
        FeatureSource source;
        char problem[EVIDENCE_TEXT_MAX] = "";
        VirtioCaps caps;
        int r = pci_config_virtio_caps(g->root, f->address, &caps);
        if (r >= 0)
                r = offered_features_read(g->root, f->address, &caps, &source, &word, problem, sizeof problem);
        else
                snprintf(problem, sizeof problem, "virtio capabilities unreadable: %s", strerror(-r));
        if (r >= 0) {
                e->features = word;
                e->feature_source = source;
                e->feature_recorded = false;
                e->feature_problem[0] = '\0';
        } else if (problem[0])
                snprintf(e->feature_problem, sizeof e->feature_problem, "%s", problem);
#else
        snprintf(e->feature_problem, sizeof e->feature_problem,
                 "offered features not read: this build has no reader for them");
#endif
}

/* ---- deciding and acting ---- */

/* Called from guard_decide() only, which records the function afterwards. */
static void lift_own_pin(Guard *g, Function *f, const char *why)
{
        char cur[PIN_VALUE_MAX];
        int r;

        if (!f->pinned_by_guard || f->unbind_pid > 0)
                return;
        if (!g->enforce) {
                /* Rule zero: without --enforce the daemon writes nothing, not even to undo. */
                guard_emit_function(g, f, EVENT_PIN_LIFTED, LOG_NOTICE, "would-lift-pin", PIN_NATIVE_DRIVER,
                                    "%s: would lift the guard's own pin (%s); not enforcing", f->address, why);
                return;
        }
        r = pin_read(g->root, f->address, cur, sizeof cur);
        if (r >= 0 && !streq(cur, PIN_NATIVE_DRIVER)) {
                /* Somebody rewrote it since: not ours any more, leave it alone. */
                f->pinned_by_guard = false;
                return;
        }
        if (r >= 0)
                r = pin_clear(g->root, f->address);
        if (r < 0) {
                guard_emit_function(g, f, EVENT_ACTION_FAILED, LOG_ERR, "lift-pin", PIN_NATIVE_DRIVER,
                                    "%s: could not lift the guard's pin: %s", f->address, strerror(-r));
                return;
        }
        f->pinned_by_guard = false;
        f->evidence.driver_override[0] = '\0';
        guard_emit_function(g, f, EVENT_PIN_LIFTED, LOG_NOTICE, "lift-pin", PIN_NATIVE_DRIVER,
                            "%s: lifted the guard's pin on driver_override (%s)", f->address, why);
}

int guard_decide(Guard *g, const char *address, DecideFlags flags, const char *why)
{
        char reason[512];
        Function *f;
        Evidence e;
        Assessment a;
        bool changed, was_guarded;
        Decision old_decision;
        bool was_at_once;
        int r;

        f = guard_find(g, address);
        if (!f) {
                f = guard_add(g, address);
                if (!f)
                        return -ENOMEM;
        }

        ProbeOptions o = {
                .root = g->root,
                .config = &g->config,
                .use_records = true,
                .skip_driver_override = f->unbind_pid > 0 || (flags & DECIDE_KEEP_OVERRIDE),
                .cache = g->probe_cache,
        };
        r = probe_function(&o, address, &e);
        if (r == -ENOENT) {
                guard_forget(g, address);
                return r;
        }
        if (r < 0) {
                if (!f->decided)
                        function_free_slot(g, f);
                return r;
        }

        was_at_once = refuse_unbinds_at_once(f);
        assess(&e, &g->config, &a);
        if (a.verdict == VERDICT_UNKNOWN && f->remembered &&
            f->remembered_vendor == e.vendor && f->remembered_device == e.device && a.basis != BASIS_FEATURES) {
                e.features = f->remembered_features;
                e.feature_source = f->remembered_source;
                e.feature_recorded = true;
                e.feature_problem[0] = '\0';
                assess(&e, &g->config, &a);
        }
        if (a.decision == DECISION_NOT_GUARDED) {
                /* Never touched, never journalled above debug: the guard is about virtio functions only. */
                f->evidence = e;
                f->assessment = a;
                f->decided = true;
                f->guarded = false;
                if (was_at_once)
                        refuse_arm_spare(g);
                pin_watch_update(g, f);
                return 0;
        }

        if (a.verdict == VERDICT_UNKNOWN && (a.basis == BASIS_NO_FEATURES || a.basis == BASIS_NOT_NEGOTIATED)) {
                read_offered(g, f, &e, flags);
                assess(&e, &g->config, &a);
        }

        was_guarded = f->decided && f->guarded;
        old_decision = was_guarded ? f->assessment.decision : DECISION_NOT_GUARDED;
        changed = !was_guarded || f->assessment.verdict != a.verdict || f->assessment.decision != a.decision;
        if (f->unbind_pid > 0 || (flags & DECIDE_KEEP_OVERRIDE)) {
                /* The override was not read (device lock): keep what was known. */
                snprintf(e.driver_override, sizeof e.driver_override, "%s", f->evidence.driver_override);
                e.driver_override_read = f->evidence.driver_override_read;
        }
        f->evidence = e;
        f->assessment = a;
        f->decided = f->guarded = true;
        if (a.basis == BASIS_FEATURES) {
                f->remembered = true;
                f->remembered_source = e.feature_source;
                f->remembered_features = e.features;
                f->remembered_vendor = e.vendor;
                f->remembered_device = e.device;
        }
        assessment_evidence_text(&e, &a, f->evidence_text, sizeof f->evidence_text);

        if (changed || (flags & DECIDE_FORCE_LOG)) {
                const char *fix = assessment_fix(&e, &a);
                const char *type = virtio_type_to_string(e.virtio_type);
                bool dt_covered = e.dt.present && e.dt.covered && e.dt.iommu[0] && a.verdict == VERDICT_BYPASS;

                assessment_reason_text(&e, &a, reason, sizeof reason);
                guard_emit_function(g, f, EVENT_CLASSIFIED, a.decision == DECISION_REFUSE ? LOG_NOTICE : LOG_INFO,
                                    NULL, e.driver[0] ? e.driver : NULL,
                                    "%s (virtio %s, %s): %s in context %s, %s%s: %s%s%s%s%s%s", f->address,
                                    type ?: "device", transport_to_string(e.transport), verdict_to_string(a.verdict),
                                    context_to_string(a.context), decision_to_string(a.decision),
                                    changed && was_guarded ? " (changed)" : "", reason,
                                    /* The device tree names the IOMMU the device ignores (explains, never decides). */
                                    dt_covered ? "; covered by " : "", dt_covered ? e.dt.iommu : "",
                                    dt_covered ? " but the device ignores it" : "",
                                    fix && a.decision == DECISION_REFUSE ? ". Fix: " : "",
                                    fix && a.decision == DECISION_REFUSE ? fix : "");
                if (a.allow_overrides_bypass)
                        guard_emit_function(g, f, EVENT_ALLOWED_BY_POLICY, LOG_WARNING, "allow", NULL,
                                            "%s: Allow= lets vfio have a %s function: it ignores the IOMMU, and "
                                            "assigning it can corrupt this machine's memory",
                                            f->address, verdict_to_string(a.verdict));
                if (a.reason == REASON_NOIOMMU_ALLOWED)
                        guard_emit_function(g, f, EVENT_NOIOMMU, LOG_NOTICE, "allow", NULL,
                                            "%s: %s, but no IOMMU covers it: vfio could bind it only in no-IOMMU "
                                            "mode, where nothing is corrupted; allowed (NoIOMMU=refuse refuses)",
                                            f->address, verdict_to_string(a.verdict));
        }

        /* Kernel side first: a function that becomes allowed must leave the BPF map before its pin is lifted
         * (or the guard's own write would be its only way out), and one that becomes refused is walled off
         * before anything is dispatched. */
        call_decision_hook(g, f, old_decision, a.decision);
        /* The spare learns it before any pin is lifted below. */
        if (was_at_once != refuse_unbinds_at_once(f))
                refuse_arm_spare(g);

        /* Act. Nothing here while an unbind of this function is in flight: refuse.c re-decides when it ends. */
        if (f->unbind_pid == 0) {
                bool want_pin = a.decision == DECISION_REFUSE && g->config.pin && g->config.mode == GUARD_MODE_ENFORCE;

                if (a.decision == DECISION_REFUSE && e.driver[0] && config_driver_is_guarded(&g->config, e.driver) &&
                    (flags & DECIDE_MAY_UNBIND))
                        (void) refuse_start(g, f, e.driver);
                else if (a.decision == DECISION_REFUSE && (want_pin || !guard_may_act(g)))
                        refuse_ensure_pin(g, f, why);

                if (!want_pin && f->pinned_by_guard && f->unbind_pid == 0)
                        lift_own_pin(g, f, a.decision == DECISION_ALLOW ? "the function is allowed now"
                                           : g->config.mode == GUARD_MODE_AUDIT ? "Mode=audit" : "Pin=no");
        }

        function_record(g, f);
        status_update(g);
        /* From now on a rewrite of the pin is seen as it happens (or no longer watched). */
        pin_watch_update(g, f);

        /* A refused unknown function that has just been pinned while unbound can now be read safely: once. */
        if (a.verdict == VERDICT_UNKNOWN && (flags & DECIDE_MAY_READ_OFFERED) && !(flags & DECIDE_RETRIED) &&
            !e.driver[0] && f->unbind_pid == 0 && guard_may_act(g) &&
            e.transport != TRANSPORT_LEGACY_ONLY && e.transport != TRANSPORT_UNKNOWN &&
            !(e.driver_override_read && streq(e.driver_override, PIN_NATIVE_DRIVER)) && function_is_pinned(f))
                return guard_decide(g, address, (flags | DECIDE_RETRIED) & ~DECIDE_FORCE_LOG, why);

        return 0;
}

/* ---- the queue of re-decisions that can wait ---- */

/* How long a queued re-decision waits. The steps of a management stack's bind (override, unbind, drivers_probe)
 * follow each other within milliseconds; a re-probe started in between would hold up the loop just when the vfio
 * bind uevent arrives. The refusal does not wait for it: a vfio bind is acted on at once, and the pin of a refused
 * function is checked at once, by the pin thread.
 * Each request pushes the deadline to DECIDE_DELAY_USEC from now: a hand-back and the next bind (a management
 * stack trying again, a benchmark) are uevents less than the delay apart, and a deadline counted from the first
 * of them fell right on the next vfio bind (a re-probe takes tens of milliseconds under emulation). Never more
 * than DECIDE_MAX_WAIT_USEC after the request that armed the queue, so that a steady stream of uevents cannot
 * starve it. */
#define DECIDE_DELAY_USEC (100 * 1000ULL)
#define DECIDE_MAX_WAIT_USEC (1000 * 1000ULL)

static int on_decide_queued(sd_event_source *s, uint64_t usec, void *userdata)
{
        Guard *g = userdata;
        char address[PCI_ADDRESS_MAX];
        Function *next = NULL;
        DecideFlags flags;
        const char *why;
        bool more = false;

        for (size_t i = 0; i < g->n_functions; i++) {
                Function *f = g->functions[i];
                if (!f->decide_queued)
                        continue;
                if (next)
                        more = true;
                if (!next || f->decide_seq < next->decide_seq)
                        next = f;
        }
        if (!next)
                return 0;
        /* One function per dispatch: the loop looks at the monitor again before the next one. */
        if (more) {
                (void) sd_event_source_set_time_relative(s, 0);
                (void) sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
        }
        next->decide_queued = false;
        flags = next->decide_flags;
        why = next->decide_why;
        snprintf(address, sizeof address, "%s", next->address);
        if (next->removed)
                return 0;
        (void) guard_decide(g, address, flags, why);
        return 0;
}

void guard_decide_later(Guard *g, const char *address, DecideFlags flags, const char *why)
{
        Function *f = guard_find(g, address);
        int enabled = SD_EVENT_OFF, r;
        uint64_t now, due;

        if (!g->decide_source) {
                r = sd_event_add_time_relative(g->event, &g->decide_source, CLOCK_MONOTONIC, DECIDE_DELAY_USEC, 0,
                                               on_decide_queued, g);
                if (r >= 0)
                        r = sd_event_source_set_priority(g->decide_source, SD_EVENT_PRIORITY_IDLE);
                if (r < 0) {
                        g->decide_source = sd_event_source_disable_unref(g->decide_source);
                        (void) guard_decide(g, address, flags, why);
                        return;
                }
                (void) sd_event_source_set_enabled(g->decide_source, SD_EVENT_OFF);
        }
        if (!f)
                f = guard_add(g, address);
        if (!f) {
                (void) guard_decide(g, address, flags, why);
                return;
        }
        if (!f->decide_queued) {
                f->decide_queued = true;
                f->decide_flags = flags;
                f->decide_seq = ++g->decide_seq;
        } else {
                /* Merged: driver_override is left unread only when every request said so (a native bind after
                 * the unbind may follow an override cleared without any uevent: driverctl unset-override). */
                unsigned keep = f->decide_flags & flags & DECIDE_KEEP_OVERRIDE;
                f->decide_flags = ((f->decide_flags | flags) & ~DECIDE_KEEP_OVERRIDE) | keep;
        }
        f->decide_why = why;
        /* The delay from now, within the longest wait of the queue (requests merge). */
        (void) sd_event_source_get_enabled(g->decide_source, &enabled);
        r = sd_event_now(g->event, CLOCK_MONOTONIC, &now);
        if (r >= 0) {
                if (enabled == SD_EVENT_OFF)
                        g->decide_first_usec = now;
                due = now + DECIDE_DELAY_USEC;
                if (due > g->decide_first_usec + DECIDE_MAX_WAIT_USEC)
                        due = g->decide_first_usec + DECIDE_MAX_WAIT_USEC;
                r = sd_event_source_set_time(g->decide_source, due);
        }
        if (r >= 0)
                r = sd_event_source_set_enabled(g->decide_source, SD_EVENT_ONESHOT);
        if (r < 0) {
                f->decide_queued = false;
                (void) guard_decide(g, address, flags, why);
        }
}

/* ---- configuration ---- */

static int guard_load_config(Guard *g, Config *ret)
{
        ConfigProblems problems = {};
        Config c = {};
        int r;

        r = config_load(&c, g->root, g->config_file, &problems);
        for (size_t i = 0; i < problems.n; i++) {
                const ConfigProblem *p = &problems.items[i];
                _cleanup_free_ char *message = NULL;

                if (asprintf(&message, "%s:%u: %s", p->file, p->line, p->message) < 0)
                        message = NULL;
                guard_emit(g, &(GuardEvent){
                        .kind = EVENT_CONFIG_PROBLEM,
                        .priority = p->level == CONFIG_PROBLEM_ERROR ? LOG_ERR : LOG_WARNING,
                        .message = message ?: p->message,
                        .config_file = p->file,
                        .config_line = p->line,
                });
        }
        config_problems_done(&problems);
        if (r < 0) {
                config_done(&c);
                return r;
        }
        *ret = c;
        return 0;
}

/* Decide every present function; forget those that are gone. */
static int guard_apply_all(Guard *g, DecideFlags flags, const char *why)
{
        _cleanup_strv_free_ char **present = NULL;
        int r;

        r = probe_list_functions(g->root, &present);
        if (r < 0)
                return r;

        for (size_t i = 0; i < g->n_functions;) {
                Function *f = g->functions[i];
                if (!f->removed && !strv_contains(present, f->address)) {
                        guard_forget(g, f->address);
                        if (i < g->n_functions && g->functions[i] == f)
                                i++;
                        continue;
                }
                i++;
        }
        for (char **a = present; a && *a; a++)
                (void) guard_decide(g, *a, flags, why);
        return 0;
}

/* A restarted daemon knows its own pins: take PINNED_BY_GUARD from the records, drop those of functions gone. */
static void guard_read_records(Guard *g)
{
        _cleanup_strv_free_ char **recorded = NULL;
        char path[4096];

        if (record_list(g->root, &recorded) < 0)
                return;
        for (char **a = recorded; a && *a; a++) {
                Record rec;
                Function *f;

                snprintf(path, sizeof path, "%s/sys/bus/pci/devices/%s", strempty(g->root), *a);
                if (access(path, F_OK) < 0) {
                        (void) record_remove(g->root, *a);
                        continue;
                }
                if (record_read(g->root, *a, &rec) < 0)
                        continue;
                if (!rec.pinned_by_guard && rec.feature_source == FEATURE_SOURCE_NONE)
                        continue;
                f = guard_find(g, *a) ?: guard_add(g, *a);
                if (!f)
                        continue;
                f->pinned_by_guard = rec.pinned_by_guard;
                if (rec.feature_source != FEATURE_SOURCE_NONE && rec.verdict != VERDICT_UNKNOWN) {
                        /* Checked against the IDs at decision time: a different device at the same address
                         * does not inherit the word. */
                        f->remembered = true;
                        f->remembered_source = rec.feature_source;
                        f->remembered_features = rec.features;
                        f->remembered_vendor = rec.vendor;
                        f->remembered_device = rec.device;
                }
        }
}

/* ---- lifecycle ---- */

int guard_new(const GuardOptions *o, Guard **ret)
{
        _cleanup_(guard_freep) Guard *g = NULL;
        sigset_t ss;
        int r;

        g = calloc(1, sizeof *g);
        if (!g)
                return -ENOMEM;
        g->root = strdup(strempty(o->root));
        g->config_file = o->config_file ? strdup(o->config_file) : NULL;
        if (!g->root || (o->config_file && !g->config_file))
                return -ENOMEM;
        g->enforce = o->enforce;
        g->notify = o->notify;
        g->use_monitor = o->monitor;
        g->unbind_timeout_usec = o->unbind_timeout_usec ?: DEFAULT_UNBIND_TIMEOUT_USEC;
        g->sink = o->sink ?: (event_journal_wanted() ? event_sink_journal : event_sink_stderr);
        g->sink_userdata = o->sink_userdata;
        g->kops = o->kernel_ops;
        g->kops_userdata = o->kernel_ops_userdata;
        g->kernel_mode = KERNEL_MODE_AUDIT;
        g->spare = UNBIND_SPARE_NULL;

        if (o->event)
                g->event = sd_event_ref(o->event);
        else {
                r = sd_event_default(&g->event);
                if (r < 0)
                        return r;
        }

        /* sd-event watches the unbind children; it needs SIGCHLD blocked. */
        sigemptyset(&ss);
        sigaddset(&ss, SIGCHLD);
        r = pthread_sigmask(SIG_BLOCK, &ss, NULL);
        if (r > 0)
                return -r;

        r = config_init_defaults(&g->config);
        if (r < 0)
                return r;

        r = probe_cache_new(&g->probe_cache);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(g);
        return 0;
}

Guard *guard_free(Guard *g)
{
        if (!g)
                return NULL;
        monitor_stop(g);
        g->decide_source = sd_event_source_disable_unref(g->decide_source);
        refuse_drop_spare(g);
        pin_watch_stop(g);
        pin_worker_stop(g);
        kernel_enforce_done(g);
        g->notify = false; /* the journal entries below change no status any more */
        refuse_flush_pin_reports(g);
        g->pin_report_source = sd_event_source_disable_unref(g->pin_report_source);
        for (size_t i = 0; i < g->n_functions; i++) {
                /* Do not wait for, nor kill, an unbind child: the pins stay, the unbind finishes on its own. Its
                 * refusal is journalled all the same. */
                refuse_announce(g, g->functions[i]);
                refuse_cancel_watch(g->functions[i]);
                free(g->functions[i]);
        }
        free(g->functions);
        config_done(&g->config);
        probe_cache_free(g->probe_cache);
        sd_event_unref(g->event);
        free(g->root);
        free(g->config_file);
        free(g);
        return NULL;
}

void guard_set_decision_hook(Guard *g, GuardDecisionHook hook, void *userdata)
{
        g->decision_hook = hook;
        g->decision_hook_userdata = userdata;
}

int guard_start(Guard *g)
{
        Config c;
        int r;

        r = guard_load_config(g, &c);
        if (r < 0)
                return r;
        config_done(&g->config);
        g->config = c;
        g->config_loaded = true;

        guard_emit(g, &(GuardEvent){
                .kind = EVENT_STARTED,
                .priority = g->enforce ? LOG_INFO : LOG_NOTICE,
                .mode = guard_may_act(g) ? "enforce" : "audit",
                .message = !g->enforce ? "vfio-guardd " PACKAGE_VERSION " started without --enforce: audit only, "
                                         "nothing will be written (the unit passes --enforce)"
                           : g->config.mode == GUARD_MODE_AUDIT ? "vfio-guardd " PACKAGE_VERSION " started, Mode=audit: "
                                                                  "deciding and logging only"
                                                                : "vfio-guardd " PACKAGE_VERSION " started, enforcing",
        });

        /* The kernel's refusal before anything else: whatever an earlier daemon left pinned holds through
         * enumeration, and each refused function is walled off as soon as it is decided. */
        kernel_enforce_configure(g, true);

        /* The monitor first, so that nothing that appears during enumeration slips through. */
        if (g->use_monitor) {
                r = monitor_start(g);
                if (r < 0)
                        return r;
        }
        guard_read_records(g);
        r = guard_apply_all(g, DECIDE_MAY_UNBIND | DECIDE_MAY_READ_OFFERED | DECIDE_FORCE_LOG, "start");
        if (r < 0)
                guard_emit(g, &(GuardEvent){ .kind = EVENT_ACTION_FAILED, .priority = LOG_ERR, .action = "enumerate",
                                             .message = "could not list the PCI functions" });
        else
                /* Only now is it known which inherited map entries no refused function explains. */
                kernel_enforce_sync(g);
        g->started = true;
        status_ready(g);
        refuse_want_spare(g);
        return 0;
}

int guard_reload(Guard *g)
{
        Config c;
        int r;

        r = guard_load_config(g, &c);
        if (r < 0) {
                guard_emit(g, &(GuardEvent){ .kind = EVENT_CONFIG_PROBLEM, .priority = LOG_ERR,
                                             .message = "reload failed, keeping the previous configuration" });
                return r;
        }
        config_done(&g->config);
        g->config = c;
        guard_emit(g, &(GuardEvent){
                .kind = EVENT_RELOADED,
                .priority = LOG_INFO,
                .mode = guard_may_act(g) ? "enforce" : "audit",
                .message = "configuration reloaded, re-applying it to every function",
        });
        /* KernelEnforcement=no (or Mode=audit) unpins here, before any pin is lifted below; =auto loads. */
        kernel_enforce_configure(g, false);
        /* Mode, Pin=, GuardedDrivers= may have changed: the spare follows before anything is lifted, and again
         * once every function is decided. */
        refuse_drivers_changed(g);
        r = guard_apply_all(g, DECIDE_MAY_UNBIND | DECIDE_MAY_READ_OFFERED | DECIDE_FORCE_LOG, "reload");
        kernel_enforce_sync(g);
        refuse_arm_spare(g);
        return r;
}

void guard_stop(Guard *g)
{
        unsigned in_flight = guard_unbinds_in_flight(g);
        char message[160];

        status_stopping(g);
        snprintf(message, sizeof message, "vfio-guardd stopping; pins stay in place%s",
                 in_flight ? ", unbinds still in flight finish on their own" : "");
        guard_emit(g, &(GuardEvent){ .kind = EVENT_STOPPED, .priority = LOG_INFO, .message = message });
}

int guard_run_for(Guard *g, uint64_t total_usec, uint64_t idle_usec)
{
        uint64_t end = now_usec(CLOCK_MONOTONIC) + total_usec;
        int r;

        for (;;) {
                uint64_t now = now_usec(CLOCK_MONOTONIC);
                if (now >= end)
                        return 0;
                r = sd_event_run(g->event, idle_usec < end - now ? idle_usec : end - now);
                if (r < 0)
                        return r;
                if (r == 0 && idle_usec < end - now)
                        return 0;
                if (sd_event_get_state(g->event) == SD_EVENT_FINISHED)
                        return 0;
        }
}

sd_event *guard_get_event(Guard *g)
{
        return g->event;
}

const char *guard_status(Guard *g)
{
        return g->status;
}

bool guard_is_ready(Guard *g)
{
        return g->ready;
}

unsigned guard_unbinds_in_flight(Guard *g)
{
        unsigned n = 0;

        for (size_t i = 0; i < g->n_functions; i++)
                n += g->functions[i]->unbind_pid > 0;
        return n;
}
