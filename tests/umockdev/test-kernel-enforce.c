/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfio-guardd's kernel-side enforcement against a umockdev testbed, with a recording KernelOps table in place of
 * the BPF LSM program: a test on the build host must never load one (the real kernel is tested in tests/vm).
 * Each recorded call notes what the testbed looked like at that moment (driver_override, the unbind file), so
 * the order of map updates against sysfs writes is checked, not assumed.
 */
#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/sysmacros.h>
#include <syslog.h>
#include <unistd.h>

#include "testbed.h"
#include "probe/daemon-state.h"
#include "shared/macro.h"
#include "shared/strv.h"

#define SEC 1000000ULL

#define A_BYPASS     "0000:00:03.0"
#define A_TRANSLATED "0000:00:04.0"
#define A_STALE      "0000:00:09.0"

#define LOG_MAX 64

typedef struct Fake {
        char log[LOG_MAX][160];
        unsigned n;
        int open_result;
        bool reused;
        bool open;
        char **addresses;
        dev_t nodes[32];
        size_t n_nodes;
        int efd;
        BpfGuardEvent pending[32];
        size_t n_pending;
} Fake;

static Testbed *t;
static Seen seen;
static Fake fake;

static void setup(void)
{
        t = testbed_new();
        seen = (Seen){};
        fake = (Fake){ .efd = -1 };
}

static void teardown(void)
{
        seen_clear(&seen);
        testbed_free(t);
        t = NULL;
        strv_free(fake.addresses);
        if (fake.efd >= 0)
                close(fake.efd);
}

/* ---- the recording table ---- */

static void note(const char *fmt, ...) _printf_(1, 2);
static void note(const char *fmt, ...)
{
        va_list ap;

        ck_assert_uint_lt(fake.n, LOG_MAX);
        va_start(ap, fmt);
        vsnprintf(fake.log[fake.n++], sizeof fake.log[0], fmt, ap);
        va_end(ap);
}

/* What the testbed says now about a function: its driver_override and the vfio-pci unbind file. */
static const char *scene(const char *address)
{
        static char buf[128];
        char rel[128];
        _cleanup_free_ char *o = NULL, *u = testbed_read(t, "sys/bus/pci/drivers/vfio-pci/unbind");

        snprintf(rel, sizeof rel, "sys/bus/pci/devices/%s/driver_override", address);
        o = testbed_read(t, rel);
        if (o && strchr(o, '\n'))
                *strchr(o, '\n') = '\0';

        snprintf(buf, sizeof buf, "override=%s unbind=%s", strna(o), strna(u));
        return buf;
}

static int fake_open(void *ud, bool *ret_reused)
{
        note("open");
        if (fake.open_result < 0)
                return fake.open_result;
        fake.open = true;
        if (fake.efd < 0)
                fake.efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (ret_reused)
                *ret_reused = fake.reused;
        return 0;
}

static void fake_close(void *ud)
{
        note("close");
        fake.open = false;
}

static int fake_unpin(void *ud)
{
        note("unpin");
        fake.open = false;
        strv_free(fake.addresses);
        fake.addresses = NULL;
        fake.n_nodes = 0;
        return 0;
}

static int fake_refuse_address(void *ud, const char *address)
{
        ck_assert(fake.open);
        note("refuse %s %s", address, scene(address));
        if (!strv_contains(fake.addresses, address))
                ck_assert_int_ge(strv_extend(&fake.addresses, address), 0);
        return 0;
}

static int fake_allow_address(void *ud, const char *address)
{
        ck_assert(fake.open);
        note("allow %s %s", address, scene(address));
        for (char **a = fake.addresses; a && *a; a++)
                if (streq(*a, address)) {
                        free(*a);
                        memmove(a, a + 1, (strv_length(a + 1) + 1) * sizeof *a);
                        break;
                }
        return 0;
}

static int fake_list_addresses(void *ud, char ***ret)
{
        char **l = NULL;

        for (char **a = fake.addresses; a && *a; a++)
                ck_assert_int_ge(strv_extend(&l, *a), 0);
        *ret = l;
        return 0;
}

