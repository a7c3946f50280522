/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Device-tree evidence: the iommu-map arithmetic and phandle lookup on their own, the real QEMU trees
 * (arm64 virt with and without SMMUv3, pseries), trees written for the edge cases (iommu-map-mask, several
 * ranges, a function outside every range, iommus on device nodes, missing and looping phandles), blobs
 * corrupted in memory (truncated, bad magic, offsets out of range, every byte flipped), and
 * devicetree_probe() against root directories laid out like arm64 and pseries sysfs, including a node
 * hot-added after boot that only the live tree has.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <libfdt.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "probe/devicetree.h"
#include "shared/macro.h"

#define RID(bus, dev, fn) ((uint32_t) ((bus) << 8 | (dev) << 3 | (fn)))

static const char *fixtures(void)
{
        const char *f = getenv("FIXTURES");
        return f ? f : "tests/fixtures";
}

static void *load(const char *name, size_t *ret_size)
{
        char path[4096];
        void *buf;
        struct stat st;
        FILE *f;

        snprintf(path, sizeof path, "%s/dt/%s", fixtures(), name);
        f = fopen(path, "re");
        ck_assert_msg(f, "cannot open %s", path);
        ck_assert_int_eq(fstat(fileno(f), &st), 0);
        buf = malloc(st.st_size);
        ck_assert_ptr_nonnull(buf);
        ck_assert_uint_eq(fread(buf, 1, st.st_size, f), (size_t) st.st_size);
        fclose(f);
        *ret_size = st.st_size;
        return buf;
}

/* Judge one function of a fixture blob. */
static int judge(const char *name, const char *node, const char *bridge, unsigned domain, uint32_t rid,
                 const char *bypass_property, DeviceTreeEvidence *e)
{
        DeviceTreeFunction f = { .node = node, .bridge = bridge, .domain = domain, .rid = rid };
        _cleanup_free_ void *blob = NULL;
        size_t size;

        blob = load(name, &size);
        return devicetree_blob_evidence(blob, size, &f, bypass_property, e);
}

static void assert_covered(const DeviceTreeEvidence *e, const char *iommu, const char *node)
{
        ck_assert_msg(e->present, "not present: %s", e->problem);
        ck_assert_msg(e->covered, "not covered: problem \"%s\"", e->problem);
        ck_assert_str_eq(e->iommu, iommu);
        ck_assert_str_eq(e->node, node);
        ck_assert_str_eq(e->problem, "");
}

static void assert_not_covered(const DeviceTreeEvidence *e, const char *node)
{
        ck_assert_msg(e->present, "not present: %s", e->problem);
        ck_assert(!e->covered);
        ck_assert_str_eq(e->iommu, "");
        ck_assert_str_eq(e->node, node);
        ck_assert_str_eq(e->problem, "");
}

/* Present, unsure: not covered, no IOMMU named, and a problem that contains `want`. */
static void assert_problem(const DeviceTreeEvidence *e, const char *want)
{
        ck_assert(e->present);
        ck_assert(!e->covered);
        ck_assert_str_eq(e->iommu, "");
        ck_assert_msg(strstr(e->problem, want), "problem \"%s\" lacks \"%s\"", e->problem, want);
}

/* ---- pure helpers ---------------------------------------------------------------------------------- */

static void put_be32(uint8_t *p, uint32_t v)
{
        p[0] = v >> 24;
        p[1] = v >> 16;
        p[2] = v >> 8;
        p[3] = v;
}

static size_t make_map(uint8_t *buf, const uint32_t *cells, size_t n)
{
        for (size_t i = 0; i < n; i++)
                put_be32(buf + 4 * i, cells[i]);
        return 4 * n;
}

START_TEST(test_map_lookup)
{
        static const uint32_t cells[] = {
                0x0000, 0x10, 0x0000, 0x0008,  /* RIDs 0–7 → phandle 0x10 */
                0x0009, 0x10, 0x0009, 0x00f7,  /* 9–0xff */
                0x0100, 0x20, 0x5000, 0x0100,  /* bus 1 → phandle 0x20, IDs from 0x5000 */
                0x0100, 0x30, 0x0000, 0x0100,  /* shadowed: the first match wins */
        };
        uint8_t map[sizeof cells];
        uint32_t ph, id;
        size_t len = make_map(map, cells, ELEMENTSOF(cells));

        ck_assert_int_eq(devicetree_iommu_map_lookup(map, len, UINT32_MAX, 0x0, &ph, &id), 0);
        ck_assert_uint_eq(ph, 0x10);
        ck_assert_uint_eq(id, 0x0);
        ck_assert_int_eq(devicetree_iommu_map_lookup(map, len, UINT32_MAX, 0x7, &ph, &id), 0);
        ck_assert_uint_eq(id, 0x7);
        /* the gap at 8 (where QEMU's virtio-iommu itself sits), and the end of a range is exclusive */
        ck_assert_int_eq(devicetree_iommu_map_lookup(map, len, UINT32_MAX, 0x8, &ph, &id), -ENOENT);
        ck_assert_int_eq(devicetree_iommu_map_lookup(map, len, UINT32_MAX, 0xff, &ph, &id), 0);
        ck_assert_uint_eq(ph, 0x10);
        ck_assert_int_eq(devicetree_iommu_map_lookup(map, len, UINT32_MAX, 0x105, &ph, &id), 0);
        ck_assert_uint_eq(ph, 0x20);
        ck_assert_uint_eq(id, 0x5005);
        ck_assert_int_eq(devicetree_iommu_map_lookup(map, len, UINT32_MAX, 0x200, &ph, &id), -ENOENT);
        /* the mask applies before the lookup: 0x305 & 0xff = 5 */
        ck_assert_int_eq(devicetree_iommu_map_lookup(map, len, 0xff, 0x305, &ph, &id), 0);
        ck_assert_uint_eq(ph, 0x10);
        ck_assert_uint_eq(id, 5);
        /* NULL outputs are allowed */
        ck_assert_int_eq(devicetree_iommu_map_lookup(map, len, UINT32_MAX, 0x1, NULL, NULL), 0);
}
END_TEST

