/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "testbed.h"
#include "shared/macro.h"

#define STR_(x) #x
#define STR(x) STR_(x)
/* Longer than any test takes under valgrind on a slow machine (each takes seconds at most). */
#define TESTBED_NOFORK_TIMEOUT 150

static void xmkdir_p(const char *path)
{
        char buf[4096];

        snprintf(buf, sizeof buf, "%s", path);
        for (char *p = buf + 1; *p; p++)
                if (*p == '/') {
                        *p = '\0';
                        (void) mkdir(buf, 0755);
                        *p = '/';
                }
        (void) mkdir(buf, 0755);
}

static void xwrite(const char *path, const void *data, size_t len, unsigned mode)
{
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode ? mode : 0644);
        ck_assert_msg(fd >= 0, "cannot create %s: %m", path);
        ck_assert_int_eq(write(fd, data, len), (ssize_t) len);
        if (mode)
                (void) fchmod(fd, mode); /* past the umask */
        close(fd);
}

void testbed_write(Testbed *t, const char *relpath, const char *text, unsigned mode)
{
        char path[4096], dir[4096];

        snprintf(path, sizeof path, "%s/%s", t->root, relpath);
        snprintf(dir, sizeof dir, "%s", path);
        *strrchr(dir, '/') = '\0';
        xmkdir_p(dir);
        xwrite(path, text, strlen(text), mode);
}

char *testbed_read(Testbed *t, const char *relpath)
{
        char path[4096], buf[4096];
        ssize_t k;
        int fd;

        snprintf(path, sizeof path, "%s/%s", t->root, relpath);
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        if (fd < 0)
                return NULL;
        k = read(fd, buf, sizeof buf - 1);
        close(fd);
        if (k < 0)
                return NULL;
        buf[k] = '\0';
        return strdup(buf);
}

char *testbed_override(Testbed *t, const char *address)
{
        char rel[256];
        char *s;

        snprintf(rel, sizeof rel, "sys/bus/pci/devices/%s/driver_override", address);
        s = testbed_read(t, rel);
        ck_assert_msg(s, "no driver_override for %s", address);
        s[strcspn(s, "\n")] = '\0';
        return s;
}

static void driver_dir(Testbed *t, const char *driver)
{
        char rel[256];

        snprintf(rel, sizeof rel, "sys/bus/pci/drivers/%s/bind", driver);
        testbed_write(t, rel, "", 0);
        snprintf(rel, sizeof rel, "sys/bus/pci/drivers/%s/unbind", driver);
        testbed_write(t, rel, "", 0);
        snprintf(rel, sizeof rel, "sys/bus/pci/drivers/%s/new_id", driver);
        testbed_write(t, rel, "", 0);
}

/* check times a test out only when it forks one process per test. Under valgrind (CK_FORK=no) a test that
 * hangs would run into meson's timeout, with no word of which test it was: say so and end. */
static void on_nofork_timeout(int sig)
{
        const char *name = tcase_name();
        static const char what[] = ": no end after " STR(TESTBED_NOFORK_TIMEOUT) " s (CK_FORK=no: check's own timeout "
                                   "does not apply); giving up\n";

        (void) !write(STDERR_FILENO, name ? name : "a test", name ? strlen(name) : 6);
        (void) !write(STDERR_FILENO, what, sizeof what - 1);
        _exit(124);
}

static void nofork_watchdog(unsigned seconds)
{
        const char *fork_mode = getenv("CK_FORK");

        if (!fork_mode || !streq(fork_mode, "no"))
                return;
        if (seconds)
                (void) signal(SIGALRM, on_nofork_timeout);
        alarm(seconds);
}

Testbed *testbed_new(void)
{
        Testbed *t = calloc(1, sizeof *t);

        nofork_watchdog(TESTBED_NOFORK_TIMEOUT);

        ck_assert(t);
        ck_assert_msg(getenv("LD_PRELOAD") && strstr(getenv("LD_PRELOAD"), "libumockdev-preload"),
                      "run under umockdev (LD_PRELOAD=libumockdev-preload.so.0)");
        t->tb = umockdev_testbed_new();
        ck_assert(umockdev_in_mock_environment());
        t->root = umockdev_testbed_get_root_dir(t->tb);
        /* Rule zero, once more: everything the guard touches must be below the testbed. */
        ck_assert(t->root && strneq(t->root, "/tmp/", 5));

        driver_dir(t, "virtio-pci");
        driver_dir(t, "vfio-pci");
        driver_dir(t, "e1000e");
        testbed_write(t, "sys/bus/pci/drivers_probe", "", 0);
        testbed_write(t, "proc/1/comm", "init\n", 0);
        return t;
}

