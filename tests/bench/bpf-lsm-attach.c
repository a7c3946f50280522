/* SPDX-License-Identifier: GPL-2.0-or-later */

/* Load a BPF object file, attach all its programs, print "attached", and hold them until SIGTERM or
 * SIGINT (nothing is pinned). A benchmark helper for programs that have no loader of their own.
 * Usage: bpf-lsm-attach OBJECT.bpf.o */

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
        stop = 1;
}

int main(int argc, char *argv[])
{
        struct sigaction sa = { .sa_handler = on_signal };
        struct bpf_object *obj;
        struct bpf_program *prog;

        if (argc != 2) {
                fprintf(stderr, "usage: %s OBJECT.bpf.o\n", argv[0]);
                return 2;
        }
        obj = bpf_object__open_file(argv[1], NULL);
        if (!obj || bpf_object__load(obj) < 0) {
                fprintf(stderr, "loading %s: %s\n", argv[1], strerror(errno));
                return 1;
        }
        bpf_object__for_each_program(prog, obj)
                if (!bpf_program__attach(prog)) {
                        fprintf(stderr, "attaching %s: %s\n", bpf_program__name(prog), strerror(errno));
                        return 1;
                }
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
        printf("attached\n");
        fflush(stdout);
        while (!stop)
                pause();
        bpf_object__close(obj);
        return 0;
}
