/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The decision table, exhaustively: every combination of IDs, transport, feature source, bit 33, VERSION_1,
 * all-ones word, IOMMU group, Unknown=, NoIOMMU= and Allow=/Deny= goes through assess(), and the answer is
 * compared with an oracle below that restates the rules of issue 2 §3–4 on its own (it never calls the code
 * under test).
 */
#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/config.h"
#include "core/verdict.h"
#include "shared/macro.h"

#define ADDRESS "0000:00:03.0"

/* check's ck_assert*() writes a mark point per call; in loops of 60000 cases assert without it. */
#define EXPECT(cond, ...)                               \
        do {                                            \
                if (!(cond))                            \
                        ck_abort_msg(__VA_ARGS__);      \
        } while (0)

typedef struct IdRow {
        uint16_t vendor, device, subsys_device;
        unsigned virtio_type;
        bool virtio; /* written by hand from "1af4:1000–107f", not computed */
        bool balloon;
} IdRow;

static const IdRow ids[] = {
        { 0x1af4, 0x1041, 0x1100, 1, true, false },  /* modern net */
        { 0x1af4, 0x1045, 0x1100, 5, true, true },   /* modern balloon */
        { 0x1af4, 0x1000, 0x0001, 1, true, false },  /* transitional net */
        { 0x1af4, 0x1002, 0x0005, 5, true, true },   /* transitional balloon */
        { 0x1af4, 0x107f, 0x1100, 63, true, false }, /* last virtio ID */
        { 0x1af4, 0x1040, 0x1100, 0, true, false },  /* first modern ID, type 0 */
        { 0x8086, 0x29c0, 0x1100, 0, false, false }, /* q35 host bridge */
        { 0x1af4, 0x0fff, 0x0000, 0, false, false }, /* just below the range */
        { 0x1af4, 0x1080, 0x0000, 0, false, false }, /* just above the range */
        { 0x1b36, 0x000d, 0x1100, 0, false, false }, /* Red Hat xhci */
        { 0x0000, 0x1041, 0x1100, 1, false, false }, /* a virtio device ID under another vendor */
};

enum { MATCH_NONE, MATCH_ALLOW, MATCH_DENY, MATCH_BOTH, _MATCH_CASE_MAX };

typedef struct Case {
        size_t id;
        Transport transport;
        FeatureSource source;
        bool bit33, version_1, all_ones, recorded;
        IommuGroupKind group;
        bool unknown_allow, noiommu_refuse;
        bool dt_bypass; /* [DeviceTree] BypassProperty= found on the node */
        int match;
        unsigned match_style; /* which kind of entry matches: rotates over address, IDs, modalias */
} Case;

typedef struct Expect {
        Verdict verdict;
        VerdictBasis basis;
        Context context;
        Decision decision;
        DecisionReason reason;
        bool balloon_caveat, allow_overrides_bypass;
} Expect;

/*
 * The rules, restated from the issue:
 *  - not 1af4:1000–107f: not virtio, never guarded (Deny= and Allow= do not apply);
 *  - legacy-only transport: bypass without reading any features (bit 33 cannot exist there);
 *  - no feature word: unknown;
 *  - a negotiated word with VERSION_1 (bit 32) clear: nothing negotiated yet, not evidence → unknown;
 *  - an offered word (read from the common configuration) of all ones: asleep/decode off → unknown; without
 *    VERSION_1: a modern interface always offers it, so the read is not trusted → unknown;
 *    (all ones is a register-read signature: a negotiated word is printed by the kernel, so it is just bits);
 *  - otherwise bit 33 decides: translated or bypass;
 *  - context iommu exactly for a real group (not none, not vfio-noiommu);
 *  - Deny= refuses any virtio function, beating Allow=; Allow= allows (and flags it when not translated);
 *    translated → allow; in context iommu bypass → refuse, unknown → refuse unless Unknown=allow;
 *    in context noiommu NoIOMMU= decides bypass and unknown alike;
 *  - the balloon caveat belongs to a negotiated word that was used as evidence.
 */
