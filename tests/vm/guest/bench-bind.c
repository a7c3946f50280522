/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bench-bind: the measuring side of tests/bench/exposure (runs in the test VM).
 *
 *   bench-bind floor ADDR N        time of a direct write of ADDR to vfio-pci's unbind (vfio-pci bound)
 *   bench-bind window ADDR N KEEP  N libvirt-style binds of ADDR (driver_override=vfio-pci, unbind,
 *                                  drivers_probe); window = from the return of the drivers_probe write to the
 *                                  first moment ADDR has no vfio driver (busy polling of the driver link).
 *                                  A bind that vfio-pci never got (the pin won the race, or drivers_probe
 *                                  gave the function to virtio-pci) counts as prevented, window 0.
 *                                  KEEP=1: between binds only drivers_probe (the guard's pin must stay);
 *                                  KEEP=0: clear driver_override and drivers_probe (no guard pins).
 *   bench-bind storm NAME N ADDR... the libvirt sequence for every ADDR, back to back (all bound within
 *                                  milliseconds), then poll them all; window per function as above; N rounds.
 * Output: one line per case, "case n=.. bound=.. prevented=.. missed=.. median_us=.. p90_us=.. p99_us=..
 * max_us=..", missed = still on vfio after 10 s; prevented = not on vfio when the drivers_probe write returned
 * (the pin or the BPF LSM stopped the bind, or a reactive guard had already unbound it during the write).
 * With BENCH_RAW=FILE each window (µs) is appended to FILE too.
 * With BENCH_TRACE_MARKER=PATH (tracefs' trace_marker), window writes "bench: bound ADDR" when a drivers_probe
 * write that bound vfio-pci returned and "bench: gone ADDR N us" when the window ended, so that an ftrace
 * recording of the scheduler shows what ran inside each window.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PCI "/sys/bus/pci"
#define MAX_SAMPLES 4096

static long long now_ns(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int trace_fd = -1;

static void trace_mark(const char *fmt, const char *addr, long long us)
{
        char buf[128];
        int n;

        if (trace_fd < 0)
                return;
        n = snprintf(buf, sizeof buf, fmt, addr, us);
        if (n > 0)
                (void) !write(trace_fd, buf, (size_t) n);
}

static int write_str(const char *path, const char *s)
{
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        ssize_t n;

        if (fd < 0)
                return -errno;
        n = write(fd, s, strlen(s));
        n = n < 0 ? -errno : 0;
        close(fd);
        return (int) n;
}

static int attr_write(const char *addr, const char *attr, const char *s)
{
        char p[PATH_MAX];
        snprintf(p, sizeof p, PCI "/devices/%s/%s", addr, attr);
        return write_str(p, s);
}

/* The driver's name, "" when unbound. */
static void driver_of(const char *addr, char *buf, size_t size)
{
        char p[PATH_MAX], t[PATH_MAX];
        ssize_t n;

        snprintf(p, sizeof p, PCI "/devices/%s/driver", addr);
        n = readlink(p, t, sizeof t - 1);
        if (n < 0) {
                buf[0] = '\0';
                return;
        }
        t[n] = '\0';
        snprintf(buf, size, "%s", strrchr(t, '/') + 1);
}

static bool on_vfio(const char *addr)
{
        char d[64];
        driver_of(addr, d, sizeof d);
        return strstr(d, "vfio") != NULL;
}

static bool on_driver(const char *addr, const char *drv)
{
        char d[64];
        driver_of(addr, d, sizeof d);
        return strcmp(d, drv) == 0;
}

static bool wait_driver(const char *addr, const char *drv, int ms)
{
        for (int i = 0; i < ms; i++) {
                if (on_driver(addr, drv))
                        return true;
                usleep(1000);
        }
        return on_driver(addr, drv);
}

static void unbind_any(const char *addr)
{
        char d[64];
        driver_of(addr, d, sizeof d);
        if (d[0])
                attr_write(addr, "driver/unbind", addr);
}

static void back_to_virtio(const char *addr, bool keep_override)
{
        if (wait_driver(addr, "virtio-pci", keep_override ? 3000 : 0))
                return;
        if (!keep_override)
                attr_write(addr, "driver_override", "\n");
        unbind_any(addr);
        write_str(PCI "/drivers_probe", addr);
        if (!wait_driver(addr, "virtio-pci", 5000))
                fprintf(stderr, "bench-bind: %s did not go back to virtio-pci\n", addr);
}

static int cmp_ll(const void *a, const void *b)
{
        long long x = *(const long long *) a, y = *(const long long *) b;
        return x < y ? -1 : x > y;
}

static void report(const char *name, long long *w, int n, int prevented, int missed)
{
        int bound = n;
        qsort(w, n, sizeof *w, cmp_ll);
        /* Nearest-rank percentiles over the binds vfio-pci actually got. */
#define PCT(p) (bound ? w[(int) ((bound - 1) * (p) / 100.0 + 0.5)] / 1000 : 0)
        printf("%s n=%d bound=%d prevented=%d missed=%d median_us=%lld p90_us=%lld p99_us=%lld max_us=%lld\n",
               name, n + prevented, bound, prevented, missed, PCT(50), PCT(90), PCT(99),
               bound ? w[bound - 1] / 1000 : 0);
        fflush(stdout);
        /* BENCH_RAW=FILE: every window (µs) appended, one a line, for figures pooled over several runs. */
        if (getenv("BENCH_RAW")) {
                FILE *f = fopen(getenv("BENCH_RAW"), "ae");
                for (int i = 0; f && i < bound; i++)
                        fprintf(f, "%lld\n", w[i] / 1000);
                if (f)
                        fclose(f);
        }
}

static long long poll_gone(const char *addr, long long t0, bool *missed)
{
        long long deadline = t0 + 10000000000LL, t;
        while (on_vfio(addr)) {
                t = now_ns();
                if (t > deadline) {
                        *missed = true;
                        return t - t0;
                }
        }
        return now_ns() - t0;
}

static int do_floor(const char *addr, int n)
{
        static long long w[MAX_SAMPLES];
        int k = 0;

        for (int i = 0; i < n && k < MAX_SAMPLES; i++) {
                long long t0;
                attr_write(addr, "driver_override", "vfio-pci");
                unbind_any(addr);
                write_str(PCI "/drivers_probe", addr);
                if (!on_driver(addr, "vfio-pci")) {
                        fprintf(stderr, "bench-bind: floor: %s did not bind vfio-pci\n", addr);
                        return 1;
                }
                t0 = now_ns();
                write_str(PCI "/drivers/vfio-pci/unbind", addr);
                w[k++] = now_ns() - t0;
                back_to_virtio(addr, false);
        }
        report("floor", w, k, 0, 0);
        return 0;
}

static int do_window(const char *name, const char *addr, int n, bool keep)
{
        static long long w[MAX_SAMPLES];
        int k = 0, prevented = 0, missed = 0;

        for (int i = 0; i < n && k < MAX_SAMPLES; i++) {
                long long t0;
                bool m = false;
                int r;

                back_to_virtio(addr, keep);
                attr_write(addr, "driver_override", "vfio-pci");
                unbind_any(addr);
                r = write_str(PCI "/drivers_probe", addr);
                t0 = now_ns();
                if (r < 0 || !on_vfio(addr)) {
                        prevented++;
                        continue;
                }
                trace_mark("bench: bound %s\n", addr, 0);
                w[k] = poll_gone(addr, t0, &m);
                trace_mark("bench: gone %s %lld us\n", addr, w[k++] / 1000);
                if (m) {
                        missed++;
                        unbind_any(addr);
                }
        }
        report(name, w, k, prevented, missed);
        return missed ? 1 : 0;
}

static int do_storm(const char *name, int rounds, char **addrs, int n)
{
        static long long w[MAX_SAMPLES];
        long long t0[256];
        int k = 0, prevented = 0, missed = 0;

        /* Only the daemon hands functions back and keeps pins; for a reactive reference, restore at once. */
        bool keep = strncmp(name, "vfio-guardd", 11) == 0;

        if (n > 256)
                n = 256;
        for (int r = 0; r < rounds; r++) {
                for (int i = 0; i < n; i++)
                        back_to_virtio(addrs[i], keep);
                /* Each function the libvirt way, back to back, one after the other: the same race per function
                 * as the single-function case, 32 binds within a few milliseconds. */
                for (int i = 0; i < n; i++) {
                        int rc;
                        attr_write(addrs[i], "driver_override", "vfio-pci");
                        unbind_any(addrs[i]);
                        rc = write_str(PCI "/drivers_probe", addrs[i]);
                        t0[i] = rc < 0 ? -1 : now_ns();
                }
                /* Poll all until none is on vfio (or 10 s). */
                bool gone[256] = {};
                int left = n;
                long long deadline = now_ns() + 10000000000LL;
                for (int i = 0; i < n; i++)
                        if (t0[i] < 0 || !on_vfio(addrs[i])) {
                                gone[i] = true;
                                left--;
                                prevented++;
                        }
                while (left > 0 && now_ns() < deadline)
                        for (int i = 0; i < n; i++)
                                if (!gone[i] && !on_vfio(addrs[i])) {
                                        w[k < MAX_SAMPLES ? k++ : k - 1] = now_ns() - t0[i];
                                        gone[i] = true;
                                        left--;
                                }
                missed += left;
        }
        report(name, w, k, prevented, missed);
        return missed ? 1 : 0;
}

int main(int argc, char **argv)
{
        setvbuf(stdout, NULL, _IOLBF, 0);
        if (getenv("BENCH_TRACE_MARKER"))
                trace_fd = open(getenv("BENCH_TRACE_MARKER"), O_WRONLY | O_CLOEXEC);
        if (argc == 4 && strcmp(argv[1], "floor") == 0)
                return do_floor(argv[2], atoi(argv[3]));
        if (argc == 6 && strcmp(argv[1], "window") == 0)
                return do_window(argv[5], argv[2], atoi(argv[3]), atoi(argv[4]));
        if (argc >= 5 && strcmp(argv[1], "storm") == 0)
                return do_storm(argv[2], atoi(argv[3]), argv + 4, argc - 4);
        fprintf(stderr, "usage: bench-bind floor ADDR N | window ADDR N KEEP NAME | storm NAME ROUNDS ADDR...\n");
        return 2;
}
