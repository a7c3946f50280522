/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The pin check that an unbind or change uevent of a refused function asks for, off the event loop. Reading or
 * writing driver_override takes the kernel's device lock, and right after the unbind uevent of libvirt's sequence
 * (override, unbind, drivers_probe) that lock is often held by the drivers_probe binding vfio-pci: done in line,
 * the check would hold up the loop — and the vfio bind uevent it must answer — for the whole probe. One thread,
 * one job at a time, in order; it shares the daemon's tgid, so the BPF LSM lets its writes through as the
 * daemon's own. The loop takes the outcomes (journal, record) through an eventfd.
 *
 * A job that finds a guarded driver holding the function (vfio-pci won the race) leaves the pin alone: nothing
 * else can bind the function while a driver holds it, and the bind uevent has the guard unbind it, the unbind
 * child writing the pin right after (act/unbind.c) and the end of the unbind checking it (refuse.c). Reading or
 * writing driver_override then would only queue this thread on the device lock ahead of that child. The `driver`
 * link tells without the lock. (Should vfio-pci's probe fail instead, no bind uevent comes and the pin stays off
 * until the function's next event; a later vfio bind is still unbound.)
 */
#include <fnmatch.h>
#include <pthread.h>
#include <sys/resource.h>
#include <sys/eventfd.h>
#include <syslog.h>

#include "daemon/guard-internal.h"

#define PIN_JOBS_MAX 128
#define PIN_GUARDED_MAX 256

typedef struct PinJob {
        char address[PCI_ADDRESS_MAX];
        const char *why;            /* a static string */
        int r;                      /* 0 or -errno of the read or the write */
        bool wrote;
        bool may_leave;             /* the guard unbinds it at once when a guarded driver binds it */
        bool left;                  /* a guarded driver held it: the pin is left to the unbind */
        char old[PIN_VALUE_MAX];    /* what driver_override said before */
} PinJob;

struct PinWorker {
        Guard *guard;
        pthread_t thread;
        pthread_mutex_t lock;
        pthread_cond_t wake;
        bool quit;
        bool busy;                  /* a job is in the thread's hands */
        PinJob todo[PIN_JOBS_MAX], done[PIN_JOBS_MAX];
        size_t n_todo, n_done;
        int efd;
        sd_event_source *source;
        char *root;
        /* GuardedDrivers= as of the last job asked for, each glob NUL-terminated, then an empty one; empty when the
         * globs did not fit (then no job is left to an unbind). Under lock: the loop writes it, the thread reads. */
        char guarded[PIN_GUARDED_MAX];
};

/* Whether a driver that the globs in guarded (PinWorker.guarded) name holds the function now. */
static bool held_by_guarded_driver(const PinWorker *w, const PinJob *j, const char *guarded)
{
        char driver[64];

        if (!j->may_leave || !guarded[0] || pin_holder(w->root, j->address, driver, sizeof driver) < 0 ||
            !driver[0] || streq(driver, PIN_NATIVE_DRIVER))
                return false;
        for (const char *p = guarded; *p; p += strlen(p) + 1)
                if (fnmatch(p, driver, 0) == 0)
                        return true;
        return false;
}

static void *worker_main(void *userdata)
{
        PinWorker *w = userdata;
        sigset_t all;

        /* Signals are the main thread's business. */
        sigfillset(&all);
        (void) pthread_sigmask(SIG_SETMASK, &all, NULL);
        /* At the unbind children's priority (act/unbind.h): this thread's pin races the drivers_probe that
         * follows, and an armed spare may wait for the device lock this thread holds; preempted there by
         * ordinary work, it would hold both up. Thread-directed (nice is per thread); refused without the unit's
         * LimitNICE=, harmlessly. */
        (void) setpriority(PRIO_PROCESS, (id_t) gettid(), UNBIND_CHILD_NICE);

        pthread_mutex_lock(&w->lock);
        for (;;) {
                char guarded[PIN_GUARDED_MAX];
                PinJob j;

                while (!w->quit && w->n_todo == 0)
                        pthread_cond_wait(&w->wake, &w->lock);
                if (w->quit)
                        break;
                j = w->todo[0];
                memmove(w->todo, w->todo + 1, --w->n_todo * sizeof w->todo[0]);
                memcpy(guarded, w->guarded, sizeof guarded);
                w->busy = true;
                pthread_mutex_unlock(&w->lock);

                /* Before the read, and again before the write: the read may have waited for the drivers_probe
                 * that bound vfio-pci. */
                if (held_by_guarded_driver(w, &j, guarded))
                        j.left = true;
                else {
                        j.r = pin_read(w->root, j.address, j.old, sizeof j.old);
                        if (j.r >= 0 && !streq(j.old, PIN_NATIVE_DRIVER)) {
                                if (held_by_guarded_driver(w, &j, guarded))
                                        j.left = true;
                                else {
                                        j.r = pin_write(w->root, j.address, PIN_NATIVE_DRIVER);
                                        j.wrote = j.r >= 0;
                                }
                        }
                }

                pthread_mutex_lock(&w->lock);
                w->busy = false;
                /* done has room: a job only enters todo when todo + done + the one in hand fit. */
                w->done[w->n_done++] = j;
                (void) !write(w->efd, &(uint64_t) { 1 }, sizeof(uint64_t));
        }
        pthread_mutex_unlock(&w->lock);
        return NULL;
}

static int on_pin_done(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        PinWorker *w = userdata;
        Guard *g = w->guard;
        PinJob done[PIN_JOBS_MAX];
        size_t n;
        uint64_t v;

        (void) !read(w->efd, &v, sizeof v);
        pthread_mutex_lock(&w->lock);
        n = w->n_done;
        memcpy(done, w->done, n * sizeof done[0]);
        w->n_done = 0;
        pthread_mutex_unlock(&w->lock);

        for (size_t i = 0; i < n; i++) {
                PinJob *j = &done[i];
                Function *f = guard_find(g, j->address);

                if (!f || j->r == -ENOENT || j->left)
                        continue; /* gone, a kernel without driver_override, or left to the unbind */
                refuse_pin_outcome_later(g, f, j->wrote || j->r < 0 ? j->old : NULL, j->r, j->why);
                if (j->wrote || j->r < 0)
                        function_record(g, f);
        }
        /* A spare fork skipped while the thread was busy. */
        refuse_want_spare(g);
        return 0;
}

static void pin_worker_free(PinWorker *w)
{
        if (!w)
                return;
        w->source = sd_event_source_disable_unref(w->source);
        if (w->efd >= 0)
                close(w->efd);
        pthread_mutex_destroy(&w->lock);
        pthread_cond_destroy(&w->wake);
        free(w->root);
        free(w);
}

static int pin_worker_start(Guard *g)
{
        PinWorker *w;
        int r;

        w = calloc(1, sizeof *w);
        if (!w)
                return -ENOMEM;
        w->guard = g;
        w->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        pthread_mutex_init(&w->lock, NULL);
        pthread_cond_init(&w->wake, NULL);
        w->root = strdup(g->root);
        if (w->efd < 0 || !w->root) {
                r = w->efd < 0 ? negative_errno() : -ENOMEM;
                pin_worker_free(w);
                return r;
        }
        r = sd_event_add_io(g->event, &w->source, w->efd, EPOLLIN, on_pin_done, w);
        if (r >= 0)
                /* Below the monitor, above the queued re-decisions (which read what the job wrote). */
                r = sd_event_source_set_priority(w->source, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0) {
                pin_worker_free(w);
                return r;
        }
        r = pthread_create(&w->thread, NULL, worker_main, w);
        if (r > 0) {
                pin_worker_free(w);
                return -r;
        }
        g->pin_worker = w;
        return 0;
}

/* GuardedDrivers= into buf (PinWorker.guarded); left empty when it does not fit. */
static void guarded_snapshot(const Guard *g, char *buf, size_t size)
{
        size_t k = 0;

        for (char **p = g->config.guarded_drivers; p && *p; p++) {
                size_t len = strlen(*p) + 1;
                if (len == 1 || k + len + 1 > size) {
                        buf[0] = '\0';
                        return;
                }
                memcpy(buf + k, *p, len);
                k += len;
        }
        buf[k] = '\0';
}

bool pin_worker_queue(Guard *g, Function *f, const char *why)
{
        PinWorker *w;
        bool queued = false;

        if (!g->pin_worker && pin_worker_start(g) < 0)
                return false;
        w = g->pin_worker;

        pthread_mutex_lock(&w->lock);
        for (size_t i = 0; i < w->n_todo; i++)
                if (streq(w->todo[i].address, f->address)) {
                        queued = true; /* already waiting: that job reads the attribute fresh too */
                        break;
                }
        if (!queued && w->n_todo + w->n_done + 1 < PIN_JOBS_MAX) {
                PinJob *j = &w->todo[w->n_todo++];
                *j = (PinJob) { .why = why };
                snprintf(j->address, sizeof j->address, "%s", f->address);
                j->may_leave = refuse_unbinds_at_once(f);
                guarded_snapshot(g, w->guarded, sizeof w->guarded);
                pthread_cond_signal(&w->wake);
                queued = true;
        }
        pthread_mutex_unlock(&w->lock);
        return queued;
}

void pin_worker_cancel(Guard *g, const char *address)
{
        PinWorker *w = g->pin_worker;

        if (!w)
                return;
        pthread_mutex_lock(&w->lock);
        for (size_t i = 0; i < w->n_todo; i++)
                if (streq(w->todo[i].address, address)) {
                        memmove(w->todo + i, w->todo + i + 1, (w->n_todo - i - 1) * sizeof w->todo[0]);
                        w->n_todo--;
                        break; /* one job per address at most (pin_worker_queue()) */
                }
        pthread_mutex_unlock(&w->lock);
}

bool pin_worker_pause(Guard *g)
{
        PinWorker *w = g->pin_worker;

        if (!w)
                return true;
        pthread_mutex_lock(&w->lock);
        if (!w->busy)
                return true; /* the thread cannot start a job until pin_worker_resume() */
        pthread_mutex_unlock(&w->lock);
        return false;
}

void pin_worker_resume(Guard *g)
{
        if (g->pin_worker)
                pthread_mutex_unlock(&g->pin_worker->lock);
}

void pin_worker_stop(Guard *g)
{
        PinWorker *w = g->pin_worker;
        bool busy;

        if (!w)
                return;
        g->pin_worker = NULL;
        pthread_mutex_lock(&w->lock);
        w->quit = true;
        busy = w->busy;
        pthread_cond_signal(&w->wake);
        pthread_mutex_unlock(&w->lock);
        if (busy) {
                /* Its write waits for a device lock (a stuck unbind elsewhere holds it): never wait for that on
                 * the way out. The thread still uses w: left to the exiting process. */
                w->source = sd_event_source_disable_unref(w->source);
                (void) pthread_detach(w->thread);
                return;
        }
        pthread_join(w->thread, NULL);
        pin_worker_free(w);
}
