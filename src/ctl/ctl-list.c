/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vfio-guardctl list: one row per virtio function (per PCI function with --all), as a table or JSON. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "ctl/ctl.h"
#include "probe/daemon-state.h"
#include "probe/probe.h"
#include "shared/strv.h"

enum {
        COL_ADDRESS,
        COL_TYPE,
        COL_TRANSPORT,
        COL_BIT33,
        COL_EVIDENCE,
        COL_GROUP,
        COL_CONTEXT,
        COL_DRIVER,
        COL_OVERRIDE,
        COL_VERDICT,
        COL_DECISION,
        _COL_MAX,
};

static const char *const column_title[_COL_MAX] = {
        [COL_ADDRESS] = "ADDRESS",     [COL_TYPE] = "TYPE",         [COL_TRANSPORT] = "TRANSPORT",
        [COL_BIT33] = "BIT33",         [COL_EVIDENCE] = "EVIDENCE", [COL_GROUP] = "IOMMU-GROUP",
        [COL_CONTEXT] = "CONTEXT",     [COL_DRIVER] = "DRIVER",     [COL_OVERRIDE] = "OVERRIDE",
        [COL_VERDICT] = "VERDICT",     [COL_DECISION] = "DECISION",
};

typedef struct Row {
        char cell[_COL_MAX][96]; /* the longest: a driver name (64), "offered-pci-cfg (recorded)" */
} Row;

/* The cells of every row, back to back, each ended by its NUL, and the width of each column so far. A listing of
 * hundreds of functions fills a few pages this way instead of a Row each: every page a process touches for the
 * first time costs a page fault, and on a virtual machine a fault costs as much as a dozen system calls. */
typedef struct Table {
        char *text;
        size_t used, allocated;
        size_t n_rows;
        size_t width[_COL_MAX];
} Table;

static void table_done(Table *t)
{
        free(t->text);
        *t = (Table){};
}

static int table_add(Table *t, const Row *row)
{
        size_t length[_COL_MAX], total = 0;

        for (size_t c = 0; c < _COL_MAX; c++) {
                length[c] = strlen(row->cell[c]);
                total += length[c] + 1;
        }
        if (!greedy_reserve(&t->text, &t->allocated, t->used, total))
                return -ENOMEM;
        for (size_t c = 0; c < _COL_MAX; c++) {
                memcpy(t->text + t->used, row->cell[c], length[c] + 1);
                t->used += length[c] + 1;
                if (length[c] > t->width[c])
                        t->width[c] = length[c];
        }
        t->n_rows++;
        return 0;
}

static const char *dash_if_empty(const char *s)
{
        return s && s[0] ? s : "-";
}

/* snprintf(cell, sizeof cell, "%s", s) without the cost of a format: a listing fills thousands of cells. */
static void set_cell(char *cell, size_t size, const char *s)
{
        size_t l = strlen(s);

        if (l >= size)
                l = size - 1;

        memcpy(cell, s, l);
        cell[l] = 0;
}

/* "%d (%s)" of a group number (≥ 0) and its type, by hand for the same reason. */
static void group_cell(char *cell, size_t size, int number, const char *type)
{
        char digits[16], *d = digits + sizeof digits;
        unsigned u = (unsigned) number;
        size_t l = 0;

        do
                *--d = (char) ('0' + u % 10);
        while ((u /= 10) > 0);
        for (; d < digits + sizeof digits && l + 1 < size; d++)
                cell[l++] = *d;
        for (const char *p = " ("; *p && l + 1 < size; p++)
                cell[l++] = *p;
        for (; *type && l + 1 < size; type++)
                cell[l++] = *type;
        if (l + 1 < size)
                cell[l++] = ')';
        cell[l] = 0;
}