void testbed_free(Testbed *t)
{
        if (!t)
                return;
        nofork_watchdog(0);
        g_object_unref(t->tb);
        g_free(t->root);
        free(t);
}

/* An lspci -x dump (tests/fixtures/pci) into 256 bytes. */
static void read_lspci(const char *name, uint8_t config[256])
{
        const char *dir = getenv("FIXTURES");
        char path[4096], line[512];
        FILE *f;

        memset(config, 0, 256);
        snprintf(path, sizeof path, "%s/pci/%s.lspci", dir ? dir : "tests/fixtures", name);
        f = fopen(path, "re");
        ck_assert_msg(f, "cannot open fixture %s: %m", path);
        while (fgets(line, sizeof line, f)) {
                unsigned off, b;
                char *p;
                int n;

                if (sscanf(line, "%x:%n", &off, &n) != 1 || line[2] != ':' || off > 0xf0)
                        continue;
                p = line + n;
                for (unsigned i = 0; i < 16 && sscanf(p, " %2x%n", &b, &n) == 1; i++, p += n)
                        config[off + i] = (uint8_t) b;
        }
        fclose(f);
}

static void set_attr(Testbed *t, const char *syspath, const char *name, const char *fmt, unsigned v)
{
        char buf[64];

        snprintf(buf, sizeof buf, fmt, v);
        umockdev_testbed_set_attribute(t->tb, syspath, name, buf);
}

char *testbed_add(Testbed *t, const char *address, MockKind kind, const char *driver, int group)
{
        static const char *const fixture[] = {
                [MOCK_BYPASS] = "q35-virtio-net-transitional",
                [MOCK_TRANSLATED] = "q35-virtio-net-modern-access-platform",
                [MOCK_LEGACY_ONLY] = "q35-virtio-net-legacy-only",
                [MOCK_UNKNOWN] = "q35-virtio-rng-modern-access-platform",
        };
        static const char *const features[] = {
                [MOCK_BYPASS] = FEATURES_BYPASS,
                [MOCK_TRANSLATED] = FEATURES_TRANSLATED,
                [MOCK_LEGACY_ONLY] = FEATURES_LEGACY,
                [MOCK_UNKNOWN] = FEATURES_ZERO,
        };
        uint8_t config[256];
        char *syspath, path[4096], target[4096], modalias[128];
        unsigned vendor, device, sv, sd, rev, class;

        if (kind == MOCK_NOT_VIRTIO) {
                memset(config, 0, sizeof config);
                config[0] = 0x86, config[1] = 0x80, config[2] = 0xd3, config[3] = 0x10;
                config[0x0b] = 0x02; /* network controller */
                config[0x0e] = 0x00;
        } else
                read_lspci(fixture[kind], config);
        vendor = config[0] | config[1] << 8;
        device = config[2] | config[3] << 8;
        rev = config[8];
        class = config[9] | config[10] << 8 | config[11] << 16;
        sv = config[0x2c] | config[0x2d] << 8;
        sd = config[0x2e] | config[0x2f] << 8;
        snprintf(modalias, sizeof modalias, "pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X", vendor, device, sv, sd,
                 class >> 16, (class >> 8) & 0xff, class & 0xff);

        syspath = umockdev_testbed_add_device(t->tb, "pci", address, NULL,
                                              "driver_override", "(null)\n", "modalias", modalias, NULL,
                                              "PCI_SLOT_NAME", address, "MODALIAS", modalias, NULL);
        ck_assert(syspath);
        set_attr(t, syspath, "vendor", "0x%04x\n", vendor);
        set_attr(t, syspath, "device", "0x%04x\n", device);
        set_attr(t, syspath, "subsystem_vendor", "0x%04x\n", sv);
        set_attr(t, syspath, "subsystem_device", "0x%04x\n", sd);
        set_attr(t, syspath, "revision", "0x%02x\n", rev);
        set_attr(t, syspath, "class", "0x%06x\n", class);
        umockdev_testbed_set_attribute_binary(t->tb, syspath, "config", config, sizeof config);
        umockdev_testbed_set_attribute(t->tb, syspath, "power/control", "on\n");

        if (group >= 0) {
                char rel[256];
                snprintf(rel, sizeof rel, "sys/kernel/iommu_groups/%d/type", group);
                testbed_write(t, rel, "DMA\n", 0);
                snprintf(path, sizeof path, "%s%s/iommu_group", t->root, syspath);
                snprintf(target, sizeof target, "%s/sys/kernel/iommu_groups/%d", t->root, group);
                ck_assert_int_eq(symlink(target, path), 0);
        }

        if (kind != MOCK_NOT_VIRTIO && driver && streq(driver, "virtio-pci")) {
                char name[32];
                snprintf(name, sizeof name, "virtio%u", t->n_virtio++);
                g_free(umockdev_testbed_add_device(t->tb, "virtio", name, syspath, "features", features[kind],
                                                   NULL, NULL));
        }
        testbed_set_driver(t, address, driver);
        return syspath;
}

