/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The virtio capability walk on config space built byte by byte here: a sound transitional layout, and every
 * malformed list (loops, pointers into the header or past the end, short caps, bad BARs, a clear status bit,
 * truncated reads), plus random buffers. A malformed list on a transitional ID must say unknown, never
 * legacy-only.
 */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/virtio-caps.h"
#include "shared/macro.h"

#define VENDOR 0x1af4
#define NET_TRANSITIONAL 0x1000
#define NET_MODERN 0x1041

typedef struct Cfg {
        uint8_t b[4096];
} Cfg;

static void put16(uint8_t *p, uint16_t v)
{
        p[0] = v & 0xff;
        p[1] = v >> 8;
}

static void put32(uint8_t *p, uint32_t v)
{
        for (int i = 0; i < 4; i++)
                p[i] = (v >> (8 * i)) & 0xff;
}

/* A header with the capabilities-list bit set and the first pointer at first. */
static void header(Cfg *c, uint16_t device, uint8_t first)
{
        memset(c, 0, sizeof *c);
        put16(c->b + 0, VENDOR);
        put16(c->b + 2, device);
        c->b[6] = 0x10; /* status: capabilities list */
        c->b[0x34] = first;
}

/* A struct virtio_pci_cap at pos. */
static void vcap(Cfg *c, uint8_t pos, uint8_t next, uint8_t len, uint8_t type, uint8_t bar, uint32_t offset,
                 uint32_t length)
{
        c->b[pos] = PCI_CAP_ID_VNDR;
        c->b[pos + 1] = next;
        c->b[pos + 2] = len;
        c->b[pos + 3] = type;
        c->b[pos + 4] = bar;
        put32(c->b + pos + 8, offset);
        put32(c->b + pos + 12, length);
}

/* Another kind of capability (MSI-X is 0x11). */
static void ocap(Cfg *c, uint8_t pos, uint8_t id, uint8_t next)
{
        c->b[pos] = id;
        c->b[pos + 1] = next;
}

/* QEMU's layout: MSI-X at 0x98 → PCI_CFG 0x84 → notify 0x70 → device 0x60 → ISR 0x50 → common 0x40. */
static void qemu_layout(Cfg *c, uint16_t device)
{
        header(c, device, 0x98);
        ocap(c, 0x98, 0x11, 0x84);
        vcap(c, 0x84, 0x70, 20, VIRTIO_PCI_CAP_PCI_CFG, 0, 0, 0);
        vcap(c, 0x70, 0x60, 20, VIRTIO_PCI_CAP_NOTIFY_CFG, 4, 0x3000, 0x1000);
        vcap(c, 0x60, 0x50, 16, VIRTIO_PCI_CAP_DEVICE_CFG, 4, 0x2000, 0x1000);
        vcap(c, 0x50, 0x40, 16, VIRTIO_PCI_CAP_ISR_CFG, 4, 0x1000, 0x1000);
        vcap(c, 0x40, 0x00, 16, VIRTIO_PCI_CAP_COMMON_CFG, 4, 0x0000, 0x1000);
}

static Transport transport_of(const Cfg *c, size_t size, VirtioCaps *caps, char *reason, size_t reason_size)
{
        uint16_t device = (uint16_t) (c->b[2] | c->b[3] << 8);

        ck_assert_int_eq(virtio_caps_parse(c->b, size, caps), 0);
        return virtio_caps_transport(VENDOR, device, caps, reason, reason_size);
}

/* Unknown, with a reason that contains want. */
#define ASSERT_UNKNOWN(c, size, want)                                                                   \
        do {                                                                                            \
                VirtioCaps _caps;                                                                       \
                char _reason[EVIDENCE_TEXT_MAX];                                                        \
                Transport _t = transport_of((c), (size), &_caps, _reason, sizeof _reason);              \
                ck_assert_msg(_t == TRANSPORT_UNKNOWN, "transport %d, reason '%s'", _t, _reason);       \
                ck_assert_msg(strstr(_reason, (want)), "reason '%s' lacks '%s'", _reason, (want));      \
        } while (0)

