/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfio-guardd against a umockdev testbed: coldplug, hot add, binds of vfio-pci, audit mode, policy, reload,
 * restart, bad uevents and a stuck unbind. Every write the guard makes lands in the testbed's files, which the
 * tests read back; nothing here may reach the real /sys (run through tests/ro-sys).
 */
#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <syslog.h>

#include "testbed.h"
#include "probe/record.h"
#include "shared/macro.h"

#define SEC 1000000ULL

#define A_BYPASS     "0000:00:03.0"
#define A_TRANSLATED "0000:00:04.0"
#define A_LEGACY     "0000:00:05.0"
#define A_NIC        "0000:00:06.0"
#define A_UNKNOWN    "0000:00:07.0"
#define A_HOT        "0000:00:08.0"

static Testbed *t;
static Seen seen;

static void setup(void)
{
        t = testbed_new();
        seen = (Seen){};
}

/* The unbind children a test left (a spare let go that has not ended yet, a child a test left blocked): ended and
 * reaped, so that under valgrind, where all tests share one process, the next test starts without them. */
static void end_children(void)
{
        _cleanup_free_ char *children = NULL;
        char path[128];

        snprintf(path, sizeof path, "/proc/self/task/%d/children", (int) getpid());
        if (!g_file_get_contents(path, &children, NULL, NULL))
                return;
        for (char *tok = strtok(children, " \n"); tok; tok = strtok(NULL, " \n")) {
                pid_t pid = atoi(tok);
                (void) kill(pid, SIGKILL);
                (void) waitpid(pid, NULL, 0);
        }
}

static void teardown(void)
{
        end_children();
        seen_clear(&seen);
        testbed_free(t);
        t = NULL;
}

static void assert_override(const char *address, const char *expected)
{
        _cleanup_free_ char *s = testbed_override(t, address);
        ck_assert_msg(streq(s, expected), "%s: driver_override \"%s\", expected \"%s\"", address, s, expected);
}

static void assert_file(const char *rel, const char *expected)
{
        _cleanup_free_ char *s = testbed_read(t, rel);
        ck_assert_msg(s, "%s is missing", rel);
        ck_assert_msg(streq(s, expected), "%s: \"%s\", expected \"%s\"", rel, s, expected);
}