START_TEST(test_map_lookup_edges)
{
        static const uint32_t wrap[] = { 0xffffff00, 0x1, 0x0, 0x200 }; /* base + length passes 2^32 */
        static const uint32_t empty[] = { 0x0, 0x1, 0x0, 0x0 };
        uint8_t map[64];
        uint32_t ph = 0, id = 0;
        size_t len;

        len = make_map(map, wrap, ELEMENTSOF(wrap));
        ck_assert_int_eq(devicetree_iommu_map_lookup(map, len, UINT32_MAX, 0xffffffff, &ph, &id), 0);
        ck_assert_uint_eq(id, 0xff);
        ck_assert_int_eq(devicetree_iommu_map_lookup(map, len, UINT32_MAX, 0xfffffeff, &ph, &id), -ENOENT);

        len = make_map(map, empty, ELEMENTSOF(empty));
        ck_assert_int_eq(devicetree_iommu_map_lookup(map, len, UINT32_MAX, 0, &ph, &id), -ENOENT);

        /* not whole entries, empty, absent */
        ck_assert_int_eq(devicetree_iommu_map_lookup(map, 12, UINT32_MAX, 0, &ph, &id), -EBADMSG);
        ck_assert_int_eq(devicetree_iommu_map_lookup(map, 17, UINT32_MAX, 0, &ph, &id), -EBADMSG);
        ck_assert_int_eq(devicetree_iommu_map_lookup(map, 0, UINT32_MAX, 0, &ph, &id), -EBADMSG);
        ck_assert_int_eq(devicetree_iommu_map_lookup(NULL, 16, UINT32_MAX, 0, &ph, &id), -EBADMSG);
}
END_TEST

START_TEST(test_errno_from_fdt)
{
        ck_assert_int_eq(devicetree_errno_from_fdt(0), 0);
        ck_assert_int_eq(devicetree_errno_from_fdt(12), 12);
        ck_assert_int_eq(devicetree_errno_from_fdt(-FDT_ERR_NOTFOUND), -ENOENT);
        ck_assert_int_eq(devicetree_errno_from_fdt(-FDT_ERR_NOSPACE), -ENOSPC);
        ck_assert_int_eq(devicetree_errno_from_fdt(-FDT_ERR_TRUNCATED), -EBADMSG);
        ck_assert_int_eq(devicetree_errno_from_fdt(-FDT_ERR_BADMAGIC), -EBADMSG);
        ck_assert_int_eq(devicetree_errno_from_fdt(-FDT_ERR_BADSTRUCTURE), -EBADMSG);
        ck_assert_int_eq(devicetree_errno_from_fdt(-FDT_ERR_BADVERSION), -EPROTONOSUPPORT);
        ck_assert_int_eq(devicetree_errno_from_fdt(-FDT_ERR_BADPHANDLE), -EINVAL);
        ck_assert_int_eq(devicetree_errno_from_fdt(-FDT_ERR_INTERNAL), -EIO);
        ck_assert_int_eq(devicetree_errno_from_fdt(-1000), -EIO);
        /* nothing libfdt says may come out as a libfdt number (they collide with errno values) */
        for (int i = 1; i <= FDT_ERR_MAX; i++) {
                int r = devicetree_errno_from_fdt(-i);
                ck_assert_msg(r == -ENOENT || r == -EEXIST || r == -ENOSPC || r == -EINVAL || r == -EBADMSG ||
                              r == -EPROTONOSUPPORT || r == -EIO, "FDT error %d → %d", i, r);
        }
}
END_TEST

START_TEST(test_phandle_lookup)
{
        _cleanup_free_ void *blob = NULL, *copy = NULL;
        size_t size;
        int off, pcie;

        blob = load("qemu-virt-smmuv3.dtb", &size);
        ck_assert_int_eq(fdt_check_full(blob, size), 0);
        ck_assert_int_eq(devicetree_phandle_lookup(blob, 0x8004, &off), 0);
        ck_assert_int_eq(off, fdt_path_offset(blob, "/smmuv3@9050000"));
        ck_assert_int_eq(devicetree_phandle_lookup(blob, 0x4242, &off), -ENOENT);
        ck_assert_int_eq(devicetree_phandle_lookup(blob, 0, &off), -EINVAL);
        ck_assert_int_eq(devicetree_phandle_lookup(blob, 0xffffffff, &off), -EINVAL);

        /* give the host bridge the SMMU's phandle as well: the lookup must not pick one */
        copy = malloc(size + 256);
        ck_assert_int_eq(fdt_open_into(blob, copy, size + 256), 0);
        pcie = fdt_path_offset(copy, "/pcie@10000000");
        ck_assert_int_ge(pcie, 0);
        ck_assert_int_eq(fdt_setprop_u32(copy, pcie, "phandle", 0x8004), 0);
        ck_assert_int_eq(devicetree_phandle_lookup(copy, 0x8004, &off), -ENOTUNIQ);
}
END_TEST

/* ---- the QEMU trees -------------------------------------------------------------------------------- */

