/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Device-tree context of a PCI function. Two layers: the pure one works on a blob in memory (validated with
 * fdt_check_full() before anything walks it); the other finds the blob, the function's node and its host
 * bridge below a root directory. The live tree (/proc/device-tree) is packed into a blob with libfdt's
 * sequential-write API, so that both sources are judged by one piece of code.
 *
 * libfdt speaks -FDT_ERR_*; nothing of that leaves this file: errors become -errno or a problem sentence.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <libfdt.h>

#include "probe/devicetree.h"
#include "shared/macro.h"

/* Far above any real tree (QEMU's are 1 MiB with padding); bounds what a broken file can make us read. */
#define DT_BLOB_MAX (64u << 20)
#define DT_PROPERTY_MAX (1u << 20)
/* Real trees are a few levels deep; a deeper directory is a loop or a broken mock, not a tree. */
#define DT_DEPTH_MAX 32

int devicetree_errno_from_fdt(int fdt_err)
{
        if (fdt_err >= 0)
                return fdt_err;

        switch (-fdt_err) {
        case FDT_ERR_NOTFOUND:
                return -ENOENT;
        case FDT_ERR_EXISTS:
                return -EEXIST;
        case FDT_ERR_NOSPACE:
        case FDT_ERR_NOPHANDLES:
                return -ENOSPC;
        case FDT_ERR_BADOFFSET:
        case FDT_ERR_BADPATH:
        case FDT_ERR_BADPHANDLE:
        case FDT_ERR_BADSTATE:
        case FDT_ERR_BADVALUE:
        case FDT_ERR_BADOVERLAY:
        case FDT_ERR_BADFLAGS:
                return -EINVAL;
        case FDT_ERR_TRUNCATED:
        case FDT_ERR_BADMAGIC:
        case FDT_ERR_BADSTRUCTURE:
        case FDT_ERR_BADLAYOUT:
        case FDT_ERR_BADNCELLS:
        case FDT_ERR_ALIGNMENT:
                return -EBADMSG;
        case FDT_ERR_BADVERSION:
                return -EPROTONOSUPPORT;
        default: /* FDT_ERR_INTERNAL and anything newer than this libfdt */
                return -EIO;
        }
}

static uint32_t be32_at(const uint8_t *p)
{
        return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
}

int devicetree_iommu_map_lookup(const void *map, size_t len, uint32_t mask, uint32_t rid,
                                uint32_t *ret_phandle, uint32_t *ret_id)
{
        const uint8_t *p = map;
        uint32_t id = rid & mask;

        if (!map || len == 0 || len % 16 != 0)
                return -EBADMSG;

        /* First match wins, as in the kernel's of_map_id(). 64-bit sums: base + length may pass 2^32. */
        for (size_t i = 0; i < len; i += 16) {
                uint32_t base = be32_at(p + i), phandle = be32_at(p + i + 4), out = be32_at(p + i + 8),
                         length = be32_at(p + i + 12);

                if (id < base || (uint64_t) id >= (uint64_t) base + length)
                        continue;
                if (ret_phandle)
                        *ret_phandle = phandle;
                if (ret_id)
                        *ret_id = id - base + out;
                return 0;
        }
        return -ENOENT;
}

int devicetree_phandle_lookup(const void *blob, uint32_t phandle, int *ret_offset)
{
        int found = -1, off, depth = 0;

        if (phandle == 0 || phandle == UINT32_MAX)
                return -EINVAL;

        /* fdt_node_offset_by_phandle() returns the first match; a duplicate makes the answer arbitrary, and
         * that is worth saying rather than guessing. */
        for (off = fdt_next_node(blob, -1, &depth); off >= 0; off = fdt_next_node(blob, off, &depth)) {
                if (fdt_get_phandle(blob, off) != phandle)
                        continue;
                if (found >= 0)
                        return -ENOTUNIQ;
                found = off;
        }
        if (off != -FDT_ERR_NOTFOUND)
                return devicetree_errno_from_fdt(off);
        if (found < 0)
                return -ENOENT;
        if (ret_offset)
                *ret_offset = found;
        return 0;
}

_printf_(2, 3) static void set_text(char dst[EVIDENCE_TEXT_MAX], const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(dst, EVIDENCE_TEXT_MAX, fmt, ap);
        va_end(ap);
}

