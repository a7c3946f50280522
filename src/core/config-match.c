/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Allow=/Deny= entries and GuardedDrivers= globs: parsing one entry and matching a function against a list.
 * Pure: no I/O, no allocation while matching.
 */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <strings.h>

#include "core/config.h"
#include "shared/macro.h"

typedef struct PciAddress {
        unsigned domain, bus, slot, function;
} PciAddress;

/* Exactly n hex digits at s; n == 0 means "1 to 8". Returns the number of characters consumed, or 0. */
static size_t parse_hex(const char *s, size_t n, unsigned *ret)
{
        size_t i, max = n ? n : 8;
        unsigned v = 0;

        for (i = 0; i < max && isxdigit((unsigned char) s[i]); i++)
                v = v * 16 + (unsigned) (isdigit((unsigned char) s[i]) ? s[i] - '0'
                                                                        : tolower((unsigned char) s[i]) - 'a' + 10);
        if (i == 0 || (n && i != n))
                return 0;
        *ret = v;
        return i;
}

/* "DDDD:BB:SS.F" (the domain may have up to 8 hex digits) or bus-relative "BB:SS.F" (domain 0000). */
static int pci_address_parse(const char *s, PciAddress *ret)
{
        PciAddress a = {};
        const char *p = s;
        size_t k;

        /* Try with a domain first: the domain is the only field followed by ':' twice. */
        if (strchr(p, ':') != strrchr(p, ':')) {
                k = parse_hex(p, 0, &a.domain);
                if (k < 4 || p[k] != ':')
                        return -EINVAL;
                p += k + 1;
        }
        k = parse_hex(p, 2, &a.bus);
        if (k == 0 || p[k] != ':')
                return -EINVAL;
        p += k + 1;
        k = parse_hex(p, 2, &a.slot);
        if (k == 0 || p[k] != '.' || a.slot > 0x1f)
                return -EINVAL;
        p += k + 1;
        k = parse_hex(p, 1, &a.function);
        if (k == 0 || p[k] != '\0' || a.function > 7)
                return -EINVAL;

        *ret = a;
        return 0;
}

static bool looks_like_modalias_glob(const char *s)
{
        if (strncasecmp(s, "pci:", 4) != 0 || s[4] == '\0')
                return false;
        /* A kernel modalias is printable ASCII without spaces; anything else cannot ever match. */
        for (const char *p = s; *p; p++)
                if (!isgraph((unsigned char) *p))
                        return false;
        return true;
}

int match_parse(const char *s, Match *ret)
{
        PciAddress a;
        unsigned v, d;
        char buf[32];
        char *text;

        if (!s || !ret)
                return -EINVAL;

        if (pci_address_parse(s, &a) >= 0) {
                snprintf(buf, sizeof buf, "%04x:%02x:%02x.%x", a.domain, a.bus, a.slot, a.function);
                text = strdup(buf);
                if (!text)
                        return -ENOMEM;
                *ret = (Match){ .kind = MATCH_ADDRESS, .text = text };
                return 0;
        }

        if (parse_hex(s, 4, &v) == 4 && s[4] == ':' && parse_hex(s + 5, 4, &d) == 4 && s[9] == '\0') {
                snprintf(buf, sizeof buf, "%04x:%04x", v, d);
                text = strdup(buf);
                if (!text)
                        return -ENOMEM;
                *ret = (Match){ .kind = MATCH_IDS, .text = text, .vendor = v, .device = d };
                return 0;
        }

        if (looks_like_modalias_glob(s)) {
                text = strdup(s);
                if (!text)
                        return -ENOMEM;
                *ret = (Match){ .kind = MATCH_MODALIAS, .text = text };
                return 0;
        }

        return -EINVAL;
}

void match_done(Match *m)
{
        if (!m)
                return;
        free(m->text);
        m->text = NULL;
}

static bool match_one(const Match *m, const char *address, uint16_t vendor, uint16_t device,
                      const char *modalias)
{
        PciAddress want, have;

        switch (m->kind) {
        case MATCH_ADDRESS:
                if (!address || !m->text)
                        return false;
                /* Compare numerically, so "0000:00:03.0", "00:03.0" and upper-case hex are one function. */
                if (pci_address_parse(m->text, &want) < 0 || pci_address_parse(address, &have) < 0)
                        return strcasecmp(m->text, address) == 0;
                return want.domain == have.domain && want.bus == have.bus && want.slot == have.slot &&
                       want.function == have.function;
        case MATCH_IDS:
                return m->vendor == vendor && m->device == device;
        case MATCH_MODALIAS:
                return modalias && m->text && fnmatch(m->text, modalias, FNM_CASEFOLD) == 0;
        default:
                return false;
        }
}

bool match_list_matches(const MatchList *l, const char *address, uint16_t vendor, uint16_t device,
                        const char *modalias)
{
        if (!l)
                return false;
        for (size_t i = 0; i < l->n; i++)
                if (match_one(&l->items[i], address, vendor, device, modalias))
                        return true;
        return false;
}

bool config_driver_is_guarded(const Config *c, const char *driver)
{
        if (!c || !driver || !driver[0])
                return false;
        for (char **g = c->guarded_drivers; g && *g; g++)
                if (fnmatch(*g, driver, 0) == 0)
                        return true;
        return false;
}