static int fake_deny_node(void *ud, dev_t rdev)
{
        ck_assert(fake.open);
        note("deny %u:%u %s", major(rdev), minor(rdev), scene(A_BYPASS));
        for (size_t i = 0; i < fake.n_nodes; i++)
                if (fake.nodes[i] == rdev)
                        return 0;
        fake.nodes[fake.n_nodes++] = rdev;
        return 0;
}

static int fake_allow_node(void *ud, dev_t rdev)
{
        ck_assert(fake.open);
        note("allow-node %u:%u", major(rdev), minor(rdev));
        for (size_t i = 0; i < fake.n_nodes; i++)
                if (fake.nodes[i] == rdev)
                        fake.nodes[i] = fake.nodes[--fake.n_nodes];
        return 0;
}

static int fake_list_nodes(void *ud, dev_t **ret, size_t *ret_n)
{
        *ret = malloc((fake.n_nodes + 1) * sizeof(dev_t));
        memcpy(*ret, fake.nodes, fake.n_nodes * sizeof(dev_t));
        *ret_n = fake.n_nodes;
        return 0;
}

static int fake_exempt(void *ud, pid_t pid)
{
        /* The unbind child waits on its gate: nothing may have been written by it yet. */
        note("exempt %s", scene(A_BYPASS));
        return 0;
}

static int fake_unexempt(void *ud, pid_t pid)
{
        note("unexempt");
        return 0;
}

static int fake_event_fd(void *ud)
{
        return fake.efd;
}

static int fake_process_events(void *ud, BpfGuardEventHandler cb, void *cb_userdata)
{
        uint64_t v;
        int n = 0, r;

        (void) !read(fake.efd, &v, sizeof v);
        for (size_t i = 0; i < fake.n_pending; i++) {
                r = cb(&fake.pending[i], cb_userdata);
                if (r < 0)
                        return r;
                n++;
        }
        fake.n_pending = 0;
        return n;
}

static const KernelOps fake_ops = {
        .open = fake_open,
        .close = fake_close,
        .unpin = fake_unpin,
        .refuse_address = fake_refuse_address,
        .allow_address = fake_allow_address,
        .list_addresses = fake_list_addresses,
        .deny_node = fake_deny_node,
        .allow_node = fake_allow_node,
        .list_nodes = fake_list_nodes,
        .exempt_tgid = fake_exempt,
        .unexempt_tgid = fake_unexempt,
        .event_fd = fake_event_fd,
        .process_events = fake_process_events,
};

static void push_event(const BpfGuardEvent *e)
{
        fake.pending[fake.n_pending++] = *e;
        ck_assert_int_eq(eventfd_write(fake.efd, 1), 0);
}

/* ---- helpers ---- */

/* Index of the first log line starting with prefix, -1 when none. */
static int logged(const char *prefix)
{
        for (unsigned i = 0; i < fake.n; i++)
                if (strneq(fake.log[i], prefix, strlen(prefix)))
                        return (int) i;
        return -1;
}

static unsigned logged_count(const char *prefix)
{
        unsigned n = 0;

        for (unsigned i = 0; i < fake.n; i++)
                n += strneq(fake.log[i], prefix, strlen(prefix));
        return n;
}

static void dump_log(void)
{
        for (unsigned i = 0; i < fake.n; i++)
                fprintf(stderr, "  %2u %s\n", i, fake.log[i]);
}

#define assert_logged_line(line)                                                     \
        do {                                                                          \
                if (logged(line) < 0)                                                 \
                        dump_log();                                                   \
                ck_assert_msg(logged(line) >= 0, "not called: %s", line);             \
        } while (0)

static bool no_unbind_in_flight(Guard *g, void *userdata)
{
        return guard_unbinds_in_flight(g) == 0;
}

static bool unbound_seen(Guard *g, void *userdata)
{
        return seen_count(&seen, EVENT_UNBOUND, NULL, NULL) > 0;
}

static bool denials_counted(Guard *g, void *userdata)
{
        return guard_kernel_denials(g) >= *(unsigned *) userdata;
}

static bool denials_seen(Guard *g, void *userdata)
{
        return seen_count(&seen, EVENT_KERNEL_DENIED, NULL, NULL) >= *(unsigned *) userdata;
}

static void assert_override(const char *address, const char *expected)
{
        _cleanup_free_ char *o = testbed_override(t, address);
        ck_assert_msg(streq(o, expected), "%s: driver_override \"%s\", expected \"%s\"", address, o, expected);
}

