/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Kernel uevents in, decisions out. The monitor listens on the kernel's netlink group (no round trip through
 * udevd: the shortest path to a `bind` of vfio-pci) for the pci and virtio subsystems; guard_handle_uevent()
 * maps each event onto guard_decide() or the unbind job. Whatever it cannot parse it ignores.
 */
#include <syslog.h>

#include "core/config.h"
#include "daemon/guard-internal.h"
#include "probe/probe.h"

#define MONITOR_RCVBUF (8 * 1024 * 1024)

/* The last component of a DEVPATH, and the one before it (a virtio device's PCI parent). */
static bool devpath_component(const char *devpath, unsigned from_end, char *buf, size_t size)
{
        const char *end = devpath + strlen(devpath), *start;

        while (end > devpath && end[-1] == '/')
                end--;
        for (;;) {
                start = end;
                while (start > devpath && start[-1] != '/')
                        start--;
                if (from_end == 0)
                        break;
                if (start == devpath)
                        return false;
                end = start - 1;
                from_end--;
        }
        if (end <= start || (size_t) (end - start) >= size)
                return false;
        memcpy(buf, start, (size_t) (end - start));
        buf[end - start] = '\0';
        return true;
}

static bool function_known_refused(const Function *f)
{
        return f && f->decided && f->guarded && f->assessment.decision == DECISION_REFUSE;
}

static void handle_pci_bind(Guard *g, const char *address, const char *driver)
{
        Function *f = guard_find(g, address);
        bool guarded = driver && *driver && config_driver_is_guarded(&g->config, driver);

        if (f && f->unbind_pid > 0) {
                /* Our own unbind is in flight: its end re-decides. A guarded driver's bind now is either the
                 * one being undone (its uevent came late) or a new one after the child's unbind: the end
                 * decides at once and may unbind again, instead of waiting in the queue without doing so. */
                if (guarded)
                        f->bound_while_unbinding = true;
                return;
        }

        /* A known refusal with settled evidence: no probing first, unbind at once (the end of the unbind
         * re-decides). The armed spare may be at it already: it saw this uevent too (act/unbind.h). */
        if (guarded && f && refuse_unbinds_at_once(f)) {
                (void) refuse_start(g, f, driver);
                return;
        }
        if (!guarded) {
                /* The native driver (or any other unguarded one): nothing to undo, the pin is re-checked when
                 * nothing more urgent waits. */
                guard_decide_later(g, address, DECIDE_MAY_UNBIND, "bind");
                return;
        }
        /* Otherwise decide with fresh evidence: an unknown function that vfio-pci holds with no process on it
         * can have its offered word read now. A guarded driver binding an allowed function is a use of the
         * policy: journal it (and warn again when Allow= is what lets a bypassing function through). */
        (void) guard_decide(g, address, DECIDE_MAY_UNBIND | DECIDE_MAY_READ_OFFERED | DECIDE_FORCE_LOG, "bind");
}

/* unbind or change of a PCI function: management stacks rewrite driver_override, then unbind, then bind. */
static void handle_pci_unbind(Guard *g, const char *address, const char *why)
{
        Function *f = guard_find(g, address);

        if (f && f->unbind_pid > 0)
                return;
        /* A refused function: only the pin, read fresh, and off the loop (pin-worker.c): the drivers_probe that
         * follows holds the device lock (a pin back in place before it stops the bind outright). The full
         * re-probe waits until nothing more urgent is pending, and leaves driver_override to the worker. */
        if (function_known_refused(f)) {
                if (g->config.pin && guard_may_act(g) && pin_worker_queue(g, f, why)) {
                        guard_decide_later(g, address, DECIDE_KEEP_OVERRIDE, why);
                        return;
                }
                /* No thread for it: in line, fresh. */
                f->evidence.driver_override_read = false;
                refuse_ensure_pin(g, f, why);
        }
        guard_decide_later(g, address, 0, why);
}

