/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ROOT/run/vfio-guard/daemon (format in daemon-state.h). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "probe/daemon-state.h"
#include "shared/macro.h"

#define DAEMON_STATE_SIZE_MAX 4096

static bool enforcement_valid(const char *s)
{
        return streq(s, "bpf-lsm") || streq(s, "reactive") || streq(s, "audit");
}

int daemon_state_read(const char *root, DaemonState *ret)
{
        char path[4096], buf[DAEMON_STATE_SIZE_MAX + 1];
        DaemonState s = {};
        ssize_t n;
        int fd;

        if (snprintf(path, sizeof path, "%s/" DAEMON_STATE_FILE, strempty(root)) >= (int) sizeof path)
                return -ENAMETOOLONG;
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return negative_errno();
        n = read(fd, buf, sizeof buf);
        if (n < 0) {
                int r = negative_errno();
                close(fd);
                return r;
        }
        close(fd);
        if (n > DAEMON_STATE_SIZE_MAX)
                return -EBADMSG;
        buf[n] = '\0';

        for (char *line = buf, *next; line && *line; line = next) {
                char *eq;

                next = strchr(line, '\n');
                if (next)
                        *next++ = '\0';
                eq = strchr(line, '=');
                if (!eq)
                        continue;
                *eq++ = '\0';
                if (streq(line, "ENFORCEMENT"))
                        snprintf(s.enforcement, sizeof s.enforcement, "%s", eq);
                else if (streq(line, "REASON"))
                        snprintf(s.reason, sizeof s.reason, "%s", eq);
                else if (streq(line, "PID"))
                        s.pid = (pid_t) strtol(eq, NULL, 10);
                else if (streq(line, "UPDATED_USEC"))
                        s.updated_usec = strtoull(eq, NULL, 10);
        }
        if (!enforcement_valid(s.enforcement))
                return -EBADMSG;
        *ret = s;
        return 0;
}

int daemon_state_write(const char *root, const DaemonState *s)
{
        char dir[4096], path[4200], tmp[4300];
        FILE *f;
        int fd, r = 0;

        if (!enforcement_valid(s->enforcement) || strchr(s->reason, '\n'))
                return -EINVAL;
        snprintf(dir, sizeof dir, "%s/run", strempty(root));
        (void) mkdir(dir, 0755);
        snprintf(dir, sizeof dir, "%s/run/vfio-guard", strempty(root));
        if (mkdir(dir, 0755) < 0 && errno != EEXIST)
                return negative_errno();
        snprintf(path, sizeof path, "%s/daemon", dir);
        snprintf(tmp, sizeof tmp, "%s/.daemon.XXXXXX", dir);

        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        /* World-readable like the function records: vfio-guardctl runs as anybody. */
        (void) fchmod(fd, 0644);
        f = fdopen(fd, "w");
        if (!f) {
                r = negative_errno();
                close(fd);
                unlink(tmp);
                return r;
        }
        fprintf(f, "ENFORCEMENT=%s\nREASON=%s\nPID=%d\nUPDATED_USEC=%" PRIu64 "\n", s->enforcement, s->reason,
                (int) s->pid, s->updated_usec);
        if (fflush(f) != 0 || ferror(f))
                r = -EIO;
        if (fclose(f) != 0 && r == 0)
                r = negative_errno();
        if (r == 0 && rename(tmp, path) < 0)
                r = negative_errno();
        if (r < 0)
                unlink(tmp);
        return r;
}