static void assert_file(const char *rel, const char *expected)
{
        _cleanup_free_ char *s = testbed_read(t, rel);
        ck_assert_msg(s && streq(s, expected), "%s: \"%s\", expected \"%s\"", rel, strna(s), expected);
}

static void assert_daemon_state(const char *enforcement)
{
        DaemonState s;

        ck_assert_int_eq(daemon_state_read(t->root, &s), 0);
        ck_assert_str_eq(s.enforcement, enforcement);
        ck_assert_int_eq(s.pid, getpid());
}

/* vfio-pci holds the bypass function: group node 243:3, device node 511:0. */
static void add_vfio_nodes(void)
{
        testbed_write(t, "sys/class/vfio/3/dev", "243:3\n", 0);
        testbed_write(t, "sys/bus/pci/devices/" A_BYPASS "/vfio-dev/vfio0/dev", "511:0\n", 0);
}

/* ---- start ---- */

START_TEST(test_start_bpf)
{
        _cleanup_(guard_freep) Guard *g = NULL;

        g_free(testbed_add(t, A_BYPASS, MOCK_BYPASS, "vfio-pci", 3));
        g_free(testbed_add(t, A_TRANSLATED, MOCK_TRANSLATED, "virtio-pci", 4));
        add_vfio_nodes();
        /* Left by an earlier daemon: a function gone since, a node of a group gone since. */
        ck_assert_int_ge(strv_extend(&fake.addresses, A_STALE), 0);
        fake.nodes[fake.n_nodes++] = makedev(243, 9);
        fake.reused = true;

        g = testbed_guard_kernel(t, &seen, true, &fake_ops, NULL);
        ck_assert_int_eq(guard_start(g), 0);
        ck_assert(testbed_run_until(g, no_unbind_in_flight, NULL, 5 * SEC));

        /* Opened before anything was decided; the stale entries held through enumeration, dropped after. */
        ck_assert_int_eq(logged("open"), 0);
        ck_assert_int_lt(logged("refuse " A_BYPASS), logged("allow " A_STALE));
        ck_assert_int_lt(logged("refuse " A_BYPASS), logged("allow-node 243:9"));
        ck_assert_int_eq(logged_count("refuse " A_TRANSLATED), 0);
        /* Nodes denied before the unbind was dispatched (vfio-pci/unbind still empty), the child exempted
         * before it wrote anything (its gate), and the exemption withdrawn when it ended. */
        assert_logged_line("deny 243:3 override=(null) unbind=");
        assert_logged_line("deny 511:0 override=(null) unbind=");
        assert_logged_line("exempt override=(null) unbind=");
        ck_assert_int_lt(logged("deny 243:3"), logged("exempt"));
        ck_assert_int_lt(logged("exempt"), logged("unexempt"));
        assert_file("sys/bus/pci/drivers/vfio-pci/unbind", A_BYPASS);
        assert_override(A_BYPASS, "virtio-pci");

        ck_assert(strv_contains(fake.addresses, A_BYPASS));
        ck_assert(!strv_contains(fake.addresses, A_STALE));
        /* The mock kernel keeps the nodes after the unbind: still denied while they exist. */
        ck_assert_uint_eq(fake.n_nodes, 2);

        const SeenEvent *e = seen_find(&seen, EVENT_ENFORCEMENT, NULL);
        ck_assert_ptr_nonnull(e);
        ck_assert_str_eq(e->enforcement, "bpf-lsm");
        ck_assert(strstr(e->message, "re-using the pinned"));
        assert_daemon_state("bpf-lsm");
        ck_assert(strstr(guard_status(g), "; kernel-enforced (BPF LSM), 0 opens denied"));
        ck_assert_int_eq(guard_kernel_mode(g), KERNEL_MODE_BPF_LSM);

        /* The nodes go with vfio: the next sync allows their numbers again. */
        _cleanup_free_ char *rm = g_strdup_printf("rm -r '%s/sys/class/vfio/3' '%s/sys/devices/%s/vfio-dev'", t->root,
                                                  t->root, A_BYPASS);
        ck_assert_int_eq(system(rm), 0);
        ck_assert_int_eq(guard_reload(g), 0);
        assert_logged_line("allow-node 243:3");
        assert_logged_line("allow-node 511:0");
        ck_assert_uint_eq(fake.n_nodes, 0);

        /* A stop (or SIGKILL) leaves the enforcement pinned: descriptors closed, nothing unpinned. */
        guard_stop(g);
        guard_free(TAKE_PTR(g));
        assert_logged_line("close");
        ck_assert_int_lt(logged("unpin"), 0);
        ck_assert(strv_contains(fake.addresses, A_BYPASS));
}
END_TEST

