/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The daemon's own record, ROOT/run/vfio-guard/daemon: which enforcement is in force, for vfio-guardctl list.
 * Written by vfio-guardd at start and whenever the mode changes (atomically, temporary file + rename); KEY=VALUE
 * lines like the function records (record.h), documented in vfio-guardd(8); unknown keys are ignored:
 *
 *   ENFORCEMENT=bpf-lsm       bpf-lsm | reactive | audit
 *   REASON=...                one line: why this mode (e.g. why not bpf-lsm)
 *   PID=1234                  the daemon that wrote it
 *   UPDATED_USEC=...          CLOCK_REALTIME when written
 *
 * The file stays when the daemon stops: a pinned BPF LSM program goes on refusing without it.
 */

#include <stdint.h>
#include <sys/types.h>

#define DAEMON_STATE_FILE "run/vfio-guard/daemon"

typedef struct DaemonState {
        char enforcement[16];
        char reason[256];
        pid_t pid;
        uint64_t updated_usec;
} DaemonState;

/* 0; -ENOENT when there is none; -EBADMSG when ENFORCEMENT= is missing or not one of the three; other -errno. */
int daemon_state_read(const char *root, DaemonState *ret);
/* Creates ROOT/run/vfio-guard when needed. 0 or -errno. */
int daemon_state_write(const char *root, const DaemonState *s);
