/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfio-guardctl explain ADDRESS: the chain from identification to decision, in sentences for the person who
 * has to act on it. The verdict's own sentences come from verdict.c (the same ones the daemon journals); this
 * file adds what only a reader at a terminal needs: transport, group, device tree, what the daemon recorded.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <json-c/json.h>

#include "core/virtio-ids.h"
#include "ctl/ctl.h"
#include "probe/probe.h"
#include "probe/record.h"
#include "shared/strv.h"

#define LABEL_WIDTH 13
#define LINE_WIDTH 79

/* A paragraph being written: sentences appended with printf-like calls, printed wrapped under a label. */
typedef struct Paragraph {
        char *text;
        size_t size;
        FILE *f;
} Paragraph;

static int paragraph_begin(Paragraph *p)
{
        *p = (Paragraph){};
        p->f = open_memstream(&p->text, &p->size);
        return p->f ? 0 : -ENOMEM;
}

_printf_(2, 3) static void say(Paragraph *p, const char *fmt, ...)
{
        va_list ap;

        if (ftell(p->f) > 0)
                fputc(' ', p->f);
        va_start(ap, fmt);
        vfprintf(p->f, fmt, ap);
        va_end(ap);
}

/* Print "Label:" and the text wrapped at LINE_WIDTH, continuation lines indented under the text. */
static int paragraph_end(Paragraph *p, const char *label)
{
        size_t col;
        const char *s;
        int r = 0;

        if (fclose(p->f) != 0)
                r = -ENOMEM;
        p->f = NULL;
        if (r == 0 && p->text && p->text[0]) {
                printf("%-*s", LABEL_WIDTH, label);
                col = LABEL_WIDTH;
                s = p->text;
                while (*s) {
                        size_t w = strcspn(s, " ");
                        if (col > LABEL_WIDTH && col + 1 + w > LINE_WIDTH) {
                                printf("\n%*s", LABEL_WIDTH, "");
                                col = LABEL_WIDTH;
                        } else if (col > LABEL_WIDTH) {
                                putchar(' ');
                                col++;
                        }
                        fwrite(s, 1, w, stdout);
                        col += w;
                        s += w;
                        s += strspn(s, " ");
                }
                putchar('\n');
        }
        free(p->text);
        *p = (Paragraph){};
        return r;
}

static void say_transport(Paragraph *p, const Evidence *e)
{
        switch (e->transport) {
        case TRANSPORT_LEGACY_ONLY:
                say(p, "It has only the legacy virtio interface: no virtio capabilities in its configuration "
                       "space. The legacy interface carries 32 feature bits, so the device cannot offer "
                       "ACCESS_PLATFORM (feature bit 33) and always bypasses the IOMMU.");
                break;
        case TRANSPORT_TRANSITIONAL:
                say(p, "It is transitional: it has the legacy interface and the modern virtio capabilities. "
                       "Whether it offers ACCESS_PLATFORM (feature bit 33) depends on its feature word; QEMU "
                       "never offers that bit on a transitional device.");
                break;
        case TRANSPORT_MODERN:
                say(p, "It has the modern virtio interface only (device ID 0x1040 + type). Whether it offers "
                       "ACCESS_PLATFORM (feature bit 33) depends on its feature word.");
                break;
        case TRANSPORT_UNKNOWN:
        default:
                say(p, "Its interface could not be told (%s), so it may be legacy-only.",
                    e->transport_problem[0] ? e->transport_problem : "its capabilities could not be read");
                break;
        }
}

static void say_evidence(Paragraph *p, const CtlFunction *f)
{
        const Evidence *e = &f->evidence;
        const Assessment *a = &f->assessment;
        char buf[EVIDENCE_TEXT_MAX * 2];

        assessment_evidence_text(e, a, buf, sizeof buf);
        say(p, "%s.", buf);

        if (a->basis == BASIS_FEATURES && e->feature_source == FEATURE_SOURCE_NEGOTIATED && !a->balloon_caveat)
                say(p, "Linux copies the transport bits the device offers (28 and above) into the negotiated "
                       "word, so bit 33 there is what the device offered.");
        if (e->feature_recorded)
                say(p, "vfio-guardd read this word from the device and recorded it in /run/vfio-guard/"
                       "functions/%s; vfio-guardctl never reads device registers itself, because that changes "
                       "device state.", e->address);
        if (a->basis != BASIS_NO_FEATURES && a->basis != BASIS_LEGACY_ONLY && e->feature_problem[0])
                say(p, "(%s.)", e->feature_problem);
}

