/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The daemon's journal vocabulary: one kind of event per MESSAGE_ID (each explained in units/vfio-guard.catalog),
 * and the structured fields every entry may carry. Field names live here and nowhere else, so adding one never
 * touches a call site. Where an entry goes (journal, stderr, a test) is the sink's business (journal.c).
 */

#include <stdbool.h>

#define FIELD_DEVICE   "VFIO_GUARD_DEVICE"   /* PCI address */
#define FIELD_VERDICT  "VFIO_GUARD_VERDICT"  /* translated | bypass | unknown | not-virtio */
#define FIELD_CONTEXT  "VFIO_GUARD_CONTEXT"  /* iommu | noiommu */
#define FIELD_DECISION "VFIO_GUARD_DECISION" /* allow | refuse | not-guarded */
#define FIELD_EVIDENCE "VFIO_GUARD_EVIDENCE" /* the evidence in words */
#define FIELD_ACTION   "VFIO_GUARD_ACTION"   /* what the daemon did: pin, would-pin, unbind, … */
#define FIELD_DRIVER   "VFIO_GUARD_DRIVER"   /* the driver concerned (the one that bound, or was unbound) */
#define FIELD_PCI_ID   "VFIO_GUARD_PCI_ID"   /* vendor:device */
#define FIELD_IOMMU    "VFIO_GUARD_IOMMU"    /* the IOMMU the device tree names, when it does */
#define FIELD_HOLDERS  "VFIO_GUARD_HOLDERS"  /* "1234 (qemu-system-x86)" */
#define FIELD_MODE     "VFIO_GUARD_MODE"     /* enforce | audit */
#define FIELD_CONFIG_FILE "VFIO_GUARD_CONFIG_FILE"
#define FIELD_CONFIG_LINE "VFIO_GUARD_CONFIG_LINE"
#define FIELD_ENFORCEMENT "VFIO_GUARD_ENFORCEMENT" /* bpf-lsm | reactive | audit */
/* A denial by the BPF LSM program (EVENT_KERNEL_DENIED): who tried what. */
#define FIELD_PID      "VFIO_GUARD_PID"      /* the process (thread group) that tried */
#define FIELD_COMM     "VFIO_GUARD_COMM"     /* its thread's command name */
#define FIELD_UID      "VFIO_GUARD_UID"
#define FIELD_ATTEMPT  "VFIO_GUARD_ATTEMPT"  /* write-open-driver-override | open-vfio-node */
#define FIELD_NODE     "VFIO_GUARD_NODE"     /* "/dev/vfio/3" (or "major:minor" when the name is not known) */

typedef enum EventKind {
        EVENT_STARTED,
        EVENT_STOPPED,
        EVENT_RELOADED,
        EVENT_CONFIG_PROBLEM,
        EVENT_CLASSIFIED,        /* a function was decided (or its decision changed) */
        EVENT_PINNED,            /* driver_override set to the native driver (or would be, in audit) */
        EVENT_PIN_LIFTED,        /* the daemon's own pin removed: the decision became allow */
        EVENT_BIND_REFUSED,      /* a guarded driver bound a refused function: unbind dispatched */
        EVENT_UNBOUND,           /* the unbind finished; re-pinned and handed back */
        EVENT_UNBIND_STUCK,      /* the unbind has not returned: somebody holds the device */
        EVENT_ALLOWED_BY_POLICY, /* Allow= let a bypass or unknown function through */
        EVENT_NOIOMMU,           /* bypass/unknown allowed because no IOMMU covers it */
        EVENT_ACTION_FAILED,     /* a pin, unbind or reprobe failed */
        EVENT_ENFORCEMENT,       /* which enforcement is in force: BPF LSM or reactive (and why) */
        EVENT_KERNEL_DENIED,     /* the BPF LSM program refused an open (driver_override, vfio node) */
        _EVENT_KIND_MAX,
        _EVENT_KIND_INVALID = -22,
} EventKind;

typedef struct GuardEvent {
        EventKind kind;
        int priority;            /* LOG_ERR … LOG_DEBUG */
        const char *message;     /* the sentence for people */
        /* Optional fields: NULL (or 0 for the line) when not applicable. */
        const char *device, *verdict, *context, *decision, *evidence, *action, *driver, *pci_id, *iommu;
        const char *holders, *mode, *config_file;
        const char *enforcement, *pid, *comm, *uid, *attempt, *node;
        unsigned config_line;
} GuardEvent;

/* Where entries go. The sink copies what it keeps: the strings live only during the call. */
typedef void (*EventSink)(const GuardEvent *ev, void *userdata);

/* "aacdb9e4436b4797bc19b1525ce5f01d" */
const char *event_kind_message_id(EventKind k);
/* "classified" */
const char *event_kind_to_string(EventKind k);
EventKind event_kind_from_string(const char *s);

/* Sinks (journal.c). */
void event_sink_journal(const GuardEvent *ev, void *userdata);
void event_sink_stderr(const GuardEvent *ev, void *userdata);
/* true when stderr is connected to the journal or the process runs as a systemd service
 * ($JOURNAL_STREAM, $INVOCATION_ID): send structured entries. */
bool event_journal_wanted(void);