static void oracle(const Case *k, Expect *x)
{
        const IdRow *id = &ids[k->id];
        uint64_t word = k->all_ones ? UINT64_MAX
                                    : ((uint64_t) k->bit33 << 33) | ((uint64_t) k->version_1 << 32) | 0x1;
        bool v1 = (word >> 32) & 1, b33 = (word >> 33) & 1;

        *x = (Expect){};
        x->context = k->group == IOMMU_GROUP_REAL ? CONTEXT_IOMMU : CONTEXT_NOIOMMU;

        if (!id->virtio) {
                x->verdict = VERDICT_NOT_VIRTIO;
                x->basis = BASIS_NOT_VIRTIO;
                x->decision = DECISION_NOT_GUARDED;
                x->reason = REASON_NOT_VIRTIO;
                return;
        }

        if (k->transport == TRANSPORT_LEGACY_ONLY) {
                x->verdict = VERDICT_BYPASS;
                x->basis = BASIS_LEGACY_ONLY;
        } else if (k->source == FEATURE_SOURCE_NONE) {
                x->verdict = VERDICT_UNKNOWN;
                x->basis = BASIS_NO_FEATURES;
        } else if (k->source == FEATURE_SOURCE_NEGOTIATED) {
                if (!v1) {
                        x->verdict = VERDICT_UNKNOWN;
                        x->basis = BASIS_NOT_NEGOTIATED;
                } else {
                        x->verdict = b33 ? VERDICT_TRANSLATED : VERDICT_BYPASS;
                        x->basis = BASIS_FEATURES;
                        x->balloon_caveat = id->balloon;
                }
        } else if (k->all_ones) {
                x->verdict = VERDICT_UNKNOWN;
                x->basis = BASIS_OFFERED_ALL_ONES;
        } else if (!v1) {
                x->verdict = VERDICT_UNKNOWN;
                x->basis = BASIS_OFFERED_NO_VERSION_1;
        } else {
                x->verdict = b33 ? VERDICT_TRANSLATED : VERDICT_BYPASS;
                x->basis = BASIS_FEATURES;
        }

        /* The device tree's bypass mark is evidence for bypass only. */
        if (k->dt_bypass && x->verdict != VERDICT_BYPASS) {
                x->verdict = VERDICT_BYPASS;
                x->basis = BASIS_DT_BYPASS_PROPERTY;
                x->balloon_caveat = false;
        }

        if (k->match == MATCH_DENY || k->match == MATCH_BOTH) {
                x->decision = DECISION_REFUSE;
                x->reason = REASON_DENY_MATCH;
        } else if (k->match == MATCH_ALLOW) {
                x->decision = DECISION_ALLOW;
                x->reason = REASON_ALLOW_MATCH;
                x->allow_overrides_bypass = x->verdict != VERDICT_TRANSLATED;
        } else if (x->verdict == VERDICT_TRANSLATED) {
                x->decision = DECISION_ALLOW;
                x->reason = REASON_TRANSLATED;
        } else if (x->context == CONTEXT_IOMMU) {
                if (x->verdict == VERDICT_BYPASS) {
                        x->decision = DECISION_REFUSE;
                        x->reason = REASON_BYPASS_IOMMU;
                } else if (k->unknown_allow) {
                        x->decision = DECISION_ALLOW;
                        x->reason = REASON_UNKNOWN_ALLOWED;
                } else {
                        x->decision = DECISION_REFUSE;
                        x->reason = REASON_UNKNOWN_IOMMU;
                }
        } else if (k->noiommu_refuse) {
                x->decision = DECISION_REFUSE;
                x->reason = REASON_NOIOMMU_REFUSED;
        } else {
                x->decision = DECISION_ALLOW;
                x->reason = REASON_NOIOMMU_ALLOWED;
        }
}

static void build_evidence(const Case *k, Evidence *e)
{
        const IdRow *id = &ids[k->id];

        evidence_init(e, ADDRESS);
        e->vendor = id->vendor;
        e->device = id->device;
        e->subsys_vendor = 0x1af4;
        e->subsys_device = id->subsys_device;
        e->revision = id->device >= 0x1040 ? 1 : 0;
        snprintf(e->modalias, sizeof e->modalias, "pci:v%08Xd%08Xsv00001AF4sd%08Xbc02sc00i00", id->vendor,
                 id->device, id->subsys_device);
        e->virtio_type = id->virtio_type;
        e->transport = k->transport;
        if (k->transport == TRANSPORT_UNKNOWN)
                snprintf(e->transport_problem, sizeof e->transport_problem, "capabilities not readable");
        e->feature_source = k->source;
        e->feature_recorded = k->recorded;
        if (k->source == FEATURE_SOURCE_NONE)
                snprintf(e->feature_problem, sizeof e->feature_problem, "permission denied");
        else
                e->features = k->all_ones ? UINT64_MAX
                                          : ((uint64_t) k->bit33 << 33) | ((uint64_t) k->version_1 << 32) | 0x1;
        e->dt.bypass_property = k->dt_bypass;
        e->group_kind = k->group;
        e->group_number = k->group == IOMMU_GROUP_NONE ? -1 : 7;
        snprintf(e->group_type, sizeof e->group_type, "%s", k->group == IOMMU_GROUP_REAL ? "DMA" : "");
}

