/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "act/attr.h"
#include "act/unbind.h"
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
        k = child_syscall_retry(SYS_write, fd, (long) value, (long) len, 0, 0, 0);
        if (k < 0)
                r = negative_errno();
        else if ((size_t) k != len)
                r = -EIO;
        (void) syscall(SYS_close, fd);
        return r;
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
}

_noreturn_ static void child_exit(void)
{
        for (;;)
                (void) syscall(SYS_exit_group, 0);
}

_noreturn_ static void child_unbind(const char *pin_path, const char *pin, const char *unbind_path,
                                    const char *address, int result_fd)
{
        int r;

        /* The unbind first: vfio-pci runtime-suspends the function right after binding it, and an unbind that
         * comes after the suspend waits for it and for the resume; the pin write (it takes the device lock too)
         * would come before it for nothing. Unbinding first is as safe: until the unbind returns, vfio-pci
         * holds the function and no other driver can take it; after, the kernel does not probe it again by
         * itself, and anybody who does (drivers_probe, bind, new_id) before the pin below makes a bind uevent
         * that the caller sees while this child lives (the daemon decides again at its end, and re-pins there
         * before any hand-back). Under the BPF LSM nobody else may write driver_override at all. */
        r = child_write_attr(unbind_path, address);
        if (pin)
                (void) child_write_attr(pin_path, pin);
        (void) child_syscall_retry(SYS_write, result_fd, (long) &r, sizeof r, 0, 0, 0);
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
                if (gate[0] >= 0) {
                        char c;
                        (void) syscall(SYS_close, gate[1]);
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

int unbind_result(int result_fd)
{
        int r;

        if (read(result_fd, &r, sizeof r) != (ssize_t) sizeof r || r > 0)
                return -EINTR;
        return r;
}

/* One job: fits in one SOCK_SEQPACKET message; longer paths take the unbind_spawn() way. */
typedef struct SpareJob {
        char unbind_path[1024];
        char pin_path[1024];
        char address[64];
        char pin[64];
        bool has_pin;
} SpareJob;

int unbind_spare_start(UnbindSpare *ret)
{
        int job[2], fds[2];
        pid_t pid;
        int r;

        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, job) < 0)
                return negative_errno();
        if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0) {
                r = negative_errno();
                close_pair(job);
                return r;
        }
        pid = fork();
        if (pid < 0) {
                r = negative_errno();
                close_pair(job);
                close_pair(fds);
                return r;
        }
        if (pid == 0) {
                static SpareJob j; /* static: no large stack frame in the child */
                ssize_t n;

                child_setup();
                (void) syscall(SYS_close, job[0]);
                (void) syscall(SYS_close, fds[0]);
                n = child_syscall_retry(SYS_recvfrom, job[1], (long) &j, sizeof j, 0, 0, 0);
                if (n != (ssize_t) sizeof j)
                        child_exit(); /* the caller let it go, or died */
                j.unbind_path[sizeof j.unbind_path - 1] = j.pin_path[sizeof j.pin_path - 1] = '\0';
                j.address[sizeof j.address - 1] = j.pin[sizeof j.pin - 1] = '\0';
                child_unbind(j.pin_path, j.has_pin ? j.pin : NULL, j.unbind_path, j.address, fds[1]);
        }

        close(job[1]);
        close(fds[1]);
        *ret = (UnbindSpare) { .pid = pid, .job_fd = job[0], .result_fd = fds[0] };
        return 0;
}

int unbind_spare_dispatch(UnbindSpare *s, const char *root, const char *address, const char *driver,
                          const char *pin, pid_t *ret_pid, int *ret_result_fd)
{
        SpareJob j = {};
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
        /* MSG_NOSIGNAL: a spare that died must not take the caller with it (SIGPIPE). */
        if (send(s->job_fd, &j, sizeof j, MSG_NOSIGNAL) != (ssize_t) sizeof j)
                return errno == EPIPE || errno == ECONNRESET ? -EPIPE : -EIO;
        close(s->job_fd);
        *ret_pid = s->pid;
        *ret_result_fd = s->result_fd;
        *s = UNBIND_SPARE_NULL;
        return 0;
}

void unbind_spare_stop(UnbindSpare *s)
{
        if (!s || s->pid <= 0)
                return;
        close(s->job_fd);
        close(s->result_fd);
        /* It never got a job, so it has written nothing and holds no lock: end it rather than wait for it to
         * see EOF (a copy of the job socket in another child would keep it waiting). */
        (void) kill(s->pid, SIGKILL);
        while (waitpid(s->pid, NULL, 0) < 0 && errno == EINTR)
                ;
        *s = UNBIND_SPARE_NULL;
}
