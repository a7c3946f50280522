/* SPDX-License-Identifier: GPL-2.0-or-later */

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/magic.h>

#include "bpf-guard.h"
#include "shared/macro.h"
#include "shared/strv.h"
#include "vfio-guard-abi.h"
#include "vfio-guard.skel.h"

#define IN_SET_ERRNO(r, a, b, c) ((r) == (a) || (r) == (b) || (r) == (c))

struct BpfGuard {
        struct vfio_guard_bpf *skel;
        struct ring_buffer *ringbuf;
        char *pin_dir;

        /* The callback of the bpf_guard_process_events() call in progress. */
        BpfGuardEventHandler handler;
        void *userdata;
};

static int on_record(void *ctx, void *data, size_t size);

static int libbpf_print(enum libbpf_print_level level, const char *format, va_list args)
{
        /* Library code does not log: libbpf's chatter is for debugging only. */
        if (!getenv("VFIO_GUARD_BPF_DEBUG"))
                return 0;
        return vfprintf(stderr, format, args);
}

int bpf_guard_lsm_active(const char *securityfs)
{
        _cleanup_free_ char *path = NULL, *line = NULL;
        _cleanup_fclose_ FILE *f = NULL;
        size_t size = 0;

        if (asprintf(&path, "%s/lsm", securityfs ?: "/sys/kernel/security") < 0)
                return -ENOMEM;
        f = fopen(path, "re");
        if (!f)
                return negative_errno();
        if (getline(&line, &size, f) < 0)
                return ferror(f) ? -EIO : 0; /* empty: no LSM at all */

        /* A comma-separated list without spaces, e.g. "lockdown,capability,…,bpf". */
        for (char *p = line, *token; (token = strsep(&p, ",\n"));)
                if (streq(token, "bpf"))
                        return 1;
        return 0;
}

int bpf_guard_address_key(const char *address, char buf[static VFIO_GUARD_ADDRESS_MAX])
{
        size_t n, domain;

        if (!address)
                return -EINVAL;
        n = strlen(address);
        /* domain (4–7 hex digits: sysfs prints "%04x"; 8-digit domains do not fit the 16-byte key) ":" bus ":"
         * device "." function */
        if (n < 12 || n >= VFIO_GUARD_ADDRESS_MAX)
                return -EINVAL;
        domain = n - 8;
        for (size_t i = 0; i < n; i++) {
                char c = address[i];

                if (i == domain || i == domain + 3) {
                        if (c != ':')
                                return -EINVAL;
                } else if (i == domain + 6) {
                        if (c != '.')
                                return -EINVAL;
                } else if (i == domain + 7) {
                        if (c < '0' || c > '7')
                                return -EINVAL;
                } else if (!isxdigit((unsigned char) c))
                        return -EINVAL;
        }
        if (strtoul(address + domain + 4, NULL, 16) > 0x1f) /* device number: 5 bits */
                return -EINVAL;

        memset(buf, 0, VFIO_GUARD_ADDRESS_MAX);
        for (size_t i = 0; i < n; i++)
                buf[i] = (char) tolower((unsigned char) address[i]);
        return 0;
}

static int kernel_rdev(dev_t rdev, __u32 *ret)
{
        /* The kernel's dev_t has 12 bits of major and 20 of minor. */
        if (major(rdev) >= (1u << 12) || minor(rdev) >= (1u << 20) || rdev == 0)
                return -EINVAL;
        *ret = VFIO_GUARD_KDEV(major(rdev), minor(rdev));
        return 0;
}

static int is_bpffs(const char *path)
{
        struct statfs sfs;

        if (statfs(path, &sfs) < 0)
                return negative_errno();
        return sfs.f_type == BPF_FS_MAGIC;
}

/* What identifies an attached program for reuse: its tag (the instructions) and the maps it uses. Both
 * must match: a program that is the same code but runs on other maps than the pinned ones (a map pin was
 * removed and recreated) would ignore everything the daemon writes into the pinned maps. */
typedef struct ProgIdentity {
        __u8 tag[BPF_TAG_SIZE];
        __u32 n_maps;
        __u32 map_ids[8];
} ProgIdentity;

static int cmp_u32(const void *a, const void *b)
{
        __u32 x = *(const __u32 *) a, y = *(const __u32 *) b;

        return (x > y) - (x < y);
}

