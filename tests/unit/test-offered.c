/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * offered_features_read() against a fixture directory of regular files (never the real /sys): the BAR path
 * (resourceN mmap'ed, common configuration at the capability's offset), the PCI_CFG window path when mmap fails,
 * the runtime-PM hold and its restore, and the problem texts when nothing can be read.
 *
 * A regular file cannot emulate device_feature_select: the BAR file returns the same device_feature for both
 * halves, and the config file's window returns what was last written to pci_cfg_data. The tests assert exactly
 * that, which proves the order and place of every access.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/virtio-caps.h"
#include "probe/offered.h"
#include "probe/pci-config.h"
#include "shared/macro.h"

#define ADDR "0000:00:03.0"
#define COMMON_OFFSET 0x1000 /* moved from QEMU's 0 so that a read at the wrong place shows */
#define BAR_SIZE 0x4000
#define DEVICE_FEATURE 0x30bf8024u
#define OLD_SELECT 0x00000001u

static char root[] = "/tmp/test-offered.XXXXXX";
static char dev[PATH_MAX];
static uint8_t config[PCI_CONFIG_SPACE_SIZE];
static VirtioCaps caps;

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        return remove(path);
}

static void write_bytes(const char *name, const void *data, size_t n)
{
        char path[PATH_MAX + 64];
        int fd;

        snprintf(path, sizeof path, "%s/%s", dev, name);
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(write(fd, data, n), (ssize_t) n);
        close(fd);
}

static size_t read_bytes(const char *name, void *data, size_t n)
{
        char path[PATH_MAX + 64];
        ssize_t k;
        int fd;

        snprintf(path, sizeof path, "%s/%s", dev, name);
        fd = open(path, O_RDONLY);
        ck_assert_int_ge(fd, 0);
        k = read(fd, data, n);
        close(fd);
        ck_assert_int_ge(k, 0);
        return (size_t) k;
}

