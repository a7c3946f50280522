/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <linux/filter.h>
#include <linux/netlink.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "act/attr.h"
#include "act/unbind.h"
#include "act/uevent.h"
#include "shared/macro.h"

/*
 * A child of a multi-threaded process (the daemon has its pin thread) may, until it exits, only make calls that
 * cannot wait for a lock another thread held at fork() time. Async-signal-safe libc calls would do in a plain
 * process, but open(), write(), close() and recv() are symbols that an LD_PRELOAD library may interpose on, and
 * such libraries take locks in them: umockdev, which our tests run under, does (a child forked while one of its
 * threads held the lock waited for ever). So the child talks to the kernel alone, through syscall(2).
 */
static long child_syscall_retry(long nr, long a, long b, long c, long d, long e, long f)
{
        long k;

        do
                k = syscall(nr, a, b, c, d, e, f);
        while (k < 0 && errno == EINTR);
        return k;
}

/* act_write_attr(), without libc's interposable wrappers. 0 or -errno. */
static int child_write_attr(const char *path, const char *value)
{
        size_t len = strlen(value);
        long fd, k;
        int r = 0;

        fd = child_syscall_retry(SYS_openat, AT_FDCWD, (long) path, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0,
                                 0, 0);
        if (fd < 0)
                return negative_errno();
        /* write(), not child_pwrite_attr(): the tests stand a FIFO in for an unbind that blocks, and a FIFO has
         * no offset (the spare's pwrite() to such a FIFO fails and comes here). */
        k = child_syscall_retry(SYS_write, fd, (long) value, (long) len, 0, 0, 0);
        if (k < 0)
                r = negative_errno();
        else if ((size_t) k != len)
                r = -EIO;
        (void) syscall(SYS_close, fd);
        return r;
}

/* A write at offset 0 to an attribute already open (sysfs ignores the offset; a mock file is overwritten in
 * place, as every PCI address has the same length). 0 or -errno. */
static int child_pwrite_attr(int fd, const char *value)
{
        size_t len = strlen(value);
        long k = child_syscall_retry(SYS_pwrite64, fd, (long) value, (long) len, 0, 0, 0);

        if (k < 0)
                return negative_errno();
        return (size_t) k == len ? 0 : -EIO;
}

/* The job of a child, spawned or spare. */
static void child_setup(void)
{
        sigset_t all;

        /* Block every signal: a signal received while vfio waits for the holder would turn the wait
         * uninterruptible for good, while a blocked one leaves it re-asking the holder every few seconds.
         * SIGKILL still ends it. (sigfillset() only fills memory; the kernel's sigset is 8 bytes.) */
        sigfillset(&all);
        (void) syscall(SYS_rt_sigprocmask, SIG_SETMASK, &all, NULL, (long) (_NSIG / 8));
        (void) syscall(SYS_prctl, PR_SET_NAME, "vfio-guard-unb", 0, 0, 0);
        /* Ahead of the daemon's own threads, udevd's workers and the binder itself: every millisecond this child
         * waits for a CPU after the bind uevent woke it is a millisecond more that vfio-pci holds the function.
         * Allowed by the unit's LimitNICE=; without it (or as a user) the call fails and nothing changes. */
        (void) syscall(SYS_setpriority, PRIO_PROCESS, 0, UNBIND_CHILD_NICE);
}

/* Close every descriptor from 3 up but a, b and c (-1: none). Without this a child would hold the daemon's
 * descriptors as they were at its fork, among them the job channel of a spare forked before it: that spare would
 * not see the channel close when the daemon lets it go (it waits for end of file to exit). */
