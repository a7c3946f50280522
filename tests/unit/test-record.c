/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The daemon's records in ROOT/run/vfio-guard/functions: write/read round trip, unknown keys, every malformed
 * value, the atomic write (no temporary left behind), listing and removal. All below a mkdtemp() root.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "probe/record.h"
#include "shared/macro.h"
#include "shared/strv.h"

static char root[] = "/tmp/test-record.XXXXXX";

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        return remove(path);
}

static void setup(void)
{
        strcpy(root, "/tmp/test-record.XXXXXX");
        ck_assert_ptr_nonnull(mkdtemp(root));
}

static void teardown(void)
{
        (void) nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void write_raw(const char *address, const char *text)
{
        char path[PATH_MAX];
        FILE *f;

        snprintf(path, sizeof path, "%s/run", root);
        (void) mkdir(path, 0755);
        snprintf(path, sizeof path, "%s/run/vfio-guard", root);
        (void) mkdir(path, 0755);
        snprintf(path, sizeof path, "%s/" RECORD_DIR, root);
        (void) mkdir(path, 0755);
        snprintf(path, sizeof path, "%s/" RECORD_DIR "/%s", root, address);
        f = fopen(path, "w");
        ck_assert_ptr_nonnull(f);
        fputs(text, f);
        ck_assert_int_eq(fclose(f), 0);
}

static Record sample(void)
{
        return (Record){
                .address = "0000:00:07.0",
                .verdict = VERDICT_BYPASS,
                .decision = DECISION_REFUSE,
                .feature_source = FEATURE_SOURCE_OFFERED_PCI_CFG,
                .features = UINT64_C(0xfedcba9876543210),
                .transport = TRANSPORT_TRANSITIONAL,
                .vendor = 0x1af4,
                .device = 0x1005,
                .pinned_by_guard = true,
                .pin = "virtio-pci",
                .updated_usec = UINT64_C(1732712345000000),
        };
}

static void assert_same(const Record *a, const Record *b)
{
        ck_assert_str_eq(a->address, b->address);
        ck_assert_int_eq(a->verdict, b->verdict);
        ck_assert_int_eq(a->decision, b->decision);
        ck_assert_int_eq(a->feature_source, b->feature_source);
        ck_assert_uint_eq(a->features, b->features);
        ck_assert_int_eq(a->transport, b->transport);
        ck_assert_uint_eq(a->vendor, b->vendor);
        ck_assert_uint_eq(a->device, b->device);
        ck_assert_int_eq(a->pinned_by_guard, b->pinned_by_guard);
        ck_assert_str_eq(a->pin, b->pin);
        ck_assert_uint_eq(a->updated_usec, b->updated_usec);
}

/* The "unbind in flight" mark: set, seen, cleared; clearing an absent one is fine; records are untouched. */
START_TEST(test_unbinding_mark)
{
        char **l = NULL;

        ck_assert(!record_is_unbinding(root, "0000:00:03.0"));
        ck_assert_int_eq(record_mark_unbinding(root, "0000:00:03.0", false), 0);
        ck_assert_int_eq(record_mark_unbinding(root, "0000:00:03.0", true), 0);
        ck_assert(record_is_unbinding(root, "0000:00:03.0"));
        ck_assert(!record_is_unbinding(root, "0000:00:04.0"));
        ck_assert_int_eq(record_mark_unbinding(root, "0000:00:03.0", true), 0);
        ck_assert_int_eq(record_list(root, &l), 0);
        strv_free(l);
        ck_assert_int_eq(record_mark_unbinding(root, "0000:00:03.0", false), 0);
        ck_assert(!record_is_unbinding(root, "0000:00:03.0"));
}
END_TEST

START_TEST(test_round_trip)
{
        Record w = sample(), r;

        /* Every combination of the enums, a few words, both pin states. */
        for (int v = 0; v < _VERDICT_MAX; v++)
                for (int d = 0; d < _DECISION_MAX; d++)
                        for (int s = 0; s < _FEATURE_SOURCE_MAX; s++)
                                for (int t = 0; t < _TRANSPORT_MAX; t++) {
                                        w.verdict = v;
                                        w.decision = d;
                                        w.feature_source = s;
                                        w.transport = t;
                                        w.features = s == FEATURE_SOURCE_NONE ? 0 : UINT64_MAX - (uint64_t) t;
                                        w.pinned_by_guard = (v + t) % 2;
                                        snprintf(w.pin, sizeof w.pin, "%s", w.pinned_by_guard ? "virtio-pci" : "");
                                        int k = record_write(root, &w);
                                        if (v == VERDICT_NOT_VIRTIO || d == DECISION_NOT_GUARDED) {
                                                /* Not a record of a guarded function: never written. */
                                                ck_assert_int_eq(k, -EINVAL);
                                                continue;
                                        }
                                        ck_assert_int_eq(k, 0);
                                        ck_assert_int_eq(record_read(root, w.address, &r), 0);
                                        assert_same(&w, &r);
                                }

        /* A word written with FEATURE_SOURCE=none is not evidence and does not come back. */
        w = sample();
        w.feature_source = FEATURE_SOURCE_NONE;
        ck_assert_int_eq(record_write(root, &w), 0);
        ck_assert_int_eq(record_read(root, w.address, &r), 0);
        ck_assert_uint_eq(r.features, 0);

        /* The address is normalised both ways. */
        w = sample();
        strcpy(w.address, "00:07.0");
        ck_assert_int_eq(record_write(root, &w), 0);
        ck_assert_int_eq(record_read(root, "0000:00:07.0", &r), 0);
        ck_assert_str_eq(r.address, "0000:00:07.0");
        ck_assert_int_eq(record_read(root, "00:07.0", &r), 0);
}
END_TEST

START_TEST(test_format)
{
        Record w = sample();
        char path[PATH_MAX], buf[1024];
        FILE *f;
        size_t n;

        ck_assert_int_eq(record_write(root, &w), 0);
        snprintf(path, sizeof path, "%s/" RECORD_DIR "/0000:00:07.0", root);
        f = fopen(path, "r");
        ck_assert_ptr_nonnull(f);
        n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[n] = 0;
        /* The format documented in record.h, which vfio-guardd(8) repeats. */
        ck_assert_str_eq(buf, "VERDICT=bypass\n"
                              "DECISION=refuse\n"
                              "FEATURE_SOURCE=offered-pci-cfg\n"
                              "FEATURES=0xfedcba9876543210\n"
                              "TRANSPORT=transitional\n"
                              "PCI_ID=1af4:1005\n"
                              "PINNED_BY_GUARD=1\n"
                              "PIN=virtio-pci\n"
                              "UPDATED_USEC=1732712345000000\n");
}
END_TEST

START_TEST(test_unknown_keys)
{
        Record r;

        write_raw("0000:00:03.0", "# written by a newer daemon\n"
                                  "VERDICT=translated\n"
                                  "SOMETHING_NEW=42\n"
                                  "DECISION=allow\n"
                                  "FEATURE_SOURCE=offered-bar\n"
                                  "FEATURES=0x0000010330000000\n"
                                  "ANOTHER=with = signs = in it\n"
                                  "\n"
                                  "PCI_ID=1AF4:1044\n");
        ck_assert_int_eq(record_read(root, "0000:00:03.0", &r), 0);
        ck_assert_int_eq(r.verdict, VERDICT_TRANSLATED);
        ck_assert_int_eq(r.decision, DECISION_ALLOW);
        ck_assert_int_eq(r.feature_source, FEATURE_SOURCE_OFFERED_BAR);
        ck_assert_uint_eq(r.features, UINT64_C(0x0000010330000000));
        ck_assert_uint_eq(r.vendor, 0x1af4);
        ck_assert_uint_eq(r.device, 0x1044);
        /* Absent optional keys: defaults. */
        ck_assert_int_eq(r.transport, TRANSPORT_UNKNOWN);
        ck_assert(!r.pinned_by_guard);
        ck_assert_str_eq(r.pin, "");
        ck_assert_uint_eq(r.updated_usec, 0);
}
END_TEST

START_TEST(test_malformed)
{
#define GOOD_HEAD "VERDICT=bypass\nDECISION=refuse\nFEATURE_SOURCE=offered-bar\n"
        static const char *const bad[] = {
                "",                                                           /* nothing at all */
                "VERDICT=bypass\nDECISION=refuse\n",                          /* no FEATURE_SOURCE */
                "DECISION=refuse\nFEATURE_SOURCE=none\n",                     /* no VERDICT */
                "VERDICT=bypass\nFEATURE_SOURCE=none\n",                      /* no DECISION */
                GOOD_HEAD,                                                    /* a source without FEATURES */
                "VERDICT=maybe\nDECISION=refuse\nFEATURE_SOURCE=none\n",      /* unknown verdict */
                "VERDICT=not-virtio\nDECISION=refuse\nFEATURE_SOURCE=none\n", /* never recorded */
                "VERDICT=bypass\nDECISION=perhaps\nFEATURE_SOURCE=none\n",
                "VERDICT=bypass\nDECISION=not-guarded\nFEATURE_SOURCE=none\n",
                "VERDICT=bypass\nDECISION=refuse\nFEATURE_SOURCE=guessed\n",
                GOOD_HEAD "FEATURES=12345\n",                 /* no 0x */
                GOOD_HEAD "FEATURES=0x\n",                    /* no digits */
                GOOD_HEAD "FEATURES=0x-1\n",                  /* a sign */
                GOOD_HEAD "FEATURES=0x 10\n",                 /* a blank */
                GOOD_HEAD "FEATURES=0x10000000000000000\n",   /* 65 bits */
                GOOD_HEAD "FEATURES=0x10g\n",                 /* not hex */
                GOOD_HEAD "FEATURES=0x10 \n",                 /* trailing blank */
                GOOD_HEAD "FEATURES=0x10\nTRANSPORT=modem\n",
                GOOD_HEAD "FEATURES=0x10\nPCI_ID=1af4\n",
                GOOD_HEAD "FEATURES=0x10\nPCI_ID=1af4:10441\n",
                GOOD_HEAD "FEATURES=0x10\nPCI_ID=1af4-1044\n",
                GOOD_HEAD "FEATURES=0x10\nPCI_ID=xyzw:1044\n",
                GOOD_HEAD "FEATURES=0x10\nPINNED_BY_GUARD=maybe\n",
                GOOD_HEAD "FEATURES=0x10\nPINNED_BY_GUARD=\n",
                GOOD_HEAD "FEATURES=0x10\nPIN=../../evil\n",
                GOOD_HEAD "FEATURES=0x10\nPIN=" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n", /* 64 > 63 */
                GOOD_HEAD "FEATURES=0x10\nUPDATED_USEC=-1\n",
                GOOD_HEAD "FEATURES=0x10\nUPDATED_USEC=12abc\n",
                GOOD_HEAD "FEATURES=0x10\nUPDATED_USEC=99999999999999999999999\n",
                GOOD_HEAD "FEATURES=0x10\na line without an equals sign\n",
        };
        Record r = { .device = 0x4242 };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                write_raw("0000:00:03.0", bad[i]);
                ck_assert_msg(record_read(root, "0000:00:03.0", &r) == -EBADMSG, "case %zu accepted: %s", i, bad[i]);
                ck_assert_uint_eq(r.device, 0x4242); /* nothing written on failure */
        }

        /* A NUL inside. */
        {
                char path[PATH_MAX];
                static const char text[] = GOOD_HEAD "FEATURES=0x10\n\0PCI_ID=1af4:1000\n";
                int fd;

                write_raw("0000:00:03.0", "");
                snprintf(path, sizeof path, "%s/" RECORD_DIR "/0000:00:03.0", root);
                fd = open(path, O_WRONLY | O_TRUNC);
                ck_assert_int_ge(fd, 0);
                ck_assert_int_eq(write(fd, text, sizeof text - 1), (ssize_t) sizeof text - 1);
                close(fd);
                ck_assert_int_eq(record_read(root, "0000:00:03.0", &r), -EBADMSG);
        }

        /* Bigger than any record: refused, not truncated into something else. */
        {
                size_t n = 8192;
                _cleanup_free_ char *big = malloc(n + 1);
                ck_assert_ptr_nonnull(big);
                memcpy(big, GOOD_HEAD "FEATURES=0x10\n", STRLEN(GOOD_HEAD "FEATURES=0x10\n"));
                memset(big + STRLEN(GOOD_HEAD "FEATURES=0x10\n"), '#', n - STRLEN(GOOD_HEAD "FEATURES=0x10\n"));
                big[n] = 0;
                write_raw("0000:00:03.0", big);
                ck_assert_int_eq(record_read(root, "0000:00:03.0", &r), -EBADMSG);
        }

        /* The good head with FEATURES is fine: the cases above fail for their own line. */
        write_raw("0000:00:03.0", GOOD_HEAD "FEATURES=0x10\nPIN=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n");
        ck_assert_int_eq(record_read(root, "0000:00:03.0", &r), 0);
        ck_assert_uint_eq(r.features, 0x10);
        ck_assert_uint_eq(strlen(r.pin), 63);
#undef GOOD_HEAD
}
END_TEST