static uint32_t le32_at(const uint8_t *p)
{
        return (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 | (uint32_t) p[3] << 24;
}

static void put32(uint8_t *p, uint32_t v)
{
        for (int i = 0; i < 4; i++)
                p[i] = (uint8_t) (v >> (8 * i));
}

/* ROOT/sys/bus/pci/devices/ADDR with the q35 transitional net's config space (common cfg in BAR 4, moved to
 * COMMON_OFFSET), a BAR 4 file holding a common configuration there, and power/control = "auto". */
static void setup(void)
{
        char path[PATH_MAX + 32], dump[PATH_MAX];
        const char *fixtures = getenv("FIXTURES");
        uint8_t bar[BAR_SIZE];
        size_t n;

        ck_assert_ptr_nonnull(fixtures);
        strcpy(root, "/tmp/test-offered.XXXXXX");
        ck_assert_ptr_nonnull(mkdtemp(root));
        snprintf(dev, sizeof dev, "%s/sys/bus/pci/devices/" ADDR, root);
        snprintf(path, sizeof path, "mkdir -p '%s/power'", dev);
        ck_assert_int_eq(system(path), 0);

        snprintf(dump, sizeof dump, "%s/pci/q35-virtio-net-transitional.lspci", fixtures);
        ck_assert_int_eq(pci_config_read_dump(dump, NULL, config, sizeof config, &n), 0);
        ck_assert_uint_eq(n, sizeof config);
        ck_assert_uint_eq(config[0x40], PCI_CAP_ID_VNDR);
        ck_assert_uint_eq(config[0x43], VIRTIO_PCI_CAP_COMMON_CFG);
        put32(config + 0x40 + VIRTIO_PCI_CAP_OFF_OFFSET, COMMON_OFFSET);
        put32(config + 0x84 + VIRTIO_PCI_CFG_CAP_OFF_DATA, 0x5a5a5a5a);
        write_bytes("config", config, sizeof config);
        ck_assert_int_eq(virtio_caps_parse(config, sizeof config, &caps), 0);

        /* Everything but the two registers reads as a pattern that no assertion expects. */
        memset(bar, 0xa5, sizeof bar);
        put32(bar + COMMON_OFFSET + VIRTIO_PCI_COMMON_DFSELECT, OLD_SELECT);
        put32(bar + COMMON_OFFSET + VIRTIO_PCI_COMMON_DF, DEVICE_FEATURE);
        write_bytes("resource4", bar, sizeof bar);
        write_bytes("power/control", "auto\n", 5);
}

static void teardown(void)
{
        (void) nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void assert_power(const char *want)
{
        char buf[32] = {};

        read_bytes("power/control", buf, sizeof buf - 1);
        buf[strcspn(buf, "\n")] = 0;
        ck_assert_str_eq(buf, want);
}

START_TEST(test_bar)
{
        FeatureSource src = _FEATURE_SOURCE_INVALID;
        uint8_t bar[BAR_SIZE];
        char problem[EVIDENCE_TEXT_MAX] = "stale";
        uint64_t w = 0;

        ck_assert_int_eq(offered_features_read(root, ADDR, &caps, &src, &w, problem, sizeof problem), 0);
        ck_assert_int_eq(src, FEATURE_SOURCE_OFFERED_BAR);
        ck_assert_uint_eq(w, (uint64_t) DEVICE_FEATURE << 32 | DEVICE_FEATURE);
        ck_assert_str_eq(problem, "");

        /* device_feature_select is left as found; nothing else in the BAR changed. */
        ck_assert_uint_eq(read_bytes("resource4", bar, sizeof bar), sizeof bar);
        ck_assert_uint_eq(le32_at(bar + COMMON_OFFSET), OLD_SELECT);
        ck_assert_uint_eq(le32_at(bar + COMMON_OFFSET + 4), DEVICE_FEATURE);
        for (size_t i = 0; i < sizeof bar; i++)
                if (i < COMMON_OFFSET || i >= COMMON_OFFSET + 8)
                        ck_assert_msg(bar[i] == 0xa5, "BAR byte 0x%zx changed", i);

        /* The runtime-PM setting is back to what it was. */
        assert_power("auto");

        /* Config space untouched on this path. */
        uint8_t now[PCI_CONFIG_SPACE_SIZE];
        ck_assert_uint_eq(read_bytes("config", now, sizeof now), sizeof now);
        ck_assert_mem_eq(now, config, sizeof now);

        /* Already "on": stays "on". No power/control at all (no runtime PM): still read. */
        write_bytes("power/control", "on\n", 3);
        ck_assert_int_eq(offered_features_read(root, ADDR, &caps, &src, &w, NULL, 0), 0);
        assert_power("on");
        char path[PATH_MAX + 64];
        snprintf(path, sizeof path, "%s/power/control", dev);
        ck_assert_int_eq(unlink(path), 0);
        ck_assert_int_eq(offered_features_read(root, ADDR, &caps, &src, &w, NULL, 0), 0);
        ck_assert_int_eq(access(path, F_OK), -1); /* not created */
}
END_TEST

/* After a window read, the capability's fields show the last access, and pci_cfg_data holds what was there
 * before: the old device_feature_select, written back. */
static void assert_window_after(uint32_t old_data)
{
        uint8_t now[PCI_CONFIG_SPACE_SIZE];

        ck_assert_uint_eq(read_bytes("config", now, sizeof now), sizeof now);
        ck_assert_uint_eq(now[0x84 + VIRTIO_PCI_CAP_OFF_BAR], 4);
        ck_assert_uint_eq(le32_at(now + 0x84 + VIRTIO_PCI_CAP_OFF_OFFSET), COMMON_OFFSET + VIRTIO_PCI_COMMON_DFSELECT);
        ck_assert_uint_eq(le32_at(now + 0x84 + VIRTIO_PCI_CAP_OFF_LENGTH), 4);
        ck_assert_uint_eq(le32_at(now + 0x84 + VIRTIO_PCI_CFG_CAP_OFF_DATA), old_data);
        /* Nothing outside the window's bar/offset/length/data fields changed. */
        for (size_t i = 0; i < sizeof now; i++) {
                bool in_window = (i == 0x84 + VIRTIO_PCI_CAP_OFF_BAR) ||
                                 (i >= 0x84 + VIRTIO_PCI_CAP_OFF_OFFSET && i < 0x84 + VIRTIO_PCI_CFG_CAP_OFF_DATA + 4);
                if (!in_window)
                        ck_assert_msg(now[i] == config[i], "config byte 0x%zx changed", i);
        }
}

START_TEST(test_mmap_fails_window)
{
        FeatureSource src = _FEATURE_SOURCE_INVALID;
        char problem[EVIDENCE_TEXT_MAX] = "stale", path[PATH_MAX + 64];
        uint64_t w = 0;

        /* A FIFO opens read-write but cannot be mapped (ENODEV): the mmap failure virtio-pci's hold causes
         * on a real BAR (EINVAL), without one. */
        snprintf(path, sizeof path, "%s/resource4", dev);
        ck_assert_int_eq(unlink(path), 0);
        ck_assert_int_eq(mkfifo(path, 0600), 0);

        ck_assert_int_eq(offered_features_read(root, ADDR, &caps, &src, &w, problem, sizeof problem), 0);
        ck_assert_int_eq(src, FEATURE_SOURCE_OFFERED_PCI_CFG);
        /* The window of a plain file returns the last value written: select 0 before the low half, select 1
         * before the high half. */
        ck_assert_uint_eq(w, UINT64_C(1) << 32);
        assert_window_after(0x5a5a5a5a);
        assert_power("auto");
        ck_assert_str_eq(problem, "");
}
END_TEST

START_TEST(test_bar_missing_or_short_window)
{
        FeatureSource src;
        char problem[EVIDENCE_TEXT_MAX], path[PATH_MAX + 64];
        uint8_t small[COMMON_OFFSET];
        uint64_t w;

        /* A BAR file too small for the capability's offset: not followed, the window is used. */
        memset(small, 0, sizeof small);
        write_bytes("resource4", small, sizeof small);
        ck_assert_int_eq(offered_features_read(root, ADDR, &caps, &src, &w, problem, sizeof problem), 0);
        ck_assert_int_eq(src, FEATURE_SOURCE_OFFERED_PCI_CFG);
        assert_window_after(0x5a5a5a5a);

        /* No resource4 at all. */
        snprintf(path, sizeof path, "%s/resource4", dev);
        ck_assert_int_eq(unlink(path), 0);
        ck_assert_int_eq(offered_features_read(root, ADDR, &caps, &src, &w, problem, sizeof problem), 0);
        ck_assert_int_eq(src, FEATURE_SOURCE_OFFERED_PCI_CFG);
        assert_power("auto");
}
END_TEST

START_TEST(test_unreadable)
{
        FeatureSource src = _FEATURE_SOURCE_INVALID;
        char problem[EVIDENCE_TEXT_MAX], path[PATH_MAX + 64];
        uint64_t w = 0x77;
        VirtioCaps no_window;
        int r;

        /* Neither a BAR nor a usable config file. */
        snprintf(path, sizeof path, "%s/resource4", dev);
        ck_assert_int_eq(unlink(path), 0);
        snprintf(path, sizeof path, "%s/config", dev);
        ck_assert_int_eq(unlink(path), 0);
        ck_assert_int_eq(mkdir(path, 0755), 0);
        r = offered_features_read(root, ADDR, &caps, &src, &w, problem, sizeof problem);
        ck_assert_int_lt(r, 0);
        ck_assert_msg(strstr(problem, "BAR: resource4:") && strstr(problem, "PCI_CFG window: config:"), "%s",
                      problem);
        ck_assert_int_eq(src, _FEATURE_SOURCE_INVALID); /* untouched on failure */
        ck_assert_uint_eq(w, 0x77);
        assert_power("auto");

        /* Without a PCI_CFG window there is nothing to fall back on. */
        no_window = caps;
        no_window.n = 0;
        for (size_t i = 0; i < caps.n; i++)
                if (caps.caps[i].cfg_type != VIRTIO_PCI_CAP_PCI_CFG)
                        no_window.caps[no_window.n++] = caps.caps[i];
        r = offered_features_read(root, ADDR, &no_window, &src, &w, problem, sizeof problem);
        ck_assert_int_lt(r, 0);
        ck_assert_msg(strstr(problem, "no PCI_CFG window capability to fall back on"), "%s", problem);

        /* No common configuration: nothing to read at all (legacy-only). */
        VirtioCaps none = { .config_size = 256, .list_bit = true };
        r = offered_features_read(root, ADDR, &none, &src, &w, problem, sizeof problem);
        ck_assert_int_eq(r, -ENODATA);
        ck_assert_msg(strstr(problem, "no usable common configuration"), "%s", problem);

        ck_assert_int_eq(offered_features_read(root, "junk", &caps, &src, &w, problem, sizeof problem), -EINVAL);
        ck_assert_str_eq(problem, "malformed PCI address");
        ck_assert_int_eq(offered_features_read(root, ADDR, NULL, &src, &w, problem, sizeof problem), -EINVAL);
}
END_TEST

/* Read as an unprivileged user in a child process (so that the fixture's teardown still runs as root).
 * Returns the result of offered_features_read(), or 1 when privileges cannot be dropped here. */
static int read_as_nobody(char *problem, size_t size)
{
        char path[PATH_MAX + 64];
        int fds[2], status;
        pid_t pid;
        ssize_t n;
        struct {
                int r;
                char problem[EVIDENCE_TEXT_MAX];
        } out = {};

        if (geteuid() != 0)
                return 1;
        snprintf(path, sizeof path, "%s/resource4", dev);
        ck_assert_int_eq(chmod(path, 0600), 0);
        snprintf(path, sizeof path, "%s/config", dev);
        ck_assert_int_eq(chmod(path, 0600), 0);
        ck_assert_int_eq(chmod(root, 0755), 0);

        ck_assert_int_eq(pipe(fds), 0);
        pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                FeatureSource src;
                uint64_t w;

                close(fds[0]);
                if (setresgid(65534, 65534, 65534) < 0 || setresuid(65534, 65534, 65534) < 0)
                        out.r = 1;
                else
                        out.r = offered_features_read(root, ADDR, &caps, &src, &w, out.problem, sizeof out.problem);
                (void) !write(fds[1], &out, sizeof out);
                _exit(0);
        }
        close(fds[1]);
        n = read(fds[0], &out, sizeof out);
        close(fds[0]);
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        ck_assert_int_eq(n, (ssize_t) sizeof out);
        snprintf(problem, size, "%s", out.problem);
        return out.r;
}

START_TEST(test_permission_denied)
{
        char problem[EVIDENCE_TEXT_MAX];
        int r;

        r = read_as_nobody(problem, sizeof problem);
        if (r == 1) {
                printf("skip: cannot drop privileges to show a permission problem\n");
                return;
        }
        ck_assert_int_eq(r, -EACCES);
        ck_assert_msg(strstr(problem, "BAR: permission denied on resource4 (needs root with CAP_SYS_ADMIN)") &&
                              strstr(problem, "PCI_CFG window: permission denied on config"),
                      "%s", problem);
        assert_power("auto"); /* could not be changed, and was not */
}
END_TEST

START_TEST(test_lockdown)
{
        char problem[EVIDENCE_TEXT_MAX], cmd[PATH_MAX * 2 + 128];
        int r;

        /* Lockdown "none" selected: still a plain permission problem. */
        snprintf(cmd, sizeof cmd, "mkdir -p '%s/sys/kernel/security' && echo '[none] integrity confidentiality' > "
                 "'%s/sys/kernel/security/lockdown'", root, root);
        ck_assert_int_eq(system(cmd), 0);
        r = read_as_nobody(problem, sizeof problem);
        if (r == 1) {
                printf("skip: cannot drop privileges to show a lockdown problem\n");
                return;
        }
        ck_assert_int_eq(r, -EACCES);
        ck_assert_msg(strstr(problem, "permission denied") && !strstr(problem, "lockdown"), "%s", problem);

        snprintf(cmd, sizeof cmd, "echo 'none [integrity] confidentiality' > '%s/sys/kernel/security/lockdown'", root);
        ck_assert_int_eq(system(cmd), 0);
        ck_assert_int_eq(read_as_nobody(problem, sizeof problem), -EACCES);
        ck_assert_msg(strstr(problem, "BAR: kernel lockdown forbids it") &&
                              strstr(problem, "PCI_CFG window: kernel lockdown forbids it"),
                      "%s", problem);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("offered");
        TCase *tc = tcase_create("offered");
        SRunner *sr;
        int failed;

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_bar);
        tcase_add_test(tc, test_mmap_fails_window);
        tcase_add_test(tc, test_bar_missing_or_short_window);
        tcase_add_test(tc, test_unreadable);
        tcase_add_test(tc, test_permission_denied);
        tcase_add_test(tc, test_lockdown);
        suite_add_tcase(s, tc);
        sr = srunner_create(s);
        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