static void child_keep_only(int a, int b, int c)
{
        int keep[3] = { a, b, c }, t;
        unsigned first = 3;

        for (size_t i = 0; i < 3; i++)
                for (size_t j = i + 1; j < 3; j++)
                        if (keep[j] < keep[i])
                                t = keep[i], keep[i] = keep[j], keep[j] = t;
        for (size_t i = 0; i < 3; i++) {
                if (keep[i] < (int) first)
                        continue;
                if ((unsigned) keep[i] > first)
                        (void) syscall(SYS_close_range, first, (unsigned) keep[i] - 1, 0);
                first = (unsigned) keep[i] + 1;
        }
        (void) syscall(SYS_close_range, first, ~0U, 0);
}

_noreturn_ static void child_exit(void)
{
        for (;;)
                (void) syscall(SYS_exit_group, 0);
}

/* A string copy that cannot overflow (dst holds size bytes; size > 0); false when src did not fit. */
static bool child_copy(char *dst, size_t size, const char *src)
{
        size_t i = 0;

        for (; src[i] && i + 1 < size; i++)
                dst[i] = src[i];
        dst[i] = '\0';
        return src[i] == '\0';
}

/* The records of the job in hand (at most two unbinds, then the end mark), written together when it is done. */
static UnbindRecord child_records[3];
static unsigned child_n_records;

static void child_report(int r, const char *address, bool own)
{
        UnbindRecord *rec = &child_records[child_n_records++];

        *rec = (UnbindRecord) { .r = r, .own = own };
        (void) child_copy(rec->address, sizeof rec->address, address);
}

/* The job is done: its records and the end mark in one write, below PIPE_BUF, so whole or not at all (the caller
 * reads one job's records at once, and a spare's pipe carries the jobs one after another). */
static void child_report_end(int result_fd)
{
        child_records[child_n_records++] = (UnbindRecord) { .end = true };
        (void) child_syscall_retry(SYS_write, result_fd, (long) child_records, child_n_records * sizeof(UnbindRecord),
                                   0, 0, 0);
        child_n_records = 0;
}

/* The unbind (and pin) of one function, and its record. unbind_fd: the driver's `unbind`, already open, or -1
 * (then unbind_path is opened). */
static void child_do_unbind(const char *pin_path, const char *pin, int unbind_fd, const char *unbind_path,
                            const char *address, bool own)
{
        int r = -EBADF;

        /* The unbind first: vfio-pci runtime-suspends the function right after binding it, and an unbind that
         * comes after the suspend waits for it and for the resume; the pin write (it takes the device lock too)
         * would come before it for nothing. Unbinding first is as safe: until the unbind returns, vfio-pci
         * holds the function and no other driver can take it; after, the kernel does not probe it again by
         * itself, and anybody who does (drivers_probe, bind, new_id) before the pin below makes a bind uevent
         * that the caller sees while this child lives (the daemon decides again at its end, and re-pins there
         * before any hand-back). Under the BPF LSM nobody else may write driver_override at all. */
        if (unbind_fd >= 0)
                r = child_pwrite_attr(unbind_fd, address);
        /* An attribute opened before its driver went and came back answers ENODEV: by its path, then. */
        if (r < 0)
                r = child_write_attr(unbind_path, address);
        if (pin)
                (void) child_write_attr(pin_path, pin);
        child_report(r, address, own);
}

_noreturn_ static void child_unbind(const char *pin_path, const char *pin, const char *unbind_path,
                                    const char *address, int result_fd)
{
        child_do_unbind(pin_path, pin, -1, unbind_path, address, false);
        child_report_end(result_fd);
        child_exit();
}

/* Both ends of a pipe or socket pair, if open (a pair not yet made holds -1s). */
static void close_pair(int p[2])
{
        if (p[0] >= 0)
                close(p[0]);
        if (p[1] >= 0)
                close(p[1]);
}

static int unbind_paths(const char *root, const char *address, const char *driver, char *unbind_path,
                        size_t unbind_size, char *pin_path, size_t pin_size)
{
        int n;

        if (!address || !*address || !driver || !*driver || strchr(driver, '/'))
                return -EINVAL;
        n = snprintf(unbind_path, unbind_size, "%s/sys/bus/pci/drivers/%s/unbind", strempty(root), driver);
        if (n < 0 || (size_t) n >= unbind_size)
                return -ENAMETOOLONG;
        return act_device_attr_path(root, address, "driver_override", pin_path, pin_size);
}