void guard_handle_uevent(Guard *g, const char *action, const char *subsystem, const char *devpath,
                         const char *driver)
{
        char name[PCI_ADDRESS_MAX + 32], address[PCI_ADDRESS_MAX];

        if (!action || !subsystem || !devpath || devpath[0] != '/')
                return;

        if (streq(subsystem, "pci")) {
                if (!devpath_component(devpath, 0, name, sizeof name) || pci_address_normalize(name, address) < 0)
                        return;
                if (streq(action, "add"))
                        /* The kernel probes drivers right after this event: no offered read now. */
                        (void) guard_decide(g, address, DECIDE_MAY_UNBIND, "add");
                else if (streq(action, "remove"))
                        guard_forget(g, address);
                else if (streq(action, "bind"))
                        handle_pci_bind(g, address, driver);
                else if (streq(action, "unbind"))
                        handle_pci_unbind(g, address, "unbind");
                else if (streq(action, "change"))
                        handle_pci_unbind(g, address, "change");
                return;
        }

        if (streq(subsystem, "drivers")) {
                /* A PCI driver registered or went: the spare's list of guarded drivers (exact names). */
                if (strneq(devpath, "/bus/pci/drivers/", STRLEN("/bus/pci/drivers/")) &&
                    (streq(action, "add") || streq(action, "remove")))
                        refuse_drivers_changed(g);
                return;
        }

        if (streq(subsystem, "virtio")) {
                /* A virtio device driver probed: the negotiated features are evidence now. */
                if (!streq(action, "bind") && !streq(action, "add"))
                        return;
                if (!devpath_component(devpath, 0, name, sizeof name) || !strneq(name, "virtio", 6))
                        return;
                if (!devpath_component(devpath, 1, name, sizeof name) || pci_address_normalize(name, address) < 0)
                        return;
                if (streq(action, "bind")) {
                        Function *f = guard_find(g, address);
                        /* Evidence an unknown function waits for (it may be released now): at once. A settled
                         * one only refreshes, behind the monitor. */
                        if (!f || !f->decided || f->assessment.verdict == VERDICT_UNKNOWN)
                                (void) guard_decide(g, address, 0, "virtio driver bound");
                        else
                                guard_decide_later(g, address, 0, "virtio driver bound");
                }
                return;
        }
}

static int on_monitor(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        Guard *g = userdata;

        /* libudev returns NULL both when the queue is empty and for a message it rejects; the source is
         * level-triggered, so a rejected message followed by a good one brings us back here. */
        for (unsigned i = 0; i < 64; i++) {
                struct udev_device *d = udev_monitor_receive_device(g->monitor);
                if (!d)
                        break;
                guard_handle_uevent(g, udev_device_get_action(d), udev_device_get_subsystem(d),
                                    udev_device_get_devpath(d), udev_device_get_property_value(d, "DRIVER"));
                udev_device_unref(d);
        }
        return 0;
}

int monitor_start(Guard *g)
{
        int r;

        g->udev = udev_new();
        if (!g->udev)
                return -ENOMEM;
        g->monitor = udev_monitor_new_from_netlink(g->udev, "kernel");
        if (!g->monitor)
                return -EIO;
        r = udev_monitor_filter_add_match_subsystem_devtype(g->monitor, "pci", NULL);
        if (r >= 0)
                r = udev_monitor_filter_add_match_subsystem_devtype(g->monitor, "virtio", NULL);
        if (r >= 0)
                r = udev_monitor_filter_add_match_subsystem_devtype(g->monitor, "drivers", NULL);
        if (r < 0)
                return r;
        /* A hot-plug burst must not overflow the socket (needs CAP_NET_ADMIN to exceed rmem_max; best effort). */
        (void) udev_monitor_set_receive_buffer_size(g->monitor, MONITOR_RCVBUF);
        r = udev_monitor_enable_receiving(g->monitor);
        if (r < 0)
                return r;
        r = sd_event_add_io(g->event, &g->monitor_source, udev_monitor_get_fd(g->monitor), EPOLLIN, on_monitor, g);
        if (r < 0)
                return r;
        /* Above everything else: a vfio bind is served before the end of an unbind or a queued re-probe. */
        return sd_event_source_set_priority(g->monitor_source, SD_EVENT_PRIORITY_IMPORTANT);
}

void monitor_stop(Guard *g)
{
        g->monitor_source = sd_event_source_disable_unref(g->monitor_source);
        g->monitor = udev_monitor_unref(g->monitor);
        g->udev = udev_unref(g->udev);
}
