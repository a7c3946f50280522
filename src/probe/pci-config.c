/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <pci/pci.h>

#include "probe/pci-config.h"
#include "probe/probe.h"
#include "shared/macro.h"

#define CHUNK 64

/*
 * libpci reports failures through a callback it declares no-return, and its default exits the process. Ours
 * leaves through longjmp to the recovery point set by the current call. One recovery point per thread: the
 * probe layer is used from one thread at a time per process (daemon loop, CLI), and nested use cannot happen
 * because no libpci call is made while another is on the stack.
 */
static _Thread_local jmp_buf *recovery;
static _Thread_local char libpci_message[128];

_noreturn_ _printf_(1, 2) static void on_error(char *msg, ...)
{
        va_list ap;

        va_start(ap, msg);
        vsnprintf(libpci_message, sizeof libpci_message, msg, ap);
        va_end(ap);

        if (recovery)
                longjmp(*recovery, 1);
        /* Never reached: every libpci call below runs with a recovery point. Dying beats returning into
         * libpci after an error it believes cannot come back. */
        abort();
}

_printf_(1, 2) static void on_warning(char *msg, ...)
{
        /* "Cannot open …" and short reads arrive here; the caller sees them as a failed read. */
}

_printf_(1, 2) static void on_debug(char *msg, ...)
{
}

static struct pci_access *access_new(void)
{
        /* pci_alloc() itself reports allocation failure through libpci's default callback (exit): nothing can
         * be hooked before it returns. */
        struct pci_access *acc = pci_alloc();

        if (!acc)
                return NULL;
        acc->error = on_error;
        acc->warning = on_warning;
        acc->debug = on_debug;
        return acc;
}

/* Read the function's bytes in 64-byte steps from n (0, or 64 when the header is there already) up to size.
 * The dump back end and the sysfs back end both fail a step that cannot be read whole, which is what tells
 * the 64 bytes of a non-root reader. */
static size_t read_steps(struct pci_dev *d, uint8_t *buf, size_t size, size_t n)
{
        size_t whole = n + (size - n) / CHUNK * CHUNK;

        /* All of it at once first: a root reader gets it in one system call instead of one per step. When
         * that fails, the steps find where the readable part ends (what the failed read left is overwritten). */
        if (whole - n > CHUNK && pci_read_block(d, (int) n, buf + n, (int) (whole - n)))
                return whole;

        while (n + CHUNK <= size) {
                if (!pci_read_block(d, (int) n, buf + n, CHUNK))
                        break;
                n += CHUNK;
        }
        return n;
}

static unsigned hex_value(char c)
{
        return c <= '9' ? (unsigned) (c - '0') : (unsigned) (c - 'a' + 10);
}

static int parse_address(const char *address, int *domain, int *bus, int *dev, int *fn)
{
        char a[PCI_ADDRESS_MAX];
        unsigned dom = 0;
        size_t l;

        if (pci_address_normalize(address, a) < 0)
                return -EINVAL;
        /* Normalised: DOMAIN (4 to 8 lower-case hex digits) ":BB:DD.F", read without sscanf()'s cost. */
        l = strlen(a);
        for (size_t i = 0; i + STRLEN(":bb:dd.f") < l; i++)
                dom = dom << 4 | hex_value(a[i]);
        *domain = (int) dom;
        *bus = (int) (hex_value(a[l - 7]) << 4 | hex_value(a[l - 6]));
        *dev = (int) (hex_value(a[l - 4]) << 4 | hex_value(a[l - 3]));
        *fn = (int) hex_value(a[l - 1]);
        return 0;
}

struct PciConfigAccess {
        struct pci_access *acc;
        char *root;
};

/* libpci's sysfs back end set up for ROOT/sys/bus/pci, or NULL with *ret_error. */
static struct pci_access *sysfs_access_new(const char *root, int *ret_error)
{
        char sysfs_path[PATH_MAX];
        struct pci_access *volatile acc = NULL;
        jmp_buf env;
        int n;

        n = snprintf(sysfs_path, sizeof sysfs_path, "%s/sys/bus/pci", strempty(root));
        if (n < 0 || (size_t) n >= sizeof sysfs_path) {
                *ret_error = -ENAMETOOLONG;
                return NULL;
        }

        if (setjmp(env) != 0) {
                recovery = NULL;
                if (acc)
                        pci_cleanup(acc);
                *ret_error = -EIO;
                return NULL;
        }
        recovery = &env;

        acc = access_new();
        if (!acc) {
                recovery = NULL;
                *ret_error = -ENOMEM;
                return NULL;
        }
        acc->method = PCI_ACCESS_SYS_BUS_PCI;
        pci_set_param(acc, (char *) "sysfs.path", sysfs_path);
        pci_init(acc);
        recovery = NULL;
        return acc;
}

int pci_config_access_new(const char *root, PciConfigAccess **ret)
{
        _cleanup_free_ PciConfigAccess *a = NULL;
        int r = 0;

        a = calloc(1, sizeof *a);
        if (!a)
                return -ENOMEM;
        a->root = strdup(strempty(root));
        if (!a->root)
                return -ENOMEM;
        a->acc = sysfs_access_new(a->root, &r);
        if (!a->acc) {
                free(a->root);
                return r;
        }
        *ret = TAKE_PTR(a);
        return 0;
}