int unbind_spawn(const char *root, const char *address, const char *driver, const char *pin, pid_t *ret_pid,
                 int *ret_result_fd, int *ret_gate_fd)
{
        int fds[2], gate[2] = { -1, -1 };
        char unbind_path[4096], pin_path[4096];
        pid_t pid;
        int r;

        r = unbind_paths(root, address, driver, unbind_path, sizeof unbind_path, pin_path, sizeof pin_path);
        if (r < 0)
                return r;

        if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0)
                return negative_errno();
        if (ret_gate_fd && pipe2(gate, O_CLOEXEC) < 0) {
                r = negative_errno();
                close_pair(fds);
                return r;
        }

        pid = fork();
        if (pid < 0) {
                r = negative_errno();
                close_pair(fds);
                close_pair(gate);
                return r;
        }
        if (pid == 0) {
                child_setup();
                child_keep_only(fds[1], gate[0], -1);
                if (gate[0] >= 0) {
                        char c;
                        /* EOF when the parent closes its end, or dies: either way, go on. */
                        (void) child_syscall_retry(SYS_read, gate[0], (long) &c, 1, 0, 0, 0);
                }
                child_unbind(pin_path, pin, unbind_path, address, fds[1]);
        }

        close(fds[1]);
        if (gate[0] >= 0) {
                close(gate[0]);
                *ret_gate_fd = gate[1];
        }
        *ret_pid = pid;
        *ret_result_fd = fds[0];
        return 0;
}

int unbind_result(int result_fd, const char *address, bool *ret_own, char other[static UNBIND_ADDRESS_MAX])
{
        /* One job: a spare's own unbind, a job for another function (unbind.h), the end mark; in one write. */
        UnbindRecord rec[3];
        ssize_t k;
        int r = -EINTR;

        other[0] = '\0';
        *ret_own = false;
        do
                k = read(result_fd, rec, sizeof rec);
        while (k < 0 && errno == EINTR);
        if (k < 0)
                return errno == EAGAIN ? -EAGAIN : -EINTR;
        for (size_t i = 0; i < (size_t) k / sizeof rec[0] && !rec[i].end; i++) {
                rec[i].address[sizeof rec[i].address - 1] = '\0';
                if (streq(rec[i].address, address)) {
                        r = rec[i].r > 0 ? -EINTR : rec[i].r;
                        *ret_own = rec[i].own;
                } else
                        snprintf(other, UNBIND_ADDRESS_MAX, "%s", rec[i].address);
        }
        return r;
}

/* ---- the spare ---- */

/* The messages of the job channel (SOCK_SEQPACKET: one message, one record). */
enum {
        SPARE_JOB = 1,
        SPARE_ARM = 2,
};

/* One job: longer paths take the unbind_spawn() way. */
typedef struct SpareJob {
        uint32_t kind;
        char unbind_path[1024];
        char pin_path[1024];
        char address[UNBIND_ADDRESS_MAX];
        char pin[64];
        bool has_pin;
} SpareJob;

/* What the spare unbinds by itself (unbind_spare_arm()). */
typedef struct SpareArm {
        uint32_t kind;
        char root[1024];
        char pin[64];
        bool has_pin;
        uint32_t n_addresses, n_drivers;
        char addresses[UNBIND_SPARE_MAX_ADDRESSES][UNBIND_ADDRESS_MAX];
        char drivers[UNBIND_SPARE_MAX_DRIVERS][64];
} SpareArm;

typedef union SpareMessage {
        uint32_t kind;
        SpareJob job;
        SpareArm arm;
} SpareMessage;