/* The first string of a string(-list) property, or NULL when absent or not NUL-terminated. */
static const char *prop_string(const void *blob, int off, const char *name)
{
        const char *s;
        int len;

        s = fdt_getprop(blob, off, name, &len);
        if (!s || len <= 0 || strnlen(s, len) == (size_t) len)
                return NULL;
        return s;
}

static bool prop_u32(const void *blob, int off, const char *name, uint32_t *ret)
{
        const uint8_t *p;
        int len;

        p = fdt_getprop(blob, off, name, &len);
        if (!p || len != 4)
                return false;
        *ret = be32_at(p);
        return true;
}

static bool is_pci_node(const void *blob, int off)
{
        const char *t = prop_string(blob, off, "device_type");
        return t && (streq(t, "pci") || streq(t, "pciex"));
}

static void node_path(const void *blob, int off, char buf[EVIDENCE_TEXT_MAX])
{
        if (fdt_get_path(blob, off, buf, EVIDENCE_TEXT_MAX) < 0)
                snprintf(buf, EVIDENCE_TEXT_MAX, "(node at offset %d)", off);
}

/* The host bridge of a function node: its outermost ancestor-or-self of device_type "pci" (inner ones are
 * PCI-PCI bridges). -ENOENT when the node is not below any. */
static int host_bridge_of(const void *blob, int off)
{
        int depth = fdt_node_depth(blob, off);

        for (int d = 1; d <= depth; d++) {
                int a = fdt_supernode_atdepth_offset(blob, off, d, NULL);
                if (a < 0)
                        return devicetree_errno_from_fdt(a);
                if (is_pci_node(blob, a))
                        return a;
        }
        return -ENOENT;
}

static bool is_ancestor_or_self(const void *blob, int ancestor, int off)
{
        int depth = fdt_node_depth(blob, off);

        for (int d = 0; d <= depth; d++)
                if (fdt_supernode_atdepth_offset(blob, off, d, NULL) == ancestor)
                        return true;
        return false;
}

/* Without any of_node (arm64 virt before 6.x links only the host bridge, and not always): the host bridge
 * whose linux,pci-domain is the function's domain; a tree with a single host bridge and no such property
 * at all gets domain 0 (what Linux numbers the first bridge). */
static int host_bridge_by_domain(const void *blob, unsigned domain, int *ret)
{
        int off, depth = 0, only = -1, n = 0;
        bool any_domain = false;

        for (off = fdt_next_node(blob, -1, &depth); off >= 0; off = fdt_next_node(blob, off, &depth)) {
                uint32_t d;
                int parent;

                if (!is_pci_node(blob, off))
                        continue;
                parent = fdt_parent_offset(blob, off);
                if (parent >= 0 && is_pci_node(blob, parent))
                        continue;

                n++;
                only = off;
                if (prop_u32(blob, off, "linux,pci-domain", &d)) {
                        any_domain = true;
                        if (d == domain) {
                                *ret = off;
                                return 0;
                        }
                }
        }
        if (off != -FDT_ERR_NOTFOUND)
                return devicetree_errno_from_fdt(off);
        if (n == 0)
                return -ENODEV;
        if (n == 1 && !any_domain && domain == 0) {
                *ret = only;
                return 0;
        }
        return -ENOENT;
}

/* Name the IOMMU behind phandle, named by property `what` of node `from`; anything odd is a problem. */
static void describe_iommu(const void *blob, uint32_t phandle, const char *what, int from, int function,
                           DeviceTreeEvidence *e)
{
        char from_path[EVIDENCE_TEXT_MAX], path[EVIDENCE_TEXT_MAX];
        const char *compat;
        int off, r;

        node_path(blob, from, from_path);
        r = devicetree_phandle_lookup(blob, phandle, &off);
        if (r == -ENOENT) {
                set_text(e->problem, "%s of %s names phandle 0x%x, which no node has", what, from_path, phandle);
                return;
        }
        if (r == -ENOTUNIQ) {
                set_text(e->problem, "%s of %s names phandle 0x%x, which several nodes have", what, from_path,
                         phandle);
                return;
        }
        if (r < 0) {
                set_text(e->problem, "%s of %s names the invalid phandle 0x%x", what, from_path, phandle);
                return;
        }

        node_path(blob, off, path);
        /* A function (or its bridge) cannot be its own IOMMU: following that would go round in circles. */
        if (is_ancestor_or_self(blob, off, function >= 0 ? function : from) || off == from) {
                set_text(e->problem, "phandle loop: %s of %s points back to %s", what, from_path, path);
                return;
        }
        if (!fdt_getprop(blob, off, "#iommu-cells", NULL)) {
                set_text(e->problem, "%s of %s points to %s, which is not an IOMMU (no #iommu-cells)", what,
                         from_path, path);
                return;
        }

        e->covered = true;
        if (fdt_node_check_compatible(blob, off, "virtio,pci-iommu") == 0)
                set_text(e->iommu, "virtio-iommu at %s", path);
        else {
                compat = prop_string(blob, off, "compatible");
                set_text(e->iommu, "%s at %s", compat ?: "IOMMU", path);
        }
}

