/* SPDX-License-Identifier: GPL-2.0-or-later */

/* Host-side checks of bpf-guard's pure parts: address validation, the LSM list parser, unpin on plain
 * directories, argument checks. Nothing here loads a BPF program (rule zero: never on the host); the
 * kernel side is tested in the VM (guest-enforce.sh). */

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bpf/bpf-guard.h"

static char tmpdir[64];

static void setup(void)
{
        strcpy(tmpdir, "/tmp/test-bpf-guard-XXXXXX");
        ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void teardown(void)
{
        char cmd[128];

        snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
        ck_assert_int_eq(system(cmd), 0);
}

static void write_file(const char *dir, const char *name, const char *content)
{
        char path[256];
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        f = fopen(path, "we");
        ck_assert_ptr_nonnull(f);
        fputs(content, f);
        fclose(f);
}

START_TEST(test_address_valid)
{
        static const struct {
                const char *in, *out;
        } cases[] = {
                { "0000:00:03.0", "0000:00:03.0" },
                { "0000:00:0A.0", "0000:00:0a.0" },
                { "0000:FF:1f.7", "0000:ff:1f.7" },
                { "10000:00:03.0", "10000:00:03.0" },    /* VMD / Hyper-V domains */
                { "abcdef:00:03.0", "abcdef:00:03.0" },
                { "1234567:00:03.0", "1234567:00:03.0" }, /* 15 characters: the longest a key holds */
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                char key[16], want[16] = {};

                memset(key, 'x', sizeof(key));
                strcpy(want, cases[i].out);
                ck_assert_int_eq(bpf_guard_address_key(cases[i].in, key), 0);
                ck_assert_msg(memcmp(key, want, sizeof(key)) == 0, "%s", cases[i].in); /* NUL-padded */
        }
}
END_TEST

START_TEST(test_address_invalid)
{
        static const char *bad[] = {
                "", "0000:00:03", "0000:00:03.8", "0000:00:20.0", "0000:00:ff.0", "000:00:03.0",
                "0000-00:03.0", "0000:00-03.0", "0000:00:03:0", "0000:00:03.0 ", " 0000:00:03.0",
                "0000:0g:03.0", "12345678:00:03.0", "0000:00:03.0/driver_override", "../00:03.0",
                "0000:00:03.a",
        };
        char key[16];

        ck_assert_int_eq(bpf_guard_address_key(NULL, key), -EINVAL);
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                ck_assert_msg(bpf_guard_address_key(bad[i], key) == -EINVAL, "accepted '%s'", bad[i]);
}
END_TEST

START_TEST(test_lsm_list)
{
        static const struct {
                const char *content;
                int want;
        } cases[] = {
                { "lockdown,capability,landlock,yama,apparmor,tomoyo,bpf", 1 }, /* Debian 12 */
                { "bpf\n", 1 },
                { "capability,bpf,selinux", 1 },
                { "lockdown,capability,yama", 0 },
                { "lockdown,capability,bpfx", 0 },
                { "bpf_lsm,capability", 0 },
                { "", 0 },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                write_file(tmpdir, "lsm", cases[i].content);
                ck_assert_msg(bpf_guard_lsm_active(tmpdir) == cases[i].want, "%s", cases[i].content);
        }
        ck_assert_int_eq(bpf_guard_lsm_active("/nonexistent-securityfs"), -ENOENT);
}
END_TEST

START_TEST(test_unpin)
{
        char dir[128], missing[128];

        /* Nothing pinned: success, nothing to do. */
        snprintf(missing, sizeof(missing), "%s/none", tmpdir);
        ck_assert_int_eq(bpf_guard_unpin(missing), 0);

        /* Removes the link, the maps and the directory (plain files stand in for pins here). */
        snprintf(dir, sizeof(dir), "%s/vfio-guard", tmpdir);
        ck_assert_int_eq(mkdir(dir, 0700), 0);
        write_file(dir, "link", "");
        write_file(dir, "refused_addresses", "");
        write_file(dir, "events", "");
        ck_assert_int_eq(bpf_guard_unpin(dir), 0);
        ck_assert_int_eq(access(dir, F_OK), -1);
        ck_assert_int_eq(errno, ENOENT);
}
END_TEST

START_TEST(test_arguments)
{
        BpfGuard *g = NULL;

        /* Refused before anything is looked up or loaded. */
        ck_assert_int_eq(bpf_guard_open("relative/dir", 0, &g, NULL), -EINVAL);
        ck_assert_int_eq(bpf_guard_open(NULL, 0, NULL, NULL), -EINVAL);
        ck_assert_ptr_null(g);
        ck_assert_int_eq(bpf_guard_refuse_address(NULL, "0000:00:03.0"), -EINVAL);
        ck_assert_int_eq(bpf_guard_allow_address(NULL, "0000:00:03.0"), -EINVAL);
        ck_assert_int_eq(bpf_guard_deny_node(NULL, 1), -EINVAL);
        ck_assert_int_eq(bpf_guard_exempt_tgid(NULL, 1), -EINVAL);
        ck_assert_int_eq(bpf_guard_event_fd(NULL), -EINVAL);
        ck_assert_ptr_null(bpf_guard_free(NULL));
}
END_TEST

int main(void)
{
        Suite *s = suite_create("bpf-guard");
        TCase *tc = tcase_create("host");
        SRunner *sr;
        int failed;

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_address_valid);
        tcase_add_test(tc, test_address_invalid);
        tcase_add_test(tc, test_lsm_list);
        tcase_add_test(tc, test_unpin);
        tcase_add_test(tc, test_arguments);
        suite_add_tcase(s, tc);
        sr = srunner_create(s);
        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