/* Static, not on the stack: the child's stack is the parent's, copied on write. */
static SpareMessage spare_msg;
static SpareArm spare_armed;
/* The `unbind` attribute of each armed driver, opened when armed (-1: could not be): on a bind, one write and no
 * path walk through sysfs, the cheapest way there is from the uevent to the unbind. */
static int spare_unbind_fds[UNBIND_SPARE_MAX_DRIVERS];
static uint32_t spare_n_unbind_fds;
static char spare_uevent[8192 + 1];
static char spare_unbind_path[1024 + 64 + 64], spare_pin_path[1024 + 64 + 64];

static bool child_streq(const char *a, const char *b)
{
        while (*a && *a == *b)
                a++, b++;
        return *a == *b;
}

/* Read one message from the job channel: 1 read, 0 nothing there (flags MSG_DONTWAIT), -1 the parent let go. */
static int child_receive(int job_fd, int flags)
{
        long n = child_syscall_retry(SYS_recvfrom, job_fd, (long) &spare_msg, sizeof spare_msg, flags, 0, 0);

        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                return 0;
        if (n <= 0)
                return -1;
        if (spare_msg.kind == SPARE_ARM && n == (long) sizeof(SpareArm)) {
                spare_armed = spare_msg.arm;
                if (spare_armed.n_addresses > UNBIND_SPARE_MAX_ADDRESSES || spare_armed.n_drivers > UNBIND_SPARE_MAX_DRIVERS)
                        spare_armed.n_addresses = spare_armed.n_drivers = 0;
                spare_armed.root[sizeof spare_armed.root - 1] = spare_armed.pin[sizeof spare_armed.pin - 1] = '\0';
                for (uint32_t i = 0; i < spare_armed.n_addresses; i++)
                        spare_armed.addresses[i][UNBIND_ADDRESS_MAX - 1] = '\0';
                for (uint32_t i = 0; i < spare_armed.n_drivers; i++)
                        spare_armed.drivers[i][sizeof spare_armed.drivers[i] - 1] = '\0';
                return 1;
        }
        if (spare_msg.kind == SPARE_JOB && n == (long) sizeof(SpareJob)) {
                SpareJob *j = &spare_msg.job;
                j->unbind_path[sizeof j->unbind_path - 1] = j->pin_path[sizeof j->pin_path - 1] = '\0';
                j->address[sizeof j->address - 1] = j->pin[sizeof j->pin - 1] = '\0';
                return 1;
        }
        return -1; /* not from our parent */
}

/* The index of driver in the armed list when address is armed too, else -1. */
static int child_armed_for(const char *address, const char *driver)
{
        bool found = false;

        for (uint32_t i = 0; i < spare_armed.n_addresses && !found; i++)
                found = child_streq(spare_armed.addresses[i], address);
        if (!found)
                return -1;
        for (uint32_t i = 0; i < spare_armed.n_drivers; i++)
                if (child_streq(spare_armed.drivers[i], driver))
                        return (int) i;
        return -1;
}

/* dst = a + b + c + d, or false when it does not fit. */
static bool child_concat(char *dst, size_t size, const char *a, const char *b, const char *c, const char *d)
{
        const char *parts[] = { a, b, c, d };
        size_t k = 0;

        for (size_t i = 0; i < 4; i++)
                for (const char *p = parts[i]; *p; p++) {
                        if (k + 1 >= size)
                                return false;
                        dst[k++] = *p;
                }
        dst[k] = '\0';
        return true;
}

/* spare_unbind_path = ROOT/sys/bus/pci/drivers/DRIVER/unbind for armed driver i; false when it does not fit. */
static bool child_unbind_path(uint32_t i)
{
        return child_concat(spare_unbind_path, sizeof spare_unbind_path, spare_armed.root, "/sys/bus/pci/drivers/",
                            spare_armed.drivers[i], "/unbind");
}