static char *record_value(const char *address, const char *key)
{
        char rel[256];
        _cleanup_free_ char *s = NULL;
        char *p, *end;

        snprintf(rel, sizeof rel, "run/vfio-guard/functions/%s", address);
        s = testbed_read(t, rel);
        if (!s)
                return NULL;
        for (p = s; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
                if (strneq(p, key, strlen(key)) && p[strlen(key)] == '=') {
                        p += strlen(key) + 1;
                        end = strchr(p, '\n');
                        return strndup(p, end ? (size_t) (end - p) : strlen(p));
                }
        return NULL;
}

static void assert_record(const char *address, const char *key, const char *expected)
{
        _cleanup_free_ char *v = record_value(address, key);
        ck_assert_msg(v, "%s: no %s in the record", address, key);
        ck_assert_msg(streq(v, expected), "%s: record %s=%s, expected %s", address, key, v, expected);
}

/* Every attribute a guard could write, empty: the "nothing written" baseline. */
static void assert_nothing_written(void)
{
        assert_file("sys/bus/pci/drivers/vfio-pci/unbind", "");
        assert_file("sys/bus/pci/drivers/virtio-pci/bind", "");
        assert_file("sys/bus/pci/drivers/virtio-pci/unbind", "");
        assert_file("sys/bus/pci/drivers_probe", "");
}

static void add_mixed_set(void)
{
        g_free(testbed_add(t, A_BYPASS, MOCK_BYPASS, "virtio-pci", 3));
        g_free(testbed_add(t, A_TRANSLATED, MOCK_TRANSLATED, "virtio-pci", 4));
        g_free(testbed_add(t, A_LEGACY, MOCK_LEGACY_ONLY, "virtio-pci", 5));
        g_free(testbed_add(t, A_NIC, MOCK_NOT_VIRTIO, "e1000e", 6));
}

static bool no_unbind_in_flight(Guard *g, void *userdata)
{
        return guard_unbinds_in_flight(g) == 0;
}

static bool seen_kind(Guard *g, void *userdata)
{
        return seen_count(&seen, *(EventKind *) userdata, NULL, NULL) > 0;
}

static bool seen_repin(Guard *g, void *userdata)
{
        return seen_count(&seen, EVENT_PINNED, userdata, "re-pin") > 0;
}

typedef struct RepinWait {
        const char *address;
        unsigned n;
} RepinWait;

static bool seen_repins(Guard *g, void *userdata)
{
        const RepinWait *w = userdata;
        return seen_count(&seen, EVENT_PINNED, w->address, "re-pin") >= w->n;
}

/* After a write over a pin: until the watch has put it back (the pin thread is idle again). A child forked
 * while that thread is inside umockdev's preload could inherit the preload's lock held (it has no fork
 * handlers), so the tests that make the guard fork on the spot wait for this first. */
static void wait_watch_repin(Guard *g, const char *address)
{
        RepinWait w = { address, seen_count(&seen, EVENT_PINNED, address, "re-pin") + 1 };
        ck_assert(testbed_run_until(g, seen_repins, &w, 5 * SEC));
}

/* Whether any inotify descriptor of this process watches the function's driver_override (from the kernel's
 * own account in /proc/self/fdinfo, not from the guard's state). */
static bool watched(const char *address)
{
        _cleanup_free_ char *path = g_strdup_printf("%s/sys/bus/pci/devices/%s/driver_override", t->root, address);
        struct stat st;
        DIR *d;
        struct dirent *de;
        bool found = false;

        ck_assert_msg(stat(path, &st) == 0, "stat %s: %m", path);
        d = opendir("/proc/self/fd");
        ck_assert(d);
        while (!found && (de = readdir(d))) {
                char link[300], target[64], line[512];
                ssize_t k;
                FILE *f;

                snprintf(link, sizeof link, "/proc/self/fd/%s", de->d_name);
                k = readlink(link, target, sizeof target - 1);
                if (k < 0)
                        continue;
                target[k] = '\0';
                if (!streq(target, "anon_inode:inotify"))
                        continue;
                snprintf(link, sizeof link, "/proc/self/fdinfo/%s", de->d_name);
                f = fopen(link, "re");
                if (!f)
                        continue;
                while (fgets(line, sizeof line, f)) {
                        unsigned long ino;
                        unsigned sdev;
                        char *p = strstr(line, " ino:");

                        if (!strneq(line, "inotify wd:", 11) || !p || sscanf(p, " ino:%lx sdev:%x", &ino, &sdev) != 2)
                                continue;
                        /* sdev is the kernel's encoding: major << 20 | minor. */
                        if (ino == st.st_ino && sdev >> 20 == major(st.st_dev) && (sdev & 0xfffff) == minor(st.st_dev))
                                found = true;
                }
                fclose(f);
        }
        closedir(d);
        return found;
}

/* ---- coldplug ---- */

START_TEST(test_coldplug_mixed)
{
        _cleanup_(guard_freep) Guard *g = NULL;

        add_mixed_set();
        g = testbed_guard(t, &seen, true, 0);
        ck_assert_int_eq(guard_start(g), 0);
        ck_assert(guard_is_ready(g));

        assert_override(A_BYPASS, "virtio-pci");
        assert_override(A_LEGACY, "virtio-pci");
        assert_override(A_TRANSLATED, "(null)");
        assert_override(A_NIC, "(null)");
        assert_nothing_written();

        ck_assert_uint_eq(seen_count(&seen, EVENT_CLASSIFIED, NULL, NULL), 3);
        ck_assert_uint_eq(seen_count(&seen, EVENT_CLASSIFIED, A_NIC, NULL), 0);
        ck_assert_uint_eq(seen_count(&seen, EVENT_PINNED, A_BYPASS, "pin"), 1);
        ck_assert_uint_eq(seen_count(&seen, EVENT_PINNED, A_LEGACY, "pin"), 1);
        ck_assert_uint_eq(seen_count(&seen, EVENT_PINNED, A_TRANSLATED, NULL), 0);
        ck_assert_uint_eq(seen_count(&seen, EVENT_STARTED, NULL, NULL), 1);
        ck_assert_str_eq(seen_find(&seen, EVENT_CLASSIFIED, A_BYPASS)->verdict, "bypass");
        ck_assert_str_eq(seen_find(&seen, EVENT_CLASSIFIED, A_BYPASS)->decision, "refuse");
        ck_assert_str_eq(seen_find(&seen, EVENT_CLASSIFIED, A_TRANSLATED)->verdict, "translated");
        ck_assert_str_eq(seen_find(&seen, EVENT_CLASSIFIED, A_TRANSLATED)->decision, "allow");

        assert_record(A_BYPASS, "VERDICT", "bypass");
        assert_record(A_BYPASS, "DECISION", "refuse");
        assert_record(A_BYPASS, "PINNED_BY_GUARD", "1");
        assert_record(A_TRANSLATED, "DECISION", "allow");
        assert_record(A_TRANSLATED, "PINNED_BY_GUARD", "0");
        assert_record(A_LEGACY, "TRANSPORT", "legacy-only");
        ck_assert_ptr_null(testbed_read(t, "run/vfio-guard/functions/" A_NIC));

        ck_assert_str_eq(guard_status(g), "3 virtio functions: 2 bypass, 1 translated; 2 pinned; 0 vfio bindings refused; reactive");
}
END_TEST

/* ---- hot add, and a briefly unknown function released once its driver negotiated ---- */

static bool override_is(Guard *g, void *userdata)
{
        const char **want = userdata;
        _cleanup_free_ char *s = testbed_override(t, want[0]);
        return streq(s, want[1]);
}

START_TEST(test_hot_add)
{
        _cleanup_(guard_freep) Guard *g = NULL;
        _cleanup_free_ char *syspath = NULL;

        g = testbed_guard(t, &seen, true, 0);
        ck_assert_int_eq(guard_start(g), 0);
        ck_assert_str_eq(guard_status(g), "0 virtio functions: 0 bypass, 0 translated; 0 pinned; 0 vfio bindings refused; reactive");

        syspath = testbed_add(t, A_HOT, MOCK_BYPASS, NULL, 8);
        testbed_uevent(t, syspath, "add", NULL);
        ck_assert(testbed_run_until(g, override_is, (const char *[]){ A_HOT, "virtio-pci" }, 5 * SEC));
        ck_assert_uint_eq(seen_count(&seen, EVENT_PINNED, A_HOT, "pin"), 1);
        assert_record(A_HOT, "PINNED_BY_GUARD", "1");

        /* remove: forgotten, record gone */
        testbed_uevent(t, syspath, "remove", NULL);
        testbed_remove(t, A_HOT);
        testbed_settle(g, SEC / 4);
        ck_assert_ptr_null(testbed_read(t, "run/vfio-guard/functions/" A_HOT));
        ck_assert_str_eq(guard_status(g), "0 virtio functions: 0 bypass, 0 translated; 0 pinned; 0 vfio bindings refused; reactive");
}
END_TEST

START_TEST(test_unknown_released_on_virtio_bind)
{
        _cleanup_(guard_freep) Guard *g = NULL;
        _cleanup_free_ char *syspath = NULL;
        char rel[256];

        syspath = testbed_add(t, A_UNKNOWN, MOCK_UNKNOWN, "virtio-pci", 7);
        g = testbed_guard(t, &seen, true, 0);
        ck_assert_int_eq(guard_start(g), 0);
        /* virtio-pci bound, no device driver yet: all zeros, not evidence → unknown → refused, pinned. */
        ck_assert_str_eq(seen_find(&seen, EVENT_CLASSIFIED, A_UNKNOWN)->verdict, "unknown");
        assert_override(A_UNKNOWN, "virtio-pci");

        /* virtio_rng loads and binds: the negotiated word says bit 33 → translated → the guard's pin goes. */
        snprintf(rel, sizeof rel, "sys/devices/%s/virtio0/features", A_UNKNOWN);
        testbed_write(t, rel, FEATURES_TRANSLATED "\n", 0);
        _cleanup_free_ char *vpath = g_strdup_printf("%s/virtio0", syspath);
        testbed_uevent(t, vpath, "bind", "virtio_rng");
        ck_assert(testbed_run_until(g, override_is, (const char *[]){ A_UNKNOWN, "" }, 5 * SEC));
        ck_assert_uint_eq(seen_count(&seen, EVENT_PIN_LIFTED, A_UNKNOWN, "lift-pin"), 1);
        assert_record(A_UNKNOWN, "VERDICT", "translated");
        assert_record(A_UNKNOWN, "PINNED_BY_GUARD", "0");
}
END_TEST

/* ---- the queue of re-decisions ---- */

/* Each uevent pushes the queued re-decision back (a bind sequence is a stream of uevents), but a steady stream
 * does not starve it: driverctl unset-override (no uevent), then the native driver's bind uevent every 50 ms,
 * less than the queue's delay apart; the pin still comes back, within the queue's longest wait. */
/* The common start: a refused (bypass) function on virtio-pci, and an enforcing guard started. ret_syspath: the
 * function's device path, for uevents (NULL: not wanted). */
static Guard *guard_on_bypass(char **ret_syspath)
{
        char *syspath = testbed_add(t, A_BYPASS, MOCK_BYPASS, "virtio-pci", 3);
        Guard *g;

        g = testbed_guard(t, &seen, true, 0);
        ck_assert_int_eq(guard_start(g), 0);
        assert_override(A_BYPASS, "virtio-pci");
        if (ret_syspath)
                *ret_syspath = syspath;
        else
                g_free(syspath);
        return g;
}

START_TEST(test_queued_decide_not_starved)
{
        _cleanup_(guard_freep) Guard *g = NULL;
        _cleanup_free_ char *syspath = NULL;
        bool restored = false;

        g = guard_on_bypass(&syspath);

        testbed_write(t, "sys/bus/pci/devices/" A_BYPASS "/driver_override", "\n", 0);
        for (unsigned i = 0; i < 60 && !restored; i++) {
                testbed_uevent(t, syspath, "bind", "virtio-pci");
                testbed_settle(g, SEC / 20);
                restored = override_is(g, (const char *[]){ A_BYPASS, "virtio-pci" });
        }
        ck_assert(restored);
}
END_TEST

/* ---- vfio-pci binds ---- */

START_TEST(test_bind_vfio_bypass)
{
        _cleanup_(guard_freep) Guard *g = NULL;

        g = guard_on_bypass(NULL);

        /* What libvirt does: rewrite driver_override, unbind virtio-pci, bind vfio-pci. */
        testbed_write(t, "sys/bus/pci/devices/" A_BYPASS "/driver_override", "vfio-pci\n", 0);
        testbed_kernel_bind(t, A_BYPASS, NULL);
        /* The unbind uevent re-checked the pin (in the daemon's pin thread: wait for its outcome). */
        ck_assert(testbed_run_until(g, seen_repin, (void *) A_BYPASS, 5 * SEC));
        testbed_settle(g, SEC / 5);
        assert_override(A_BYPASS, "virtio-pci");
        ck_assert_uint_eq(seen_count(&seen, EVENT_PINNED, A_BYPASS, "re-pin"), 1);

        /* Someone rewrites it again (the watch puts the pin back) and vfio-pci binds anyway. */
        testbed_write(t, "sys/bus/pci/devices/" A_BYPASS "/driver_override", "vfio-pci\n", 0);
        wait_watch_repin(g, A_BYPASS);
        testbed_kernel_bind(t, A_BYPASS, "vfio-pci");
        ck_assert(testbed_run_until(g, (bool (*)(Guard *, void *)) seen_kind, &(EventKind){ EVENT_UNBOUND }, 5 * SEC));
        ck_assert(no_unbind_in_flight(g, NULL));

        assert_file("sys/bus/pci/drivers/vfio-pci/unbind", A_BYPASS);
        assert_override(A_BYPASS, "virtio-pci");
        assert_file("sys/bus/pci/drivers_probe", A_BYPASS);
        ck_assert_uint_eq(seen_count(&seen, EVENT_BIND_REFUSED, A_BYPASS, "unbind"), 1);
        ck_assert_uint_eq(seen_count(&seen, EVENT_UNBOUND, A_BYPASS, "unbind,re-pin,reprobe"), 1);
        ck_assert_str_eq(seen_find(&seen, EVENT_BIND_REFUSED, A_BYPASS)->driver, "vfio-pci");
        ck_assert(strstr(guard_status(g), "1 vfio binding refused"));
}
END_TEST

/* The libvirt sequence back to back: the pin thread's re-pin after the unbind uevent, then at once the vfio bind
 * (its override rewritten after the re-pin). The re-pin's journal entry waits a little, but the journal keeps
 * the order: re-pin, refused, unbound. */
START_TEST(test_repin_then_bind_order)
{
        _cleanup_(guard_freep) Guard *g = NULL;

        g = guard_on_bypass(NULL);

        testbed_write(t, "sys/bus/pci/devices/" A_BYPASS "/driver_override", "vfio-pci\n", 0);
        testbed_kernel_bind(t, A_BYPASS, NULL);
        ck_assert(testbed_run_until(g, override_is, (const char *[]){ A_BYPASS, "virtio-pci" }, 5 * SEC));

        testbed_write(t, "sys/bus/pci/devices/" A_BYPASS "/driver_override", "vfio-pci\n", 0);
        testbed_kernel_bind(t, A_BYPASS, "vfio-pci");
        ck_assert(testbed_run_until(g, (bool (*)(Guard *, void *)) seen_kind, &(EventKind){ EVENT_UNBOUND }, 5 * SEC));

        const SeenEvent *repin = NULL;
        const SeenEvent *refused = seen_find(&seen, EVENT_BIND_REFUSED, A_BYPASS);
        const SeenEvent *unbound = seen_find(&seen, EVENT_UNBOUND, A_BYPASS);
        for (size_t i = 0; i < seen.n && !repin; i++)
                if (seen.items[i].kind == EVENT_PINNED && seen.items[i].action && streq(seen.items[i].action, "re-pin"))
                        repin = &seen.items[i];
        ck_assert_ptr_nonnull(repin);
        ck_assert_ptr_nonnull(refused);
        ck_assert(repin < refused);
        ck_assert(refused < unbound);
        /* The second rewrite may be pinned back too, by the watch on driver_override (pin-watch.c), before the
         * bind uevent is seen or after: one re-pin or two, never none. */
        ck_assert_uint_ge(seen_count(&seen, EVENT_PINNED, A_BYPASS, "re-pin"), 1);
        ck_assert_uint_le(seen_count(&seen, EVENT_PINNED, A_BYPASS, "re-pin"), 2);
        assert_override(A_BYPASS, "virtio-pci");
}
END_TEST

/* ---- the spare unbind child ---- */

/* The pid of this process's child named vfio-guard-unb (the guard's spare), or 0. */
/* A child killed but not reaped yet (an earlier test's spare let go while, under valgrind, it took longer to die than
 * the guard waits for: the tests share one process there). */
static bool child_is_zombie(const char *pid)
{
        _cleanup_free_ char *stat = NULL;
        char path[128];
        const char *p;

        snprintf(path, sizeof path, "/proc/%s/stat", pid);
        if (!g_file_get_contents(path, &stat, NULL, NULL))
                return true; /* gone */
        p = strrchr(stat, ')');
        return !p || p[1] != ' ' || p[2] == 'Z' || p[2] == 'X';
}

static pid_t spare_child(void)
{
        _cleanup_free_ char *children = NULL;
        char path[128], comm[64];
        pid_t found = 0;

        snprintf(path, sizeof path, "/proc/self/task/%d/children", (int) getpid());
        if (!g_file_get_contents(path, &children, NULL, NULL))
                return 0;
        for (char *tok = strtok(children, " \n"); tok; tok = strtok(NULL, " \n")) {
                _cleanup_free_ char *c = NULL;
                snprintf(path, sizeof path, "/proc/%s/comm", tok);
                if (!g_file_get_contents(path, &c, NULL, NULL))
                        continue;
                snprintf(comm, sizeof comm, "%s", c);
                comm[strcspn(comm, "\n")] = '\0';
                if (streq(comm, "vfio-guard-unb") && !child_is_zombie(tok))
                        found = atoi(tok);
        }
        return found;
}

static bool spare_present(Guard *g, void *userdata)
{
        pid_t other = userdata ? *(pid_t *) userdata : 0;
        pid_t p = spare_child();
        return p > 0 && p != other;
}

/* A refused function on virtio-pci, the guard started, and its spare (forked once the loop is idle). */
static Guard *guard_with_spare(pid_t *ret_spare)
{
        Guard *g = guard_on_bypass(NULL);

        ck_assert(testbed_run_until(g, spare_present, NULL, 5 * SEC));
        *ret_spare = spare_child();
        return g;
}

START_TEST(test_spare_gone)
{
        _cleanup_(guard_freep) Guard *g = NULL;
        pid_t spare;

        g = guard_with_spare(&spare);

        /* The spare dies before it gets a job: the bind is still unbound (by a child forked on the spot), and
         * the dead spare is reaped, not left a zombie. */
        ck_assert_int_eq(kill(spare, SIGKILL), 0);
        testbed_write(t, "sys/bus/pci/devices/" A_BYPASS "/driver_override", "vfio-pci\n", 0);
        wait_watch_repin(g, A_BYPASS);
        testbed_kernel_bind(t, A_BYPASS, "vfio-pci");
        ck_assert(testbed_run_until(g, (bool (*)(Guard *, void *)) seen_kind, &(EventKind){ EVENT_UNBOUND }, 5 * SEC));
        assert_file("sys/bus/pci/drivers/vfio-pci/unbind", A_BYPASS);
        assert_override(A_BYPASS, "virtio-pci");
        ck_assert_uint_eq(seen_count(&seen, EVENT_ACTION_FAILED, NULL, NULL), 0);
        ck_assert_int_eq(waitpid(spare, NULL, WNOHANG), -1);
        ck_assert_int_eq(errno, ECHILD);
        /* And a new spare waits for the next bind. */
        ck_assert(testbed_run_until(g, spare_present, &spare, 5 * SEC));
}
END_TEST

/* Poll a testbed file without running the guard's loop: what the spare does on its own. */
static bool file_becomes(const char *rel, const char *expected, uint64_t usec)
{
        for (uint64_t waited = 0;; waited += 5000) {
                _cleanup_free_ char *c = testbed_read(t, rel);
                if (c && streq(c, expected))
                        return true;
                if (waited >= usec)
                        return false;
                (void) usleep(5000);
        }
}

static bool seen_unbound_twice(Guard *g, void *userdata)
{
        return seen_count(&seen, EVENT_UNBOUND, A_BYPASS, NULL) >= 2;
}

/* The UNBOUND entries that say the spare acted on the bind uevent itself. */
static int count_own_unbinds(void)
{
        int n = 0;

        for (size_t i = 0; i < seen.n; i++)
                n += seen.items[i].kind == EVENT_UNBOUND && strstr(seen.items[i].message, "acted on the bind uevent itself");
        return n;
}

/* The spare is armed with the refused function once it is forked (the loop idle): it unbinds a vfio bind by
 * itself, while the guard's own loop does not run at all; the guard then sees the same uevent, and the job it
 * sends completes without a second unbind. The spare then waits for the next bind. */
START_TEST(test_armed_spare_unbinds_on_its_own)
{
        _cleanup_(guard_freep) Guard *g = NULL;
        pid_t spare;

        g = guard_with_spare(&spare);

        /* Past the pin (as if the watch had lost the race), and no loop iteration from here on. */
        testbed_write(t, "sys/bus/pci/devices/" A_BYPASS "/driver_override", "vfio-pci\n", 0);
        testbed_kernel_bind(t, A_BYPASS, "vfio-pci");
        ck_assert(file_becomes("sys/bus/pci/drivers/vfio-pci/unbind", A_BYPASS, 5 * SEC));
        ck_assert(file_becomes("sys/bus/pci/devices/" A_BYPASS "/driver_override", "virtio-pci", 5 * SEC));
        ck_assert_uint_eq(seen_count(&seen, EVENT_BIND_REFUSED, NULL, NULL), 0);
        /* It waits for the guard's job before it reports. */
        ck_assert_int_eq(waitpid(spare, NULL, WNOHANG), 0);

        /* Clear the file: a second unbind (by the job) would write it again. */
        testbed_write(t, "sys/bus/pci/drivers/vfio-pci/unbind", "", 0);
        ck_assert(testbed_run_until(g, (bool (*)(Guard *, void *)) seen_kind, &(EventKind){ EVENT_UNBOUND }, 5 * SEC));
        ck_assert(no_unbind_in_flight(g, NULL));
        assert_file("sys/bus/pci/drivers/vfio-pci/unbind", "");
        ck_assert_uint_eq(seen_count(&seen, EVENT_BIND_REFUSED, A_BYPASS, "unbind"), 1);
        ck_assert_uint_eq(seen_count(&seen, EVENT_UNBOUND, A_BYPASS, NULL), 1);
        ck_assert(strstr(seen_find(&seen, EVENT_UNBOUND, A_BYPASS)->message, "acted on the bind uevent itself"));
        ck_assert_uint_eq(seen_count(&seen, EVENT_ACTION_FAILED, NULL, NULL), 0);
        assert_file("sys/bus/pci/drivers_probe", A_BYPASS);

        /* The same spare is back, armed again (a new process could not preempt anybody when it first wakes): a
         * second bind is unbound on its own too, by the same process. */
        testbed_settle(g, SEC / 5);
        ck_assert_int_eq(spare_child(), spare);
        testbed_set_driver(t, A_BYPASS, "virtio-pci");
        testbed_write(t, "sys/bus/pci/drivers/vfio-pci/unbind", "", 0);
        testbed_write(t, "sys/bus/pci/devices/" A_BYPASS "/driver_override", "vfio-pci\n", 0);
        testbed_kernel_bind(t, A_BYPASS, "vfio-pci");
        ck_assert(file_becomes("sys/bus/pci/drivers/vfio-pci/unbind", A_BYPASS, 5 * SEC));
        ck_assert(testbed_run_until(g, seen_unbound_twice, NULL, 5 * SEC));
        ck_assert_uint_eq(seen_count(&seen, EVENT_UNBOUND, A_BYPASS, NULL), 2);
        ck_assert_int_eq(count_own_unbinds(), 2);
        ck_assert_uint_eq(seen_count(&seen, EVENT_ACTION_FAILED, NULL, NULL), 0);
        testbed_settle(g, SEC / 5);
        ck_assert_int_eq(spare_child(), spare);
}
END_TEST

/* What the spare leaves alone: a translated function, a refused one bound by a driver that is not guarded, an
 * allowed one, and a refused one once a reload allows it (the arming shrinks before the pin is lifted). */
START_TEST(test_armed_spare_leaves_alone)
{
        _cleanup_(guard_freep) Guard *g = NULL;
        _cleanup_free_ char *translated = NULL, *legacy = NULL;

        g_free(testbed_add(t, A_BYPASS, MOCK_BYPASS, "virtio-pci", 3));
        g_free(testbed_add(t, A_TRANSLATED, MOCK_TRANSLATED, "virtio-pci", 4));
        g_free(testbed_add(t, A_LEGACY, MOCK_LEGACY_ONLY, "virtio-pci", 5));
        testbed_write(t, "sys/bus/pci/drivers/uio_pci_generic/unbind", "", 0);
        testbed_write(t, "etc/vfio-guard.conf", "[Guard]\nAllow=" A_LEGACY "\n", 0644);
        g = testbed_guard(t, &seen, true, 0);
        ck_assert_int_eq(guard_start(g), 0);
        ck_assert(testbed_run_until(g, spare_present, NULL, 5 * SEC));

        testbed_kernel_bind(t, A_TRANSLATED, "vfio-pci");
        testbed_kernel_bind(t, A_LEGACY, "vfio-pci");
        testbed_kernel_bind(t, A_BYPASS, "uio_pci_generic");
        ck_assert(!file_becomes("sys/bus/pci/drivers/vfio-pci/unbind", A_TRANSLATED, SEC / 2));
        assert_file("sys/bus/pci/drivers/vfio-pci/unbind", "");
        assert_file("sys/bus/pci/drivers/uio_pci_generic/unbind", "");
        testbed_settle(g, SEC / 5);
        assert_file("sys/bus/pci/drivers/vfio-pci/unbind", "");
        assert_file("sys/bus/pci/drivers/uio_pci_generic/unbind", "");

        /* Allowed by a reload: the spare hears of it before the guard lifts the pin. */
        testbed_set_driver(t, A_BYPASS, "virtio-pci");
        testbed_write(t, "etc/vfio-guard.conf", "[Guard]\nAllow=" A_LEGACY " " A_BYPASS "\n", 0644);
        ck_assert_int_eq(guard_reload(g), 0);
        testbed_kernel_bind(t, A_BYPASS, "vfio-pci");
        ck_assert(!file_becomes("sys/bus/pci/drivers/vfio-pci/unbind", A_BYPASS, SEC / 2));
        ck_assert_int_gt(spare_child(), 0);
}
END_TEST

/* An idle spare is let go with the guard: it exits and is reaped. */
START_TEST(test_spare_stopped_with_guard)
{
        Guard *g;
        pid_t spare;

        g = guard_on_bypass(NULL);
        ck_assert(testbed_run_until(g, spare_present, NULL, 5 * SEC));
        spare = spare_child();
        guard_free(g);
        /* Killed and reaped by the guard; under valgrind a killed child can take longer to end than the guard
         * waits (then it is left to a reaper that goes with the guard's loop): it must end all the same. */
        if (waitpid(spare, NULL, WNOHANG) != -1 || errno != ECHILD)
                ck_assert_int_eq(waitpid(spare, NULL, 0), spare);
        /* It wrote nothing. */
        assert_file("sys/bus/pci/drivers/vfio-pci/unbind", "");
}
END_TEST

/* Without --enforce there is no spare (it would be a process that can write sysfs). */
START_TEST(test_no_spare_in_audit)
{
        _cleanup_(guard_freep) Guard *g = NULL;

        g_free(testbed_add(t, A_BYPASS, MOCK_BYPASS, "virtio-pci", 3));
        g = testbed_guard(t, &seen, false, 0);
        ck_assert_int_eq(guard_start(g), 0);
        testbed_settle(g, SEC / 5);
        ck_assert_int_eq(spare_child(), 0);
}
END_TEST

START_TEST(test_bind_vfio_translated)
{
        _cleanup_(guard_freep) Guard *g = NULL;
        _cleanup_free_ char *syspath = NULL;

        syspath = testbed_add(t, A_TRANSLATED, MOCK_TRANSLATED, "virtio-pci", 4);
        g = testbed_guard(t, &seen, true, 0);
        ck_assert_int_eq(guard_start(g), 0);

        testbed_write(t, "sys/bus/pci/devices/" A_TRANSLATED "/driver_override", "vfio-pci\n", 0);
        /* virtioN and its features go with virtio-pci. */
        _cleanup_free_ char *vpath = g_strdup_printf("%s/virtio0", syspath);
        umockdev_testbed_remove_device(t->tb, vpath);
        ck_assert_ptr_null(testbed_read(t, "sys/bus/pci/devices/" A_TRANSLATED "/virtio0/features"));
        testbed_kernel_bind(t, A_TRANSLATED, NULL);
        testbed_settle(g, SEC / 5);
        testbed_kernel_bind(t, A_TRANSLATED, "vfio-pci");
        testbed_settle(g, SEC / 2);

        /* virtio0 is gone with virtio-pci in a real kernel; the guard remembered the word. */
        assert_nothing_written();
        assert_override(A_TRANSLATED, "vfio-pci");
        ck_assert_uint_eq(seen_count(&seen, EVENT_BIND_REFUSED, NULL, NULL), 0);
        ck_assert_uint_eq(seen_count(&seen, EVENT_PINNED, NULL, NULL), 0);
        ck_assert_uint_eq(guard_unbinds_in_flight(g), 0);
}
END_TEST

START_TEST(test_bound_to_vfio_at_start)
{
        _cleanup_(guard_freep) Guard *g = NULL;

        g_free(testbed_add(t, A_LEGACY, MOCK_LEGACY_ONLY, "vfio-pci", 5));
        g = testbed_guard(t, &seen, true, 0);
        ck_assert_int_eq(guard_start(g), 0);
        ck_assert(testbed_run_until(g, no_unbind_in_flight, NULL, 5 * SEC));
        assert_file("sys/bus/pci/drivers/vfio-pci/unbind", A_LEGACY);
        assert_override(A_LEGACY, "virtio-pci");
        assert_file("sys/bus/pci/drivers_probe", A_LEGACY);
}
END_TEST

/* ---- audit ---- */

START_TEST(test_audit_without_enforce)
{
        _cleanup_(guard_freep) Guard *g = NULL;
        _cleanup_free_ char *syspath = NULL;

        add_mixed_set();
        syspath = g_strdup("/sys/devices/" A_BYPASS);
        g = testbed_guard(t, &seen, false, 0);
        ck_assert_int_eq(guard_start(g), 0);

        testbed_kernel_bind(t, A_BYPASS, "vfio-pci");
        testbed_settle(g, SEC / 2);

        assert_nothing_written();
        assert_override(A_BYPASS, "(null)");
        assert_override(A_LEGACY, "(null)");
        ck_assert_uint_eq(seen_count(&seen, EVENT_PINNED, A_BYPASS, "would-pin"), 1);
        ck_assert_uint_eq(seen_count(&seen, EVENT_PINNED, A_LEGACY, "would-pin"), 1);
        ck_assert_uint_eq(seen_count(&seen, EVENT_PINNED, NULL, "pin"), 0);
        ck_assert_uint_eq(seen_count(&seen, EVENT_BIND_REFUSED, A_BYPASS, "would-unbind"), 1);
        ck_assert_uint_eq(guard_unbinds_in_flight(g), 0);
        ck_assert_int_eq(seen_find(&seen, EVENT_STARTED, NULL)->priority, LOG_NOTICE);
        ck_assert(strstr(seen_find(&seen, EVENT_STARTED, NULL)->message, "without --enforce"));
        ck_assert(strneq(guard_status(g), "audit only: ", 12));
}
END_TEST

START_TEST(test_audit_mode_config)
{
        _cleanup_(guard_freep) Guard *g = NULL;

        add_mixed_set();
        testbed_write(t, "etc/vfio-guard.conf", "[Guard]\nMode=audit\n", 0644);
        g = testbed_guard(t, &seen, true, 0);
        ck_assert_int_eq(guard_start(g), 0);
        assert_nothing_written();
        assert_override(A_BYPASS, "(null)");
        ck_assert_uint_eq(seen_count(&seen, EVENT_PINNED, A_BYPASS, "would-pin"), 1);
}
END_TEST

/* ---- policy ---- */

START_TEST(test_allow_and_deny)
{
        _cleanup_(guard_freep) Guard *g = NULL;

        add_mixed_set();
        testbed_write(t, "etc/vfio-guard.conf", "[Guard]\nAllow=" A_BYPASS "\nDeny=1af4:1041\n", 0644);
        g = testbed_guard(t, &seen, true, 0);
        ck_assert_int_eq(guard_start(g), 0);

        assert_override(A_BYPASS, "(null)");        /* allowed, with a warning */
        assert_override(A_TRANSLATED, "virtio-pci"); /* denied although translated */
        assert_override(A_LEGACY, "virtio-pci");
        ck_assert_uint_eq(seen_count(&seen, EVENT_ALLOWED_BY_POLICY, A_BYPASS, NULL), 1);
        ck_assert_int_eq(seen_find(&seen, EVENT_ALLOWED_BY_POLICY, A_BYPASS)->priority, LOG_WARNING);
        ck_assert_str_eq(seen_find(&seen, EVENT_CLASSIFIED, A_TRANSLATED)->decision, "refuse");
        ck_assert_uint_eq(seen_count(&seen, EVENT_CONFIG_PROBLEM, NULL, NULL), 0);

        /* vfio-pci takes the allowed bypass function: left alone, and the Allow= warned about again. */
        testbed_kernel_bind(t, A_BYPASS, "vfio-pci");
        testbed_settle(g, SEC / 4);
        ck_assert_uint_eq(seen_count(&seen, EVENT_ALLOWED_BY_POLICY, A_BYPASS, NULL), 2);
        ck_assert_uint_eq(seen_count(&seen, EVENT_BIND_REFUSED, NULL, NULL), 0);
        ck_assert_uint_eq(guard_unbinds_in_flight(g), 0);
        assert_file("sys/bus/pci/drivers/vfio-pci/unbind", "");
}
END_TEST

START_TEST(test_reload_good_and_broken)
{
        _cleanup_(guard_freep) Guard *g = NULL;

        add_mixed_set();
        testbed_write(t, "etc/vfio-guard.conf", "[Guard]\nAllow=" A_BYPASS "\n", 0644);
        g = testbed_guard(t, &seen, true, 0);
        ck_assert_int_eq(guard_start(g), 0);
        assert_override(A_BYPASS, "(null)");

        /* Allow= removed: refused now. */
        testbed_write(t, "etc/vfio-guard.conf", "[Guard]\n", 0644);
        ck_assert_int_eq(guard_reload(g), 0);
        assert_override(A_BYPASS, "virtio-pci");
        ck_assert_uint_eq(seen_count(&seen, EVENT_RELOADED, NULL, NULL), 1);

        /* A broken file: each bad line named with file:line, the policy no looser. */
        seen_clear(&seen);
        testbed_write(t, "etc/vfio-guard.conf", "[Guard]\nMode=sometimes\nAllow=not-an-address\nFrobnicate=1\n", 0644);
        ck_assert_int_eq(guard_reload(g), 0);
        ck_assert_uint_ge(seen_count(&seen, EVENT_CONFIG_PROBLEM, NULL, NULL), 3);
        const SeenEvent *p = seen_find(&seen, EVENT_CONFIG_PROBLEM, NULL);
        ck_assert_ptr_nonnull(p->config_file);
        ck_assert(strstr(p->config_file, "etc/vfio-guard.conf"));
        ck_assert_uint_eq(p->config_line, 2);
        ck_assert(strstr(p->message, "vfio-guard.conf:2: "));
        assert_override(A_BYPASS, "virtio-pci");
        assert_override(A_LEGACY, "virtio-pci");
        ck_assert_uint_eq(seen_count(&seen, EVENT_PIN_LIFTED, NULL, NULL), 0);

        /* Mode=audit lifts the guard's own pins, and only those. */
        testbed_write(t, "sys/bus/pci/devices/" A_TRANSLATED "/driver_override", "virtio-pci\n", 0);
        testbed_write(t, "etc/vfio-guard.conf", "[Guard]\nMode=audit\n", 0644);
        ck_assert_int_eq(guard_reload(g), 0);
        assert_override(A_BYPASS, "");
        assert_override(A_LEGACY, "");
        assert_override(A_TRANSLATED, "virtio-pci"); /* the administrator's, not ours */
        ck_assert_uint_eq(seen_count(&seen, EVENT_PIN_LIFTED, NULL, "lift-pin"), 2);
}
END_TEST

START_TEST(test_insecure_config)
{
        _cleanup_(guard_freep) Guard *g = NULL;

        add_mixed_set();
        testbed_write(t, "etc/vfio-guard.conf", "[Guard]\nAllow=" A_BYPASS "\nMode=audit\nDeny=" A_TRANSLATED "\n", 0666);
        g = testbed_guard(t, &seen, true, 0);
        ck_assert_int_eq(guard_start(g), 0);

        /* Nothing that loosens is taken from a file anybody may write; what tightens is. */
        assert_override(A_BYPASS, "virtio-pci");
        assert_override(A_TRANSLATED, "virtio-pci");
        ck_assert_uint_ge(seen_count(&seen, EVENT_CONFIG_PROBLEM, NULL, NULL), 2);
        ck_assert_uint_eq(seen_count(&seen, EVENT_ALLOWED_BY_POLICY, NULL, NULL), 0);
        ck_assert(!strneq(guard_status(g), "audit", 5));
}
END_TEST

/* ---- restart ---- */

START_TEST(test_restart_reads_run_state)
{
        Guard *g;

        add_mixed_set();
        g = testbed_guard(t, &seen, true, 0);
        ck_assert_int_eq(guard_start(g), 0);
        assert_override(A_BYPASS, "virtio-pci");
        guard_stop(g);
        guard_free(g);
        /* The pins stay when the daemon stops. */
        assert_override(A_BYPASS, "virtio-pci");
        assert_override(A_LEGACY, "virtio-pci");
        ck_assert_uint_eq(seen_count(&seen, EVENT_STOPPED, NULL, NULL), 1);

        /* An administrator pinned the translated one himself meanwhile; then Allow= for everything. */
        testbed_write(t, "sys/bus/pci/devices/" A_TRANSLATED "/driver_override", "virtio-pci\n", 0);
        testbed_write(t, "etc/vfio-guard.conf", "[Guard]\nAllow=" A_BYPASS " 1af4:1041\n", 0644);
        seen_clear(&seen);
        g = testbed_guard(t, &seen, true, 0);
        ck_assert_int_eq(guard_start(g), 0);
        assert_override(A_BYPASS, "");              /* ours, remembered from /run: lifted */
        assert_override(A_TRANSLATED, "virtio-pci"); /* not ours: kept */
        assert_override(A_LEGACY, "virtio-pci");     /* still refused */
        ck_assert_uint_eq(seen_count(&seen, EVENT_PIN_LIFTED, A_BYPASS, "lift-pin"), 1);
        ck_assert_uint_eq(seen_count(&seen, EVENT_PIN_LIFTED, A_TRANSLATED, NULL), 0);
        guard_free(g);
}
END_TEST

START_TEST(test_restart_forgets_gone_functions)
{
        Guard *g;

        testbed_write(t, "run/vfio-guard/functions/0000:00:1f.0",
                      "VERDICT=bypass\nDECISION=refuse\nPINNED_BY_GUARD=1\nPIN=virtio-pci\n", 0644);
        add_mixed_set();
        g = testbed_guard(t, &seen, true, 0);
        ck_assert_int_eq(guard_start(g), 0);
        ck_assert_ptr_null(testbed_read(t, "run/vfio-guard/functions/0000:00:1f.0"));
        guard_free(g);
}
END_TEST

/* ---- bad uevents ---- */

START_TEST(test_malformed_and_unknown_uevents)
{
        _cleanup_(guard_freep) Guard *g = NULL;
        _cleanup_free_ char *usb = NULL, *bogus = NULL, *hot = NULL;
        size_t before;

        add_mixed_set();
        g = testbed_guard(t, &seen, true, 0);
        ck_assert_int_eq(guard_start(g), 0);
        before = seen.n;

        /* Through the monitor: another subsystem, a PCI device whose name is no address, an unknown action. */
        usb = umockdev_testbed_add_device(t->tb, "usb", "1-1", NULL, "idVendor", "1af4", NULL, NULL);
        testbed_uevent(t, usb, "add", NULL);
        bogus = umockdev_testbed_add_device(t->tb, "pci", "not-an-address", NULL, "vendor", "0x1af4", NULL, NULL);
        testbed_uevent(t, bogus, "add", NULL);
        testbed_uevent(t, bogus, "bind", "vfio-pci");
        testbed_uevent(t, "/sys/devices/" A_BYPASS, "frobnicate", NULL);
        testbed_uevent(t, "/sys/devices/" A_NIC, "bind", "vfio-pci");
        testbed_settle(g, SEC / 2);

        /* Straight in: missing fields, relative paths, overlong names, a virtio device without a PCI parent. */
        guard_handle_uevent(g, NULL, "pci", "/devices/" A_BYPASS, NULL);
        guard_handle_uevent(g, "add", NULL, "/devices/" A_BYPASS, NULL);
        guard_handle_uevent(g, "add", "pci", NULL, NULL);
        guard_handle_uevent(g, "add", "pci", "devices/" A_BYPASS, NULL);
        guard_handle_uevent(g, "add", "pci", "/", NULL);
        guard_handle_uevent(g, "add", "pci", "", NULL);
        guard_handle_uevent(g, "bind", "pci", "/devices/0000:00:03.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0", "vfio-pci");
        guard_handle_uevent(g, "bind", "virtio", "/virtio0", "virtio_net");
        guard_handle_uevent(g, "bind", "virtio", "/devices/platform/virtio-mmio.0/virtio0", "virtio_net");
        guard_handle_uevent(g, "bind", "virtio", "/devices/" A_BYPASS "/not-virtio", "virtio_net");
        guard_handle_uevent(g, "remove", "pci", "/devices/0000:00:1e.0", NULL);
        guard_handle_uevent(g, "bind", "pci", "/devices/0000:00:1e.0", "vfio-pci");

        ck_assert_uint_eq(seen.n, before);
        assert_nothing_written();
        assert_override(A_NIC, "(null)");
        ck_assert_uint_eq(guard_unbinds_in_flight(g), 0);

        /* And the loop still works. */
        hot = testbed_add(t, A_HOT, MOCK_LEGACY_ONLY, NULL, 8);
        testbed_uevent(t, hot, "add", NULL);
        ck_assert(testbed_run_until(g, override_is, (const char *[]){ A_HOT, "virtio-pci" }, 5 * SEC));
}
END_TEST

/* ---- a stuck unbind ---- */

/* vfio-pci's unbind becomes a FIFO (its path in fifo): a write blocks, as vfio's does while QEMU holds the
 * device, until the test opens it for reading. */
static void unbind_blocks(char fifo[static 4096])
{
        snprintf(fifo, 4096, "%s/sys/bus/pci/drivers/vfio-pci/unbind", t->root);
        ck_assert_int_eq(unlink(fifo), 0);
        ck_assert_int_eq(mkfifo(fifo, 0600), 0);
}

/* The holder lets go: read what the blocked writer wrote (it is the whole write) and check it. */
static void unbind_release(const char *fifo, const char *expected)
{
        char buf[64];
        ssize_t k;
        int fd;

        fd = open(fifo, O_RDONLY | O_CLOEXEC);
        ck_assert_int_ge(fd, 0);
        k = read(fd, buf, sizeof buf - 1);
        close(fd);
        ck_assert_int_gt(k, 0);
        buf[k] = '\0';
        ck_assert_str_eq(buf, expected);
}

START_TEST(test_stuck_unbind)
{
        _cleanup_(guard_freep) Guard *g = NULL;
        _cleanup_free_ char *syspath = NULL, *hot = NULL;
        char fifo[4096];

        unbind_blocks(fifo);
        testbed_add_holder(t, 4242, "qemu-system-x86\n", "/dev/vfio/3");
        testbed_add_holder(t, 4343, "bash\n", "/dev/null");

        syspath = testbed_add(t, A_BYPASS, MOCK_BYPASS, "vfio-pci", 3);
        g = testbed_guard(t, &seen, true, SEC / 5);
        ck_assert_int_eq(guard_start(g), 0);
        /* READY is not held back by the unbind in flight. */
        ck_assert(guard_is_ready(g));
        ck_assert_uint_eq(guard_unbinds_in_flight(g), 1);

        ck_assert(testbed_run_until(g, (bool (*)(Guard *, void *)) seen_kind, &(EventKind){ EVENT_UNBIND_STUCK }, 5 * SEC));
        const SeenEvent *s = seen_find(&seen, EVENT_UNBIND_STUCK, A_BYPASS);
        /* The refusal's own entry, deferred while the child writes, comes first all the same. */
        const SeenEvent *refused = seen_find(&seen, EVENT_BIND_REFUSED, A_BYPASS);
        ck_assert_ptr_nonnull(refused);
        ck_assert(refused < s);
        ck_assert_ptr_nonnull(s->holders);
        ck_assert_str_eq(s->holders, "4242 (qemu-system-x86)");
        ck_assert(strstr(s->message, "4242 (qemu-system-x86)"));
        ck_assert(strstr(guard_status(g), "1 unbind stuck"));
        /* Readers are told not to touch its driver_override (the device lock is held). */
        ck_assert(record_is_unbinding(t->root, A_BYPASS));

        /* Meanwhile another function arrives and is handled. */
        hot = testbed_add(t, A_HOT, MOCK_LEGACY_ONLY, NULL, 8);
        testbed_uevent(t, hot, "add", NULL);
        ck_assert(testbed_run_until(g, override_is, (const char *[]){ A_HOT, "virtio-pci" }, 5 * SEC));
        /* A uevent about the stuck function itself touches nothing of it. */
        testbed_uevent(t, syspath, "change", NULL);
        testbed_settle(g, SEC / 10);
        ck_assert_uint_eq(guard_unbinds_in_flight(g), 1);
        assert_file("sys/bus/pci/drivers_probe", "");
        /* Nor does a write over its pin (the watch sees it; the end of the unbind re-pins). */
        ck_assert(watched(A_BYPASS));
        testbed_write(t, "sys/bus/pci/devices/" A_BYPASS "/driver_override", "vfio-pci\n", 0);
        testbed_settle(g, SEC / 5);
        assert_override(A_BYPASS, "vfio-pci");
        ck_assert_uint_eq(seen_count(&seen, EVENT_PINNED, A_BYPASS, NULL), 0);

        /* The holder lets go: the write completes, the job finishes. */
        unbind_release(fifo, A_BYPASS);
        ck_assert(testbed_run_until(g, no_unbind_in_flight, NULL, 5 * SEC));
        ck_assert_uint_eq(seen_count(&seen, EVENT_UNBOUND, A_BYPASS, NULL), 1);
        ck_assert_uint_eq(seen_count(&seen, EVENT_BIND_REFUSED, A_BYPASS, "unbind"), 1);
        ck_assert(!record_is_unbinding(t->root, A_BYPASS));
        assert_override(A_BYPASS, "virtio-pci");
        assert_file("sys/bus/pci/drivers_probe", A_BYPASS);
}
END_TEST

/* A guarded driver binds the function again while the child is at work (after its unbind, before its pin: a
 * drivers_probe of somebody else). The monitor leaves the bind to the child's end, which unbinds it again. */
START_TEST(test_bind_while_unbinding)
{
        _cleanup_(guard_freep) Guard *g = NULL;
        _cleanup_free_ char *syspath = NULL;
        char fifo[4096];

        unbind_blocks(fifo);
        syspath = testbed_add(t, A_BYPASS, MOCK_BYPASS, "vfio-pci", 3);
        g = testbed_guard(t, &seen, true, 5 * SEC);
        ck_assert_int_eq(guard_start(g), 0);
        ck_assert_uint_eq(guard_unbinds_in_flight(g), 1);

        /* The bind uevent while the child writes (the mock keeps vfio-pci bound: as if bound again). */
        testbed_uevent(t, syspath, "bind", "vfio-pci");
        testbed_settle(g, SEC / 10);
        ck_assert_uint_eq(guard_unbinds_in_flight(g), 1);

        for (unsigned round = 1; round <= 2; round++) {
                unbind_release(fifo, A_BYPASS);
                if (round == 1)
                        /* The end of the first child starts a second unbind at once. */
                        ck_assert(testbed_run_until(g, (bool (*)(Guard *, void *)) seen_kind,
                                                    &(EventKind){ EVENT_UNBOUND }, 5 * SEC));
        }
        ck_assert(testbed_run_until(g, no_unbind_in_flight, NULL, 5 * SEC));
        ck_assert_uint_eq(seen_count(&seen, EVENT_BIND_REFUSED, A_BYPASS, "unbind"), 2);
        ck_assert_uint_eq(seen_count(&seen, EVENT_UNBOUND, A_BYPASS, NULL), 2);
        assert_override(A_BYPASS, "virtio-pci");
}
END_TEST

START_TEST(test_stop_leaves_stuck_child)
{
        Guard *g;
        char fifo[4096];
        pid_t child;
        int fd;

        unbind_blocks(fifo);
        g_free(testbed_add(t, A_BYPASS, MOCK_BYPASS, "vfio-pci", 3));
        g = testbed_guard(t, &seen, true, SEC);
        ck_assert_int_eq(guard_start(g), 0);
        ck_assert_uint_eq(guard_unbinds_in_flight(g), 1);
        /* The unbind child, blocked in its write (named once it runs; the loop does not run here, so no idle spare
         * is forked beside it). */
        for (unsigned i = 0; i < 500 && (child = spare_child()) == 0; i++)
                (void) usleep(10000);
        ck_assert_int_gt(child, 0);

        /* Stopping neither waits for nor kills the child; the refusal is journalled all the same. */
        guard_stop(g);
        guard_free(g);
        ck_assert_uint_eq(seen_count(&seen, EVENT_BIND_REFUSED, A_BYPASS, "unbind"), 1);
        ck_assert_int_eq(waitpid(child, NULL, WNOHANG), 0);
        fd = open(fifo, O_RDONLY | O_CLOEXEC);
        ck_assert_int_ge(fd, 0);
        close(fd);
        ck_assert_int_eq(waitpid(child, NULL, 0), child);
}
END_TEST


/* ---- the offered word, read only when nobody can be using the registers ---- */

START_TEST(test_offered_read_vfio_idle)
{
        _cleanup_(guard_freep) Guard *g = NULL;

        /* Bound to vfio-pci at start, nobody holds it, no virtioN: only the offered word can tell. */
        g_free(testbed_add(t, A_UNKNOWN, MOCK_UNKNOWN, "vfio-pci", 7));
        testbed_set_bar(t, A_UNKNOWN, 4, 0x3); /* VERSION_1 and ACCESS_PLATFORM in the high word */
        g = testbed_guard(t, &seen, true, 0);
        ck_assert_int_eq(guard_start(g), 0);

        ck_assert_str_eq(seen_find(&seen, EVENT_CLASSIFIED, A_UNKNOWN)->verdict, "translated");
        ck_assert_uint_eq(guard_unbinds_in_flight(g), 0);
        assert_nothing_written();
        assert_override(A_UNKNOWN, "(null)");
        assert_record(A_UNKNOWN, "FEATURE_SOURCE", "offered-bar");
        assert_record(A_UNKNOWN, "FEATURES", "0x0000000300000003");
}
END_TEST

START_TEST(test_offered_bypass_refused)
{
        _cleanup_(guard_freep) Guard *g = NULL;

        g_free(testbed_add(t, A_UNKNOWN, MOCK_UNKNOWN, "vfio-pci", 7));
        testbed_set_bar(t, A_UNKNOWN, 4, 0x1); /* VERSION_1 only: bypass */
        g = testbed_guard(t, &seen, true, 0);
        ck_assert_int_eq(guard_start(g), 0);
        ck_assert_str_eq(seen_find(&seen, EVENT_CLASSIFIED, A_UNKNOWN)->verdict, "bypass");
        ck_assert(testbed_run_until(g, no_unbind_in_flight, NULL, 5 * SEC));
        assert_file("sys/bus/pci/drivers/vfio-pci/unbind", A_UNKNOWN);
}
END_TEST

START_TEST(test_offered_not_read_when_held)
{
        _cleanup_(guard_freep) Guard *g = NULL;

        g_free(testbed_add(t, A_UNKNOWN, MOCK_UNKNOWN, "vfio-pci", 7));
        testbed_set_bar(t, A_UNKNOWN, 4, 0x3);
        testbed_add_holder(t, 777, "dpdk-testpmd\n", "/dev/vfio/7");
        g = testbed_guard(t, &seen, true, 0);
        ck_assert_int_eq(guard_start(g), 0);

        ck_assert_str_eq(seen_find(&seen, EVENT_CLASSIFIED, A_UNKNOWN)->verdict, "unknown");
        ck_assert_str_eq(seen_find(&seen, EVENT_CLASSIFIED, A_UNKNOWN)->decision, "refuse");
        /* The entry of the refusal waits for the unbind child (or a while). */
        ck_assert(testbed_run_until(g, no_unbind_in_flight, NULL, 5 * SEC));
        ck_assert_uint_eq(seen_count(&seen, EVENT_BIND_REFUSED, A_UNKNOWN, "unbind"), 1);
}
END_TEST

START_TEST(test_offered_not_read_in_audit)
{
        _cleanup_(guard_freep) Guard *g = NULL;

        g_free(testbed_add(t, A_UNKNOWN, MOCK_UNKNOWN, "vfio-pci", 7));
        testbed_set_bar(t, A_UNKNOWN, 4, 0x3);
        g = testbed_guard(t, &seen, false, 0);
        ck_assert_int_eq(guard_start(g), 0);
        ck_assert_str_eq(seen_find(&seen, EVENT_CLASSIFIED, A_UNKNOWN)->verdict, "unknown");
        ck_assert_uint_eq(seen_count(&seen, EVENT_BIND_REFUSED, A_UNKNOWN, "would-unbind"), 1);
        assert_nothing_written();
}
END_TEST

START_TEST(test_offered_read_unbound_after_pin)
{
        _cleanup_(guard_freep) Guard *g = NULL;

        /* Unbound and not pinned: first the pin (nothing but virtio-pci can bind then), then the read. */
        g_free(testbed_add(t, A_UNKNOWN, MOCK_UNKNOWN, NULL, 7));
        testbed_set_bar(t, A_UNKNOWN, 4, 0x3);
        g = testbed_guard(t, &seen, true, 0);
        ck_assert_int_eq(guard_start(g), 0);
        ck_assert_uint_eq(seen_count(&seen, EVENT_PINNED, A_UNKNOWN, "pin"), 1);
        ck_assert_uint_eq(seen_count(&seen, EVENT_PIN_LIFTED, A_UNKNOWN, "lift-pin"), 1);
        assert_override(A_UNKNOWN, "");
        assert_record(A_UNKNOWN, "VERDICT", "translated");
}
END_TEST

/* ---- the pin watch: a rewrite of driver_override without any uevent ---- */

START_TEST(test_pin_watch_repins_without_uevent)
{
        _cleanup_(guard_freep) Guard *g = NULL;
        const SeenEvent *ev;

        add_mixed_set();
        g = testbed_guard(t, &seen, true, 0);
        ck_assert_int_eq(guard_start(g), 0);
        ck_assert(watched(A_BYPASS));
        ck_assert(watched(A_LEGACY));
        ck_assert(!watched(A_TRANSLATED));
        ck_assert(!watched(A_NIC));

        /* Step 1 of libvirt's bind, and nothing else: no unbind, no uevent. */
        testbed_write(t, "sys/bus/pci/devices/" A_BYPASS "/driver_override", "vfio-pci\n", 0);
        ck_assert(testbed_run_until(g, override_is, (const char *[]){ A_BYPASS, "virtio-pci" }, 5 * SEC));
        /* Our own write raised IN_MODIFY too: the check after it writes nothing (no loop, no second entry). */
        testbed_settle(g, SEC / 2);
        assert_override(A_BYPASS, "virtio-pci");
        ck_assert_uint_eq(seen_count(&seen, EVENT_PINNED, A_BYPASS, "re-pin"), 1);
        ev = NULL;
        for (size_t i = 0; i < seen.n && !ev; i++)
                if (seen.items[i].kind == EVENT_PINNED && seen.items[i].action && streq(seen.items[i].action, "re-pin"))
                        ev = &seen.items[i];
        ck_assert_ptr_nonnull(ev);
        ck_assert_str_eq(ev->device, A_BYPASS);
        ck_assert_msg(strstr(ev->message, "\"vfio-pci\"") && strstr(ev->message, "driver_override written"),
                      "re-pin entry: %s", ev->message);
        assert_record(A_BYPASS, "PINNED_BY_GUARD", "1");
        ck_assert(watched(A_BYPASS));

        /* Again, with a value of a different length (the pin thread reads it fresh each time). */
        testbed_write(t, "sys/bus/pci/devices/" A_LEGACY "/driver_override", "vfio-pci-some-variant\n", 0);
        ck_assert(testbed_run_until(g, seen_repin, (void *) A_LEGACY, 5 * SEC));
        assert_override(A_LEGACY, "virtio-pci");

        /* An allowed function and one that is not virtio: their driver_override is the administrator's. */
        testbed_write(t, "sys/bus/pci/devices/" A_TRANSLATED "/driver_override", "vfio-pci\n", 0);
        testbed_write(t, "sys/bus/pci/devices/" A_NIC "/driver_override", "vfio-pci\n", 0);
        testbed_settle(g, SEC / 2);
        assert_override(A_TRANSLATED, "vfio-pci");
        assert_override(A_NIC, "vfio-pci");
        ck_assert_uint_eq(seen_count(&seen, EVENT_PINNED, A_TRANSLATED, NULL), 0);
        ck_assert_uint_eq(seen_count(&seen, EVENT_PINNED, A_NIC, NULL), 0);
        ck_assert_uint_eq(seen_count(&seen, EVENT_ACTION_FAILED, NULL, NULL), 0);
        assert_nothing_written();
}
END_TEST

/* vfio-pci won the race: it holds the function when the pin thread's check comes, and the bind uevent has not been
 * handled yet. The check leaves the pin to the unbind that uevent starts (a read or write of driver_override
 * would queue on the device lock ahead of the unbind); the unbind child pins. */
START_TEST(test_pin_left_to_unbind)
{
        _cleanup_(guard_freep) Guard *g = NULL;
        _cleanup_free_ char *syspath = NULL;

        g = guard_on_bypass(&syspath);
        ck_assert(watched(A_BYPASS));

        testbed_set_driver(t, A_BYPASS, "vfio-pci");
        testbed_write(t, "sys/bus/pci/devices/" A_BYPASS "/driver_override", "vfio-pci\n", 0);
        testbed_settle(g, SEC / 2);
        assert_override(A_BYPASS, "vfio-pci");
        ck_assert_uint_eq(seen_count(&seen, EVENT_PINNED, A_BYPASS, "re-pin"), 0);
        ck_assert_uint_eq(seen_count(&seen, EVENT_ACTION_FAILED, NULL, NULL), 0);

        testbed_uevent(t, syspath, "bind", "vfio-pci");
        ck_assert(testbed_run_until(g, (bool (*)(Guard *, void *)) seen_kind, &(EventKind){ EVENT_UNBOUND }, 5 * SEC));
        ck_assert(no_unbind_in_flight(g, NULL));
        assert_file("sys/bus/pci/drivers/vfio-pci/unbind", A_BYPASS);
        assert_override(A_BYPASS, "virtio-pci");
        ck_assert_uint_eq(seen_count(&seen, EVENT_UNBOUND, A_BYPASS, "unbind,re-pin,reprobe"), 1);

        /* Not a guarded driver (uio_pci_generic, by default): the pin goes back at once, as for virtio-pci. */
        testbed_set_driver(t, A_BYPASS, "uio_pci_generic");
        testbed_write(t, "sys/bus/pci/devices/" A_BYPASS "/driver_override", "uio_pci_generic\n", 0);
        wait_watch_repin(g, A_BYPASS);
        assert_override(A_BYPASS, "virtio-pci");
}
END_TEST

START_TEST(test_pin_watch_follows_decisions)
{
        Guard *g;
        _cleanup_free_ char *syspath = NULL;

        add_mixed_set();
        g = testbed_guard(t, &seen, true, 0);
        ck_assert_int_eq(guard_start(g), 0);

        /* Hot added: watched once pinned; removed: the watch goes with the remove uevent (sysfs sends no
         * IN_IGNORED of its own when a device goes: the guard must drop it). */
        syspath = testbed_add(t, A_HOT, MOCK_BYPASS, NULL, 8);
        testbed_uevent(t, syspath, "add", NULL);
        ck_assert(testbed_run_until(g, override_is, (const char *[]){ A_HOT, "virtio-pci" }, 5 * SEC));
        ck_assert(watched(A_HOT));
        testbed_uevent(t, syspath, "remove", NULL);
        testbed_settle(g, SEC / 4);
        ck_assert(!watched(A_HOT));
        testbed_remove(t, A_HOT);

        /* Allowed on reload: the pin is lifted and no longer watched; a write to it stays. */
        testbed_write(t, "etc/vfio-guard.conf", "[Guard]\nAllow=" A_BYPASS "\n", 0644);
        ck_assert_int_eq(guard_reload(g), 0);
        assert_override(A_BYPASS, "");
        ck_assert(!watched(A_BYPASS));
        ck_assert(watched(A_LEGACY));
        testbed_write(t, "sys/bus/pci/devices/" A_BYPASS "/driver_override", "vfio-pci\n", 0);
        testbed_settle(g, SEC / 2);
        assert_override(A_BYPASS, "vfio-pci");
        ck_assert_uint_eq(seen_count(&seen, EVENT_PINNED, A_BYPASS, "re-pin"), 0);

        /* Pin=no: nothing pinned, nothing watched. */
        testbed_write(t, "etc/vfio-guard.conf", "[Guard]\nPin=no\n", 0644);
        ck_assert_int_eq(guard_reload(g), 0);
        ck_assert(!watched(A_LEGACY));
        ck_assert(!watched(A_BYPASS));

        /* Refused and pinned again; then the daemon stops: no watch outlives it. */
        testbed_write(t, "etc/vfio-guard.conf", "[Guard]\n", 0644);
        ck_assert_int_eq(guard_reload(g), 0);
        ck_assert(watched(A_LEGACY));
        guard_stop(g);
        guard_free(g);
        ck_assert(!watched(A_LEGACY));
}
END_TEST

/* The inotify queue overflows (more unread events than fs.inotify.max_queued_events): the write that was lost
 * is found by re-checking every pin. */
START_TEST(test_pin_watch_overflow)
{
        _cleanup_(guard_freep) Guard *g = NULL;
        _cleanup_free_ char *max_text = NULL;
        unsigned long max = 0;
        const SeenEvent *ev = NULL;

        add_mixed_set();
        g_free(testbed_add(t, A_HOT, MOCK_BYPASS, "virtio-pci", 8));
        g = testbed_guard(t, &seen, true, 0);
        ck_assert_int_eq(guard_start(g), 0);
        ck_assert(watched(A_LEGACY) && watched(A_HOT) && watched(A_BYPASS));

        ck_assert(g_file_get_contents("/proc/sys/fs/inotify/max_queued_events", &max_text, NULL, NULL));
        max = strtoul(max_text, NULL, 10);
        ck_assert(max > 0 && max <= 1000000);
        /* Alternating files: consecutive events of one file would be merged into one. The pins stay as they
         * are; only the queue fills up, while the loop does not run. */
        _cleanup_free_ char *p0 = g_strdup_printf("%s/sys/bus/pci/devices/" A_LEGACY "/driver_override", t->root);
        _cleanup_free_ char *p1 = g_strdup_printf("%s/sys/bus/pci/devices/" A_HOT "/driver_override", t->root);
        _cleanup_close_ int fd0 = open(p0, O_WRONLY | O_CLOEXEC), fd1 = open(p1, O_WRONLY | O_CLOEXEC);
        ck_assert(fd0 >= 0 && fd1 >= 0);
        for (unsigned long i = 0; i <= max; i++)
                ck_assert_int_eq(pwrite(i % 2 ? fd0 : fd1, "virtio-pci\n", 11, 0), 11);
        /* Its event finds the queue full. */
        testbed_write(t, "sys/bus/pci/devices/" A_BYPASS "/driver_override", "vfio-pci\n", 0);

        ck_assert(testbed_run_until(g, seen_repin, (void *) A_BYPASS, 20 * SEC));
        assert_override(A_BYPASS, "virtio-pci");
        for (size_t i = 0; i < seen.n && !ev; i++)
                if (seen.items[i].kind == EVENT_PINNED && seen.items[i].action && streq(seen.items[i].action, "re-pin"))
                        ev = &seen.items[i];
        ck_assert_str_eq(ev->device, A_BYPASS);
        ck_assert_msg(strstr(ev->message, "\"vfio-pci\"") && strstr(ev->message, "overflowed"), "%s", ev->message);
        ck_assert_uint_eq(seen_count(&seen, EVENT_PINNED, NULL, "re-pin"), 1);

        /* And the watch goes on afterwards. */
        testbed_write(t, "sys/bus/pci/devices/" A_HOT "/driver_override", "vfio-pci\n", 0);
        ck_assert(testbed_run_until(g, seen_repin, (void *) A_HOT, 5 * SEC));
}
END_TEST

START_TEST(test_pin_watch_not_in_audit)
{
        _cleanup_(guard_freep) Guard *g = NULL;

        add_mixed_set();
        g = testbed_guard(t, &seen, false, 0);
        ck_assert_int_eq(guard_start(g), 0);
        ck_assert(!watched(A_BYPASS));
        testbed_write(t, "sys/bus/pci/devices/" A_BYPASS "/driver_override", "vfio-pci\n", 0);
        testbed_settle(g, SEC / 2);
        assert_override(A_BYPASS, "vfio-pci");
        assert_nothing_written();
}
END_TEST

/* ---- other knobs ---- */

START_TEST(test_pin_no_reprobe_explicit_bind)
{
        _cleanup_(guard_freep) Guard *g = NULL;

        g_free(testbed_add(t, A_BYPASS, MOCK_BYPASS, "virtio-pci", 3));
        testbed_write(t, "etc/vfio-guard.conf", "[Guard]\nPin=no\n", 0644);
        g = testbed_guard(t, &seen, true, 0);
        ck_assert_int_eq(guard_start(g), 0);
        assert_override(A_BYPASS, "(null)");

        testbed_kernel_bind(t, A_BYPASS, "vfio-pci");
        ck_assert(testbed_run_until(g, (bool (*)(Guard *, void *)) seen_kind, &(EventKind){ EVENT_UNBOUND }, 5 * SEC));
        assert_file("sys/bus/pci/drivers/vfio-pci/unbind", A_BYPASS);
        assert_override(A_BYPASS, "(null)");
        /* No pin: drivers_probe could give it straight back to vfio-pci; bind virtio-pci explicitly. */
        assert_file("sys/bus/pci/drivers_probe", "");
        assert_file("sys/bus/pci/drivers/virtio-pci/bind", A_BYPASS);
        ck_assert_uint_eq(seen_count(&seen, EVENT_UNBOUND, A_BYPASS, "unbind,reprobe"), 1);
}
END_TEST

START_TEST(test_noiommu_notice)
{
        _cleanup_(guard_freep) Guard *g = NULL;

        g_free(testbed_add(t, A_BYPASS, MOCK_BYPASS, "virtio-pci", -1));
        g = testbed_guard(t, &seen, true, 0);
        ck_assert_int_eq(guard_start(g), 0);
        assert_override(A_BYPASS, "(null)");
        ck_assert_uint_eq(seen_count(&seen, EVENT_NOIOMMU, A_BYPASS, NULL), 1);
        ck_assert_int_eq(seen_find(&seen, EVENT_NOIOMMU, A_BYPASS)->priority, LOG_NOTICE);
        guard_free(TAKE_PTR(g));

        /* NoIOMMU=refuse: pinned. */
        testbed_write(t, "etc/vfio-guard.conf", "[Guard]\nNoIOMMU=refuse\n", 0644);
        g = testbed_guard(t, &seen, true, 0);
        ck_assert_int_eq(guard_start(g), 0);
        assert_override(A_BYPASS, "virtio-pci");
}
END_TEST

/* ---- the seam for kernel-side enforcement ---- */

typedef struct HookLog {
        char lines[16][96];
        unsigned n;
        int fail;
} HookLog;

static int record_hook(Guard *g, const GuardDecisionChange *c, void *userdata)
{
        HookLog *h = userdata;

        if (h->n < 16)
                snprintf(h->lines[h->n++], sizeof h->lines[0], "%s %s->%s pinned=%d group=%d", c->address,
                         decision_to_string(c->old_decision), decision_to_string(c->new_decision), c->pinned,
                         c->group_number);
        return h->fail;
}

START_TEST(test_decision_hook)
{
        _cleanup_(guard_freep) Guard *g = NULL;
        _cleanup_free_ char *syspath = NULL;
        HookLog h = {};

        syspath = testbed_add(t, A_BYPASS, MOCK_BYPASS, "virtio-pci", 3);
        g_free(testbed_add(t, A_TRANSLATED, MOCK_TRANSLATED, "virtio-pci", 4));
        g_free(testbed_add(t, A_NIC, MOCK_NOT_VIRTIO, "e1000e", 6));
        g = testbed_guard(t, &seen, true, 0);
        guard_set_decision_hook(g, record_hook, &h);
        ck_assert_int_eq(guard_start(g), 0);
        ck_assert_uint_eq(h.n, 2);
        ck_assert_str_eq(h.lines[0], A_BYPASS " not-guarded->refuse pinned=0 group=3");
        ck_assert_str_eq(h.lines[1], A_TRANSLATED " not-guarded->allow pinned=0 group=4");

        /* Called before the decision is acted on: the pin was not there yet. */
        assert_override(A_BYPASS, "virtio-pci");

        /* Unchanged decisions are not repeated; a change is. */
        testbed_write(t, "etc/vfio-guard.conf", "[Guard]\nAllow=" A_BYPASS "\n", 0644);
        ck_assert_int_eq(guard_reload(g), 0);
        ck_assert_uint_eq(h.n, 3);
        /* Before the pin is lifted (the kernel's refusal must go first). */
        ck_assert_str_eq(h.lines[2], A_BYPASS " refuse->allow pinned=1 group=3");

        /* Gone. */
        h.fail = -EPERM;
        testbed_uevent(t, syspath, "remove", NULL);
        testbed_settle(g, SEC / 4);
        ck_assert_uint_eq(h.n, 4);
        ck_assert_str_eq(h.lines[3], A_BYPASS " allow->not-guarded pinned=0 group=3");
        ck_assert_uint_eq(seen_count(&seen, EVENT_ACTION_FAILED, A_BYPASS, "kernel-enforcement"), 1);
}
END_TEST

static Suite *suite(void)
{
        Suite *s = suite_create("vfio-guardd");
        TCase *tc;

#define ADD(name)                                                      \
        tc = tcase_create(#name);                                      \
        tcase_add_checked_fixture(tc, setup, teardown);                \
        tcase_set_timeout(tc, 30);                                     \
        tcase_add_test(tc, name);                                      \
        suite_add_tcase(s, tc)

        ADD(test_coldplug_mixed);
        ADD(test_hot_add);
        ADD(test_unknown_released_on_virtio_bind);
        ADD(test_bind_vfio_bypass);
        ADD(test_bind_vfio_translated);
        ADD(test_bound_to_vfio_at_start);
        ADD(test_audit_without_enforce);
        ADD(test_audit_mode_config);
        ADD(test_allow_and_deny);
        ADD(test_reload_good_and_broken);
        ADD(test_insecure_config);
        ADD(test_restart_reads_run_state);
        ADD(test_restart_forgets_gone_functions);
        ADD(test_malformed_and_unknown_uevents);
        ADD(test_spare_gone);
        ADD(test_spare_stopped_with_guard);
        ADD(test_armed_spare_unbinds_on_its_own);
        ADD(test_armed_spare_leaves_alone);
        ADD(test_no_spare_in_audit);
        ADD(test_queued_decide_not_starved);
        ADD(test_repin_then_bind_order);
        ADD(test_stuck_unbind);
        ADD(test_bind_while_unbinding);
        ADD(test_stop_leaves_stuck_child);
        ADD(test_offered_read_vfio_idle);
        ADD(test_offered_bypass_refused);
        ADD(test_offered_not_read_when_held);
        ADD(test_offered_not_read_in_audit);
        ADD(test_offered_read_unbound_after_pin);
        ADD(test_pin_no_reprobe_explicit_bind);
        ADD(test_pin_watch_repins_without_uevent);
        ADD(test_pin_left_to_unbind);
        ADD(test_pin_watch_follows_decisions);
        ADD(test_pin_watch_not_in_audit);
        /* Some 16,000 writes through the umockdev preload: minutes under valgrind, for no memory check the
         * other pin watch tests do not make already. */
        if (!getenv("VFIO_GUARD_TEST_VALGRIND")) {
                ADD(test_pin_watch_overflow);
        }
        ADD(test_noiommu_notice);
        ADD(test_decision_hook);
        return s;
}

int main(void)
{
        SRunner *sr;
        sigset_t ss;
        int failed;

        /* Before umockdev starts its GLib threads: SIGCHLD must be blocked in every thread, or one that does not
         * block it swallows the signal that sd-event waits for when it cannot use a pidfd (under valgrind). */
        sigemptyset(&ss);
        sigaddset(&ss, SIGCHLD);
        sigprocmask(SIG_BLOCK, &ss, NULL);
        sr = srunner_create(suite());

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? 0 : 1;
}
