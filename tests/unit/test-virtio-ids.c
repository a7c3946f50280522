/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Virtio PCI IDs (virtio spec 4.1.2): the ranges, the type from the IDs, the names. */
#include <check.h>
#include <stdlib.h>

#include "core/virtio-ids.h"
#include "shared/macro.h"

START_TEST(test_ranges)
{
        /* Every device ID of the virtio vendor, and the neighbours of the range under other vendors. */
        for (unsigned d = 0; d <= 0xffff; d++) {
                bool in = d >= 0x1000 && d <= 0x107f, modern = d >= 0x1040 && d <= 0x107f;

                if (virtio_pci_is_virtio(0x1af4, d) != in)
                        ck_abort_msg("1af4:%04x: is_virtio %d", d, !in);
                if (virtio_pci_is_modern_id(0x1af4, d) != modern)
                        ck_abort_msg("1af4:%04x: is_modern_id %d", d, !modern);
        }
        ck_assert(!virtio_pci_is_virtio(0x1af5, 0x1041));
        ck_assert(!virtio_pci_is_virtio(0x0000, 0x1000));
        ck_assert(!virtio_pci_is_virtio(0xffff, 0xffff)); /* what an absent function reads */
        ck_assert(!virtio_pci_is_modern_id(0x8086, 0x1041));
        ck_assert(virtio_pci_is_virtio(0x1af4, 0x1000));
        ck_assert(virtio_pci_is_virtio(0x1af4, 0x103f));
        ck_assert(!virtio_pci_is_modern_id(0x1af4, 0x103f));
        ck_assert(virtio_pci_is_modern_id(0x1af4, 0x1040));
        ck_assert(virtio_pci_is_modern_id(0x1af4, 0x107f));
}
END_TEST

START_TEST(test_modern_type)
{
        /* Modern: device ID - 0x1040, whatever the subsystem says. */
        for (unsigned t = 0; t < 0x40; t++) {
                ck_assert_uint_eq(virtio_pci_device_type(0x1040 + t, 0), t);
                ck_assert_uint_eq(virtio_pci_device_type(0x1040 + t, 0x1100), t);
                ck_assert_uint_eq(virtio_pci_device_type(0x1040 + t, 2), t);
        }
        ck_assert_uint_eq(virtio_pci_device_type(0x1041, 0x1100), 1);   /* net */
        ck_assert_uint_eq(virtio_pci_device_type(0x1042, 0x1100), 2);   /* block */
        ck_assert_uint_eq(virtio_pci_device_type(0x105a, 0x1100), 26);  /* fs */
}
END_TEST

START_TEST(test_transitional_type)
{
        /* Transitional: the subsystem device ID is the type (spec 4.1.2.1) when it is a plausible type. */
        for (unsigned d = 0x1000; d <= 0x103f; d++)
                for (unsigned sub = 1; sub < 0x40; sub++)
                        if (virtio_pci_device_type(d, sub) != sub)
                                ck_abort_msg("%04x sub %04x", d, sub);

        /* Subsystem 0 (or not a type): the fixed transitional table. */
        static const struct {
                uint16_t device;
                unsigned type;
        } table[] = {
                { 0x1000, 1 }, { 0x1001, 2 }, { 0x1002, 5 }, { 0x1003, 3 },
                { 0x1004, 8 }, { 0x1005, 4 }, { 0x1009, 9 },
                { 0x1006, 0 }, { 0x1007, 0 }, { 0x1008, 0 }, { 0x100a, 0 }, { 0x103f, 0 },
        };
        for (size_t i = 0; i < ELEMENTSOF(table); i++) {
                ck_assert_uint_eq(virtio_pci_device_type(table[i].device, 0), table[i].type);
                ck_assert_uint_eq(virtio_pci_device_type(table[i].device, 0x1100), table[i].type);
                ck_assert_uint_eq(virtio_pci_device_type(table[i].device, 0xffff), table[i].type);
        }
        /* A transitional balloon whose subsystem says balloon. */
        ck_assert_uint_eq(virtio_pci_device_type(0x1002, 5), 5);

        /* Outside the virtio range: no type. */
        ck_assert_uint_eq(virtio_pci_device_type(0x0fff, 1), 0);
        ck_assert_uint_eq(virtio_pci_device_type(0x1080, 1), 0);
        ck_assert_uint_eq(virtio_pci_device_type(0xffff, 0), 0);
}
END_TEST

START_TEST(test_names)
{
        static const struct {
                unsigned type;
                const char *name;
        } names[] = {
                { 1, "net" },     { 2, "block" }, { 3, "console" }, { 4, "rng" },    { 5, "balloon" },
                { 8, "scsi" },    { 9, "9p" },    { 16, "gpu" },    { 18, "input" }, { 19, "vsock" },
                { 20, "crypto" }, { 23, "iommu" }, { 24, "mem" },   { 26, "fs" },    { 27, "pmem" },
        };
        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                ck_assert_str_eq(virtio_type_to_string(names[i].type), names[i].name);

        /* Reserved or never assigned, and far out of range: NULL, never a crash. */
        ck_assert_ptr_null(virtio_type_to_string(0));
        ck_assert_ptr_null(virtio_type_to_string(14));
        ck_assert_ptr_null(virtio_type_to_string(15));
        ck_assert_ptr_null(virtio_type_to_string(37));
        ck_assert_ptr_null(virtio_type_to_string(63));
        ck_assert_ptr_null(virtio_type_to_string(64));
        ck_assert_ptr_null(virtio_type_to_string(~0u));

        /* Names are unique. */
        for (unsigned a = 0; a < 64; a++)
                for (unsigned b = 0; b < a; b++)
                        if (virtio_type_to_string(a) && virtio_type_to_string(b))
                                ck_assert_str_ne(virtio_type_to_string(a), virtio_type_to_string(b));

        /* Every type a modern device ID can express goes through the name table without trouble. */
        for (unsigned d = 0x1040; d <= 0x107f; d++)
                (void) virtio_type_to_string(virtio_pci_device_type(d, 0));
}
END_TEST

int main(void)
{
        Suite *s = suite_create("virtio-ids");
        TCase *tc = tcase_create("core");
        SRunner *sr;
        int failed;

        tcase_add_test(tc, test_ranges);
        tcase_add_test(tc, test_modern_type);
        tcase_add_test(tc, test_transitional_type);
        tcase_add_test(tc, test_names);
        suite_add_tcase(s, tc);
        sr = srunner_create(s);
        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
