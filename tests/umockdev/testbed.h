/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * A umockdev testbed with PCI functions the way Linux shows them (IDs, config space from the lspci fixtures,
 * driver link, driver_override, IOMMU group, virtioN/features), and a guard driven in process against it.
 * The guard reads and writes the testbed's files directly (GuardOptions.root = the testbed's root directory);
 * its uevent monitor goes through libudev, which the umockdev preload redirects to the testbed.
 */

#include <stdbool.h>
#include <stdint.h>
#include <umockdev.h>

#include "daemon/events.h"
#include "daemon/guard.h"

/* Feature strings as Linux 6.1 prints them (tests/fixtures/pci/README.md). */
#define FEATURES_BYPASS     "0010010000000001111101010000110010000000100000000000000000000000"
#define FEATURES_TRANSLATED "0010010000000001111101010000110011000000100000000000000000000000"
#define FEATURES_LEGACY     "0010011000000001111101010001110000000000000000000000000000000000"
#define FEATURES_ZERO       "0000000000000000000000000000000000000000000000000000000000000000"

typedef enum MockKind {
        MOCK_BYPASS,      /* transitional virtio-net, negotiated, bit 33 clear */
        MOCK_TRANSLATED,  /* modern virtio-net with ACCESS_PLATFORM, negotiated */
        MOCK_LEGACY_ONLY, /* legacy-only virtio-net */
        MOCK_UNKNOWN,     /* modern virtio-rng with ACCESS_PLATFORM, virtio-pci bound, no device driver: zeros */
        MOCK_NOT_VIRTIO,  /* an Intel NIC */
} MockKind;

typedef struct Testbed {
        UMockdevTestbed *tb;
        char *root;           /* the testbed's root: ROOT/sys, ROOT/proc, ROOT/run, ROOT/etc */
        unsigned n_virtio;
} Testbed;

/* One event as the sink saw it. */
typedef struct SeenEvent {
        EventKind kind;
        int priority;
        char *message, *device, *action, *holders, *config_file, *verdict, *decision, *driver;
        char *enforcement, *pid, *comm, *uid, *attempt, *node;
        unsigned config_line;
} SeenEvent;

typedef struct Seen {
        SeenEvent *items;
        size_t n;
} Seen;

Testbed *testbed_new(void);
void testbed_free(Testbed *t);

/* Add a function; driver NULL = unbound; group < 0 = no IOMMU group. Returns its syspath (static storage is
 * not used: g_free it). */
char *testbed_add(Testbed *t, const char *address, MockKind kind, const char *driver, int group);
/* Rebind in the testbed (the kernel's side of a bind): driver link; NULL unbinds. */
void testbed_set_driver(Testbed *t, const char *address, const char *driver);
/* Send a uevent through the umockdev netlink emulation; driver != NULL adds DRIVER=. */
void testbed_uevent(Testbed *t, const char *syspath, const char *action, const char *driver);
/* The kernel's whole side of a bind (driver) or an unbind (NULL) of a function of testbed_add(): the driver link,
 * then the uevent. */
void testbed_kernel_bind(Testbed *t, const char *address, const char *driver);
void testbed_remove(Testbed *t, const char *address);

/* ROOT-relative file helpers. read returns a malloc'ed string ("" when empty, NULL when absent). */
char *testbed_read(Testbed *t, const char *relpath);
void testbed_write(Testbed *t, const char *relpath, const char *text, unsigned mode);
/* The function's driver_override content, without the newline. */
char *testbed_override(Testbed *t, const char *address);

/* A memory BAR file resourceN whose common configuration (at offset 0, as in the q35 fixtures' BAR 4) answers
 * device_feature with word32 whatever the select: the offered word reads as word32 | word32 << 32. */
void testbed_set_bar(Testbed *t, const char *address, unsigned bar, uint32_t word32);

/* A process holding /dev/vfio/GROUP, in ROOT/proc. */
void testbed_add_holder(Testbed *t, int pid, const char *comm, const char *target);

/* A guard on this testbed with an event-capturing sink. */
Guard *testbed_guard(Testbed *t, Seen *seen, bool enforce, uint64_t unbind_timeout_usec);
/* The same with kernel-side enforcement through ops (a recording table: never the real one on the host). */
Guard *testbed_guard_kernel(Testbed *t, Seen *seen, bool enforce, const KernelOps *ops, void *ops_userdata);
/* Run the loop until cond(userdata) holds or timeout; returns cond's last value. */
bool testbed_run_until(Guard *g, bool (*cond)(Guard *g, void *userdata), void *userdata, uint64_t timeout_usec);
/* Run the loop for a while (lets uevents arrive). */
void testbed_settle(Guard *g, uint64_t usec);

void seen_sink(const GuardEvent *ev, void *userdata);
void seen_clear(Seen *s);
/* How many events of the kind (for the device, when non-NULL; with the action, when non-NULL). */
unsigned seen_count(const Seen *s, EventKind kind, const char *device, const char *action);
const SeenEvent *seen_find(const Seen *s, EventKind kind, const char *device);
void seen_dump(const Seen *s);