/* ---- a bind of vfio-pci: nodes denied before the unbind ---- */

START_TEST(test_bind_denies_nodes_first)
{
        _cleanup_(guard_freep) Guard *g = NULL;

        g_free(testbed_add(t, A_BYPASS, MOCK_BYPASS, "virtio-pci", 3));
        g = testbed_guard_kernel(t, &seen, true, &fake_ops, NULL);
        ck_assert_int_eq(guard_start(g), 0);
        assert_logged_line("refuse " A_BYPASS);
        ck_assert_int_lt(logged("deny"), 0); /* no vfio node yet */

        /* vfio-pci got it anyway (in the real kernel the wall prevents this; a function pinned by nobody
         * before the guard ran, say): its group node appears. */
        add_vfio_nodes();
        testbed_kernel_bind(t, A_BYPASS, "vfio-pci");
        ck_assert(testbed_run_until(g, unbound_seen, NULL, 5 * SEC));
        ck_assert_uint_eq(seen_count(&seen, EVENT_BIND_REFUSED, A_BYPASS, "unbind"), 1);
        ck_assert(testbed_run_until(g, no_unbind_in_flight, NULL, 5 * SEC));

        assert_logged_line("deny 243:3 override=virtio-pci unbind=");
        assert_logged_line("deny 511:0 override=virtio-pci unbind=");
        ck_assert_uint_eq(logged_count("deny 243:3"), 1);
        ck_assert_int_lt(logged("deny 243:3"), logged("exempt"));
        assert_file("sys/bus/pci/drivers/vfio-pci/unbind", A_BYPASS);
}
END_TEST

/* ---- Allow= on reload: out of the map before the pin is lifted ---- */

START_TEST(test_allow_reload_order)
{
        _cleanup_(guard_freep) Guard *g = NULL;
        _cleanup_free_ char *syspath = NULL;

        syspath = testbed_add(t, A_BYPASS, MOCK_BYPASS, "virtio-pci", 3);
        testbed_write(t, "sys/class/vfio/3/dev", "243:3\n", 0);
        g = testbed_guard_kernel(t, &seen, true, &fake_ops, NULL);
        ck_assert_int_eq(guard_start(g), 0);
        assert_override(A_BYPASS, "virtio-pci");
        ck_assert(strv_contains(fake.addresses, A_BYPASS));
        ck_assert_uint_eq(fake.n_nodes, 1);

        testbed_write(t, "etc/vfio-guard.conf", "[Guard]\nAllow=" A_BYPASS "\n", 0644);
        ck_assert_int_eq(guard_reload(g), 0);
        /* Every reload says what is in force, changed or not. */
        ck_assert_uint_eq(seen_count(&seen, EVENT_ENFORCEMENT, NULL, NULL), 2);
        /* The pin was still there when the address left the map; lifted after. */
        assert_logged_line("allow " A_BYPASS " override=virtio-pci");
        assert_override(A_BYPASS, "");
        ck_assert_uint_eq(seen_count(&seen, EVENT_PIN_LIFTED, A_BYPASS, "lift-pin"), 1);
        ck_assert(!strv_contains(fake.addresses, A_BYPASS));
        /* No refused member left in group 3: its node may be opened. */
        assert_logged_line("allow-node 243:3");
        ck_assert_uint_eq(fake.n_nodes, 0);

        /* Refused again, then gone: out of the map. */
        testbed_write(t, "etc/vfio-guard.conf", "[Guard]\n", 0644);
        ck_assert_int_eq(guard_reload(g), 0);
        ck_assert(strv_contains(fake.addresses, A_BYPASS));
        ck_assert_uint_eq(fake.n_nodes, 1);
        testbed_uevent(t, syspath, "remove", NULL);
        testbed_remove(t, A_BYPASS);
        testbed_settle(g, SEC / 4);
        ck_assert(!strv_contains(fake.addresses, A_BYPASS));
        ck_assert_uint_eq(fake.n_nodes, 0);
}
END_TEST

