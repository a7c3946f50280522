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
 * Fork a child that first writes pin (when non-NULL) to the function's driver_override — so that, whenever the
 * unbind completes, only the native driver can take the function, even if the caller is gone by then — and
 * then writes ADDRESS to ROOT/sys/bus/pci/drivers/DRIVER/unbind. The child reports the outcome of the unbind
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
