/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/virtio-caps.h"
#include "core/virtio-ids.h"
#include "shared/macro.h"

#define PCI_STATUS 0x06
#define PCI_STATUS_CAP_LIST 0x10
#define PCI_CAPABILITY_LIST 0x34
#define PCI_CAP_FIRST 0x40 /* capabilities live after the 64-byte header */

static uint32_t le32(const uint8_t *p)
{
        return (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 | (uint32_t) p[3] << 24;
}

/* Keep the first problem: it is usually the cause of the others. */
_printf_(2, 3) static void note(VirtioCaps *c, const char *fmt, ...)
{
        va_list ap;

        if (c->problem[0])
                return;
        va_start(ap, fmt);
        vsnprintf(c->problem, sizeof c->problem, fmt, ap);
        va_end(ap);
}

static bool known_cfg_type(uint8_t t)
{
        switch (t) {
        case VIRTIO_PCI_CAP_COMMON_CFG:
        case VIRTIO_PCI_CAP_NOTIFY_CFG:
        case VIRTIO_PCI_CAP_ISR_CFG:
        case VIRTIO_PCI_CAP_DEVICE_CFG:
        case VIRTIO_PCI_CAP_PCI_CFG:
        case VIRTIO_PCI_CAP_SHARED_MEMORY_CFG:
        case VIRTIO_PCI_CAP_VENDOR_CFG:
                return true;
        default:
                return false;
        }
}

static void vendor_cap(VirtioCaps *c, const uint8_t *config, size_t pos)
{
        VirtioCap cap;

        /* cap_vndr, cap_next, cap_len, cfg_type must be there before anything is known about it. */
        if (pos + 4 > c->config_size) {
                c->walk_broken = true;
                note(c, "capability at 0x%02zx runs past the end of the %zu bytes read", pos, c->config_size);
                return;
        }

        cap = (VirtioCap){
                .position = pos,
                .cap_len = config[pos + 2],
                .cfg_type = config[pos + VIRTIO_PCI_CAP_OFF_CFG_TYPE],
        };

        /* Vendor capabilities of other layouts are legal; only the virtio cfg_types are ours. Types the spec
         * may add later are ignored, as a driver would. */
        if (!known_cfg_type(cap.cfg_type))
                return;
        c->n_virtio_seen++;

        if (cap.cap_len < VIRTIO_PCI_CAP_MIN_LEN) {
                c->n_ignored++;
                note(c, "virtio capability at 0x%02zx (%s) has cap_len %u < %u, ignored", pos,
                     virtio_cap_type_to_string(cap.cfg_type), cap.cap_len, VIRTIO_PCI_CAP_MIN_LEN);
                return;
        }
        if (pos + cap.cap_len > c->config_size) {
                c->n_ignored++;
                c->walk_broken = true;
                note(c, "virtio capability at 0x%02zx (%s, %u bytes) runs past the end of the %zu bytes read", pos,
                     virtio_cap_type_to_string(cap.cfg_type), cap.cap_len, c->config_size);
                return;
        }

        cap.bar = config[pos + VIRTIO_PCI_CAP_OFF_BAR];
        cap.id = config[pos + VIRTIO_PCI_CAP_OFF_ID];
        cap.offset = le32(config + pos + VIRTIO_PCI_CAP_OFF_OFFSET);
        cap.length = le32(config + pos + VIRTIO_PCI_CAP_OFF_LENGTH);

        /* The PCI_CFG window names its BAR per access; its own bar field is not a location. */
        if (cap.cfg_type != VIRTIO_PCI_CAP_PCI_CFG && cap.bar > VIRTIO_PCI_BAR_MAX) {
                c->n_ignored++;
                note(c, "virtio capability at 0x%02zx (%s) names BAR %u > %u, ignored", pos,
                     virtio_cap_type_to_string(cap.cfg_type), cap.bar, VIRTIO_PCI_BAR_MAX);
                return;
        }
        if (cap.cfg_type != VIRTIO_PCI_CAP_PCI_CFG && (uint64_t) cap.offset + cap.length > UINT32_MAX) {
                c->n_ignored++;
                note(c, "virtio capability at 0x%02zx (%s) has offset+length past 4 GiB, ignored", pos,
                     virtio_cap_type_to_string(cap.cfg_type));
                return;
        }

        if (c->n >= VIRTIO_CAPS_MAX) {
                c->n_ignored++;
                note(c, "more than %d virtio capabilities, ignoring the rest", VIRTIO_CAPS_MAX);
                return;
        }
        c->caps[c->n++] = cap;
}

int virtio_caps_parse(const uint8_t *config, size_t size, VirtioCaps *ret)
{
        bool visited[PCI_CONFIG_SPACE_SIZE] = {};
        VirtioCaps c = {};
        size_t pos;

        if (!config || size < PCI_CONFIG_HEADER_SIZE || !ret)
                return -EINVAL;

        /* The standard list lives in the first 256 bytes; what follows is the extended list. */
        c.config_size = size < PCI_CONFIG_SPACE_SIZE ? size : PCI_CONFIG_SPACE_SIZE;
        c.truncated = size < PCI_CONFIG_SPACE_SIZE;
        c.list_bit = config[PCI_STATUS] & PCI_STATUS_CAP_LIST;

        if (!c.list_bit) {
                if (config[PCI_CAPABILITY_LIST])
                        note(&c, "capabilities-list bit clear in the status register, pointer 0x%02x ignored",
                             config[PCI_CAPABILITY_LIST]);
                *ret = c;
                return 0;
        }

        /* The two low bits of every pointer are reserved (PCI 3.0, 6.7): mask them as Linux does. */
        pos = config[PCI_CAPABILITY_LIST] & ~3u;
        /* Every step visits a new 4-byte-aligned offset in 0x40–0xfc, so 48 steps end any walk. */
        while (pos != 0) {
                if (pos < PCI_CAP_FIRST) {
                        c.walk_broken = true;
                        note(&c, "capability pointer 0x%02zx points into the header (below 0x40)", pos);
                        break;
                }
                if (pos + 2 > c.config_size) {
                        c.walk_broken = true;
                        if (c.truncated)
                                note(&c, "capability at 0x%02zx lies past the %zu bytes read", pos, c.config_size);
                        else
                                note(&c, "capability pointer 0x%02zx points past the end of config space", pos);
                        break;
                }
                if (visited[pos]) {
                        c.walk_broken = true;
                        note(&c, "capability list loops back to 0x%02zx", pos);
                        break;
                }
                visited[pos] = true;

                if (config[pos] == PCI_CAP_ID_VNDR)
                        vendor_cap(&c, config, pos);

                pos = config[pos + 1] & ~3u;
        }

        *ret = c;
        return 0;
}

const VirtioCap *virtio_caps_find(const VirtioCaps *c, VirtioCapType type)
{
        for (size_t i = 0; i < c->n; i++) {
                const VirtioCap *cap = c->caps + i;

                if (cap->cfg_type != type)
                        continue;
                if (type == VIRTIO_PCI_CAP_COMMON_CFG && cap->length < VIRTIO_PCI_COMMON_MIN_LEN)
                        continue;
                if (type == VIRTIO_PCI_CAP_PCI_CFG && cap->cap_len < VIRTIO_PCI_CFG_CAP_MIN_LEN)
                        continue;
                return cap;
        }
        return NULL;
}

_printf_(3, 4) static Transport unknown(char *reason, size_t reason_size, const char *fmt, ...)
{
        va_list ap;

        if (reason && reason_size > 0) {
                va_start(ap, fmt);
                vsnprintf(reason, reason_size, fmt, ap);
                va_end(ap);
        }
        return TRANSPORT_UNKNOWN;
}

Transport virtio_caps_transport(uint16_t vendor, uint16_t device, const VirtioCaps *c, char *reason,
                                size_t reason_size)
{
        if (reason && reason_size > 0)
                reason[0] = 0;

        if (!virtio_pci_is_virtio(vendor, device))
                return _TRANSPORT_INVALID;

        /* The ID alone says modern: such a function has no legacy interface, caps or not. */
        if (virtio_pci_is_modern_id(vendor, device))
                return TRANSPORT_MODERN;

        if (!c)
                return unknown(reason, reason_size, "config space not read");

        /* Legacy-only means "no virtio capability anywhere in the list": only a whole, sound list says so. */
        if (c->config_size <= PCI_CONFIG_HEADER_SIZE)
                return unknown(reason, reason_size,
                               "config space past 64 bytes needs root: the virtio capabilities cannot be read");
        if (c->walk_broken && c->truncated)
                return unknown(reason, reason_size, "config space truncated at %zu bytes: %s", c->config_size,
                               c->problem);
        if (c->walk_broken)
                return unknown(reason, reason_size, "malformed capability list: %s", c->problem);
        /* A pointer behind a clear status bit: the header contradicts itself, so "no capabilities" is not
         * proven. A clear bit with a zero pointer is a sound, empty list. */
        if (!c->list_bit && c->problem[0])
                return unknown(reason, reason_size, "malformed capability list: %s", c->problem);

        if (virtio_caps_find(c, VIRTIO_PCI_CAP_COMMON_CFG))
                return TRANSPORT_TRANSITIONAL;

        if (c->n_virtio_seen > 0)
                return unknown(reason, reason_size, "virtio capabilities without a usable common configuration%s%s",
                               c->problem[0] ? ": " : "", c->problem);
        if (c->truncated)
                return unknown(reason, reason_size, "config space truncated at %zu bytes", c->config_size);

        return TRANSPORT_LEGACY_ONLY;
}

const char *virtio_cap_type_to_string(unsigned cfg_type)
{
        switch (cfg_type) {
        case VIRTIO_PCI_CAP_COMMON_CFG:
                return "common";
        case VIRTIO_PCI_CAP_NOTIFY_CFG:
                return "notify";
        case VIRTIO_PCI_CAP_ISR_CFG:
                return "ISR";
        case VIRTIO_PCI_CAP_DEVICE_CFG:
                return "device";
        case VIRTIO_PCI_CAP_PCI_CFG:
                return "PCI_CFG";
        case VIRTIO_PCI_CAP_SHARED_MEMORY_CFG:
                return "shared memory";
        case VIRTIO_PCI_CAP_VENDOR_CFG:
                return "vendor";
        default:
                return "unknown";
        }
}