static void say_verdict(Paragraph *p, const Assessment *a)
{
        switch (a->verdict) {
        case VERDICT_TRANSLATED:
                say(p, "translated: it offers ACCESS_PLATFORM, so its DMA goes through the IOMMU like any "
                       "other device's.");
                break;
        case VERDICT_BYPASS:
                say(p, "bypass: it does DMA with physical addresses and ignores any IOMMU. Given to a guest or "
                       "to DPDK through an IOMMU, the addresses user space programs into it would land in this "
                       "machine's memory.");
                break;
        case VERDICT_UNKNOWN:
        default:
                say(p, "unknown: the evidence could not be read, and the guard never treats that as "
                       "translated.");
                break;
        }
}

static void say_iommu(Paragraph *p, const Evidence *e, const Assessment *a)
{
        switch (e->group_kind) {
        case IOMMU_GROUP_REAL:
                say(p, "It is in IOMMU group %d (type %s): vfio would program that IOMMU with the addresses "
                       "user space chooses.", e->group_number, e->group_type[0] ? e->group_type : "not shown");
                if (streq(e->group_type, "unknown"))
                        say(p, "The type reads \"unknown\" (as on pseries); it is an IOMMU all the same.");
                break;
        case IOMMU_GROUP_NOIOMMU:
                say(p, "It is in vfio no-IOMMU group %d: vfio runs in unsafe no-IOMMU mode for it, where user "
                       "space programs physical addresses, which is what a bypassing device uses.",
                    e->group_number);
                break;
        case IOMMU_GROUP_NONE:
        default:
                say(p, "It is in no IOMMU group: no IOMMU covers it. vfio could bind it only in the unsafe "
                       "no-IOMMU mode, where user space programs physical addresses, which is what a bypassing "
                       "device uses, so nothing is corrupted.");
                break;
        }
        say(p, "Context: %s.", context_to_string(a->context));
}

/* The tree explains the context (which IOMMU, from where); the group decides it. */
/* Does the platform have a device tree at all? Then a tree that could not be read is worth a sentence;
 * on a platform without one (x86 with ACPI) silence says it best. */
static bool platform_has_devicetree(const Ctl *c)
{
        static const char *const paths[] = { "/sys/firmware/fdt", "/sys/firmware/devicetree/base", "/proc/device-tree" };
        char path[PATH_MAX];

        for (size_t i = 0; i < ELEMENTSOF(paths); i++) {
                snprintf(path, sizeof path, "%s%s", c->root, paths[i]);
                if (access(path, F_OK) >= 0)
                        return true;
        }
        return false;
}

static void say_devicetree(Paragraph *p, const Ctl *c, const DeviceTreeEvidence *dt)
{
        if (!dt->present) {
                if (dt->problem[0] && platform_has_devicetree(c))
                        say(p, "The device tree could not tell which IOMMU, if any, is in front of it: %s. The "
                               "IOMMU group still decides the context.", dt->problem);
                return;
        }
        if (dt->covered)
                say(p, "The device tree places it behind an IOMMU: %s%s%s%s.",
                    dt->iommu[0] ? dt->iommu : "(not named)", dt->node[0] ? " (node " : "", dt->node,
                    dt->node[0] ? ")" : "");
        else
                say(p, "The device tree shows no IOMMU in front of it%s%s%s.", dt->node[0] ? " (node " : "",
                    dt->node, dt->node[0] ? ")" : "");
        if (dt->problem[0])
                say(p, "%s.", dt->problem);
        if (dt->bypass_property)
                say(p, "The node or one of its parents carries %s, the BypassProperty= set in [DeviceTree].",
                    strna(c->config.dt_bypass_property));
        say(p, "The tree explains the context; the IOMMU group decides it, and bit 33 decides the verdict.");
}

static void say_driver(Paragraph *p, const Ctl *c, const CtlFunction *f)
{
        const Evidence *e = &f->evidence;

        if (e->driver[0])
                say(p, "It is bound to %s.", e->driver);
        else
                say(p, "It is bound to no driver.");
        if (!e->driver_override_read)
                say(p, "Its driver_override was not read.");
        else if (e->driver_override[0])
                say(p, "Its driver_override is %s: only that driver can bind it.", e->driver_override);
        else
                say(p, "Its driver_override is not set.");
        if (e->driver[0] && config_driver_is_guarded(&c->config, e->driver) &&
            f->assessment.decision == DECISION_REFUSE)
                say(p, "GuardedDrivers= names %s, and the guard refuses this function: %s.", e->driver,
                    c->config.mode == GUARD_MODE_AUDIT ? "in Mode=audit it only logs that"
                                                       : "vfio-guardd unbinds it from that driver");
}