START_TEST(test_qemu_transitional)
{
        VirtioCaps caps;
        char reason[EVIDENCE_TEXT_MAX] = "x";
        const VirtioCap *common, *win;
        static Cfg c;

        qemu_layout(&c, NET_TRANSITIONAL);
        for (size_t size = 256; size <= 4096; size += 4096 - 256) {
                ck_assert_int_eq(transport_of(&c, size, &caps, reason, sizeof reason), TRANSPORT_TRANSITIONAL);
                ck_assert_str_eq(reason, "");
                ck_assert_uint_eq(caps.config_size, 256);
                ck_assert(!caps.truncated && caps.list_bit && !caps.walk_broken);
                ck_assert_uint_eq(caps.n, 5);
                ck_assert_uint_eq(caps.n_virtio_seen, 5);
                ck_assert_uint_eq(caps.n_ignored, 0);
                ck_assert_str_eq(caps.problem, "");
        }

        common = virtio_caps_find(&caps, VIRTIO_PCI_CAP_COMMON_CFG);
        ck_assert_ptr_nonnull(common);
        ck_assert_uint_eq(common->position, 0x40);
        ck_assert_uint_eq(common->bar, 4);
        ck_assert_uint_eq(common->length, 0x1000);
        win = virtio_caps_find(&caps, VIRTIO_PCI_CAP_PCI_CFG);
        ck_assert_ptr_nonnull(win);
        ck_assert_uint_eq(win->position, 0x84);
        ck_assert_ptr_null(virtio_caps_find(&caps, VIRTIO_PCI_CAP_SHARED_MEMORY_CFG));
        ck_assert_ptr_nonnull(virtio_caps_find(&caps, VIRTIO_PCI_CAP_NOTIFY_CFG));

        /* The same bytes under a modern ID, and a modern ID without any capability: the ID decides. */
        qemu_layout(&c, NET_MODERN);
        ck_assert_int_eq(transport_of(&c, 256, &caps, reason, sizeof reason), TRANSPORT_MODERN);
        header(&c, NET_MODERN, 0);
        ck_assert_int_eq(transport_of(&c, 256, &caps, reason, sizeof reason), TRANSPORT_MODERN);
        /* Even with 64 bytes only (a non-root reader). */
        ck_assert_int_eq(transport_of(&c, 64, &caps, reason, sizeof reason), TRANSPORT_MODERN);

        /* Not virtio at all. */
        ck_assert_int_eq(virtio_caps_transport(0x8086, 0x10d3, &caps, reason, sizeof reason), _TRANSPORT_INVALID);
        ck_assert_int_eq(virtio_caps_transport(VENDOR, 0x1080, &caps, NULL, 0), _TRANSPORT_INVALID);
        /* No caps at all were read. */
        ck_assert_int_eq(virtio_caps_transport(VENDOR, NET_TRANSITIONAL, NULL, reason, sizeof reason),
                         TRANSPORT_UNKNOWN);
        ck_assert_str_ne(reason, "");
}
END_TEST

START_TEST(test_legacy_only)
{
        VirtioCaps caps;
        char reason[EVIDENCE_TEXT_MAX];
        static Cfg c;

        /* MSI-X only: a sound list without virtio capabilities. */
        header(&c, NET_TRANSITIONAL, 0x40);
        ocap(&c, 0x40, 0x11, 0);
        ck_assert_int_eq(transport_of(&c, 256, &caps, reason, sizeof reason), TRANSPORT_LEGACY_ONLY);
        ck_assert_int_eq(transport_of(&c, 4096, &caps, reason, sizeof reason), TRANSPORT_LEGACY_ONLY);

        /* A vendor capability of a cfg_type the spec does not define is somebody else's: still legacy-only. */
        vcap(&c, 0x40, 0x50, 16, 0x20, 0, 0, 0);
        ocap(&c, 0x50, 0x11, 0);
        ck_assert_int_eq(transport_of(&c, 256, &caps, reason, sizeof reason), TRANSPORT_LEGACY_ONLY);
        ck_assert_uint_eq(caps.n_virtio_seen, 0);

        /* No list at all: bit clear, pointer zero. */
        header(&c, NET_TRANSITIONAL, 0);
        c.b[6] = 0;
        ck_assert_int_eq(transport_of(&c, 256, &caps, reason, sizeof reason), TRANSPORT_LEGACY_ONLY);
        ck_assert(!caps.list_bit);

        /* Bit set, pointer zero: an empty list. */
        header(&c, NET_TRANSITIONAL, 0);
        ck_assert_int_eq(transport_of(&c, 256, &caps, reason, sizeof reason), TRANSPORT_LEGACY_ONLY);
}
END_TEST

