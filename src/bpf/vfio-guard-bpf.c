/* SPDX-License-Identifier: GPL-2.0-or-later */

/* vfio-guard-bpf: drive bpf-guard by hand — load or reuse the pinned program, change its maps, watch
 * denials, unpin. The VM tests use it as the loader; an administrator can use it to look or to get out.
 * Options act in the order given, after the guard is opened (except --unpin and --lsm, which need no
 * guard). Note that opening replaces the exempt set by this process, as any loader does. */

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "bpf/bpf-guard.h"
#include "shared/macro.h"
#include "shared/strv.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
        stop = 1;
}

static int print_event(const BpfGuardEvent *e, void *userdata)
{
        if (e->kind == BPF_GUARD_DENIED_OVERRIDE)
                printf("denied: driver_override write of %s by pid %d tgid %d uid %u comm %s\n",
                       e->address, (int) e->pid, (int) e->tgid, (unsigned) e->uid, e->comm);
        else
                printf("denied: open of vfio node %u:%u by pid %d tgid %d uid %u comm %s flags 0%o\n",
                       major(e->rdev), minor(e->rdev), (int) e->pid, (int) e->tgid, (unsigned) e->uid,
                       e->comm, (unsigned) e->open_flags);
        fflush(stdout);
        return 0;
}

static int node_rdev(const char *path, dev_t *ret)
{
        struct stat st;

        if (stat(path, &st) < 0)
                return negative_errno();
        if (!S_ISCHR(st.st_mode))
                return -ENOTTY;
        *ret = st.st_rdev;
        return 0;
}

/* Write driver_override as the (exempt) loader does when it pins. */
static int write_override(const char *spec)
{
        _cleanup_free_ char *address = strdup(spec), *path = NULL;
        _cleanup_fclose_ FILE *f = NULL;
        char *driver;

        if (!address)
                return -ENOMEM;
        driver = strchr(address, '=');
        if (!driver)
                return -EINVAL;
        *driver++ = '\0';
        if (asprintf(&path, "/sys/bus/pci/devices/%s/driver_override", address) < 0)
                return -ENOMEM;
        f = fopen(path, "we");
        if (!f)
                return negative_errno();
        if (fprintf(f, "%s\n", driver) < 0 || fflush(f) != 0)
                return negative_errno();
        return 0;
}

static void help(void)
{
        printf("vfio-guard-bpf [--pin-dir DIR] [--replace] ACTION...\n"
               "  --lsm                  say whether the BPF LSM is active (no load)\n"
               "  --unpin                remove the pinned program and maps (no load)\n"
               "  --refuse ADDR          refuse writes to ADDR's driver_override\n"
               "  --allow ADDR           stop refusing ADDR\n"
               "  --deny-node PATH       refuse every open of the vfio node PATH\n"
               "  --allow-node PATH      stop refusing PATH\n"
               "  --pin ADDR=DRIVER      write DRIVER to ADDR's driver_override (as the exempt loader)\n"
               "  --list                 print refused addresses and denied nodes\n"
               "  --stats                print the denial counters\n"
               "  --events               print pending denials\n"
               "  --wait                 print denials as they come until SIGTERM/SIGINT\n");
}