/* After an ARM: the armed drivers' `unbind` attributes, opened now (the old ones closed). */
static void child_open_unbind_fds(void)
{
        for (uint32_t i = 0; i < spare_n_unbind_fds; i++)
                if (spare_unbind_fds[i] >= 0)
                        (void) syscall(SYS_close, spare_unbind_fds[i]);
        spare_n_unbind_fds = spare_armed.n_drivers;
        for (uint32_t i = 0; i < spare_n_unbind_fds; i++) {
                spare_unbind_fds[i] = -1;
                if (child_unbind_path(i))
                        spare_unbind_fds[i] = (int) child_syscall_retry(SYS_openat, AT_FDCWD, (long) spare_unbind_path,
                                                                        O_WRONLY | O_CLOEXEC | O_NOCTTY, 0, 0, 0);
        }
}

/* A uevent read from the netlink socket: the address when it is a bind the spare is armed for, else NULL. */
static const char *child_uevent_match(int uevent_fd, int *ret_driver)
{
        struct sockaddr_storage from = {};
        socklen_t fromlen = sizeof from;
        Uevent e;
        const char *address;
        long n;

        n = child_syscall_retry(SYS_recvfrom, uevent_fd, (long) spare_uevent, sizeof spare_uevent - 1,
                                MSG_DONTWAIT, (long) &from, (long) &fromlen);
        if (n <= 0)
                return NULL; /* nothing, or ENOBUFS after an overflow: the parent's job still comes */
        /* Only the kernel speaks on its netlink group. (A socket that is AF_UNIX is umockdev's stand-in for
         * netlink in the tests: no kernel there.) */
        if (from.ss_family == AF_NETLINK && ((struct sockaddr_nl *) &from)->nl_pid != 0)
                return NULL;
        if (!uevent_parse(spare_uevent, (size_t) n, &e) || !e.subsystem || !e.driver ||
            !child_streq(e.action, "bind") || !child_streq(e.subsystem, "pci"))
                return NULL;
        address = uevent_devpath_name(&e);
        if (!address || (*ret_driver = child_armed_for(address, e.driver)) < 0)
                return NULL;
        return address;
}

/* After an unbind of its own: wait for the parent's job (it saw the same bind) and do it unless it is the same
 * function; then the records of both go to the parent. false when the parent let go instead. */
static bool child_after_own_unbind(int job_fd, const char *done)
{
        static char done_address[UNBIND_ADDRESS_MAX];
        int k;

        (void) child_copy(done_address, sizeof done_address, done);
        while ((k = child_receive(job_fd, 0)) > 0) {
                if (spare_msg.kind != SPARE_JOB)
                        continue; /* an arming meanwhile: the parent arms again when the job is done */
                if (!child_streq(spare_msg.job.address, done_address))
                        child_do_unbind(spare_msg.job.pin_path, spare_msg.job.has_pin ? spare_msg.job.pin : NULL, -1,
                                        spare_msg.job.unbind_path, spare_msg.job.address, false);
                return true;
        }
        return false;
}

/* A job done: its records to the parent, and back to waiting, disarmed until the parent arms it again (it may have
 * missed armings while it worked; acting on an old one could unbind a function allowed since). */
static void spare_job_done(int result_fd)
{
        child_report_end(result_fd);
        spare_armed.n_addresses = 0;
}

