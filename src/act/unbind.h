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
 * then writes ADDRESS to ROOT/sys/bus/pci/drivers/DRIVER/unbind. The child's exit status is 0 on success or the
 * errno of the unbind write (a failed pin write is left to the caller's re-pin).
 * Returns 0 and the child's pid in *ret_pid, or -errno (fork failed, bad arguments). Never waits.
 */
int unbind_spawn(const char *root, const char *address, const char *driver, const char *pin, pid_t *ret_pid);

/* The outcome carried by the child's siginfo (from waitid or an sd_event child source): 0, the -errno the child
 * reported, or -EINTR when it was killed by a signal. */
int unbind_result(const siginfo_t *si);
