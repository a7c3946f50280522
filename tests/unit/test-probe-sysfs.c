/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * probe_function() and friends against fixture trees that tests/fixtures/make-sysfs-tree builds at test time from
 * tests/fixtures/sysfs/probe-*.ini into a mkdtemp() directory: the evidence of each scenario, absent and
 * malformed functions, non-virtio functions, truncated config space, and the daemon's records.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "core/config.h"
#include "core/verdict.h"
#include "probe/probe.h"
#include "probe/record.h"
#include "probe/sysfs.h"
#include "shared/macro.h"
#include "shared/strv.h"

static char tmpdir[] = "/tmp/test-probe-sysfs.XXXXXX";

static const char *const scenarios[] = {
        "probe-q35-iommu", "probe-firecracker-noiommu", "probe-vfio-noiommu", "probe-truncated", "probe-records",
};

/* ROOT of a scenario's tree. */
static const char *root_of(const char *scenario)
{
        static char buf[PATH_MAX];

        snprintf(buf, sizeof buf, "%s/%s", tmpdir, scenario);
        return buf;
}

static int build_tree(const char *scenario)
{
        const char *fixtures = getenv("FIXTURES");
        char builder[PATH_MAX], ini[PATH_MAX], out[PATH_MAX];
        int status;
        pid_t pid;

        if (!fixtures)
                return -ENOENT;
        snprintf(builder, sizeof builder, "%s/make-sysfs-tree", fixtures);
        snprintf(ini, sizeof ini, "%s/sysfs/%s.ini", fixtures, scenario);
        snprintf(out, sizeof out, "%s/%s", tmpdir, scenario);

        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                /* The system interpreter first: a python3 found on PATH may be a slow version-manager shim. */
                if (access("/usr/bin/python3", X_OK) == 0)
                        execl("/usr/bin/python3", "python3", builder, ini, out, (char *) NULL);
                execlp("python3", "python3", builder, ini, out, (char *) NULL);
                _exit(127);
        }
        if (waitpid(pid, &status, 0) < 0)
                return -errno;
        return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        return remove(path);
}

typedef struct Probed {
        Evidence e;
        Assessment a;
} Probed;

/* Probe and assess under the default configuration. */
static Probed probe(const char *scenario, const char *address, bool use_records)
{
        ProbeOptions o = { .root = root_of(scenario), .use_records = use_records };
        Probed p;
        Config c;
        int r;

        r = probe_function(&o, address, &p.e);
        ck_assert_msg(r == 0, "%s %s: %s", scenario, address, strerror(-r));
        ck_assert_int_eq(config_init_defaults(&c), 0);
        assess(&p.e, &c, &p.a);
        config_done(&c);
        return p;
}

#define ASSERT_CONTAINS(haystack, needle) \
        ck_assert_msg(strstr((haystack), (needle)), "'%s' lacks '%s'", (haystack), (needle))

