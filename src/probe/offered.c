/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading the offered feature word: the only place in src/probe/ that writes (a device register). */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "probe/offered.h"
#include "probe/probe.h"
#include "probe/sysfs.h"
#include "shared/macro.h"

_printf_(3, 4) static void say(char *buf, size_t size, const char *fmt, ...)
{
        va_list ap;

        if (!buf || size == 0)
                return;
        va_start(ap, fmt);
        vsnprintf(buf, size, fmt, ap);
        va_end(ap);
}

/* Under lockdown both paths fail with EPERM even for root: say so, it is the fix the admin needs to know. */
static bool locked_down(const char *root)
{
        char path[PATH_MAX], line[128];

        snprintf(path, sizeof path, "%s/sys/kernel/security/lockdown", strempty(root));
        if (sysfs_read_line(path, line, sizeof line) < 0)
                return false;
        return strstr(line, "[integrity]") || strstr(line, "[confidentiality]");
}

static void explain_errno(const char *root, int err, const char *what, const char *file, char *buf, size_t size)
{
        if ((err == -EPERM || err == -EACCES) && locked_down(root))
                say(buf, size, "%s: kernel lockdown forbids it (%s)", what, strerror(-err));
        else if (err == -EPERM || err == -EACCES)
                say(buf, size, "%s: permission denied on %s (needs root with CAP_SYS_ADMIN)", what, file);
        else if (err == -EINVAL)
                say(buf, size, "%s: %s refused (a driver holds the registers?)", what, file);
        else
                say(buf, size, "%s: %s: %s", what, file, strerror(-err));
}

/* Runtime PM: "auto" lets an idle function sleep (D3hot reads all ones); "on" keeps it awake. */
static int power_hold(const char *path, char *old, size_t old_size)
{
        _cleanup_close_ int fd = -1;
        int r;

        old[0] = 0;
        r = sysfs_read_line(path, old, old_size);
        if (r < 0)
                return r == -ENOENT ? 0 : r; /* no runtime PM: nothing to hold */
        if (streq(old, "on")) {
                old[0] = 0; /* nothing to restore */
                return 0;
        }
        fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
        if (fd < 0 || write(fd, "on", 2) != 2) {
                r = negative_errno();
                old[0] = 0;
                return r;
        }
        return 1;
}

static void power_restore(const char *path, const char *old)
{
        _cleanup_close_ int fd = -1;

        if (!old[0])
                return;
        fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
        if (fd >= 0)
                (void) !write(fd, old, strlen(old));
}

static int read_through_bar(const char *root, const char *address, const VirtioCap *common, uint64_t *ret,
                            char *problem, size_t problem_size)
{
        char path[PATH_MAX], name[16];
        _cleanup_close_ int fd = -1;
        volatile uint32_t *regs;
        uint32_t old_select, lo, hi;
        off_t page, start;
        size_t map_len;
        struct stat st;
        void *map;
        int r;

        snprintf(name, sizeof name, "resource%u", common->bar);
        r = sysfs_pci_path(root, address, name, path, sizeof path);
        if (r < 0)
                return r;

        fd = open(path, O_RDWR | O_CLOEXEC | O_NOCTTY);
        if (fd < 0) {
                r = negative_errno();
                explain_errno(root, r, "BAR", name, problem, problem_size);
                return r;
        }
        if (fstat(fd, &st) < 0)
                return negative_errno();
        /* sysfs gives resourceN the size of the BAR: a capability pointing outside it is not followed. */
        if (st.st_size > 0 && (uint64_t) common->offset + VIRTIO_PCI_COMMON_MIN_LEN > (uint64_t) st.st_size) {
                say(problem, problem_size, "BAR: common configuration at 0x%x lies outside %s (%lld bytes)",
                    common->offset, name, (long long) st.st_size);
                return -ERANGE;
        }

        page = sysconf(_SC_PAGESIZE);
        start = (off_t) common->offset & ~(page - 1);
        map_len = (size_t) ((off_t) common->offset - start) + VIRTIO_PCI_COMMON_MIN_LEN;
        map = mmap(NULL, map_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, start);
        if (map == MAP_FAILED) {
                /* EINVAL while virtio-pci holds the BAR (verified); EPERM under lockdown. */
                r = negative_errno();
                explain_errno(root, r, "BAR", "mmap of resource", problem, problem_size);
                return r;
        }

        regs = (volatile uint32_t *) ((uint8_t *) map + (common->offset - start));
        old_select = regs[VIRTIO_PCI_COMMON_DFSELECT / 4];
        regs[VIRTIO_PCI_COMMON_DFSELECT / 4] = htole32(0);
        lo = le32toh(regs[VIRTIO_PCI_COMMON_DF / 4]);
        regs[VIRTIO_PCI_COMMON_DFSELECT / 4] = htole32(1);
        hi = le32toh(regs[VIRTIO_PCI_COMMON_DF / 4]);
        /* Leave the register as found: a driver that binds later starts from a clean slate either way,
         * but nothing should notice that the guard looked. */
        regs[VIRTIO_PCI_COMMON_DFSELECT / 4] = old_select;
        (void) munmap(map, map_len);

        *ret = (uint64_t) hi << 32 | lo;
        return 0;
}

