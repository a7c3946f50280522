/* SPDX-License-Identifier: GPL-2.0-or-later */
/* probe_function(): every piece of evidence about one PCI function, read without changing anything. */
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/features.h"
#include "core/virtio-caps.h"
#include "core/virtio-ids.h"
#include "probe/probe.h"
#include "probe/record.h"
#include "probe/sysfs.h"
#include "shared/macro.h"
#include "shared/strv.h"

#if HAVE_DEVICETREE
#include "probe/devicetree.h"
#endif

_printf_(3, 4) static void say(char *buf, size_t size, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(buf, size, fmt, ap);
        va_end(ap);
}

typedef struct VirtioParent {
        char address[PCI_ADDRESS_MAX];
        char name[32];          /* "virtio7" */
} VirtioParent;

struct ProbeCache {
        char *root;             /* the root what follows is about; NULL: nothing known yet */
        int devicetree;         /* -1: not looked at; 0: none of the device-tree sources exists; 1: one does */
        char **records;         /* the addresses that had a record of vfio-guardd when probe_cache_snapshot_records()
                                 * listed them, sorted; NULL: no snapshot, every probe looks for its own record */
        size_t n_records;
        VirtioParent *virtio;   /* the virtio devices on the bus and their PCI functions when
                                 * probe_cache_snapshot_virtio() listed them, sorted by address; NULL: no snapshot */
        size_t n_virtio;
        int devices_fd;         /* ROOT/sys/bus/pci/devices; -1: not opened yet, -2: could not be */
        int groups_fd;          /* ROOT/sys/kernel/iommu_groups; the same */
        bool defer_closes;      /* probe_cache_defer_closes() */
        int deferred[64];       /* descriptors of earlier probes, not closed yet */
        size_t n_deferred;
};

int probe_cache_new(ProbeCache **ret)
{
        ProbeCache *c = calloc(1, sizeof *c);

        if (!c)
                return -ENOMEM;
        c->devicetree = -1;
        c->devices_fd = -1;
        c->groups_fd = -1;
        *ret = c;
        return 0;
}

void probe_cache_defer_closes(ProbeCache *c)
{
        if (c)
                c->defer_closes = true;
}

static void cache_close_deferred(ProbeCache *c)
{
        sysfs_close_all(c->deferred, c->n_deferred);
        c->n_deferred = 0;
}

/* Take the descriptors of a probe that is done (emptying fds), or leave them to the caller to close. */
static void cache_defer(ProbeCache *c, SysfsFds *fds)
{
        if (!c || !c->defer_closes)
                return;
        if (c->n_deferred + fds->n > ELEMENTSOF(c->deferred))
                cache_close_deferred(c);
        if (c->n_deferred + fds->n > ELEMENTSOF(c->deferred))
                return;
        memcpy(c->deferred + c->n_deferred, fds->fd, fds->n * sizeof fds->fd[0]);
        c->n_deferred += fds->n;
        fds->n = 0;
}

/* The directory ROOT/subdir, opened on first use and kept in *slot; -1 when it cannot be (then paths from the
 * root). */
static int cache_dir_fd(ProbeCache *c, const char *root, const char *subdir, int *slot)
{
        char path[PATH_MAX];

        if (!c || *slot == -2)
                return -1;
        if (*slot >= 0)
                return *slot;
        if (snprintf(path, sizeof path, "%s%s", strempty(root), subdir) >= (int) sizeof path)
                *slot = -2;
        else {
                *slot = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (*slot < 0)
                        *slot = -2;
        }
        return *slot >= 0 ? *slot : -1;
}

static void cache_reset(ProbeCache *c)
{
        cache_close_deferred(c);
        if (c->devices_fd >= 0)
                close(c->devices_fd);
        c->devices_fd = -1;
        if (c->groups_fd >= 0)
                close(c->groups_fd);
        c->groups_fd = -1;
        free(c->root);
        c->root = NULL;
        c->devicetree = -1;
        strv_free(c->records);
        c->records = NULL;
        c->n_records = 0;
        free(c->virtio);
        c->virtio = NULL;
        c->n_virtio = 0;
}