START_TEST(test_q35_evidence)
{
        Probed p;

        /* e1000e: identified, grouped, not guarded; no virtio evidence is even looked for. */
        p = probe("probe-q35-iommu", "0000:00:02.0", true);
        ck_assert_uint_eq(p.e.vendor, 0x8086);
        ck_assert_uint_eq(p.e.device, 0x10d3);
        ck_assert_uint_eq(p.e.class_code, 0x020000);
        ck_assert_str_eq(p.e.driver, "e1000e");
        ck_assert_int_eq(p.e.group_kind, IOMMU_GROUP_REAL);
        ck_assert_int_eq(p.e.group_number, 2);
        ck_assert_int_eq(p.e.feature_source, FEATURE_SOURCE_NONE);
        ck_assert_str_eq(p.e.feature_problem, "");
        ck_assert_uint_eq(p.e.virtio_type, 0);
        ck_assert_int_eq(p.a.verdict, VERDICT_NOT_VIRTIO);
        ck_assert_int_eq(p.a.decision, DECISION_NOT_GUARDED);

        /* Transitional net, negotiated, bit 33 clear: the crash case. */
        p = probe("probe-q35-iommu", "0000:00:03.0", false);
        ck_assert_str_eq(p.e.address, "0000:00:03.0");
        ck_assert_uint_eq(p.e.vendor, 0x1af4);
        ck_assert_uint_eq(p.e.device, 0x1000);
        ck_assert_uint_eq(p.e.subsys_vendor, 0x1af4);
        ck_assert_uint_eq(p.e.subsys_device, 0x0001);
        ck_assert_uint_eq(p.e.revision, 0);
        ck_assert_uint_eq(p.e.virtio_type, 1);
        ck_assert_str_eq(p.e.modalias, "pci:v00001AF4d00001000sv00001AF4sd00000001bc02sc00i00");
        ck_assert_int_eq(p.e.transport, TRANSPORT_TRANSITIONAL);
        ck_assert_str_eq(p.e.transport_problem, "");
        ck_assert_int_eq(p.e.feature_source, FEATURE_SOURCE_NEGOTIATED);
        ck_assert(!p.e.feature_recorded);
        ck_assert_uint_eq(p.e.features, UINT64_C(0x0000010130af8024));
        ck_assert_str_eq(p.e.driver, "virtio-pci");
        ck_assert(p.e.driver_override_read);
        ck_assert_str_eq(p.e.driver_override, ""); /* "(null)" */
        ck_assert_int_eq(p.e.group_kind, IOMMU_GROUP_REAL);
        ck_assert_int_eq(p.e.group_number, 3);
        ck_assert_str_eq(p.e.group_type, "DMA");
        ck_assert(!p.e.dt.present);
        ck_assert_int_eq(p.a.verdict, VERDICT_BYPASS);
        ck_assert_int_eq(p.a.context, CONTEXT_IOMMU);
        ck_assert_int_eq(p.a.decision, DECISION_REFUSE);

        /* Modern net with bit 33 negotiated; the override reads as an empty line. */
        p = probe("probe-q35-iommu", "0000:00:04.0", false);
        ck_assert_int_eq(p.e.transport, TRANSPORT_MODERN);
        ck_assert_uint_eq(p.e.features, UINT64_C(0x0000010330af8024));
        ck_assert(p.e.driver_override_read);
        ck_assert_str_eq(p.e.driver_override, "");
        ck_assert_int_eq(p.a.verdict, VERDICT_TRANSLATED);
        ck_assert_int_eq(p.a.decision, DECISION_ALLOW);

        /* Legacy-only: the transport decides; its string (no VERSION_1) is still passed on. */
        p = probe("probe-q35-iommu", "0000:00:05.0", false);
        ck_assert_int_eq(p.e.transport, TRANSPORT_LEGACY_ONLY);
        ck_assert_int_eq(p.e.feature_source, FEATURE_SOURCE_NEGOTIATED);
        ck_assert_uint_eq(p.e.features, UINT64_C(0x0000000038af8064));
        ck_assert_int_eq(p.a.verdict, VERDICT_BYPASS);
        ck_assert_int_eq(p.a.basis, BASIS_LEGACY_ONLY);

        /* rng without its driver: 64 zeros are passed on as negotiated; verdict.c calls them no evidence. */
        p = probe("probe-q35-iommu", "0000:00:06.0", false);
        ck_assert_int_eq(p.e.transport, TRANSPORT_TRANSITIONAL);
        ck_assert_uint_eq(p.e.virtio_type, 4);
        ck_assert_int_eq(p.e.feature_source, FEATURE_SOURCE_NEGOTIATED);
        ck_assert_uint_eq(p.e.features, 0);
        ck_assert_int_eq(p.a.verdict, VERDICT_UNKNOWN);
        ck_assert_int_eq(p.a.basis, BASIS_NOT_NEGOTIATED);
        ck_assert_int_eq(p.a.decision, DECISION_REFUSE);
        /* With records allowed but none written: the same. */
        p = probe("probe-q35-iommu", "0000:00:06.0", true);
        ck_assert_int_eq(p.e.feature_source, FEATURE_SOURCE_NEGOTIATED);
        ck_assert(!p.e.feature_recorded);

        /* Unbound, pinned to vfio-pci by someone. */
        p = probe("probe-q35-iommu", "0000:00:07.0", false);
        ck_assert_int_eq(p.e.feature_source, FEATURE_SOURCE_NONE);
        ck_assert_str_eq(p.e.feature_problem, "virtio-pci not bound (no virtioN)");
        ck_assert_str_eq(p.e.driver, "");
        ck_assert_str_eq(p.e.driver_override, "vfio-pci");
        ck_assert_int_eq(p.a.verdict, VERDICT_UNKNOWN);
        ck_assert_int_eq(p.a.basis, BASIS_NO_FEATURES);
        p = probe("probe-q35-iommu", "0000:00:07.0", true);
        ck_assert_int_eq(p.e.feature_source, FEATURE_SOURCE_NONE);
        ASSERT_CONTAINS(p.e.feature_problem, "virtio-pci not bound (no virtioN)");
        ASSERT_CONTAINS(p.e.feature_problem, "not recorded by vfio-guardd (offered features need a device register "
                                             "write, which only the daemon does)");

        /* Malformed strings: no word, the reason in words. */
        p = probe("probe-q35-iommu", "0000:00:08.0", false);
        ck_assert_int_eq(p.e.feature_source, FEATURE_SOURCE_NONE);
        ASSERT_CONTAINS(p.e.feature_problem, "malformed");
        ASSERT_CONTAINS(p.e.feature_problem, "character other than 0 or 1 at position 62");
        ck_assert_int_eq(p.a.verdict, VERDICT_UNKNOWN);
        p = probe("probe-q35-iommu", "0000:00:09.0", false);
        ck_assert_int_eq(p.e.feature_source, FEATURE_SOURCE_NONE);
        ASSERT_CONTAINS(p.e.feature_problem, "too short");

        /* 128 characters (Linux 6.18): bits past 63 dropped. */
        p = probe("probe-q35-iommu", "0000:00:0a.0", false);
        ck_assert_int_eq(p.e.feature_source, FEATURE_SOURCE_NEGOTIATED);
        ck_assert_uint_eq(p.e.features, UINT64_C(0x0000010330af8024));
        ck_assert_int_eq(p.a.verdict, VERDICT_TRANSLATED);

        /* Bound to vfio-pci: there is no virtioN, and the problem says why. */
        p = probe("probe-q35-iommu", "0000:00:0b.0", false);
        ck_assert_int_eq(p.e.feature_source, FEATURE_SOURCE_NONE);
        ck_assert_str_eq(p.e.feature_problem, "bound to vfio-pci, not virtio-pci (no virtioN)");
        ck_assert_str_eq(p.e.driver, "vfio-pci");
        ck_assert_int_eq(p.a.decision, DECISION_REFUSE);
}
END_TEST

