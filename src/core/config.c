/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reading /etc/vfio-guard.conf and its drop-ins. libinih does the ini syntax; this file supplies the reader
 * that feeds it (it counts lines, so every problem carries file:line, and it screens out what inih would
 * mis-read), the table of keys, and the one rule that matters: a problem only ever makes the policy stricter.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "core/config.h"
#include "shared/macro.h"
#include "shared/strv.h"

#define CONFIG_FILE "/etc/vfio-guard.conf"
#define DROPIN_DIR_NAME "vfio-guard.conf.d"
#define WHITESPACE " \t"

/* Highest precedence first (systemd's order). */
static const char *const dropin_dirs[] = { "/etc", "/run", "/usr/local/lib", "/usr/lib" };

/* ---- defaults and freeing ---- */

static void match_list_clear(MatchList *l)
{
        for (size_t i = 0; i < l->n; i++)
                match_done(&l->items[i]);
        free(l->items);
        *l = (MatchList){};
}

int config_init_defaults(Config *c)
{
        *c = (Config){
                .mode = GUARD_MODE_ENFORCE,
                .unknown_allow = false,
                .noiommu_refuse = false,
                .pin = true,
                .reprobe = true,
                .kernel_enforcement = KERNEL_ENFORCEMENT_AUTO,
        };
        /* uio_pci_generic and igb_uio hand user space physical addresses: not the crash, guarded on request. */
        if (strv_extend(&c->guarded_drivers, "*vfio*") < 0 || strv_extend(&c->guarded_drivers, "vp-vdpa") < 0) {
                config_done(c);
                return -ENOMEM;
        }
        return 0;
}

void config_done(Config *c)
{
        if (!c)
                return;
        strv_free(c->guarded_drivers);
        match_list_clear(&c->allow);
        match_list_clear(&c->deny);
        free(c->dt_bypass_property);
        *c = (Config){};
}

void config_problems_done(ConfigProblems *p)
{
        if (!p)
                return;
        for (size_t i = 0; i < p->n; i++) {
                free(p->items[i].file);
                free(p->items[i].message);
        }
        free(p->items);
        *p = (ConfigProblems){};
}

static int problem_addv(ConfigProblems *p, ConfigProblemLevel level, bool unhonoured, const char *file,
                        unsigned line, const char *fmt, va_list ap)
{
        ConfigProblem *n;
        char *msg = NULL, *f;

        if (!p)
                return 0;
        if (vasprintf(&msg, fmt, ap) < 0)
                return -ENOMEM;
        f = strdup(strempty(file));
        n = realloc(p->items, sizeof(ConfigProblem) * (p->n + 1));
        if (!f || !n) {
                free(msg);
                free(f);
                if (n)
                        p->items = n;
                return -ENOMEM;
        }
        p->items = n;
        p->items[p->n++] = (ConfigProblem){
                .level = level, .file = f, .line = line, .message = msg, .unhonoured = unhonoured,
        };
        return 0;
}

_printf_(6, 7) static int problem_add(ConfigProblems *p, ConfigProblemLevel level, bool unhonoured,
                                      const char *file, unsigned line, const char *fmt, ...)
{
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = problem_addv(p, level, unhonoured, file, line, fmt, ap);
        va_end(ap);
        return r;
}

/* ---- one file: the reader inih pulls lines from, and the handler it calls ---- */

typedef struct Parser {
        Config *config;
        ConfigProblems *problems;
        const char *path;
        FILE *f;
        char *buf;          /* getline() buffer */
        size_t allocated;
        unsigned line;      /* physical line of what the reader handed to inih last */
        bool insecure;      /* writable by others than root: take nothing that loosens the policy */
        int error;          /* first -ENOMEM */
} Parser;

_printf_(3, 4) static void report(Parser *p, bool unhonoured, const char *fmt, ...)
{
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = problem_addv(p->problems, CONFIG_PROBLEM_WARNING, unhonoured, p->path, p->line, fmt, ap);
        va_end(ap);
        if (r < 0 && p->error == 0)
                p->error = r;
}

