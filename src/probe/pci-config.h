/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * PCI config space bytes through libpci, and nothing else of libpci: the sysfs back end below a root
 * (ROOT/sys/bus/pci) for the running system or a fixture tree, and the dump back end for `lspci -x` files.
 * libpci's error callback is declared no-return; ours jumps back to the caller (DESIGN.md section 8), so a
 * libpci failure becomes an -errno here instead of exit(1).
 */

#include <stddef.h>
#include <stdint.h>

#include "core/virtio-caps.h"

/*
 * Read up to size bytes (at most 256: the standard capability list is all the guard needs) of the config
 * space of ROOT/sys/bus/pci/devices/ADDRESS/config. Reads in 64-byte steps and stops at the first step that
 * cannot be read whole, so a non-root caller gets the 64 bytes the kernel lets it see.
 * Returns 0 and the number of bytes in *ret_size (≥ 64); -ENOENT when the function or its config is absent,
 * -EACCES when not even the header is readable, -EINVAL for a malformed address, -EIO when libpci fails.
 */
int pci_config_read(const char *root, const char *address, uint8_t *buf, size_t size, size_t *ret_size);

/*
 * A libpci access to ROOT/sys/bus/pci set up once for many reads (a listing reads many functions; setting libpci
 * up and tearing it down again costs more than the read). One thread at a time.
 * Returns 0, -ENOMEM, -ENAMETOOLONG, -EIO when libpci fails.
 */
typedef struct PciConfigAccess PciConfigAccess;
int pci_config_access_new(const char *root, PciConfigAccess **ret);
PciConfigAccess *pci_config_access_free(PciConfigAccess *a);

/*
 * pci_config_read() through a. header: the first 64 bytes of the function's config, when the caller has read
 * them already (which also shows that config exists and is readable: the checks for -ENOENT and -EACCES are
 * skipped), or NULL. After -EIO the access is spent: free it.
 */
int pci_config_read_with(PciConfigAccess *a, const char *address, const uint8_t *header, uint8_t *buf,
                         size_t size, size_t *ret_size);

/*
 * The same from an lspci dump file (`lspci -x`/`-xxx` format) through libpci's dump back end. address NULL:
 * the first function in the file. Returns 0 and *ret_size, -ENOENT (no such file or function), -EBADMSG
 * (libpci could not parse the file), -EINVAL.
 */
int pci_config_read_dump(const char *path, const char *address, uint8_t *buf, size_t size, size_t *ret_size);

/* Read and parse the virtio capabilities of a function (pci_config_read() + virtio_caps_parse()). */
int pci_config_virtio_caps(const char *root, const char *address, VirtioCaps *ret);
