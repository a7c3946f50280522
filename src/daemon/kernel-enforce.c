/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Kernel-side enforcement: keep the BPF LSM program's maps (src/bpf) in step with the guard's decisions.
 *
 *   refused addresses  every function decided "refuse": its driver_override becomes unwritable for everybody but
 *                      the guard, so the pin is a wall that libvirt, driverctl and dpdk-devbind cannot rewrite.
 *   denied nodes       the vfio group node (/dev/vfio/N) of every IOMMU group with a refused member, and the vfio
 *                      device nodes (/dev/vfio/devices/vfioX) of refused functions: a function that vfio-pci
 *                      holds (bound at boot, or before the guard ran) cannot be opened while it is handed back.
 *
 * Node numbers come from sysfs (class/vfio/N/dev, the function's vfio-dev/vfioX/dev), not from stat() in /dev:
 * the service runs with PrivateDevices=yes, and sysfs is what the kernel itself says.
 *
 * Fail-closed: nothing here ever unpins on a stop, a crash or an error; only KernelEnforcement=no or Mode=audit
 * (with --enforce) and `vfio-guardd --unpin-bpf` remove the program. A daemon that starts re-uses the pinned
 * maps: their entries stay in force through enumeration and only those that no refused function explains any
 * more are dropped afterwards.
 */
#include <dirent.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/sysmacros.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "buildinfo.h"
#include "daemon/guard-internal.h"
#include "probe/daemon-state.h"
#include "shared/strv.h"

typedef struct KernelNode {
        dev_t rdev;
        char name[64];               /* "/dev/vfio/3", "/dev/vfio/devices/vfio0", or "243:3" when inherited */
        char address[PCI_ADDRESS_MAX]; /* the refused function it was denied for ("" when inherited) */
} KernelNode;

static const char *const kernel_mode_table[_KERNEL_MODE_MAX] = {
        [KERNEL_MODE_AUDIT] = "audit",
        [KERNEL_MODE_REACTIVE] = "reactive",
        [KERNEL_MODE_BPF_LSM] = "bpf-lsm",
};

const char *kernel_mode_to_string(KernelMode m)
{
        return m >= 0 && m < _KERNEL_MODE_MAX ? kernel_mode_table[m] : NULL;
}

static void kernel_failed(Guard *g, const char *address, const char *fmt, ...) _printf_(3, 4);
static void kernel_failed(Guard *g, const char *address, const char *fmt, ...)
{
        _cleanup_free_ char *message = NULL;
        va_list ap;

        va_start(ap, fmt);
        if (vasprintf(&message, fmt, ap) < 0)
                message = NULL;
        va_end(ap);
        guard_emit(g, &(GuardEvent){ .kind = EVENT_ACTION_FAILED, .priority = LOG_ERR, .device = address,
                                     .action = "kernel-enforcement",
                                     .message = message ?: "kernel-side enforcement could not be updated" });
}

static bool function_refused(const Function *f)
{
        return !f->removed && f->decided && f->guarded && f->assessment.decision == DECISION_REFUSE;
}

/* ---- vfio nodes ---- */

/* "243:3\n" → makedev(243, 3). */
static int read_dev_file(const char *path, dev_t *ret)
{
        unsigned maj, min;
        FILE *f;
        int n;

        f = fopen(path, "re");
        if (!f)
                return negative_errno();
        n = fscanf(f, "%u:%u", &maj, &min);
        fclose(f);
        if (n != 2)
                return -EBADMSG;
        *ret = makedev(maj, min);
        return 0;
}

typedef struct NodeSet {
        KernelNode *items;
        size_t n;
} NodeSet;

static KernelNode *node_find(KernelNode *items, size_t n, dev_t rdev)
{
        for (size_t i = 0; i < n; i++)
                if (items[i].rdev == rdev)
                        return &items[i];
        return NULL;
}

static int node_add(KernelNode **items, size_t *n, dev_t rdev, const char *name, const char *address)
{
        KernelNode *l;

        if (node_find(*items, *n, rdev))
                return 0;
        l = realloc(*items, (*n + 1) * sizeof *l);
        if (!l)
                return -ENOMEM;
        *items = l;
        l[*n] = (KernelNode){ .rdev = rdev };
        snprintf(l[*n].name, sizeof l[*n].name, "%s", name);
        snprintf(l[*n].address, sizeof l[*n].address, "%s", strempty(address));
        (*n)++;
        return 0;
}

/* The nodes a refused function makes the guard deny, as they exist right now. */
static void collect_function_nodes(Guard *g, const Function *f, NodeSet *want)
{
        char path[4096], name[64];
        dev_t rdev;

        if (f->evidence.group_number >= 0) {
                static const char *const fmt[] = { "%d", "noiommu-%d" };
                for (size_t i = 0; i < ELEMENTSOF(fmt); i++) {
                        char group[32];
                        snprintf(group, sizeof group, fmt[i], f->evidence.group_number);
                        snprintf(path, sizeof path, "%s/sys/class/vfio/%s/dev", g->root, group);
                        if (read_dev_file(path, &rdev) < 0)
                                continue;
                        snprintf(name, sizeof name, "/dev/vfio/%s", group);
                        (void) node_add(&want->items, &want->n, rdev, name, f->address);
                }
        }

        snprintf(path, sizeof path, "%s/sys/bus/pci/devices/%s/vfio-dev", g->root, f->address);
        _cleanup_closedir_ DIR *d = opendir(path);
        if (!d)
                return;
        for (struct dirent *de; (de = readdir(d));) {
                char dev[sizeof path + 300];
                if (!strneq(de->d_name, "vfio", 4) || strlen(de->d_name) > 40)
                        continue;
                snprintf(dev, sizeof dev, "%s/%s/dev", path, de->d_name);
                if (read_dev_file(dev, &rdev) < 0)
                        continue;
                snprintf(name, sizeof name, "/dev/vfio/devices/%.40s", de->d_name);
                (void) node_add(&want->items, &want->n, rdev, name, f->address);
        }
}

/* Deny every node a refused function needs denied; with may_allow, also allow those no refused function
 * explains any more. skip: a function that is leaving the refusal right now (its decision not yet stored). */
static void sync_nodes(Guard *g, const Function *skip, bool may_allow)
{
        NodeSet want = {};
        int r;

        for (size_t i = 0; i < g->n_functions; i++)
                if (g->functions[i] != skip && function_refused(g->functions[i]))
                        collect_function_nodes(g, g->functions[i], &want);

        for (size_t i = 0; i < want.n; i++) {
                KernelNode *have = node_find(g->kernel_nodes, g->n_kernel_nodes, want.items[i].rdev);
                if (have) {
                        *have = want.items[i]; /* an inherited entry gets its name */
                        continue;
                }
                r = g->kops->deny_node(g->kops_userdata, want.items[i].rdev);
                if (r < 0) {
                        kernel_failed(g, want.items[i].address, "%s: could not deny %s in the kernel: %s",
                                      want.items[i].address, want.items[i].name, strerror(-r));
                        continue;
                }
                if (node_add(&g->kernel_nodes, &g->n_kernel_nodes, want.items[i].rdev, want.items[i].name,
                             want.items[i].address) < 0)
                        break;
        }

        if (may_allow)
                for (size_t i = 0; i < g->n_kernel_nodes;) {
                        KernelNode *k = &g->kernel_nodes[i];
                        if (node_find(want.items, want.n, k->rdev)) {
                                i++;
                                continue;
                        }
                        /* Gone from sysfs (vfio let the function go) or no refused member left: a number the
                         * kernel may hand to another group next must not stay denied. */
                        r = g->kops->allow_node(g->kops_userdata, k->rdev);
                        if (r < 0) {
                                kernel_failed(g, k->address[0] ? k->address : NULL,
                                              "could not allow %s again in the kernel: %s", k->name, strerror(-r));
                                i++;
                                continue;
                        }
                        memmove(k, k + 1, (g->n_kernel_nodes - i - 1) * sizeof *k);
                        g->n_kernel_nodes--;
                }
        free(want.items);
}

/* ---- denials ---- */

/* A VMM or a script that retries an open in a loop is denied thousands of times a second. Each denial is
 * counted (STATUS=), but only the first DENIAL_BURST of every second get an entry of their own: journald
 * cannot keep up with more, and a full journal socket would block the guard's loop. */
#define DENIAL_BURST 20

static uint64_t monotonic_usec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000;
}