/* ---- denials ---- */

START_TEST(test_denial_events)
{
        _cleanup_(guard_freep) Guard *g = NULL;
        char path[] = "/tmp/vfio-guard-stderr.XXXXXX";
        int fd, saved;

        g_free(testbed_add(t, A_BYPASS, MOCK_BYPASS, "virtio-pci", 3));
        testbed_write(t, "sys/class/vfio/3/dev", "243:3\n", 0);
        g = testbed_guard_kernel(t, &seen, true, &fake_ops, NULL);
        ck_assert_int_eq(guard_start(g), 0);

        push_event(&(BpfGuardEvent){ .kind = BPF_GUARD_DENIED_OVERRIDE, .pid = 4243, .tgid = 4242, .uid = 0,
                                     .open_flags = O_WRONLY, .comm = "libvirtd", .address = A_BYPASS });
        push_event(&(BpfGuardEvent){ .kind = BPF_GUARD_DENIED_NODE, .pid = 5000, .tgid = 5000, .uid = 107,
                                     .open_flags = O_RDWR, .rdev = makedev(243, 3), .comm = "qemu-system-x86" });
        ck_assert(testbed_run_until(g, denials_seen, &(unsigned){ 2 }, 5 * SEC));

        const SeenEvent *e = seen_find(&seen, EVENT_KERNEL_DENIED, A_BYPASS);
        ck_assert_str_eq(e->attempt, "write-open-driver-override");
        ck_assert_str_eq(e->pid, "4242");
        ck_assert_str_eq(e->comm, "libvirtd");
        ck_assert_str_eq(e->uid, "0");
        ck_assert_str_eq(e->verdict, "bypass");
        ck_assert_int_eq(e->priority, LOG_NOTICE);
        ck_assert(strstr(e->message, "libvirtd (pid 4242, uid 0)"));
        ck_assert(strstr(e->message, "Allow=" A_BYPASS));
        ck_assert(strstr(e->message, "systemctl reload vfio-guard"));
        e = &seen.items[seen.n - 1];
        ck_assert_int_eq(e->kind, EVENT_KERNEL_DENIED);
        ck_assert_str_eq(e->attempt, "open-vfio-node");
        ck_assert_str_eq(e->node, "/dev/vfio/3");
        ck_assert_str_eq(e->device, A_BYPASS);
        ck_assert_str_eq(e->uid, "107");
        ck_assert(strstr(e->message, "qemu-system-x86 (pid 5000, uid 107) opening /dev/vfio/3"));
        ck_assert(strstr(guard_status(g), "kernel-enforced (BPF LSM), 2 opens denied"));

        /* A node nobody explains (inherited, group gone): named by its number. */
        push_event(&(BpfGuardEvent){ .kind = BPF_GUARD_DENIED_NODE, .tgid = 77, .rdev = makedev(243, 8),
                                     .comm = "x" });
        ck_assert(testbed_run_until(g, denials_seen, &(unsigned){ 3 }, 5 * SEC));
        ck_assert_str_eq(seen.items[seen.n - 1].node, "243:8");
        ck_assert_ptr_null(seen.items[seen.n - 1].device);

        /* The line on stderr (outside systemd) carries the same facts. */
        fd = mkstemp(path);
        ck_assert_int_ge(fd, 0);
        fflush(stderr);
        saved = dup(STDERR_FILENO);
        dup2(fd, STDERR_FILENO);
        event_sink_stderr(&(GuardEvent){ .kind = EVENT_KERNEL_DENIED, .priority = LOG_NOTICE,
                                         .message = seen.items[seen.n - 2].message, .device = A_BYPASS,
                                         .action = "deny", .attempt = "open-vfio-node", .pid = "5000",
                                         .comm = "qemu-system-x86", .uid = "107", .node = "/dev/vfio/3" },
                          NULL);
        dup2(saved, STDERR_FILENO);
        close(saved);
        char buf[1024] = "";
        ck_assert_int_gt(pread(fd, buf, sizeof buf - 1, 0), 0);
        close(fd);
        unlink(path);
        ck_assert_msg(strstr(buf, "vfio-guardd: notice: " A_BYPASS ": the kernel refused qemu-system-x86"), "%s", buf);
        ck_assert_msg(strstr(buf, "[attempt=open-vfio-node pid=5000 comm=qemu-system-x86 uid=107 node=/dev/vfio/3]"),
                      "%s", buf);

        /* A flood: every denial counted, the first 20 of a second journalled, the rest summed up later. */
        seen_clear(&seen);
        usleep(1100000);
        for (unsigned i = 0; i < 25; i++)
                push_event(&(BpfGuardEvent){ .kind = BPF_GUARD_DENIED_OVERRIDE, .tgid = 900, .comm = "loop",
                                             .address = A_BYPASS });
        ck_assert(testbed_run_until(g, denials_counted, &(unsigned){ 28 }, 5 * SEC));
        ck_assert_uint_eq(seen_count(&seen, EVENT_KERNEL_DENIED, A_BYPASS, "deny"), 20);
        ck_assert(strstr(guard_status(g), "kernel-enforced (BPF LSM), 28 opens denied"));
        usleep(1100000);
        push_event(&(BpfGuardEvent){ .kind = BPF_GUARD_DENIED_OVERRIDE, .tgid = 900, .comm = "loop",
                                     .address = A_BYPASS });
        ck_assert(testbed_run_until(g, denials_seen, &(unsigned){ 22 }, 5 * SEC));
        ck_assert_uint_eq(seen_count(&seen, EVENT_KERNEL_DENIED, NULL, "deny-suppressed"), 1);
        for (size_t i = 0; i < seen.n; i++)
                if (seen.items[i].action && streq(seen.items[i].action, "deny-suppressed"))
                        ck_assert_msg(strstr(seen.items[i].message, "5 further kernel denials"), "%s",
                                      seen.items[i].message);
        ck_assert(strstr(guard_status(g), "29 opens denied"));
}
END_TEST