static void iommu_from_map(const void *blob, int bridge, int function, uint32_t rid, DeviceTreeEvidence *e)
{
        char path[EVIDENCE_TEXT_MAX];
        uint32_t mask = UINT32_MAX, phandle;
        const void *map;
        int len, r;

        map = fdt_getprop(blob, bridge, "iommu-map", &len);
        node_path(blob, bridge, path);
        if (fdt_getprop(blob, bridge, "iommu-map-mask", NULL) && !prop_u32(blob, bridge, "iommu-map-mask", &mask)) {
                set_text(e->problem, "iommu-map-mask of %s is not one cell", path);
                return;
        }

        r = devicetree_iommu_map_lookup(map, len < 0 ? 0 : (size_t) len, mask, rid, &phandle, NULL);
        if (r == -ENOENT)
                /* The kernel gives such a function no IOMMU at all (of_map_id() fails). */
                return;
        if (r < 0) {
                set_text(e->problem, "iommu-map of %s is malformed (%d bytes, not whole 4-cell entries)", path,
                         len);
                return;
        }
        describe_iommu(blob, phandle, "iommu-map", bridge, function, e);
}

int devicetree_blob_evidence(const void *blob, size_t size, const DeviceTreeFunction *f,
                             const char *bypass_property, DeviceTreeEvidence *ret)
{
        DeviceTreeEvidence e = {};
        int fn = -1, bridge = -1, start, r;

        if (!blob || !f || !ret)
                return -EINVAL;

        r = fdt_check_full(blob, size);
        if (r < 0) {
                set_text(e.problem, "invalid device tree blob: %s", fdt_strerror(r));
                *ret = e;
                return 0;
        }
        /* fdt_check_full() accepts a structure block that ends before any node: no tree at all. */
        if (!fdt_get_name(blob, 0, &r)) {
                set_text(e.problem, "invalid device tree blob: no root node (%s)", fdt_strerror(r));
                *ret = e;
                return 0;
        }
        e.present = true;

        if (f->node) {
                fn = fdt_path_offset(blob, f->node);
                if (fn < 0) {
                        set_text(e.node, "%s", f->node);
                        set_text(e.problem, "node %s is not in this tree", f->node);
                        *ret = e;
                        return -ENOENT;
                }
                r = host_bridge_of(blob, fn);
                bridge = r >= 0 ? r : -1;
        } else if (f->bridge) {
                bridge = fdt_path_offset(blob, f->bridge);
                if (bridge < 0) {
                        set_text(e.node, "%s", f->bridge);
                        set_text(e.problem, "host bridge node %s is not in this tree", f->bridge);
                        *ret = e;
                        return -ENOENT;
                }
        } else {
                r = host_bridge_by_domain(blob, f->domain, &bridge);
                if (r == -ENODEV) {
                        /* An ACPI machine booted through EFI still has a (nearly empty) blob. */
                        set_text(e.problem, "the device tree describes no PCI host bridge");
                        *ret = e;
                        return 0;
                }
                if (r < 0) {
                        set_text(e.problem, "no host bridge node for PCI domain %04x in the tree", f->domain);
                        *ret = e;
                        return 0;
                }
        }

        start = fn >= 0 ? fn : bridge;
        node_path(blob, start, e.node);

        if (bypass_property && bypass_property[0]) {
                int depth = fdt_node_depth(blob, start);
                for (int d = depth; d >= 0 && !e.bypass_property; d--) {
                        int a = fdt_supernode_atdepth_offset(blob, start, d, NULL);
                        if (a >= 0 && fdt_getprop(blob, a, bypass_property, NULL))
                                e.bypass_property = true;
                }
        }

        if (fn >= 0 && fdt_getprop(blob, fn, "iommus", NULL)) {
                const uint8_t *p;
                int len;

                p = fdt_getprop(blob, fn, "iommus", &len);
                if (len < 4)
                        set_text(e.problem, "iommus of %s is empty", e.node);
                else
                        describe_iommu(blob, be32_at(p), "iommus", fn, fn, &e);
        } else if (bridge >= 0 && fdt_getprop(blob, bridge, "iommu-map", NULL))
                iommu_from_map(blob, bridge, fn, f->rid, &e);
        else {
                /* pseries: the PHB (or a bridge on the way) carries the TCE window; Linux searches upwards
                 * from the device the same way (pci_dma_find()). */
                int depth = fdt_node_depth(blob, start);
                for (int d = depth; d >= 0; d--) {
                        int a = fdt_supernode_atdepth_offset(blob, start, d, NULL);
                        char path[EVIDENCE_TEXT_MAX];

                        if (a < 0 || !fdt_getprop(blob, a, "ibm,dma-window", NULL))
                                continue;
                        node_path(blob, a, path);
                        e.covered = true;
                        set_text(e.iommu, "TCE (ibm,dma-window) on %s", path);
                        break;
                }
        }

        *ret = e;
        return 0;
}