ProbeCache *probe_cache_free(ProbeCache *c)
{
        if (!c)
                return NULL;
        cache_reset(c);
        free(c);
        return NULL;
}

/* The cache if it may be used for root (emptied first when it was about another root), or NULL. */
static ProbeCache *cache_for(ProbeCache *c, const char *root)
{
        if (!c)
                return NULL;
        if (c->root && streq(c->root, strempty(root)))
                return c;
        cache_reset(c);
        c->root = strdup(strempty(root));
        return c->root ? c : NULL;
}

int probe_cache_snapshot_records(ProbeCache *c, const char *root)
{
        char **l = NULL;
        int r;

        c = cache_for(c, root);
        if (!c)
                return -ENOMEM;
        strv_free(c->records);
        c->records = NULL;
        c->n_records = 0;

        r = record_list(root, &l);
        if (r < 0)
                return r;
        c->records = l;
        c->n_records = (size_t) r;
        return 0;
}

static int cmp_virtio_parent(const void *a, const void *b)
{
        return strcmp(((const VirtioParent *) a)->address, ((const VirtioParent *) b)->address);
}

/* ROOT/sys/bus/virtio/devices/virtioN links to …/ADDRESS/virtioN: the PCI function of each virtio device. Links
 * to anything else (virtio-mmio, a name that is not an address) are left out. */
static int list_virtio_parents(const char *root, VirtioParent **ret, size_t *ret_n)
{
        _cleanup_closedir_ DIR *d = NULL;
        _cleanup_free_ VirtioParent *l = NULL;
        size_t n = 0, allocated = 0;
        char dir[PATH_MAX];
        struct dirent *de;
        int k;

        k = snprintf(dir, sizeof dir, "%s/sys/bus/virtio/devices", strempty(root));
        if (k < 0 || (size_t) k >= sizeof dir)
                return -ENAMETOOLONG;
        d = opendir(dir);
        if (!d)
                return errno == ENOENT ? 0 : negative_errno(); /* no virtio bus: no virtio device */

        while ((errno = 0, de = readdir(d))) {
                char target[PATH_MAX], *base, *parent;
                ssize_t t;

                if (!strneq(de->d_name, "virtio", STRLEN("virtio")) || strlen(de->d_name) >= sizeof l->name)
                        continue;
                t = readlinkat(dirfd(d), de->d_name, target, sizeof target - 1);
                if (t < 0)
                        continue;
                target[t] = 0;
                base = strrchr(target, '/');
                if (!base || !streq(base + 1, de->d_name))
                        continue;
                *base = 0;
                parent = strrchr(target, '/');
                parent = parent ? parent + 1 : target;
                if (!GREEDY_REALLOC(l, allocated, n, 64))
                        return -ENOMEM;
                if (pci_address_normalize(parent, l[n].address) < 0 || !streq(l[n].address, parent))
                        continue;
                strcpy(l[n].name, de->d_name);
                n++;
        }
        if (errno > 0)
                return -errno;

        if (n > 0)
                qsort(l, n, sizeof *l, cmp_virtio_parent);
        *ret = TAKE_PTR(l);
        *ret_n = n;
        return 0;
}

int probe_cache_snapshot_virtio(ProbeCache *c, const char *root)
{
        VirtioParent *l = NULL;
        size_t n = 0;
        int r;

        c = cache_for(c, root);
        if (!c)
                return -ENOMEM;
        free(c->virtio);
        c->virtio = NULL;
        c->n_virtio = 0;

        r = list_virtio_parents(root, &l, &n);
        if (r < 0)
                return r;
        /* An empty snapshot is still one (every function then lists its own directory, as without it). */
        c->virtio = l ? l : calloc(1, sizeof *l);
        if (!c->virtio)
                return -ENOMEM;
        c->n_virtio = n;
        return 0;
}