PciConfigAccess *pci_config_access_free(PciConfigAccess *a)
{
        if (!a)
                return NULL;
        if (a->acc) {
                jmp_buf env;

                /* pci_cleanup() only frees, but it is still libpci: keep a recovery point. */
                if (setjmp(env) == 0) {
                        recovery = &env;
                        pci_cleanup(a->acc);
                }
                recovery = NULL;
        }
        free(a->root);
        free(a);
        return NULL;
}

int pci_config_read_with(PciConfigAccess *a, const char *address, const uint8_t *header, uint8_t *buf,
                         size_t size, size_t *ret_size)
{
        struct pci_dev *volatile d = NULL;
        volatile size_t n = 0;
        int domain, bus, dev, fn, r;
        jmp_buf env;

        if (!a || !a->acc || !buf || size < CHUNK)
                return -EINVAL;
        r = parse_address(address, &domain, &bus, &dev, &fn);
        if (r < 0)
                return r;

        if (!header) {
                char config_path[PATH_MAX], norm[PCI_ADDRESS_MAX];

                (void) pci_address_normalize(address, norm);
                /* Tell "no such function" and "not allowed" apart before libpci folds both into a short read.
                 * A caller that has read the header itself already knows both. */
                r = snprintf(config_path, sizeof config_path, "%s/sys/bus/pci/devices/%s/config", a->root, norm);
                if (r < 0 || (size_t) r >= sizeof config_path)
                        return -ENAMETOOLONG;
                if (access(config_path, F_OK) < 0)
                        return negative_errno();
                if (access(config_path, R_OK) < 0)
                        return negative_errno();
        }

        if (setjmp(env) != 0) {
                recovery = NULL;
                if (d)
                        pci_free_dev(d);
                /* libpci gave up half-way: its state is not to be trusted for the next call. */
                pci_cleanup(a->acc);
                a->acc = NULL;
                return -EIO;
        }
        recovery = &env;

        if (header)
                /* Not read twice (pci_read_block() does not look at libpci's own cache). */
                memcpy(buf, header, CHUNK);
        d = pci_get_dev(a->acc, domain, bus, dev, fn);
        n = read_steps(d, buf, size > PCI_CONFIG_SPACE_SIZE ? PCI_CONFIG_SPACE_SIZE : size, header ? CHUNK : 0);

        pci_free_dev(d);
        d = NULL;
        recovery = NULL;

        if (n == 0)
                return -EACCES;
        if (ret_size)
                *ret_size = n;
        return 0;
}

int pci_config_read(const char *root, const char *address, uint8_t *buf, size_t size, size_t *ret_size)
{
        PciConfigAccess *a = NULL;
        int r;

        if (!buf || size < CHUNK)
                return -EINVAL;
        if (pci_address_normalize(address, (char[PCI_ADDRESS_MAX]) {}) < 0)
                return -EINVAL;

        r = pci_config_access_new(root, &a);
        if (r < 0)
                return r;
        r = pci_config_read_with(a, address, NULL, buf, size, ret_size);
        pci_config_access_free(a);
        return r;
}

int pci_config_read_dump(const char *path, const char *address, uint8_t *buf, size_t size, size_t *ret_size)
{
        struct pci_access *volatile acc = NULL;
        struct pci_dev *volatile target = NULL;
        volatile size_t n = 0;
        volatile int r = -ENOENT;
        int domain = 0, bus = 0, dev = 0, fn = 0;
        jmp_buf env;

        if (!path || !buf || size < CHUNK)
                return -EINVAL;
        if (address && parse_address(address, &domain, &bus, &dev, &fn) < 0)
                return -EINVAL;
        /* libpci's message for a missing file is only text: check first to return a proper errno. */
        if (access(path, R_OK) < 0)
                return negative_errno();

        if (setjmp(env) != 0) {
                recovery = NULL;
                if (acc)
                        pci_cleanup(acc);
                return -EBADMSG;
        }
        recovery = &env;

        acc = access_new();
        if (!acc) {
                recovery = NULL;
                return -ENOMEM;
        }
        acc->method = PCI_ACCESS_DUMP;
        pci_set_param(acc, (char *) "dump.name", (char *) path);
        pci_init(acc);
        pci_scan_bus(acc);

        /* The dump back end links the file's functions newest first: without an address take the last one
         * in the list, which is the first in the file. */
        for (struct pci_dev *d = acc->devices; d; d = d->next) {
                if (address && (d->domain != domain || d->bus != bus || d->dev != dev || d->func != fn))
                        continue;
                target = d;
                if (address)
                        break;
        }
        if (target) {
                n = read_steps(target, buf, size > PCI_CONFIG_SPACE_SIZE ? PCI_CONFIG_SPACE_SIZE : size, 0);
                r = n > 0 ? 0 : -EBADMSG;
        }

        pci_cleanup(acc);
        recovery = NULL;

        if (r < 0)
                return r;
        if (ret_size)
                *ret_size = n;
        return 0;
}

int pci_config_virtio_caps(const char *root, const char *address, VirtioCaps *ret)
{
        uint8_t config[PCI_CONFIG_SPACE_SIZE];
        size_t n;
        int r;

        r = pci_config_read(root, address, config, sizeof config, &n);
        if (r < 0)
                return r;
        return virtio_caps_parse(config, n, ret);
}
