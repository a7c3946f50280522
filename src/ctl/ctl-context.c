/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The configuration as the CLI sees it: the daemon's search path, or the one file named by --config. */
#include <errno.h>
#include <stdio.h>

#include "ctl/ctl.h"

static void print_problem(const ConfigProblem *p)
{
        /* The "file:line: message" form lets editors and grep jump to the line. */
        if (p->line > 0)
                fprintf(stderr, "%s:%u: %s\n", strempty(p->file), p->line, strempty(p->message));
        else
                fprintf(stderr, "%s: %s\n", strempty(p->file), strempty(p->message));
}

int ctl_load_config(Ctl *c)
{
        bool unusable = false;
        int r;

        r = config_load(&c->config, c->root, c->config_file, &c->problems);
        if (r < 0) {
                fprintf(stderr, "vfio-guardctl: cannot load the configuration: %s\n", strerror(-r));
                return r;
        }
        c->config_loaded = true;

        for (size_t i = 0; i < c->problems.n; i++) {
                print_problem(&c->problems.items[i]);
                if (c->problems.items[i].level == CONFIG_PROBLEM_ERROR)
                        unusable = true;
        }

        /* The standard search path falls back to the (strict) defaults when a file cannot be read, as the
         * daemon does. A file named on the command line is what the caller wants judged against: answering
         * from the defaults instead would answer a different question. */
        if (c->config_file && unusable) {
                fprintf(stderr, "vfio-guardctl: --config %s cannot be used\n", c->config_file);
                return -EINVAL;
        }
        return 0;
}

void ctl_done(Ctl *c)
{
        if (c->config_loaded)
                config_done(&c->config);
        config_problems_done(&c->problems);
        c->config_loaded = false;
}