static bool section_is_known(const char *s, size_t n)
{
        return (n == STRLEN("Guard") && strneq(s, "Guard", n)) ||
               (n == STRLEN("DeviceTree") && strneq(s, "DeviceTree", n));
}

/*
 * inih's reader callback (fgets semantics). inih would glue an indented line to the previous key, stop
 * counting errors after the first one, and silently split a line longer than its buffer; so every line passes
 * here first: a line inih could mis-read is reported with its number and handed over blank, which keeps the
 * numbering in step and lets the rest of the file count.
 */
static char *config_reader(char *str, int num, void *stream)
{
        Parser *p = stream;
        const char *s;
        ssize_t n;
        size_t len;

        errno = 0;
        n = getline(&p->buf, &p->allocated, p->f);
        if (n < 0) {
                if (ferror(p->f))
                        report(p, false, "read error after line %u, ignoring the rest of the file: %s", p->line,
                               strerror(errno ? errno : EIO));
                return NULL;
        }
        p->line++;
        str[0] = '\0';

        if (memchr(p->buf, '\0', n)) {
                report(p, false, "line contains a NUL byte, ignoring it");
                return str;
        }
        while (n > 0 && (p->buf[n - 1] == '\n' || p->buf[n - 1] == '\r'))
                p->buf[--n] = '\0';

        s = p->buf;
        if (p->line == 1 && strneq(s, "\xef\xbb\xbf", 3)) /* UTF-8 byte order mark */
                s += 3;
        /* Indentation means nothing here (inih would read an indented line as a continuation). */
        s += strspn(s, WHITESPACE);

        if (*s == '\0' || *s == '#' || *s == ';')
                ; /* blank or comment */
        else if (*s == '[') {
                const char *end = strchr(s, ']');

                if (!end) {
                        report(p, false, "section header without ']', ignoring the line");
                        return str;
                }
                if (!section_is_known(s + 1, end - s - 1))
                        report(p, false, "unknown section [%.*s], ignoring it and its keys", (int) (end - s - 1),
                               s + 1);
        } else if (s[strcspn(s, "=:")] != '=') {
                /* inih would also take "Key:Value"; this format is systemd's: Key=Value only. */
                report(p, false, "not a Key=Value assignment, ignoring the line");
                return str;
        }

        len = strlen(s);
        if (num <= 1 || len >= (size_t) num) {
                report(p, false, "line is longer than %d characters, ignoring it (split a long list over several "
                                 "lines: list keys add up)", num - 1);
                return str;
        }
        memcpy(str, s, len + 1);
        return str;
}

/* ---- values ---- */

static int parse_boolean(const char *v)
{
        static const char *const yes[] = { "yes", "true", "1", "on" }, *const no[] = { "no", "false", "0", "off" };

        for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
                if (strcasecmp(v, yes[i]) == 0)
                        return 1;
                if (strcasecmp(v, no[i]) == 0)
                        return 0;
        }
        return -EINVAL;
}

/* "strict" → 0, "loose" → 1. */
static int parse_choice(const char *v, const char *strict, const char *loose)
{
        if (strcasecmp(v, strict) == 0)
                return 0;
        if (strcasecmp(v, loose) == 0)
                return 1;
        return -EINVAL;
}

/* From an insecure file nothing that loosens the policy is taken. True when the assignment may apply. */
static bool may_loosen(Parser *p, const char *key, const char *value)
{
        if (!p->insecure)
                return true;
        report(p, false, "%s=%s would loosen the policy, but this file is writable by others than root: ignoring it",
               key, value);
        return false;
}

static void bad_value(Parser *p, const char *key, const char *value, const char *expected)
{
        report(p, false, "invalid %s=%s (expected %s), ignoring", key, value, expected);
}

