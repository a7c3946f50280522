/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Small readers of sysfs attributes below a root, shared by the probe files. Internal to src/probe/. */

#include <stddef.h>
#include <stdint.h>

#include "core/evidence.h"

/* ROOT/sys/bus/pci/devices/ADDRESS[/name] into buf. Returns 0 or -ENAMETOOLONG. */
int sysfs_pci_path(const char *root, const char *address, const char *name, char *buf, size_t size);

/* The function's directory ROOT/sys/bus/pci/devices/ADDRESS, opened to read its attributes relative to it
 * (O_PATH when it cannot be listed). Returns the descriptor, -ENOENT when there is no such directory, or -errno. */
int sysfs_open_function(const char *root, const char *address);
/* The same, relative to ROOT/sys/bus/pci/devices opened as devices_fd. */
int sysfs_open_function_at(int devices_fd, const char *address);

/* The readers below take a path, or a name relative to a directory descriptor (the _at forms; AT_FDCWD works). */

/* Descriptors that one probe opens and closes together when it is done with them: one close_range() for all
 * of them when their numbers are contiguous (as those opened one after another by one thread are), instead of a
 * close() each — on machines where a system call costs microseconds, a listing spends a sixth of its system
 * calls closing attributes. The _keep readers add their descriptor here when there is room, else close it. */
typedef struct SysfsFds {
        int fd[8];
        size_t n;
} SysfsFds;
/* Take fd (≥ 0) into f, or close it when f is NULL or full. */
void sysfs_fds_add(SysfsFds *f, int fd);
/* Close every descriptor in f and empty it. */
void sysfs_fds_close(SysfsFds *f);
/* Close the n distinct descriptors in fd: one close_range() per run of consecutive numbers. */
void sysfs_close_all(const int *fd, size_t n);

/* The first line of a small attribute, without its newline. Returns the length, or -errno. */
int sysfs_read_line(const char *path, char *buf, size_t size);
int sysfs_read_line_at(int dir_fd, const char *name, char *buf, size_t size);
int sysfs_read_line_keep_at(int dir_fd, const char *name, char *buf, size_t size, SysfsFds *keep);
/* A whole small attribute (at most size - 1 bytes; -EFBIG when there is more). Returns the length or -errno.
 * Stops at the first short read (sysfs attributes and regular files have nothing after it). */
int sysfs_read_all(const char *path, char *buf, size_t size);
int sysfs_read_all_at(int dir_fd, const char *name, char *buf, size_t size);
int sysfs_read_all_keep_at(int dir_fd, const char *name, char *buf, size_t size, SysfsFds *keep);
/* "0x1af4\n" and friends. Returns 0, -errno, or -EINVAL when not a number no larger than max. */
int sysfs_read_hex(const char *path, uint32_t max, uint32_t *ret);
int sysfs_read_hex_at(int dir_fd, const char *name, uint32_t max, uint32_t *ret);
int sysfs_read_hex_keep_at(int dir_fd, const char *name, uint32_t max, uint32_t *ret, SysfsFds *keep);
/* The last component of a symlink's target. Returns 0 or -errno (-ENOENT when there is no link). */
int sysfs_read_link_basename(const char *path, char *buf, size_t size);
int sysfs_read_link_basename_at(int dir_fd, const char *name, char *buf, size_t size);

/* The virtio child (virtioN) of the PCI function whose directory is dir_fd: its name. Reads dir_fd's entries
 * (its offset moves: call once per descriptor). Returns 0, -ENOENT when there is none, or -errno. */
int sysfs_virtio_child_at(int dir_fd, char *buf, size_t size);

/* Fill group_kind, group_number, group_type from the iommu_group link in the function's directory dir_fd and
 * ROOT/sys/kernel/iommu_groups/N. Returns 0 (also without a group), or -errno when the link exists but cannot
 * be understood. */
int sysfs_read_iommu_group_at(const char *root, int dir_fd, Evidence *e);
/* The same; groups_fd, when ≥ 0, is ROOT/sys/kernel/iommu_groups opened (a listing opens it once). */
int sysfs_read_iommu_group_keep_at(const char *root, int groups_fd, int dir_fd, Evidence *e, SysfsFds *keep);

/* The entries of dir that are PCI addresses exactly as the kernel writes them, except `except` (may be NULL),
 * sorted; *ret NULL-terminated (strv_free). Returns the count, or -errno (-ENOENT: no such directory). */
int sysfs_list_addresses(const char *dir, const char *except, char ***ret);