_noreturn_ static void spare_main(int job_fd, int uevent_fd, int result_fd)
{
        for (;;) {
                struct pollfd p[2] = {
                        { .fd = job_fd, .events = POLLIN },
                        { .fd = uevent_fd, .events = POLLIN },
                };
                const char *address;
                int k, driver = -1;

                if (child_syscall_retry(SYS_ppoll, (long) p, uevent_fd >= 0 ? 2 : 1, 0, 0, 0, 0) < 0)
                        child_exit();
                /* The job channel first: an ARM sent before a bind (it shrinks the set before a pin is lifted)
                 * is read before the bind's uevent. */
                if (p[0].revents) {
                        k = child_receive(job_fd, MSG_DONTWAIT);
                        if (k < 0)
                                child_exit(); /* the caller let it go, or died */
                        if (k > 0 && spare_msg.kind == SPARE_ARM)
                                child_open_unbind_fds();
                        if (k > 0 && spare_msg.kind == SPARE_JOB) {
                                child_do_unbind(spare_msg.job.pin_path, spare_msg.job.has_pin ? spare_msg.job.pin : NULL,
                                                -1, spare_msg.job.unbind_path, spare_msg.job.address, false);
                                spare_job_done(result_fd);
                        }
                        continue;
                }
                if (!(p[1].revents & POLLIN))
                        continue;
                address = child_uevent_match(uevent_fd, &driver);
                if (!address)
                        continue;
                if (!child_unbind_path((uint32_t) driver) ||
                    !child_concat(spare_pin_path, sizeof spare_pin_path, spare_armed.root, "/sys/bus/pci/devices/",
                                  address, "/driver_override"))
                        continue;
                child_do_unbind(spare_pin_path, spare_armed.has_pin ? spare_armed.pin : NULL,
                                spare_unbind_fds[driver], spare_unbind_path, address, true);
                if (!child_after_own_unbind(job_fd, address)) {
                        child_report_end(result_fd); /* what it did, for a parent that may still read */
                        child_exit();
                }
                spare_job_done(result_fd);
        }
}

/* A netlink socket on the kernel's uevent group that lets only "bind@…" messages through (a classic BPF filter:
 * the spare wakes up for nothing else), and udevd's "libudev" format, which is what umockdev's stand-in
 * carries in the tests. */
static int uevent_socket_open(void)
{
        static const struct sock_filter code[] = {
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x62696e64 /* "bind" */, 0, 2),
                BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 4),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, '@', 2, 3),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x6c696275 /* "libu" */, 1, 0),
                BPF_STMT(BPF_RET | BPF_K, 0),
                BPF_STMT(BPF_RET | BPF_K, 0xffffffff),
                BPF_STMT(BPF_RET | BPF_K, 0),
        };
        const struct sock_fprog prog = { .len = ELEMENTSOF(code), .filter = (struct sock_filter *) code };
        struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = 1 };
        int fd, size = 1 << 20;

        fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);
        if (fd < 0)
                return negative_errno();
        if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog) < 0 ||
            bind(fd, (struct sockaddr *) &sa, sizeof sa) < 0) {
                int r = negative_errno();
                close(fd);
                return r;
        }
        (void) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
        return fd;
}

int unbind_spare_start(UnbindSpare *ret, bool listen)
{
        int job[2], fds[2], uevent_fd = -1;
        pid_t pid;
        int r;

        if (listen) {
                uevent_fd = uevent_socket_open();
                if (uevent_fd < 0)
                        listen = false; /* a spare that only takes jobs is still a spare */
        }
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, job) < 0) {
                r = negative_errno();
                goto fail_uevent;
        }
        if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0) {
                r = negative_errno();
                close_pair(job);
                goto fail_uevent;
        }
        pid = fork();
        if (pid < 0) {
                r = negative_errno();
                close_pair(job);
                close_pair(fds);
                goto fail_uevent;
        }
        if (pid == 0) {
                child_setup();
                child_keep_only(job[1], fds[1], uevent_fd);
                spare_main(job[1], uevent_fd, fds[1]);
        }

        close(job[1]);
        close(fds[1]);
        if (uevent_fd >= 0)
                close(uevent_fd);
        *ret = (UnbindSpare) { .pid = pid, .job_fd = job[0], .result_fd = fds[0], .listening = listen };
        return 0;

fail_uevent:
        if (uevent_fd >= 0)
                close(uevent_fd);
        return r;
}