typedef struct ConfigKey ConfigKey;
typedef void (*ConfigParser)(Parser *p, const ConfigKey *k, const char *value);

struct ConfigKey {
        const char *section;
        const char *key;
        ConfigParser parse;
        const char *strict, *loose; /* for two-valued keys; an empty value means the default */
        bool loose_is_default;
};

static void parse_mode(Parser *p, const ConfigKey *k, const char *v)
{
        GuardMode m = guard_mode_from_string(v[0] ? v : "enforce");

        if (m < 0)
                return bad_value(p, k->key, v, "enforce or audit");
        if (m == GUARD_MODE_AUDIT && !may_loosen(p, k->key, v))
                return;
        p->config->mode = m;
}

static void parse_kernel_enforcement(Parser *p, const ConfigKey *k, const char *v)
{
        KernelEnforcement e = kernel_enforcement_from_string(v[0] ? v : "auto");

        if (e < 0)
                return bad_value(p, k->key, v, "auto or no");
        if (e == KERNEL_ENFORCEMENT_NO && !may_loosen(p, k->key, v))
                return;
        p->config->kernel_enforcement = e;
}

/* Unknown=refuse|allow, NoIOMMU=allow|refuse: sets the field to "is the loose value". */
static void parse_two_valued(Parser *p, const ConfigKey *k, const char *v, bool *field_is_loose)
{
        char expected[64];
        int r;

        r = v[0] ? parse_choice(v, k->strict, k->loose) : k->loose_is_default;
        if (r < 0) {
                snprintf(expected, sizeof expected, "%s or %s",
                         k->loose_is_default ? k->loose : k->strict, k->loose_is_default ? k->strict : k->loose);
                return bad_value(p, k->key, v, expected);
        }
        if (r == 1 && !may_loosen(p, k->key, v[0] ? v : k->loose))
                return;
        *field_is_loose = r == 1;
}

static void parse_unknown(Parser *p, const ConfigKey *k, const char *v)
{
        parse_two_valued(p, k, v, &p->config->unknown_allow);
}

static void parse_noiommu(Parser *p, const ConfigKey *k, const char *v)
{
        bool allow = !p->config->noiommu_refuse;

        parse_two_valued(p, k, v, &allow);
        p->config->noiommu_refuse = !allow;
}

static void parse_pin(Parser *p, const ConfigKey *k, const char *v)
{
        int b = v[0] ? parse_boolean(v) : 1;

        if (b < 0)
                return bad_value(p, k->key, v, "yes or no");
        if (!b && !may_loosen(p, k->key, v))
                return;
        p->config->pin = b;
}

static void parse_reprobe(Parser *p, const ConfigKey *k, const char *v)
{
        /* Whether a refused function goes back to its own driver: no effect on what vfio may have. */
        int b = v[0] ? parse_boolean(v) : 1;

        if (b < 0)
                return bad_value(p, k->key, v, "yes or no");
        p->config->reprobe = b;
}

static void parse_guarded_drivers(Parser *p, const ConfigKey *k, const char *v)
{
        _cleanup_free_ char *copy = NULL;
        char *tok, *save = NULL;

        if (!v[0]) {
                /* Clearing means guarding no driver at all: looser. */
                if (!may_loosen(p, k->key, v))
                        return;
                strv_free(p->config->guarded_drivers);
                p->config->guarded_drivers = NULL;
                return;
        }
        copy = strdup(v);
        if (!copy) {
                p->error = -ENOMEM;
                return;
        }
        for (tok = strtok_r(copy, WHITESPACE, &save); tok; tok = strtok_r(NULL, WHITESPACE, &save)) {
                if (strchr(tok, '/')) {
                        report(p, false, "GuardedDrivers= entry \"%s\" can never match a driver name (contains '/'), "
                                         "ignoring it", tok);
                        continue;
                }
                if (strv_contains(p->config->guarded_drivers, tok))
                        continue;
                if (strv_extend(&p->config->guarded_drivers, tok) < 0) {
                        p->error = -ENOMEM;
                        return;
                }
        }
}

