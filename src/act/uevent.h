/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * One uevent message, as a netlink socket of NETLINK_KOBJECT_UEVENT delivers it: the kernel's
 * "ACTION@DEVPATH\0KEY=VALUE\0…", or udevd's "libudev" header followed by KEY=VALUE pairs (what umockdev's
 * emulated netlink socket carries in the tests). Pure: no allocation, no library call that could take a lock,
 * so that the spare unbind child (unbind.c) may call it after fork() in a multi-threaded process.
 */

#include <stdbool.h>
#include <stddef.h>

typedef struct Uevent {
        const char *action;    /* pointers into the message (each NUL-terminated), NULL when absent */
        const char *devpath;
        const char *subsystem;
        const char *driver;
} Uevent;

/* Parse buf[0..n) in place (it must end in a NUL or have room: buf[n] is set to NUL, so the buffer holds n + 1
 * bytes). false when it is neither format, or a header points outside the message. */
bool uevent_parse(char *buf, size_t n, Uevent *ret);

/* The last component of e->devpath (a PCI address for a PCI function), or NULL. */
const char *uevent_devpath_name(const Uevent *e);
