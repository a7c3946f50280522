/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Where the verdict is decided. Read this file first: everything else gathers evidence for assess() or acts
 * on what it returns.
 */
#include <stdio.h>

#include "core/verdict.h"
#include "core/virtio-ids.h"
#include "shared/macro.h"

void evidence_init(Evidence *e, const char *address)
{
        *e = (Evidence){ .group_number = -1 };
        if (address)
                snprintf(e->address, sizeof e->address, "%s", address);
}

static bool feature_bit(uint64_t word, unsigned bit)
{
        return (word >> bit) & 1;
}

Verdict evidence_verdict(const Evidence *e, VerdictBasis *ret_basis)
{
        VerdictBasis basis;
        Verdict v;

        if (!virtio_pci_is_virtio(e->vendor, e->device)) {
                basis = BASIS_NOT_VIRTIO;
                v = VERDICT_NOT_VIRTIO;
        } else if (e->transport == TRANSPORT_LEGACY_ONLY) {
                /* The legacy interface has 32 feature bits: bit 33 cannot even be offered. */
                basis = BASIS_LEGACY_ONLY;
                v = VERDICT_BYPASS;
        } else if (e->feature_source == FEATURE_SOURCE_NONE) {
                basis = BASIS_NO_FEATURES;
                v = VERDICT_UNKNOWN;
        } else if (e->feature_source == FEATURE_SOURCE_NEGOTIATED &&
                   !feature_bit(e->features, VIRTIO_F_VERSION_1)) {
                /* All zeros until a virtio device driver probed; or driven through the legacy interface,
                 * where bit 33 does not exist. Either way the string says nothing about bit 33. */
                basis = BASIS_NOT_NEGOTIATED;
                v = VERDICT_UNKNOWN;
        } else if (e->feature_source != FEATURE_SOURCE_NEGOTIATED && e->features == UINT64_MAX) {
                basis = BASIS_OFFERED_ALL_ONES;
                v = VERDICT_UNKNOWN;
        } else if (e->feature_source != FEATURE_SOURCE_NEGOTIATED &&
                   !feature_bit(e->features, VIRTIO_F_VERSION_1)) {
                /* Read through the modern common configuration: a real device offers VERSION_1 there. */
                basis = BASIS_OFFERED_NO_VERSION_1;
                v = VERDICT_UNKNOWN;
        } else {
                basis = BASIS_FEATURES;
                v = feature_bit(e->features, VIRTIO_F_ACCESS_PLATFORM) ? VERDICT_TRANSLATED : VERDICT_BYPASS;
        }

        /* A platform that marks its bypassing devices in the device tree is believed in one direction only:
         * the mark makes a function bypass; its absence proves nothing. */
        if (v != VERDICT_NOT_VIRTIO && v != VERDICT_BYPASS && e->dt.bypass_property) {
                basis = BASIS_DT_BYPASS_PROPERTY;
                v = VERDICT_BYPASS;
        }

        if (ret_basis)
                *ret_basis = basis;
        return v;
}

Context evidence_context(const Evidence *e)
{
        /* Any group but a vfio no-IOMMU one means an IOMMU vfio would program, whatever its type says
         * (pseries reports "unknown"). The device tree explains this; it does not decide it. */
        return e->group_kind == IOMMU_GROUP_REAL ? CONTEXT_IOMMU : CONTEXT_NOIOMMU;
}