static void fill_row(Row *row, const CtlFunction *f)
{
        const Evidence *e = &f->evidence;
        const Assessment *a = &f->assessment;
        bool virtio = ctl_is_virtio(f);

#define TEXT(col, s) set_cell(row->cell[col], sizeof row->cell[col], (s))
        TEXT(COL_ADDRESS, e->address);
        ctl_type_string(e, row->cell[COL_TYPE], sizeof row->cell[COL_TYPE]);
        TEXT(COL_TRANSPORT, virtio ? transport_to_string(e->transport) : "-");
        TEXT(COL_BIT33, ctl_bit33_string(f));
        ctl_evidence_source(f, row->cell[COL_EVIDENCE], sizeof row->cell[COL_EVIDENCE]);
        if (e->group_number >= 0)
                /* A no-IOMMU group's type says nothing; its kind is what matters. */
                group_cell(row->cell[COL_GROUP], sizeof row->cell[COL_GROUP], e->group_number,
                           e->group_kind == IOMMU_GROUP_NOIOMMU || !e->group_type[0]
                                   ? iommu_group_kind_to_string(e->group_kind)
                                   : e->group_type);
        else
                TEXT(COL_GROUP, "-");
        TEXT(COL_CONTEXT, context_to_string(a->context));
        TEXT(COL_DRIVER, dash_if_empty(e->driver));
        TEXT(COL_OVERRIDE, e->driver_override_read ? dash_if_empty(e->driver_override) : "?");
        TEXT(COL_VERDICT, virtio ? verdict_to_string(a->verdict) : "-");
        TEXT(COL_DECISION, decision_to_string(a->decision));
#undef TEXT
}

static void print_line(const size_t width[_COL_MAX], const char *const cells[_COL_MAX])
{
        char line[_COL_MAX * (sizeof(((Row *) NULL)->cell[0]) + 2) + 1];
        size_t n = 0;

        /* No padding after the last column: lines without trailing blanks. Put together by hand and written at
         * once: the bytes of printf("%-*s  ") per cell, at a fraction of the cost in a long listing. A cell is
         * never wider than its column (the widths are the longest cells), nor longer than a Row's cell. */
        for (size_t c = 0; c < _COL_MAX; c++) {
                size_t l = strlen(cells[c]);

                memcpy(line + n, cells[c], l);
                n += l;
                if (c + 1 == _COL_MAX)
                        break;
                for (size_t pad = width[c] - l + 2; pad > 0; pad--)
                        line[n++] = ' ';
        }
        line[n++] = '\n';
        fwrite(line, 1, n, stdout);
}

static void table_print(const Table *t)
{
        size_t width[_COL_MAX];
        const char *p = t->text;

        for (size_t c = 0; c < _COL_MAX; c++) {
                width[c] = strlen(column_title[c]);
                if (t->width[c] > width[c])
                        width[c] = t->width[c];
        }

        print_line(width, column_title);
        for (size_t i = 0; i < t->n_rows; i++) {
                const char *cells[_COL_MAX];
                for (size_t c = 0; c < _COL_MAX; c++) {
                        cells[c] = p;
                        p += strlen(p) + 1;
                }
                print_line(width, cells);
        }
}

/* What vfio-guardd said is in force (ROOT/run/vfio-guard/daemon); NULL members when it said nothing. */
static struct json_object *enforcement_json(const DaemonState *s, bool have)
{
        struct json_object *o = json_object_new_object();

        if (!o)
                return NULL;
        if (json_object_object_add(o, "mode", have ? json_object_new_string(s->enforcement) : NULL) < 0 ||
            json_object_object_add(o, "reason", have && s->reason[0] ? json_object_new_string(s->reason) : NULL) < 0 ||
            json_object_object_add(o, "pid", have && s->pid > 0 ? json_object_new_int(s->pid) : NULL) < 0) {
                json_object_put(o);
                return NULL;
        }
        return o;
}

static void enforcement_print(const DaemonState *s, int r)
{
        if (r == -ENOENT) {
                printf("Enforcement: unknown: vfio-guardd has not recorded it (not started since boot?)\n");
                return;
        }
        if (r < 0) {
                printf("Enforcement: unknown: /run/vfio-guard/daemon unreadable: %s\n", strerror(-r));
                return;
        }
        printf("Enforcement: %s%s%s (vfio-guardd %d)\n",
               streq(s->enforcement, "bpf-lsm") ? "kernel-enforced (BPF LSM)"
               : streq(s->enforcement, "reactive") ? "reactive (pin, unbind)"
                                                   : "audit only",
               s->reason[0] ? ": " : "", s->reason, (int) s->pid);
}

