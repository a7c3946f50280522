/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Every lspci dump in tests/fixtures/pci (config space of real QEMU and Firecracker functions) through libpci's
 * dump back end, the capability walk and assess() with the default configuration, combined with the feature
 * words tests/fixtures/pci/README.md gives for the same devices. The table below restates that README; a dump
 * without a row fails the test, so a new fixture cannot be forgotten.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/features.h"
#include "core/verdict.h"
#include "core/virtio-caps.h"
#include "core/virtio-ids.h"
#include "probe/pci-config.h"
#include "shared/macro.h"

#define NO_WORD UINT64_C(0xdeadbeefdeadbeef)

typedef struct Row {
        const char *file;
        uint16_t device, subsys_device;
        uint8_t revision;
        unsigned virtio_type;
        Transport transport;
        uint8_t common_bar;      /* BAR of the common configuration; unused for legacy-only */
        uint64_t offered;        /* README: offered word (hi:lo), NO_WORD when the README has none */
        const char *negotiated;  /* README / scenario: the sysfs string, NULL when none is given */
        Verdict verdict;         /* the README's "bit 33" column */
} Row;

static const Row rows[] = {
        { "q35-virtio-net-transitional.lspci", 0x1000, 0x0001, 0, 1, TRANSPORT_TRANSITIONAL, 4,
          UINT64_C(0x0000010130bf8024), "0010010000000001111101010000110010000000100000000000000000000000",
          VERDICT_BYPASS },
        { "q35-virtio-net-modern-access-platform.lspci", 0x1041, 0x1100, 1, 1, TRANSPORT_MODERN, 4,
          UINT64_C(0x0000010330bf8024), "0010010000000001111101010000110011000000100000000000000000000000",
          VERDICT_TRANSLATED },
        { "q35-virtio-net-legacy-only.lspci", 0x1000, 0x0001, 0, 1, TRANSPORT_LEGACY_ONLY, 0, NO_WORD,
          "0010011000000001111101010001110000000000000000000000000000000000", VERDICT_BYPASS },
        { "q35-virtio-rng-transitional.lspci", 0x1005, 0x0004, 0, 4, TRANSPORT_TRANSITIONAL, 4,
          UINT64_C(0x0000010130000000), NULL, VERDICT_BYPASS },
        { "q35-virtio-rng-modern-access-platform.lspci", 0x1044, 0x1100, 1, 4, TRANSPORT_MODERN, 4,
          UINT64_C(0x0000010330000000), NULL, VERDICT_TRANSLATED },
        /* Firecracker: no offered words in the README; the strings are what Linux 6.18 prints on the machines
         * these dumps come from. */
        { "firecracker-virtio-balloon-modern.lspci", 0x1045, 0, 1, 5, TRANSPORT_MODERN, 0, NO_WORD,
          "01100101000000000000000000000000100000000000000000000000000000000000000000000000000000000000000000000000"
          "000000000000000000000000",
          VERDICT_BYPASS },
        { "firecracker-virtio-blk-modern.lspci", 0x1042, 0, 1, 2, TRANSPORT_MODERN, 0, NO_WORD,
          "00100010011001000000000000000100100000000000000000000000000000000000000000000000000000000000000000000000"
          "000000000000000000000000",
          VERDICT_BYPASS },
        { "firecracker-virtio-net-modern.lspci", 0x1041, 0, 1, 1, TRANSPORT_MODERN, 0, NO_WORD,
          "11000101101110110000000000000100100000000000000000000000000000000000000000000000000000000000000000000000"
          "000000000000000000000000",
          VERDICT_BYPASS },
};

static const char *fixtures(void)
{
        const char *f = getenv("FIXTURES");

        ck_assert_msg(f && *f, "FIXTURES is not set (tests/unit/meson.build sets it)");
        return f;
}