START_TEST(test_list_bit_clear)
{
        static Cfg c;
        VirtioCaps caps;
        char reason[EVIDENCE_TEXT_MAX];

        /* The caps are there but the status register denies the list: the walk does not follow the pointer,
         * and the contradiction is not proof of legacy-only. */
        qemu_layout(&c, NET_TRANSITIONAL);
        c.b[6] = 0;
        ASSERT_UNKNOWN(&c, 256, "capabilities-list bit clear");
        ck_assert_int_eq(transport_of(&c, 256, &caps, reason, sizeof reason), TRANSPORT_UNKNOWN);
        ck_assert_uint_eq(caps.n, 0);
        ck_assert(!caps.list_bit);
        ck_assert_ptr_nonnull(strstr(caps.problem, "0x98"));
}
END_TEST

START_TEST(test_loops)
{
        static Cfg c;
        VirtioCaps caps;
        char reason[EVIDENCE_TEXT_MAX];

        /* Common cfg pointing to itself. */
        header(&c, NET_TRANSITIONAL, 0x40);
        vcap(&c, 0x40, 0x40, 16, VIRTIO_PCI_CAP_COMMON_CFG, 4, 0, 0x1000);
        ASSERT_UNKNOWN(&c, 256, "loops back to 0x40");
        ck_assert_int_eq(transport_of(&c, 256, &caps, reason, sizeof reason), TRANSPORT_UNKNOWN);
        ck_assert(caps.walk_broken);
        ck_assert_ptr_nonnull(strstr(reason, "malformed capability list"));

        /* A longer loop through the QEMU layout: common → MSI-X at 0x98. */
        qemu_layout(&c, NET_TRANSITIONAL);
        c.b[0x41] = 0x98;
        ASSERT_UNKNOWN(&c, 256, "loops back to 0x98");

        /* A loop made of non-virtio capabilities only: never legacy-only. */
        header(&c, NET_TRANSITIONAL, 0x40);
        ocap(&c, 0x40, 0x11, 0x48);
        ocap(&c, 0x48, 0x05, 0x40);
        ASSERT_UNKNOWN(&c, 256, "loops");

        /* Reserved low bits in a pointer are masked: 0x43 is 0x40, so 0x43 after 0x40 is a loop too. */
        header(&c, NET_TRANSITIONAL, 0x43);
        vcap(&c, 0x40, 0x43, 16, VIRTIO_PCI_CAP_COMMON_CFG, 4, 0, 0x1000);
        ASSERT_UNKNOWN(&c, 256, "loops back to 0x40");

        /* The longest chain that does not loop: every aligned offset from 0xfc down to 0x40, each a
         * non-virtio capability. Ends, and is sound. */
        header(&c, NET_TRANSITIONAL, 0xfc);
        for (unsigned pos = 0xfc; pos >= 0x40; pos -= 4)
                ocap(&c, (uint8_t) pos, 0x05, pos == 0x40 ? 0 : (uint8_t) (pos - 4));
        ck_assert_int_eq(transport_of(&c, 256, &caps, reason, sizeof reason), TRANSPORT_LEGACY_ONLY);
        /* Closing it into a ring makes it a loop. */
        c.b[0x41] = 0xfc;
        ASSERT_UNKNOWN(&c, 256, "loops back to 0xfc");
}
END_TEST

START_TEST(test_pointer_into_header)
{
        static Cfg c;

        header(&c, NET_TRANSITIONAL, 0x10);
        ASSERT_UNKNOWN(&c, 256, "below 0x40");

        /* Further down the list. */
        qemu_layout(&c, NET_TRANSITIONAL);
        c.b[0x71] = 0x3c;
        ASSERT_UNKNOWN(&c, 256, "0x3c points into the header");

        /* 0x01–0x03 are masked to 0: the end of the list, not a bad pointer. */
        header(&c, NET_TRANSITIONAL, 0x40);
        ocap(&c, 0x40, 0x11, 0x03);
        VirtioCaps caps;
        ck_assert_int_eq(transport_of(&c, 256, &caps, NULL, 0), TRANSPORT_LEGACY_ONLY);
}
END_TEST

