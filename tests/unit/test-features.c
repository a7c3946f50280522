/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The sysfs `features` string: the strings Linux prints for real devices (fixtures README), every length from
 * 0 to past the limit, every byte value in every position class, and the error texts.
 */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/features.h"
#include "shared/macro.h"

/* Words computed by hand from the strings below (bit n = character n). */
#define Q35_NET_TRANSITIONAL "0010010000000001111101010000110010000000100000000000000000000000"
#define Q35_NET_MODERN_AP "0010010000000001111101010000110011000000100000000000000000000000"
#define Q35_NET_LEGACY "0010011000000001111101010001110000000000000000000000000000000000"
#define FC_NET_128                                                                                          \
        "11000101101110110000000000000100100000000000000000000000000000000000000000000000000000000000000000" \
        "000000000000000000000000000000"

static char *repeat(char c, size_t n, const char *tail)
{
        size_t t = strlen(tail);
        char *s = malloc(n + t + 1);

        ck_assert_ptr_nonnull(s);
        memset(s, c, n);
        memcpy(s + n, tail, t + 1);
        return s;
}

START_TEST(test_real_strings)
{
        uint64_t w = 0;

        ck_assert_int_eq(virtio_features_parse(Q35_NET_TRANSITIONAL "\n", &w, NULL, 0), 0);
        ck_assert_uint_eq(w, UINT64_C(0x0000010130af8024));
        ck_assert(!(w >> 33 & 1));
        ck_assert(w >> 32 & 1);

        ck_assert_int_eq(virtio_features_parse(Q35_NET_MODERN_AP, &w, NULL, 0), 0);
        ck_assert(w >> 33 & 1);
        ck_assert(w >> 32 & 1);

        ck_assert_int_eq(virtio_features_parse(Q35_NET_LEGACY "\n", &w, NULL, 0), 0);
        ck_assert(!(w >> 32 & 1));
        ck_assert(!(w >> 33 & 1));

        ck_assert_uint_eq(strlen(FC_NET_128), 128);
        ck_assert_int_eq(virtio_features_parse(FC_NET_128 "\n", &w, NULL, 0), 0);
        ck_assert_uint_eq(w, UINT64_C(0x000000012000dda3));
}
END_TEST

START_TEST(test_exact_words)
{
        /* The transitional net string, word by word from its characters. */
        static const struct {
                const char *s;
                uint64_t w;
        } rows[] = {
                { Q35_NET_TRANSITIONAL, UINT64_C(0x0000010130af8024) },
                { Q35_NET_MODERN_AP, UINT64_C(0x0000010330af8024) },
                { Q35_NET_LEGACY, UINT64_C(0x0000000038af8064) },
        };
        char problem[128];
        uint64_t w;

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                ck_assert_int_eq(virtio_features_parse(rows[i].s, &w, problem, sizeof problem), 0);
                ck_assert_msg(w == rows[i].w, "row %zu: %#llx != %#llx", i, (unsigned long long) w,
                              (unsigned long long) rows[i].w);
        }
}
END_TEST

START_TEST(test_single_bits)
{
        char buf[VIRTIO_FEATURES_MAX_CHARS + 1];
        uint64_t w;

        /* Every bit alone, in strings of 64, 128 and 1024 characters, both ways through format/parse. */
        for (size_t n = 64; n <= 1024; n = n == 128 ? 1024 : n * 2)
                for (unsigned bit = 0; bit < 64; bit++) {
                        ck_assert_int_eq(virtio_features_format(UINT64_C(1) << bit, n, buf, sizeof buf), 0);
                        ck_assert_uint_eq(strlen(buf), n);
                        ck_assert_int_eq(buf[bit], '1');
                        ck_assert_int_eq(virtio_features_parse(buf, &w, NULL, 0), 0);
                        ck_assert_uint_eq(w, UINT64_C(1) << bit);
                }

        /* Bits past 63 are accepted and dropped: the guard needs bits 0–63 only. */
        memset(buf, '0', 200);
        buf[200] = 0;
        buf[64] = buf[150] = buf[199] = '1';
        ck_assert_int_eq(virtio_features_parse(buf, &w, NULL, 0), 0);
        ck_assert_uint_eq(w, 0);

        /* All ones. */
        memset(buf, '1', 64);
        buf[64] = 0;
        ck_assert_int_eq(virtio_features_parse(buf, &w, NULL, 0), 0);
        ck_assert_uint_eq(w, UINT64_MAX);
}
END_TEST

START_TEST(test_lengths)
{
        char problem[128];
        uint64_t w = 0x5a5a;

        /* Every length from 0 to 1030, with and without the newline. */
        for (size_t n = 0; n <= VIRTIO_FEATURES_MAX_CHARS + 6; n++) {
                _cleanup_free_ char *plain = repeat('0', n, ""), *nl = repeat('0', n, "\n");
                int expect = n >= VIRTIO_FEATURES_MIN_CHARS && n <= VIRTIO_FEATURES_MAX_CHARS ? 0 : -EINVAL;

                problem[0] = 0;
                w = 0x5a5a;
                ck_assert_msg(virtio_features_parse(plain, &w, problem, sizeof problem) == expect, "length %zu", n);
                if (expect < 0) {
                        ck_assert_str_ne(problem, "");
                        ck_assert_uint_eq(w, 0x5a5a); /* not written on failure */
                }
                ck_assert_msg(virtio_features_parse(nl, &w, NULL, 0) == expect, "length %zu + newline", n);
        }
}
END_TEST

