/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Watching the pins. Management stacks bind vfio-pci by writing "vfio-pci" to driver_override, then unbinding
 * the old driver, then writing to drivers_probe. The kernel sends no uevent for the first step, but a write to a
 * sysfs attribute goes through vfs_write(), which raises inotify IN_MODIFY on it as soon as the write returns.
 * Watching driver_override of every function the guard pins lets the pin thread put the pin back while the old
 * driver is still being unbound (milliseconds for virtio-pci's remove), so that drivers_probe finds the native
 * driver named again and vfio-pci never gets the function. Without the watch (no inotify, max_user_watches
 * reached) the unbind uevent of the second step still re-pins, as it did before.
 *
 * The loop never reads driver_override here (the read takes the device lock, DESIGN.md section 4): it only
 * queues the pin check on the pin thread (pin-worker.c). The watches are kept by address, not by Function:
 * functions are freed while events about them may still wait in the inotify queue.
 */
#include <sys/inotify.h>
#include <syslog.h>

#include "act/attr.h"
#include "daemon/guard-internal.h"

typedef struct PinWatchEntry {
        int wd;
        bool modified;              /* an IN_MODIFY in the events being read */
        char address[PCI_ADDRESS_MAX];
} PinWatchEntry;

struct PinWatch {
        int fd;
        sd_event_source *source;
        PinWatchEntry *entries;
        size_t n_entries, allocated;
};

static const char why_written[] = "driver_override written";
static const char why_overflow[] = "driver_override watch overflowed";

static PinWatchEntry *entry_by_address(PinWatch *w, const char *address)
{
        for (size_t i = 0; i < w->n_entries; i++)
                if (streq(w->entries[i].address, address))
                        return &w->entries[i];
        return NULL;
}

static PinWatchEntry *entry_by_wd(PinWatch *w, int wd)
{
        for (size_t i = 0; i < w->n_entries; i++)
                if (w->entries[i].wd == wd)
                        return &w->entries[i];
        return NULL;
}

static void entry_drop(PinWatch *w, PinWatchEntry *e)
{
        size_t i = (size_t) (e - w->entries);

        memmove(w->entries + i, w->entries + i + 1, (w->n_entries - i - 1) * sizeof *w->entries);
        w->n_entries--;
}

/* The condition under which the guard pins a function (guard_decide(), refuse_ensure_pin()). */
static bool pin_watch_wanted(Guard *g, const Function *f)
{
        return !f->removed && f->decided && f->guarded && f->assessment.decision == DECISION_REFUSE &&
               g->config.pin && guard_may_act(g);
}

/* Queue the pin check of a refused function on the pin thread: it reads the value fresh and writes the pin
 * only when something else is there. Our own pin writes raise IN_MODIFY too; the check that follows finds the
 * pin in place and writes nothing, so no further event comes of it. */
static void pin_watch_check(Guard *g, Function *f, const char *why)
{
        if (!f || f->unbind_pid > 0 || !pin_watch_wanted(g, f))
                return; /* our own unbind writes the pin and re-pins when it ends */
        /* Not queued (no thread, or a full queue of checks that read the attribute fresh anyway): the unbind
         * uevent that follows an override write still re-pins. */
        (void) pin_worker_queue(g, f, why);
}

static int on_pin_watch(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        Guard *g = userdata;
        PinWatch *w = g->pin_watch;
        union {
                struct inotify_event ev;
                char raw[4096];
        } buf;
        bool overflow = false;

        /* A bounded number of reads per dispatch (the source is level-triggered: the rest comes next time),
         * and one pin check per function however many writes were seen: the pin thread's queue is short. */
        for (unsigned i = 0; i < 16; i++) {
                ssize_t n = read(fd, &buf, sizeof buf);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        break; /* EAGAIN: drained */
                }
                if (n == 0)
                        break;
                for (char *p = buf.raw; p + sizeof(struct inotify_event) <= buf.raw + n;) {
                        const struct inotify_event *ev = (const struct inotify_event *) p;
                        PinWatchEntry *e;

                        p += sizeof *ev + ev->len;
                        if (ev->mask & IN_Q_OVERFLOW) {
                                overflow = true;
                                continue;
                        }
                        e = entry_by_wd(w, ev->wd);
                        if (!e)
                                continue; /* removed by us already; its last events were still queued */
                        if (ev->mask & IN_IGNORED) {
                                /* The kernel dropped the watch (the attribute is gone): so do we. */
                                entry_drop(w, e);
                                continue;
                        }
                        if (ev->mask & IN_MODIFY)
                                e->modified = true;
                }
        }

        for (size_t i = 0; i < w->n_entries; i++)
                if (w->entries[i].modified) {
                        w->entries[i].modified = false;
                        if (!overflow)
                                pin_watch_check(g, guard_find(g, w->entries[i].address), why_written);
                }
        if (overflow)
                /* Writes were lost: whichever function they touched, its pin is read again. */
                for (size_t i = 0; i < g->n_functions; i++)
                        pin_watch_check(g, g->functions[i], why_overflow);
        return 0;
}