START_TEST(test_past_the_end)
{
        static Cfg c;
        VirtioCaps caps;
        char reason[EVIDENCE_TEXT_MAX];

        /* A virtio capability whose 16 bytes do not fit in the 256 bytes of the standard space. */
        header(&c, NET_TRANSITIONAL, 0xf8);
        vcap(&c, 0xf8, 0, 16, VIRTIO_PCI_CAP_COMMON_CFG, 4, 0, 0x1000);
        ASSERT_UNKNOWN(&c, 256, "runs past the end");
        ck_assert_int_eq(transport_of(&c, 256, &caps, reason, sizeof reason), TRANSPORT_UNKNOWN);
        ck_assert(caps.walk_broken);
        ck_assert_uint_eq(caps.n, 0);
        /* A 4096-byte buffer does not lend it the extended space: the standard list ends at 256. */
        ASSERT_UNKNOWN(&c, 4096, "runs past the end");

        /* A cap_len that reaches past 256. */
        header(&c, NET_TRANSITIONAL, 0xe0);
        vcap(&c, 0xe0, 0, 0x40, VIRTIO_PCI_CAP_COMMON_CFG, 4, 0, 0x1000);
        ASSERT_UNKNOWN(&c, 256, "runs past the end");

        /* In a truncated read, a pointer past what was read. */
        qemu_layout(&c, NET_TRANSITIONAL);
        ASSERT_UNKNOWN(&c, 128, "truncated at 128 bytes");
        ASSERT_UNKNOWN(&c, 128, "0x98 lies past the 128 bytes read");
        ck_assert_int_eq(transport_of(&c, 128, &caps, reason, sizeof reason), TRANSPORT_UNKNOWN);
        ck_assert(caps.truncated);
        /* A header of 4 bytes that fits but a body that does not. */
        header(&c, NET_TRANSITIONAL, 0x7c);
        vcap(&c, 0x7c, 0, 16, VIRTIO_PCI_CAP_COMMON_CFG, 4, 0, 0x1000);
        ASSERT_UNKNOWN(&c, 128, "runs past the end");
        /* A truncated read with a sound list so far and nothing virtio in it: still not legacy-only. */
        header(&c, NET_TRANSITIONAL, 0x40);
        ocap(&c, 0x40, 0x11, 0);
        ASSERT_UNKNOWN(&c, 128, "truncated at 128 bytes");
        /* But a common cfg found whole within a truncated read is proof of the modern interface. */
        qemu_layout(&c, NET_TRANSITIONAL);
        c.b[0x34] = 0x40;
        c.b[0x41] = 0;
        ck_assert_int_eq(transport_of(&c, 128, &caps, reason, sizeof reason), TRANSPORT_TRANSITIONAL);
}
END_TEST

START_TEST(test_header_only)
{
        static Cfg c;
        VirtioCaps caps;

        /* 64 bytes is all a non-root reader gets: transitional and legacy-only cannot be told apart. */
        qemu_layout(&c, NET_TRANSITIONAL);
        ASSERT_UNKNOWN(&c, 64, "config space past 64 bytes needs root");
        header(&c, NET_TRANSITIONAL, 0x40);
        ocap(&c, 0x40, 0x11, 0);
        ASSERT_UNKNOWN(&c, 64, "needs root");
        header(&c, NET_TRANSITIONAL, 0);
        c.b[6] = 0;
        ASSERT_UNKNOWN(&c, 64, "needs root");

        /* Less than a header: refused. */
        ck_assert_int_eq(virtio_caps_parse(c.b, 63, &caps), -EINVAL);
        ck_assert_int_eq(virtio_caps_parse(c.b, 0, &caps), -EINVAL);
        ck_assert_int_eq(virtio_caps_parse(NULL, 256, &caps), -EINVAL);
        ck_assert_int_eq(virtio_caps_parse(c.b, 256, NULL), -EINVAL);
}
END_TEST