static int match_list_append(MatchList *l, Match *m)
{
        Match *n = realloc(l->items, sizeof(Match) * (l->n + 1));

        if (!n)
                return -ENOMEM;
        l->items = n;
        l->items[l->n++] = *m;
        *m = (Match){};
        return 0;
}

static void parse_match_list(Parser *p, const ConfigKey *k, const char *v, MatchList *l, bool is_deny)
{
        _cleanup_free_ char *copy = NULL;
        char *tok, *save = NULL;

        if (!v[0]) {
                /* Clearing Deny= loosens; clearing Allow= tightens and is taken from any file. */
                if (is_deny && !may_loosen(p, k->key, v))
                        return;
                match_list_clear(l);
                return;
        }
        if (!is_deny && !may_loosen(p, k->key, v))
                return;

        copy = strdup(v);
        if (!copy) {
                p->error = -ENOMEM;
                return;
        }
        for (tok = strtok_r(copy, WHITESPACE, &save); tok; tok = strtok_r(NULL, WHITESPACE, &save)) {
                Match m;
                int r = match_parse(tok, &m);

                if (r == -ENOMEM) {
                        p->error = r;
                        return;
                }
                if (r < 0) {
                        /*
                         * A bad Deny= entry cannot be honoured: nothing says which function it meant. Refusing
                         * every virtio function instead would turn a typo into an outage of every device,
                         * translated ones included; dropping every Allow= would do the same for the functions
                         * the administrator vouched for. The built-in rules still refuse bypass and unknown
                         * functions behind an IOMMU (the crash case), so the entry is skipped, the rest of the
                         * line kept, and the problem flagged "unhonoured" so that vfio-guardd and
                         * vfio-guardctl say it at warning level every time the configuration is read.
                         */
                        if (is_deny)
                                report(p, true,
                                       "Deny= entry \"%s\" is not a PCI address, vendor:device pair or pci: modalias "
                                       "glob: it CANNOT BE HONOURED and the function it was meant to refuse may be "
                                       "allowed; fix this line", tok);
                        else
                                report(p, false,
                                       "Allow= entry \"%s\" is not a PCI address, vendor:device pair or pci: modalias "
                                       "glob, ignoring it", tok);
                        continue;
                }
                if (match_list_append(l, &m) < 0) {
                        match_done(&m);
                        p->error = -ENOMEM;
                        return;
                }
        }
}

static void parse_allow(Parser *p, const ConfigKey *k, const char *v)
{
        parse_match_list(p, k, v, &p->config->allow, false);
}

static void parse_deny(Parser *p, const ConfigKey *k, const char *v)
{
        parse_match_list(p, k, v, &p->config->deny, true);
}

static bool dt_property_name_is_valid(const char *s)
{
        /* Devicetree specification 2.2.4.1: 1–31 characters of [0-9a-zA-Z,._+?#-]. */
        size_t n = strlen(s);

        if (n < 1 || n > 31)
                return false;
        for (; *s; s++)
                if (!isalnum((unsigned char) *s) && !strchr(",._+?#-", *s))
                        return false;
        return true;
}

static void parse_bypass_property(Parser *p, const ConfigKey *k, const char *v)
{
        char *copy;

        if (!v[0]) {
                /* The marker only explains (the verdict never reads it); still, switching off what an
                 * administrator asked to be shown is not taken from a file others may write. */
                if (!may_loosen(p, k->key, v))
                        return;
                free(p->config->dt_bypass_property);
                p->config->dt_bypass_property = NULL;
                return;
        }
        if (!dt_property_name_is_valid(v)) {
                report(p, false, "invalid BypassProperty=%s (a device tree property name: 1-31 characters of "
                                 "0-9a-zA-Z,._+?#-), ignoring", v);
                return;
        }
        copy = strdup(v);
        if (!copy) {
                p->error = -ENOMEM;
                return;
        }
        free(p->config->dt_bypass_property);
        p->config->dt_bypass_property = copy;
}