/* One 32-bit access through the VIRTIO_PCI_CAP_PCI_CFG window (virtio spec 4.1.4.9): program bar, offset,
 * length in the capability, then read or write pci_cfg_data. */
static int window_access(int fd, const VirtioCap *win, const VirtioCap *common, uint32_t reg, uint32_t *value,
                         bool write_it)
{
        uint32_t off = htole32(common->offset + reg), len = htole32(4), data;
        uint8_t bar = common->bar;

        if (pwrite(fd, &bar, 1, win->position + VIRTIO_PCI_CAP_OFF_BAR) != 1 ||
            pwrite(fd, &off, 4, win->position + VIRTIO_PCI_CAP_OFF_OFFSET) != 4 ||
            pwrite(fd, &len, 4, win->position + VIRTIO_PCI_CAP_OFF_LENGTH) != 4)
                return errno > 0 ? -errno : -EIO;

        if (write_it) {
                data = htole32(*value);
                if (pwrite(fd, &data, 4, win->position + VIRTIO_PCI_CFG_CAP_OFF_DATA) != 4)
                        return errno > 0 ? -errno : -EIO;
        } else {
                if (pread(fd, &data, 4, win->position + VIRTIO_PCI_CFG_CAP_OFF_DATA) != 4)
                        return errno > 0 ? -errno : -EIO;
                *value = le32toh(data);
        }
        return 0;
}

static int read_through_window(const char *root, const char *address, const VirtioCap *win, const VirtioCap *common,
                               uint64_t *ret, char *problem, size_t problem_size)
{
        uint32_t old_select, zero = 0, one = 1, lo, hi;
        _cleanup_close_ int fd = -1;
        char path[PATH_MAX];
        int r;

        r = sysfs_pci_path(root, address, "config", path, sizeof path);
        if (r < 0)
                return r;
        fd = open(path, O_RDWR | O_CLOEXEC | O_NOCTTY);
        if (fd < 0) {
                r = negative_errno();
                explain_errno(root, r, "PCI_CFG window", "config", problem, problem_size);
                return r;
        }

        errno = 0;
        if ((r = window_access(fd, win, common, VIRTIO_PCI_COMMON_DFSELECT, &old_select, false)) < 0 ||
            (r = window_access(fd, win, common, VIRTIO_PCI_COMMON_DFSELECT, &zero, true)) < 0 ||
            (r = window_access(fd, win, common, VIRTIO_PCI_COMMON_DF, &lo, false)) < 0 ||
            (r = window_access(fd, win, common, VIRTIO_PCI_COMMON_DFSELECT, &one, true)) < 0 ||
            (r = window_access(fd, win, common, VIRTIO_PCI_COMMON_DF, &hi, false)) < 0 ||
            (r = window_access(fd, win, common, VIRTIO_PCI_COMMON_DFSELECT, &old_select, true)) < 0) {
                explain_errno(root, r, "PCI_CFG window", "config", problem, problem_size);
                return r;
        }

        *ret = (uint64_t) hi << 32 | lo;
        return 0;
}

int offered_features_read(const char *root, const char *address, const VirtioCaps *caps, FeatureSource *ret_source,
                          uint64_t *ret_word, char *problem, size_t problem_size)
{
        char a[PCI_ADDRESS_MAX], power[PATH_MAX], old_power[32], bar_problem[EVIDENCE_TEXT_MAX] = "",
                win_problem[EVIDENCE_TEXT_MAX] = "";
        const VirtioCap *common, *win;
        uint64_t word;
        int r, r_bar;

        say(problem, problem_size, "%s", "");

        if (pci_address_normalize(address, a) < 0) {
                say(problem, problem_size, "malformed PCI address");
                return -EINVAL;
        }
        if (!caps) {
                say(problem, problem_size, "virtio capabilities not read");
                return -EINVAL;
        }
        common = virtio_caps_find(caps, VIRTIO_PCI_CAP_COMMON_CFG);
        if (!common) {
                say(problem, problem_size, "no usable common configuration capability%s%s",
                    caps->problem[0] ? ": " : "", caps->problem);
                return -ENODATA;
        }
        win = virtio_caps_find(caps, VIRTIO_PCI_CAP_PCI_CFG);

        r = sysfs_pci_path(root, a, "power/control", power, sizeof power);
        if (r < 0)
                return r;
        /* A failure to hold it awake is not fatal: a sleeping function reads all ones, which verdict.c
         * rejects as evidence. */
        (void) power_hold(power, old_power, sizeof old_power);

        r_bar = read_through_bar(root, a, common, &word, bar_problem, sizeof bar_problem);
        if (r_bar >= 0) {
                power_restore(power, old_power);
                *ret_source = FEATURE_SOURCE_OFFERED_BAR;
                *ret_word = word;
                return 0;
        }

        if (!win) {
                power_restore(power, old_power);
                say(problem, problem_size, "%s; no PCI_CFG window capability to fall back on", bar_problem);
                return r_bar;
        }

        r = read_through_window(root, a, win, common, &word, win_problem, sizeof win_problem);
        power_restore(power, old_power);
        if (r < 0) {
                say(problem, problem_size, "%s; %s", bar_problem, win_problem);
                return r;
        }

        *ret_source = FEATURE_SOURCE_OFFERED_PCI_CFG;
        *ret_word = word;
        return 0;
}