void testbed_set_driver(Testbed *t, const char *address, const char *driver)
{
        char link[4096], target[4096];

        snprintf(link, sizeof link, "%s/sys/bus/pci/devices/%s/driver", t->root, address);
        (void) unlink(link);
        if (!driver)
                return;
        snprintf(target, sizeof target, "%s/sys/bus/pci/drivers/%s", t->root, driver);
        ck_assert_msg(symlink(target, link) == 0, "symlink %s: %m", link);
}

void testbed_uevent(Testbed *t, const char *syspath, const char *action, const char *driver)
{
        umockdev_testbed_set_property(t->tb, syspath, "DRIVER", driver ? driver : "");
        umockdev_testbed_uevent(t->tb, syspath, action);
}

void testbed_kernel_bind(Testbed *t, const char *address, const char *driver)
{
        char syspath[256];

        snprintf(syspath, sizeof syspath, "/sys/devices/%s", address);
        testbed_set_driver(t, address, driver);
        testbed_uevent(t, syspath, driver ? "bind" : "unbind", driver);
}

void testbed_remove(Testbed *t, const char *address)
{
        char syspath[256];

        snprintf(syspath, sizeof syspath, "/sys/devices/%s", address);
        umockdev_testbed_remove_device(t->tb, syspath);
}

void testbed_set_bar(Testbed *t, const char *address, unsigned bar, uint32_t word32)
{
        uint8_t bar_bytes[0x1000] = {};
        char path[4096];

        for (unsigned i = 0; i < 4; i++)
                bar_bytes[4 + i] = (uint8_t) (word32 >> (8 * i));
        snprintf(path, sizeof path, "%s/sys/bus/pci/devices/%s/resource%u", t->root, address, bar);
        xwrite(path, bar_bytes, sizeof bar_bytes, 0600);
}

void testbed_add_holder(Testbed *t, int pid, const char *comm, const char *target)
{
        char rel[256], link[4096 + 8], dir[4096];

        snprintf(rel, sizeof rel, "proc/%d/comm", pid);
        testbed_write(t, rel, comm, 0);
        snprintf(dir, sizeof dir, "%s/proc/%d/fd", t->root, pid);
        xmkdir_p(dir);
        snprintf(link, sizeof link, "%s/7", dir);
        ck_assert_int_eq(symlink(target, link), 0);
}

/* ---- the guard ---- */

Guard *testbed_guard(Testbed *t, Seen *seen, bool enforce, uint64_t unbind_timeout_usec)
{
        sd_event *e = NULL;
        Guard *g = NULL;

        ck_assert_int_ge(sd_event_new(&e), 0);
        ck_assert_int_ge(guard_new(&(GuardOptions){
                                           .root = t->root,
                                           .enforce = enforce,
                                           .monitor = true,
                                           .unbind_timeout_usec = unbind_timeout_usec,
                                           .sink = seen_sink,
                                           .sink_userdata = seen,
                                           .event = e,
                                   },
                                   &g),
                         0);
        sd_event_unref(e);
        return g;
}

