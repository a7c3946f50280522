/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What systemctl status shows, and when systemd hears that the guard is up. */
#include <stdio.h>
#include <systemd/sd-daemon.h>

#include "daemon/guard-internal.h"

void status_update(Guard *g)
{
        unsigned n = 0, bypass = 0, translated = 0, unknown = 0, pinned = 0, stuck = 0, in_flight = 0;
        char buf[sizeof g->status], extra[96] = "";

        for (size_t i = 0; i < g->n_functions; i++) {
                const Function *f = g->functions[i];
                if (f->removed || !f->decided || !f->guarded)
                        continue;
                n++;
                bypass += f->assessment.verdict == VERDICT_BYPASS;
                translated += f->assessment.verdict == VERDICT_TRANSLATED;
                unknown += f->assessment.verdict == VERDICT_UNKNOWN;
                pinned += f->assessment.decision == DECISION_REFUSE && function_is_pinned(f);
                stuck += f->unbind_stuck;
                in_flight += f->unbind_pid > 0;
        }

        if (unknown)
                snprintf(extra, sizeof extra, ", %u unknown", unknown);
        snprintf(buf, sizeof buf, "%s%u virtio function%s: %u bypass, %u translated%s; %u pinned; "
                 "%u vfio binding%s refused",
                 guard_may_act(g) ? "" : "audit only: ", n, n == 1 ? "" : "s", bypass, translated, extra, pinned,
                 g->refused_bindings, g->refused_bindings == 1 ? "" : "s");
        if (g->kernel_mode == KERNEL_MODE_BPF_LSM)
                snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "; kernel-enforced (BPF LSM), %u open%s denied",
                         g->kernel_denials, g->kernel_denials == 1 ? "" : "s");
        else if (g->kernel_mode == KERNEL_MODE_REACTIVE)
                snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "; reactive");
        if (stuck)
                snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "; %u unbind%s stuck", stuck,
                         stuck == 1 ? "" : "s");
        else if (in_flight)
                snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "; %u unbind%s in flight", in_flight,
                         in_flight == 1 ? "" : "s");

        if (streq(buf, g->status))
                return;
        memcpy(g->status, buf, sizeof buf);
        if (g->notify && g->ready)
                (void) sd_notifyf(false, "STATUS=%s", g->status);
}

void status_ready(Guard *g)
{
        g->ready = true;
        g->status[0] = '\0';
        status_update(g);
        if (g->notify) {
                (void) sd_notifyf(false, "READY=1\nSTATUS=%s", g->status);
                /* sd-event pings the watchdog at a fraction of WATCHDOG_USEC, when systemd asks for one. */
                (void) sd_event_set_watchdog(g->event, true);
        }
}

void status_stopping(Guard *g)
{
        if (g->notify)
                (void) sd_notify(false, "STOPPING=1\nSTATUS=Stopping; pins stay in place");
}