static const ConfigKey config_keys[] = {
        { "Guard", "Mode", parse_mode },
        { "Guard", "Unknown", parse_unknown, "refuse", "allow", false },
        { "Guard", "NoIOMMU", parse_noiommu, "refuse", "allow", true },
        { "Guard", "Pin", parse_pin },
        { "Guard", "Reprobe", parse_reprobe },
        { "Guard", "GuardedDrivers", parse_guarded_drivers },
        { "Guard", "Allow", parse_allow },
        { "Guard", "Deny", parse_deny },
        { "Guard", "KernelEnforcement", parse_kernel_enforcement },
        { "DeviceTree", "BypassProperty", parse_bypass_property },
};

static int config_handler(void *user, const char *section, const char *name, const char *value)
{
        Parser *p = user;
        const char *hint = NULL;

        if (p->error < 0)
                return 1;
        if (!section[0]) {
                report(p, false, "%s= outside of any section, ignoring", name);
                return 1;
        }
        if (!section_is_known(section, strlen(section)))
                return 1; /* reported once, at the section header */

        for (size_t i = 0; i < ELEMENTSOF(config_keys); i++) {
                const ConfigKey *k = &config_keys[i];

                if (!streq(k->section, section))
                        continue;
                if (streq(k->key, name)) {
                        k->parse(p, k, value ? value : "");
                        return 1;
                }
                if (strcasecmp(k->key, name) == 0)
                        hint = k->key;
        }
        if (hint)
                report(p, false, "unknown key %s= in [%s] (keys are case-sensitive: %s=?), ignoring", name, section,
                       hint);
        else
                report(p, false, "unknown key %s= in [%s], ignoring", name, section);
        return 1;
}

/* ---- files ---- */

static bool is_dev_null(const struct stat *st)
{
        return S_ISCHR(st->st_mode) && st->st_rdev == makedev(1, 3);
}

/*
 * Writable by someone other than root? The owner must be root — or whoever runs us: a user's own file only
 * steers that user's own vfio-guardctl, and it lets the tests run unprivileged — and neither group nor others
 * may write. The directory counts too: whoever may write it may replace the file.
 */
static bool stat_is_insecure(const struct stat *st, bool is_dir)
{
        if (st->st_uid != 0 && st->st_uid != geteuid())
                return true;
        if (is_dir && (st->st_mode & S_ISVTX))
                return false;
        return st->st_mode & (S_IWGRP | S_IWOTH);
}

static int file_insecurity(const char *path, const struct stat *st, char *buf, size_t size)
{
        _cleanup_free_ char *dir = NULL;
        struct stat dst;
        char *slash;

        if (stat_is_insecure(st, false)) {
                snprintf(buf, size, "file is writable by others than root (owner uid %u, mode %04o)",
                         (unsigned) st->st_uid, (unsigned) (st->st_mode & 07777));
                return 1;
        }
        dir = strdup(path);
        if (!dir)
                return -ENOMEM;
        slash = strrchr(dir, '/');
        if (!slash)
                strcpy(dir, ".");
        else if (slash == dir)
                slash[1] = '\0';
        else
                *slash = '\0';
        if (stat(dir, &dst) >= 0 && stat_is_insecure(&dst, true)) {
                snprintf(buf, size, "directory %s is writable by others than root (owner uid %u, mode %04o)", dir,
                         (unsigned) dst.st_uid, (unsigned) (dst.st_mode & 07777));
                return 1;
        }
        return 0;
}