START_TEST(test_addresses_and_lists)
{
        ProbeOptions o = { .root = root_of("probe-q35-iommu") };
        _cleanup_strv_free_ char **l = NULL, **g = NULL;
        Evidence e;

        /* Absent, malformed, short form. */
        ck_assert_int_eq(probe_function(&o, "0000:00:1f.0", &e), -ENOENT);
        ck_assert_int_eq(probe_function(&o, "0001:00:03.0", &e), -ENOENT);
        ck_assert_int_eq(probe_function(&o, "00:03", &e), -EINVAL);
        ck_assert_int_eq(probe_function(&o, "0000:00:20.0", &e), -EINVAL);
        ck_assert_int_eq(probe_function(&o, "0000:00:03.8", &e), -EINVAL);
        ck_assert_int_eq(probe_function(&o, "../../etc", &e), -EINVAL);
        ck_assert_int_eq(probe_function(&o, "", &e), -EINVAL);
        ck_assert_int_eq(probe_function(&o, NULL, &e), -EINVAL);
        ck_assert_int_eq(probe_function(&o, "00:03.0", &e), 0);
        ck_assert_str_eq(e.address, "0000:00:03.0");
        ck_assert_int_eq(probe_function(&o, "0000:00:0A.0", &e), 0);
        ck_assert_str_eq(e.address, "0000:00:0a.0");

        /* A root without any PCI tree. */
        ProbeOptions empty = { .root = tmpdir };
        ck_assert_int_eq(probe_function(&empty, "0000:00:03.0", &e), -ENOENT);
        ck_assert_int_lt(probe_list_functions(tmpdir, &l), 0);

        /* The same through a listing's cache, which opens each function relative to the devices' directory it
         * holds; for a root without that directory, by its path as without a cache. */
        ProbeCache *cache = NULL;
        ck_assert_int_eq(probe_cache_new(&cache), 0);
        o.cache = empty.cache = cache;
        ck_assert_int_eq(probe_function(&o, "0000:00:1f.0", &e), -ENOENT);
        ck_assert_int_eq(probe_function(&o, "0001:00:03.0", &e), -ENOENT);
        ck_assert_int_eq(probe_function(&o, "../../etc", &e), -EINVAL);
        ck_assert_int_eq(probe_function(&o, "00:03.0", &e), 0);
        ck_assert_str_eq(e.address, "0000:00:03.0");
        ck_assert_int_eq(probe_function(&empty, "0000:00:03.0", &e), -ENOENT);
        ck_assert_int_eq(probe_function(&o, "0000:00:0A.0", &e), 0);
        ck_assert_str_eq(e.address, "0000:00:0a.0");
        o.cache = empty.cache = probe_cache_free(cache);

        ck_assert_int_eq(probe_list_functions(o.root, &l), 10);
        ck_assert_str_eq(l[0], "0000:00:02.0");
        ck_assert_str_eq(l[9], "0000:00:0b.0");
        ck_assert_ptr_null(l[10]);

        /* Group 3 holds only 00:03.0. */
        ck_assert_int_eq(probe_group_members(o.root, 3, "0000:00:03.0", &g), 0);
        ck_assert_ptr_null(g[0]);
        strv_free(g);
        g = NULL;
        ck_assert_int_eq(probe_group_members(o.root, 3, NULL, &g), 1);
        ck_assert_str_eq(g[0], "0000:00:03.0");
        strv_free(g);
        g = NULL;
        ck_assert_int_eq(probe_group_members(o.root, -1, NULL, &g), -EINVAL);
        ck_assert_int_lt(probe_group_members(o.root, 99, NULL, &g), 0);
}
END_TEST

START_TEST(test_skip_driver_override)
{
        ProbeOptions o = { .root = root_of("probe-q35-iommu"), .skip_driver_override = true };
        Evidence e;

        ck_assert_int_eq(probe_function(&o, "0000:00:07.0", &e), 0);
        ck_assert(!e.driver_override_read);
        ck_assert_str_eq(e.driver_override, "");
        ck_assert_str_eq(e.driver, "");
}
END_TEST

START_TEST(test_firecracker_noiommu)
{
        static const struct {
                const char *address;
                uint16_t device;
                unsigned type;
        } fns[] = { { "0000:00:01.0", 0x1045, 5 }, { "0000:00:02.0", 0x1042, 2 }, { "0000:00:03.0", 0x1041, 1 } };
        Probed p;

        for (size_t i = 0; i < ELEMENTSOF(fns); i++) {
                p = probe("probe-firecracker-noiommu", fns[i].address, true);
                ck_assert_uint_eq(p.e.device, fns[i].device);
                ck_assert_uint_eq(p.e.virtio_type, fns[i].type);
                ck_assert_int_eq(p.e.transport, TRANSPORT_MODERN);
                ck_assert_int_eq(p.e.feature_source, FEATURE_SOURCE_NEGOTIATED);
                ck_assert(p.e.features >> 32 & 1);
                ck_assert(!(p.e.features >> 33 & 1));
                ck_assert_int_eq(p.e.group_kind, IOMMU_GROUP_NONE);
                ck_assert_int_eq(p.e.group_number, -1);
                ck_assert_str_eq(p.e.group_type, "");
                ck_assert_int_eq(p.a.verdict, VERDICT_BYPASS);
                ck_assert_int_eq(p.a.context, CONTEXT_NOIOMMU);
                ck_assert_int_eq(p.a.decision, DECISION_ALLOW);
                ck_assert_int_eq(p.a.reason, REASON_NOIOMMU_ALLOWED);
        }
        p = probe("probe-firecracker-noiommu", "0000:00:03.0", true);
        ck_assert_uint_eq(p.e.features, UINT64_C(0x000000012000dda3));

        p = probe("probe-firecracker-noiommu", "0000:00:00.0", true);
        ck_assert_int_eq(p.a.verdict, VERDICT_NOT_VIRTIO);
}
END_TEST