START_TEST(test_virt_smmuv3)
{
        DeviceTreeEvidence e;

        /* by the host bridge's node (from its of_node), and by PCI domain when nothing is linked */
        ck_assert_int_eq(judge("qemu-virt-smmuv3.dtb", NULL, "/pcie@10000000", 0, RID(0, 2, 0), NULL, &e), 0);
        assert_covered(&e, "arm,smmu-v3 at /smmuv3@9050000", "/pcie@10000000");
        ck_assert(!e.bypass_property);
        ck_assert_int_eq(judge("qemu-virt-smmuv3.dtb", NULL, NULL, 0, RID(3, 0, 0), NULL, &e), 0);
        assert_covered(&e, "arm,smmu-v3 at /smmuv3@9050000", "/pcie@10000000");

        /* a domain without host bridge: unsure, never "no IOMMU" */
        ck_assert_int_eq(judge("qemu-virt-smmuv3.dtb", NULL, NULL, 1, RID(0, 2, 0), NULL, &e), 0);
        assert_problem(&e, "no host bridge node for PCI domain 0001");

        /* a bridge path the blob does not have: -ENOENT so that the caller tries the live tree */
        ck_assert_int_eq(judge("qemu-virt-smmuv3.dtb", NULL, "/pcie@20000000", 0, 0, NULL, &e), -ENOENT);
        assert_problem(&e, "/pcie@20000000 is not in this tree");
}
END_TEST

START_TEST(test_virt_noiommu)
{
        DeviceTreeEvidence e;

        ck_assert_int_eq(judge("qemu-virt-noiommu.dtb", NULL, "/pcie@10000000", 0, RID(0, 2, 0), NULL, &e), 0);
        assert_not_covered(&e, "/pcie@10000000");
        ck_assert_int_eq(judge("qemu-virt-noiommu.dtb", NULL, NULL, 0, RID(0, 1, 0), NULL, &e), 0);
        assert_not_covered(&e, "/pcie@10000000");
}
END_TEST

START_TEST(test_pseries)
{
        DeviceTreeEvidence e;

        ck_assert_int_eq(judge("qemu-pseries.dtb", "/pci@800000020000000/ethernet@0", NULL, 0, RID(0, 0, 0),
                               NULL, &e), 0);
        assert_covered(&e, "TCE (ibm,dma-window) on /pci@800000020000000", "/pci@800000020000000/ethernet@0");
        ck_assert_int_eq(judge("qemu-pseries.dtb", "/pci@800000020000000/ethernet@1", NULL, 0, RID(0, 1, 0),
                               NULL, &e), 0);
        assert_covered(&e, "TCE (ibm,dma-window) on /pci@800000020000000", "/pci@800000020000000/ethernet@1");
        /* pseries has no linux,pci-domain, but one PHB: domain 0 finds it */
        ck_assert_int_eq(judge("qemu-pseries.dtb", NULL, NULL, 0, RID(0, 1, 0), NULL, &e), 0);
        assert_covered(&e, "TCE (ibm,dma-window) on /pci@800000020000000", "/pci@800000020000000");

        /* a node the boot-time blob lacks (hot-added) */
        ck_assert_int_eq(judge("qemu-pseries.dtb", "/pci@800000020000000/ethernet@2", NULL, 0, RID(0, 2, 0),
                               NULL, &e), -ENOENT);
        assert_problem(&e, "not in this tree");
}
END_TEST

START_TEST(test_bypass_property)
{
        DeviceTreeEvidence e;
        const char *eth0 = "/pci@800000020000000/ethernet@0";

        /* on the node itself, on an ancestor (the PHB), on the root; absent; off */
        ck_assert_int_eq(judge("qemu-pseries.dtb", eth0, NULL, 0, 0, "ibm,loc-code", &e), 0);
        ck_assert(e.bypass_property);
        ck_assert_int_eq(judge("qemu-pseries.dtb", eth0, NULL, 0, 0, "used-by-rtas", &e), 0);
        ck_assert(e.bypass_property);
        ck_assert_int_eq(judge("qemu-pseries.dtb", eth0, NULL, 0, 0, "#address-cells", &e), 0);
        ck_assert(e.bypass_property);
        ck_assert_int_eq(judge("qemu-pseries.dtb", eth0, NULL, 0, 0, "example,dma-bypass", &e), 0);
        ck_assert(!e.bypass_property);
        ck_assert_int_eq(judge("qemu-pseries.dtb", eth0, NULL, 0, 0, "", &e), 0);
        ck_assert(!e.bypass_property);
        ck_assert_int_eq(judge("qemu-pseries.dtb", eth0, NULL, 0, 0, NULL, &e), 0);
        ck_assert(!e.bypass_property);
        /* evidence for bypass only: it leaves the IOMMU context as it was */
        ck_assert_int_eq(judge("map-ranges.dtb", NULL, NULL, 1, RID(0, 3, 0), "example,dma-bypass", &e), 0);
        ck_assert(e.bypass_property);
        assert_covered(&e, "arm,smmu-v3 at /smmuv3@9050000", "/pcie@20000000");
        /* a property of a sibling bridge does not count */
        ck_assert_int_eq(judge("map-ranges.dtb", NULL, NULL, 0, RID(0, 3, 0), "example,dma-bypass", &e), 0);
        ck_assert(!e.bypass_property);
}
END_TEST

/* ---- trees written for the edge cases -------------------------------------------------------------- */

/* What EFI hands an ACPI arm64 machine: a tree with /chosen and nothing about PCI. */
START_TEST(test_no_pci_in_tree)
{
        DeviceTreeFunction f = { .domain = 0, .rid = RID(0, 2, 0) };
        DeviceTreeEvidence e;
        char blob[512];

        ck_assert_int_eq(fdt_create_empty_tree(blob, sizeof blob), 0);
        ck_assert_int_ge(fdt_add_subnode(blob, 0, "chosen"), 0);
        ck_assert_int_eq(devicetree_blob_evidence(blob, sizeof blob, &f, NULL, &e), 0);
        assert_problem(&e, "the device tree describes no PCI host bridge");
}
END_TEST