/* true when this denial may be journalled; says how many were not, once the second is over. */
static bool denial_rate_ok(Guard *g)
{
        uint64_t now = monotonic_usec();

        if (now - g->denial_window_usec >= 1000000ULL) {
                if (g->denials_suppressed > 0) {
                        char message[200];
                        snprintf(message, sizeof message,
                                 "%u further kernel denials were not journalled one by one (more than %u in a "
                                 "second); STATUS= counts them all", g->denials_suppressed, DENIAL_BURST);
                        guard_emit(g, &(GuardEvent){ .kind = EVENT_KERNEL_DENIED, .priority = LOG_NOTICE,
                                                     .action = "deny-suppressed", .message = message });
                }
                g->denial_window_usec = now;
                g->denials_in_window = 0;
                g->denials_suppressed = 0;
        }
        if (++g->denials_in_window <= DENIAL_BURST)
                return true;
        g->denials_suppressed++;
        return false;
}

static int on_denial(const BpfGuardEvent *e, void *userdata)
{
        Guard *g = userdata;
        _cleanup_free_ char *message = NULL;
        char pid[16], uid[16], comm[sizeof e->comm + 1], node[64] = "", pci_id[16];
        const char *address = NULL;
        Function *f = NULL;
        int n;

        g->kernel_denials++;
        if (!denial_rate_ok(g))
                return 0;
        snprintf(pid, sizeof pid, "%d", (int) e->tgid);
        snprintf(uid, sizeof uid, "%u", (unsigned) e->uid);
        snprintf(comm, sizeof comm, "%.*s", (int) sizeof e->comm, e->comm);

        if (e->kind == BPF_GUARD_DENIED_OVERRIDE) {
                address = e->address;
                f = guard_find(g, address);
                n = asprintf(&message,
                             "%s: the kernel refused %s (pid %s, uid %s) a write-open of driver_override: the guard "
                             "refuses this function%s%s%s. To let vfio have it anyway, add Allow=%s to "
                             "vfio-guard.conf and run systemctl reload vfio-guard",
                             address, comm, pid, uid, f && f->decided ? " (" : "",
                             f && f->decided ? verdict_to_string(f->assessment.verdict) : "",
                             f && f->decided ? ")" : "", address);
        } else {
                KernelNode *k = node_find(g->kernel_nodes, g->n_kernel_nodes, e->rdev);
                if (k)
                        snprintf(node, sizeof node, "%s", k->name);
                else
                        snprintf(node, sizeof node, "%u:%u", major(e->rdev), minor(e->rdev));
                if (k && k->address[0]) {
                        address = k->address;
                        f = guard_find(g, address);
                }
                if (address)
                        n = asprintf(&message,
                                     "%s: the kernel refused %s (pid %s, uid %s) opening %s: it gives access to a "
                                     "function the guard refuses. To let vfio have it anyway, add Allow=%s to "
                                     "vfio-guard.conf and run systemctl reload vfio-guard",
                                     address, comm, pid, uid, node, address);
                else
                        n = asprintf(&message,
                                     "the kernel refused %s (pid %s, uid %s) opening %s, a vfio node denied for a "
                                     "function the guard refuses (vfio-guardctl list names them; Allow= for its "
                                     "address and systemctl reload vfio-guard lets vfio have it)",
                                     comm, pid, uid, node);
        }
        if (n < 0)
                message = NULL;

        GuardEvent ev = {
                .kind = EVENT_KERNEL_DENIED,
                .priority = LOG_NOTICE, /* a refusal, like an unbind of vfio-pci */
                .message = message ?: "the kernel refused an open of a refused function's file",
                .device = address,
                .action = "deny",
                .pid = pid,
                .comm = comm,
                .uid = uid,
                .attempt = e->kind == BPF_GUARD_DENIED_OVERRIDE ? "write-open-driver-override" : "open-vfio-node",
                .node = node[0] ? node : NULL,
        };
        if (f)
                guard_function_event(g, f, &ev, pci_id);
        guard_emit(g, &ev);
        return 0;
}

