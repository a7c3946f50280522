/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The daemon's per-function records in ROOT/run/vfio-guard/functions (format in record.h). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "probe/probe.h"
#include "probe/record.h"
#include "probe/sysfs.h"
#include "shared/macro.h"
#include "shared/strv.h"

#define RECORD_SIZE_MAX 4096

static int record_dir(const char *root, char *buf, size_t size)
{
        int n = snprintf(buf, size, "%s/" RECORD_DIR, strempty(root));
        return n < 0 || (size_t) n >= size ? -ENAMETOOLONG : 0;
}

static int record_path(const char *root, const char *address, char *buf, size_t size)
{
        int n = snprintf(buf, size, "%s/" RECORD_DIR "/%s", strempty(root), address);
        return n < 0 || (size_t) n >= size ? -ENAMETOOLONG : 0;
}

static int parse_u64(const char *s, int base, uint64_t *ret)
{
        unsigned long long v;
        char *end;

        /* strtoull accepts a sign and leading blanks; a record never has them. */
        if (!isxdigit((unsigned char) s[0]))
                return -EBADMSG;
        errno = 0;
        v = strtoull(s, &end, base);
        if (errno != 0 || end == s || *end)
                return -EBADMSG;
        *ret = v;
        return 0;
}

static int parse_bool(const char *s, bool *ret)
{
        if (streq(s, "1") || streq(s, "yes"))
                *ret = true;
        else if (streq(s, "0") || streq(s, "no"))
                *ret = false;
        else
                return -EBADMSG;
        return 0;
}

static int parse_pci_id(const char *s, uint16_t *vendor, uint16_t *device)
{
        unsigned v, d;
        int n = 0;

        if (strlen(s) != 9 || sscanf(s, "%4x:%4x%n", &v, &d, &n) != 2 || n != 9)
                return -EBADMSG;
        *vendor = (uint16_t) v;
        *device = (uint16_t) d;
        return 0;
}

static int parse_line(Record *r, char *line, bool *have_verdict, bool *have_decision, bool *have_source,
                      bool *have_features)
{
        char *eq = strchr(line, '='), *key = line, *value;
        int v;

        if (!eq)
                return -EBADMSG;
        *eq = 0;
        value = eq + 1;

        if (streq(key, "VERDICT")) {
                v = verdict_from_string(value);
                if (v < 0 || v == VERDICT_NOT_VIRTIO)
                        return -EBADMSG;
                r->verdict = v;
                *have_verdict = true;
        } else if (streq(key, "DECISION")) {
                v = decision_from_string(value);
                if (v < 0 || v == DECISION_NOT_GUARDED)
                        return -EBADMSG;
                r->decision = v;
                *have_decision = true;
        } else if (streq(key, "FEATURE_SOURCE")) {
                v = feature_source_from_string(value);
                if (v < 0)
                        return -EBADMSG;
                r->feature_source = v;
                *have_source = true;
        } else if (streq(key, "FEATURES")) {
                if (!strneq(value, "0x", 2) || strlen(value) > 18 || parse_u64(value + 2, 16, &r->features) < 0)
                        return -EBADMSG;
                *have_features = true;
        } else if (streq(key, "TRANSPORT")) {
                v = transport_from_string(value);
                if (v < 0)
                        return -EBADMSG;
                r->transport = v;
        } else if (streq(key, "PCI_ID")) {
                return parse_pci_id(value, &r->vendor, &r->device);
        } else if (streq(key, "PINNED_BY_GUARD")) {
                return parse_bool(value, &r->pinned_by_guard);
        } else if (streq(key, "PIN")) {
                if (strlen(value) >= sizeof r->pin || strchr(value, '/'))
                        return -EBADMSG;
                strcpy(r->pin, value);
        } else if (streq(key, "UPDATED_USEC")) {
                if (!isdigit((unsigned char) value[0]))
                        return -EBADMSG;
                return parse_u64(value, 10, &r->updated_usec);
        }
        /* Unknown keys: written by a newer daemon; ignoring them lets the format grow. */
        return 0;
}

int record_read(const char *root, const char *address, Record *ret)
{
        bool have_verdict = false, have_decision = false, have_source = false, have_features = false;
        char path[PATH_MAX], buf[RECORD_SIZE_MAX], a[PCI_ADDRESS_MAX], *line, *save = NULL;
        Record r = {};
        int k;

        if (pci_address_normalize(address, a) < 0)
                return -EINVAL;
        k = record_path(root, a, path, sizeof path);
        if (k < 0)
                return k;
        k = sysfs_read_all(path, buf, sizeof buf);
        if (k == -EFBIG)
                return -EBADMSG;
        if (k < 0)
                return k;
        if ((size_t) k != strlen(buf))
                return -EBADMSG; /* a NUL inside */

        snprintf(r.address, sizeof r.address, "%s", a);
        r.transport = TRANSPORT_UNKNOWN;

        for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                if (line[0] == '#')
                        continue;
                k = parse_line(&r, line, &have_verdict, &have_decision, &have_source, &have_features);
                if (k < 0)
                        return k;
        }

        /* Without these the record says nothing the reader could use. */
        if (!have_verdict || !have_decision || !have_source)
                return -EBADMSG;
        if (r.feature_source != FEATURE_SOURCE_NONE && !have_features)
                return -EBADMSG;
        if (r.feature_source == FEATURE_SOURCE_NONE)
                r.features = 0;

        *ret = r;
        return 0;
}