START_TEST(test_map_mask)
{
        DeviceTreeEvidence e;

        for (unsigned fn = 0; fn < 8; fn++) {
                ck_assert_int_eq(judge("map-mask.dtb", NULL, NULL, 0, RID(0, 2, fn), NULL, &e), 0);
                assert_covered(&e, "arm,smmu-v3 at /iommu@2b400000", "/pcie@40000000");
        }
        ck_assert_int_eq(judge("map-mask.dtb", NULL, NULL, 0, RID(0, 3, 0), NULL, &e), 0);
        assert_not_covered(&e, "/pcie@40000000");
        /* the mask keeps the bus bits: bus 1 slot 2 is not RID 0x10 */
        ck_assert_int_eq(judge("map-mask.dtb", NULL, NULL, 0, RID(1, 2, 0), NULL, &e), 0);
        assert_not_covered(&e, "/pcie@40000000");
}
END_TEST

START_TEST(test_map_ranges)
{
        DeviceTreeEvidence e;

        ck_assert_int_eq(judge("map-ranges.dtb", NULL, NULL, 0, RID(0, 0, 0), NULL, &e), 0);
        assert_covered(&e, "virtio-iommu at /pcie@10000000/virtio_iommu@8", "/pcie@10000000");
        ck_assert_int_eq(judge("map-ranges.dtb", NULL, NULL, 0, RID(0, 2, 0), NULL, &e), 0);
        assert_covered(&e, "virtio-iommu at /pcie@10000000/virtio_iommu@8", "/pcie@10000000");
        ck_assert_int_eq(judge("map-ranges.dtb", NULL, NULL, 0, RID(0, 31, 7), NULL, &e), 0);
        assert_covered(&e, "virtio-iommu at /pcie@10000000/virtio_iommu@8", "/pcie@10000000");
        ck_assert_int_eq(judge("map-ranges.dtb", NULL, NULL, 0, RID(1, 0, 0), NULL, &e), 0);
        assert_covered(&e, "arm,smmu-v3 at /smmuv3@9050000", "/pcie@10000000");
        /* the virtio-iommu's own function, and bus 2: outside every range → no IOMMU */
        ck_assert_int_eq(judge("map-ranges.dtb", NULL, NULL, 0, RID(0, 1, 0), NULL, &e), 0);
        assert_not_covered(&e, "/pcie@10000000");
        ck_assert_int_eq(judge("map-ranges.dtb", NULL, NULL, 0, RID(2, 0, 0), NULL, &e), 0);
        assert_not_covered(&e, "/pcie@10000000");
        /* the second host bridge, by domain and by path */
        ck_assert_int_eq(judge("map-ranges.dtb", NULL, "/pcie@20000000", 7, RID(0, 5, 0), NULL, &e), 0);
        assert_covered(&e, "arm,smmu-v3 at /smmuv3@9050000", "/pcie@20000000");
        /* two host bridges, domain 2 has none */
        ck_assert_int_eq(judge("map-ranges.dtb", NULL, NULL, 2, RID(0, 5, 0), NULL, &e), 0);
        assert_problem(&e, "no host bridge node for PCI domain 0002");
}
END_TEST

START_TEST(test_device_iommus)
{
        DeviceTreeEvidence e;

        ck_assert_int_eq(judge("device-iommus.dtb", "/pcie@30000000/ethernet@3,0", NULL, 0, RID(0, 3, 0), NULL,
                               &e), 0);
        assert_covered(&e, "arm,mmu-500 at /iommu@2b500000", "/pcie@30000000/ethernet@3,0");

        ck_assert_int_eq(judge("device-iommus.dtb", "/pcie@30000000/ethernet@4,0", NULL, 0, RID(0, 4, 0), NULL,
                               &e), 0);
        assert_problem(&e, "iommus of /pcie@30000000/ethernet@4,0 names phandle 0x4242, which no node has");

        ck_assert_int_eq(judge("device-iommus.dtb", "/pcie@30000000/ethernet@5,0", NULL, 0, RID(0, 5, 0), NULL,
                               &e), 0);
        assert_problem(&e, "points to /clock, which is not an IOMMU");

        ck_assert_int_eq(judge("device-iommus.dtb", "/pcie@30000000/ethernet@6,0", NULL, 0, RID(0, 6, 0), NULL,
                               &e), 0);
        assert_problem(&e, "phandle loop");

        ck_assert_int_eq(judge("device-iommus.dtb", "/pcie@30000000/ethernet@7,0", NULL, 0, RID(0, 7, 0), NULL,
                               &e), 0);
        assert_not_covered(&e, "/pcie@30000000/ethernet@7,0");
}
END_TEST

START_TEST(test_map_broken)
{
        DeviceTreeEvidence e;

        ck_assert_int_eq(judge("map-broken.dtb", NULL, NULL, 0, RID(0, 3, 0), NULL, &e), 0);
        assert_problem(&e, "iommu-map of /pcie@10000000 names phandle 0x99, which no node has");
        ck_assert_int_eq(judge("map-broken.dtb", NULL, NULL, 1, RID(0, 3, 0), NULL, &e), 0);
        assert_problem(&e, "phandle loop: iommu-map of /pcie@20000000 points back to /pcie@20000000");
        ck_assert_int_eq(judge("map-broken.dtb", NULL, NULL, 2, RID(0, 3, 0), NULL, &e), 0);
        assert_problem(&e, "iommu-map of /pcie@30000000 is malformed");
}
END_TEST