START_TEST(test_vfio_noiommu_group)
{
        Probed p;

        p = probe("probe-vfio-noiommu", "0000:00:04.0", true);
        ck_assert_int_eq(p.e.group_kind, IOMMU_GROUP_NOIOMMU);
        ck_assert_int_eq(p.e.group_number, 4);
        ck_assert_str_eq(p.e.group_type, "unknown");
        ck_assert_str_eq(p.e.driver, "vfio-pci");
        ck_assert_str_eq(p.e.driver_override, "vfio-pci");
        ck_assert_int_eq(p.a.context, CONTEXT_NOIOMMU);
        ck_assert_int_eq(p.a.decision, DECISION_ALLOW);

        /* A group of type "unknown" without the name: a real IOMMU (pseries). */
        p = probe("probe-vfio-noiommu", "0000:00:05.0", true);
        ck_assert_int_eq(p.e.group_kind, IOMMU_GROUP_REAL);
        ck_assert_int_eq(p.e.group_number, 0);
        ck_assert_str_eq(p.e.group_type, "unknown");
        ck_assert_int_eq(p.a.context, CONTEXT_IOMMU);
        ck_assert_int_eq(p.a.decision, DECISION_REFUSE);
}
END_TEST

START_TEST(test_truncated_config)
{
        Probed p;

        /* 64 bytes of a transitional function: unknown transport with the reason; features still read. */
        p = probe("probe-truncated", "0000:00:03.0", true);
        ck_assert_int_eq(p.e.transport, TRANSPORT_UNKNOWN);
        ASSERT_CONTAINS(p.e.transport_problem, "config space past 64 bytes needs root");
        ck_assert_int_eq(p.e.feature_source, FEATURE_SOURCE_NEGOTIATED);
        ck_assert_int_eq(p.a.verdict, VERDICT_BYPASS); /* the negotiated word is evidence enough */

        /* 64 bytes of a legacy-only function: never guessed as legacy-only. */
        p = probe("probe-truncated", "0000:00:05.0", true);
        ck_assert_int_eq(p.e.transport, TRANSPORT_UNKNOWN);
        ASSERT_CONTAINS(p.e.transport_problem, "needs root");
        ck_assert_int_eq(p.e.feature_source, FEATURE_SOURCE_NONE);
        ck_assert_int_eq(p.a.verdict, VERDICT_UNKNOWN);
        ck_assert_int_eq(p.a.decision, DECISION_REFUSE);

        /* 128 bytes: the list starts past what was read. */
        p = probe("probe-truncated", "0000:00:06.0", true);
        ck_assert_int_eq(p.e.transport, TRANSPORT_UNKNOWN);
        ASSERT_CONTAINS(p.e.transport_problem, "truncated at 128 bytes");

        /* A modern ID needs no capabilities. */
        p = probe("probe-truncated", "0000:00:07.0", true);
        ck_assert_int_eq(p.e.transport, TRANSPORT_MODERN);
        ck_assert_str_eq(p.e.transport_problem, "");
}
END_TEST

START_TEST(test_records)
{
        Probed p;

        /* Not negotiated, offered word recorded through the BAR: preferred over the zeros when allowed. */
        p = probe("probe-records", "0000:00:06.0", true);
        ck_assert_int_eq(p.e.feature_source, FEATURE_SOURCE_OFFERED_BAR);
        ck_assert(p.e.feature_recorded);
        ck_assert_uint_eq(p.e.features, UINT64_C(0x0000010130000000));
        ck_assert_int_eq(p.a.verdict, VERDICT_BYPASS);
        ck_assert_int_eq(p.a.decision, DECISION_REFUSE);
        p = probe("probe-records", "0000:00:06.0", false);
        ck_assert_int_eq(p.e.feature_source, FEATURE_SOURCE_NEGOTIATED);
        ck_assert(!p.e.feature_recorded);
        ck_assert_uint_eq(p.e.features, 0);

        p = probe("probe-records", "0000:00:07.0", true);
        ck_assert_int_eq(p.e.feature_source, FEATURE_SOURCE_OFFERED_PCI_CFG);
        ck_assert(p.e.feature_recorded);
        ck_assert_int_eq(p.a.verdict, VERDICT_TRANSLATED);
        ck_assert_int_eq(p.a.decision, DECISION_ALLOW);

        /* Bound to vfio-pci: the record is all there is. */
        p = probe("probe-records", "0000:00:09.0", true);
        ck_assert_int_eq(p.e.feature_source, FEATURE_SOURCE_OFFERED_BAR);
        ck_assert_uint_eq(p.e.features, UINT64_C(0x0000010130bf8024));
        ck_assert_int_eq(p.a.verdict, VERDICT_BYPASS);
        p = probe("probe-records", "0000:00:09.0", false);
        ck_assert_int_eq(p.e.feature_source, FEATURE_SOURCE_NONE);

        /* A record about another device at the address: not evidence. */
        p = probe("probe-records", "0000:00:0a.0", true);
        ck_assert_int_eq(p.e.feature_source, FEATURE_SOURCE_NONE);
        ASSERT_CONTAINS(p.e.feature_problem, "about another device (1af4:1044)");
        ck_assert_int_eq(p.a.verdict, VERDICT_UNKNOWN);

        /* An unparsable record. */
        p = probe("probe-records", "0000:00:0b.0", true);
        ck_assert_int_eq(p.e.feature_source, FEATURE_SOURCE_NONE);
        ASSERT_CONTAINS(p.e.feature_problem, "record of vfio-guardd unreadable");

        /* Negotiated properly: the record is not used. */
        p = probe("probe-records", "0000:00:0c.0", true);
        ck_assert_int_eq(p.e.feature_source, FEATURE_SOURCE_NEGOTIATED);
        ck_assert(!p.e.feature_recorded);
        ck_assert_uint_eq(p.e.features, UINT64_C(0x0000010130af8024));
        ck_assert_int_eq(p.a.verdict, VERDICT_BYPASS);
}
END_TEST