/* The snapshot's virtio device of the function at address, or NULL. */
static const char *cache_virtio_child(const ProbeCache *c, const char *address)
{
        VirtioParent key = {};
        const VirtioParent *p;

        if (!c || !c->virtio || c->n_virtio == 0)
                return NULL;
        strcpy(key.address, address);
        p = bsearch(&key, c->virtio, c->n_virtio, sizeof key, cmp_virtio_parent);
        return p ? p->name : NULL;
}

static int cmp_address(const void *key, const void *member)
{
        return strcmp(key, *(char *const *) member);
}

/* Whether the snapshot says there is no record for the address (false without a snapshot: then look). */
static bool cache_lacks_record(const ProbeCache *c, const char *address)
{
        return c && c->records && !bsearch(address, c->records, c->n_records, sizeof(char *), cmp_address);
}

/* The kernel's modalias of a PCI function ("pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X"), formatted by hand:
 * snprintf() with this format costs as much as the rest of a probe together. */
static void format_modalias(const Evidence *e, char buf[static EVIDENCE_TEXT_MAX])
{
        static const char digits[] = "0123456789ABCDEF";
        const struct {
                const char *prefix;
                uint32_t value;
                unsigned width;
        } parts[] = {
                { "pci:v", e->vendor, 8 },
                { "d", e->device, 8 },
                { "sv", e->subsys_vendor, 8 },
                { "sd", e->subsys_device, 8 },
                { "bc", (e->class_code >> 16) & 0xff, 2 },
                { "sc", (e->class_code >> 8) & 0xff, 2 },
                { "i", e->class_code & 0xff, 2 },
        };
        char *p = buf;

        for (size_t i = 0; i < ELEMENTSOF(parts); i++) {
                p = stpcpy(p, parts[i].prefix);
                for (unsigned d = parts[i].width; d > 0; d--)
                        *p++ = digits[parts[i].value >> (4 * (d - 1)) & 0xf];
        }
        *p = 0;
}

/* The function's config space, up to size bytes, in one read relative to its directory: the IDs, the class, the
 * revision and the capability list the transport needs. A reader without CAP_SYS_ADMIN gets the 64-byte header
 * (the kernel cuts its reads there). Returns the count, or -errno. */