START_TEST(test_duplicate_phandle)
{
        DeviceTreeFunction f = { .bridge = "/pcie@10000000", .rid = RID(0, 2, 0) };
        _cleanup_free_ void *blob = NULL, *copy = NULL;
        DeviceTreeEvidence e;
        size_t size;

        blob = load("qemu-virt-smmuv3.dtb", &size);
        copy = malloc(size + 256);
        ck_assert_int_eq(fdt_open_into(blob, copy, size + 256), 0);
        ck_assert_int_eq(fdt_setprop_u32(copy, fdt_path_offset(copy, "/pl031@9010000"), "phandle", 0x8004), 0);
        ck_assert_int_eq(devicetree_blob_evidence(copy, size + 256, &f, NULL, &e), 0);
        assert_problem(&e, "names phandle 0x8004, which several nodes have");
}
END_TEST

/* Every committed .dtb is what dtc makes of its .dts (when dtc is installed). */
START_TEST(test_dtb_matches_dts)
{
        static const char *const names[] = { "map-mask", "map-ranges", "device-iommus", "map-broken" };
        char tmpl[] = "/tmp/test-devicetree-dtc-XXXXXX";

        if (access("/usr/bin/dtc", X_OK) < 0)
                return;
        ck_assert_ptr_nonnull(mkdtemp(tmpl));
        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                _cleanup_free_ void *committed = NULL;
                char cmd[8192], name[64];
                size_t size;
                void *made;
                FILE *f;

                snprintf(cmd, sizeof cmd, "dtc -q -I dts -O dtb -o %s/out.dtb %s/dt/%s.dts", tmpl, fixtures(),
                         names[i]);
                ck_assert_int_eq(system(cmd), 0);
                snprintf(name, sizeof name, "%s.dtb", names[i]);
                committed = load(name, &size);
                snprintf(cmd, sizeof cmd, "%s/out.dtb", tmpl);
                made = malloc(size + 1);
                f = fopen(cmd, "re");
                ck_assert_ptr_nonnull(f);
                ck_assert_uint_eq(fread(made, 1, size + 1, f), size);
                fclose(f);
                ck_assert_msg(memcmp(made, committed, size) == 0, "%s.dtb is stale: regenerate it", names[i]);
                free(made);
                unlink(cmd);
        }
        rmdir(tmpl);
}
END_TEST

/* ---- malformed blobs: unknown context with the reason, never a crash, never "no IOMMU" ------------- */

static void assert_invalid(const void *blob, size_t size, const char *want)
{
        DeviceTreeFunction f = { .bridge = "/pcie@10000000", .rid = RID(0, 2, 0) };
        DeviceTreeEvidence e;

        ck_assert_int_eq(devicetree_blob_evidence(blob, size, &f, "dma-coherent", &e), 0);
        ck_assert(!e.present);
        ck_assert(!e.covered);
        ck_assert(!e.bypass_property);
        ck_assert_msg(strstr(e.problem, "invalid device tree blob"), "problem: %s", e.problem);
        if (want)
                ck_assert_msg(strstr(e.problem, want), "problem \"%s\" lacks \"%s\"", e.problem, want);
}

static void set_header(void *blob, size_t field_offset, uint32_t value)
{
        put_be32((uint8_t *) blob + field_offset, value);
}

START_TEST(test_malformed_header)
{
        _cleanup_free_ void *good = NULL, *b = NULL;
        size_t size;

        good = load("qemu-virt-smmuv3.dtb", &size);
        b = malloc(size);

        /* truncated: any buffer shorter than the header's totalsize */
        for (size_t len = 0; len < size; len += (len < 128 ? 1 : 97))
                assert_invalid(good, len, NULL);
        assert_invalid(good, size - 1, "FDT_ERR_TRUNCATED");

        memcpy(b, good, size);
        ((uint8_t *) b)[0] ^= 0xff;
        assert_invalid(b, size, "FDT_ERR_BADMAGIC");

#define RESET() memcpy(b, good, size)
        RESET();
        set_header(b, offsetof(struct fdt_header, totalsize), size * 4); /* claims more than the buffer */
        assert_invalid(b, size, "FDT_ERR_TRUNCATED");
        RESET();
        set_header(b, offsetof(struct fdt_header, off_dt_struct), 0xfffffff0);
        assert_invalid(b, size, NULL);
        RESET();
        set_header(b, offsetof(struct fdt_header, off_dt_strings), size + 0x1000);
        assert_invalid(b, size, NULL);
        RESET();
        set_header(b, offsetof(struct fdt_header, size_dt_struct), 0x7fffffff);
        assert_invalid(b, size, NULL);
        RESET();
        set_header(b, offsetof(struct fdt_header, size_dt_strings), 0x7fffffff);
        assert_invalid(b, size, NULL);
        RESET();
        set_header(b, offsetof(struct fdt_header, off_mem_rsvmap), size + 8);
        assert_invalid(b, size, NULL);
        RESET();
        set_header(b, offsetof(struct fdt_header, version), 1);
        assert_invalid(b, size, NULL);
#undef RESET
}
END_TEST

