/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfio-guardctl check ADDRESS: the guard's answer as an exit code, for hooks and wrappers (libvirt,
 * driverctl) that are about to hand a function to vfio. 0 = the guard would let vfio have it, 1 = it would
 * refuse, 2 = no answer (malformed or absent address, unusable --config). Anything but 0 means "do not bind".
 */
#include <errno.h>
#include <stdio.h>

#include "ctl/ctl.h"

int verb_check(Ctl *c, const char *address)
{
        const Evidence *e;
        const Assessment *a;
        char addr[PCI_ADDRESS_MAX], reason[EVIDENCE_TEXT_MAX * 2];
        CtlFunction f;
        int r;

        if (ctl_parse_address(address, addr) < 0)
                return CTL_EXIT_USAGE;
        r = ctl_function_probe(c, addr, false, &f);
        if (r == -ENOENT) {
                fprintf(stderr, "vfio-guardctl: no PCI function %s\n", addr);
                return CTL_EXIT_USAGE;
        }
        if (r < 0) {
                /* Not even the IDs could be read: there is nothing to judge, so no "yes". */
                fprintf(stderr, "vfio-guardctl: %s: cannot examine the function: %s\n", addr, strerror(-r));
                return CTL_EXIT_USAGE;
        }

        e = &f.evidence;
        a = &f.assessment;
        assessment_reason_text(e, a, reason, sizeof reason);

        if (a->decision == DECISION_REFUSE && c->config.mode == GUARD_MODE_AUDIT) {
                /* Audit mode changes nothing, so vfio would get the function: the answer is yes, and the
                 * refusal the guard would have made goes where a person sees it and a script ignores it. */
                fprintf(stderr, "vfio-guardctl: %s: Mode=audit, the guard would refuse it: %s\n", addr, reason);
                if (!c->quiet)
                        printf("%s: allow: Mode=audit (would refuse: %s)\n", addr,
                               decision_reason_to_string(a->reason));
                return CTL_EXIT_OK;
        }

        if (a->allow_overrides_bypass)
                fprintf(stderr, "vfio-guardctl: warning: %s: %s\n", addr, reason);
        if (!c->quiet)
                printf("%s: %s: %s\n", addr, decision_to_string(a->decision), reason);

        return a->decision == DECISION_REFUSE ? CTL_EXIT_FAILURE : CTL_EXIT_OK;
}