void assess(const Evidence *e, const Config *c, Assessment *ret)
{
        Assessment a = {};

        a.verdict = evidence_verdict(e, &a.basis);
        a.context = evidence_context(e);
        a.balloon_caveat = a.basis == BASIS_FEATURES && e->feature_source == FEATURE_SOURCE_NEGOTIATED &&
                           e->virtio_type == VIRTIO_ID_BALLOON;

        if (a.verdict == VERDICT_NOT_VIRTIO) {
                a.decision = DECISION_NOT_GUARDED;
                a.reason = REASON_NOT_VIRTIO;
        } else if (match_list_matches(&c->deny, e->address, e->vendor, e->device, e->modalias)) {
                /* Deny beats Allow, and refuses even a translated function. */
                a.decision = DECISION_REFUSE;
                a.reason = REASON_DENY_MATCH;
        } else if (match_list_matches(&c->allow, e->address, e->vendor, e->device, e->modalias)) {
                a.decision = DECISION_ALLOW;
                a.reason = REASON_ALLOW_MATCH;
                a.allow_overrides_bypass = a.verdict != VERDICT_TRANSLATED;
        } else if (a.verdict == VERDICT_TRANSLATED) {
                a.decision = DECISION_ALLOW;
                a.reason = REASON_TRANSLATED;
        } else if (a.context == CONTEXT_IOMMU && a.verdict == VERDICT_UNKNOWN && c->unknown_allow) {
                /* Unknown= speaks for context iommu only; without an IOMMU, NoIOMMU= decides bypass and
                 * unknown alike, so NoIOMMU=refuse is not undone by Unknown=allow. */
                a.decision = DECISION_ALLOW;
                a.reason = REASON_UNKNOWN_ALLOWED;
        } else if (a.context == CONTEXT_IOMMU) {
                a.decision = DECISION_REFUSE;
                a.reason = a.verdict == VERDICT_BYPASS ? REASON_BYPASS_IOMMU : REASON_UNKNOWN_IOMMU;
        } else if (c->noiommu_refuse) {
                a.decision = DECISION_REFUSE;
                a.reason = REASON_NOIOMMU_REFUSED;
        } else {
                a.decision = DECISION_ALLOW;
                a.reason = REASON_NOIOMMU_ALLOWED;
        }

        *ret = a;
}

static const char *virtio_name(const Evidence *e)
{
        const char *t = virtio_type_to_string(e->virtio_type);
        return t ? t : "virtio";
}

static const char *feature_source_phrase(FeatureSource s)
{
        switch (s) {
        case FEATURE_SOURCE_NEGOTIATED:
                return "negotiated features";
        case FEATURE_SOURCE_OFFERED_BAR:
                return "offered features (common configuration through the BAR)";
        case FEATURE_SOURCE_OFFERED_PCI_CFG:
                return "offered features (common configuration through the PCI_CFG window)";
        default:
                return "no features";
        }
}

char *assessment_evidence_text(const Evidence *e, const Assessment *a, char *buf, size_t size)
{
        const char *src = e->feature_recorded ? " (recorded by vfio-guardd)" : "";

        switch (a->basis) {
        case BASIS_NOT_VIRTIO:
                snprintf(buf, size, "not a virtio function (%04x:%04x)", e->vendor, e->device);
                break;
        case BASIS_LEGACY_ONLY:
                snprintf(buf, size,
                         "legacy-only virtio-%s: no modern interface, so it cannot offer ACCESS_PLATFORM (bit 33)",
                         virtio_name(e));
                break;
        case BASIS_FEATURES:
                snprintf(buf, size, "%s%s, bit 33 %s%s", feature_source_phrase(e->feature_source), src,
                         a->verdict == VERDICT_TRANSLATED ? "set" : "clear",
                         a->balloon_caveat ? " (the virtio-balloon driver clears bit 33 when it negotiates, "
                                             "so the device may offer it)"
                                           : "");
                break;
        case BASIS_NOT_NEGOTIATED:
                snprintf(buf, size,
                         "negotiated features not usable: VERSION_1 clear, no virtio device driver has probed "
                         "(or the legacy interface is in use)");
                break;
        case BASIS_OFFERED_ALL_ONES:
                snprintf(buf, size, "offered features read all ones%s: the function is asleep or its memory "
                                    "decode is off", src);
                break;
        case BASIS_OFFERED_NO_VERSION_1:
                snprintf(buf, size, "offered features%s lack VERSION_1 on a modern interface: not trusted", src);
                break;
        case BASIS_DT_BYPASS_PROPERTY:
                snprintf(buf, size, "the device tree marks it as bypassing the IOMMU (the [DeviceTree] "
                                    "BypassProperty= property is on its node%s%s or an ancestor)",
                         e->dt.node[0] ? " " : "", e->dt.node);
                break;
        case BASIS_NO_FEATURES:
        default:
                snprintf(buf, size, "no feature word: %s",
                         e->feature_problem[0] ? e->feature_problem : "not read");
                break;
        }
        return buf;
}