START_TEST(test_absent_and_bad_args)
{
        Record r, w = sample();

        ck_assert_int_eq(record_read(root, "0000:00:03.0", &r), -ENOENT);
        ck_assert_int_eq(record_read(root, "not-an-address", &r), -EINVAL);
        ck_assert_int_eq(record_remove(root, "0000:00:03.0"), 0);
        ck_assert_int_eq(record_remove(root, "bogus"), -EINVAL);

        strcpy(w.address, "0000:00:07");
        ck_assert_int_eq(record_write(root, &w), -EINVAL);
        w = sample();
        strcpy(w.pin, "a/b");
        ck_assert_int_eq(record_write(root, &w), -EINVAL);
        w = sample();
        strcpy(w.pin, "a\nVERDICT=translated");
        ck_assert_int_eq(record_write(root, &w), -EINVAL);
        w = sample();
        w.verdict = _VERDICT_MAX;
        ck_assert_int_eq(record_write(root, &w), -EINVAL);
        w = sample();
        w.feature_source = 77;
        ck_assert_int_eq(record_write(root, &w), -EINVAL);

        /* A root that cannot hold the directory. */
        char file_root[PATH_MAX];
        snprintf(file_root, sizeof file_root, "%s/plainfile", root);
        close(open(file_root, O_CREAT | O_WRONLY, 0644));
        w = sample();
        ck_assert_int_lt(record_write(file_root, &w), 0);
}
END_TEST