static void say_record(Paragraph *p, const Ctl *c, const Evidence *e)
{
        Record rec;
        int r;

        r = record_read(c->root, e->address, &rec);
        if (r == -ENOENT) {
                say(p, "vfio-guardd has no record of this function (it is not running, or has not seen it).");
                return;
        }
        if (r < 0) {
                say(p, "vfio-guardd's record of this function cannot be read: %s.", strerror(-r));
                return;
        }
        if (rec.vendor != e->vendor || rec.device != e->device) {
                /* The address was reused (hotplug): probe ignored the record, and so does the reader. */
                say(p, "vfio-guardd's record at this address is about another device (%04x:%04x) and is "
                       "ignored.", rec.vendor, rec.device);
                return;
        }
        say(p, "vfio-guardd recorded verdict %s and decision %s", strna(verdict_to_string(rec.verdict)),
            strna(decision_to_string(rec.decision)));
        if (rec.updated_usec > 0) {
                time_t t = (time_t) (rec.updated_usec / 1000000);
                struct tm tm;
                char when[64];
                if (gmtime_r(&t, &tm) && strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm) > 0)
                        fprintf(p->f, " at %s", when);
        }
        fputc('.', p->f);
        if (rec.pinned_by_guard)
                say(p, "It pinned driver_override to %s.", rec.pin[0] ? rec.pin : "(empty)");
}

typedef struct Member {
        char address[PCI_ADDRESS_MAX];
        bool probed;
        CtlFunction f;
        int error;
} Member;

static void say_member(FILE *out, const Member *m)
{
        char type[32];

        if (!m->probed)
                fprintf(out, "%s (cannot be examined: %s)", m->address, strerror(-m->error));
        else if (!ctl_is_virtio(&m->f))
                fprintf(out, "%s (not virtio, not guarded)", m->address);
        else
                fprintf(out, "%s (virtio %s, %s, %s)", m->address,
                        ctl_type_string(&m->f.evidence, type, sizeof type),
                        verdict_to_string(m->f.assessment.verdict), decision_to_string(m->f.assessment.decision));
}

static void say_group(Paragraph *p, const CtlFunction *f, const Member *members, size_t n)
{
        const Member *refused = NULL;

        say(p, "It shares IOMMU group %d with %zu other function%s:", f->evidence.group_number, n,
            n == 1 ? "" : "s");
        for (size_t i = 0; i < n; i++) {
                fputc(' ', p->f);
                say_member(p->f, &members[i]);
                fputc(i + 1 < n ? ',' : '.', p->f);
                if (!refused && members[i].probed && members[i].f.assessment.decision == DECISION_REFUSE)
                        refused = &members[i];
        }
        say(p, "A translated function can be assigned only with its whole group; while the guard keeps a "
               "bypassing sibling on virtio-pci, that group is not viable.");
        if (f->assessment.decision == DECISION_REFUSE)
                say(p, "As long as this function is refused, vfio cannot have this group, so none of its "
                       "members can be assigned.");
        else if (refused)
                say(p, "Here %s is refused, so this function cannot be assigned through vfio either, although "
                       "the guard allows it.", refused->address);
}

static int probe_members(const Ctl *c, const CtlFunction *f, Member **ret, size_t *ret_n)
{
        _cleanup_strv_free_ char **addresses = NULL;
        Member *m;
        int r;

        *ret = NULL;
        *ret_n = 0;
        if (f->evidence.group_kind == IOMMU_GROUP_NONE || f->evidence.group_number < 0)
                return 0;
        r = probe_group_members(c->root, f->evidence.group_number, f->evidence.address, &addresses);
        if (r <= 0)
                return r;
        m = calloc(r, sizeof(Member));
        if (!m)
                return -ENOMEM;
        for (int i = 0; i < r; i++) {
                snprintf(m[i].address, sizeof m[i].address, "%s", addresses[i]);
                m[i].error = ctl_function_probe(c, addresses[i], false, &m[i].f);
                m[i].probed = m[i].error >= 0;
        }
        *ret = m;
        *ret_n = r;
        return r;
}

