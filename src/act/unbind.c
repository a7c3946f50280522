/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <fcntl.h>
#include <stdio.h>
#include <sys/prctl.h>

#include "act/attr.h"
#include "act/unbind.h"
#include "shared/macro.h"

int unbind_spawn(const char *root, const char *address, const char *driver, const char *pin, pid_t *ret_pid,
                 int *ret_result_fd, int *ret_gate_fd)
{
        int fds[2], gate[2] = { -1, -1 };
        char unbind_path[4096], pin_path[4096];
        sigset_t all;
        pid_t pid;
        int n, r;

        if (!address || !*address || !driver || !*driver || strchr(driver, '/'))
                return -EINVAL;
        n = snprintf(unbind_path, sizeof unbind_path, "%s/sys/bus/pci/drivers/%s/unbind", strempty(root), driver);
        if (n < 0 || (size_t) n >= sizeof unbind_path)
                return -ENAMETOOLONG;
        r = act_device_attr_path(root, address, "driver_override", pin_path, sizeof pin_path);
        if (r < 0)
                return r;

        if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0)
                return negative_errno();
        if (ret_gate_fd && pipe2(gate, O_CLOEXEC) < 0) {
                r = negative_errno();
                close(fds[0]);
                close(fds[1]);
                return r;
        }

        pid = fork();
        if (pid < 0) {
                r = negative_errno();
                close(fds[0]);
                close(fds[1]);
                if (gate[0] >= 0) {
                        close(gate[0]);
                        close(gate[1]);
                }
                return r;
        }
        if (pid == 0) {
                /* The child: only async-signal-safe calls from here on. Block every signal: a signal received
                 * while vfio waits for the holder would turn the wait uninterruptible for good, while a blocked
                 * one leaves it re-asking the holder every few seconds. SIGKILL still ends it. */
                sigfillset(&all);
                (void) sigprocmask(SIG_SETMASK, &all, NULL);
                (void) prctl(PR_SET_NAME, "vfio-guard-unb", 0, 0, 0);
                if (gate[0] >= 0) {
                        char c;
                        close(gate[1]);
                        /* EOF when the parent closes its end, or dies: either way, go on. */
                        while (read(gate[0], &c, 1) < 0 && errno == EINTR)
                                ;
                }

                if (pin)
                        (void) act_write_attr(pin_path, pin);
                r = act_write_attr(unbind_path, address);
                (void) !write(fds[1], &r, sizeof r);
                _exit(0);
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