/* ---- fallbacks and the ways out ---- */

START_TEST(test_open_fails_falls_back)
{
        static const struct {
                int error;
                const char *says;
                int priority;
        } cases[] = {
                { -EOPNOTSUPP, "BPF LSM is not active", LOG_WARNING },
                { -EPERM, "not allowed to load", LOG_WARNING },
                { -ENOMEDIUM, "no bpffs", LOG_WARNING },
                { -EINVAL, "--unpin-bpf", LOG_ERR },
        };

        g_free(testbed_add(t, A_BYPASS, MOCK_BYPASS, "virtio-pci", 3));
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_(guard_freep) Guard *g = NULL;

                seen_clear(&seen);
                fake.n = 0;
                fake.open_result = cases[i].error;
                testbed_write(t, "sys/bus/pci/devices/" A_BYPASS "/driver_override", "(null)\n", 0);
                g = testbed_guard_kernel(t, &seen, true, &fake_ops, NULL);
                ck_assert_int_eq(guard_start(g), 0);

                const SeenEvent *e = seen_find(&seen, EVENT_ENFORCEMENT, NULL);
                ck_assert_ptr_nonnull(e);
                ck_assert_str_eq(e->enforcement, "reactive");
                ck_assert_msg(strstr(e->message, cases[i].says), "%s", e->message);
                ck_assert(strneq(e->message, "reactive enforcement", 20));
                ck_assert_int_eq(e->priority, cases[i].priority);
                ck_assert(g_str_has_suffix(guard_status(g), "; reactive"));
                assert_daemon_state("reactive");
                /* Reactive path in force; nothing else asked of the kernel, and an older program (if any)
                 * left in place: better than none. */
                assert_override(A_BYPASS, "virtio-pci");
                ck_assert_uint_eq(fake.n, 1);
                ck_assert_str_eq(fake.log[0], "open");
        }
}
END_TEST

