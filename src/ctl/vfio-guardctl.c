/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vfio-guardctl: command line and dispatch only; each verb lives in its own ctl-<verb>.c. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "buildinfo.h"
#include "ctl/ctl.h"

static void help(void)
{
        printf("Usage: vfio-guardctl [OPTIONS] COMMAND [ARG]\n"
               "\n"
               "Show which virtio PCI functions vfio-guard lets vfio have, and why.\n"
               "Reads only: changes no device state and writes nothing under /sys.\n"
               "\n"
               "Commands:\n"
               "  list [--json] [--all]    One row per virtio function (--all: every PCI function)\n"
               "  explain ADDRESS [--json] The evidence, context and decision in sentences, and the fix\n"
               "  check ADDRESS [--quiet]  Exit 0 if vfio may have the function, 1 if the guard would\n"
               "                           refuse it, 2 if the address is malformed or absent\n"
               "\n"
               "Options (before or after the command):\n"
               "  -c --config FILE   Read this file alone instead of /etc/vfio-guard.conf and drop-ins\n"
               "     --root DIR      Read sysfs, /run and /etc below DIR (for tests)\n"
               "     --json          JSON output (list, explain)\n"
               "  -a --all           Also list functions that are not virtio (list)\n"
               "  -q --quiet         No answer line on stdout (check)\n"
               "  -h --help          Show this help\n"
               "     --version       Show the version\n"
               "\n"
               "See vfio-guardctl(8) and vfio-guard.conf(5).\n");
}

typedef enum Verb {
        VERB_LIST,
        VERB_EXPLAIN,
        VERB_CHECK,
        _VERB_MAX,
        _VERB_INVALID = -22,
} Verb;

static const struct {
        const char *name;
        int n_args;         /* positional arguments after the verb */
        bool json, all, quiet; /* which verb options it takes */
} verbs[_VERB_MAX] = {
        [VERB_LIST] = { "list", 0, true, true, false },
        [VERB_EXPLAIN] = { "explain", 1, true, false, false },
        [VERB_CHECK] = { "check", 1, false, false, true },
};

static Verb verb_from_string(const char *s)
{
        for (int v = 0; v < _VERB_MAX; v++)
                if (streq(verbs[v].name, s))
                        return v;
        return _VERB_INVALID;
}

/* "--root /" and "--root DIR/" both mean the same tree as without the slash. */
static char *normalize_root(const char *s)
{
        char *r = strdup(s);
        size_t l;

        if (!r)
                return NULL;
        l = strlen(r);
        while (l > 0 && r[l - 1] == '/')
                r[--l] = 0;
        return r;
}

int main(int argc, char *argv[])
{
        enum { ARG_ROOT = 0x100, ARG_JSON, ARG_VERSION };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "config", required_argument, NULL, 'c' },
                { "root", required_argument, NULL, ARG_ROOT },
                { "json", no_argument, NULL, ARG_JSON },
                { "all", no_argument, NULL, 'a' },
                { "quiet", no_argument, NULL, 'q' },
                {},
        };
        _cleanup_free_ char *root = NULL;
        bool json = false, all = false;
        Ctl ctl = { .root = "" };
        int c, r, n_args;
        Verb verb;

        /* GNU getopt permutes: options are accepted before and after the verb and its address. */
        while ((c = getopt_long(argc, argv, "hc:aq", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return CTL_EXIT_OK;
                case ARG_VERSION:
                        printf("vfio-guardctl %s\n", PACKAGE_VERSION);
                        return CTL_EXIT_OK;
                case 'c':
                        if (!optarg[0]) {
                                fprintf(stderr, "vfio-guardctl: --config needs a file name\n");
                                return CTL_EXIT_USAGE;
                        }
                        ctl.config_file = optarg;
                        break;
                case ARG_ROOT:
                        free(root);
                        root = normalize_root(optarg);
                        if (!root) {
                                fprintf(stderr, "vfio-guardctl: out of memory\n");
                                return CTL_EXIT_FAILURE;
                        }
                        ctl.root = root;
                        break;
                case ARG_JSON:
                        json = true;
                        break;
                case 'a':
                        all = true;
                        break;
                case 'q':
                        ctl.quiet = true;
                        break;
                case '?':
                        /* getopt printed what was wrong. */
                        fprintf(stderr, "Try 'vfio-guardctl --help'.\n");
                        return CTL_EXIT_USAGE;
                default:
                        abort();
                }

        if (optind >= argc) {
                fprintf(stderr, "vfio-guardctl: missing command (list, explain, check). Try 'vfio-guardctl --help'.\n");
                return CTL_EXIT_USAGE;
        }
        verb = verb_from_string(argv[optind]);
        if (verb < 0) {
                fprintf(stderr, "vfio-guardctl: unknown command '%s'. Try 'vfio-guardctl --help'.\n", argv[optind]);
                return CTL_EXIT_USAGE;
        }
        n_args = argc - optind - 1;
        if (n_args != verbs[verb].n_args) {
                fprintf(stderr, "vfio-guardctl: %s takes %s\n", verbs[verb].name,
                        verbs[verb].n_args == 0 ? "no arguments" : "one ADDRESS");
                return CTL_EXIT_USAGE;
        }
        if ((json && !verbs[verb].json) || (all && !verbs[verb].all) || (ctl.quiet && !verbs[verb].quiet)) {
                fprintf(stderr, "vfio-guardctl: %s does not take %s\n", verbs[verb].name,
                        json && !verbs[verb].json ? "--json" : all && !verbs[verb].all ? "--all" : "--quiet");
                return CTL_EXIT_USAGE;
        }

        r = ctl_load_config(&ctl);
        if (r < 0) {
                ctl_done(&ctl);
                return r == -EINVAL ? CTL_EXIT_USAGE : CTL_EXIT_FAILURE;
        }

        switch (verb) {
        case VERB_LIST:
                r = verb_list(&ctl, json, all);
                break;
        case VERB_EXPLAIN:
                r = verb_explain(&ctl, argv[optind + 1], json);
                break;
        case VERB_CHECK:
                r = verb_check(&ctl, argv[optind + 1]);
                break;
        default:
                abort();
        }

        ctl_done(&ctl);
        return r;
}