static int mkdir_parents(const char *path)
{
        char buf[PATH_MAX];
        size_t n = strlen(path);

        if (n >= sizeof buf)
                return -ENAMETOOLONG;
        memcpy(buf, path, n + 1);
        for (char *p = buf + 1; *p; p++) {
                if (*p != '/')
                        continue;
                *p = 0;
                if (mkdir(buf, 0755) < 0 && errno != EEXIST)
                        return negative_errno();
                *p = '/';
        }
        if (mkdir(buf, 0755) < 0 && errno != EEXIST)
                return negative_errno();
        return 0;
}

int record_write(const char *root, const Record *r)
{
        char dir[PATH_MAX], path[PATH_MAX], tmp[PATH_MAX], a[PCI_ADDRESS_MAX];
        const char *verdict, *decision, *source, *transport;
        _cleanup_close_ int fd = -1;
        _cleanup_fclose_ FILE *f = NULL;
        int k;

        if (pci_address_normalize(r->address, a) < 0)
                return -EINVAL;
        verdict = verdict_to_string(r->verdict);
        decision = decision_to_string(r->decision);
        source = feature_source_to_string(r->feature_source);
        transport = transport_to_string(r->transport);
        if (!verdict || !decision || !source || !transport || strchr(r->pin, '\n') || strchr(r->pin, '/'))
                return -EINVAL;
        /* Only virtio functions have records: what record_read() would refuse is not written. */
        if (r->verdict == VERDICT_NOT_VIRTIO || r->decision == DECISION_NOT_GUARDED)
                return -EINVAL;

        k = record_dir(root, dir, sizeof dir);
        if (k < 0)
                return k;
        k = mkdir_parents(dir);
        if (k < 0)
                return k;
        k = record_path(root, a, path, sizeof path);
        if (k < 0)
                return k;
        /* A dot file: record_list() never mistakes a half-written temporary for a record. */
        if (snprintf(tmp, sizeof tmp, "%s/.%s.XXXXXX", dir, a) >= (int) sizeof tmp)
                return -ENAMETOOLONG;

        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        if (fchmod(fd, 0644) < 0)
                goto fail;
        f = fdopen(fd, "w");
        if (!f)
                goto fail;
        fd = -1;

        fprintf(f, "VERDICT=%s\nDECISION=%s\nFEATURE_SOURCE=%s\n", verdict, decision, source);
        if (r->feature_source != FEATURE_SOURCE_NONE)
                fprintf(f, "FEATURES=0x%016" PRIx64 "\n", r->features);
        fprintf(f, "TRANSPORT=%s\nPCI_ID=%04x:%04x\nPINNED_BY_GUARD=%d\n", transport, r->vendor, r->device,
                r->pinned_by_guard);
        if (r->pin[0])
                fprintf(f, "PIN=%s\n", r->pin);
        fprintf(f, "UPDATED_USEC=%" PRIu64 "\n", r->updated_usec);

        if (fflush(f) != 0 || ferror(f))
                goto fail;
        if (rename(tmp, path) < 0)
                goto fail;
        return 0;

fail:
        k = negative_errno();
        (void) unlink(tmp);
        return k;
}

int record_remove(const char *root, const char *address)
{
        char path[PATH_MAX], a[PCI_ADDRESS_MAX];
        int k;

        if (pci_address_normalize(address, a) < 0)
                return -EINVAL;
        k = record_path(root, a, path, sizeof path);
        if (k < 0)
                return k;
        if (unlink(path) < 0 && errno != ENOENT)
                return negative_errno();
        return 0;
}

int record_list(const char *root, char ***ret)
{
        char dir[PATH_MAX];
        int k;

        k = record_dir(root, dir, sizeof dir);
        if (k < 0)
                return k;
        k = sysfs_list_addresses(dir, NULL, ret);
        if (k == -ENOENT) {
                /* No daemon has run yet: no records. */
                *ret = calloc(1, sizeof(char *));
                return *ret ? 0 : -ENOMEM;
        }
        return k;
}

static int unbinding_path(const char *root, const char *address, char *buf, size_t size)
{
        int n = snprintf(buf, size, "%s/" UNBINDING_DIR "/%s", strempty(root), address);
        return n < 0 || (size_t) n >= size ? -ENAMETOOLONG : 0;
}

int record_mark_unbinding(const char *root, const char *address, bool on)
{
        char path[PATH_MAX], dir[PATH_MAX];
        int fd, r;

        r = unbinding_path(root, address, path, sizeof path);
        if (r < 0)
                return r;
        if (!on)
                return unlink(path) < 0 && errno != ENOENT ? negative_errno() : 0;

        r = snprintf(dir, sizeof dir, "%s/" UNBINDING_DIR, strempty(root));
        if (r < 0 || (size_t) r >= sizeof dir)
                return -ENAMETOOLONG;
        r = mkdir_parents(dir);
        if (r < 0)
                return r;
        fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0)
                return negative_errno();
        close(fd);
        return 0;
}

bool record_is_unbinding(const char *root, const char *address)
{
        char path[PATH_MAX];

        if (unbinding_path(root, address, path, sizeof path) < 0)
                return false;
        return access(path, F_OK) == 0;
}