static int read_config_at(int dir_fd, uint8_t *buf, size_t size, SysfsFds *keep)
{
        _cleanup_close_ int fd = -1;
        ssize_t n;

        fd = openat(dir_fd, "config", O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return negative_errno();
        do
                n = pread(fd, buf, size, 0);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return negative_errno();
        sysfs_fds_add(keep, TAKE_FD(fd));
        return (int) n;
}

static void set_id(Evidence *e, size_t offset, size_t width, uint32_t v)
{
        switch (width) {
        case 1:
                *(uint8_t *) ((uint8_t *) e + offset) = (uint8_t) v;
                break;
        case 2:
                *(uint16_t *) ((uint8_t *) e + offset) = (uint16_t) v;
                break;
        default:
                *(uint32_t *) ((uint8_t *) e + offset) = v;
        }
}

/* What read_ids() found in config space, for the transport. */
typedef struct ConfigBytes {
        uint8_t bytes[PCI_CONFIG_SPACE_SIZE];
        int size;               /* bytes read, or -errno when config could not be read */
        bool ids_differ;        /* readable, but its IDs are not those of the vendor and device attributes */
} ConfigBytes;

static uint16_t le16(const uint8_t *p)
{
        return (uint16_t) (p[0] | p[1] << 8);
}

/* IDs, class and revision. Config space is read first, as lspci does: when its header is a type 0 header with
 * a virtio vendor and device ID, everything comes from there, and none of the six attribute files is opened —
 * the kernel fills those attributes from the same header bytes when it enumerates the function, and has no
 * quirk that rewrites them for virtio. Anything else (config absent, unreadable, shorter than a header, a
 * bridge, another vendor) reads the attribute files, which must then be well-formed: vendor and device are
 * required, the rest only describes. When the attributes name a virtio function whose readable config says
 * otherwise, the config bytes belong to no function we can trust (cfg->ids_differ): the transport says so. */
/* Whether the function is surely not virtio, from its config space and one attribute: a complete type 0 header
 * whose vendor is a real one (not the 0xffff of an SR-IOV virtual function, whose IDs only sysfs knows) and not
 * virtio's, and a vendor attribute (what the kernel matches drivers on) that agrees it is not virtio's. Fills the
 * vendor and device then. Anything unsure: false, and the full reading follows. */
static bool surely_not_virtio(int dir_fd, const ConfigBytes *cfg, Evidence *e, SysfsFds *keep)
{
        const uint8_t *h = cfg->bytes;
        uint32_t vendor;

        if (cfg->size < PCI_CONFIG_HEADER_SIZE || (h[0x0e] & 0x7f) != 0 || le16(h) == 0xffff ||
            le16(h) == PCI_VENDOR_ID_VIRTIO)
                return false;
        if (sysfs_read_hex_keep_at(dir_fd, "vendor", 0xffff, &vendor, keep) < 0 || vendor == PCI_VENDOR_ID_VIRTIO)
                return false;
        e->vendor = vendor;
        e->device = le16(h + 2);
        return true;
}

static int read_ids(int dir_fd, Evidence *e, ConfigBytes *cfg, SysfsFds *keep, bool virtio_only)
{
        static const struct {
                const char *name;
                uint32_t max;
                size_t offset;
                size_t width;
                bool required;
        } attrs[] = {
                { "vendor", 0xffff, offsetof(Evidence, vendor), 2, true },
                { "device", 0xffff, offsetof(Evidence, device), 2, true },
                { "subsystem_vendor", 0xffff, offsetof(Evidence, subsys_vendor), 2, false },
                { "subsystem_device", 0xffff, offsetof(Evidence, subsys_device), 2, false },
                { "class", 0xffffff, offsetof(Evidence, class_code), 4, false },
                { "revision", 0xff, offsetof(Evidence, revision), 1, false },
        };
        const uint8_t *h = cfg->bytes;
        uint32_t v;
        int r;

        cfg->size = read_config_at(dir_fd, cfg->bytes, sizeof cfg->bytes, keep);
        cfg->ids_differ = false;

        if (cfg->size >= PCI_CONFIG_HEADER_SIZE && (h[0x0e] & 0x7f) == 0 &&
            virtio_pci_is_virtio(le16(h), le16(h + 2))) {
                e->vendor = le16(h);
                e->device = le16(h + 2);
                e->revision = h[0x08];
                e->class_code = (uint32_t) h[0x0b] << 16 | h[0x0a] << 8 | h[0x09];
                e->subsys_vendor = le16(h + 0x2c);
                e->subsys_device = le16(h + 0x2e);
                /* The kernel prints modalias from these very fields: the file would say nothing new. */
                format_modalias(e, e->modalias);
                return 0;
        }
        if (virtio_only && surely_not_virtio(dir_fd, cfg, e, keep))
                return 0;

        for (size_t i = 0; i < ELEMENTSOF(attrs); i++) {
                r = sysfs_read_hex_at(dir_fd, attrs[i].name, attrs[i].max, &v);
                if (r < 0) {
                        /* Without vendor and device nothing can be said; the rest only describes. */
                        if (attrs[i].required)
                                return r == -ENOENT ? -EIO : r;
                        continue;
                }
                set_id(e, attrs[i].offset, attrs[i].width, v);
        }

        if (cfg->size >= PCI_CONFIG_HEADER_SIZE &&
            (le16(h) != e->vendor || le16(h + 2) != e->device || (h[0x0e] & 0x7f) != 0))
                cfg->ids_differ = true;

        /* Its format when a tree lacks the file, so that Allow=/Deny= globs work. */
        if (sysfs_read_line_at(dir_fd, "modalias", e->modalias, sizeof e->modalias) < 0)
                format_modalias(e, e->modalias);
        return 0;
}

static void read_driver(const ProbeOptions *o, int dir_fd, Evidence *e, SysfsFds *keep)
{
        if (sysfs_read_link_basename_at(dir_fd, "driver", e->driver, sizeof e->driver) < 0)
                e->driver[0] = 0;

        /* Takes the device lock in the kernel: not while an unbind of this function is in flight — ours
         * (skip_driver_override), or the daemon's, which marks it under /run (a reader would block until a vfio
         * user lets go of the device). */
        if (o->skip_driver_override)
                return;
        if (o->use_records && !e->driver[0] && record_is_unbinding(o->root, e->address))
                return;
        if (sysfs_read_line_keep_at(dir_fd, "driver_override", e->driver_override, sizeof e->driver_override,
                                    keep) < 0) {
                e->driver_override[0] = 0;
                return;
        }
        /* Unset reads "(null)" on some kernels and "" on others. */
        if (streq(e->driver_override, "(null)"))
                e->driver_override[0] = 0;
        e->driver_override_read = true;
}

static void read_transport(const ConfigBytes *cfg, Evidence *e)
{
        VirtioCaps caps;

        if (virtio_pci_is_modern_id(e->vendor, e->device)) {
                e->transport = TRANSPORT_MODERN;
                return;
        }

        e->transport = TRANSPORT_UNKNOWN;
        if (cfg->size < 0) {
                say(e->transport_problem, sizeof e->transport_problem, "config space unreadable: %s",
                    strerror(-cfg->size));
                return;
        }
        if (cfg->ids_differ) {
                say(e->transport_problem, sizeof e->transport_problem,
                    "config space is not that of %04x:%04x (its header says %04x:%04x, type %u)", e->vendor,
                    e->device, le16(cfg->bytes), le16(cfg->bytes + 2), cfg->bytes[0x0e] & 0x7fu);
                return;
        }
        /* Whole 64-byte steps, as libpci's reader (pci-config.c) counts what it could read. */
        if (virtio_caps_parse(cfg->bytes, (size_t) cfg->size / PCI_CONFIG_HEADER_SIZE * PCI_CONFIG_HEADER_SIZE,
                              &caps) < 0) {
                say(e->transport_problem, sizeof e->transport_problem, "config space too short (%d bytes)",
                    cfg->size);
                return;
        }
        e->transport = virtio_caps_transport(e->vendor, e->device, &caps, e->transport_problem,
                                             sizeof e->transport_problem);
        if ((int) e->transport < 0)
                e->transport = TRANSPORT_UNKNOWN;
}

/* The negotiated word from virtioN/features. Returns 0 with the word, or -errno with why in problem. */
static int read_negotiated(const ProbeCache *cache, const char *a, int dir_fd, const Evidence *e, uint64_t *ret,
                           char *problem, size_t problem_size, SysfsFds *keep)
{
        char child[64], path[64 + STRLEN("/features")], buf[VIRTIO_FEATURES_MAX_CHARS + 2], why[128];
        const char *known;
        int r;

        /* The virtio device the snapshot found on the bus spares listing the function's directory; should it be
         * gone since, the directory is listed as without a snapshot. */
        known = cache_virtio_child(cache, a);
        if (known) {
                strcpy(stpcpy(path, known), "/features"); /* known is shorter than 32 */
                r = sysfs_read_all_keep_at(dir_fd, path, buf, sizeof buf, keep);
                if (r != -ENOENT && r != -ENOTDIR) {
                        strcpy(child, known);
                        goto have_read;
                }
        }

        r = sysfs_virtio_child_at(dir_fd, child, sizeof child);
        if (r == -ENOENT) {
                if (!e->driver[0])
                        say(problem, problem_size, "virtio-pci not bound (no virtioN)");
                else if (!streq(e->driver, "virtio-pci"))
                        say(problem, problem_size, "bound to %s, not virtio-pci (no virtioN)", e->driver);
                else
                        say(problem, problem_size, "virtio-pci bound but no virtioN device registered");
                return r;
        }
        if (r < 0) {
                say(problem, problem_size, "cannot list the function's directory: %s", strerror(-r));
                return r;
        }

        strcpy(stpcpy(path, child), "/features"); /* child is shorter than 64 */
        r = sysfs_read_all_keep_at(dir_fd, path, buf, sizeof buf, keep);
have_read:
        if (r == -EFBIG) {
                say(problem, problem_size, "%s/features longer than %d characters", child, VIRTIO_FEATURES_MAX_CHARS);
                return -EINVAL;
        }
        if (r == -EACCES || r == -EPERM) {
                say(problem, problem_size, "permission denied reading /sys/bus/virtio/devices/%s/features", child);
                return r;
        }
        if (r < 0) {
                say(problem, problem_size, "cannot read /sys/bus/virtio/devices/%s/features: %s", child, strerror(-r));
                return r;
        }
        if (virtio_features_parse(buf, ret, why, sizeof why) < 0) {
                say(problem, problem_size, "%s/features malformed: %s", child, why);
                return -EINVAL;
        }
        return 0;
}

/* The daemon's record: usable only if it is about the same device (an address can be reused after hotplug). */
static int read_recorded(const ProbeCache *cache, const char *root, const char *a, const Evidence *e, Record *ret,
                         char *problem, size_t problem_size)
{
        int r = cache_lacks_record(cache, a) ? -ENOENT : record_read(root, a, ret);

        if (r == -ENOENT) {
                say(problem, problem_size,
                    "not recorded by vfio-guardd (offered features need a device register write, which only the "
                    "daemon does)");
                return r;
        }
        if (r < 0) {
                say(problem, problem_size, "record of vfio-guardd unreadable: %s", strerror(-r));
                return r;
        }
        if (ret->vendor != e->vendor || ret->device != e->device) {
                say(problem, problem_size, "record of vfio-guardd is about another device (%04x:%04x)", ret->vendor,
                    ret->device);
                return -ESTALE;
        }
        if (ret->feature_source == FEATURE_SOURCE_NONE) {
                say(problem, problem_size, "vfio-guardd recorded no feature word either");
                return -ENODATA;
        }
        return 0;
}

static void read_features(const ProbeOptions *o, const ProbeCache *cache, const char *a, int dir_fd, Evidence *e,
                          SysfsFds *keep)
{
        char neg_problem[EVIDENCE_TEXT_MAX] = "", rec_problem[EVIDENCE_TEXT_MAX] = "";
        bool have_negotiated;
        uint64_t word = 0;
        Record rec;
        int r;

        /* Legacy-only decides without a word; its string (never VERSION_1) is still shown when present. */
        have_negotiated = read_negotiated(cache, a, dir_fd, e, &word, neg_problem, sizeof neg_problem, keep) >= 0;

        if (have_negotiated && (word >> VIRTIO_F_VERSION_1 & 1)) {
                e->feature_source = FEATURE_SOURCE_NEGOTIATED;
                e->features = word;
                return;
        }

        /* No usable negotiated string: an offered word recorded by the daemon says more than a string of a
         * device that no driver has negotiated with. */
        if (o->use_records) {
                r = read_recorded(cache, o->root, a, e, &rec, rec_problem, sizeof rec_problem);
                if (r >= 0 && (!have_negotiated || rec.feature_source != FEATURE_SOURCE_NEGOTIATED ||
                               (rec.features >> VIRTIO_F_VERSION_1 & 1))) {
                        e->feature_source = rec.feature_source;
                        e->features = rec.features;
                        e->feature_recorded = true;
                        return;
                }
        }

        if (have_negotiated) {
                /* Not negotiated (VERSION_1 clear): passed on as it is, verdict.c says it is no evidence. */
                e->feature_source = FEATURE_SOURCE_NEGOTIATED;
                e->features = word;
                return;
        }

        e->feature_source = FEATURE_SOURCE_NONE;
        e->features = 0;
        if (rec_problem[0])
                say(e->feature_problem, sizeof e->feature_problem, "%s; %s", neg_problem, rec_problem);
        else
                say(e->feature_problem, sizeof e->feature_problem, "%s", neg_problem);
}

#if HAVE_DEVICETREE
/* None of the places devicetree_probe() reads exists: then it can only say that there is no tree, for every
 * function. Anything else than "does not exist" (a permission problem, …) is left for it to explain. */
static bool devicetree_absent(const char *root)
{
        static const char *const sources[] = {
                "/sys/firmware/fdt",
                "/sys/firmware/devicetree/base",
                "/proc/device-tree",
        };
        char path[PATH_MAX];

        for (size_t i = 0; i < ELEMENTSOF(sources); i++) {
                int n = snprintf(path, sizeof path, "%s%s", strempty(root), sources[i]);
                if (n < 0 || (size_t) n >= sizeof path)
                        return false;
                if (access(path, F_OK) >= 0 || errno != ENOENT)
                        return false;
        }
        return true;
}
#endif

int probe_function(const ProbeOptions *o, const char *address, Evidence *ret)
{
        static const ProbeOptions defaults = {};
        /* The function's directory and the attributes read through it, closed together on return. */
        _cleanup_(sysfs_fds_close) SysfsFds fds = {};
        int fd;
        char a[PCI_ADDRESS_MAX];
        ProbeCache *cache;
        ConfigBytes cfg;
        Evidence e;
        int devices_fd, groups_fd, r;

        if (!o)
                o = &defaults;
        if (pci_address_normalize(address, a) < 0)
                return -EINVAL;

        /* Every attribute is opened relative to the function's directory: one path lookup instead of one
         * per attribute. */
        /* The shared directories before the function's: the probe's own descriptors stay contiguous. */
        cache = cache_for(o->cache, o->root);
        devices_fd = cache_dir_fd(cache, o->root, "/sys/bus/pci/devices", cache ? &cache->devices_fd : NULL);
        groups_fd = cache_dir_fd(cache, o->root, "/sys/kernel/iommu_groups", cache ? &cache->groups_fd : NULL);

        /* Through the devices' directory when a listing holds it: the address and its link, not the whole
         * path from / again (a path walk is most of the cost of an open). */
        fd = devices_fd >= 0 ? sysfs_open_function_at(devices_fd, a) : sysfs_open_function(o->root, a);
        if (fd < 0)
                return fd;
        sysfs_fds_add(&fds, fd);

        /* The address is normalised, so it fits: copied without evidence_init()'s snprintf(). */
        evidence_init(&e, NULL);
        memcpy(e.address, a, sizeof a);

        r = read_ids(fd, &e, &cfg, &fds, o->virtio_only);
        if (r < 0)
                return r;
        if (o->virtio_only && !virtio_pci_is_virtio(e.vendor, e.device)) {
                *ret = e;
                cache_defer(cache, &fds);
                return 0;
        }

        read_driver(o, fd, &e, &fds);

        r = sysfs_read_iommu_group_keep_at(o->root, groups_fd, fd, &e, &fds);
        if (r < 0) {
                /* A link that cannot be understood still means the function sits behind an IOMMU. */
                e.group_kind = IOMMU_GROUP_REAL;
                e.group_number = -1;
        }

        if (virtio_pci_is_virtio(e.vendor, e.device)) {
                e.virtio_type = virtio_pci_device_type(e.device, e.subsys_device);
                read_transport(&cfg, &e);
                read_features(o, cache, a, fd, &e, &fds);
        }

#if HAVE_DEVICETREE
        if (cache && cache->devicetree < 0)
                cache->devicetree = !devicetree_absent(o->root);
        if (cache && cache->devicetree == 0) {
                /* What devicetree_probe() fills in when there is no tree at all, in its words; asking it costs
                 * a dozen system calls per function to find the same. */
                e.dt = (DeviceTreeEvidence) {};
                strcpy(e.dt.problem, "no device tree on this platform");
        } else {
                r = devicetree_probe(o->root, a, o->config ? o->config->dt_bypass_property : NULL, &e.dt);
                if (r < 0)
                        return r;
        }
#endif

        *ret = e;
        cache_defer(cache, &fds);
        return 0;
}