static void read_dump(const Row *row, uint8_t config[static PCI_CONFIG_SPACE_SIZE], VirtioCaps *caps)
{
        char path[PATH_MAX];
        size_t n = 0;

        snprintf(path, sizeof path, "%s/pci/%s", fixtures(), row->file);
        ck_assert_msg(pci_config_read_dump(path, NULL, config, PCI_CONFIG_SPACE_SIZE, &n) == 0, "%s", path);
        ck_assert_uint_eq(n, PCI_CONFIG_SPACE_SIZE);
        ck_assert_int_eq(virtio_caps_parse(config, n, caps), 0);
}

static void evidence_from(const Row *row, const uint8_t *config, const VirtioCaps *caps, Evidence *e)
{
        evidence_init(e, "0000:00:03.0");
        e->vendor = (uint16_t) (config[0] | config[1] << 8);
        e->device = (uint16_t) (config[2] | config[3] << 8);
        e->revision = config[8];
        e->subsys_vendor = (uint16_t) (config[0x2c] | config[0x2d] << 8);
        e->subsys_device = (uint16_t) (config[0x2e] | config[0x2f] << 8);
        e->virtio_type = virtio_pci_device_type(e->device, e->subsys_device);
        e->transport = virtio_caps_transport(e->vendor, e->device, caps, e->transport_problem,
                                             sizeof e->transport_problem);
        e->group_kind = IOMMU_GROUP_REAL;
        e->group_number = 3;
        snprintf(e->group_type, sizeof e->group_type, "DMA");
}

START_TEST(test_ids_and_transport)
{
        const Row *row = rows + _i;
        uint8_t config[PCI_CONFIG_SPACE_SIZE];
        VirtioCaps caps;
        Evidence e;

        read_dump(row, config, &caps);
        evidence_from(row, config, &caps, &e);

        ck_assert_uint_eq(e.vendor, 0x1af4);
        ck_assert_uint_eq(e.device, row->device);
        ck_assert_uint_eq(e.revision, row->revision);
        if (row->subsys_device)
                ck_assert_uint_eq(e.subsys_device, row->subsys_device);
        ck_assert_uint_eq(e.virtio_type, row->virtio_type);
        ck_assert_msg(e.transport == row->transport, "%s: transport %s (%s)", row->file,
                      strna(transport_to_string(e.transport)), e.transport_problem);
        ck_assert(!caps.walk_broken);
        ck_assert_str_eq(caps.problem, "");

        if (row->transport == TRANSPORT_LEGACY_ONLY) {
                ck_assert_uint_eq(caps.n_virtio_seen, 0);
                ck_assert_ptr_null(virtio_caps_find(&caps, VIRTIO_PCI_CAP_COMMON_CFG));
        } else {
                /* README: common/ISR/device/notify in one BAR, PCI_CFG at 0x84. */
                const VirtioCap *common = virtio_caps_find(&caps, VIRTIO_PCI_CAP_COMMON_CFG),
                                *win = virtio_caps_find(&caps, VIRTIO_PCI_CAP_PCI_CFG);
                ck_assert_ptr_nonnull(common);
                ck_assert_uint_eq(common->bar, row->common_bar);
                ck_assert_ptr_nonnull(win);
                ck_assert_uint_eq(win->position, 0x84);
                ck_assert_uint_eq(virtio_caps_find(&caps, VIRTIO_PCI_CAP_ISR_CFG)->bar, row->common_bar);
                ck_assert_uint_eq(virtio_caps_find(&caps, VIRTIO_PCI_CAP_DEVICE_CFG)->bar, row->common_bar);
                ck_assert_uint_eq(virtio_caps_find(&caps, VIRTIO_PCI_CAP_NOTIFY_CFG)->bar, row->common_bar);
        }

        /* What a non-root reader sees: the first 64 bytes. Modern stays modern; the rest becomes unknown. */
        VirtioCaps header;
        char reason[EVIDENCE_TEXT_MAX];
        ck_assert_int_eq(virtio_caps_parse(config, 64, &header), 0);
        Transport t = virtio_caps_transport(e.vendor, e.device, &header, reason, sizeof reason);
        if (row->transport == TRANSPORT_MODERN)
                ck_assert_int_eq(t, TRANSPORT_MODERN);
        else {
                ck_assert_int_eq(t, TRANSPORT_UNKNOWN);
                ck_assert_ptr_nonnull(strstr(reason, "needs root"));
        }
}
END_TEST

