/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One function for the CLI: probed without touching the device, judged by assess(), named in short words. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/virtio-ids.h"
#include "ctl/ctl.h"
#include "probe/probe.h"

int ctl_parse_address(const char *s, char ret[PCI_ADDRESS_MAX])
{
        int r;

        r = pci_address_normalize(s, ret);
        if (r < 0)
                fprintf(stderr, "vfio-guardctl: malformed PCI address '%s' (expected DDDD:BB:DD.F or BB:DD.F)\n",
                        s);
        return r;
}

int ctl_function_probe(const Ctl *c, const char *address, bool virtio_only, CtlFunction *ret)
{
        ProbeOptions o = {
                .root = c->root,
                .config = &c->config,
                /* The CLI never reads the common configuration itself (that writes device_feature_select):
                 * what only a register read would tell comes from the daemon's record, or stays unknown. */
                .use_records = true,
                .cache = c->probe_cache,
                .virtio_only = virtio_only,
        };
        CtlFunction f;
        int r;

        r = probe_function(&o, address, &f.evidence); /* fills all of it on success */
        if (r < 0)
                return r;
        assess(&f.evidence, &c->config, &f.assessment);
        *ret = f;
        return 0;
}

bool ctl_is_virtio(const CtlFunction *f)
{
        return f->assessment.verdict != VERDICT_NOT_VIRTIO;
}

const char *ctl_bit33_string(const CtlFunction *f)
{
        switch (f->assessment.basis) {
        case BASIS_LEGACY_ONLY:
                return "clear";
        case BASIS_FEATURES:
                return f->assessment.verdict == VERDICT_TRANSLATED ? "set" : "clear";
        case BASIS_NOT_VIRTIO:
                return "-";
        default:
                return "?";
        }
}

/* snprintf(buf, size, "%s%s", a, b) without the cost of a format: a listing names thousands of cells. */
static const char *concat(char *buf, size_t size, const char *a, const char *b)
{
        size_t la = strlen(a), lb = strlen(b);

        if (size == 0)
                return buf;
        if (la >= size)
                la = size - 1;
        if (lb >= size - la)
                lb = size - la - 1;
        memcpy(buf, a, la);
        memcpy(buf + la, b, lb);
        buf[la + lb] = 0;
        return buf;
}

const char *ctl_evidence_source(const CtlFunction *f, char *buf, size_t size)
{
        const Evidence *e = &f->evidence;

        switch (f->assessment.basis) {
        case BASIS_NOT_VIRTIO:
                return concat(buf, size, "-", "");
        case BASIS_LEGACY_ONLY:
                return concat(buf, size, "transport", "");
        case BASIS_FEATURES:
                return concat(buf, size, feature_source_to_string(e->feature_source),
                              e->feature_recorded ? " (recorded)" : "");
        default:
                /* A word was there but is not evidence (not negotiated, all ones, …), or there was none. */
                return concat(buf, size, "none", "");
        }
}

const char *ctl_type_string(const Evidence *e, char *buf, size_t size)
{
        const char *t;

        if (!virtio_pci_is_virtio(e->vendor, e->device))
                return concat(buf, size, "-", "");
        t = virtio_type_to_string(e->virtio_type);
        if (t)
                concat(buf, size, t, "");
        else if (e->virtio_type > 0)
                snprintf(buf, size, "virtio-%u", e->virtio_type);
        else
                concat(buf, size, "?", "");
        return buf;
}
