/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * /etc/vfio-guard.conf and vfio-guard.conf.d drop-ins: the policy shared by vfio-guardd and vfio-guardctl.
 * Parsing (config.c) reports problems to the caller instead of logging; a problem only ever makes the
 * policy stricter. Matching Allow=/Deny= against a function is pure (config-match.c).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum GuardMode {
        GUARD_MODE_ENFORCE,
        GUARD_MODE_AUDIT, /* decide and log, change nothing */
        _GUARD_MODE_MAX,
        _GUARD_MODE_INVALID = -22,
} GuardMode;

typedef enum KernelEnforcement {
        KERNEL_ENFORCEMENT_AUTO, /* BPF LSM when the running kernel has it and the daemon may load it */
        KERNEL_ENFORCEMENT_NO,
        _KERNEL_ENFORCEMENT_MAX,
        _KERNEL_ENFORCEMENT_INVALID = -22,
} KernelEnforcement;

typedef enum MatchKind {
        MATCH_ADDRESS,   /* "0000:00:03.0" (a bus-relative "00:03.0" means domain 0000) */
        MATCH_IDS,       /* "1af4:1041" */
        MATCH_MODALIAS,  /* "pci:v00001AF4d00001041*", an fnmatch(3) glob, case-insensitive */
        _MATCH_KIND_MAX,
        _MATCH_KIND_INVALID = -22,
} MatchKind;

typedef struct Match {
        MatchKind kind;
        char *text;          /* as written (normalised for addresses) */
        uint16_t vendor, device;
} Match;

typedef struct MatchList {
        Match *items;
        size_t n;
} MatchList;

typedef struct Config {
        GuardMode mode;              /* Mode=enforce|audit */
        bool unknown_allow;          /* Unknown=refuse|allow */
        bool noiommu_refuse;         /* NoIOMMU=allow|refuse */
        bool pin;                    /* Pin=yes|no */
        bool reprobe;                /* Reprobe=yes|no */
        char **guarded_drivers;      /* GuardedDrivers=, NULL-terminated globs; default "*vfio*" "vp-vdpa" */
        MatchList allow, deny;       /* Allow=, Deny= */
        KernelEnforcement kernel_enforcement; /* [Guard] KernelEnforcement=auto|no */
        char *dt_bypass_property;    /* [DeviceTree] BypassProperty=; NULL = off */
} Config;

typedef enum ConfigProblemLevel {
        CONFIG_PROBLEM_WARNING, /* skipped something; the policy is as strict or stricter */
        CONFIG_PROBLEM_ERROR,   /* a file could not be read at all */
} ConfigProblemLevel;

typedef struct ConfigProblem {
        ConfigProblemLevel level;
        char *file;     /* path as opened */
        unsigned line;  /* 0 when about the whole file */
        char *message;  /* "unknown key Foo= in [Guard], ignoring" */
        bool unhonoured; /* a restriction the file asked for could not be applied (a bad Deny= entry): the policy
                          * may be looser than its author meant, so say it loudly (warning level, not debug) */
} ConfigProblem;

typedef struct ConfigProblems {
        ConfigProblem *items;
        size_t n;
} ConfigProblems;

/* The compiled-in defaults. */
int config_init_defaults(Config *c);
void config_done(Config *c);
void config_problems_done(ConfigProblems *p);

/*
 * Load the configuration.
 *   root:          prefix for every path ("" or NULL for the real system; a directory in tests).
 *   explicit_file: when non-NULL, read this file alone (vfio-guardctl --config) instead of the search path.
 * Search path: ROOT/etc/vfio-guard.conf, then drop-ins ROOT/{etc,run,usr/local/lib,usr/lib}/vfio-guard.conf.d/
 * *.conf (same basename: the earlier directory wins; applied in lexical order of basename; a symlink to
 * /dev/null masks).
 * Starts from the defaults. Returns 0 (problems, if any, in *problems), or -errno only on allocation failure.
 * *c and *problems are overwritten (free earlier contents first); problems may be NULL. After a failure *c
 * holds what was read so far and must still be released with config_done().
 */
int config_load(Config *c, const char *root, const char *explicit_file, ConfigProblems *problems);

/* Parse one match ("0000:00:03.0", "1af4:1041", "pci:v…*"). Returns 0, -EINVAL or -ENOMEM. */
int match_parse(const char *s, Match *ret);
void match_done(Match *m);

/* Does any entry of the list match the function? Pure. */
bool match_list_matches(const MatchList *l, const char *address, uint16_t vendor, uint16_t device,
                        const char *modalias);

/* Is the driver named by one of the GuardedDrivers= globs? */
bool config_driver_is_guarded(const Config *c, const char *driver);

const char *guard_mode_to_string(GuardMode m);
const char *kernel_enforcement_to_string(KernelEnforcement k);
/* Case-insensitive; _INVALID for anything else. */
GuardMode guard_mode_from_string(const char *s);
KernelEnforcement kernel_enforcement_from_string(const char *s);
const char *match_kind_to_string(MatchKind k);