START_TEST(test_classified)
{
        const Row *row = rows + _i;
        uint8_t config[PCI_CONFIG_SPACE_SIZE];
        VirtioCaps caps;
        Assessment a;
        Config c;
        Evidence e;
        uint64_t w;

        ck_assert_int_eq(config_init_defaults(&c), 0);
        read_dump(row, config, &caps);

        /* 1. The offered word, as vfio-guardd reads it through the BAR or the PCI_CFG window. */
        if (row->offered != NO_WORD)
                for (FeatureSource s = FEATURE_SOURCE_OFFERED_BAR; s <= FEATURE_SOURCE_OFFERED_PCI_CFG; s++) {
                        evidence_from(row, config, &caps, &e);
                        e.feature_source = s;
                        e.features = row->offered;
                        assess(&e, &c, &a);
                        ck_assert_msg(a.verdict == row->verdict, "%s offered: %s", row->file,
                                      verdict_to_string(a.verdict));
                        ck_assert_int_eq(a.basis, BASIS_FEATURES);
                        ck_assert_int_eq(a.context, CONTEXT_IOMMU);
                        ck_assert_int_eq(a.decision, row->verdict == VERDICT_TRANSLATED ? DECISION_ALLOW
                                                                                         : DECISION_REFUSE);
                }

        /* 2. The negotiated string from sysfs. */
        if (row->negotiated) {
                evidence_from(row, config, &caps, &e);
                ck_assert_int_eq(virtio_features_parse(row->negotiated, &w, NULL, 0), 0);
                e.feature_source = FEATURE_SOURCE_NEGOTIATED;
                e.features = w;
                assess(&e, &c, &a);
                ck_assert_msg(a.verdict == row->verdict, "%s negotiated: %s", row->file,
                              verdict_to_string(a.verdict));
                ck_assert_int_eq(a.decision, row->verdict == VERDICT_TRANSLATED ? DECISION_ALLOW : DECISION_REFUSE);
                /* The legacy-only string lacks VERSION_1: the transport decides, not the string. */
                ck_assert_int_eq(a.basis, row->transport == TRANSPORT_LEGACY_ONLY ? BASIS_LEGACY_ONLY : BASIS_FEATURES);
                /* Balloon: bit 33 cleared by its driver; a negotiated bypass of a balloon carries the caveat. */
                ck_assert_int_eq(a.balloon_caveat, row->virtio_type == 5);

                /* Without an IOMMU group (Firecracker): allowed by default, vfio only in no-IOMMU mode. */
                e.group_kind = IOMMU_GROUP_NONE;
                e.group_number = -1;
                assess(&e, &c, &a);
                ck_assert_int_eq(a.context, CONTEXT_NOIOMMU);
                ck_assert_int_eq(a.decision, DECISION_ALLOW);
        }

        /* 3. Nothing negotiated (the virtio-rng trap: 64 zeros) and no word: unknown, refused, unless the
         * transport alone says bypass. */
        evidence_from(row, config, &caps, &e);
        e.feature_source = FEATURE_SOURCE_NEGOTIATED;
        e.features = 0;
        assess(&e, &c, &a);
        ck_assert_int_eq(a.verdict, row->transport == TRANSPORT_LEGACY_ONLY ? VERDICT_BYPASS : VERDICT_UNKNOWN);
        ck_assert_int_eq(a.decision, DECISION_REFUSE);

        evidence_from(row, config, &caps, &e);
        e.feature_source = FEATURE_SOURCE_NONE;
        assess(&e, &c, &a);
        ck_assert_int_eq(a.verdict, row->transport == TRANSPORT_LEGACY_ONLY ? VERDICT_BYPASS : VERDICT_UNKNOWN);
        ck_assert_int_eq(a.decision, DECISION_REFUSE);

        config_done(&c);
}
END_TEST