START_TEST(test_short_cap_len)
{
        static Cfg c;
        VirtioCaps caps;
        char reason[EVIDENCE_TEXT_MAX];

        /* The only common cfg is too short: ignored with a note, and then there is no usable common cfg. */
        qemu_layout(&c, NET_TRANSITIONAL);
        c.b[0x42] = 12;
        ASSERT_UNKNOWN(&c, 256, "without a usable common configuration");
        ASSERT_UNKNOWN(&c, 256, "cap_len 12 < 16");
        ck_assert_int_eq(transport_of(&c, 256, &caps, reason, sizeof reason), TRANSPORT_UNKNOWN);
        ck_assert_uint_eq(caps.n_ignored, 1);
        ck_assert_uint_eq(caps.n, 4);
        ck_assert(!caps.walk_broken); /* the list itself is fine: the walk went on */

        /* A second, sound common cfg elsewhere: usable, the short one stays noted. */
        c.b[0x98 + 1] = 0xa0;
        vcap(&c, 0xa0, 0x84, 16, VIRTIO_PCI_CAP_COMMON_CFG, 4, 0x8000, 0x100);
        ck_assert_int_eq(transport_of(&c, 256, &caps, reason, sizeof reason), TRANSPORT_TRANSITIONAL);
        ck_assert_uint_eq(virtio_caps_find(&caps, VIRTIO_PCI_CAP_COMMON_CFG)->position, 0xa0);
        ck_assert_ptr_nonnull(strstr(caps.problem, "cap_len 12"));

        /* A PCI_CFG window of 16 bytes has no data field: kept but not offered as a window. */
        qemu_layout(&c, NET_TRANSITIONAL);
        c.b[0x86] = 16;
        ck_assert_int_eq(transport_of(&c, 256, &caps, reason, sizeof reason), TRANSPORT_TRANSITIONAL);
        ck_assert_ptr_null(virtio_caps_find(&caps, VIRTIO_PCI_CAP_PCI_CFG));

        /* A common cfg whose structure is shorter than device_feature: not usable. */
        qemu_layout(&c, NET_TRANSITIONAL);
        put32(c.b + 0x40 + 12, 4);
        ASSERT_UNKNOWN(&c, 256, "without a usable common configuration");

        /* cap_len 0 (and 1, 2, 3) must not stall or misread the walk. */
        for (uint8_t len = 0; len < 16; len++) {
                qemu_layout(&c, NET_TRANSITIONAL);
                c.b[0x42] = len;
                ASSERT_UNKNOWN(&c, 256, "without a usable common configuration");
        }
}
END_TEST

START_TEST(test_bad_bar)
{
        static Cfg c;
        VirtioCaps caps;
        char reason[EVIDENCE_TEXT_MAX];

        for (unsigned bar = 6; bar < 256; bar++) {
                qemu_layout(&c, NET_TRANSITIONAL);
                c.b[0x44] = (uint8_t) bar;
                ASSERT_UNKNOWN(&c, 256, "without a usable common configuration");
                ck_assert_int_eq(transport_of(&c, 256, &caps, reason, sizeof reason), TRANSPORT_UNKNOWN);
                ck_assert_ptr_nonnull(strstr(caps.problem, "names BAR"));
                ck_assert_uint_eq(caps.n_ignored, 1);
        }
        for (unsigned bar = 0; bar <= 5; bar++) {
                qemu_layout(&c, NET_TRANSITIONAL);
                c.b[0x44] = (uint8_t) bar;
                ck_assert_int_eq(transport_of(&c, 256, &caps, reason, sizeof reason), TRANSPORT_TRANSITIONAL);
                ck_assert_uint_eq(virtio_caps_find(&caps, VIRTIO_PCI_CAP_COMMON_CFG)->bar, bar);
        }

        /* Another capability with a bad BAR is ignored; the common cfg still works. */
        qemu_layout(&c, NET_TRANSITIONAL);
        c.b[0x54] = 7;
        ck_assert_int_eq(transport_of(&c, 256, &caps, reason, sizeof reason), TRANSPORT_TRANSITIONAL);
        ck_assert_uint_eq(caps.n_ignored, 1);
        ck_assert_ptr_null(virtio_caps_find(&caps, VIRTIO_PCI_CAP_ISR_CFG));

        /* The PCI_CFG window's bar field is a register the driver writes, not a location: any value is fine. */
        qemu_layout(&c, NET_TRANSITIONAL);
        c.b[0x84 + 4] = 0xff;
        ck_assert_int_eq(transport_of(&c, 256, &caps, reason, sizeof reason), TRANSPORT_TRANSITIONAL);
        ck_assert_ptr_nonnull(virtio_caps_find(&caps, VIRTIO_PCI_CAP_PCI_CFG));

        /* offset + length past 4 GiB: ignored. */
        qemu_layout(&c, NET_TRANSITIONAL);
        put32(c.b + 0x48, 0xfffff000);
        put32(c.b + 0x4c, 0x2000);
        ASSERT_UNKNOWN(&c, 256, "without a usable common configuration");
        ASSERT_UNKNOWN(&c, 256, "past 4 GiB");
}
END_TEST