static int prog_identity_of_fd(int prog_fd, ProgIdentity *ret)
{
        ProgIdentity id = {};
        struct bpf_prog_info info = {};
        __u32 len = sizeof(info);

        info.nr_map_ids = ELEMENTSOF(id.map_ids);
        info.map_ids = (__u64) (uintptr_t) id.map_ids;
        if (bpf_obj_get_info_by_fd(prog_fd, &info, &len) < 0)
                return negative_errno();
        if (info.nr_map_ids > ELEMENTSOF(id.map_ids))
                return -E2BIG; /* not our program */
        memcpy(id.tag, info.tag, BPF_TAG_SIZE);
        id.n_maps = info.nr_map_ids;
        qsort(id.map_ids, id.n_maps, sizeof(__u32), cmp_u32);
        *ret = id;
        return 0;
}

/* The identity of the program behind the pinned link at path: -ENOENT if nothing is pinned there. */
static int pinned_link_prog_identity(const char *path, ProgIdentity *ret)
{
        _cleanup_close_ int link_fd = -1, prog_fd = -1;
        struct bpf_link_info info = {};
        __u32 len = sizeof(info);

        link_fd = bpf_obj_get(path);
        if (link_fd < 0)
                return negative_errno();
        if (bpf_obj_get_info_by_fd(link_fd, &info, &len) < 0)
                return negative_errno();
        prog_fd = bpf_prog_get_fd_by_id(info.prog_id);
        if (prog_fd < 0)
                return negative_errno();
        return prog_identity_of_fd(prog_fd, ret);
}

/* Make-before-break: the new link is pinned under a temporary name (bpffs reserves names with a dot, hence
 * "link_new") and renamed over the old pin. Until the rename both programs run (both refuse the same
 * things); after it the old link loses its last reference and detaches. */
static int attach_and_pin(BpfGuard *g)
{
        _cleanup_free_ char *tmp = NULL, *final = NULL;
        struct bpf_link *link;
        int r;

        if (asprintf(&tmp, "%s/link_new", g->pin_dir) < 0 || asprintf(&final, "%s/link", g->pin_dir) < 0)
                return -ENOMEM;

        link = bpf_program__attach_lsm(g->skel->progs.vfio_guard_file_open);
        if (!link)
                return negative_errno();

        (void) unlink(tmp); /* a leftover of an interrupted attempt */
        r = bpf_link__pin(link, tmp);
        if (r < 0)
                goto finish;
        if (rename(tmp, final) < 0) {
                r = negative_errno();
                (void) unlink(tmp);
                goto finish;
        }
        r = 0;
finish:
        /* Only closes our descriptor: the pin keeps the link (and so the program) attached. */
        bpf_link__destroy(link);
        return r;
}

static int exempt_only_self(BpfGuard *g)
{
        int fd = bpf_map__fd(g->skel->maps.exempt_tgids);
        __u32 keys[VFIO_GUARD_MAX_EXEMPT], key, *prev = NULL;
        size_t n = 0;
        int r;

        /* Collect first: deleting while walking a hash map may restart the walk. */
        while (n < ELEMENTSOF(keys) && bpf_map_get_next_key(fd, prev, &key) == 0) {
                keys[n] = key;
                prev = &keys[n++];
        }
        for (size_t i = 0; i < n; i++)
                if (keys[i] != (__u32) getpid() && bpf_map_delete_elem(fd, &keys[i]) < 0 && errno != ENOENT)
                        return negative_errno();

        r = bpf_guard_exempt_tgid(g, getpid());
        return r;
}

BpfGuard *bpf_guard_free(BpfGuard *g)
{
        if (!g)
                return NULL;
        ring_buffer__free(g->ringbuf);
        vfio_guard_bpf__destroy(g->skel); /* closes descriptors; pinned objects stay */
        free(g->pin_dir);
        free(g);
        return NULL;
}