START_TEST(test_every_dump_has_a_row)
{
        _cleanup_closedir_ DIR *d = NULL;
        char dir[PATH_MAX];
        struct dirent *de;
        unsigned n = 0;

        snprintf(dir, sizeof dir, "%s/pci", fixtures());
        d = opendir(dir);
        ck_assert_ptr_nonnull(d);
        while ((de = readdir(d))) {
                size_t l = strlen(de->d_name);
                bool found = false;

                if (l < 6 || !streq(de->d_name + l - 6, ".lspci"))
                        continue;
                n++;
                for (size_t i = 0; i < ELEMENTSOF(rows); i++)
                        found = found || streq(rows[i].file, de->d_name);
                ck_assert_msg(found, "%s has no row in test-pci-fixtures.c", de->d_name);
        }
        ck_assert_uint_eq(n, ELEMENTSOF(rows));
}
END_TEST

START_TEST(test_dump_errors)
{
        char path[PATH_MAX], tmp[] = "/tmp/test-pci-fixtures.XXXXXX";
        uint8_t config[PCI_CONFIG_SPACE_SIZE];
        size_t n;
        int fd;

        snprintf(path, sizeof path, "%s/pci/q35-virtio-net-transitional.lspci", fixtures());
        /* By address: the function in the file, and one that is not there. */
        ck_assert_int_eq(pci_config_read_dump(path, "00:03.0", config, sizeof config, &n), 0);
        ck_assert_uint_eq(config[2], 0x00);
        ck_assert_uint_eq(config[3], 0x10);
        ck_assert_int_eq(pci_config_read_dump(path, "0000:00:04.0", config, sizeof config, &n), -ENOENT);
        ck_assert_int_eq(pci_config_read_dump(path, "junk", config, sizeof config, &n), -EINVAL);
        /* A buffer smaller than a header, an absent file. */
        ck_assert_int_eq(pci_config_read_dump(path, NULL, config, 63, &n), -EINVAL);
        ck_assert_int_eq(pci_config_read_dump(NULL, NULL, config, sizeof config, &n), -EINVAL);
        snprintf(path, sizeof path, "%s/pci/no-such-file.lspci", fixtures());
        ck_assert_int_eq(pci_config_read_dump(path, NULL, config, sizeof config, &n), -ENOENT);
        /* A 128-byte buffer: two steps read. */
        snprintf(path, sizeof path, "%s/pci/q35-virtio-net-transitional.lspci", fixtures());
        ck_assert_int_eq(pci_config_read_dump(path, NULL, config, 128, &n), 0);
        ck_assert_uint_eq(n, 128);

        /* A file libpci cannot use: no crash, no exit(1) (its default error handler), an error code. */
        fd = mkstemp(tmp);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(write(fd, "this is not a dump\nzz: qq\n", 26), 26);
        close(fd);
        int r = pci_config_read_dump(tmp, NULL, config, sizeof config, &n);
        ck_assert_msg(r == -EBADMSG || r == -ENOENT, "garbage dump: %d", r);
        unlink(tmp);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("pci-fixtures");
        TCase *tc = tcase_create("pci");
        SRunner *sr;
        int failed;

        tcase_add_loop_test(tc, test_ids_and_transport, 0, (int) ELEMENTSOF(rows));
        tcase_add_loop_test(tc, test_classified, 0, (int) ELEMENTSOF(rows));
        tcase_add_test(tc, test_every_dump_has_a_row);
        tcase_add_test(tc, test_dump_errors);
        suite_add_tcase(s, tc);
        sr = srunner_create(s);
        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