static void add_match(MatchList *l, const char *s)
{
        Match m;

        EXPECT(match_parse(s, &m) == 0, "match_parse(%s) failed", s);
        l->items = realloc(l->items, sizeof(Match) * (l->n + 1));
        EXPECT(l->items, "out of memory");
        l->items[l->n++] = m;
}

/* An entry that matches the function, in one of the three kinds (and in upper or lower case). */
static void matching_entry(const Case *k, char *buf, size_t size)
{
        const IdRow *id = &ids[k->id];

        switch (k->match_style % 4) {
        case 0:
                snprintf(buf, size, "%s", ADDRESS);
                break;
        case 1:
                snprintf(buf, size, "%04x:%04x", id->vendor, id->device);
                break;
        case 2:
                snprintf(buf, size, "pci:v%08Xd%08X*", id->vendor, id->device);
                break;
        default:
                snprintf(buf, size, "pci:v%08xd%08xsv*", id->vendor, id->device);
                break;
        }
}

static void build_config(const Case *k, Config *c)
{
        char entry[64];

        EXPECT(config_init_defaults(c) == 0, "config_init_defaults() failed");
        c->unknown_allow = k->unknown_allow;
        c->noiommu_refuse = k->noiommu_refuse;
        /* Entries that never match this function sit in both lists, before and after. */
        add_match(&c->allow, "0000:00:09.0");
        add_match(&c->deny, "dead:beef");
        matching_entry(k, entry, sizeof entry);
        if (k->match == MATCH_ALLOW || k->match == MATCH_BOTH)
                add_match(&c->allow, entry);
        if (k->match == MATCH_DENY || k->match == MATCH_BOTH)
                add_match(&c->deny, entry);
        add_match(&c->allow, "pci:v00008086d0000FFFF*");
        add_match(&c->deny, "00:1f.7");
}

static void describe(const Case *k, char *buf, size_t size)
{
        static const char *const match_names[] = { "none", "allow", "deny", "both" };

        snprintf(buf, size,
                 "%04x:%04x transport=%s source=%s bit33=%d v1=%d all_ones=%d group=%s Unknown=%s NoIOMMU=%s "
                 "match=%s/%u",
                 ids[k->id].vendor, ids[k->id].device, transport_to_string(k->transport),
                 feature_source_to_string(k->source), k->bit33, k->version_1, k->all_ones,
                 iommu_group_kind_to_string(k->group), k->unknown_allow ? "allow" : "refuse",
                 k->noiommu_refuse ? "refuse" : "allow", match_names[k->match], k->match_style % 4);
}