char *assessment_reason_text(const Evidence *e, const Assessment *a, char *buf, size_t size)
{
        switch (a->reason) {
        case REASON_NOT_VIRTIO:
                snprintf(buf, size, "not a virtio function: not guarded");
                break;
        case REASON_DENY_MATCH:
                snprintf(buf, size, "refused: Deny= in the configuration matches this function");
                break;
        case REASON_ALLOW_MATCH:
                snprintf(buf, size, a->allow_overrides_bypass
                                 ? "allowed by Allow= in the configuration although it is %s: assigning it to a "
                                   "guest or DPDK can corrupt this machine's memory"
                                 : "allowed by Allow= in the configuration (%s)",
                         verdict_to_string(a->verdict));
                break;
        case REASON_TRANSLATED:
                snprintf(buf, size, "allowed: its DMA goes through the IOMMU");
                break;
        case REASON_BYPASS_IOMMU:
                snprintf(buf, size,
                         "refused: it bypasses the IOMMU that vfio would program with user-space addresses; "
                         "its DMA would hit this machine's memory");
                break;
        case REASON_UNKNOWN_IOMMU:
                snprintf(buf, size, "refused: whether it honours the IOMMU is unknown (Unknown=refuse)");
                break;
        case REASON_UNKNOWN_ALLOWED:
                snprintf(buf, size, "allowed: whether it honours the IOMMU is unknown, and Unknown=allow");
                break;
        case REASON_NOIOMMU_ALLOWED:
                snprintf(buf, size,
                         "allowed: no IOMMU covers it, so vfio can bind it only in unsafe no-IOMMU mode, where "
                         "user space programs physical addresses (NoIOMMU=allow)");
                break;
        case REASON_NOIOMMU_REFUSED:
        default:
                snprintf(buf, size, "refused: no IOMMU covers it and NoIOMMU=refuse");
                break;
        }
        return buf;
}

const char *assessment_fix(const Evidence *e, const Assessment *a)
{
        switch (a->verdict) {
        case VERDICT_BYPASS:
                return "start the VM with an IOMMU-aware device: QEMU -device virtio-...-pci,"
                       "iommu_platform=on,disable-legacy=on; libvirt <driver iommu='on'/> with a "
                       "virtio-non-transitional model";
        case VERDICT_UNKNOWN:
                return "let vfio-guardd read the offered features (it records them in /run/vfio-guard), load "
                       "the virtio driver for the device, or decide by hand with Allow=/Deny= in "
                       "/etc/vfio-guard.conf";
        default:
                return NULL;
        }
}

static const char *const verdict_table[_VERDICT_MAX] = {
        [VERDICT_TRANSLATED] = "translated",
        [VERDICT_BYPASS] = "bypass",
        [VERDICT_UNKNOWN] = "unknown",
        [VERDICT_NOT_VIRTIO] = "not-virtio",
};

static const char *const context_table[_CONTEXT_MAX] = {
        [CONTEXT_IOMMU] = "iommu",
        [CONTEXT_NOIOMMU] = "noiommu",
};

static const char *const decision_table[_DECISION_MAX] = {
        [DECISION_ALLOW] = "allow",
        [DECISION_REFUSE] = "refuse",
        [DECISION_NOT_GUARDED] = "not-guarded",
};

