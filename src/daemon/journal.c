/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The two real sinks: structured journal entries under systemd, readable lines on stderr elsewhere. */
#include <stdio.h>
#include <sys/uio.h>
#include <syslog.h>
#define SD_JOURNAL_SUPPRESS_LOCATION
#include <systemd/sd-journal.h>

#include "daemon/events.h"
#include "shared/macro.h"

#define MAX_FIELDS 28

bool event_journal_wanted(void)
{
        return getenv("JOURNAL_STREAM") || getenv("INVOCATION_ID");
}

typedef struct Fields {
        struct iovec iov[MAX_FIELDS];
        char *owned[MAX_FIELDS];
        size_t n;
} Fields;

static void fields_add(Fields *f, const char *name, const char *value)
{
        char *s;

        if (!value || f->n >= MAX_FIELDS)
                return;
        if (asprintf(&s, "%s=%s", name, value) < 0)
                return;
        f->owned[f->n] = s;
        f->iov[f->n] = (struct iovec){ .iov_base = s, .iov_len = strlen(s) };
        f->n++;
}

void event_sink_journal(const GuardEvent *ev, void *userdata)
{
        Fields f = {};
        char prio[4], line[16];

        snprintf(prio, sizeof prio, "%d", ev->priority);
        fields_add(&f, "MESSAGE", ev->message);
        fields_add(&f, "MESSAGE_ID", event_kind_message_id(ev->kind));
        fields_add(&f, "PRIORITY", prio);
        fields_add(&f, "SYSLOG_IDENTIFIER", "vfio-guardd");
        fields_add(&f, FIELD_DEVICE, ev->device);
        fields_add(&f, FIELD_VERDICT, ev->verdict);
        fields_add(&f, FIELD_CONTEXT, ev->context);
        fields_add(&f, FIELD_DECISION, ev->decision);
        fields_add(&f, FIELD_EVIDENCE, ev->evidence);
        fields_add(&f, FIELD_ACTION, ev->action);
        fields_add(&f, FIELD_DRIVER, ev->driver);
        fields_add(&f, FIELD_PCI_ID, ev->pci_id);
        fields_add(&f, FIELD_IOMMU, ev->iommu);
        fields_add(&f, FIELD_HOLDERS, ev->holders);
        fields_add(&f, FIELD_MODE, ev->mode);
        fields_add(&f, FIELD_CONFIG_FILE, ev->config_file);
        fields_add(&f, FIELD_ENFORCEMENT, ev->enforcement);
        fields_add(&f, FIELD_PID, ev->pid);
        fields_add(&f, FIELD_COMM, ev->comm);
        fields_add(&f, FIELD_UID, ev->uid);
        fields_add(&f, FIELD_ATTEMPT, ev->attempt);
        fields_add(&f, FIELD_NODE, ev->node);
        if (ev->config_line > 0) {
                snprintf(line, sizeof line, "%u", ev->config_line);
                fields_add(&f, FIELD_CONFIG_LINE, line);
        }

        if (sd_journal_sendv(f.iov, (int) f.n) < 0)
                /* journald gone (shutdown): the line on stderr still reaches the console or the log. */
                event_sink_stderr(ev, userdata);

        for (size_t i = 0; i < f.n; i++)
                free(f.owned[i]);
}

void event_sink_stderr(const GuardEvent *ev, void *userdata)
{
        static const char *const level[] = {
                [LOG_EMERG] = "emerg", [LOG_ALERT] = "alert", [LOG_CRIT] = "crit", [LOG_ERR] = "error",
                [LOG_WARNING] = "warning", [LOG_NOTICE] = "notice", [LOG_INFO] = "info", [LOG_DEBUG] = "debug",
        };
        const char *lvl = ev->priority >= 0 && ev->priority <= LOG_DEBUG ? level[ev->priority] : "info";

        /* One line per entry: the sentence, then the key facts in brackets, so grep finds a device. */
        fprintf(stderr, "vfio-guardd: %s: %s", lvl, ev->message);
        if (ev->device)
                fprintf(stderr, " [device=%s%s%s%s%s%s%s]", ev->device,
                        ev->verdict ? " verdict=" : "", strempty(ev->verdict),
                        ev->decision ? " decision=" : "", strempty(ev->decision),
                        ev->action ? " action=" : "", strempty(ev->action));
        if (ev->config_file)
                fprintf(stderr, " [%s:%u]", ev->config_file, ev->config_line);
        if (ev->attempt)
                fprintf(stderr, " [attempt=%s pid=%s comm=%s uid=%s%s%s]", ev->attempt, strempty(ev->pid),
                        strempty(ev->comm), strempty(ev->uid), ev->node ? " node=" : "", strempty(ev->node));
        if (ev->enforcement)
                fprintf(stderr, " [enforcement=%s]", ev->enforcement);
        fputc('\n', stderr);
        fflush(stderr);
}