START_TEST(test_problem_texts)
{
        _cleanup_free_ char *short_s = repeat('1', 63, "\n"), *long_s = repeat('0', 1025, "\n"),
                            *huge = repeat('0', 100000, "");
        char problem[128];
        uint64_t w;

        ck_assert_int_eq(virtio_features_parse("", &w, problem, sizeof problem), -EINVAL);
        ck_assert_ptr_nonnull(strstr(problem, "empty"));
        ck_assert_int_eq(virtio_features_parse("\n", &w, problem, sizeof problem), -EINVAL);
        ck_assert_ptr_nonnull(strstr(problem, "empty"));
        ck_assert_int_eq(virtio_features_parse(NULL, &w, problem, sizeof problem), -EINVAL);

        ck_assert_int_eq(virtio_features_parse(short_s, &w, problem, sizeof problem), -EINVAL);
        ck_assert_ptr_nonnull(strstr(problem, "too short"));
        ck_assert_ptr_nonnull(strstr(problem, "63"));

        ck_assert_int_eq(virtio_features_parse(long_s, &w, problem, sizeof problem), -EINVAL);
        ck_assert_ptr_nonnull(strstr(problem, "longer than 1024"));
        ck_assert_int_eq(virtio_features_parse(huge, &w, problem, sizeof problem), -EINVAL);
        ck_assert_ptr_nonnull(strstr(problem, "longer than 1024"));

        /* A tiny problem buffer is filled, truncated, terminated; none at all is fine too. */
        char tiny[4] = "xxx";
        ck_assert_int_eq(virtio_features_parse("", &w, tiny, sizeof tiny), -EINVAL);
        ck_assert_uint_eq(strlen(tiny), 3);
        ck_assert_int_eq(virtio_features_parse("", &w, NULL, 0), -EINVAL);
        ck_assert_int_eq(virtio_features_parse("", &w, tiny, 0), -EINVAL);
}
END_TEST

START_TEST(test_bad_characters)
{
        char s[VIRTIO_FEATURES_MAX_CHARS + 2], problem[128];
        uint64_t w;

        /* Every byte other than '0'/'1' at the first, bit-33, last-of-64 and a position past 64. */
        static const size_t positions[] = { 0, 33, 63, 100, 127 };
        for (size_t p = 0; p < ELEMENTSOF(positions); p++)
                for (int c = 1; c < 256; c++) {
                        memset(s, '0', 128);
                        s[128] = 0;
                        s[positions[p]] = (char) c;
                        int r = virtio_features_parse(s, &w, problem, sizeof problem);
                        /* '\n' as the last character is the one trailing newline allowed. */
                        if (c == '0' || c == '1' || (c == '\n' && positions[p] == 127)) {
                                ck_assert_int_eq(r, 0);
                                continue;
                        }
                        ck_assert_msg(r == -EINVAL, "byte 0x%02x at %zu accepted", c, positions[p]);
                        char want[32];
                        snprintf(want, sizeof want, "position %zu", positions[p]);
                        ck_assert_msg(strstr(problem, "character other than 0 or 1") && strstr(problem, want),
                                      "byte 0x%02x at %zu: %s", c, positions[p], problem);
                }

        /* A newline is accepted once, at the very end only. */
        ck_assert_int_eq(virtio_features_parse(Q35_NET_TRANSITIONAL "\n\n", &w, NULL, 0), -EINVAL);
        ck_assert_int_eq(virtio_features_parse(Q35_NET_TRANSITIONAL "\r\n", &w, NULL, 0), -EINVAL);
        ck_assert_int_eq(virtio_features_parse(" " Q35_NET_TRANSITIONAL, &w, NULL, 0), -EINVAL);
        ck_assert_int_eq(virtio_features_parse(Q35_NET_TRANSITIONAL " ", &w, NULL, 0), -EINVAL);
        /* An embedded NUL ends the string: 10 characters are too short. */
        ck_assert_int_eq(virtio_features_parse("0000000000\0" Q35_NET_TRANSITIONAL, &w, NULL, 0), -EINVAL);
}
END_TEST

START_TEST(test_format_bounds)
{
        char buf[VIRTIO_FEATURES_MAX_CHARS + 1];

        ck_assert_int_eq(virtio_features_format(0, 63, buf, sizeof buf), -EINVAL);
        ck_assert_int_eq(virtio_features_format(0, 1025, buf, sizeof buf), -EINVAL);
        ck_assert_int_eq(virtio_features_format(0, 64, buf, 64), -EINVAL); /* no room for the NUL */
        ck_assert_int_eq(virtio_features_format(UINT64_C(0x0000010130af8024), 64, buf, 65), 0);
        ck_assert_str_eq(buf, Q35_NET_TRANSITIONAL);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("features");
        TCase *tc = tcase_create("core");
        SRunner *sr;
        int failed;

        tcase_add_test(tc, test_real_strings);
        tcase_add_test(tc, test_exact_words);
        tcase_add_test(tc, test_single_bits);
        tcase_add_test(tc, test_lengths);
        tcase_add_test(tc, test_problem_texts);
        tcase_add_test(tc, test_bad_characters);
        tcase_add_test(tc, test_format_bounds);
        suite_add_tcase(s, tc);
        sr = srunner_create(s);
        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