static void write_file(const char *path, const char *text)
{
        int fd = open(path, O_WRONLY | O_TRUNC | O_CREAT, 0644);

        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t) strlen(text));
        close(fd);
}

/* A listing takes one snapshot of the records (probe_cache_snapshot_records()) and one of the virtio bus
 * (probe_cache_snapshot_virtio()): probes through them see the same as probes without them, a record that
 * appears later is seen with the next snapshot, and a virtio device that moved since is still found. */
START_TEST(test_snapshots)
{
        const char *root = root_of("probe-records");
        ProbeOptions o = { .root = root, .use_records = true };
        _cleanup_strv_free_ char **addresses = NULL;
        char from[PATH_MAX + 64], to[PATH_MAX + 64];
        ProbeCache *cache = NULL;
        Evidence with, without;
        Record rec = {
                .address = "0000:00:06.0",
                .verdict = VERDICT_TRANSLATED,
                .decision = DECISION_ALLOW,
                .feature_source = FEATURE_SOURCE_OFFERED_BAR,
                .features = UINT64_C(0x0000010330000000),
                .transport = TRANSPORT_TRANSITIONAL,
                .vendor = 0x1af4,
                .device = 0x1005,
        };
        int n;

        ck_assert_int_eq(probe_cache_new(&cache), 0);
        ck_assert_int_eq(probe_cache_snapshot_records(cache, root), 0);
        ck_assert_int_eq(probe_cache_snapshot_virtio(cache, root), 0);
        n = probe_list_functions(root, &addresses);
        ck_assert_int_gt(n, 5);
        for (char **a = addresses; *a; a++) {
                o.cache = cache;
                ck_assert_int_eq(probe_function(&o, *a, &with), 0);
                o.cache = NULL;
                ck_assert_int_eq(probe_function(&o, *a, &without), 0);
                ck_assert_msg(memcmp(&with, &without, sizeof with) == 0, "%s differs with the snapshot", *a);
        }

        /* A private copy of the tree for what follows: the record of 00:06.0 replaced after the snapshot. */
        root = root_of("damaged");
        o.root = root;
        ck_assert_int_eq(probe_cache_snapshot_records(cache, root), 0);
        ck_assert_int_eq(record_write(root, &rec), 0);
        o.cache = cache;
        ck_assert_int_eq(probe_function(&o, "0000:00:06.0", &with), 0);
        ck_assert(!with.feature_recorded);
        ck_assert_int_eq(with.feature_source, FEATURE_SOURCE_NEGOTIATED);
        ck_assert_int_eq(probe_cache_snapshot_records(cache, root), 0);
        ck_assert_int_eq(probe_function(&o, "0000:00:06.0", &with), 0);
        ck_assert(with.feature_recorded);
        ck_assert_int_eq(with.feature_source, FEATURE_SOURCE_OFFERED_BAR);
        ck_assert_int_eq(record_remove(root, "0000:00:06.0"), 0);

        /* The snapshot of the virtio bus names virtio1 for 00:04.0; renamed since, it is found by listing. */
        ck_assert_int_eq(probe_cache_snapshot_virtio(cache, root), 0);
        ck_assert_int_eq(probe_function(&o, "0000:00:04.0", &with), 0);
        ck_assert_int_eq(with.feature_source, FEATURE_SOURCE_NEGOTIATED);
        snprintf(from, sizeof from, "%s/sys/bus/pci/devices/0000:00:04.0/virtio1", root);
        snprintf(to, sizeof to, "%s/sys/bus/pci/devices/0000:00:04.0/virtio44", root);
        ck_assert_int_eq(rename(from, to), 0);
        ck_assert_int_eq(probe_function(&o, "0000:00:04.0", &without), 0);
        ck_assert_int_eq(memcmp(&with, &without, sizeof with), 0);
        ck_assert_int_eq(rename(to, from), 0);
        /* A function that has no virtio device (not bound): the same problem with and without the snapshot. */
        ck_assert_int_eq(probe_function(&o, "0000:00:07.0", &with), 0);
        o.cache = NULL;
        ck_assert_int_eq(probe_function(&o, "0000:00:07.0", &without), 0);
        ck_assert_str_eq(with.feature_problem, without.feature_problem);
        ASSERT_CONTAINS(with.feature_problem, "virtio-pci not bound (no virtioN)");
        probe_cache_free(cache);
}
END_TEST

static int count_open_fds(void)
{
        DIR *d = opendir("/proc/self/fd");
        struct dirent *de;
        int n = 0;

        ck_assert_ptr_nonnull(d);
        while ((de = readdir(d)))
                if (de->d_name[0] != '.')
                        n++;
        closedir(d);
        return n - 1; /* the directory's own */
}

/* A listing's cache closes descriptors in batches: the same evidence, nothing left open after it, and the
 * batches close exactly what the probes opened even when their numbers have gaps. */