Guard *testbed_guard_kernel(Testbed *t, Seen *seen, bool enforce, const KernelOps *ops, void *ops_userdata)
{
        sd_event *e = NULL;
        Guard *g = NULL;

        ck_assert_int_ge(sd_event_new(&e), 0);
        ck_assert_int_ge(guard_new(&(GuardOptions){
                                           .root = t->root,
                                           .enforce = enforce,
                                           .monitor = true,
                                           .sink = seen_sink,
                                           .sink_userdata = seen,
                                           .event = e,
                                           .kernel_ops = ops,
                                           .kernel_ops_userdata = ops_userdata,
                                   },
                                   &g),
                         0);
        sd_event_unref(e);
        return g;
}

static uint64_t now_usec(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000;
}

bool testbed_run_until(Guard *g, bool (*cond)(Guard *g, void *userdata), void *userdata, uint64_t timeout_usec)
{
        uint64_t end = now_usec() + timeout_usec;

        while (!cond(g, userdata)) {
                if (now_usec() >= end)
                        return false;
                ck_assert_int_ge(sd_event_run(guard_get_event(g), 20000), 0);
        }
        return true;
}

void testbed_settle(Guard *g, uint64_t usec)
{
        uint64_t end = now_usec() + usec;

        while (now_usec() < end)
                ck_assert_int_ge(sd_event_run(guard_get_event(g), end - now_usec()), 0);
}

/* ---- the sink ---- */

static char *dup_or_null(const char *s)
{
        return s ? strdup(s) : NULL;
}

void seen_sink(const GuardEvent *ev, void *userdata)
{
        Seen *s = userdata;
        SeenEvent *n;

        n = realloc(s->items, (s->n + 1) * sizeof *n);
        ck_assert(n);
        s->items = n;
        s->items[s->n++] = (SeenEvent){
                .kind = ev->kind,
                .priority = ev->priority,
                .message = dup_or_null(ev->message),
                .device = dup_or_null(ev->device),
                .action = dup_or_null(ev->action),
                .holders = dup_or_null(ev->holders),
                .config_file = dup_or_null(ev->config_file),
                .verdict = dup_or_null(ev->verdict),
                .decision = dup_or_null(ev->decision),
                .driver = dup_or_null(ev->driver),
                .enforcement = dup_or_null(ev->enforcement),
                .pid = dup_or_null(ev->pid),
                .comm = dup_or_null(ev->comm),
                .uid = dup_or_null(ev->uid),
                .attempt = dup_or_null(ev->attempt),
                .node = dup_or_null(ev->node),
                .config_line = ev->config_line,
        };
        if (getenv("TEST_VERBOSE"))
                event_sink_stderr(ev, NULL);
}

void seen_clear(Seen *s)
{
        for (size_t i = 0; i < s->n; i++) {
                SeenEvent *e = &s->items[i];
                free(e->message), free(e->device), free(e->action), free(e->holders), free(e->config_file);
                free(e->verdict), free(e->decision), free(e->driver);
                free(e->enforcement), free(e->pid), free(e->comm), free(e->uid), free(e->attempt), free(e->node);
        }
        free(s->items);
        *s = (Seen){};
}

static bool matches(const SeenEvent *e, EventKind kind, const char *device, const char *action)
{
        return e->kind == kind && (!device || (e->device && streq(e->device, device))) &&
               (!action || (e->action && streq(e->action, action)));
}

unsigned seen_count(const Seen *s, EventKind kind, const char *device, const char *action)
{
        unsigned n = 0;

        for (size_t i = 0; i < s->n; i++)
                n += matches(&s->items[i], kind, device, action);
        return n;
}

const SeenEvent *seen_find(const Seen *s, EventKind kind, const char *device)
{
        for (size_t i = 0; i < s->n; i++)
                if (matches(&s->items[i], kind, device, NULL))
                        return &s->items[i];
        return NULL;
}

void seen_dump(const Seen *s)
{
        for (size_t i = 0; i < s->n; i++)
                fprintf(stderr, "  [%s] %s (action=%s)\n", event_kind_to_string(s->items[i].kind), s->items[i].message,
                        strna(s->items[i].action));
}