static int explain_text(const Ctl *c, const CtlFunction *f, const Member *members, size_t n_members)
{
        const Evidence *e = &f->evidence;
        const Assessment *a = &f->assessment;
        char buf[EVIDENCE_TEXT_MAX * 2], type[32];
        const char *fix;
        Paragraph p;
        int r = 0;

#define PARAGRAPH(label, ...)                           \
        do {                                            \
                if (r == 0)                             \
                        r = paragraph_begin(&p);        \
                if (r == 0) {                           \
                        __VA_ARGS__;                    \
                        r = paragraph_end(&p, label);   \
                }                                       \
        } while (0)

        ctl_type_string(e, type, sizeof type);
        if (!ctl_is_virtio(f)) {
                printf("%s: not a virtio function (%04x:%04x, class %06" PRIx32 ")\n\n", e->address, e->vendor,
                       e->device, e->class_code);
                PARAGRAPH("Decision:", say(&p, "%s.", assessment_reason_text(e, a, buf, sizeof buf));
                          say(&p, "vfio-guard classifies only virtio functions (1af4:1000-107f) and never "
                                  "touches any other."));
                return r;
        }

        printf("%s: virtio %s, %s, %s\n\n", e->address, type, verdict_to_string(a->verdict),
               decision_to_string(a->decision));

        PARAGRAPH("Device:", say(&p, "PCI function %s is a virtio %s device: PCI ID %04x:%04x, subsystem "
                                     "%04x:%04x, revision %u.",
                                 e->address, type, e->vendor, e->device, e->subsys_vendor, e->subsys_device,
                                 e->revision));
        PARAGRAPH("Transport:", say_transport(&p, e));
        PARAGRAPH("Evidence:", say_evidence(&p, f));
        PARAGRAPH("Verdict:", say_verdict(&p, a));
        PARAGRAPH("IOMMU:", say_iommu(&p, e, a));
        PARAGRAPH("Device tree:", say_devicetree(&p, c, &e->dt));
        if (n_members > 0)
                PARAGRAPH("Group:", say_group(&p, f, members, n_members));
        PARAGRAPH("Driver:", say_driver(&p, c, f));
        PARAGRAPH("Daemon:", say_record(&p, c, e));
        PARAGRAPH("Decision:",
                  say(&p, "%s.", assessment_reason_text(e, a, buf, sizeof buf));
                  if (c->config.mode == GUARD_MODE_AUDIT && a->decision == DECISION_REFUSE)
                          say(&p, "Mode=audit: the guard only logs this refusal and changes nothing."));
        fix = assessment_fix(e, a);
        if (fix)
                PARAGRAPH("Fix:", say(&p, "%s.", fix));
#undef PARAGRAPH
        return r;
}

static int explain_json(const Ctl *c, const CtlFunction *f, const Member *members, size_t n_members)
{
        struct json_object *doc, *fo, *arr;
        int r = -ENOMEM;

        doc = ctl_json_document(c);
        if (!doc)
                return -ENOMEM;
        fo = ctl_json_function(c, f);
        if (!fo || json_object_object_add(doc, "function", fo) < 0) {
                json_object_put(fo);
                goto finish;
        }
        arr = json_object_new_array();
        if (!arr || json_object_object_add(doc, "group_members", arr) < 0) {
                json_object_put(arr);
                goto finish;
        }
        for (size_t i = 0; i < n_members; i++) {
                struct json_object *o = members[i].probed ? ctl_json_function(c, &members[i].f)
                                                          : json_object_new_object();
                if (!o || json_object_array_add(arr, o) < 0) {
                        json_object_put(o);
                        goto finish;
                }
                if (!members[i].probed &&
                    (json_object_object_add(o, "address", ctl_json_string(members[i].address)) < 0 ||
                     json_object_object_add(o, "error", ctl_json_string(strerror(-members[i].error))) < 0))
                        goto finish;
        }
        r = ctl_json_print(stdout, doc);
finish:
        json_object_put(doc);
        return r;
}

int verb_explain(Ctl *c, const char *address, bool json)
{
        char a[PCI_ADDRESS_MAX];
        _cleanup_free_ Member *members = NULL;
        size_t n_members = 0;
        CtlFunction f;
        int r;

        if (ctl_parse_address(address, a) < 0)
                return CTL_EXIT_USAGE;
        r = ctl_function_probe(c, a, false, &f);
        if (r == -ENOENT) {
                fprintf(stderr, "vfio-guardctl: no PCI function %s\n", a);
                return CTL_EXIT_USAGE;
        }
        if (r < 0) {
                fprintf(stderr, "vfio-guardctl: %s: cannot examine the function: %s\n", a, strerror(-r));
                return r == -EINVAL ? CTL_EXIT_USAGE : CTL_EXIT_FAILURE;
        }

        r = probe_members(c, &f, &members, &n_members);
        if (r < 0)
                /* The function's own explanation stands without its group; say what is missing. */
                fprintf(stderr, "vfio-guardctl: %s: cannot list the other members of IOMMU group %d: %s\n", a,
                        f.evidence.group_number, strerror(-r));

        r = json ? explain_json(c, &f, members, n_members) : explain_text(c, &f, members, n_members);
        if (r >= 0 && fflush(stdout) != 0)
                r = -EIO;
        if (r < 0) {
                fprintf(stderr, "vfio-guardctl: explain: %s\n", strerror(-r));
                return CTL_EXIT_FAILURE;
        }
        return CTL_EXIT_OK;
}