/* Read a whole file, at most max bytes (-EFBIG beyond). */
static int read_fd_all(int fd, size_t max, void **ret, size_t *ret_size)
{
        _cleanup_free_ uint8_t *buf = NULL;
        size_t size = 0, alloc = 0;

        for (;;) {
                ssize_t n;

                if (size == alloc) {
                        uint8_t *nbuf;

                        if (alloc >= max)
                                return -EFBIG;
                        alloc = alloc ? alloc * 2 : 4096;
                        if (alloc > max)
                                alloc = max;
                        nbuf = realloc(buf, alloc);
                        if (!nbuf)
                                return -ENOMEM;
                        buf = nbuf;
                }
                n = read(fd, buf + size, alloc - size);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                if (n == 0)
                        break;
                size += n;
        }
        if (!buf) {
                buf = malloc(1);
                if (!buf)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(buf);
        *ret_size = size;
        return 0;
}

typedef struct DirEntry {
        char *name;
        bool is_dir;
} DirEntry;

static int entry_cmp(const void *a, const void *b)
{
        return strcmp(((const DirEntry *) a)->name, ((const DirEntry *) b)->name);
}

static void entries_free(DirEntry *l, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free(l[i].name);
        free(l);
}

static int list_node(int dirfd, DirEntry **ret, size_t *ret_n)
{
        _cleanup_closedir_ DIR *d = NULL;
        DirEntry *l = NULL;
        size_t n = 0;
        struct dirent *de;
        int fd;

        fd = dup(dirfd);
        if (fd < 0)
                return negative_errno();
        d = fdopendir(fd);
        if (!d) {
                close(fd);
                return negative_errno();
        }

        while ((errno = 0, de = readdir(d))) {
                struct stat st;
                DirEntry *nl;

                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                /* Nodes are directories and properties plain files; anything else (a symlink) is not
                 * part of a device tree and could lead out of it. */
                if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        continue;
                if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
                        continue;

                nl = realloc(l, (n + 1) * sizeof *l);
                if (!nl)
                        goto nomem;
                l = nl;
                l[n].name = strdup(de->d_name);
                if (!l[n].name)
                        goto nomem;
                l[n++].is_dir = S_ISDIR(st.st_mode);
        }
        if (errno != 0) {
                int r = negative_errno();
                entries_free(l, n);
                return r;
        }

        if (n > 0)
                qsort(l, n, sizeof *l, entry_cmp);
        *ret = l;
        *ret_n = n;
        return 0;

nomem:
        entries_free(l, n);
        return -ENOMEM;
}

/* Properties first, then subnodes: the order the sequential-write API requires. */
static int pack_node(void *fdt, int dirfd, unsigned depth)
{
        DirEntry *l = NULL;
        size_t n = 0;
        int r;

        if (depth > DT_DEPTH_MAX)
                return -ELOOP;

        r = list_node(dirfd, &l, &n);
        if (r < 0)
                return r;

        for (size_t i = 0; i < n && r >= 0; i++) {
                _cleanup_free_ void *value = NULL;
                _cleanup_close_ int fd = -1;
                size_t size;

                if (l[i].is_dir)
                        continue;
                fd = openat(dirfd, l[i].name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
                if (fd < 0) {
                        /* A few properties are root-only (security-sensitive ones); not ours to need. */
                        if (errno == EACCES || errno == EPERM)
                                continue;
                        r = negative_errno();
                        break;
                }
                r = read_fd_all(fd, DT_PROPERTY_MAX, &value, &size);
                if (r == -EACCES || r == -EPERM) {
                        r = 0;
                        continue;
                }
                if (r < 0)
                        break;
                r = devicetree_errno_from_fdt(fdt_property(fdt, l[i].name, value, size));
        }

        for (size_t i = 0; i < n && r >= 0; i++) {
                _cleanup_close_ int fd = -1;

                if (!l[i].is_dir)
                        continue;
                fd = openat(dirfd, l[i].name, O_RDONLY | O_CLOEXEC | O_DIRECTORY | O_NOFOLLOW);
                if (fd < 0) {
                        r = negative_errno();
                        break;
                }
                r = devicetree_errno_from_fdt(fdt_begin_node(fdt, l[i].name));
                if (r < 0)
                        break;
                r = pack_node(fdt, fd, depth + 1);
                if (r < 0)
                        break;
                r = devicetree_errno_from_fdt(fdt_end_node(fdt));
        }

        entries_free(l, n);
        return r < 0 ? r : 0;
}

int devicetree_blob_from_directory(const char *dir, void **ret_blob, size_t *ret_size)
{
        _cleanup_close_ int dirfd = -1;
        size_t alloc = 64 * 1024;

        dirfd = open(dir, O_RDONLY | O_CLOEXEC | O_DIRECTORY);
        if (dirfd < 0)
                return negative_errno();

        /* The size is only known once packed: start small, double on -ENOSPC. */
        for (;;) {
                _cleanup_free_ void *buf = NULL;
                int r;

                buf = malloc(alloc);
                if (!buf)
                        return -ENOMEM;
                r = devicetree_errno_from_fdt(fdt_create(buf, alloc));
                if (r >= 0)
                        r = devicetree_errno_from_fdt(fdt_finish_reservemap(buf));
                if (r >= 0)
                        r = devicetree_errno_from_fdt(fdt_begin_node(buf, ""));
                if (r >= 0)
                        r = pack_node(buf, dirfd, 0);
                if (r >= 0)
                        r = devicetree_errno_from_fdt(fdt_end_node(buf));
                if (r >= 0)
                        r = devicetree_errno_from_fdt(fdt_finish(buf));
                if (r == -ENOSPC && alloc < DT_BLOB_MAX) {
                        alloc *= 2;
                        continue;
                }
                if (r < 0)
                        return r;

                *ret_size = fdt_totalsize(buf);
                *ret_blob = TAKE_PTR(buf);
                return 0;
        }
}

/* ROOT/…/of_node → the node's path in the tree ("/" for the root), or -ENOENT without a link. */
static int of_node_path(const char *dir, char **ret)
{
        _cleanup_free_ char *link = NULL;
        char target[PATH_MAX];
        const char *p;
        ssize_t n;

        if (asprintf(&link, "%s/of_node", dir) < 0)
                return -ENOMEM;
        n = readlink(link, target, sizeof target - 1);
        if (n < 0)
                return negative_errno();
        target[n] = 0;

        p = strstr(target, "/devicetree/base");
        if (!p)
                return -EINVAL;
        p += STRLEN("/devicetree/base");
        if (*p != 0 && *p != '/')
                return -EINVAL;
        *ret = strdup(*p ? p : "/");
        return *ret ? 0 : -ENOMEM;
}

/* The host bridge's node, for a function without one: walk up the device's sysfs parents to the root bus
 * (pciDDDD:BB) and take its of_node, else that of the platform device above it. */
static int bridge_node_path(const char *root, const char *devdir, char **ret)
{
        _cleanup_free_ char *real = NULL, *top = NULL, *top_real = NULL;
        size_t top_len;
        char *slash;
        int r;

        if (asprintf(&top, "%s/sys/devices", root) < 0)
                return -ENOMEM;
        top_real = realpath(top, NULL);
        real = realpath(devdir, NULL);
        if (!top_real || !real)
                return errno == ENOMEM ? -ENOMEM : -ENOENT;
        top_len = strlen(top_real);

        for (;;) {
                unsigned dom, bus;
                char c;

                slash = strrchr(real, '/');
                if (!slash || (size_t) (slash - real) < top_len)
                        return -ENOENT;
                if (sscanf(slash + 1, "pci%x:%x%c", &dom, &bus, &c) == 2)
                        break;
                *slash = 0;
        }

        r = of_node_path(real, ret);
        if (r != -ENOENT && r != -EINVAL)
                return r;
        *slash = 0;
        if (strlen(real) <= top_len)
                return -ENOENT;
        r = of_node_path(real, ret);
        return r == -EINVAL ? -ENOENT : r;
}

static bool dir_exists(const char *path)
{
        struct stat st;
        return stat(path, &st) >= 0 && S_ISDIR(st.st_mode);
}

int devicetree_probe(const char *root, const char *address, const char *bypass_property, DeviceTreeEvidence *ret)
{
        _cleanup_free_ char *devdir = NULL, *fn_node = NULL, *br_node = NULL, *fdt_path = NULL,
                            *live_sys = NULL, *live_proc = NULL;
        _cleanup_free_ void *blob = NULL, *live = NULL;
        _cleanup_close_ int fd = -1;
        DeviceTreeEvidence e = {};
        DeviceTreeFunction f = {};
        const char *livedir = NULL;
        char blob_problem[EVIDENCE_TEXT_MAX] = "";
        unsigned dom, bus, dev, fun;
        size_t size = 0;
        int n = 0, r;

        root = strempty(root);
        *ret = e;

        if (!address || sscanf(address, "%x:%x:%x.%x%n", &dom, &bus, &dev, &fun, &n) != 4 ||
            address[n] != 0 || bus > 0xff || dev > 0x1f || fun > 7) {
                set_text(ret->problem, "malformed PCI address \"%s\"", strempty(address));
                return 0;
        }
        f.domain = dom;
        f.rid = bus << 8 | dev << 3 | fun;

        if (asprintf(&devdir, "%s/sys/bus/pci/devices/%s", root, address) < 0 ||
            asprintf(&fdt_path, "%s/sys/firmware/fdt", root) < 0 ||
            asprintf(&live_sys, "%s/sys/firmware/devicetree/base", root) < 0 ||
            asprintf(&live_proc, "%s/proc/device-tree", root) < 0)
                return -ENOMEM;

        r = of_node_path(devdir, &fn_node);
        if (r == -ENOMEM)
                return r;
        if (!fn_node) {
                r = bridge_node_path(root, devdir, &br_node);
                if (r == -ENOMEM)
                        return r;
        }
        f.node = fn_node;
        f.bridge = br_node;

        if (dir_exists(live_sys))
                livedir = live_sys;
        else if (dir_exists(live_proc))
                livedir = live_proc;

        fd = open(fdt_path, O_RDONLY | O_CLOEXEC);
        r = fd < 0 ? negative_errno() : read_fd_all(fd, DT_BLOB_MAX, &blob, &size);
        if (r == -ENOMEM)
                return r;
        if (r >= 0) {
                r = devicetree_blob_evidence(blob, size, &f, bypass_property, &e);
                if (r == -ENOMEM)
                        return r;
                /* A node that is not in the boot-time blob appeared later (hotplug): the live tree has it. */
                if (r != -ENOENT || !livedir) {
                        *ret = e;
                        return 0;
                }
                set_text(blob_problem, "%s", e.problem);
        } else if (!livedir) {
                if (r == -ENOENT)
                        set_text(ret->problem, "no device tree on this platform");
                else
                        set_text(ret->problem, "cannot read /sys/firmware/fdt: %s", strerror(-r));
                return 0;
        }
        /* Otherwise: no blob or not root (the blob is mode 0400; the live tree is world-readable). */

        r = devicetree_blob_from_directory(livedir, &live, &size);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                set_text(ret->problem, "cannot read the live device tree %s: %s", livedir + strlen(root),
                         strerror(-r));
                return 0;
        }
        r = devicetree_blob_evidence(live, size, &f, bypass_property, &e);
        if (r == -ENOMEM)
                return r;
        if (r == -ENOENT && blob_problem[0])
                set_text(e.problem, "%s, in /sys/firmware/fdt nor in the live tree", blob_problem);
        *ret = e;
        return 0;
}