static unsigned count_entries(const char *dir)
{
        _cleanup_closedir_ DIR *d = opendir(dir);
        struct dirent *de;
        unsigned n = 0;

        ck_assert_ptr_nonnull(d);
        while ((de = readdir(d)))
                if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
                        n++;
        return n;
}

START_TEST(test_atomic_list_remove)
{
        _cleanup_strv_free_ char **l = NULL;
        char dir[PATH_MAX];
        Record w = sample(), r;

        snprintf(dir, sizeof dir, "%s/" RECORD_DIR, root);

        /* No directory yet: an empty list, not an error. */
        ck_assert_int_eq(record_list(root, &l), 0);
        ck_assert_ptr_nonnull(l);
        ck_assert_ptr_null(l[0]);
        strv_free(l);
        l = NULL;

        /* Many rewrites of the same record: exactly one file, no temporary left behind. */
        for (unsigned i = 0; i < 200; i++) {
                w.updated_usec = i;
                ck_assert_int_eq(record_write(root, &w), 0);
        }
        ck_assert_uint_eq(count_entries(dir), 1);
        ck_assert_int_eq(record_read(root, w.address, &r), 0);
        ck_assert_uint_eq(r.updated_usec, 199);

        /* Mode 0644 whatever the umask: vfio-guardctl runs as another user. */
        struct stat st;
        char path[PATH_MAX + 32];
        snprintf(path, sizeof path, "%s/0000:00:07.0", dir);
        ck_assert_int_eq(stat(path, &st), 0);
        ck_assert_uint_eq(st.st_mode & 07777, 0644);

        /* A leftover temporary from a crashed writer and stray files are not records. */
        write_raw(".0000:00:03.0.abcdef", "VERDICT=bypass\n");
        write_raw("README", "not a record\n");
        write_raw("0:3.0", "not the kernel's spelling\n");
        strcpy(w.address, "0000:00:03.0");
        ck_assert_int_eq(record_write(root, &w), 0);
        strcpy(w.address, "0000:01:00.1");
        ck_assert_int_eq(record_write(root, &w), 0);

        ck_assert_int_eq(record_list(root, &l), 3);
        ck_assert_str_eq(l[0], "0000:00:03.0");
        ck_assert_str_eq(l[1], "0000:00:07.0");
        ck_assert_str_eq(l[2], "0000:01:00.1");
        ck_assert_ptr_null(l[3]);

        ck_assert_int_eq(record_remove(root, "0000:00:07.0"), 0);
        ck_assert_int_eq(record_read(root, "0000:00:07.0", &r), -ENOENT);
        ck_assert_int_eq(record_remove(root, "0000:00:07.0"), 0);
        strv_free(l);
        l = NULL;
        ck_assert_int_eq(record_list(root, &l), 2);

        /* A write that cannot complete leaves no temporary either: the target name is a directory. */
        unsigned before = count_entries(dir);
        snprintf(path, sizeof path, "%s/0000:00:09.0", dir);
        ck_assert_int_eq(mkdir(path, 0755), 0);
        strcpy(w.address, "0000:00:09.0");
        ck_assert_int_lt(record_write(root, &w), 0);
        ck_assert_uint_eq(count_entries(dir), before + 1);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("record");
        TCase *tc = tcase_create("record");
        SRunner *sr;
        int failed;

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_round_trip);
        tcase_add_test(tc, test_format);
        tcase_add_test(tc, test_unknown_keys);
        tcase_add_test(tc, test_malformed);
        tcase_add_test(tc, test_absent_and_bad_args);
        tcase_add_test(tc, test_atomic_list_remove);
        tcase_add_test(tc, test_unbinding_mark);
        suite_add_tcase(s, tc);
        sr = srunner_create(s);
        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