START_TEST(test_deferred_closes)
{
        const char *root = root_of("probe-q35-iommu");
        _cleanup_strv_free_ char **addresses = NULL;
        ProbeOptions o = { .root = root, .use_records = true };
        ProbeCache *cache = NULL;
        Evidence with, without;
        int before, gap, fds[5];

        before = count_open_fds();
        ck_assert_int_eq(probe_cache_new(&cache), 0);
        probe_cache_defer_closes(cache);
        ck_assert_int_gt(probe_list_functions(root, &addresses), 5);
        /* Probed many times over: more descriptors than one batch holds, and one held by somebody else in the
         * middle of a batch (it must stay open). */
        gap = -1;
        for (int round = 0; round < 12; round++)
                for (char **a = addresses; *a; a++) {
                        o.cache = cache;
                        ck_assert_int_eq(probe_function(&o, *a, &with), 0);
                        if (round == 3 && gap < 0)
                                gap = open("/dev/null", O_RDONLY | O_CLOEXEC);
                        o.cache = NULL;
                        ck_assert_int_eq(probe_function(&o, *a, &without), 0);
                        ck_assert_msg(memcmp(&with, &without, sizeof with) == 0, "%s differs with the cache", *a);
                }
        ck_assert_int_ge(gap, 0);
        ck_assert_int_gt(count_open_fds(), before + 1);
        probe_cache_free(cache);
        ck_assert_int_eq(fcntl(gap, F_GETFD), FD_CLOEXEC);
        close(gap);
        ck_assert_int_eq(count_open_fds(), before);

        /* Out of order, with gaps: every one closed, nothing else. */
        for (int i = 0; i < 5; i++)
                ck_assert_int_ge(fds[i] = open("/dev/null", O_RDONLY | O_CLOEXEC), 0);
        gap = fds[2];
        sysfs_close_all((const int[]) { fds[4], fds[0], fds[3], fds[1] }, 4);
        ck_assert_int_eq(fcntl(gap, F_GETFD), FD_CLOEXEC);
        for (int i = 0; i < 5; i++)
                if (i != 2)
                        ck_assert_int_eq(fcntl(fds[i], F_GETFD), -1);
        close(gap);
        ck_assert_int_eq(count_open_fds(), before);
}
END_TEST

static void write_bytes(const char *path, const void *bytes, size_t n)
{
        int fd = open(path, O_WRONLY | O_TRUNC | O_CREAT, 0644);

        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(write(fd, bytes, n), (ssize_t) n);
        close(fd);
}

/* Exactly n bytes of a file. */
static void read_file(const char *path, void *buf, size_t n)
{
        int fd = open(path, O_RDONLY | O_CLOEXEC);

        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(read(fd, buf, n), (ssize_t) n);
        close(fd);
}

/* Damage a private copy of a tree: each test runs in its own process (check forks), but the tree is shared, so
 * these tests rebuild a scenario of their own. */
