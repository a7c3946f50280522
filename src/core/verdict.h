/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * THE DECISION. Evidence + configuration → verdict, context, decision, reason, fix.
 * A pure function: no I/O, no globals, no logging. Everything that acts (daemon) or explains (CLI) calls
 * assess() and nothing else to learn whether vfio may have a function.
 */

#include "core/config.h"
#include "core/evidence.h"

/* A property of the device. */
typedef enum Verdict {
        VERDICT_TRANSLATED, /* offers VIRTIO_F_ACCESS_PLATFORM: its DMA goes through the IOMMU */
        VERDICT_BYPASS,     /* legacy-only, or bit 33 clear: DMA with physical addresses, ignoring any IOMMU */
        VERDICT_UNKNOWN,    /* the evidence could not be read; never treated as translated */
        VERDICT_NOT_VIRTIO, /* not a virtio function: not guarded */
        _VERDICT_MAX,
        _VERDICT_INVALID = -22,
} Verdict;

/* Where vfio would put the function. */
typedef enum Context {
        CONTEXT_IOMMU,   /* a real IOMMU group: vfio would program that IOMMU with user-space addresses */
        CONTEXT_NOIOMMU, /* no IOMMU covers it: vfio could bind it only in no-IOMMU mode (physical addresses) */
        _CONTEXT_MAX,
        _CONTEXT_INVALID = -22,
} Context;

typedef enum Decision {
        DECISION_ALLOW,       /* vfio may have it */
        DECISION_REFUSE,      /* keep it away from vfio (pin, unbind) */
        DECISION_NOT_GUARDED, /* not virtio: the guard never touches it */
        _DECISION_MAX,
        _DECISION_INVALID = -22,
} Decision;

/* Why the decision came out as it did: one value per row of the decision table. */
typedef enum DecisionReason {
        REASON_NOT_VIRTIO,
        REASON_DENY_MATCH,        /* Deny= matched (beats everything) */
        REASON_ALLOW_MATCH,       /* Allow= matched */
        REASON_TRANSLATED,        /* bit 33 offered */
        REASON_BYPASS_IOMMU,      /* bypass behind an IOMMU: the crash case */
        REASON_UNKNOWN_IOMMU,     /* unknown behind an IOMMU, Unknown=refuse */
        REASON_UNKNOWN_ALLOWED,   /* unknown behind an IOMMU, Unknown=allow (without one NoIOMMU= decides) */
        REASON_NOIOMMU_ALLOWED,   /* no IOMMU, NoIOMMU=allow: vfio only in no-IOMMU mode, nothing corrupted */
        REASON_NOIOMMU_REFUSED,   /* no IOMMU, NoIOMMU=refuse */
        _DECISION_REASON_MAX,
        _DECISION_REASON_INVALID = -22,
} DecisionReason;

/* Which piece of evidence made the verdict. */
typedef enum VerdictBasis {
        BASIS_NOT_VIRTIO,
        BASIS_LEGACY_ONLY,        /* transport: no modern interface, bit 33 impossible */
        BASIS_FEATURES,           /* a usable feature word (see Evidence.feature_source) */
        BASIS_NOT_NEGOTIATED,     /* negotiated word with VERSION_1 clear: no driver has probed */
        BASIS_OFFERED_ALL_ONES,   /* offered word all ones: asleep or decode off */
        BASIS_OFFERED_NO_VERSION_1, /* offered word of a function with a modern interface lacks VERSION_1 */
        BASIS_NO_FEATURES,        /* no word at all: Evidence.feature_problem says why */
        BASIS_DT_BYPASS_PROPERTY, /* the device tree marks it ([DeviceTree] BypassProperty=): evidence for bypass
                                   * only, so it turns translated or unknown into bypass, never the reverse */
        _VERDICT_BASIS_MAX,
        _VERDICT_BASIS_INVALID = -22,
} VerdictBasis;

typedef struct Assessment {
        Verdict verdict;
        VerdictBasis basis;
        Context context;
        Decision decision;
        DecisionReason reason;
        bool balloon_caveat;     /* negotiated word of a balloon: its driver clears bit 33 (fail-safe) */
        bool allow_overrides_bypass; /* Allow= let a bypass/unknown function through: warn every time */
} Assessment;

/* Judge one function. Never fails: every input has an answer (unreadable evidence → unknown). */
void assess(const Evidence *e, const Config *c, Assessment *ret);

/* Verdict alone (no configuration needed). */
Verdict evidence_verdict(const Evidence *e, VerdictBasis *ret_basis);
Context evidence_context(const Evidence *e) _pure_;

/* Sentences for people (CLI explain, journal MESSAGE=). Write into buf (always NUL-terminated), return buf. */
char *assessment_evidence_text(const Evidence *e, const Assessment *a, char *buf, size_t size);
char *assessment_reason_text(const Evidence *e, const Assessment *a, char *buf, size_t size);
/* The fix for the VM's owner; NULL when there is nothing to fix. */
const char *assessment_fix(const Evidence *e, const Assessment *a) _pure_;

const char *verdict_to_string(Verdict v) _pure_;
Verdict verdict_from_string(const char *s) _pure_;
const char *context_to_string(Context c) _pure_;
const char *decision_to_string(Decision d) _pure_;
Decision decision_from_string(const char *s) _pure_;
const char *decision_reason_to_string(DecisionReason r) _pure_;
const char *verdict_basis_to_string(VerdictBasis b) _pure_;