START_TEST(test_decision_table)
{
        unsigned n = 0, counts[_DECISION_REASON_MAX] = {};
        Case k = {};

        for (k.id = 0; k.id < ELEMENTSOF(ids); k.id++)
        for (k.transport = 0; k.transport < _TRANSPORT_MAX; k.transport++)
        for (k.source = 0; k.source < _FEATURE_SOURCE_MAX; k.source++)
        for (int b33 = 0; b33 < 2; b33++)
        for (int v1 = 0; v1 < 2; v1++)
        for (int ones = 0; ones < 2; ones++)
        for (k.group = 0; k.group < _IOMMU_GROUP_KIND_MAX; k.group++)
        for (int ua = 0; ua < 2; ua++)
        for (int nr = 0; nr < 2; nr++)
        for (int dtb = 0; dtb < 2; dtb++)
        for (k.match = 0; k.match < _MATCH_CASE_MAX; k.match++) {
                Evidence e;
                Config c;
                Assessment a;
                Expect x;
                VerdictBasis basis;
                char what[256];

                k.bit33 = b33;
                k.version_1 = v1;
                k.all_ones = ones;
                k.unknown_allow = ua;
                k.noiommu_refuse = nr;
                k.dt_bypass = dtb;
                k.recorded = n & 1;
                k.match_style = n++;

                build_evidence(&k, &e);
                build_config(&k, &c);
                oracle(&k, &x);
                describe(&k, what, sizeof what);

                memset(&a, 0xa5, sizeof a);
                assess(&e, &c, &a);

                EXPECT(a.verdict == x.verdict, "%s: verdict %s, expected %s", what,
                              verdict_to_string(a.verdict), verdict_to_string(x.verdict));
                EXPECT(a.basis == x.basis, "%s: basis %s, expected %s", what,
                              verdict_basis_to_string(a.basis), verdict_basis_to_string(x.basis));
                EXPECT(a.context == x.context, "%s: context %s, expected %s", what,
                              context_to_string(a.context), context_to_string(x.context));
                EXPECT(a.decision == x.decision, "%s: decision %s, expected %s", what,
                              decision_to_string(a.decision), decision_to_string(x.decision));
                EXPECT(a.reason == x.reason, "%s: reason %s, expected %s", what,
                              decision_reason_to_string(a.reason), decision_reason_to_string(x.reason));
                EXPECT(a.balloon_caveat == x.balloon_caveat, "%s: balloon caveat %d", what,
                              a.balloon_caveat);
                EXPECT(a.allow_overrides_bypass == x.allow_overrides_bypass, "%s: allow override %d",
                              what, a.allow_overrides_bypass);

                /* The parts agree with the whole. */
                EXPECT(evidence_verdict(&e, &basis) == x.verdict && basis == x.basis, "%s", what);
                EXPECT(evidence_verdict(&e, NULL) == x.verdict, "%s", what);
                EXPECT(evidence_context(&e) == x.context, "%s", what);

                /* A fix exactly for what the VM's owner can fix. */
                EXPECT(!assessment_fix(&e, &a) == !(x.verdict == VERDICT_BYPASS || x.verdict == VERDICT_UNKNOWN),
                       "%s: fix %s", what, strna(assessment_fix(&e, &a)));

                counts[a.reason]++;
                config_done(&c);
        }

        ck_assert_uint_eq(n, ELEMENTSOF(ids) * _TRANSPORT_MAX * _FEATURE_SOURCE_MAX * 2 * 2 * 2 *
                                     _IOMMU_GROUP_KIND_MAX * 2 * 2 * 2 * _MATCH_CASE_MAX);
        /* Every row of the decision table was reached. */
        for (int r = 0; r < _DECISION_REASON_MAX; r++)
                ck_assert_msg(counts[r] > 0, "reason %s never reached", decision_reason_to_string(r));
}
END_TEST

/* The cases the issue names, spelled out (a second, readable check on the table above). */
START_TEST(test_named_cases)
{
        Evidence e;
        Config c;
        Assessment a;

        ck_assert_int_eq(config_init_defaults(&c), 0);

        /* Firecracker: modern, negotiated, bit 33 clear, no IOMMU → bypass, noiommu, allowed. */
        evidence_init(&e, "0000:00:02.0");
        e.vendor = 0x1af4;
        e.device = 0x1042;
        e.transport = TRANSPORT_MODERN;
        e.feature_source = FEATURE_SOURCE_NEGOTIATED;
        e.features = 1ULL << 32;
        assess(&e, &c, &a);
        ck_assert_int_eq(a.verdict, VERDICT_BYPASS);
        ck_assert_int_eq(a.context, CONTEXT_NOIOMMU);
        ck_assert_int_eq(a.decision, DECISION_ALLOW);
        c.noiommu_refuse = true;
        assess(&e, &c, &a);
        ck_assert_int_eq(a.decision, DECISION_REFUSE);
        ck_assert_int_eq(a.reason, REASON_NOIOMMU_REFUSED);

        /* q35 + intel-iommu: the same function in a real group → refused, the crash case. */
        c.noiommu_refuse = false;
        e.group_kind = IOMMU_GROUP_REAL;
        e.group_number = 3;
        assess(&e, &c, &a);
        ck_assert_int_eq(a.decision, DECISION_REFUSE);
        ck_assert_int_eq(a.reason, REASON_BYPASS_IOMMU);

        /* pseries: group type "unknown" is still an IOMMU. */
        snprintf(e.group_type, sizeof e.group_type, "unknown");
        ck_assert_int_eq(evidence_context(&e), CONTEXT_IOMMU);

        /* A vfio no-IOMMU group is not. */
        e.group_kind = IOMMU_GROUP_NOIOMMU;
        ck_assert_int_eq(evidence_context(&e), CONTEXT_NOIOMMU);

        /* iommu_platform=on: translated everywhere. */
        e.features |= 1ULL << 33;
        e.group_kind = IOMMU_GROUP_REAL;
        assess(&e, &c, &a);
        ck_assert_int_eq(a.verdict, VERDICT_TRANSLATED);
        ck_assert_int_eq(a.decision, DECISION_ALLOW);

        /* Unknown=allow does not undo NoIOMMU=refuse. */
        e.feature_source = FEATURE_SOURCE_NONE;
        e.group_kind = IOMMU_GROUP_NONE;
        c.unknown_allow = true;
        c.noiommu_refuse = true;
        assess(&e, &c, &a);
        ck_assert_int_eq(a.verdict, VERDICT_UNKNOWN);
        ck_assert_int_eq(a.decision, DECISION_REFUSE);
        ck_assert_int_eq(a.reason, REASON_NOIOMMU_REFUSED);

        /* The host bridge is never guarded, whatever Deny= says. */
        evidence_init(&e, "0000:00:00.0");
        e.vendor = 0x8086;
        e.device = 0x29c0;
        add_match(&c.deny, "0000:00:00.0");
        assess(&e, &c, &a);
        ck_assert_int_eq(a.decision, DECISION_NOT_GUARDED);

        config_done(&c);
}
END_TEST