START_TEST(test_malformed_attributes)
{
        ProbeOptions o = { .root = root_of("damaged") };
        uint8_t config[256], other[256];
        char path[PATH_MAX + 64];
        Evidence e;

        /* The scenario is built by main() under the name "damaged" from probe-q35-iommu. */

        /* A listing of virtio functions leaves one that is surely not virtio after its IDs: the e1000e's header
         * names Intel, and so does its vendor attribute. */
        o.virtio_only = true;
        ck_assert_int_eq(probe_function(&o, "0000:00:02.0", &e), 0);
        ck_assert_uint_eq(e.vendor, 0x8086);
        ck_assert_uint_eq(e.device, 0x10d3);
        ck_assert_int_eq(e.group_number, -1);
        o.virtio_only = false;
        ck_assert_int_eq(probe_function(&o, "0000:00:02.0", &e), 0);
        ck_assert_int_ge(e.group_number, 0);

        /* Config space that is not a virtio type 0 header (the e1000e at 00:02.0): the IDs come from the
         * attribute files, and vendor and device must be well-formed. */
        snprintf(path, sizeof path, "%s/sys/bus/pci/devices/0000:00:02.0/vendor", o.root);
        write_file(path, "not hex\n");
        ck_assert_int_eq(probe_function(&o, "0000:00:02.0", &e), -EINVAL);
        write_file(path, "0x18086\n"); /* more than 16 bits */
        ck_assert_int_eq(probe_function(&o, "0000:00:02.0", &e), -EINVAL);
        write_file(path, "");
        ck_assert_int_eq(probe_function(&o, "0000:00:02.0", &e), -EINVAL);
        ck_assert_int_eq(unlink(path), 0);
        ck_assert_int_eq(probe_function(&o, "0000:00:02.0", &e), -EIO);

        /* A virtio function whose config space cannot be read: the attributes again, with the same checks. */
        snprintf(path, sizeof path, "%s/sys/bus/pci/devices/0000:00:0b.0/config", o.root);
        read_file(path, config, sizeof config); /* kept for below */
        ck_assert_int_eq(unlink(path), 0);
        snprintf(path, sizeof path, "%s/sys/bus/pci/devices/0000:00:0b.0/device", o.root);
        write_file(path, "0x1000 trailing\n");
        ck_assert_int_eq(probe_function(&o, "0000:00:0b.0", &e), -EINVAL);
        write_file(path, "0x1000\n");
        ck_assert_int_eq(probe_function(&o, "0000:00:0b.0", &e), 0);
        ck_assert_uint_eq(e.vendor, 0x1af4);
        ck_assert_uint_eq(e.device, 0x1000);
        ck_assert_int_eq(e.transport, TRANSPORT_UNKNOWN);
        ASSERT_CONTAINS(e.transport_problem, "config space unreadable");

        /* The attributes say virtio, config space holds another device's header: its capabilities are not this
         * function's, so the transport stays unknown and says why. Then a virtio header of type 1 (a bridge):
         * not the header of a virtio function either. */
        snprintf(path, sizeof path, "%s/sys/bus/pci/devices/0000:00:02.0/config", o.root);
        read_file(path, other, sizeof other);
        snprintf(path, sizeof path, "%s/sys/bus/pci/devices/0000:00:0b.0/config", o.root);
        write_bytes(path, other, sizeof other);
        ck_assert_int_eq(probe_function(&o, "0000:00:0b.0", &e), 0);
        ck_assert_uint_eq(e.device, 0x1000);
        ck_assert_int_eq(e.transport, TRANSPORT_UNKNOWN);
        ASSERT_CONTAINS(e.transport_problem, "config space is not that of 1af4:1000 (its header says 8086:10d3");
        /* The same for a listing of virtio functions: the attributes say virtio, so no early end. */
        o.virtio_only = true;
        ck_assert_int_eq(probe_function(&o, "0000:00:0b.0", &e), 0);
        ck_assert_uint_eq(e.vendor, 0x1af4);
        ASSERT_CONTAINS(e.transport_problem, "config space is not that of 1af4:1000 (its header says 8086:10d3");
        /* Nor when the header reads 0xffff, as an SR-IOV virtual function's does (only sysfs has its IDs). */
        other[0] = other[1] = 0xff;
        write_bytes(path, other, sizeof other);
        ck_assert_int_eq(probe_function(&o, "0000:00:0b.0", &e), 0);
        ck_assert_uint_eq(e.vendor, 0x1af4);
        ck_assert_uint_eq(e.device, 0x1000);
        ck_assert_int_ge(e.group_number, 0);
        o.virtio_only = false;
        config[0x0e] = 0x01;
        write_bytes(path, config, sizeof config);
        ck_assert_int_eq(probe_function(&o, "0000:00:0b.0", &e), 0);
        ck_assert_int_eq(e.transport, TRANSPORT_UNKNOWN);
        ASSERT_CONTAINS(e.transport_problem, "(its header says 1af4:1000, type 1)");
        /* ... and the attributes were what it read: damaged, they fail the probe. */
        snprintf(path, sizeof path, "%s/sys/bus/pci/devices/0000:00:0b.0/vendor", o.root);
        write_file(path, "0xzz\n");
        ck_assert_int_eq(probe_function(&o, "0000:00:0b.0", &e), -EINVAL);

        /* A readable virtio type 0 header is the source of the IDs, class, revision and subsystem IDs: the
         * attribute files are copies of the same bytes, and are not opened (as lspci reads config space). */
        snprintf(path, sizeof path, "%s/sys/bus/pci/devices/0000:00:03.0/vendor", o.root);
        write_file(path, "not hex\n");
        snprintf(path, sizeof path, "%s/sys/bus/pci/devices/0000:00:03.0/class", o.root);
        write_file(path, "0xffffff\n");
        ck_assert_int_eq(probe_function(&o, "0000:00:03.0", &e), 0);
        ck_assert_uint_eq(e.vendor, 0x1af4);
        ck_assert_uint_eq(e.device, 0x1000);
        ck_assert_uint_eq(e.class_code, 0x020000);
        ck_assert_uint_eq(e.subsys_vendor, 0x1af4);
        ck_assert_uint_eq(e.subsys_device, 0x0001);
        ck_assert_str_eq(e.modalias, "pci:v00001AF4d00001000sv00001AF4sd00000001bc02sc00i00");
        ck_assert_int_eq(e.transport, TRANSPORT_TRANSITIONAL);

        /* Config space gone: transport unknown with the reason, everything else still there. */
        snprintf(path, sizeof path, "%s/sys/bus/pci/devices/0000:00:06.0/config", o.root);
        ck_assert_int_eq(unlink(path), 0);
        ck_assert_int_eq(probe_function(&o, "0000:00:06.0", &e), 0);
        ck_assert_int_eq(e.transport, TRANSPORT_UNKNOWN);
        ASSERT_CONTAINS(e.transport_problem, "config space unreadable");
        ck_assert_int_eq(e.group_number, 6);

        /* Shorter than a header: the IDs from the attributes, the transport unknown. */
        snprintf(path, sizeof path, "%s/sys/bus/pci/devices/0000:00:05.0/config", o.root);
        write_file(path, "short");
        ck_assert_int_eq(probe_function(&o, "0000:00:05.0", &e), 0);
        ck_assert_uint_eq(e.device, 0x1000);
        ck_assert_int_eq(e.transport, TRANSPORT_UNKNOWN);
        ASSERT_CONTAINS(e.transport_problem, "config space too short (5 bytes)");

        /* A group whose type names a default domain is an IOMMU's, whatever its name says: vfio's no-IOMMU
         * groups have no domain (type "unknown"). Taken the other way round, a tree could loosen the policy. */
        snprintf(path, sizeof path, "%s/sys/kernel/iommu_groups/4/name", o.root);
        write_file(path, "vfio-noiommu\n");
        ck_assert_int_eq(probe_function(&o, "0000:00:04.0", &e), 0);
        ck_assert_int_eq(e.group_kind, IOMMU_GROUP_REAL);
        ck_assert_str_eq(e.group_type, "DMA");
        snprintf(path, sizeof path, "%s/sys/kernel/iommu_groups/4/type", o.root);
        write_file(path, "unknown\n");
        ck_assert_int_eq(probe_function(&o, "0000:00:04.0", &e), 0);
        ck_assert_int_eq(e.group_kind, IOMMU_GROUP_NOIOMMU);
        ck_assert_int_eq(unlink(path), 0); /* no type at all (old kernels): the name decides */
        ck_assert_int_eq(probe_function(&o, "0000:00:04.0", &e), 0);
        ck_assert_int_eq(e.group_kind, IOMMU_GROUP_NOIOMMU);

        /* An iommu_group link that is not a number: still behind an IOMMU (fail safe). */
        snprintf(path, sizeof path, "%s/sys/bus/pci/devices/0000:00:04.0/iommu_group", o.root);
        ck_assert_int_eq(unlink(path), 0);
        ck_assert_int_eq(symlink("../../../kernel/iommu_groups/abc", path), 0);
        ck_assert_int_eq(probe_function(&o, "0000:00:04.0", &e), 0);
        ck_assert_int_eq(e.group_kind, IOMMU_GROUP_REAL);
        ck_assert_int_eq(e.group_number, -1);

        /* A features string longer than any kernel prints. */
        snprintf(path, sizeof path, "%s/sys/bus/pci/devices/0000:00:0a.0/virtio10/features", o.root);
        {
                char big[2000];
                memset(big, '0', sizeof big - 2);
                big[sizeof big - 2] = '\n';
                big[sizeof big - 1] = 0;
                write_file(path, big);
        }
        ck_assert_int_eq(probe_function(&o, "0000:00:0a.0", &e), 0);
        ck_assert_int_eq(e.feature_source, FEATURE_SOURCE_NONE);
        ASSERT_CONTAINS(e.feature_problem, "longer than 1024");

        /* An empty features file. */
        write_file(path, "");
        ck_assert_int_eq(probe_function(&o, "0000:00:0a.0", &e), 0);
        ck_assert_int_eq(e.feature_source, FEATURE_SOURCE_NONE);
        ASSERT_CONTAINS(e.feature_problem, "empty");

        /* A function directory that is a plain file. */
        snprintf(path, sizeof path, "%s/sys/bus/pci/devices/0000:00:1e.0", o.root);
        write_file(path, "");
        ck_assert_int_eq(probe_function(&o, "0000:00:1e.0", &e), -ENOENT);
}
END_TEST