static void pin_watch_failed(Guard *g, Function *f, int r)
{
        if (g->pin_watch_failed)
                return;
        g->pin_watch_failed = true;
        guard_emit_function(g, f, EVENT_ACTION_FAILED, LOG_WARNING, "watch-pin", PIN_NATIVE_DRIVER,
                            "%s: cannot watch driver_override for writes: %s; a rewritten pin is put back on the "
                            "unbind that follows it%s",
                            f->address, strerror(-r),
                            r == -ENOSPC ? " (fs.inotify.max_user_watches reached)" : "");
}

static int pin_watch_start(Guard *g)
{
        PinWatch *w;
        int r;

        w = calloc(1, sizeof *w);
        if (!w)
                return -ENOMEM;
        w->fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
        if (w->fd < 0) {
                r = negative_errno();
                free(w);
                return r;
        }
        r = sd_event_add_io(g->event, &w->source, w->fd, EPOLLIN, on_pin_watch, g);
        if (r >= 0)
                /* As urgent as a uevent: the drivers_probe that follows the write is milliseconds away. */
                r = sd_event_source_set_priority(w->source, SD_EVENT_PRIORITY_IMPORTANT);
        if (r < 0) {
                w->source = sd_event_source_disable_unref(w->source);
                close(w->fd);
                free(w);
                return r;
        }
        g->pin_watch = w;
        return 0;
}

static void pin_watch_remove(PinWatch *w, PinWatchEntry *e)
{
        /* EINVAL when the kernel dropped it already (its IN_IGNORED is then still queued). */
        (void) inotify_rm_watch(w->fd, e->wd);
        entry_drop(w, e);
}

void pin_watch_update(Guard *g, Function *f)
{
        PinWatch *w = g->pin_watch;
        PinWatchEntry *e = w ? entry_by_address(w, f->address) : NULL;
        char path[4096];
        int r, wd;

        if (!pin_watch_wanted(g, f)) {
                if (e)
                        pin_watch_remove(w, e);
                return;
        }
        if (!w) {
                r = pin_watch_start(g);
                if (r < 0) {
                        pin_watch_failed(g, f, r);
                        return;
                }
                w = g->pin_watch;
        }

        /* Added again even when watched: the same inode gives the same wd back, and a function that went and
         * came back at this address without our seeing its remove (a lost uevent) gets a watch on the new one. */
        r = act_device_attr_path(g->root, f->address, "driver_override", path, sizeof path);
        if (r >= 0) {
                wd = inotify_add_watch(w->fd, path, IN_MODIFY);
                r = wd < 0 ? negative_errno() : 0;
        }
        if (r < 0) {
                if (e)
                        pin_watch_remove(w, e);
                if (r != -ENOENT) /* gone, or a kernel without driver_override: nothing to watch */
                        pin_watch_failed(g, f, r);
                return;
        }
        if (e && e->wd == wd)
                return;
        if (e)
                pin_watch_remove(w, e); /* the old inode's */
        /* Another address with this wd: its attribute is the same inode (a fixture's symlinks); keep one. */
        e = entry_by_wd(w, wd);
        if (e)
                entry_drop(w, e);
        if (!GREEDY_REALLOC(w->entries, w->allocated, w->n_entries, 16)) {
                (void) inotify_rm_watch(w->fd, wd);
                pin_watch_failed(g, f, -ENOMEM);
                return;
        }
        e = &w->entries[w->n_entries++];
        e->wd = wd;
        e->modified = false;
        snprintf(e->address, sizeof e->address, "%s", f->address);
}

void pin_watch_forget(Guard *g, const char *address)
{
        PinWatch *w = g->pin_watch;
        PinWatchEntry *e = w ? entry_by_address(w, address) : NULL;

        if (e)
                pin_watch_remove(w, e);
}

void pin_watch_stop(Guard *g)
{
        PinWatch *w = g->pin_watch;

        if (!w)
                return;
        g->pin_watch = NULL;
        w->source = sd_event_source_disable_unref(w->source);
        close(w->fd); /* every watch goes with it */
        free(w->entries);
        free(w);
}