/* A string offset of a property name beyond the strings block, and a structure token out of place. */
START_TEST(test_malformed_structure)
{
        _cleanup_free_ void *good = NULL, *b = NULL;
        uint32_t off_struct, size_struct;
        size_t size;
        bool did_nameoff = false;

        good = load("qemu-virt-smmuv3.dtb", &size);
        b = malloc(size);
        off_struct = fdt_off_dt_struct(good);
        size_struct = fdt_size_dt_struct(good);

        /* The first FDT_PROP token after the root's FDT_BEGIN_NODE: its nameoff field, out of range. */
        memcpy(b, good, size);
        for (uint32_t o = off_struct; o + 12 <= off_struct + size_struct; o += 4) {
                const uint8_t *p = (const uint8_t *) good + o;
                if (p[0] == 0 && p[1] == 0 && p[2] == 0 && p[3] == FDT_PROP) {
                        put_be32((uint8_t *) b + o + 8, 0x00ffffff);
                        did_nameoff = true;
                        break;
                }
        }
        ck_assert(did_nameoff);
        assert_invalid(b, size, NULL);

        /* FDT_END where the root node should begin */
        memcpy(b, good, size);
        put_be32((uint8_t *) b + off_struct, FDT_END);
        assert_invalid(b, size, NULL);

        /* an FDT_END_NODE too many: the last FDT_END becomes FDT_END_NODE */
        memcpy(b, good, size);
        put_be32((uint8_t *) b + off_struct + size_struct - 4, FDT_END_NODE);
        assert_invalid(b, size, NULL);
}
END_TEST

/* Flip every byte in turn: whatever libfdt accepts or rejects, no crash, and "not present" always says why. */
START_TEST(test_every_byte_flipped)
{
        static const char *const names[] = { "qemu-virt-smmuv3.dtb", "map-ranges.dtb", "device-iommus.dtb" };

        for (size_t n = 0; n < ELEMENTSOF(names); n++) {
                _cleanup_free_ void *good = NULL, *b = NULL;
                size_t size;

                good = load(names[n], &size);
                b = malloc(size);
                for (size_t i = 0; i < size; i++) {
                        DeviceTreeFunction f = { .node = "/pcie@30000000/ethernet@6,0", .rid = RID(0, 2, 0) };
                        DeviceTreeEvidence e;
                        int r;

                        memcpy(b, good, size);
                        ((uint8_t *) b)[i] ^= 0xff;
                        r = devicetree_blob_evidence(b, size, &f, "dma-coherent", &e);
                        if (!(r == 0 || r == -ENOENT) || (!e.present && !e.problem[0]) ||
                            (e.covered && !e.iommu[0]))
                                ck_abort_msg("%s byte %zu: r=%d present=%d problem=\"%s\"", names[n], i, r,
                                             e.present, e.problem);

                        f = (DeviceTreeFunction) { .domain = 0, .rid = RID(0, 2, 0) };
                        r = devicetree_blob_evidence(b, size, &f, NULL, &e);
                        if (r != 0 || (!e.present && !e.problem[0]))
                                ck_abort_msg("%s byte %zu (by domain): r=%d problem=\"%s\"", names[n], i, r,
                                             e.problem);
                }
        }
}
END_TEST

/* ---- devicetree_probe() against root directories ---------------------------------------------------- */

static char root[] = "/tmp/test-devicetree-XXXXXX";

static void mkdir_p(const char *path)
{
        char buf[4096];

        snprintf(buf, sizeof buf, "%s", path);
        for (char *p = buf + 1; *p; p++)
                if (*p == '/') {
                        *p = 0;
                        (void) mkdir(buf, 0755);
                        *p = '/';
                }
        ck_assert_msg(mkdir(buf, 0755) == 0 || errno == EEXIST, "mkdir %s: %m", buf);
}

_printf_(1, 2) static char *at(const char *fmt, ...)
{
        static char bufs[4][4096];
        static unsigned i;
        char rel[3072];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(rel, sizeof rel, fmt, ap);
        va_end(ap);
        i = (i + 1) % ELEMENTSOF(bufs);
        snprintf(bufs[i], sizeof bufs[i], "%s%s", root, rel);
        return bufs[i];
}

static void write_file(const char *path, const void *data, size_t size)
{
        FILE *f;

        f = fopen(path, "we");
        ck_assert_msg(f, "open %s: %m", path);
        ck_assert_uint_eq(fwrite(data, 1, size, f), size);
        ck_assert_int_eq(fclose(f), 0);
}

static void link_to(const char *target, const char *linkpath)
{
        (void) unlink(linkpath);
        ck_assert_msg(symlink(target, linkpath) == 0, "symlink %s: %m", linkpath);
}

/* Write a blob out as a live tree: one directory per node, one file per property. */
static void unpack(const void *blob, int node, const char *dir)
{
        int prop, child;

        mkdir_p(dir);
        fdt_for_each_property_offset(prop, blob, node) {
                const char *name;
                const void *value;
                char path[4096];
                int len;

                value = fdt_getprop_by_offset(blob, prop, &name, &len);
                ck_assert_ptr_nonnull(value);
                snprintf(path, sizeof path, "%s/%s", dir, name);
                write_file(path, value, len);
        }
        fdt_for_each_subnode(child, blob, node) {
                char path[4096];

                snprintf(path, sizeof path, "%s/%s", dir, fdt_get_name(blob, child, NULL));
                unpack(blob, child, path);
        }
}

static void rm_rf(const char *path)
{
        char cmd[4200];

        snprintf(cmd, sizeof cmd, "rm -rf -- '%s'", path);
        ck_assert_int_eq(system(cmd), 0);
}

/* A pci function directory, its /sys/bus/pci/devices link, and optionally an of_node link. */
static void add_function(const char *devpath, const char *address, const char *of_node)
{
        mkdir_p(at("%s/%s", devpath, address));
        mkdir_p(at("/sys/bus/pci/devices"));
        link_to(at("%s/%s", devpath, address), at("/sys/bus/pci/devices/%s", address));
        if (of_node) {
                char target[4096];
                snprintf(target, sizeof target, "%s/sys/firmware/devicetree/base%s", root, of_node);
                link_to(target, at("%s/%s/of_node", devpath, address));
        }
}

