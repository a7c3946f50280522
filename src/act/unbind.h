/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Unbinding a function from its driver, in a child process (DESIGN.md section 4). Unbinding a vfio device that
 * user space holds open blocks until the holder lets go, and it holds the device lock all that time; once the
 * writing task has received any signal the wait becomes uninterruptible. So the write never happens in the
 * caller's process, the child blocks every signal it can, and nobody waits for it: the caller watches the pid
 * (sd_event child source) and reports a stuck unbind itself.
 */

#include <signal.h>
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

/* Once the child has ended: what it reported, or -EINTR when it ended without reporting (killed). Does not close
 * the descriptor. */
int unbind_result(int result_fd);

/*
 * A spare unbind child: forked ahead of time (fork is the slow part of unbind_spawn(), and it copies the
 * caller's page tables), it blocks every signal and waits for one job; then it does what an unbind_spawn()
 * child does and exits. A caller keeps at most one idle and forks the next one when nothing is urgent.
 * It exits without writing anything when the caller closes job_fd or dies.
 */
typedef struct UnbindSpare {
        pid_t pid;          /* 0: none */
        int job_fd;         /* the caller's end of the job channel (SOCK_SEQPACKET) */
        int result_fd;      /* as unbind_spawn()'s *ret_result_fd */
} UnbindSpare;

#define UNBIND_SPARE_NULL ((UnbindSpare) { .pid = 0, .job_fd = -1, .result_fd = -1 })

/* Fork the spare. 0 or -errno. */
int unbind_spare_start(UnbindSpare *ret);
/* Hand it the job of unbind_spawn() (no gate: exempt the pid first if needed; the job is the gate). On success
 * the spare's pid and result descriptor move to *ret_pid and *ret_result_fd and *s is emptied; on failure
 * (-EPIPE: the spare is gone, -ENAMETOOLONG, -EINVAL) *s is left as it was, and the caller stops it. */
int unbind_spare_dispatch(UnbindSpare *s, const char *root, const char *address, const char *driver,
                          const char *pin, pid_t *ret_pid, int *ret_result_fd);
/* Let an idle spare go: close its job channel, kill it (it has no job) and reap it. */
void unbind_spare_stop(UnbindSpare *s);
