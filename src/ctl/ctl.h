/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * vfio-guardctl: the read-only face of the guard. Every verb probes through src/probe/ (records allowed, no
 * device register is ever read: that would change device state) and judges through assess() alone, so the
 * CLI shows exactly what the daemon would decide under the same configuration.
 */

#include <stdbool.h>
#include <stdio.h>

#include "core/config.h"
#include "core/evidence.h"
#include "core/verdict.h"
#include "probe/probe.h"

/* Exit codes shared by every verb (vfio-guardctl(8), EXIT STATUS). */
#define CTL_EXIT_OK 0
#define CTL_EXIT_FAILURE 1 /* list/explain: something could not be done; check: the guard would refuse */
#define CTL_EXIT_USAGE 2   /* bad command line, malformed or absent address, unusable --config file */

typedef struct Ctl {
        const char *root;        /* "" for the real system; --root DIR in tests */
        const char *config_file; /* --config FILE, or NULL for the standard search path */
        Config config;
        ConfigProblems problems; /* also printed on stderr; listed in JSON output */
        bool config_loaded;
        bool quiet;              /* check --quiet: no line on stdout */
        ProbeCache *probe_cache; /* shared by the probes of one listing; NULL elsewhere */
} Ctl;

/* One function, probed and judged. */
typedef struct CtlFunction {
        Evidence evidence;
        Assessment assessment;
} CtlFunction;

/* ctl-context.c */
/* Load the configuration and print its problems on stderr as "file:line: message". Returns 0; -EINVAL when
 * the file named by --config could not be used at all (a policy nobody can see must not be reported as the
 * guard's); other -errno on allocation failure. */
int ctl_load_config(Ctl *c);
void ctl_done(Ctl *c);

/* ctl-function.c */
/* Normalise ADDRESS for a verb, printing a message on stderr when malformed. Returns 0 or -EINVAL. */
int ctl_parse_address(const char *s, char ret[PCI_ADDRESS_MAX]);
/* Probe and assess one function. Returns 0, -EINVAL (malformed address), -ENOENT (absent), other -errno. */
/* virtio_only: for a listing that shows only virtio functions (ProbeOptions.virtio_only). */
int ctl_function_probe(const Ctl *c, const char *address, bool virtio_only, CtlFunction *ret);
/* "set", "clear" or "?": bit 33 as far as the evidence tells. Legacy-only functions cannot offer it: "clear". */
const char *ctl_bit33_string(const CtlFunction *f);
/* Short evidence source for tables: "negotiated", "offered-bar (recorded)", "transport", "none". */
const char *ctl_evidence_source(const CtlFunction *f, char *buf, size_t size);
/* "net", "block", …; "virtio-N" for a type the table does not know; "?" when it cannot be told. */
const char *ctl_type_string(const Evidence *e, char *buf, size_t size);
bool ctl_is_virtio(const CtlFunction *f);

/* ctl-json.c */
#define CTL_JSON_FORMAT_VERSION 1
struct json_object;
/* The top-level object every JSON output starts from: format_version, policy, config_problems. */
struct json_object *ctl_json_document(const Ctl *c);
/* One function as a JSON object (fields in vfio-guardctl(8), JSON OUTPUT). NULL on allocation failure. */
struct json_object *ctl_json_function(const Ctl *c, const CtlFunction *f);
/* A string as JSON: invalid UTF-8 bytes become U+FFFD, so that every parser accepts the output. */
struct json_object *ctl_json_string(const char *s);
/* Print an object (pretty, newline-terminated) to f. Returns 0 or -EIO. */
int ctl_json_print(FILE *f, struct json_object *o);
/* JSON text put together by hand (list --json writes its functions as text, without json-c objects). */
typedef struct CtlJsonText {
        char *buf;
        size_t n, allocated;
        size_t elements; /* functions appended so far, also those already written out and dropped */
        bool failed;
} CtlJsonText;
/* Append one function, as the next element of the document's "functions" array: the same text that
 * ctl_json_function() would print there. Returns 0 or -ENOMEM. */
int ctl_json_function_text(CtlJsonText *t, const Ctl *c, const CtlFunction *f);
/* doc as ctl_json_print() prints it, cut where the elements of its (empty) array `functions` go: the caller
 * writes ret->buf[0, *ret_at), the elements, then the rest. Returns 0 or -ENOMEM. */
int ctl_json_render_around(struct json_object *doc, struct json_object *functions, CtlJsonText *ret,
                           size_t *ret_at);
void ctl_json_text_done(CtlJsonText *t);

/* Verbs. Each returns an exit code. */
int verb_list(Ctl *c, bool json, bool all);
int verb_explain(Ctl *c, const char *address, bool json);
int verb_check(Ctl *c, const char *address);
