/* SPDX-License-Identifier: GPL-2.0-or-later */

/* The kernel side of vfio-guard: an LSM program on file_open that refuses
 *   (a) a write-open of a refused function's driver_override (sysfs: file "driver_override" whose parent
 *       directory is named by the PCI address), except by the guard itself (exempt thread group IDs);
 *   (b) any open of a listed vfio group or device node (/dev/vfio/N, /dev/vfio/devices/vfioX), matched on
 *       the inode's device number, so another path or a new device node with the same number changes nothing.
 * The maps are filled by the daemon (bpf-guard.c). Every denial goes to a ring buffer.
 *
 * This runs on every open in the system. The common case, a read-only open of a regular file or a
 * directory, is decided on one load (f_mode, see vfio_guard_file_open()); any other open costs a few
 * loads more and at most one hash lookup, unless it is the write-open of a file named driver_override.
 *
 * Kernel types: we do not generate vmlinux.h from the build host's /sys/kernel/btf/vmlinux (the build
 * host's kernel is not the target's, and CI may have another one; a generated header would also tie the
 * source tree to one kernel build). Instead the few fields we read are declared here with
 * preserve_access_index: clang records each access as a CO-RE relocation by field *name*, and libbpf
 * resolves it against the running kernel's BTF at load time. Only field names and types matter, not
 * the layout written here, and load fails cleanly if a field disappears. Constants come from the stable
 * UAPI headers (<linux/bpf.h>). */

#include <linux/bpf.h>
#include <linux/errno.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "vfio-guard-abi.h"

#define FMODE_WRITE 0x2u     /* include/linux/fs.h; part of the kernel ABI to LSMs since 2.6 */
#define FMODE_ATOMIC_POS 0x8000u /* include/linux/fs.h, since 3.14; see vfio_guard_file_open() */
#define SYSFS_MAGIC 0x62656572u /* include/uapi/linux/magic.h */
#define S_IFMT 00170000
#define S_IFREG 0100000
#define S_IFCHR 0020000

struct super_block {
        unsigned long s_magic;
} __attribute__((preserve_access_index));

struct inode {
        unsigned short i_mode;
        __u32 i_rdev;
        struct super_block *i_sb;
} __attribute__((preserve_access_index));

struct qstr {
        __u32 len; /* member of an anonymous struct in the kernel; CO-RE finds it by name */
        const unsigned char *name;
} __attribute__((preserve_access_index));

struct dentry {
        struct dentry *d_parent;
        struct qstr d_name;
} __attribute__((preserve_access_index));

struct path {
        struct dentry *dentry;
} __attribute__((preserve_access_index));

struct file {
        struct path f_path;
        struct inode *f_inode;
        unsigned int f_flags;
        unsigned int f_mode;
} __attribute__((preserve_access_index));

char LICENSE[] SEC("license") = "GPL"; /* LSM programs must be GPL-compatible; so is the project */

struct address_key {
        char address[VFIO_GUARD_ADDRESS_MAX];
};

/* All maps are pinned by name under the loader's pin directory, so that a restarted or upgraded loader
 * reuses them with their contents. */
struct {
        __uint(type, BPF_MAP_TYPE_HASH);
        __uint(max_entries, VFIO_GUARD_MAX_ADDRESSES);
        __type(key, struct address_key);
        __type(value, __u8);
        __uint(pinning, LIBBPF_PIN_BY_NAME);
} refused_addresses SEC(".maps");

struct {
        __uint(type, BPF_MAP_TYPE_HASH);
        __uint(max_entries, VFIO_GUARD_MAX_NODES);
        __type(key, __u32);
        __type(value, __u8);
        __uint(pinning, LIBBPF_PIN_BY_NAME);
} denied_nodes SEC(".maps");

struct {
        __uint(type, BPF_MAP_TYPE_HASH);
        __uint(max_entries, VFIO_GUARD_MAX_EXEMPT);
        __type(key, __u32);
        __type(value, __u8);
        __uint(pinning, LIBBPF_PIN_BY_NAME);
} exempt_tgids SEC(".maps");

struct {
        __uint(type, BPF_MAP_TYPE_ARRAY);
        __uint(max_entries, VFIO_GUARD_STAT_MAX);
        __type(key, __u32);
        __type(value, __u64);
        __uint(pinning, LIBBPF_PIN_BY_NAME);
} stats SEC(".maps");

struct {
        __uint(type, BPF_MAP_TYPE_RINGBUF);
        __uint(max_entries, VFIO_GUARD_RINGBUF_BYTES);
        __uint(pinning, LIBBPF_PIN_BY_NAME);
} events SEC(".maps");

static __always_inline void count(__u32 index)
{
        __u64 *v = bpf_map_lookup_elem(&stats, &index);

        if (v)
                __sync_fetch_and_add(v, 1);
}