/* Parse one file into c. Problems go to *problems; returns 0, or -ENOMEM. */
static int config_parse_file(Config *c, const char *path, bool must_exist, ConfigProblems *problems)
{
        _cleanup_close_ int fd = -1;
        _cleanup_fclose_ FILE *f = NULL;
        char why[PATH_MAX + 128];
        struct stat st;
        Parser p;
        int r;

        /* O_NONBLOCK: a FIFO planted in a drop-in directory must not hang us; fstat() rejects it below. */
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0) {
                if (errno == ENOENT && !must_exist)
                        return 0;
                return problem_add(problems, CONFIG_PROBLEM_ERROR, false, path, 0, "cannot open: %s",
                                   strerror(errno));
        }
        if (fstat(fd, &st) < 0)
                return problem_add(problems, CONFIG_PROBLEM_ERROR, false, path, 0, "cannot stat: %s",
                                   strerror(errno));
        if (is_dev_null(&st))
                return 0; /* masked */
        if (S_ISDIR(st.st_mode))
                return problem_add(problems, CONFIG_PROBLEM_ERROR, false, path, 0,
                                   "is a directory, not a configuration file, ignoring it");
        if (!S_ISREG(st.st_mode))
                return problem_add(problems, CONFIG_PROBLEM_ERROR, false, path, 0,
                                   "not a regular file, ignoring it");

        p = (Parser){ .config = c, .problems = problems, .path = path };
        r = file_insecurity(path, &st, why, sizeof why);
        if (r < 0)
                return r;
        p.insecure = r > 0;
        if (p.insecure) {
                r = problem_add(problems, CONFIG_PROBLEM_WARNING, false, path, 0,
                                "%s: nothing that loosens the policy is taken from it", why);
                if (r < 0)
                        return r;
        }

        f = fdopen(fd, "r");
        if (!f)
                return negative_errno();
        fd = -1; /* owned by f now */
        p.f = f;

        r = ini_parse_stream(config_reader, &p, config_handler, &p);
        free(p.buf);
        if (p.error < 0)
                return p.error;
        if (r == -2)
                return -ENOMEM;
        if (r > 0) {
                /* The reader screens out every line inih rejects; should one still get through, say where. */
                p.line = r;
                report(&p, false, "syntax error, ignoring the line");
        }
        return p.error;
}

typedef struct DropIn {
        char *name, *path;
} DropIn;

static int dropin_cmp(const void *a, const void *b)
{
        return strcmp(((const DropIn *) a)->name, ((const DropIn *) b)->name);
}

static bool dropin_is_masked(const char *path)
{
        char target[16];
        struct stat st;
        ssize_t n;

        n = readlink(path, target, sizeof target - 1);
        if (n >= 0) {
                target[n] = '\0';
                if (streq(target, "/dev/null"))
                        return true;
        }
        return stat(path, &st) >= 0 && is_dev_null(&st);
}

static int collect_dropins(const char *root, ConfigProblems *problems, DropIn **ret, size_t *ret_n)
{
        DropIn *list = NULL;
        size_t n = 0;
        int r = 0;

        for (size_t i = 0; i < ELEMENTSOF(dropin_dirs); i++) {
                _cleanup_free_ char *dir = NULL;
                _cleanup_closedir_ DIR *d = NULL;
                struct dirent *de;

                if (asprintf(&dir, "%s%s/" DROPIN_DIR_NAME, root, dropin_dirs[i]) < 0) {
                        dir = NULL;
                        r = -ENOMEM;
                        goto fail;
                }
                d = opendir(dir);
                if (!d) {
                        if (errno == ENOENT)
                                continue;
                        r = problem_add(problems, CONFIG_PROBLEM_ERROR, false, dir, 0,
                                        "cannot read drop-in directory: %s", strerror(errno));
                        if (r < 0)
                                goto fail;
                        continue;
                }
                while ((de = readdir(d))) {
                        size_t len = strlen(de->d_name);
                        bool shadowed = false;
                        DropIn *nl;

                        if (de->d_name[0] == '.' || len <= STRLEN(".conf") ||
                            !streq(de->d_name + len - STRLEN(".conf"), ".conf"))
                                continue;
                        /* Same basename: the directory listed earlier wins (and may mask). */
                        for (size_t j = 0; j < n && !shadowed; j++)
                                shadowed = streq(list[j].name, de->d_name);
                        if (shadowed)
                                continue;

                        nl = realloc(list, sizeof(DropIn) * (n + 1));
                        if (!nl) {
                                r = -ENOMEM;
                                goto fail;
                        }
                        list = nl;
                        list[n] = (DropIn){ .name = strdup(de->d_name) };
                        if (!list[n].name || asprintf(&list[n].path, "%s/%s", dir, de->d_name) < 0) {
                                free(list[n].name);
                                r = -ENOMEM;
                                goto fail;
                        }
                        n++;
                }
        }

        qsort(list, n, sizeof(DropIn), dropin_cmp);
        *ret = list;
        *ret_n = n;
        return 0;

fail:
        for (size_t j = 0; j < n; j++) {
                free(list[j].name);
                free(list[j].path);
        }
        free(list);
        return r;
}