int bpf_guard_open(const char *pin_dir, BpfGuardOpenFlags flags, BpfGuard **ret, bool *ret_reused)
{
        _cleanup_bpf_guard_ BpfGuard *g = NULL;
        _cleanup_free_ char *parent = NULL, *link_path = NULL;
        ProgIdentity new_id, old_id;
        bool reused = false;
        int r;

        if (!ret)
                return -EINVAL;
        pin_dir = pin_dir ?: BPF_GUARD_PIN_DIR;
        if (pin_dir[0] != '/')
                return -EINVAL;

        libbpf_set_print(libbpf_print);

        r = bpf_guard_lsm_active(NULL);
        if (r <= 0)
                return -EOPNOTSUPP; /* not in the list, or no securityfs to tell: either way, no BPF LSM */

        parent = strdup(pin_dir);
        if (!parent)
                return -ENOMEM;
        *strrchr(parent, '/') = '\0';
        r = is_bpffs(parent[0] ? parent : "/");
        if (r < 0)
                return r == -ENOENT ? -ENOMEDIUM : r;
        if (r == 0)
                return -ENOMEDIUM;
        if (mkdir(pin_dir, 0700) < 0 && errno != EEXIST)
                return negative_errno();

        g = calloc(1, sizeof(*g));
        if (!g)
                return -ENOMEM;
        g->pin_dir = strdup(pin_dir);
        if (!g->pin_dir)
                return -ENOMEM;

        /* Maps are declared LIBBPF_PIN_BY_NAME: libbpf reuses PIN_DIR/<map> when it exists and matches,
         * else creates and pins it. A mismatch fails the load, and leaves the old pins as they were. */
        LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = g->pin_dir);
        g->skel = vfio_guard_bpf__open_opts(&opts);
        if (!g->skel)
                return negative_errno();
        r = vfio_guard_bpf__load(g->skel);
        if (r < 0)
                return r;

        r = prog_identity_of_fd(bpf_program__fd(g->skel->progs.vfio_guard_file_open), &new_id);
        if (r < 0)
                return r;
        if (asprintf(&link_path, "%s/link", g->pin_dir) < 0)
                return -ENOMEM;
        r = pinned_link_prog_identity(link_path, &old_id);
        if (r < 0 && !IN_SET_ERRNO(r, -ENOENT, -EINVAL, -E2BIG))
                return r;
        /* -EINVAL, -E2BIG: something else sits there (not a link, not our program); replace it. */
        if (r >= 0 && memcmp(&old_id, &new_id, sizeof(new_id)) == 0 && !(flags & BPF_GUARD_OPEN_REPLACE))
                reused = true;
        else {
                r = attach_and_pin(g);
                if (r < 0)
                        return r;
        }

        r = exempt_only_self(g);
        if (r < 0)
                return r;

        g->ringbuf = ring_buffer__new(bpf_map__fd(g->skel->maps.events), on_record, g, NULL);
        if (!g->ringbuf)
                return negative_errno();

        if (ret_reused)
                *ret_reused = reused;
        *ret = TAKE_PTR(g);
        return 0;
}

static int map_update(int fd, const void *key)
{
        __u8 one = 1;

        if (bpf_map_update_elem(fd, key, &one, BPF_ANY) < 0)
                return negative_errno();
        return 0;
}

static int map_delete(int fd, const void *key)
{
        if (bpf_map_delete_elem(fd, key) < 0 && errno != ENOENT)
                return negative_errno();
        return 0;
}

int bpf_guard_refuse_address(BpfGuard *g, const char *address)
{
        char key[VFIO_GUARD_ADDRESS_MAX];
        int r;

        if (!g)
                return -EINVAL;
        r = bpf_guard_address_key(address, key);
        if (r < 0)
                return r;
        return map_update(bpf_map__fd(g->skel->maps.refused_addresses), key);
}

int bpf_guard_allow_address(BpfGuard *g, const char *address)
{
        char key[VFIO_GUARD_ADDRESS_MAX];
        int r;

        if (!g)
                return -EINVAL;
        r = bpf_guard_address_key(address, key);
        if (r < 0)
                return r;
        return map_delete(bpf_map__fd(g->skel->maps.refused_addresses), key);
}

int bpf_guard_list_addresses(BpfGuard *g, char ***ret)
{
        _cleanup_strv_free_ char **l = NULL;
        char key[VFIO_GUARD_ADDRESS_MAX + 1] = {}, prev[VFIO_GUARD_ADDRESS_MAX];
        int fd, r;
        bool first = true;

        if (!g || !ret)
                return -EINVAL;
        fd = bpf_map__fd(g->skel->maps.refused_addresses);
        l = calloc(1, sizeof(char *));
        if (!l)
                return -ENOMEM;
        while (bpf_map_get_next_key(fd, first ? NULL : prev, key) == 0) {
                r = strv_extend(&l, key); /* key[16] stays NUL: the map key is 16 bytes, NUL-padded */
                if (r < 0)
                        return r;
                memcpy(prev, key, sizeof(prev));
                first = false;
        }
        if (errno != ENOENT)
                return negative_errno();
        strv_sort(l);
        *ret = TAKE_PTR(l);
        return 0;
}

int bpf_guard_deny_node(BpfGuard *g, dev_t rdev)
{
        __u32 k;
        int r;

        if (!g)
                return -EINVAL;
        r = kernel_rdev(rdev, &k);
        if (r < 0)
                return r;
        return map_update(bpf_map__fd(g->skel->maps.denied_nodes), &k);
}

int bpf_guard_allow_node(BpfGuard *g, dev_t rdev)
{
        __u32 k;
        int r;

        if (!g)
                return -EINVAL;
        r = kernel_rdev(rdev, &k);
        if (r < 0)
                return r;
        return map_delete(bpf_map__fd(g->skel->maps.denied_nodes), &k);
}