static const char *const reason_table[_DECISION_REASON_MAX] = {
        [REASON_NOT_VIRTIO] = "not-virtio",
        [REASON_DENY_MATCH] = "deny-match",
        [REASON_ALLOW_MATCH] = "allow-match",
        [REASON_TRANSLATED] = "translated",
        [REASON_BYPASS_IOMMU] = "bypass-iommu",
        [REASON_UNKNOWN_IOMMU] = "unknown-iommu",
        [REASON_UNKNOWN_ALLOWED] = "unknown-allowed",
        [REASON_NOIOMMU_ALLOWED] = "noiommu-allowed",
        [REASON_NOIOMMU_REFUSED] = "noiommu-refused",
};

static const char *const basis_table[_VERDICT_BASIS_MAX] = {
        [BASIS_NOT_VIRTIO] = "not-virtio",
        [BASIS_LEGACY_ONLY] = "legacy-only",
        [BASIS_FEATURES] = "features",
        [BASIS_NOT_NEGOTIATED] = "not-negotiated",
        [BASIS_OFFERED_ALL_ONES] = "offered-all-ones",
        [BASIS_OFFERED_NO_VERSION_1] = "offered-no-version-1",
        [BASIS_NO_FEATURES] = "no-features",
        [BASIS_DT_BYPASS_PROPERTY] = "dt-bypass-property",
};

static const char *const transport_table[_TRANSPORT_MAX] = {
        [TRANSPORT_UNKNOWN] = "unknown",
        [TRANSPORT_LEGACY_ONLY] = "legacy-only",
        [TRANSPORT_TRANSITIONAL] = "transitional",
        [TRANSPORT_MODERN] = "modern",
};

static const char *const feature_source_table[_FEATURE_SOURCE_MAX] = {
        [FEATURE_SOURCE_NONE] = "none",
        [FEATURE_SOURCE_NEGOTIATED] = "negotiated",
        [FEATURE_SOURCE_OFFERED_BAR] = "offered-bar",
        [FEATURE_SOURCE_OFFERED_PCI_CFG] = "offered-pci-cfg",
};

static const char *const group_kind_table[_IOMMU_GROUP_KIND_MAX] = {
        [IOMMU_GROUP_NONE] = "none",
        [IOMMU_GROUP_REAL] = "iommu",
        [IOMMU_GROUP_NOIOMMU] = "vfio-noiommu",
};

static int lookup(const char *const *table, int n, const char *s)
{
        if (!s)
                return -22;
        for (int i = 0; i < n; i++)
                if (table[i] && streq(table[i], s))
                        return i;
        return -22;
}

#define TO_STRING(table, v) ((v) >= 0 && (size_t) (v) < ELEMENTSOF(table) ? table[v] : NULL)

const char *verdict_to_string(Verdict v) { return TO_STRING(verdict_table, v); }
Verdict verdict_from_string(const char *s) { return lookup(verdict_table, _VERDICT_MAX, s); }
const char *context_to_string(Context c) { return TO_STRING(context_table, c); }
const char *decision_to_string(Decision d) { return TO_STRING(decision_table, d); }
Decision decision_from_string(const char *s) { return lookup(decision_table, _DECISION_MAX, s); }
const char *decision_reason_to_string(DecisionReason r) { return TO_STRING(reason_table, r); }
const char *verdict_basis_to_string(VerdictBasis b) { return TO_STRING(basis_table, b); }
const char *transport_to_string(Transport t) { return TO_STRING(transport_table, t); }
Transport transport_from_string(const char *s) { return lookup(transport_table, _TRANSPORT_MAX, s); }
const char *feature_source_to_string(FeatureSource s) { return TO_STRING(feature_source_table, s); }
FeatureSource feature_source_from_string(const char *s)
{
        return lookup(feature_source_table, _FEATURE_SOURCE_MAX, s);
}
const char *iommu_group_kind_to_string(IommuGroupKind k) { return TO_STRING(group_kind_table, k); }