static int on_kernel_events(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        Guard *g = userdata;
        int r;

        r = g->kops->process_events(g->kops_userdata, on_denial, g);
        if (r < 0)
                kernel_failed(g, NULL, "could not read the kernel's denial reports: %s", strerror(-r));
        status_update(g);
        return 0;
}

/* ---- the mode ---- */

static void write_daemon_state(Guard *g)
{
        DaemonState s = { .pid = getpid() };
        struct timespec ts;
        int r;

        clock_gettime(CLOCK_REALTIME, &ts);
        s.updated_usec = (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000;
        snprintf(s.enforcement, sizeof s.enforcement, "%s", kernel_mode_to_string(g->kernel_mode));
        snprintf(s.reason, sizeof s.reason, "%s", g->kernel_why);
        r = daemon_state_write(g->root, &s);
        if (r < 0)
                kernel_failed(g, NULL, "could not write /run/vfio-guard/daemon: %s", strerror(-r));
}

static const char *open_error_text(int r, char *buf, size_t size)
{
        switch (r) {
        case -EOPNOTSUPP:
                return "the BPF LSM is not active in this kernel (\"bpf\" is missing from /sys/kernel/security/lsm; "
                       "boot with lsm=...,bpf)";
        case -EPERM:
                return "not allowed to load the BPF LSM program (capabilities, kernel lockdown or a seccomp filter)";
        case -ENOMEDIUM:
                return "no bpffs is mounted at /sys/fs/bpf";
        case -EINVAL:
                return "a BPF LSM program of an incompatible version is pinned and still refuses with its old maps; "
                       "run vfio-guardd --unpin-bpf, then restart vfio-guard";
        default:
                snprintf(buf, size, "could not load the BPF LSM program: %s", strerror(-r));
                return buf;
        }
}

static void kernel_close(Guard *g)
{
        g->kernel_events = sd_event_source_disable_unref(g->kernel_events);
        if (g->kernel_open)
                g->kops->close(g->kops_userdata);
        g->kernel_open = false;
        free(g->kernel_nodes);
        g->kernel_nodes = NULL;
        g->n_kernel_nodes = 0;
}

static int kernel_open(Guard *g, bool *ret_reused)
{
        _cleanup_free_ dev_t *nodes = NULL;
        size_t n = 0;
        int r, fd;

        r = g->kops->open(g->kops_userdata, ret_reused);
        if (r < 0)
                return r;
        g->kernel_open = true;

        /* What an earlier daemon denied stays denied until enumeration has shown it is stale. */
        if (g->kops->list_nodes(g->kops_userdata, &nodes, &n) >= 0)
                for (size_t i = 0; i < n; i++) {
                        char name[32];
                        snprintf(name, sizeof name, "%u:%u", major(nodes[i]), minor(nodes[i]));
                        (void) node_add(&g->kernel_nodes, &g->n_kernel_nodes, nodes[i], name, NULL);
                }

        fd = g->kops->event_fd(g->kops_userdata);
        if (fd >= 0)
                r = sd_event_add_io(g->event, &g->kernel_events, fd, EPOLLIN, on_kernel_events, g);
        else
                r = fd;
        if (r < 0)
                /* Still refusing; only the reports are missing. */
                kernel_failed(g, NULL, "cannot watch the kernel's denial reports: %s", strerror(-r));
        return 0;
}

void kernel_enforce_configure(Guard *g, bool starting)
{
        KernelMode old_mode = g->kernel_mode;
        char old_why[sizeof g->kernel_why], buf[160];
        int priority = LOG_INFO, r;

        memcpy(old_why, g->kernel_why, sizeof old_why);

        if (!guard_may_act(g)) {
                g->kernel_mode = KERNEL_MODE_AUDIT;
                snprintf(g->kernel_why, sizeof g->kernel_why, "%s",
                         !g->enforce ? "started without --enforce; a pinned BPF LSM program, if any, is left as it is"
                                     : "Mode=audit");
        } else if (!g->kops) {
                g->kernel_mode = KERNEL_MODE_REACTIVE;
                snprintf(g->kernel_why, sizeof g->kernel_why, "%s",
                         !HAVE_BPF ? "this build has no BPF LSM program"
                         : g->root[0] ? "--root given: the BPF LSM acts on the running kernel only"
                                      : "kernel enforcement not set up");
        } else if (g->config.kernel_enforcement == KERNEL_ENFORCEMENT_NO) {
                g->kernel_mode = KERNEL_MODE_REACTIVE;
                snprintf(g->kernel_why, sizeof g->kernel_why, "KernelEnforcement=no");
                priority = LOG_NOTICE;
        } else if (!g->kernel_open) {
                bool reused = false;

                r = kernel_open(g, &reused);
                if (r < 0) {
                        g->kernel_mode = KERNEL_MODE_REACTIVE;
                        snprintf(g->kernel_why, sizeof g->kernel_why, "%s", open_error_text(r, buf, sizeof buf));
                        priority = r == -EINVAL ? LOG_ERR : LOG_WARNING;
                } else {
                        g->kernel_mode = KERNEL_MODE_BPF_LSM;
                        snprintf(g->kernel_why, sizeof g->kernel_why, "%s",
                                 reused ? "re-using the pinned BPF LSM program" : "BPF LSM program loaded and pinned");
                        /* On a reload (KernelEnforcement=no → auto) the functions are known: fill the maps at
                         * once. At start they are not decided yet; the pinned entries hold until they are. */
                        if (g->started)
                                kernel_enforce_sync(g);
                }
        }

        if (g->kernel_mode != KERNEL_MODE_BPF_LSM) {
                bool had = g->kernel_open;

                kernel_close(g);
                /* Enforcing, and told not to use the kernel (KernelEnforcement=no, Mode=audit): remove what is
                 * pinned, ours or left from an earlier run, so that protection really goes. Never without
                 * --enforce, and never because loading failed: then an older program is better than none. */
                if (g->kops && g->enforce &&
                    (g->config.mode == GUARD_MODE_AUDIT || g->config.kernel_enforcement == KERNEL_ENFORCEMENT_NO) &&
                    (had || starting)) {
                        r = g->kops->unpin(g->kops_userdata);
                        if (r < 0)
                                kernel_failed(g, NULL, "could not remove the pinned BPF LSM program: %s; "
                                              "vfio-guardd --unpin-bpf or rm -r /sys/fs/bpf/vfio-guard removes it",
                                              strerror(-r));
                        else if (had)
                                snprintf(g->kernel_why + strlen(g->kernel_why),
                                         sizeof g->kernel_why - strlen(g->kernel_why),
                                         "; the BPF LSM program was removed");
                }
        }

        /* Said at start and on every reload (the only callers), changed or not: the journal around a reload
         * then always tells what is in force. */
        if (!starting && (old_mode != g->kernel_mode || !streq(old_why, g->kernel_why)))
                priority = priority < LOG_NOTICE ? priority : LOG_NOTICE;

        _cleanup_free_ char *message = NULL;
        if (asprintf(&message, "%s: %s",
                     g->kernel_mode == KERNEL_MODE_BPF_LSM ? "kernel-enforced (BPF LSM): pins of refused functions "
                                                             "cannot be rewritten, their vfio nodes cannot be opened"
                     : g->kernel_mode == KERNEL_MODE_REACTIVE ? "reactive enforcement (pin, unbind) only"
                                                              : "audit only",
                     g->kernel_why) < 0)
                message = NULL;
        guard_emit(g, &(GuardEvent){
                .kind = EVENT_ENFORCEMENT,
                .priority = priority,
                .message = message ?: g->kernel_why,
                .enforcement = kernel_mode_to_string(g->kernel_mode),
                .mode = guard_may_act(g) ? "enforce" : "audit",
        });
        write_daemon_state(g);
        status_update(g);
}

/* ---- keeping the maps in step ---- */

int kernel_enforce_decision(Guard *g, Function *f, Decision old_decision, Decision new_decision)
{
        int r;

        if (!g->kernel_open)
                return 0;
        if (new_decision == DECISION_REFUSE)
                r = g->kops->refuse_address(g->kops_userdata, f->address);
        else
                /* Allowed or gone: out of the map before anything else (the caller lifts the pin after). */
                r = g->kops->allow_address(g->kops_userdata, f->address);
        sync_nodes(g, new_decision == DECISION_REFUSE ? NULL : f, g->started);
        return r;
}

void kernel_enforce_before_unbind(Guard *g, Function *f)
{
        if (g->kernel_open)
                sync_nodes(g, NULL, false);
}

void kernel_enforce_sync(Guard *g)
{
        _cleanup_strv_free_ char **listed = NULL;
        int r;

        if (!g->kernel_open)
                return;
        for (size_t i = 0; i < g->n_functions; i++) {
                Function *f = g->functions[i];
                if (!function_refused(f))
                        continue;
                r = g->kops->refuse_address(g->kops_userdata, f->address);
                if (r < 0)
                        kernel_failed(g, f->address, "%s: could not refuse it in the kernel: %s", f->address,
                                      strerror(-r));
        }

        r = g->kops->list_addresses(g->kops_userdata, &listed);
        if (r < 0)
                kernel_failed(g, NULL, "could not list the refused addresses in the kernel: %s", strerror(-r));
        for (char **a = listed; a && *a; a++) {
                Function *f = guard_find(g, *a);
                if (f && function_refused(f))
                        continue;
                /* Left by an earlier daemon for a function that is gone or no longer refused. */
                r = g->kops->allow_address(g->kops_userdata, *a);
                if (r < 0)
                        kernel_failed(g, *a, "%s: could not drop a stale refusal in the kernel: %s", *a, strerror(-r));
        }
        sync_nodes(g, NULL, true);
}

int kernel_enforce_exempt(Guard *g, pid_t pid)
{
        return g->kernel_open ? g->kops->exempt_tgid(g->kops_userdata, pid) : 0;
}

void kernel_enforce_unexempt(Guard *g, pid_t pid)
{
        int r;

        if (!g->kernel_open || pid <= 0)
                return;
        r = g->kops->unexempt_tgid(g->kops_userdata, pid);
        if (r < 0)
                kernel_failed(g, NULL, "could not withdraw the exemption of the unbind child %d: %s", (int) pid,
                              strerror(-r));
}

void kernel_enforce_done(Guard *g)
{
        /* Descriptors only: the program and its maps stay pinned and go on refusing (fail-closed). */
        kernel_close(g);
}

KernelMode guard_kernel_mode(Guard *g)
{
        return g->kernel_mode;
}

unsigned guard_kernel_denials(Guard *g)
{
        return g->kernel_denials;
}
