/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vfio-guardd: wires the guard to the command line, the signals and systemd. The work is in guard.c. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>

#include "buildinfo.h"
#include "daemon/guard.h"
#include "bpf/bpf-guard.h"
#include "shared/macro.h"

static const char *arg_config = NULL;
static const char *arg_root = NULL;
static bool arg_enforce = false;
static uint64_t arg_unbind_timeout_usec = 0;
static bool arg_unpin_bpf = false;

static void help(void)
{
        printf("Usage: vfio-guardd [OPTIONS]\n\n"
               "Keep IOMMU-bypassing virtio PCI functions away from vfio.\n\n"
               "  -h --help                 Show this help\n"
               "     --version              Show the version\n"
               "     --enforce              Act (pin, unbind); without it, only decide and log\n"
               "     --config=FILE          Read this configuration file alone\n"
               "     --root=DIR             Find /sys, /proc and /run below DIR (tests)\n"
               "     --unbind-timeout=SEC   Name the holders of an unbind that takes longer (default 3)\n"
               "     --unpin-bpf            Remove the pinned BPF LSM program (kernel enforcement) and exit\n"
               "\nSee vfio-guardd(8).\n");
}

static int parse_argv(int argc, char *argv[])
{
        enum { ARG_VERSION = 0x100, ARG_ENFORCE, ARG_CONFIG, ARG_ROOT, ARG_UNBIND_TIMEOUT, ARG_UNPIN_BPF };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "enforce", no_argument, NULL, ARG_ENFORCE },
                { "config", required_argument, NULL, ARG_CONFIG },
                { "root", required_argument, NULL, ARG_ROOT },
                { "unbind-timeout", required_argument, NULL, ARG_UNBIND_TIMEOUT },
                { "unpin-bpf", no_argument, NULL, ARG_UNPIN_BPF },
                {}
        };
        int c;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("vfio-guardd %s\n", PACKAGE_VERSION);
                        return 0;
                case ARG_ENFORCE:
                        arg_enforce = true;
                        break;
                case ARG_CONFIG:
                        arg_config = optarg;
                        break;
                case ARG_ROOT:
                        arg_root = optarg;
                        break;
                case ARG_UNBIND_TIMEOUT: {
                        char *end;
                        double sec = strtod(optarg, &end);
                        if (end == optarg || *end || !(sec > 0 && sec <= 3600)) {
                                fprintf(stderr, "vfio-guardd: invalid --unbind-timeout: %s\n", optarg);
                                return -EINVAL;
                        }
                        arg_unbind_timeout_usec = (uint64_t) (sec * 1e6);
                        break;
                }
                case ARG_UNPIN_BPF:
                        arg_unpin_bpf = true;
                        break;
                case '?':
                        return -EINVAL;
                default:
                        return -EINVAL;
                }
        if (optind < argc) {
                fprintf(stderr, "vfio-guardd: unexpected argument: %s\n", argv[optind]);
                return -EINVAL;
        }
        return 1;
}

static int on_term(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
        Guard *g = userdata;

        /* Leave at once: a stuck unbind child stays behind and finishes on its own, the pins stay. */
        guard_stop(g);
        return sd_event_exit(sd_event_source_get_event(s), 0);
}

static int on_hup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
        Guard *g = userdata;

        (void) sd_notify(false, "RELOADING=1");
        (void) guard_reload(g);
        (void) sd_notifyf(false, "READY=1\nSTATUS=%s", guard_status(g));
        return 0;
}

/* The administrator's way out: the program and its maps go from bpffs, the kernel stops refusing at once. A
 * running daemon keeps running reactively until its next start or reload loads the program again (unless
 * KernelEnforcement=no). */
static int unpin_bpf(void)
{
#if HAVE_BPF
        int r = bpf_guard_unpin(NULL);
        if (r < 0) {
                fprintf(stderr, "vfio-guardd: could not remove %s: %s\n", BPF_GUARD_PIN_DIR, strerror(-r));
                return 1;
        }
        printf("Removed the BPF LSM program of vfio-guard (%s): vfio binding is guarded reactively only now.\n",
               BPF_GUARD_PIN_DIR);
        return 0;
#else
        printf("This vfio-guardd was built without the BPF LSM program; nothing to remove here (rm -r %s removes "
               "what another build pinned).\n", BPF_GUARD_PIN_DIR);
        return 0;
#endif
}

int main(int argc, char *argv[])
{
        _cleanup_(guard_freep) Guard *g = NULL;
        _cleanup_(sd_event_unrefp) sd_event *e = NULL;
        sigset_t ss;
        int r;

        r = parse_argv(argc, argv);
        if (r <= 0)
                return r < 0 ? 2 : 0;
        if (arg_unpin_bpf)
                return unpin_bpf();

        sigemptyset(&ss);
        sigaddset(&ss, SIGTERM);
        sigaddset(&ss, SIGINT);
        sigaddset(&ss, SIGHUP);
        sigaddset(&ss, SIGCHLD);
        sigprocmask(SIG_BLOCK, &ss, NULL);

        r = sd_event_default(&e);
        if (r < 0) {
                fprintf(stderr, "vfio-guardd: cannot create the event loop: %s\n", strerror(-r));
                return 1;
        }

        r = guard_new(&(GuardOptions){
                              .root = arg_root,
                              .config_file = arg_config,
                              .enforce = arg_enforce,
                              .notify = true,
                              .monitor = true,
                              .unbind_timeout_usec = arg_unbind_timeout_usec,
                              .event = e,
                              /* The BPF LSM acts on the running kernel: never for a --root tree (tests). */
                              .kernel_ops = arg_root && arg_root[0] ? NULL : kernel_ops_bpf,
                      },
                      &g);
        if (r < 0) {
                fprintf(stderr, "vfio-guardd: cannot set up: %s\n", strerror(-r));
                return 1;
        }

        if (sd_event_add_signal(e, NULL, SIGTERM, on_term, g) < 0 ||
            sd_event_add_signal(e, NULL, SIGINT, on_term, g) < 0 ||
            sd_event_add_signal(e, NULL, SIGHUP, on_hup, g) < 0) {
                fprintf(stderr, "vfio-guardd: cannot watch signals\n");
                return 1;
        }

        r = guard_start(g);
        if (r < 0) {
                fprintf(stderr, "vfio-guardd: cannot start: %s\n", strerror(-r));
                (void) sd_notifyf(false, "STATUS=Failed to start: %s\nERRNO=%d", strerror(-r), -r);
                return 1;
        }

        r = sd_event_loop(e);
        if (r < 0) {
                fprintf(stderr, "vfio-guardd: event loop failed: %s\n", strerror(-r));
                return 1;
        }
        return 0;
}