/* Text functions: every size of buffer, canaries behind it, a NUL always inside, a prefix of the full text. */
static void check_text(char *(*fn)(const Evidence *, const Assessment *, char *, size_t), const Evidence *e,
                       const Assessment *a)
{
        char full[1024], buf[1024 + 16];

        fn(e, a, full, sizeof full);
        ck_assert_uint_gt(strlen(full), 0);
        ck_assert_uint_lt(strlen(full), sizeof full - 1);

        for (size_t size = 1; size <= strlen(full) + 2; size++) {
                memset(buf, 'X', sizeof buf);
                EXPECT(fn(e, a, buf, size) == buf, "did not return buf");
                EXPECT(strlen(buf) < size, "no NUL inside a %zu-byte buffer", size);
                EXPECT(strneq(buf, full, strlen(buf)), "\"%s\" is not a prefix of \"%s\"", buf, full);
                for (size_t i = size; i < size + 16; i++)
                        EXPECT(buf[i] == 'X', "wrote past a %zu-byte buffer", size);
        }
}

START_TEST(test_texts)
{
        Config c;
        Case k = {};
        unsigned n = 0;

        /* One evidence per basis/reason shape, each through both text functions. */
        for (k.id = 0; k.id < ELEMENTSOF(ids); k.id += 3)
        for (k.transport = 0; k.transport < _TRANSPORT_MAX; k.transport++)
        for (k.source = 0; k.source < _FEATURE_SOURCE_MAX; k.source++)
        for (int v = 0; v < 4; v++)
        for (k.match = 0; k.match < _MATCH_CASE_MAX; k.match++) {
                Evidence e;
                Assessment a;

                k.bit33 = v & 1;
                k.version_1 = v & 2;
                k.all_ones = v == 3 && k.source != FEATURE_SOURCE_NEGOTIATED;
                k.group = n % 3;
                k.noiommu_refuse = n & 4;
                k.unknown_allow = n & 8;
                k.recorded = n & 16;
                k.match_style = n++;
                build_evidence(&k, &e);
                build_config(&k, &c);
                assess(&e, &c, &a);
                check_text(assessment_evidence_text, &e, &a);
                check_text(assessment_reason_text, &e, &a);
                config_done(&c);
        }

        /* The pieces that matter to a reader are in the sentences. */
        {
                Evidence e;
                Assessment a;
                char buf[512];

                k = (Case){ .id = 1, .transport = TRANSPORT_MODERN, .source = FEATURE_SOURCE_NEGOTIATED,
                            .version_1 = true, .group = IOMMU_GROUP_REAL };
                build_evidence(&k, &e);
                build_config(&k, &c);
                assess(&e, &c, &a);
                ck_assert(a.balloon_caveat);
                ck_assert_ptr_nonnull(strstr(assessment_evidence_text(&e, &a, buf, sizeof buf), "bit 33 clear"));
                ck_assert_ptr_nonnull(strstr(buf, "balloon"));
                ck_assert_ptr_nonnull(strstr(assessment_fix(&e, &a), "iommu_platform=on"));
                ck_assert_ptr_nonnull(strstr(assessment_fix(&e, &a), "disable-legacy=on"));
                ck_assert_ptr_nonnull(strstr(assessment_fix(&e, &a), "iommu='on'"));
                ck_assert_ptr_nonnull(strstr(assessment_fix(&e, &a), "virtio-non-transitional"));

                e.feature_source = FEATURE_SOURCE_NONE;
                snprintf(e.feature_problem, sizeof e.feature_problem, "permission denied");
                assess(&e, &c, &a);
                ck_assert_ptr_nonnull(strstr(assessment_evidence_text(&e, &a, buf, sizeof buf), "permission denied"));
                config_done(&c);
        }
}
END_TEST

