/* SPDX-License-Identifier: GPL-2.0-or-later */

/* An open-heavy workload for the BPF LSM overhead benchmark: ROUNDS rounds of ITERATIONS open()+close()
 * of FILE, each round timed; prints every round's ns per open and the median.
 * Usage: bpf-open-loop FILE ITERATIONS ROUNDS [r|w]
 *   w opens for writing (O_WRONLY); a failing open (e.g. EPERM from the guard) still counts as one
 *   iteration, and the number of failures is printed with its errno. */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int cmp_double(const void *a, const void *b)
{
        double x = *(const double *) a, y = *(const double *) b;

        return (x > y) - (x < y);
}

static double now_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char *argv[])
{
        long iterations, rounds, failures = 0;
        int flags = O_RDONLY | O_CLOEXEC, last_errno = 0;
        double *ns;

        if (argc < 4 || argc > 5) {
                fprintf(stderr, "usage: %s FILE ITERATIONS ROUNDS [r|w]\n", argv[0]);
                return 2;
        }
        iterations = strtol(argv[2], NULL, 10);
        rounds = strtol(argv[3], NULL, 10);
        if (iterations <= 0 || rounds <= 0)
                return 2;
        if (argc == 5 && argv[4][0] == 'w')
                flags = O_WRONLY | O_CLOEXEC;
        ns = calloc(rounds, sizeof(double));
        if (!ns)
                return 1;

        for (long r = 0; r < rounds; r++) {
                double start = now_ns();

                for (long i = 0; i < iterations; i++) {
                        int fd = open(argv[1], flags);

                        if (fd >= 0)
                                close(fd);
                        else {
                                failures++;
                                last_errno = errno;
                        }
                }
                ns[r] = (now_ns() - start) / iterations;
                printf("round %ld: %.1f ns/open\n", r, ns[r]);
        }
        qsort(ns, rounds, sizeof(double), cmp_double);
        printf("median: %.1f ns/open (%ld x %ld, failures %ld%s%s)\n",
               rounds % 2 ? ns[rounds / 2] : (ns[rounds / 2 - 1] + ns[rounds / 2]) / 2,
               rounds, iterations, failures, failures ? " " : "",
               failures ? strerrorname_np(last_errno) : "");
        free(ns);
        return 0;
}