int config_load(Config *c, const char *root, const char *explicit_file, ConfigProblems *problems)
{
        _cleanup_free_ char *main_path = NULL;
        DropIn *dropins = NULL;
        size_t n = 0;
        int r;

        if (problems)
                *problems = (ConfigProblems){};
        r = config_init_defaults(c);
        if (r < 0)
                return r;

        if (explicit_file)
                return config_parse_file(c, explicit_file, true, problems);

        root = strempty(root);
        if (asprintf(&main_path, "%s" CONFIG_FILE, root) < 0) {
                main_path = NULL;
                return -ENOMEM;
        }
        r = config_parse_file(c, main_path, false, problems);
        if (r < 0)
                return r;

        r = collect_dropins(root, problems, &dropins, &n);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                if (r >= 0 && !dropin_is_masked(dropins[i].path))
                        r = config_parse_file(c, dropins[i].path, false, problems);
                free(dropins[i].name);
                free(dropins[i].path);
        }
        free(dropins);
        return r < 0 ? r : 0;
}

/* ---- names ---- */

static const char *const guard_mode_table[_GUARD_MODE_MAX] = {
        [GUARD_MODE_ENFORCE] = "enforce",
        [GUARD_MODE_AUDIT] = "audit",
};

static const char *const kernel_enforcement_table[_KERNEL_ENFORCEMENT_MAX] = {
        [KERNEL_ENFORCEMENT_AUTO] = "auto",
        [KERNEL_ENFORCEMENT_NO] = "no",
};

static const char *const match_kind_table[_MATCH_KIND_MAX] = {
        [MATCH_ADDRESS] = "address",
        [MATCH_IDS] = "ids",
        [MATCH_MODALIAS] = "modalias",
};

static int lookup_ci(const char *const *table, int n, const char *s)
{
        if (!s)
                return -EINVAL;
        for (int i = 0; i < n; i++)
                if (table[i] && strcasecmp(table[i], s) == 0)
                        return i;
        return -EINVAL;
}

const char *guard_mode_to_string(GuardMode m)
{
        return m >= 0 && m < _GUARD_MODE_MAX ? guard_mode_table[m] : NULL;
}

GuardMode guard_mode_from_string(const char *s)
{
        return lookup_ci(guard_mode_table, _GUARD_MODE_MAX, s);
}

const char *kernel_enforcement_to_string(KernelEnforcement k)
{
        return k >= 0 && k < _KERNEL_ENFORCEMENT_MAX ? kernel_enforcement_table[k] : NULL;
}

KernelEnforcement kernel_enforcement_from_string(const char *s)
{
        return lookup_ci(kernel_enforcement_table, _KERNEL_ENFORCEMENT_MAX, s);
}

const char *match_kind_to_string(MatchKind k)
{
        return k >= 0 && k < _MATCH_KIND_MAX ? match_kind_table[k] : NULL;
}