int verb_list(Ctl *c, bool json, bool all)
{
        DaemonState daemon_state;
        int daemon_r;
        _cleanup_strv_free_ char **addresses = NULL;
        unsigned n_virtio = 0, n_verdict[_VERDICT_MAX] = {}, n_decision[_DECISION_MAX] = {};
        struct json_object *doc = NULL, *functions = NULL;
        CtlJsonText functions_text = {}, around = {};
        size_t around_at = 0;
        Table table = {};
        Row row;
        int r, ret = CTL_EXIT_OK;

        /* Kept for the whole listing only: nothing else probes more than a few functions. */
        r = probe_cache_new(&c->probe_cache);
        if (r < 0) {
                fprintf(stderr, "vfio-guardctl: list: %s\n", strerror(-r));
                return CTL_EXIT_FAILURE;
        }

        r = probe_list_functions(c->root, &addresses);
        if (r < 0) {
                fprintf(stderr, "vfio-guardctl: cannot list PCI functions under %s/sys/bus/pci/devices: %s\n",
                        c->root, strerror(-r));
                c->probe_cache = probe_cache_free(c->probe_cache);
                return CTL_EXIT_FAILURE;
        }

        /* One look at the daemon's records for the whole listing; without it, each function whose features were
         * not negotiated would look for its own. */
        (void) probe_cache_snapshot_records(c->probe_cache, c->root);
        /* And one at the virtio bus: each function's virtioN without listing the function's directory. */
        (void) probe_cache_snapshot_virtio(c->probe_cache, c->root);
        probe_cache_defer_closes(c->probe_cache);

        daemon_r = daemon_state_read(c->root, &daemon_state);

        if (json) {
                struct json_object *enforcement;

                doc = ctl_json_document(c);
                enforcement = enforcement_json(&daemon_state, daemon_r >= 0);
                if (!doc || !enforcement || json_object_object_add(doc, "enforcement", enforcement) < 0) {
                        json_object_put(enforcement);
                        r = -ENOMEM;
                        goto finish;
                }
                functions = json_object_new_array();
                if (!functions || json_object_object_add(doc, "functions", functions) < 0) {
                        json_object_put(functions);
                        r = -ENOMEM;
                        goto finish;
                }
                /* Everything but the functions is known now: written first, each function as soon as it is
                 * probed, the rest at the end. Nothing grows with the number of functions (each page a
                 * process touches first costs a fault). */
                r = ctl_json_render_around(doc, functions, &around, &around_at);
                if (r < 0)
                        goto finish;
                fwrite(around.buf, 1, around_at, stdout);
        }

        for (char **a = addresses; a && *a; a++) {
                CtlFunction f;

                r = ctl_function_probe(c, *a, !all, &f);
                if (r == -ENOENT)
                        continue; /* removed while we listed: not an error */
                if (r < 0) {
                        fprintf(stderr, "vfio-guardctl: %s: cannot examine the function, skipping: %s\n", *a,
                                strerror(-r));
                        ret = CTL_EXIT_FAILURE;
                        continue;
                }
                if (!ctl_is_virtio(&f) && !all)
                        continue;

                if (ctl_is_virtio(&f)) {
                        n_virtio++;
                        n_verdict[f.assessment.verdict]++;
                        n_decision[f.assessment.decision]++;
                }

                if (json) {
                        /* Written as text straight away: hundreds of json-c objects cost more than the probes. */
                        r = ctl_json_function_text(&functions_text, c, &f);
                        if (r < 0)
                                goto finish;
                        fwrite(functions_text.buf, 1, functions_text.n, stdout);
                        functions_text.n = 0;
                } else {
                        fill_row(&row, &f);
                        r = table_add(&table, &row);
                        if (r < 0)
                                goto finish;
                }
        }

        if (json)
                fwrite(around.buf + around_at, 1, around.n - around_at, stdout);
        else {
                if (table.n_rows > 0)
                        table_print(&table);
                printf("%s%u virtio function%s: %u translated, %u bypass, %u unknown; %u allowed, %u refused%s\n",
                       table.n_rows > 0 ? "\n" : "", n_virtio, n_virtio == 1 ? "" : "s",
                       n_verdict[VERDICT_TRANSLATED], n_verdict[VERDICT_BYPASS], n_verdict[VERDICT_UNKNOWN],
                       n_decision[DECISION_ALLOW], n_decision[DECISION_REFUSE],
                       c->config.mode == GUARD_MODE_AUDIT && n_decision[DECISION_REFUSE] > 0
                               ? " (Mode=audit: refusals are logged, not enforced)"
                               : "");
                enforcement_print(&daemon_state, daemon_r);
        }
        r = 0;

finish:
        c->probe_cache = probe_cache_free(c->probe_cache);
        json_object_put(doc);
        ctl_json_text_done(&functions_text);
        ctl_json_text_done(&around);
        table_done(&table);
        if (fflush(stdout) != 0 && r >= 0)
                r = -EIO;
        if (r < 0) {
                fprintf(stderr, "vfio-guardctl: list: %s\n", strerror(-r));
                return CTL_EXIT_FAILURE;
        }
        return ret;
}