static void install_blob(const char *name, bool blob, bool live)
{
        _cleanup_free_ void *b = NULL;
        size_t size;

        b = load(name, &size);
        rm_rf(at("/sys/firmware"));
        mkdir_p(at("/sys/firmware"));
        if (blob)
                write_file(at("/sys/firmware/fdt"), b, size);
        if (live)
                unpack(b, 0, at("/sys/firmware/devicetree/base"));
}

static void setup_root(void)
{
        ck_assert_ptr_nonnull(mkdtemp(root));
}

static void teardown_root(void)
{
        rm_rf(root);
        strcpy(root, "/tmp/test-devicetree-XXXXXX");
}

#define ARM_BRIDGE "/sys/devices/platform/4010000000.pcie"

START_TEST(test_probe_arm64)
{
        DeviceTreeEvidence e;

        install_blob("qemu-virt-smmuv3.dtb", true, true);
        mkdir_p(at(ARM_BRIDGE "/pci0000:00"));
        add_function(ARM_BRIDGE "/pci0000:00", "0000:00:02.0", NULL);
        add_function(ARM_BRIDGE "/pci0000:00/0000:00:01.0", "0000:01:00.0", NULL);

        /* no link anywhere: the domain finds the bridge */
        ck_assert_int_eq(devicetree_probe(root, "0000:00:02.0", NULL, &e), 0);
        assert_covered(&e, "arm,smmu-v3 at /smmuv3@9050000", "/pcie@10000000");

        /* the host bridge's of_node (what Linux links on virt), on the platform device… */
        link_to(at("/sys/firmware/devicetree/base/pcie@10000000"), at(ARM_BRIDGE "/of_node"));
        ck_assert_int_eq(devicetree_probe(root, "0000:01:00.0", NULL, &e), 0);
        assert_covered(&e, "arm,smmu-v3 at /smmuv3@9050000", "/pcie@10000000");
        /* …and on the root bus device, given as a relative link */
        link_to("../../../../firmware/devicetree/base/pcie@10000000", at(ARM_BRIDGE "/pci0000:00/of_node"));
        ck_assert_int_eq(devicetree_probe(root, "0000:00:02.0", "dma-coherent", &e), 0);
        assert_covered(&e, "arm,smmu-v3 at /smmuv3@9050000", "/pcie@10000000");
        ck_assert(e.bypass_property);

        /* the same machine without an SMMU */
        install_blob("qemu-virt-noiommu.dtb", true, false);
        ck_assert_int_eq(devicetree_probe(root, "0000:00:02.0", NULL, &e), 0);
        assert_not_covered(&e, "/pcie@10000000");

        /* a corrupt blob: unknown context with the reason (the live tree does not paper over it) */
        install_blob("qemu-virt-smmuv3.dtb", false, true);
        write_file(at("/sys/firmware/fdt"), "\xd0\x0d\xfe\xed garbage", 12);
        ck_assert_int_eq(devicetree_probe(root, "0000:00:02.0", NULL, &e), 0);
        ck_assert(!e.present);
        ck_assert(!e.covered);
        ck_assert_msg(strstr(e.problem, "invalid device tree blob"), "%s", e.problem);

        /* no blob (or not root): the live tree alone */
        unlink(at("/sys/firmware/fdt"));
        ck_assert_int_eq(devicetree_probe(root, "0000:00:02.0", NULL, &e), 0);
        assert_covered(&e, "arm,smmu-v3 at /smmuv3@9050000", "/pcie@10000000");

        /* no device tree at all (x86): not present, and it says so */
        rm_rf(at("/sys/firmware"));
        ck_assert_int_eq(devicetree_probe(root, "0000:00:02.0", NULL, &e), 0);
        ck_assert(!e.present);
        ck_assert(!e.covered);
        ck_assert_str_eq(e.problem, "no device tree on this platform");

        /* malformed address */
        ck_assert_int_eq(devicetree_probe(root, "00:02.0x", NULL, &e), 0);
        ck_assert(!e.present);
        ck_assert_msg(strstr(e.problem, "malformed PCI address"), "%s", e.problem);
        ck_assert_int_eq(devicetree_probe(root, "0000:00:20.0", NULL, &e), 0);
        ck_assert(!e.present);
}
END_TEST