#define CHECK_TABLE(to, max)                                                    \
        do {                                                                    \
                for (int i = 0; i < (max); i++) {                               \
                        ck_assert_ptr_nonnull(to(i));                           \
                        for (int j = 0; j < i; j++)                             \
                                ck_assert_str_ne(to(i), to(j));                 \
                }                                                               \
                ck_assert_ptr_null(to(max));                                    \
                ck_assert_ptr_null(to(-1));                                     \
                ck_assert_ptr_null(to(-22));                                    \
        } while (0)

#define CHECK_ROUND_TRIP(to, from, max)                                         \
        do {                                                                    \
                CHECK_TABLE(to, max);                                           \
                for (int i = 0; i < (max); i++)                                 \
                        ck_assert_int_eq(from(to(i)), i);                       \
                ck_assert_int_eq(from(NULL), -22);                              \
                ck_assert_int_eq(from(""), -22);                                \
                ck_assert_int_eq(from("no-such-name"), -22);                    \
        } while (0)

START_TEST(test_strings)
{
        CHECK_ROUND_TRIP(verdict_to_string, verdict_from_string, _VERDICT_MAX);
        CHECK_ROUND_TRIP(decision_to_string, decision_from_string, _DECISION_MAX);
        CHECK_ROUND_TRIP(transport_to_string, transport_from_string, _TRANSPORT_MAX);
        CHECK_ROUND_TRIP(feature_source_to_string, feature_source_from_string, _FEATURE_SOURCE_MAX);
        CHECK_ROUND_TRIP(guard_mode_to_string, guard_mode_from_string, _GUARD_MODE_MAX);
        CHECK_ROUND_TRIP(kernel_enforcement_to_string, kernel_enforcement_from_string, _KERNEL_ENFORCEMENT_MAX);
        CHECK_TABLE(context_to_string, _CONTEXT_MAX);
        CHECK_TABLE(decision_reason_to_string, _DECISION_REASON_MAX);
        CHECK_TABLE(verdict_basis_to_string, _VERDICT_BASIS_MAX);
        CHECK_TABLE(iommu_group_kind_to_string, _IOMMU_GROUP_KIND_MAX);
        CHECK_TABLE(match_kind_to_string, _MATCH_KIND_MAX);

        /* The names the JSON output and the man pages promise. */
        ck_assert_str_eq(verdict_to_string(VERDICT_TRANSLATED), "translated");
        ck_assert_str_eq(verdict_to_string(VERDICT_BYPASS), "bypass");
        ck_assert_str_eq(verdict_to_string(VERDICT_UNKNOWN), "unknown");
        ck_assert_str_eq(context_to_string(CONTEXT_IOMMU), "iommu");
        ck_assert_str_eq(context_to_string(CONTEXT_NOIOMMU), "noiommu");
        ck_assert_str_eq(decision_to_string(DECISION_REFUSE), "refuse");
        ck_assert_str_eq(decision_to_string(DECISION_ALLOW), "allow");
        ck_assert_str_eq(transport_to_string(TRANSPORT_LEGACY_ONLY), "legacy-only");
        ck_assert_str_eq(guard_mode_to_string(GUARD_MODE_AUDIT), "audit");
        ck_assert_int_eq(guard_mode_from_string("AUDIT"), GUARD_MODE_AUDIT);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("verdict");
        TCase *tc = tcase_create("core");
        SRunner *sr;
        int failed;

        /* 67 584 cases: seconds natively, longer under valgrind. */
        tcase_set_timeout(tc, 120);
        tcase_add_test(tc, test_decision_table);
        tcase_add_test(tc, test_named_cases);
        tcase_add_test(tc, test_texts);
        tcase_add_test(tc, test_strings);
        suite_add_tcase(s, tc);
        sr = srunner_create(s);
        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