START_TEST(test_too_many)
{
        static Cfg c;
        VirtioCaps caps;
        char reason[EVIDENCE_TEXT_MAX];

        /* 20 notify caps and the common cfg last: kept up to the limit, the rest noted. */
        header(&c, NET_TRANSITIONAL, 0x40);
        for (unsigned i = 0; i < 20; i++) {
                uint8_t pos = (uint8_t) (0x40 + 8 * i);
                vcap(&c, pos, (uint8_t) (pos + 8), 16, VIRTIO_PCI_CAP_NOTIFY_CFG, 4, 0x3000, 0x10);
        }
        /* Overlapping 16-byte caps at 8-byte steps: each one's tail is the next one's head, which is fine
         * for the walk (it reads each cap at its own position). Terminate at 0xe0. */
        vcap(&c, 0xe0, 0, 16, VIRTIO_PCI_CAP_COMMON_CFG, 4, 0, 0x1000);
        ck_assert_int_eq(virtio_caps_parse(c.b, 256, &caps), 0);
        ck_assert_uint_eq(caps.n, VIRTIO_CAPS_MAX);
        ck_assert_ptr_nonnull(strstr(caps.problem, "more than"));
        /* The common cfg was past the limit: no usable one, and unknown rather than a guess. */
        ck_assert_int_eq(virtio_caps_transport(VENDOR, NET_TRANSITIONAL, &caps, reason, sizeof reason),
                         TRANSPORT_UNKNOWN);
}
END_TEST

START_TEST(test_random)
{
        static Cfg c;
        VirtioCaps caps;
        char reason[EVIDENCE_TEXT_MAX];
        unsigned seed = 12345;
        static const size_t sizes[] = { 64, 100, 128, 192, 255, 256, 4096 };

        /* Random bytes with a plausible header: never a crash, and every LEGACY_ONLY answer is backed by a
         * whole, sound list without virtio capabilities. */
        for (unsigned round = 0; round < 20000; round++) {
                size_t size = sizes[round % ELEMENTSOF(sizes)];

                for (size_t i = 0; i < 256; i++)
                        c.b[i] = (uint8_t) (rand_r(&seed) >> 8);
                /* Bias toward vendor caps so that the virtio paths are walked too. */
                for (size_t i = 0x40; i < 256; i += 4)
                        if (rand_r(&seed) % 3 == 0)
                                c.b[i] = PCI_CAP_ID_VNDR;
                put16(c.b, VENDOR);
                put16(c.b + 2, NET_TRANSITIONAL);

                ck_assert_int_eq(virtio_caps_parse(c.b, size, &caps), 0);
                ck_assert_uint_le(caps.n, VIRTIO_CAPS_MAX);
                ck_assert_uint_eq(caps.n + caps.n_ignored, caps.n_virtio_seen);
                Transport t = virtio_caps_transport(VENDOR, NET_TRANSITIONAL, &caps, reason, sizeof reason);
                ck_assert_int_ge(t, 0);
                ck_assert_int_ne(t, TRANSPORT_MODERN);
                if (t == TRANSPORT_LEGACY_ONLY) {
                        ck_assert(!caps.walk_broken);
                        ck_assert(!caps.truncated);
                        ck_assert_uint_eq(caps.n_virtio_seen, 0);
                        ck_assert_str_eq(caps.problem, "");
                } else if (t == TRANSPORT_UNKNOWN)
                        ck_assert_str_ne(reason, "");
                else {
                        ck_assert(!caps.walk_broken);
                        ck_assert_ptr_nonnull(virtio_caps_find(&caps, VIRTIO_PCI_CAP_COMMON_CFG));
                }
        }
}
END_TEST

START_TEST(test_names)
{
        ck_assert_str_eq(virtio_cap_type_to_string(VIRTIO_PCI_CAP_COMMON_CFG), "common");
        ck_assert_str_eq(virtio_cap_type_to_string(VIRTIO_PCI_CAP_PCI_CFG), "PCI_CFG");
        ck_assert_str_eq(virtio_cap_type_to_string(0), "unknown");
        ck_assert_str_eq(virtio_cap_type_to_string(200), "unknown");
}
END_TEST

int main(void)
{
        Suite *s = suite_create("virtio-caps");
        TCase *tc = tcase_create("core");
        SRunner *sr;
        int failed;

        tcase_add_test(tc, test_qemu_transitional);
        tcase_add_test(tc, test_legacy_only);
        tcase_add_test(tc, test_list_bit_clear);
        tcase_add_test(tc, test_loops);
        tcase_add_test(tc, test_pointer_into_header);
        tcase_add_test(tc, test_past_the_end);
        tcase_add_test(tc, test_header_only);
        tcase_add_test(tc, test_short_cap_len);
        tcase_add_test(tc, test_bad_bar);
        tcase_add_test(tc, test_too_many);
        tcase_add_test(tc, test_random);
        tcase_add_test(tc, test_names);
        suite_add_tcase(s, tc);
        sr = srunner_create(s);
        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