static __always_inline int deny(struct file *file, __u32 kind, __u32 rdev, const struct address_key *key)
{
        struct vfio_guard_event *e;

        count(kind == VFIO_GUARD_DENIED_NODE ? VFIO_GUARD_STAT_DENIED_NODE : VFIO_GUARD_STAT_DENIED_OVERRIDE);

        e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
        if (!e) {
                /* Still denied; the loader reads the counter and says how many went unreported. */
                count(VFIO_GUARD_STAT_EVENTS_LOST);
                return -EPERM;
        }

        __u64 pid_tgid = bpf_get_current_pid_tgid();
        e->cgroup_id = bpf_get_current_cgroup_id();
        e->kind = kind;
        e->pid = (__u32) pid_tgid;
        e->tgid = pid_tgid >> 32;
        e->uid = (__u32) bpf_get_current_uid_gid();
        e->rdev = rdev;
        e->f_flags = file->f_flags;
        bpf_get_current_comm(e->comm, sizeof(e->comm));
        if (key)
                __builtin_memcpy(e->address, key->address, sizeof(e->address));
        else
                __builtin_memset(e->address, 0, sizeof(e->address));
        bpf_ringbuf_submit(e, 0);
        return -EPERM;
}

/* Both checks are inlined into one subprogram of its own (static, so the verifier still knows the
 * pointers' types): the hot path in vfio_guard_file_open() then needs no stack and no callee-saved
 * register, which keeps the JIT's prologue and epilogue short. Measured under -icount
 * (tests/bench/bpf-open-overhead): every instruction on the hot path counts. */
static __always_inline int check_node(struct file *file, struct inode *inode)
{
        __u32 rdev = inode->i_rdev;

        if (bpf_map_lookup_elem(&denied_nodes, &rdev))
                return deny(file, VFIO_GUARD_DENIED_NODE, rdev, NULL);
        return 0;
}

static __always_inline int check_override(struct file *file, struct inode *inode)
{
        struct dentry *dentry = file->f_path.dentry, *parent;
        struct address_key key = {};
        __u64 name[2], want[2];
        __u32 len, tgid;

        if (dentry->d_name.len != sizeof("driver_override") - 1)
                return 0;
        if (inode->i_sb->s_magic != SYSFS_MAGIC)
                return 0;

        /* 15 characters and the NUL, compared as two words (clang folds the constants). */
        if (bpf_probe_read_kernel(name, sizeof(name), dentry->d_name.name) < 0)
                return 0;
        __builtin_memcpy(want, "driver_override", sizeof(want));
        if (name[0] != want[0] || name[1] != want[1])
                return 0;

        parent = dentry->d_parent;
        len = parent->d_name.len;
        if (len == 0 || len >= VFIO_GUARD_ADDRESS_MAX)
                return 0;
        if (bpf_probe_read_kernel_str(key.address, sizeof(key.address), parent->d_name.name) < 0)
                return 0;
        if (!bpf_map_lookup_elem(&refused_addresses, &key))
                return 0;

        /* Only now: the guard's own exemption matters only for a write it would otherwise be refused. */
        tgid = bpf_get_current_pid_tgid() >> 32;
        if (bpf_map_lookup_elem(&exempt_tgids, &tgid))
                return 0;

        return deny(file, VFIO_GUARD_DENIED_OVERRIDE, 0, &key);
}

static __noinline int check_open(struct file *file, int ret)
{
        struct inode *inode;
        unsigned short type;

        if (ret != 0) /* an earlier program already refused */
                return ret;

        inode = file->f_inode;
        type = inode->i_mode & S_IFMT;
        if (type == S_IFCHR)
                return check_node(file, inode);
        if (type == S_IFREG && (file->f_mode & FMODE_WRITE))
                return check_override(file, inode);
        return 0;
}

SEC("lsm/file_open")
int BPF_PROG(vfio_guard_file_open, struct file *file, int ret)
{
        /* The fast exit, on one load: both denials need either a write-open (driver_override) or a
         * character device (vfio nodes). do_dentry_open() sets FMODE_ATOMIC_POS for regular files and
         * directories only, before it calls security_file_open(); FMODE_WRITE comes from the open flags.
         * So a file with ATOMIC_POS and without WRITE is neither, and the inode need not be read. If a
         * kernel ever set ATOMIC_POS later than this hook, every open would just take check_open()
         * (slower, never weaker); the VM tests (tests/vm/bpf/guest-enforce.sh) check both denials on
         * the kernel we ship for. Returning ret keeps an earlier refusal, as check_open() does. */
        if ((file->f_mode & (FMODE_ATOMIC_POS | FMODE_WRITE)) == FMODE_ATOMIC_POS)
                return ret;
        return check_open(file, ret);
}
