/* SPDX-License-Identifier: GPL-2.0-or-later */
/* probe_function(): every piece of evidence about one PCI function, read without changing anything. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "core/features.h"
#include "core/virtio-caps.h"
#include "core/virtio-ids.h"
#include "probe/pci-config.h"
#include "probe/probe.h"
#include "probe/record.h"
#include "probe/sysfs.h"
#include "shared/macro.h"

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

static int read_ids(const char *root, const char *a, Evidence *e)
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
        char path[PATH_MAX];
        uint32_t v;
        int r;

        for (size_t i = 0; i < ELEMENTSOF(attrs); i++) {
                r = sysfs_pci_path(root, a, attrs[i].name, path, sizeof path);
                if (r < 0)
                        return r;
                r = sysfs_read_hex(path, attrs[i].max, &v);
                if (r < 0) {
                        /* Without vendor and device nothing can be said; the rest only describes. */
                        if (attrs[i].required)
                                return r == -ENOENT ? -EIO : r;
                        continue;
                }
                switch (attrs[i].width) {
                case 1:
                        *(uint8_t *) ((uint8_t *) e + attrs[i].offset) = (uint8_t) v;
                        break;
                case 2:
                        *(uint16_t *) ((uint8_t *) e + attrs[i].offset) = (uint16_t) v;
                        break;
                default:
                        *(uint32_t *) ((uint8_t *) e + attrs[i].offset) = v;
                }
        }

        r = sysfs_pci_path(root, a, "modalias", path, sizeof path);
        if (r < 0)
                return r;
        if (sysfs_read_line(path, e->modalias, sizeof e->modalias) < 0)
                /* The kernel's format, so Allow=/Deny= globs work on a tree that lacks the file. */
                snprintf(e->modalias, sizeof e->modalias, "pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X", e->vendor,
                         e->device, e->subsys_vendor, e->subsys_device, (e->class_code >> 16) & 0xff,
                         (e->class_code >> 8) & 0xff, e->class_code & 0xff);
        return 0;
}

static void read_driver(const ProbeOptions *o, const char *a, Evidence *e)
{
        char path[PATH_MAX];

        if (sysfs_pci_path(o->root, a, "driver", path, sizeof path) >= 0 &&
            sysfs_read_link_basename(path, e->driver, sizeof e->driver) < 0)
                e->driver[0] = 0;

        /* Takes the device lock in the kernel: not while an unbind of this function is in flight. */
        if (o->skip_driver_override)
                return;
        if (sysfs_pci_path(o->root, a, "driver_override", path, sizeof path) < 0 ||
            sysfs_read_line(path, e->driver_override, sizeof e->driver_override) < 0) {
                e->driver_override[0] = 0;
                return;
        }
        /* Unset reads "(null)" on some kernels and "" on others. */
        if (streq(e->driver_override, "(null)"))
                e->driver_override[0] = 0;
        e->driver_override_read = true;
}

static void read_transport(const char *root, const char *a, Evidence *e)
{
        uint8_t config[PCI_CONFIG_SPACE_SIZE];
        VirtioCaps caps;
        size_t n;
        int r;

        if (virtio_pci_is_modern_id(e->vendor, e->device)) {
                e->transport = TRANSPORT_MODERN;
                return;
        }

        r = pci_config_read(root, a, config, sizeof config, &n);
        if (r < 0) {
                e->transport = TRANSPORT_UNKNOWN;
                say(e->transport_problem, sizeof e->transport_problem, "config space unreadable: %s",
                    strerror(-r));
                return;
        }
        if (virtio_caps_parse(config, n, &caps) < 0) {
                e->transport = TRANSPORT_UNKNOWN;
                say(e->transport_problem, sizeof e->transport_problem, "config space too short (%zu bytes)", n);
                return;
        }
        e->transport = virtio_caps_transport(e->vendor, e->device, &caps, e->transport_problem,
                                             sizeof e->transport_problem);
        if ((int) e->transport < 0)
                e->transport = TRANSPORT_UNKNOWN;
}

/* The negotiated word from virtioN/features. Returns 0 with the word, or -errno with why in problem. */
static int read_negotiated(const char *root, const char *a, const Evidence *e, uint64_t *ret, char *problem,
                           size_t problem_size)
{
        char child[64], path[PATH_MAX], buf[VIRTIO_FEATURES_MAX_CHARS + 2], why[128];
        int r;

        r = sysfs_virtio_child(root, a, child, sizeof child);
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

        snprintf(path, sizeof path, "%s/sys/bus/pci/devices/%s/%s/features", strempty(root), a, child);
        r = sysfs_read_all(path, buf, sizeof buf);
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
static int read_recorded(const char *root, const char *a, const Evidence *e, Record *ret, char *problem,
                         size_t problem_size)
{
        int r = record_read(root, a, ret);

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

static void read_features(const ProbeOptions *o, const char *a, Evidence *e)
{
        char neg_problem[EVIDENCE_TEXT_MAX] = "", rec_problem[EVIDENCE_TEXT_MAX] = "";
        bool have_negotiated;
        uint64_t word = 0;
        Record rec;
        int r;

        /* Legacy-only decides without a word; its string (never VERSION_1) is still shown when present. */
        have_negotiated = read_negotiated(o->root, a, e, &word, neg_problem, sizeof neg_problem) >= 0;

        if (have_negotiated && (word >> VIRTIO_F_VERSION_1 & 1)) {
                e->feature_source = FEATURE_SOURCE_NEGOTIATED;
                e->features = word;
                return;
        }

        /* No usable negotiated string: an offered word recorded by the daemon says more than a string of a
         * device that no driver has negotiated with. */
        if (o->use_records) {
                r = read_recorded(o->root, a, e, &rec, rec_problem, sizeof rec_problem);
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

int probe_function(const ProbeOptions *o, const char *address, Evidence *ret)
{
        static const ProbeOptions defaults = {};
        char a[PCI_ADDRESS_MAX], path[PATH_MAX];
        struct stat st;
        Evidence e;
        int r;

        if (!o)
                o = &defaults;
        if (pci_address_normalize(address, a) < 0)
                return -EINVAL;

        r = sysfs_pci_path(o->root, a, NULL, path, sizeof path);
        if (r < 0)
                return r;
        if (stat(path, &st) < 0)
                return errno == ENOENT || errno == ENOTDIR ? -ENOENT : negative_errno();
        if (!S_ISDIR(st.st_mode))
                return -ENOENT;

        evidence_init(&e, a);

        r = read_ids(o->root, a, &e);
        if (r < 0)
                return r;

        read_driver(o, a, &e);

        r = sysfs_read_iommu_group(o->root, a, &e);
        if (r < 0) {
                /* A link that cannot be understood still means the function sits behind an IOMMU. */
                e.group_kind = IOMMU_GROUP_REAL;
                e.group_number = -1;
        }

        if (virtio_pci_is_virtio(e.vendor, e.device)) {
                e.virtio_type = virtio_pci_device_type(e.device, e.subsys_device);
                read_transport(o->root, a, &e);
                read_features(o, a, &e);
        }

#if HAVE_DEVICETREE
        r = devicetree_probe(o->root, a, o->config ? o->config->dt_bypass_property : NULL, &e.dt);
        if (r < 0)
                return r;
#endif

        *ret = e;
        return 0;
}
