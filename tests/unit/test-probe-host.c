/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * probe_function() on THIS machine's real /sys, read-only (meson runs it through tests/ro-sys, so /sys is
 * mounted read-only around it). Every virtio function must probe, its negotiated word must agree with what the
 * test reads itself from /sys/bus/virtio/devices/virtioN/features, and assess() must say what the evidence
 * implies. On a Firecracker microVM (the machines this project is developed on: host bridge 8086:0d57, no
 * IOMMU) every virtio function bypasses, has no IOMMU, and is allowed by default. Without virtio functions the
 * test prints "skip" and passes.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/verdict.h"
#include "core/virtio-ids.h"
#include "probe/probe.h"
#include "shared/macro.h"
#include "shared/strv.h"

/* Read a small sysfs file into buf; "" when absent. */
static void slurp(const char *path, char *buf, size_t size)
{
        FILE *f = fopen(path, "re");
        size_t n = 0;

        if (f) {
                n = fread(buf, 1, size - 1, f);
                fclose(f);
        }
        buf[n] = 0;
}

/* Character n of the function's virtioN/features, read here without the code under test; -1 when none. */
static int kernel_bit(const char *address, unsigned n)
{
        char path[PATH_MAX], buf[2048];
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;

        snprintf(path, sizeof path, "/sys/bus/pci/devices/%s", address);
        d = opendir(path);
        if (!d)
                return -1;
        while ((de = readdir(d)))
                if (strneq(de->d_name, "virtio", 6) && de->d_name[6] >= '0' && de->d_name[6] <= '9') {
                        snprintf(path, sizeof path, "/sys/bus/pci/devices/%s/%s/features", address, de->d_name);
                        slurp(path, buf, sizeof buf);
                        if (strlen(buf) <= n)
                                return -1;
                        return buf[n] == '1';
                }
        return -1;
}

static bool host_has_iommu_groups(void)
{
        _cleanup_closedir_ DIR *d = opendir("/sys/kernel/iommu_groups");
        struct dirent *de;

        if (!d)
                return false;
        while ((de = readdir(d)))
                if (de->d_name[0] != '.')
                        return true;
        return false;
}

static bool host_is_firecracker(void)
{
        char v[32], dv[32];

        slurp("/sys/bus/pci/devices/0000:00:00.0/vendor", v, sizeof v);
        slurp("/sys/bus/pci/devices/0000:00:00.0/device", dv, sizeof dv);
        return streq(v, "0x8086\n") && streq(dv, "0x0d57\n") && !host_has_iommu_groups();
}

START_TEST(test_host)
{
        _cleanup_strv_free_ char **l = NULL;
        ProbeOptions o = { .root = NULL, .use_records = false };
        bool firecracker = host_is_firecracker();
        unsigned n_virtio = 0;
        Config c;
        int n;

        if (access("/sys/bus/pci/devices", F_OK) < 0) {
                printf("skip: no /sys/bus/pci on this machine\n");
                return;
        }
        n = probe_list_functions(NULL, &l);
        ck_assert_int_ge(n, 0);
        ck_assert_int_eq(config_init_defaults(&c), 0);

        for (char **a = l; *a; a++) {
                Evidence e;
                Assessment as;

                ck_assert_msg(probe_function(&o, *a, &e) == 0, "%s does not probe", *a);
                ck_assert_str_eq(e.address, *a);
                if (!virtio_pci_is_virtio(e.vendor, e.device))
                        continue;
                n_virtio++;
                assess(&e, &c, &as);

                printf("%s %04x:%04x %s transport=%s features=%s:%#llx group=%s -> %s/%s/%s\n", *a, e.vendor,
                       e.device, strna(virtio_type_to_string(e.virtio_type)), transport_to_string(e.transport),
                       feature_source_to_string(e.feature_source), (unsigned long long) e.features,
                       iommu_group_kind_to_string(e.group_kind), verdict_to_string(as.verdict),
                       context_to_string(as.context), decision_to_string(as.decision));

                ck_assert_int_ne(e.transport, TRANSPORT_UNKNOWN);
                if (kernel_bit(*a, 33) >= 0) {
                        /* The kernel shows a string: probe must pass it on, bit for bit where it matters. */
                        ck_assert_int_eq(e.feature_source, FEATURE_SOURCE_NEGOTIATED);
                        ck_assert_int_eq((int) (e.features >> 32 & 1), kernel_bit(*a, 32));
                        ck_assert_int_eq((int) (e.features >> 33 & 1), kernel_bit(*a, 33));
                        if (e.features >> 32 & 1 && e.transport != TRANSPORT_LEGACY_ONLY)
                                ck_assert_int_eq(as.verdict,
                                                 e.features >> 33 & 1 ? VERDICT_TRANSLATED : VERDICT_BYPASS);
                } else
                        ck_assert_str_ne(e.feature_problem, "");

                if (e.group_kind == IOMMU_GROUP_REAL)
                        ck_assert_int_eq(as.context, CONTEXT_IOMMU);
                else
                        ck_assert_int_eq(as.context, CONTEXT_NOIOMMU);

                if (firecracker) {
                        /* What these machines are known to be (DESIGN.md, fixtures README). */
                        ck_assert_int_eq(e.transport, TRANSPORT_MODERN);
                        ck_assert_int_eq(e.feature_source, FEATURE_SOURCE_NEGOTIATED);
                        ck_assert(e.features >> 32 & 1);
                        ck_assert(!(e.features >> 33 & 1));
                        ck_assert_int_eq(e.group_kind, IOMMU_GROUP_NONE);
                        ck_assert_int_eq(as.verdict, VERDICT_BYPASS);
                        ck_assert_int_eq(as.context, CONTEXT_NOIOMMU);
                        ck_assert_int_eq(as.decision, DECISION_ALLOW);
                        ck_assert_int_eq(as.reason, REASON_NOIOMMU_ALLOWED);
                }
        }
        config_done(&c);

        if (n_virtio == 0)
                printf("skip: no virtio PCI functions on this machine\n");
        else
                printf("%u virtio functions probed%s\n", n_virtio, firecracker ? " (Firecracker, no IOMMU)" : "");
}
END_TEST

int main(void)
{
        Suite *s = suite_create("probe-host");
        TCase *tc = tcase_create("host");
        SRunner *sr;
        int failed;

        tcase_add_test(tc, test_host);
        suite_add_tcase(s, tc);
        sr = srunner_create(s);
        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