int unbind_spare_arm(UnbindSpare *s, const char *root, const char *pin, const char *const *addresses,
                     size_t n_addresses, const char *const *drivers, size_t n_drivers)
{
        static SpareArm arm; /* 18 KB: not on the daemon's stack */

        if (!s || s->pid <= 0)
                return -EINVAL;
        if (!s->listening)
                return 0;
        arm = (SpareArm) { .kind = SPARE_ARM };
        if (snprintf(arm.root, sizeof arm.root, "%s", strempty(root)) >= (int) sizeof arm.root ||
            (pin && snprintf(arm.pin, sizeof arm.pin, "%s", pin) >= (int) sizeof arm.pin))
                n_addresses = 0; /* cannot say it: arm for nothing, the jobs still come */
        arm.has_pin = pin != NULL;
        for (size_t i = 0; i < n_addresses && arm.n_addresses < UNBIND_SPARE_MAX_ADDRESSES; i++)
                if (strlen(addresses[i]) < UNBIND_ADDRESS_MAX)
                        strcpy(arm.addresses[arm.n_addresses++], addresses[i]);
        for (size_t i = 0; i < n_drivers && arm.n_drivers < UNBIND_SPARE_MAX_DRIVERS; i++)
                if (strlen(drivers[i]) < sizeof arm.drivers[0] && !strchr(drivers[i], '/'))
                        strcpy(arm.drivers[arm.n_drivers++], drivers[i]);
        /* Never blocks: a spare inside an unbind of its own reads nothing (the caller then lets it go). */
        if (send(s->job_fd, &arm, sizeof arm, MSG_NOSIGNAL | MSG_DONTWAIT) != (ssize_t) sizeof arm)
                return errno == EPIPE || errno == ECONNRESET ? -EPIPE : errno == EAGAIN ? -EAGAIN : -EIO;
        return 0;
}

int unbind_spare_dispatch(UnbindSpare *s, const char *root, const char *address, const char *driver, const char *pin)
{
        SpareJob j = { .kind = SPARE_JOB };
        int r;

        if (!s || s->pid <= 0)
                return -EINVAL;
        r = unbind_paths(root, address, driver, j.unbind_path, sizeof j.unbind_path, j.pin_path,
                         sizeof j.pin_path);
        if (r < 0)
                return r;
        if (strlen(address) >= sizeof j.address || (pin && strlen(pin) >= sizeof j.pin))
                return -ENAMETOOLONG;
        strcpy(j.address, address);
        if (pin) {
                strcpy(j.pin, pin);
                j.has_pin = true;
        }
        /* MSG_NOSIGNAL: a spare that died must not take the caller with it (SIGPIPE); MSG_DONTWAIT: nor one
         * that reads nothing any more. */
        if (send(s->job_fd, &j, sizeof j, MSG_NOSIGNAL | MSG_DONTWAIT) != (ssize_t) sizeof j)
                return errno == EPIPE || errno == ECONNRESET ? -EPIPE : errno == EAGAIN ? -EAGAIN : -EIO;
        return 0;
}

pid_t unbind_spare_stop(UnbindSpare *s)
{
        pid_t pid;

        if (!s || s->pid <= 0)
                return 0;
        pid = s->pid;
        close(s->job_fd);
        close(s->result_fd);
        *s = UNBIND_SPARE_NULL;
        /* Without a job it holds no lock and has written nothing: end it rather than wait for it to see EOF
         * (a copy of the job socket in another child would keep it waiting). An armed spare may be in an
         * unbind of its own, though, which a holder can stretch and SIGKILL cannot cut short: reap it if it
         * goes at once, else leave it to the caller. */
        (void) kill(pid, SIGKILL);
        for (unsigned i = 0; i < 100; i++) {
                pid_t k = waitpid(pid, NULL, WNOHANG);
                if (k == pid || (k < 0 && errno != EINTR))
                        return 0;
                (void) usleep(1000);
        }
        return pid;
}