int bpf_guard_list_nodes(BpfGuard *g, dev_t **ret_nodes, size_t *ret_n)
{
        _cleanup_free_ dev_t *nodes = NULL;
        size_t n = 0;
        __u32 key, prev;
        bool first = true;
        int fd;

        if (!g || !ret_nodes || !ret_n)
                return -EINVAL;
        fd = bpf_map__fd(g->skel->maps.denied_nodes);
        nodes = calloc(VFIO_GUARD_MAX_NODES, sizeof(dev_t));
        if (!nodes)
                return -ENOMEM;
        while (n < VFIO_GUARD_MAX_NODES && bpf_map_get_next_key(fd, first ? NULL : &prev, &key) == 0) {
                nodes[n++] = makedev(key >> 20, key & 0xfffffu);
                prev = key;
                first = false;
        }
        *ret_nodes = TAKE_PTR(nodes);
        *ret_n = n;
        return 0;
}

int bpf_guard_exempt_tgid(BpfGuard *g, pid_t tgid)
{
        __u32 k = (__u32) tgid;

        if (!g || tgid <= 0)
                return -EINVAL;
        return map_update(bpf_map__fd(g->skel->maps.exempt_tgids), &k);
}

int bpf_guard_unexempt_tgid(BpfGuard *g, pid_t tgid)
{
        __u32 k = (__u32) tgid;

        if (!g || tgid <= 0)
                return -EINVAL;
        return map_delete(bpf_map__fd(g->skel->maps.exempt_tgids), &k);
}

int bpf_guard_event_fd(BpfGuard *g)
{
        if (!g)
                return -EINVAL;
        return ring_buffer__epoll_fd(g->ringbuf);
}

static int on_record(void *ctx, void *data, size_t size)
{
        BpfGuard *g = ctx;
        const struct vfio_guard_event *e = data;
        BpfGuardEvent ev = {};

        if (size < sizeof(*e))
                return 0; /* not ours to interpret */

        ev.kind = (BpfGuardDenial) e->kind;
        ev.pid = (pid_t) e->pid;
        ev.tgid = (pid_t) e->tgid;
        ev.uid = (uid_t) e->uid;
        ev.cgroup_id = e->cgroup_id;
        ev.open_flags = (int) e->f_flags;
        ev.rdev = e->kind == VFIO_GUARD_DENIED_NODE ? makedev(e->rdev >> 20, e->rdev & 0xfffffu) : 0;
        memcpy(ev.comm, e->comm, sizeof(ev.comm) - 1);
        memcpy(ev.address, e->address, sizeof(ev.address) - 1);
        return g->handler ? g->handler(&ev, g->userdata) : 0;
}

int bpf_guard_process_events(BpfGuard *g, BpfGuardEventHandler cb, void *userdata)
{
        int r;

        if (!g || !cb)
                return -EINVAL;
        g->handler = cb;
        g->userdata = userdata;
        /* Returns the number of records consumed, or the first negative value the callback returned. */
        r = ring_buffer__consume(g->ringbuf);
        g->handler = NULL;
        g->userdata = NULL;
        return r;
}

int bpf_guard_get_stats(BpfGuard *g, BpfGuardStats *ret)
{
        __u64 v[VFIO_GUARD_STAT_MAX] = {};
        int fd;

        if (!g || !ret)
                return -EINVAL;
        fd = bpf_map__fd(g->skel->maps.stats);
        for (__u32 i = 0; i < VFIO_GUARD_STAT_MAX; i++)
                if (bpf_map_lookup_elem(fd, &i, &v[i]) < 0)
                        return negative_errno();
        *ret = (BpfGuardStats) {
                .denied_override = v[VFIO_GUARD_STAT_DENIED_OVERRIDE],
                .denied_node = v[VFIO_GUARD_STAT_DENIED_NODE],
                .events_lost = v[VFIO_GUARD_STAT_EVENTS_LOST],
        };
        return 0;
}

int bpf_guard_unpin(const char *pin_dir)
{
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int r = 0;

        pin_dir = pin_dir ?: BPF_GUARD_PIN_DIR;
        d = opendir(pin_dir);
        if (!d)
                return errno == ENOENT ? 0 : negative_errno();

        /* The link first: from here on nothing is refused any more, whatever fails below. */
        if (unlinkat(dirfd(d), "link", 0) < 0 && errno != ENOENT)
                return negative_errno();

        while ((de = readdir(d))) {
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (unlinkat(dirfd(d), de->d_name, 0) < 0 && errno != ENOENT && r == 0)
                        r = negative_errno();
        }
        if (rmdir(pin_dir) < 0 && errno != ENOENT && r == 0)
                r = negative_errno();
        return r;
}