START_TEST(test_features_permission_denied)
{
        char path[PATH_MAX + 64];
        struct {
                int r;
                FeatureSource source;
                char problem[EVIDENCE_TEXT_MAX];
        } out = {};
        int fds[2], status;
        pid_t pid;

        /* Root reads everything: show an unprivileged reader a features file it may not read. */
        if (geteuid() != 0) {
                printf("skip: needs root to drop privileges\n");
                return;
        }
        snprintf(path, sizeof path, "%s/sys/bus/pci/devices/0000:00:04.0/virtio1/features", root_of("damaged"));
        ck_assert_int_eq(chmod(path, 0600), 0);
        ck_assert_int_eq(chmod(tmpdir, 0755), 0);

        ck_assert_int_eq(pipe(fds), 0);
        pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                ProbeOptions o = { .root = root_of("damaged") };
                Evidence e;

                close(fds[0]);
                if (setresgid(65534, 65534, 65534) < 0 || setresuid(65534, 65534, 65534) < 0)
                        out.r = 1;
                else {
                        out.r = probe_function(&o, "0000:00:04.0", &e);
                        out.source = e.feature_source;
                        snprintf(out.problem, sizeof out.problem, "%s", e.feature_problem);
                }
                (void) !write(fds[1], &out, sizeof out);
                _exit(0);
        }
        close(fds[1]);
        ck_assert_int_eq(read(fds[0], &out, sizeof out), (ssize_t) sizeof out);
        close(fds[0]);
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        if (out.r == 1) {
                printf("skip: cannot drop privileges\n");
                return;
        }
        ck_assert_int_eq(out.r, 0);
        ck_assert_int_eq(out.source, FEATURE_SOURCE_NONE);
        ck_assert_str_eq(out.problem, "permission denied reading /sys/bus/virtio/devices/virtio1/features");
}
END_TEST

int main(void)
{
        Suite *s = suite_create("probe-sysfs");
        TCase *tc = tcase_create("probe");
        SRunner *sr;
        int failed, r;

        if (!mkdtemp(tmpdir)) {
                perror("mkdtemp");
                return EXIT_FAILURE;
        }
        for (size_t i = 0; i < ELEMENTSOF(scenarios); i++) {
                r = build_tree(scenarios[i]);
                if (r < 0) {
                        fprintf(stderr, "make-sysfs-tree %s failed: %s\n", scenarios[i], strerror(-r));
                        (void) nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
                        return EXIT_FAILURE;
                }
        }
        /* A copy to damage, under its own name. */
        {
                char from[PATH_MAX], to[PATH_MAX];
                snprintf(from, sizeof from, "%s/probe-q35-iommu", tmpdir);
                snprintf(to, sizeof to, "%s/damaged", tmpdir);
                pid_t pid = fork();
                if (pid == 0) {
                        execlp("cp", "cp", "-a", from, to, (char *) NULL);
                        _exit(127);
                }
                int status;
                if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                        fprintf(stderr, "cannot copy the fixture tree\n");
                        (void) nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
                        return EXIT_FAILURE;
                }
        }

        tcase_add_test(tc, test_q35_evidence);
        tcase_add_test(tc, test_addresses_and_lists);
        tcase_add_test(tc, test_skip_driver_override);
        tcase_add_test(tc, test_firecracker_noiommu);
        tcase_add_test(tc, test_vfio_noiommu_group);
        tcase_add_test(tc, test_truncated_config);
        tcase_add_test(tc, test_records);
        tcase_add_test(tc, test_snapshots);
        tcase_add_test(tc, test_deferred_closes);
        tcase_add_test(tc, test_malformed_attributes);
        tcase_add_test(tc, test_features_permission_denied);
        suite_add_tcase(s, tc);
        sr = srunner_create(s);
        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);

        (void) nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