START_TEST(test_kernel_enforcement_no)
{
        _cleanup_(guard_freep) Guard *g = NULL;

        g_free(testbed_add(t, A_BYPASS, MOCK_BYPASS, "virtio-pci", 3));
        g = testbed_guard_kernel(t, &seen, true, &fake_ops, NULL);
        ck_assert_int_eq(guard_start(g), 0);
        ck_assert_int_eq(guard_kernel_mode(g), KERNEL_MODE_BPF_LSM);

        /* The way out: KernelEnforcement=no + reload removes the program; the guard goes on reactively. */
        testbed_write(t, "etc/vfio-guard.conf", "[Guard]\nKernelEnforcement=no\n", 0644);
        seen_clear(&seen);
        ck_assert_int_eq(guard_reload(g), 0);
        assert_logged_line("unpin");
        ck_assert(!fake.open);
        ck_assert_int_eq(guard_kernel_mode(g), KERNEL_MODE_REACTIVE);
        const SeenEvent *e = seen_find(&seen, EVENT_ENFORCEMENT, NULL);
        ck_assert_ptr_nonnull(e);
        ck_assert_str_eq(e->enforcement, "reactive");
        ck_assert(strstr(e->message, "KernelEnforcement=no; the BPF LSM program was removed"));
        ck_assert(g_str_has_suffix(guard_status(g), "; reactive"));
        assert_daemon_state("reactive");
        assert_override(A_BYPASS, "virtio-pci"); /* the pin stays */

        /* Back to auto: loaded again and refilled at once. */
        unsigned before = fake.n;
        testbed_write(t, "etc/vfio-guard.conf", "[Guard]\n", 0644);
        ck_assert_int_eq(guard_reload(g), 0);
        ck_assert_int_eq(guard_kernel_mode(g), KERNEL_MODE_BPF_LSM);
        ck_assert_str_eq(fake.log[before], "open");
        ck_assert(strv_contains(fake.addresses, A_BYPASS));
        assert_daemon_state("bpf-lsm");

        /* Mode=audit removes it too. */
        testbed_write(t, "etc/vfio-guard.conf", "[Guard]\nMode=audit\n", 0644);
        ck_assert_int_eq(guard_reload(g), 0);
        ck_assert_uint_eq(logged_count("unpin"), 2);
        ck_assert_int_eq(guard_kernel_mode(g), KERNEL_MODE_AUDIT);
        assert_daemon_state("audit");
        guard_free(TAKE_PTR(g));

        /* A start with KernelEnforcement=no removes what an earlier run left; it never opens. */
        fake.n = 0;
        testbed_write(t, "etc/vfio-guard.conf", "[Guard]\nKernelEnforcement=no\n", 0644);
        g = testbed_guard_kernel(t, &seen, true, &fake_ops, NULL);
        ck_assert_int_eq(guard_start(g), 0);
        ck_assert_uint_eq(fake.n, 1);
        ck_assert_str_eq(fake.log[0], "unpin");
        guard_free(TAKE_PTR(g));

        /* Without --enforce nothing is touched, not even to remove. */
        fake.n = 0;
        g = testbed_guard_kernel(t, &seen, false, &fake_ops, NULL);
        ck_assert_int_eq(guard_start(g), 0);
        ck_assert_uint_eq(fake.n, 0);
        ck_assert_int_eq(guard_kernel_mode(g), KERNEL_MODE_AUDIT);
        assert_daemon_state("audit");
}
END_TEST

static Suite *suite(void)
{
        Suite *s = suite_create("vfio-guardd kernel enforcement");
        TCase *tc;

#define ADD(name)                                                      \
        tc = tcase_create(#name);                                      \
        tcase_add_checked_fixture(tc, setup, teardown);                \
        tcase_set_timeout(tc, 30);                                     \
        tcase_add_test(tc, name);                                      \
        suite_add_tcase(s, tc)

        ADD(test_start_bpf);
        ADD(test_bind_denies_nodes_first);
        ADD(test_allow_reload_order);
        ADD(test_denial_events);
        ADD(test_open_fails_falls_back);
        ADD(test_kernel_enforcement_no);
        return s;
}

int main(void)
{
        SRunner *sr;
        sigset_t ss;
        int failed;

        /* As in test-guardd.c: SIGCHLD blocked before umockdev starts its threads. */
        sigemptyset(&ss);
        sigaddset(&ss, SIGCHLD);
        sigprocmask(SIG_BLOCK, &ss, NULL);
        sr = srunner_create(suite());

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? 0 : 1;
}
