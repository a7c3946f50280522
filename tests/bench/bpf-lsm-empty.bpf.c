/* SPDX-License-Identifier: GPL-2.0-or-later */

/* The floor for bpf-open-overhead: an LSM program on file_open that decides nothing. What it costs is
 * the BPF LSM mechanism itself (trampoline, program entry and exit), which any file_open program pays;
 * vfio-guard's own checks cost the difference. */

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

struct file;

SEC("lsm/file_open")
int BPF_PROG(empty_file_open, struct file *file, int ret)
{
        return ret;
}
