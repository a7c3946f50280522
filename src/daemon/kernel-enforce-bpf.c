/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The real kernel operations: src/bpf/bpf-guard on the standard pin directory. One guard per process. */
#include <errno.h>

#include "buildinfo.h"
#include "daemon/kernel-enforce.h"

#if HAVE_BPF

static BpfGuard *bpf_guard;

static int real_open(void *userdata, bool *ret_reused)
{
        BpfGuard *b = NULL;
        int r;

        if (bpf_guard)
                return 0;
        r = bpf_guard_open(NULL, 0, &b, ret_reused);
        if (r < 0)
                return r;
        bpf_guard = b;
        return 0;
}

static void real_close(void *userdata)
{
        bpf_guard = bpf_guard_free(bpf_guard);
}

static int real_unpin(void *userdata)
{
        /* Descriptors first: the maps then really go with their pins. */
        bpf_guard = bpf_guard_free(bpf_guard);
        return bpf_guard_unpin(NULL);
}

#define WRAP(name, type)                                                \
        static int real_##name(void *userdata, type arg)                \
        {                                                               \
                return bpf_guard ? bpf_guard_##name(bpf_guard, arg) : -EBADF; \
        }
WRAP(refuse_address, const char *)
WRAP(allow_address, const char *)
WRAP(list_addresses, char ***)
WRAP(deny_node, dev_t)
WRAP(allow_node, dev_t)
WRAP(exempt_tgid, pid_t)
WRAP(unexempt_tgid, pid_t)
#undef WRAP

static int real_list_nodes(void *userdata, dev_t **ret_nodes, size_t *ret_n)
{
        return bpf_guard ? bpf_guard_list_nodes(bpf_guard, ret_nodes, ret_n) : -EBADF;
}

static int real_event_fd(void *userdata)
{
        return bpf_guard ? bpf_guard_event_fd(bpf_guard) : -EBADF;
}

static int real_process_events(void *userdata, BpfGuardEventHandler cb, void *cb_userdata)
{
        return bpf_guard ? bpf_guard_process_events(bpf_guard, cb, cb_userdata) : -EBADF;
}

static const KernelOps real_ops = {
        .open = real_open,
        .close = real_close,
        .unpin = real_unpin,
        .refuse_address = real_refuse_address,
        .allow_address = real_allow_address,
        .list_addresses = real_list_addresses,
        .deny_node = real_deny_node,
        .allow_node = real_allow_node,
        .list_nodes = real_list_nodes,
        .exempt_tgid = real_exempt_tgid,
        .unexempt_tgid = real_unexempt_tgid,
        .event_fd = real_event_fd,
        .process_events = real_process_events,
};

const KernelOps *const kernel_ops_bpf = &real_ops;

#else

const KernelOps *const kernel_ops_bpf = NULL;

#endif