START_TEST(test_probe_pseries)
{
        DeviceTreeEvidence e;

        install_blob("qemu-pseries.dtb", true, true);
        add_function("/sys/devices/pci0000:00", "0000:00:00.0", "/pci@800000020000000/ethernet@0");
        add_function("/sys/devices/pci0000:00", "0000:00:01.0", "/pci@800000020000000/ethernet@1");
        add_function("/sys/devices/pci0000:00", "0000:00:02.0", "/pci@800000020000000/ethernet@2");
        add_function("/sys/devices/pci0000:00", "0000:00:03.0", "/pci@800000020000000/ethernet@3");

        ck_assert_int_eq(devicetree_probe(root, "0000:00:00.0", "ibm,loc-code", &e), 0);
        assert_covered(&e, "TCE (ibm,dma-window) on /pci@800000020000000", "/pci@800000020000000/ethernet@0");
        ck_assert(e.bypass_property);
        ck_assert_int_eq(devicetree_probe(root, "0000:00:01.0", NULL, &e), 0);
        assert_covered(&e, "TCE (ibm,dma-window) on /pci@800000020000000", "/pci@800000020000000/ethernet@1");

        /* hot-added after boot: not in /sys/firmware/fdt, only in the live tree */
        mkdir_p(at("/sys/firmware/devicetree/base/pci@800000020000000/ethernet@2"));
        write_file(at("/sys/firmware/devicetree/base/pci@800000020000000/ethernet@2/device-id"),
                   "\0\0\x10\x41", 4);
        ck_assert_int_eq(devicetree_probe(root, "0000:00:02.0", NULL, &e), 0);
        assert_covered(&e, "TCE (ibm,dma-window) on /pci@800000020000000", "/pci@800000020000000/ethernet@2");

        /* in neither */
        ck_assert_int_eq(devicetree_probe(root, "0000:00:03.0", NULL, &e), 0);
        assert_problem(&e, "nor in the live tree");

        /* the live tree ignores symlinks (they could lead out of it) and refuses absurd depth */
        link_to("/", at("/sys/firmware/devicetree/base/escape"));
        ck_assert_int_eq(devicetree_probe(root, "0000:00:02.0", NULL, &e), 0);
        assert_covered(&e, "TCE (ibm,dma-window) on /pci@800000020000000", "/pci@800000020000000/ethernet@2");
        {
                char deep[4096];
                int n = snprintf(deep, sizeof deep, "%s", at("/sys/firmware/devicetree/base"));
                for (int d = 0; d < 40; d++)
                        n += snprintf(deep + n, sizeof deep - n, "/n%d", d);
                mkdir_p(deep);
        }
        ck_assert_int_eq(devicetree_probe(root, "0000:00:02.0", NULL, &e), 0);
        ck_assert(!e.present);
        ck_assert_msg(strstr(e.problem, "cannot read the live device tree"), "%s", e.problem);
        /* the boot-time blob still answers for the nodes it has */
        ck_assert_int_eq(devicetree_probe(root, "0000:00:01.0", NULL, &e), 0);
        assert_covered(&e, "TCE (ibm,dma-window) on /pci@800000020000000", "/pci@800000020000000/ethernet@1");
}
END_TEST

/* The live tree packed into a blob judges like the blob it was unpacked from. */
START_TEST(test_blob_from_directory)
{
        static const char *const names[] = { "qemu-virt-smmuv3.dtb", "qemu-pseries.dtb", "map-ranges.dtb",
                                             "device-iommus.dtb" };

        for (size_t n = 0; n < ELEMENTSOF(names); n++) {
                _cleanup_free_ void *b = NULL, *packed = NULL;
                size_t size, psize;
                int depth = 0, off;

                b = load(names[n], &size);
                rm_rf(at("/live"));
                unpack(b, 0, at("/live"));
                ck_assert_int_eq(devicetree_blob_from_directory(at("/live"), &packed, &psize), 0);
                ck_assert_int_eq(fdt_check_full(packed, psize), 0);

                /* every node and property of the original is in the packed blob, with the same value */
                for (off = fdt_next_node(b, -1, &depth); off >= 0; off = fdt_next_node(b, off, &depth)) {
                        char path[512];
                        int prop, poff;

                        ck_assert_int_ge(fdt_get_path(b, off, path, sizeof path), 0);
                        poff = fdt_path_offset(packed, path);
                        ck_assert_msg(poff >= 0, "%s: %s missing", names[n], path);
                        fdt_for_each_property_offset(prop, b, off) {
                                const char *name;
                                const void *v, *pv;
                                int len, plen;

                                v = fdt_getprop_by_offset(b, prop, &name, &len);
                                pv = fdt_getprop(packed, poff, name, &plen);
                                ck_assert_msg(pv && plen == len && memcmp(v, pv, len) == 0, "%s: %s/%s differs",
                                              names[n], path, name);
                        }
                }
        }
        ck_assert_int_eq(devicetree_blob_from_directory(at("/nonexistent"), &(void *){ NULL }, &(size_t){ 0 }),
                         -ENOENT);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("devicetree");
        TCase *tc;
        SRunner *sr;
        int failed;

        tc = tcase_create("pure");
        tcase_add_test(tc, test_map_lookup);
        tcase_add_test(tc, test_map_lookup_edges);
        tcase_add_test(tc, test_errno_from_fdt);
        tcase_add_test(tc, test_phandle_lookup);
        suite_add_tcase(s, tc);

        tc = tcase_create("trees");
        tcase_add_test(tc, test_virt_smmuv3);
        tcase_add_test(tc, test_virt_noiommu);
        tcase_add_test(tc, test_pseries);
        tcase_add_test(tc, test_bypass_property);
        tcase_add_test(tc, test_no_pci_in_tree);
        tcase_add_test(tc, test_map_mask);
        tcase_add_test(tc, test_map_ranges);
        tcase_add_test(tc, test_device_iommus);
        tcase_add_test(tc, test_map_broken);
        tcase_add_test(tc, test_duplicate_phandle);
        tcase_add_test(tc, test_dtb_matches_dts);
        suite_add_tcase(s, tc);

        tc = tcase_create("malformed");
        /* every byte of three blobs, twice: seconds, more under valgrind or emulation */
        tcase_set_timeout(tc, 120);
        tcase_add_test(tc, test_malformed_header);
        tcase_add_test(tc, test_malformed_structure);
        tcase_add_test(tc, test_every_byte_flipped);
        suite_add_tcase(s, tc);

        tc = tcase_create("probe");
        tcase_add_checked_fixture(tc, setup_root, teardown_root);
        tcase_add_test(tc, test_probe_arm64);
        tcase_add_test(tc, test_probe_pseries);
        tcase_add_test(tc, test_blob_from_directory);
        suite_add_tcase(s, tc);

        sr = srunner_create(s);
        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
