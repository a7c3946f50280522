/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Uevent messages as the spare unbind child reads them (act/uevent.c): the kernel's format, udevd's, and junk. */
#include <arpa/inet.h>
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "act/uevent.h"
#include "shared/macro.h"

static char buf[512];

/* NUL-separated strings into buf (each item ends in NUL); returns the length. */
static size_t kernel_msg(const char *const *items)
{
        size_t n = 0;

        for (; *items; items++) {
                size_t l = strlen(*items) + 1;
                memcpy(buf + n, *items, l);
                n += l;
        }
        return n;
}

/* udevd's format: header, then the properties. */
static size_t libudev_msg(const char *const *props, uint32_t magic, int32_t off_shift, int32_t len_shift)
{
        uint32_t header[6] = {};
        size_t n;

        memset(buf, 0, sizeof buf);
        memcpy(buf, "libudev", 8);
        n = 40;
        for (; *props; props++) {
                size_t l = strlen(*props) + 1;
                memcpy(buf + n, *props, l);
                n += l;
        }
        header[0] = htonl(magic);
        header[1] = 40;
        header[2] = (uint32_t) (40 + off_shift);
        header[3] = (uint32_t) ((int32_t) (n - 40) + len_shift);
        memcpy(buf + 8, header, sizeof header);
        return n;
}

START_TEST(test_kernel_format)
{
        Uevent e;
        size_t n = kernel_msg((const char *[]){ "bind@/devices/pci0000:00/0000:00:06.0", "ACTION=bind",
                                                "DEVPATH=/devices/pci0000:00/0000:00:06.0", "SUBSYSTEM=pci",
                                                "DRIVER=vfio-pci", "SEQNUM=1234", NULL });

        ck_assert(uevent_parse(buf, n, &e));
        ck_assert_str_eq(e.action, "bind");
        ck_assert_str_eq(e.subsystem, "pci");
        ck_assert_str_eq(e.driver, "vfio-pci");
        ck_assert_str_eq(uevent_devpath_name(&e), "0000:00:06.0");

        /* No DRIVER (an unbind): parsed, driver NULL. */
        n = kernel_msg((const char *[]){ "unbind@/devices/x/0000:00:06.0", "ACTION=unbind",
                                         "DEVPATH=/devices/x/0000:00:06.0", "SUBSYSTEM=pci", NULL });
        ck_assert(uevent_parse(buf, n, &e));
        ck_assert_ptr_null(e.driver);
}
END_TEST

START_TEST(test_libudev_format)
{
        const char *props[] = { "ACTION=bind", "DEVPATH=/devices/0000:00:03.0", "SUBSYSTEM=pci", "DRIVER=vfio-pci",
                                NULL };
        Uevent e;
        size_t n;

        n = libudev_msg(props, 0xfeedcafe, 0, 0);
        ck_assert(uevent_parse(buf, n, &e));
        ck_assert_str_eq(e.driver, "vfio-pci");
        ck_assert_str_eq(uevent_devpath_name(&e), "0000:00:03.0");

        /* A properties length that stops in the middle of DRIVER=: cut there, not read past. */
        n = libudev_msg(props, 0xfeedcafe, 0, -5);
        ck_assert(uevent_parse(buf, n, &e));
        ck_assert_str_eq(e.driver, "vfio");

        /* Wrong magic, offsets outside the message. */
        n = libudev_msg(props, 0xfeedcaff, 0, 0);
        ck_assert(!uevent_parse(buf, n, &e));
        n = libudev_msg(props, 0xfeedcafe, 400, 0);
        ck_assert(!uevent_parse(buf, n, &e));
        n = libudev_msg(props, 0xfeedcafe, -20, 0);
        ck_assert(!uevent_parse(buf, n, &e));
        n = libudev_msg(props, 0xfeedcafe, 0, 1000);
        ck_assert(!uevent_parse(buf, n, &e));
        /* A header alone, cut short. */
        n = libudev_msg(props, 0xfeedcafe, 0, 0);
        ck_assert(!uevent_parse(buf, 20, &e));
}
END_TEST

START_TEST(test_junk)
{
        Uevent e;

        ck_assert(!uevent_parse(buf, 0, &e));
        /* No '@' in the first string, an '@' at the start, no NUL at all: the terminator is added. */
        strcpy(buf, "bind");
        ck_assert(!uevent_parse(buf, 4, &e));
        strcpy(buf, "@/devices/x");
        ck_assert(!uevent_parse(buf, strlen(buf), &e));
        memset(buf, 'A', sizeof buf);
        ck_assert(!uevent_parse(buf, sizeof buf - 1, &e));
        /* The first string only: no ACTION= and DEVPATH= properties, nothing to act on. */
        strcpy(buf, "bind@/devices/x/0000:00:06.0");
        ck_assert(!uevent_parse(buf, strlen(buf) + 1, &e));
        /* The last property without its NUL (message cut): still a string. */
        size_t n = kernel_msg((const char *[]){ "bind@/d/0000:00:06.0", "ACTION=bind", "DEVPATH=/d/0000:00:06.0",
                                                "DRIVER=vfio-pci", NULL });
        ck_assert(uevent_parse(buf, n - 1, &e));
        ck_assert_str_eq(e.driver, "vfio-pci");
        /* A DEVPATH without a last component. */
        n = kernel_msg((const char *[]){ "bind@/", "ACTION=bind", "DEVPATH=/", NULL });
        ck_assert(uevent_parse(buf, n, &e));
        ck_assert_ptr_null(uevent_devpath_name(&e));
}
END_TEST

static Suite *suite(void)
{
        Suite *s = suite_create("uevent");
        TCase *tc = tcase_create("parse");

        tcase_add_test(tc, test_kernel_format);
        tcase_add_test(tc, test_libudev_format);
        tcase_add_test(tc, test_junk);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        SRunner *sr = srunner_create(suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