int main(int argc, char *argv[])
{
        enum { ARG_PIN_DIR = 0x100, ARG_REPLACE, ARG_LSM, ARG_UNPIN, ARG_REFUSE, ARG_ALLOW, ARG_DENY_NODE,
               ARG_ALLOW_NODE, ARG_PIN, ARG_LIST, ARG_STATS, ARG_EVENTS, ARG_WAIT };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "pin-dir", required_argument, NULL, ARG_PIN_DIR },
                { "replace", no_argument, NULL, ARG_REPLACE },
                { "lsm", no_argument, NULL, ARG_LSM },
                { "unpin", no_argument, NULL, ARG_UNPIN },
                { "refuse", required_argument, NULL, ARG_REFUSE },
                { "allow", required_argument, NULL, ARG_ALLOW },
                { "deny-node", required_argument, NULL, ARG_DENY_NODE },
                { "allow-node", required_argument, NULL, ARG_ALLOW_NODE },
                { "pin", required_argument, NULL, ARG_PIN },
                { "list", no_argument, NULL, ARG_LIST },
                { "stats", no_argument, NULL, ARG_STATS },
                { "events", no_argument, NULL, ARG_EVENTS },
                { "wait", no_argument, NULL, ARG_WAIT },
                {}
        };
        _cleanup_bpf_guard_ BpfGuard *g = NULL;
        const char *pin_dir = NULL;
        BpfGuardOpenFlags flags = 0;
        bool reused;
        int c, r;

        /* First pass: options that apply before opening, and the actions that need no guard. */
        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_PIN_DIR:
                        pin_dir = optarg;
                        break;
                case ARG_REPLACE:
                        flags |= BPF_GUARD_OPEN_REPLACE;
                        break;
                case ARG_LSM:
                        r = bpf_guard_lsm_active(NULL);
                        if (r < 0) {
                                fprintf(stderr, "lsm: %s\n", strerror(-r));
                                return 1;
                        }
                        printf("bpf lsm: %s\n", r ? "active" : "inactive");
                        return r ? 0 : 3;
                case ARG_UNPIN:
                        r = bpf_guard_unpin(pin_dir);
                        if (r < 0) {
                                fprintf(stderr, "unpin: %s\n", strerror(-r));
                                return 1;
                        }
                        printf("unpinned\n");
                        return 0;
                case '?':
                        return 2;
                default:
                        break;
                }
        if (optind < argc) {
                fprintf(stderr, "unexpected argument: %s\n", argv[optind]);
                return 2;
        }

        r = bpf_guard_open(pin_dir, flags, &g, &reused);
        if (r < 0) {
                fprintf(stderr, "bpf_guard_open: %s (%s)\n", strerror(-r), strerrorname_np(-r) ?: "?");
                return r == -EOPNOTSUPP ? 4 : 1;
        }
        printf("guard: %s\n", reused ? "reused" : "loaded");
        fflush(stdout);

        optind = 0;
        for (int idx = 0; (c = getopt_long(argc, argv, "h", options, &idx)) >= 0; idx = 0) {
                dev_t rdev;

                switch (c) {
                case ARG_REFUSE:
                        r = bpf_guard_refuse_address(g, optarg);
                        break;
                case ARG_ALLOW:
                        r = bpf_guard_allow_address(g, optarg);
                        break;
                case ARG_DENY_NODE:
                case ARG_ALLOW_NODE:
                        r = node_rdev(optarg, &rdev);
                        if (r >= 0)
                                r = c == ARG_DENY_NODE ? bpf_guard_deny_node(g, rdev) : bpf_guard_allow_node(g, rdev);
                        break;
                case ARG_PIN:
                        r = write_override(optarg);
                        break;
                case ARG_LIST: {
                        _cleanup_strv_free_ char **l = NULL;
                        _cleanup_free_ dev_t *nodes = NULL;
                        size_t n;

                        r = bpf_guard_list_addresses(g, &l);
                        if (r >= 0)
                                r = bpf_guard_list_nodes(g, &nodes, &n);
                        if (r >= 0) {
                                for (char **s = l; *s; s++)
                                        printf("refused: %s\n", *s);
                                for (size_t i = 0; i < n; i++)
                                        printf("denied node: %u:%u\n", major(nodes[i]), minor(nodes[i]));
                        }
                        break;
                }
                case ARG_STATS: {
                        BpfGuardStats s;

                        r = bpf_guard_get_stats(g, &s);
                        if (r >= 0)
                                printf("stats: denied_override=%llu denied_node=%llu events_lost=%llu\n",
                                       (unsigned long long) s.denied_override,
                                       (unsigned long long) s.denied_node,
                                       (unsigned long long) s.events_lost);
                        break;
                }
                case ARG_EVENTS:
                        r = bpf_guard_process_events(g, print_event, NULL);
                        break;
                case ARG_WAIT: {
                        struct sigaction sa = { .sa_handler = on_signal };
                        struct epoll_event ev;

                        (void) sigaction(SIGTERM, &sa, NULL);
                        (void) sigaction(SIGINT, &sa, NULL);
                        printf("waiting\n");
                        fflush(stdout);
                        r = 0;
                        while (!stop && r >= 0) {
                                if (epoll_wait(bpf_guard_event_fd(g), &ev, 1, -1) < 0) {
                                        if (errno != EINTR)
                                                r = negative_errno();
                                        continue;
                                }
                                r = bpf_guard_process_events(g, print_event, NULL);
                        }
                        break;
                }
                default:
                        continue;
                }
                if (r < 0) {
                        fprintf(stderr, "--%s %s: %s\n", options[idx].name, strempty(optarg), strerror(-r));
                        return 1;
                }
                fflush(stdout);
        }
        return 0;
}
