/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Unbinding a function from its driver, in a child process (DESIGN.md section 4). Unbinding a vfio device that
 * user space holds open blocks until the holder lets go, and it holds the device lock all that time; once the
 * writing task has received any signal the wait becomes uninterruptible. So the write never happens in the
 * caller's process, the child blocks every signal it can, and nobody waits for it: the caller watches its result
 * pipe (sd_event I/O source) and reports a stuck unbind itself.
 */

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * Fork a child that writes ADDRESS to ROOT/sys/bus/pci/drivers/DRIVER/unbind and, right when that write
 * returns, pin (when non-NULL) to the function's driver_override — so that only the native driver can take the
 * function next, even if the caller is gone by then (why in this order: unbind.c). The child reports the outcome of the unbind
 * write (0 or -errno; a failed pin write is left to the caller's re-pin) through a pipe, not its exit status:
 * an errno does not always fit in one, and tools like valgrind rewrite it.
 * Returns 0, the child's pid in *ret_pid and the pipe's read end (non-blocking, close-on-exec) in
 * *ret_result_fd; or -errno (fork or pipe failed, bad arguments). Never waits.
 *
 * With ret_gate_fd non-NULL the child waits, before any write, until the caller closes *ret_gate_fd (or dies):
 * time for the caller to let the child's pid through a BPF LSM refusal of driver_override writes.
 */
int unbind_spawn(const char *root, const char *address, const char *driver, const char *pin, pid_t *ret_pid,
                 int *ret_result_fd, int *ret_gate_fd);

#define UNBIND_ADDRESS_MAX 32

/* What a child reports, one record per unbind write (0 or -errno, and the function), then an end mark; all the
 * records of one job in one write, when the job is done. */
typedef struct UnbindRecord {
        int r;
        bool own;           /* an armed spare did it on the bind uevent, before its job came */
        bool end;           /* the end mark: the job is done */
        char address[UNBIND_ADDRESS_MAX];
} UnbindRecord;

/* When result_fd is readable: what the child reported for ADDRESS; -EINTR when it ended without reporting (killed:
 * end of file); -EAGAIN when its job is not done yet. *ret_own: the armed spare unbound it on its own. An armed
 * spare may also have unbound another function on its own before the job came: that one's address in *other
 * (else ""), for the caller to decide again. Reads one job's records; does not close the descriptor. */
int unbind_result(int result_fd, const char *address, bool *ret_own, char other[static UNBIND_ADDRESS_MAX]);

/*
 * A spare unbind child: forked ahead of time (fork is the slow part of unbind_spawn(), and it copies the
 * caller's page tables), it blocks every signal and waits for a job; it does what an unbind_spawn() child does,
 * reports, and waits for the next job, disarmed until the caller arms it again. It lives on because a new process
 * cannot preempt anybody when it first wakes (the scheduler starts it a time slice behind the others): a spare
 * forked for each bind lost milliseconds waiting for a CPU on back-to-back binds, where one that has slept a while
 * gets the CPU at once. A caller keeps at most one idle. It exits when the caller closes job_fd or dies.
 *
 * An armed spare also listens to kernel uevents itself: on a `bind` of one of the functions it was armed
 * for, by one of the drivers it was armed for, it unbinds (and pins) at once, without waiting for the
 * caller, whose event loop may be busy with the steps before that bind (the override write and the unbind
 * of a management stack's sequence) just then. The caller sees the same uevent, in the same order, and sends
 * the same job: the spare, having done it, reports; had it done another function first, it does the job too and
 * both records reach the caller. The arming must follow the caller's decisions, and shrink before a pin is
 * lifted: the spare reads the job channel before the uevent of a bind that the lifted pin let happen.
 */
typedef struct UnbindSpare {
        pid_t pid;          /* 0: none */
        int job_fd;         /* the caller's end of the job channel (SOCK_SEQPACKET) */
        int result_fd;      /* as unbind_spawn()'s *ret_result_fd */
        bool listening;     /* it has a uevent socket and can be armed */
} UnbindSpare;

#define UNBIND_SPARE_NULL ((UnbindSpare) { .pid = 0, .job_fd = -1, .result_fd = -1 })
#define UNBIND_SPARE_MAX_ADDRESSES 512 /* more refused functions than that: the rest wait for their job */
#define UNBIND_SPARE_MAX_DRIVERS 32
/* The nice value of every unbind child, and of the daemon's pin thread (units/vfio-guard.service: LimitNICE= allows
 * it). */
#define UNBIND_CHILD_NICE (-10)

/* Fork the spare; with listen, one that can be armed (if its uevent socket cannot be opened, it is not). 0 or
 * -errno. */
int unbind_spare_start(UnbindSpare *ret, bool listen);
/* What it may unbind by itself from now on: binds of these functions by these drivers (exact names); pin as in
 * unbind_spawn(). Replaces the previous arming; no functions disarms it. 0 (also for a spare that does not
 * listen), -EPIPE when it is gone, other -errno. */
int unbind_spare_arm(UnbindSpare *s, const char *root, const char *pin, const char *const *addresses,
                     size_t n_addresses, const char *const *drivers, size_t n_drivers);
/* Hand it the job of unbind_spawn() (no gate: exempt the pid first if needed; the job is the gate). Its records
 * come through s->result_fd (unbind_result()); it is the caller's to arm, dispatch to or stop again once they
 * came. On failure (-EPIPE: the spare is gone, -ENAMETOOLONG, -EINVAL) the caller stops it. */
int unbind_spare_dispatch(UnbindSpare *s, const char *root, const char *address, const char *driver, const char *pin);
/* Let an idle spare go: close its job channel, kill it (it has no job) and reap it. Returns 0, or its pid when
 * it did not end at once (an armed spare inside an unbind of its own): the caller reaps it later. */
pid_t unbind_spare_stop(UnbindSpare *s);
