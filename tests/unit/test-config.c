/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Configuration: defaults, every key and value, bad input reported with file:line, the search path and its
 * precedence, masking, list accumulation, and the rule that a problem only ever makes the policy stricter.
 * Each test builds its own root directory (mkdtemp) and points config_load() at it.
 */
#include <check.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/config.h"
#include "shared/macro.h"
#include "shared/strv.h"

#define NOBODY 65534

static char root[64];

static void setup(void)
{
        snprintf(root, sizeof root, "/tmp/test-config-XXXXXX");
        ck_assert_ptr_nonnull(mkdtemp(root));
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        return remove(path);
}

static void teardown(void)
{
        nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void mkdir_parents(const char *path)
{
        char buf[PATH_MAX];

        snprintf(buf, sizeof buf, "%s", path);
        for (char *p = buf + 1; *p; p++)
                if (*p == '/') {
                        *p = '\0';
                        ck_assert(mkdir(buf, 0755) == 0 || errno == EEXIST);
                        *p = '/';
                }
}

/* Write ROOT/rel with the given mode; returns the full path in a static buffer (valid until the next call). */
static const char *write_file(const char *rel, mode_t mode, const char *content)
{
        static char path[PATH_MAX];
        FILE *f;

        snprintf(path, sizeof path, "%s%s", root, rel);
        mkdir_parents(path);
        f = fopen(path, "we");
        ck_assert_ptr_nonnull(f);
        ck_assert_int_ge(fputs(content, f), 0);
        ck_assert_int_eq(fclose(f), 0);
        ck_assert_int_eq(chmod(path, mode), 0);
        return path;
}

static void symlink_at(const char *target, const char *rel)
{
        char path[PATH_MAX];

        snprintf(path, sizeof path, "%s%s", root, rel);
        mkdir_parents(path);
        ck_assert_int_eq(symlink(target, path), 0);
}

static void load(Config *c, ConfigProblems *p)
{
        ck_assert_int_eq(config_load(c, root, NULL, p), 0);
}

static void load_main(Config *c, ConfigProblems *p, const char *content)
{
        write_file("/etc/vfio-guard.conf", 0644, content);
        load(c, p);
}

/* Is there a problem about ROOT-relative file rel (NULL: any) at line, whose message contains text? */
static const ConfigProblem *find_problem(const ConfigProblems *p, const char *rel, unsigned line, const char *text)
{
        char path[PATH_MAX];

        snprintf(path, sizeof path, "%s%s", root, strempty(rel));
        for (size_t i = 0; i < p->n; i++)
                if ((!rel || streq(p->items[i].file, path)) && p->items[i].line == line &&
                    strstr(p->items[i].message, text))
                        return &p->items[i];
        return NULL;
}

static void dump_problems(const ConfigProblems *p)
{
        for (size_t i = 0; i < p->n; i++)
                fprintf(stderr, "  problem: %s:%u: %s%s\n", p->items[i].file, p->items[i].line,
                        p->items[i].message, p->items[i].unhonoured ? " [unhonoured]" : "");
}

#define assert_problem(p, rel, line, text)                                                             \
        do {                                                                                          \
                if (!find_problem((p), (rel), (line), (text))) {                                      \
                        dump_problems(p);                                                             \
                        ck_abort_msg("no problem \"%s\" at %s:%u", (text), strna(rel), (unsigned) (line)); \
                }                                                                                     \
        } while (0)

#define assert_no_problems(p)                                                                          \
        do {                                                                                          \
                if ((p)->n > 0) {                                                                     \
                        dump_problems(p);                                                             \
                        ck_abort_msg("%zu unexpected problems", (p)->n);                              \
                }                                                                                     \
        } while (0)

static bool is_default(const Config *c)
{
        return c->mode == GUARD_MODE_ENFORCE && !c->unknown_allow && !c->noiommu_refuse && c->pin && c->reprobe &&
               strv_length(c->guarded_drivers) == 2 && streq(c->guarded_drivers[0], "*vfio*") &&
               streq(c->guarded_drivers[1], "vp-vdpa") && c->allow.n == 0 && c->deny.n == 0 &&
               c->kernel_enforcement == KERNEL_ENFORCEMENT_AUTO && !c->dt_bypass_property;
}

START_TEST(test_defaults)
{
        Config c;
        ConfigProblems p;

        ck_assert_int_eq(config_init_defaults(&c), 0);
        ck_assert(is_default(&c));
        ck_assert(config_driver_is_guarded(&c, "vfio-pci"));
        ck_assert(config_driver_is_guarded(&c, "vfio_pci"));
        ck_assert(config_driver_is_guarded(&c, "vp-vdpa"));
        ck_assert(!config_driver_is_guarded(&c, "virtio-pci"));
        ck_assert(!config_driver_is_guarded(&c, "uio_pci_generic"));
        ck_assert(!config_driver_is_guarded(&c, "igb_uio"));
        ck_assert(!config_driver_is_guarded(&c, ""));
        ck_assert(!config_driver_is_guarded(&c, NULL));
        ck_assert(!config_driver_is_guarded(NULL, "vfio-pci"));
        config_done(&c);
        config_done(&c); /* idempotent */

        /* An empty root: nothing to read, nothing to complain about. */
        load(&c, &p);
        ck_assert(is_default(&c));
        assert_no_problems(&p);
        config_done(&c);
        config_problems_done(&p);

        /* problems may be NULL. */
        write_file("/etc/vfio-guard.conf", 0644, "[Guard]\nBogus=1\n");
        ck_assert_int_eq(config_load(&c, root, NULL, NULL), 0);
        ck_assert(is_default(&c));
        config_done(&c);
}
END_TEST

START_TEST(test_every_key)
{
        Config c;
        ConfigProblems p;

        load_main(&c, &p,
                  "# every key, non-default values\n"
                  "[Guard]\n"
                  "Mode=audit\n"
                  "Unknown=allow\n"
                  "NoIOMMU=refuse\n"
                  "Pin=no\n"
                  "Reprobe=no\n"
                  "GuardedDrivers=uio_pci_generic igb_uio\n"
                  "Allow=0000:00:03.0 1af4:1042\n"
                  "Deny=pci:v00001AF4d00001041* 00:05.0\n"
                  "KernelEnforcement=no\n"
                  "[DeviceTree]\n"
                  "BypassProperty=linux,virtio-bypass\n");
        assert_no_problems(&p);
        ck_assert_int_eq(c.mode, GUARD_MODE_AUDIT);
        ck_assert(c.unknown_allow);
        ck_assert(c.noiommu_refuse);
        ck_assert(!c.pin);
        ck_assert(!c.reprobe);
        ck_assert_uint_eq(strv_length(c.guarded_drivers), 4);
        ck_assert(config_driver_is_guarded(&c, "uio_pci_generic"));
        ck_assert(config_driver_is_guarded(&c, "igb_uio"));
        ck_assert(config_driver_is_guarded(&c, "vfio-pci"));
        ck_assert_uint_eq(c.allow.n, 2);
        ck_assert_int_eq(c.allow.items[0].kind, MATCH_ADDRESS);
        ck_assert_str_eq(c.allow.items[0].text, "0000:00:03.0");
        ck_assert_int_eq(c.allow.items[1].kind, MATCH_IDS);
        ck_assert_uint_eq(c.allow.items[1].vendor, 0x1af4);
        ck_assert_uint_eq(c.allow.items[1].device, 0x1042);
        ck_assert_uint_eq(c.deny.n, 2);
        ck_assert_int_eq(c.deny.items[0].kind, MATCH_MODALIAS);
        ck_assert_int_eq(c.deny.items[1].kind, MATCH_ADDRESS);
        ck_assert_str_eq(c.deny.items[1].text, "0000:00:05.0"); /* bus-relative → domain 0000 */
        ck_assert_int_eq(c.kernel_enforcement, KERNEL_ENFORCEMENT_NO);
        ck_assert_str_eq(c.dt_bypass_property, "linux,virtio-bypass");
        config_done(&c);
        config_problems_done(&p);

        /* The default values written out, in other spellings, with spaces, indentation and comments. */
        load_main(&c, &p,
                  "; a comment\n"
                  "[Guard]\n"
                  "Mode = ENFORCE\n"
                  "  Unknown=Refuse\n"
                  "\tNoIOMMU=allow ; inline comment\n"
                  "Pin=TRUE\n"
                  "Reprobe=on\n"
                  "KernelEnforcement=Auto\n"
                  "\n"
                  "[DeviceTree]\n"
                  "BypassProperty=\n");
        assert_no_problems(&p);
        ck_assert(is_default(&c));
        config_done(&c);
        config_problems_done(&p);

        /* Every boolean spelling. */
        static const struct {
                const char *word;
                bool value;
        } booleans[] = {
                { "yes", true }, { "true", true }, { "1", true }, { "on", true }, { "Yes", true },
                { "no", false }, { "false", false }, { "0", false }, { "off", false }, { "OFF", false },
        };
        for (size_t i = 0; i < ELEMENTSOF(booleans); i++) {
                char text[128];

                snprintf(text, sizeof text, "[Guard]\nPin=%s\nReprobe=%s\n", booleans[i].word, booleans[i].word);
                load_main(&c, &p, text);
                assert_no_problems(&p);
                ck_assert_int_eq(c.pin, booleans[i].value);
                ck_assert_int_eq(c.reprobe, booleans[i].value);
                config_done(&c);
                config_problems_done(&p);
        }

        /* An empty value puts a single-valued key back to its default. */
        write_file("/etc/vfio-guard.conf.d/10-set.conf", 0644,
                   "[Guard]\nMode=audit\nUnknown=allow\nNoIOMMU=refuse\nPin=no\nReprobe=no\nKernelEnforcement=no\n");
        write_file("/etc/vfio-guard.conf.d/20-reset.conf", 0644,
                   "[Guard]\nMode=\nUnknown=\nNoIOMMU=\nPin=\nReprobe=\nKernelEnforcement=\n");
        load_main(&c, &p, "");
        assert_no_problems(&p);
        ck_assert(is_default(&c));
        config_done(&c);
        config_problems_done(&p);
}
END_TEST

START_TEST(test_bad_values)
{
        Config c;
        ConfigProblems p;
        const ConfigProblem *q;

        /* Each bad value is reported at its line and leaves the value before it in place. */
        load_main(&c, &p,
                  "[Guard]\n"
                  "Mode=audit\n"
                  "Mode=permissive\n"          /* 3 */
                  "Unknown=maybe\n"            /* 4 */
                  "NoIOMMU=refuse\n"
                  "NoIOMMU=deny\n"             /* 6 */
                  "Pin=perhaps\n"              /* 7 */
                  "Reprobe=2\n"                /* 8 */
                  "KernelEnforcement=yes\n"    /* 9 */
                  "GuardedDrivers=ok ../x\n"   /* 10 */
                  "[DeviceTree]\n"
                  "BypassProperty=no spaces allowed\n"                 /* 12 */
                  "BypassProperty=a-property-name-longer-than-31-chars\n" /* 13 */
                  "BypassProperty=good,name\n");
        ck_assert_int_eq(c.mode, GUARD_MODE_AUDIT);
        ck_assert(!c.unknown_allow);
        ck_assert(c.noiommu_refuse);
        ck_assert(c.pin);
        ck_assert(c.reprobe);
        ck_assert_int_eq(c.kernel_enforcement, KERNEL_ENFORCEMENT_AUTO);
        ck_assert_uint_eq(strv_length(c.guarded_drivers), 3);
        ck_assert_str_eq(c.guarded_drivers[2], "ok");
        ck_assert_str_eq(c.dt_bypass_property, "good,name");
        assert_problem(&p, "/etc/vfio-guard.conf", 3, "Mode=permissive");
        assert_problem(&p, "/etc/vfio-guard.conf", 4, "Unknown=maybe");
        assert_problem(&p, "/etc/vfio-guard.conf", 6, "NoIOMMU=deny");
        assert_problem(&p, "/etc/vfio-guard.conf", 7, "Pin=perhaps");
        assert_problem(&p, "/etc/vfio-guard.conf", 8, "Reprobe=2");
        assert_problem(&p, "/etc/vfio-guard.conf", 9, "KernelEnforcement=yes");
        assert_problem(&p, "/etc/vfio-guard.conf", 10, "../x");
        q = find_problem(&p, "/etc/vfio-guard.conf", 12, "BypassProperty=no spaces");
        ck_assert_ptr_nonnull(q);
        ck_assert(!q->unhonoured);
        assert_problem(&p, "/etc/vfio-guard.conf", 13, "BypassProperty=a-property");
        ck_assert_uint_eq(p.n, 9);
        for (size_t i = 0; i < p.n; i++)
                ck_assert_int_eq(p.items[i].level, CONFIG_PROBLEM_WARNING);
        config_done(&c);
        config_problems_done(&p);
}
END_TEST

START_TEST(test_bad_lines)
{
        Config c;
        ConfigProblems p;
        const ConfigProblem *q;
        char text[4096], long_line[400];

        memset(long_line, 'x', sizeof long_line - 1);
        long_line[sizeof long_line - 1] = '\0';
        memcpy(long_line, "Deny=", 5);

        snprintf(text, sizeof text,
                 "Mode=audit\n"                                 /* 1: outside any section */
                 "[Guard]\n"                                    /* 2 */
                 "Mode\n"                                       /* 3: no '=' */
                 "   garbage here\n"                            /* 4 */
                 "[Broken\n"                                    /* 5 */
                 "Frobnicate=yes\n"                             /* 6: unknown key */
                 "Allow:0000:00:07.0\n"                         /* 7: ':' is not '=' */
                 "deny=1af4:1041\n"                             /* 8: keys are case-sensitive */
                 "[Gaurd]\n"                                    /* 9: unknown section */
                 "Mode=audit\n"                                 /* 10: ignored with it */
                 "[Guard]\n"                                    /* 11 */
                 "Deny=1af4:1041 bogus 0000:00:05.0\n"          /* 12: one bad entry */
                 "Allow=nonsense 1af4:1042 0000:00:1f.8\n"      /* 13: two bad entries */
                 "Unknown=allow\n"                              /* 14: fine */
                 "%s\n"                                         /* 15: too long */
                 "Pin=no\n",                                    /* 16: fine */
                 long_line);
        write_file("/etc/vfio-guard.conf", 0644, text);
        /* A NUL byte on line 2, and no newline at the end of the file. */
        {
                static const char nul[] = "[Guard]\nDeny=1af4:1043\0junk\nDeny=1af4:1044";
                char path[PATH_MAX];
                FILE *f;

                snprintf(path, sizeof path, "%s/etc/vfio-guard.conf.d/50-nul.conf", root);
                mkdir_parents(path);
                f = fopen(path, "we");
                ck_assert_ptr_nonnull(f);
                ck_assert_uint_eq(fwrite(nul, 1, sizeof nul - 1, f), sizeof nul - 1);
                fclose(f);
        }
        load(&c, &p);

        assert_problem(&p, "/etc/vfio-guard.conf", 1, "outside of any section");
        assert_problem(&p, "/etc/vfio-guard.conf", 3, "not a Key=Value");
        assert_problem(&p, "/etc/vfio-guard.conf", 4, "not a Key=Value");
        assert_problem(&p, "/etc/vfio-guard.conf", 5, "without ']'");
        assert_problem(&p, "/etc/vfio-guard.conf", 6, "unknown key Frobnicate=");
        assert_problem(&p, "/etc/vfio-guard.conf", 7, "not a Key=Value");
        assert_problem(&p, "/etc/vfio-guard.conf", 8, "case-sensitive");
        assert_problem(&p, "/etc/vfio-guard.conf", 9, "unknown section [Gaurd]");
        q = find_problem(&p, "/etc/vfio-guard.conf", 12, "\"bogus\"");
        ck_assert_ptr_nonnull(q);
        ck_assert(q->unhonoured);
        ck_assert_ptr_nonnull(strstr(q->message, "CANNOT BE HONOURED"));
        q = find_problem(&p, "/etc/vfio-guard.conf", 13, "\"nonsense\"");
        ck_assert_ptr_nonnull(q);
        ck_assert(!q->unhonoured);
        assert_problem(&p, "/etc/vfio-guard.conf", 13, "\"0000:00:1f.8\"");
        assert_problem(&p, "/etc/vfio-guard.conf", 15, "longer than");
        assert_problem(&p, "/etc/vfio-guard.conf.d/50-nul.conf", 2, "NUL");
        ck_assert_uint_eq(p.n, 13);

        /* What was good still counts; what was bad changed nothing. */
        ck_assert_int_eq(c.mode, GUARD_MODE_ENFORCE);
        ck_assert(c.unknown_allow);
        ck_assert(!c.pin);
        ck_assert_uint_eq(c.deny.n, 3);
        ck_assert_str_eq(c.deny.items[0].text, "1af4:1041");
        ck_assert_str_eq(c.deny.items[1].text, "0000:00:05.0");
        ck_assert_str_eq(c.deny.items[2].text, "1af4:1044");
        ck_assert_uint_eq(c.allow.n, 1);
        ck_assert_str_eq(c.allow.items[0].text, "1af4:1042");
        config_done(&c);
        config_problems_done(&p);
}
END_TEST

START_TEST(test_empty_and_unreadable)
{
        Config c;
        ConfigProblems p;
        char path[PATH_MAX];

        /* Empty, and comments only: fine. */
        load_main(&c, &p, "");
        assert_no_problems(&p);
        ck_assert(is_default(&c));
        config_done(&c);
        config_problems_done(&p);
        load_main(&c, &p, "# nothing\n\n;\n[Guard]\n");
        assert_no_problems(&p);
        ck_assert(is_default(&c));
        config_done(&c);
        config_problems_done(&p);

        /* The main file is a directory: an error about the whole file. */
        teardown();
        setup();
        snprintf(path, sizeof path, "%s/etc/vfio-guard.conf/x", root);
        mkdir_parents(path);
        load(&c, &p);
        ck_assert(is_default(&c));
        ck_assert_uint_eq(p.n, 1);
        assert_problem(&p, "/etc/vfio-guard.conf", 0, "directory");
        ck_assert_int_eq(p.items[0].level, CONFIG_PROBLEM_ERROR);
        config_done(&c);
        config_problems_done(&p);

        /* A drop-in that is a directory, a FIFO (must not hang), a drop-in directory that is a file. */
        snprintf(path, sizeof path, "%s/run/vfio-guard.conf.d/10-dir.conf/x", root);
        mkdir_parents(path);
        snprintf(path, sizeof path, "%s/run/vfio-guard.conf.d/20-fifo.conf", root);
        ck_assert_int_eq(mkfifo(path, 0644), 0);
        write_file("/usr/lib/vfio-guard.conf.d", 0644, "not a directory\n");
        write_file("/usr/local/lib/vfio-guard.conf.d/30-ok.conf", 0644, "[Guard]\nDeny=1af4:1041\n");
        load(&c, &p);
        assert_problem(&p, "/run/vfio-guard.conf.d/10-dir.conf", 0, "directory");
        assert_problem(&p, "/run/vfio-guard.conf.d/20-fifo.conf", 0, "not a regular file");
        assert_problem(&p, "/usr/lib/vfio-guard.conf.d", 0, "cannot read drop-in directory");
        ck_assert_uint_eq(c.deny.n, 1); /* the rest was read */
        config_done(&c);
        config_problems_done(&p);

        /* An unreadable file (permissions only bind a non-root reader). */
        if (geteuid() != 0) {
                write_file("/run/vfio-guard.conf.d/40-secret.conf", 0000, "[Guard]\n");
                load(&c, &p);
                assert_problem(&p, "/run/vfio-guard.conf.d/40-secret.conf", 0, "cannot open");
                config_done(&c);
                config_problems_done(&p);
        }
}
END_TEST

START_TEST(test_precedence)
{
        Config c;
        ConfigProblems p;

        /* The main file comes first, every drop-in after it. */
        write_file("/etc/vfio-guard.conf", 0644, "[Guard]\nMode=audit\nReprobe=no\n");
        /* Same basename in several directories: /etc beats /run beats /usr/local/lib beats /usr/lib. */
        write_file("/usr/lib/vfio-guard.conf.d/10-same.conf", 0644, "[Guard]\nDeny=0000:00:0a.0\n");
        write_file("/usr/local/lib/vfio-guard.conf.d/10-same.conf", 0644, "[Guard]\nDeny=0000:00:0b.0\n");
        write_file("/run/vfio-guard.conf.d/10-same.conf", 0644, "[Guard]\nDeny=0000:00:0c.0\n");
        write_file("/etc/vfio-guard.conf.d/10-same.conf", 0644, "[Guard]\nDeny=0000:00:0d.0\n");
        write_file("/usr/lib/vfio-guard.conf.d/11-lib.conf", 0644, "[Guard]\nDeny=0000:00:0e.0\n");
        write_file("/usr/local/lib/vfio-guard.conf.d/12-local.conf", 0644, "[Guard]\nDeny=0000:00:0f.0\n");
        write_file("/run/vfio-guard.conf.d/13-run.conf", 0644, "[Guard]\nDeny=0000:00:10.0\n");
        write_file("/run/vfio-guard.conf.d/20-same.conf", 0644, "[Guard]\nDeny=0000:00:11.0\n");
        write_file("/usr/lib/vfio-guard.conf.d/20-same.conf", 0644, "[Guard]\nDeny=0000:00:12.0\n");
        /* Lexical order of basenames, not of directories: /usr/lib's 90 comes after /etc's 50. */
        write_file("/etc/vfio-guard.conf.d/50-etc.conf", 0644, "[Guard]\nMode=audit\nUnknown=allow\n");
        write_file("/usr/lib/vfio-guard.conf.d/90-lib.conf", 0644, "[Guard]\nMode=enforce\nUnknown=refuse\n");
        write_file("/run/vfio-guard.conf.d/05-run.conf", 0644, "[Guard]\nNoIOMMU=refuse\n");
        write_file("/usr/lib/vfio-guard.conf.d/60-lib.conf", 0644, "[Guard]\nNoIOMMU=allow\n");
        /* Not drop-ins: other suffixes, hidden files. */
        write_file("/etc/vfio-guard.conf.d/README", 0644, "Mode=audit\n");
        write_file("/etc/vfio-guard.conf.d/99-x.conf~", 0644, "[Guard]\nMode=audit\n");
        write_file("/etc/vfio-guard.conf.d/99-x.conf.bak", 0644, "[Guard]\nMode=audit\n");
        write_file("/etc/vfio-guard.conf.d/.99-hidden.conf", 0644, "[Guard]\nMode=audit\n");
        write_file("/etc/vfio-guard.conf.d/.conf", 0644, "[Guard]\nMode=audit\n");
        /* A drop-in directory only under /etc for vfio-guard.conf itself: /run/vfio-guard.conf is not read. */
        write_file("/run/vfio-guard.conf", 0644, "[Guard]\nMode=audit\n");

        load(&c, &p);
        assert_no_problems(&p);
        ck_assert_int_eq(c.mode, GUARD_MODE_ENFORCE);
        ck_assert(!c.unknown_allow);
        ck_assert(!c.noiommu_refuse);
        ck_assert(!c.reprobe);
        ck_assert_uint_eq(c.deny.n, 5);
        ck_assert_str_eq(c.deny.items[0].text, "0000:00:0d.0"); /* 10-same.conf from /etc */
        ck_assert_str_eq(c.deny.items[1].text, "0000:00:0e.0"); /* 11 */
        ck_assert_str_eq(c.deny.items[2].text, "0000:00:0f.0"); /* 12 */
        ck_assert_str_eq(c.deny.items[3].text, "0000:00:10.0"); /* 13 */
        ck_assert_str_eq(c.deny.items[4].text, "0000:00:11.0"); /* 20-same.conf from /run */
        config_done(&c);
        config_problems_done(&p);
}
END_TEST

START_TEST(test_masking)
{
        Config c;
        ConfigProblems p;

        write_file("/usr/lib/vfio-guard.conf.d/10-vendor.conf", 0644, "[Guard]\nMode=audit\nDeny=1af4:1041\n");
        write_file("/usr/lib/vfio-guard.conf.d/20-vendor.conf", 0644, "[Guard]\nUnknown=allow\n");
        write_file("/usr/local/lib/vfio-guard.conf.d/30-local.conf", 0644, "[Guard]\nPin=no\n");
        load(&c, &p);
        ck_assert_int_eq(c.mode, GUARD_MODE_AUDIT);
        ck_assert(c.unknown_allow);
        ck_assert(!c.pin);
        config_done(&c);
        config_problems_done(&p);

        /* Masked from /etc and from /run; /run's mask also hides a lower directory's file. */
        symlink_at("/dev/null", "/etc/vfio-guard.conf.d/10-vendor.conf");
        symlink_at("/dev/null", "/run/vfio-guard.conf.d/20-vendor.conf");
        symlink_at("/dev/null", "/run/vfio-guard.conf.d/30-local.conf");
        /* A symlink to a real file is followed. */
        write_file("/srv/real.conf", 0644, "[Guard]\nReprobe=no\n");
        {
                char target[PATH_MAX];

                snprintf(target, sizeof target, "%s/srv/real.conf", root);
                symlink_at(target, "/etc/vfio-guard.conf.d/40-link.conf");
        }
        /* A main file linked to /dev/null is simply empty. */
        symlink_at("/dev/null", "/etc/vfio-guard.conf");
        load(&c, &p);
        assert_no_problems(&p);
        ck_assert_int_eq(c.mode, GUARD_MODE_ENFORCE);
        ck_assert(!c.unknown_allow);
        ck_assert(c.pin);
        ck_assert(!c.reprobe);
        ck_assert_uint_eq(c.deny.n, 0);
        config_done(&c);
        config_problems_done(&p);
}
END_TEST

START_TEST(test_lists)
{
        Config c;
        ConfigProblems p;

        write_file("/etc/vfio-guard.conf", 0644,
                   "[Guard]\nAllow=0000:00:03.0\nDeny=1af4:1041\nGuardedDrivers=uio_pci_generic\n");
        write_file("/usr/lib/vfio-guard.conf.d/10-a.conf", 0644,
                   "[Guard]\nAllow=0000:00:04.0 0000:00:05.0\nAllow=1af4:1042\nDeny=1af4:1043\n");
        load(&c, &p);
        assert_no_problems(&p);
        ck_assert_uint_eq(c.allow.n, 4);
        ck_assert_str_eq(c.allow.items[0].text, "0000:00:03.0");
        ck_assert_str_eq(c.allow.items[1].text, "0000:00:04.0");
        ck_assert_str_eq(c.allow.items[2].text, "0000:00:05.0");
        ck_assert_str_eq(c.allow.items[3].text, "1af4:1042");
        ck_assert_uint_eq(c.deny.n, 2);
        ck_assert_uint_eq(strv_length(c.guarded_drivers), 3);
        config_done(&c);
        config_problems_done(&p);

        /* An empty assignment clears what came before, in this file and in earlier ones. */
        write_file("/usr/lib/vfio-guard.conf.d/20-b.conf", 0644,
                   "[Guard]\nAllow=\nAllow=0000:00:06.0\nDeny=\nDeny=1af4:1044\nGuardedDrivers=\n"
                   "GuardedDrivers=vfio-pci vfio-pci\n");
        load(&c, &p);
        assert_no_problems(&p);
        ck_assert_uint_eq(c.allow.n, 1);
        ck_assert_str_eq(c.allow.items[0].text, "0000:00:06.0");
        ck_assert_uint_eq(c.deny.n, 1);
        ck_assert_str_eq(c.deny.items[0].text, "1af4:1044");
        ck_assert_uint_eq(strv_length(c.guarded_drivers), 1); /* duplicates collapse */
        ck_assert(config_driver_is_guarded(&c, "vfio-pci"));
        ck_assert(!config_driver_is_guarded(&c, "vp-vdpa"));
        config_done(&c);
        config_problems_done(&p);

        /* Guarding nothing at all is possible from a trusted file. */
        write_file("/usr/lib/vfio-guard.conf.d/30-c.conf", 0644, "[Guard]\nGuardedDrivers=\n");
        load(&c, &p);
        assert_no_problems(&p);
        ck_assert_ptr_null(c.guarded_drivers);
        ck_assert(!config_driver_is_guarded(&c, "vfio-pci"));
        config_done(&c);
        config_problems_done(&p);
}
END_TEST

/* The strict baseline a trusted file sets, and checks that it is still in force. */
static const char strict_baseline[] =
        "[Guard]\n"
        "Mode=enforce\n"
        "Unknown=refuse\n"
        "NoIOMMU=refuse\n"
        "Pin=yes\n"
        "Deny=1af4:1041\n"
        "GuardedDrivers=uio_pci_generic\n"
        "KernelEnforcement=auto\n"
        "[DeviceTree]\n"
        "BypassProperty=linux,bypass\n";

static void assert_strict(const Config *c)
{
        ck_assert_int_eq(c->mode, GUARD_MODE_ENFORCE);
        ck_assert(!c->unknown_allow);
        ck_assert(c->noiommu_refuse);
        ck_assert(c->pin);
        ck_assert_uint_eq(c->allow.n, 0);
        ck_assert_uint_eq(c->deny.n, 1);
        ck_assert_uint_eq(strv_length(c->guarded_drivers), 3);
        ck_assert_int_eq(c->kernel_enforcement, KERNEL_ENFORCEMENT_AUTO);
        ck_assert_str_eq(strempty(c->dt_bypass_property), "linux,bypass");
}

typedef enum Insecurity {
        INSECURE_WORLD_WRITABLE,
        INSECURE_GROUP_WRITABLE,
        INSECURE_OWNER,          /* chown nobody: only when running as root */
        INSECURE_DIRECTORY,      /* the drop-in directory is world-writable */
        _INSECURE_MAX,
} Insecurity;

static const char *const loosening[] = {
        "[Guard]\nAllow=0000:00:03.0\n",
        "[Guard]\nAllow=1af4:1041 pci:v*\n",
        "[Guard]\nMode=audit\n",
        "[Guard]\nMode=AUDIT\n",
        "[Guard]\nUnknown=allow\n",
        "[Guard]\nNoIOMMU=allow\n",
        "[Guard]\nNoIOMMU=\n",           /* back to the default, allow */
        "[Guard]\nPin=no\n",
        "[Guard]\nPin=0\n",
        "[Guard]\nKernelEnforcement=no\n",
        "[Guard]\nDeny=\n",
        "[Guard]\nGuardedDrivers=\n",
        "[DeviceTree]\nBypassProperty=\n",
};

START_TEST(test_insecure_loosening)
{
        Insecurity how = _i;

        if (how == INSECURE_OWNER && geteuid() != 0)
                return; /* cannot give a file away without root */

        for (size_t i = 0; i < ELEMENTSOF(loosening); i++) {
                const char *rel = "/etc/vfio-guard.conf.d/50-insecure.conf";
                char path[PATH_MAX], dir[PATH_MAX];
                Config c;
                ConfigProblems p;

                teardown();
                setup();
                write_file("/etc/vfio-guard.conf", 0644, strict_baseline);
                snprintf(path, sizeof path, "%s", write_file(rel, 0644, loosening[i]));
                snprintf(dir, sizeof dir, "%s/etc/vfio-guard.conf.d", root);

                /* From a trusted file each of these does loosen the policy (else the test proves nothing). */
                load(&c, &p);
                assert_no_problems(&p);
                ck_assert_msg(c.mode != GUARD_MODE_ENFORCE || c.unknown_allow || !c.noiommu_refuse || !c.pin ||
                                      c.allow.n > 0 || c.deny.n == 0 || strv_length(c.guarded_drivers) == 0 ||
                                      c.kernel_enforcement != KERNEL_ENFORCEMENT_AUTO || !c.dt_bypass_property,
                              "\"%s\" does not loosen anything", loosening[i]);
                config_done(&c);
                config_problems_done(&p);

                switch (how) {
                case INSECURE_WORLD_WRITABLE:
                        ck_assert_int_eq(chmod(path, 0666), 0);
                        break;
                case INSECURE_GROUP_WRITABLE:
                        ck_assert_int_eq(chmod(path, 0664), 0);
                        break;
                case INSECURE_OWNER:
                        ck_assert_int_eq(chown(path, NOBODY, NOBODY), 0);
                        break;
                case INSECURE_DIRECTORY:
                        ck_assert_int_eq(chmod(dir, 0777), 0);
                        break;
                default:
                        ck_abort();
                }

                load(&c, &p);
                assert_strict(&c);
                assert_problem(&p, rel, 0, "writable by others than root");
                assert_problem(&p, rel, 2, "would loosen the policy");
                ck_assert_uint_eq(p.n, 2);
                config_done(&c);
                config_problems_done(&p);
        }
}
END_TEST

START_TEST(test_insecure_tightening)
{
        const char *rel = "/etc/vfio-guard.conf.d/50-insecure.conf";
        const char *path;
        Config c;
        ConfigProblems p;

        /* From an insecure file, everything that tightens still applies, line by line. */
        write_file("/etc/vfio-guard.conf", 0644,
                   "[Guard]\nMode=audit\nUnknown=allow\nPin=no\nAllow=0000:00:03.0\nKernelEnforcement=no\n"
                   "GuardedDrivers=\n");
        path = write_file(rel, 0666,
                          "[Guard]\n"
                          "Mode=enforce\n"                 /* 2 */
                          "Unknown=refuse\n"               /* 3 */
                          "NoIOMMU=refuse\n"               /* 4 */
                          "Pin=yes\n"                      /* 5 */
                          "Allow=\n"                       /* 6: clearing Allow= tightens */
                          "Allow=0000:00:04.0\n"           /* 7: loosens, skipped */
                          "Deny=1af4:1041 bogus\n"         /* 8 */
                          "GuardedDrivers=*vfio*\n"        /* 9 */
                          "KernelEnforcement=auto\n"       /* 10 */
                          "Reprobe=no\n"                   /* 11: neutral */
                          "Mode=audit\n"                   /* 12: skipped */
                          "[DeviceTree]\n"
                          "BypassProperty=linux,bypass\n"); /* 14 */
        if (geteuid() == 0)
                ck_assert_int_eq(chown(path, NOBODY, 0), 0);
        load(&c, &p);
        ck_assert_int_eq(c.mode, GUARD_MODE_ENFORCE);
        ck_assert(!c.unknown_allow);
        ck_assert(c.noiommu_refuse);
        ck_assert(c.pin);
        ck_assert_uint_eq(c.allow.n, 0);
        ck_assert_uint_eq(c.deny.n, 1);
        ck_assert(config_driver_is_guarded(&c, "vfio-pci"));
        ck_assert_int_eq(c.kernel_enforcement, KERNEL_ENFORCEMENT_AUTO);
        ck_assert(!c.reprobe);
        ck_assert_str_eq(c.dt_bypass_property, "linux,bypass");
        assert_problem(&p, rel, 0, "nothing that loosens the policy is taken from it");
        assert_problem(&p, rel, 7, "Allow=0000:00:04.0 would loosen");
        assert_problem(&p, rel, 8, "\"bogus\"");
        assert_problem(&p, rel, 12, "Mode=audit would loosen");
        ck_assert_uint_eq(p.n, 4);
        config_done(&c);
        config_problems_done(&p);
}
END_TEST

START_TEST(test_secure_cases)
{
        Config c;
        ConfigProblems p;
        char dir[PATH_MAX], file[PATH_MAX];

        /* Read-only for others, owned by us: trusted. A world-writable directory with the sticky bit (like
         * /tmp) does not let others replace our file: trusted too. */
        snprintf(dir, sizeof dir, "%s/sticky", root);
        ck_assert_int_eq(mkdir(dir, 0755), 0);
        ck_assert_int_eq(chmod(dir, 01777), 0);
        snprintf(file, sizeof file, "%s/sticky/x.conf", root);
        write_file("/sticky/x.conf", 0600, "[Guard]\nMode=audit\n");
        ck_assert_int_eq(config_load(&c, NULL, file, &p), 0);
        assert_no_problems(&p);
        ck_assert_int_eq(c.mode, GUARD_MODE_AUDIT);
        config_done(&c);
        config_problems_done(&p);

        /* The same directory without the sticky bit is not. */
        ck_assert_int_eq(chmod(dir, 0777), 0);
        ck_assert_int_eq(config_load(&c, NULL, file, &p), 0);
        ck_assert_int_eq(c.mode, GUARD_MODE_ENFORCE);
        assert_problem(&p, "/sticky/x.conf", 0, "directory");
        assert_problem(&p, "/sticky/x.conf", 2, "Mode=audit would loosen");
        config_done(&c);
        config_problems_done(&p);
}
END_TEST

START_TEST(test_explicit_file)
{
        Config c;
        ConfigProblems p;
        char path[PATH_MAX];

        write_file("/etc/vfio-guard.conf", 0644, "[Guard]\nMode=audit\n");
        write_file("/etc/vfio-guard.conf.d/10-a.conf", 0644, "[Guard]\nDeny=1af4:1041\n");
        snprintf(path, sizeof path, "%s", write_file("/home/me/test.conf", 0644, "[Guard]\nNoIOMMU=refuse\n"));

        /* That file alone, whatever the root holds. */
        ck_assert_int_eq(config_load(&c, root, path, &p), 0);
        assert_no_problems(&p);
        ck_assert_int_eq(c.mode, GUARD_MODE_ENFORCE);
        ck_assert(c.noiommu_refuse);
        ck_assert_uint_eq(c.deny.n, 0);
        config_done(&c);
        config_problems_done(&p);

        /* Named but missing: an error (the default search path would stay quiet). */
        snprintf(path, sizeof path, "%s/home/me/missing.conf", root);
        ck_assert_int_eq(config_load(&c, root, path, &p), 0);
        ck_assert(is_default(&c));
        ck_assert_uint_eq(p.n, 1);
        ck_assert_int_eq(p.items[0].level, CONFIG_PROBLEM_ERROR);
        assert_problem(&p, "/home/me/missing.conf", 0, "cannot open");
        config_done(&c);
        config_problems_done(&p);

        /* Named, and a directory. */
        snprintf(path, sizeof path, "%s/home/me", root);
        ck_assert_int_eq(config_load(&c, root, path, &p), 0);
        ck_assert(is_default(&c));
        assert_problem(&p, "/home/me", 0, "directory");
        config_done(&c);
        config_problems_done(&p);

        /* Named, world-writable: the same rule as everywhere. */
        snprintf(path, sizeof path, "%s", write_file("/home/me/open.conf", 0666, "[Guard]\nUnknown=allow\n"));
        ck_assert_int_eq(config_load(&c, root, path, &p), 0);
        ck_assert(!c.unknown_allow);
        assert_problem(&p, "/home/me/open.conf", 2, "Unknown=allow would loosen");
        config_done(&c);
        config_problems_done(&p);
}
END_TEST

START_TEST(test_match_parse)
{
        static const struct {
                const char *in;
                MatchKind kind;
                const char *text;
        } good[] = {
                { "0000:00:03.0", MATCH_ADDRESS, "0000:00:03.0" },
                { "00:03.0", MATCH_ADDRESS, "0000:00:03.0" },
                { "0000:AF:1F.7", MATCH_ADDRESS, "0000:af:1f.7" },
                { "10000:00:00.0", MATCH_ADDRESS, "10000:00:00.0" }, /* VMD domains have five digits */
                { "1af4:1041", MATCH_IDS, "1af4:1041" },
                { "1AF4:1041", MATCH_IDS, "1af4:1041" },
                { "pci:v00001AF4d00001041*", MATCH_MODALIAS, "pci:v00001AF4d00001041*" },
                { "PCI:v*", MATCH_MODALIAS, "PCI:v*" },
                { "pci:*", MATCH_MODALIAS, "pci:*" },
        };
        static const char *const bad[] = {
                "", "0000:00:03", "0000:00:20.0", "0000:00:03.8", "000:00:03.0", "0:00:03.0",
                "123456789:00:03.0", "0000:0:03.0", "0000:000:03.0", "0000:00:3.0", "0000:00:03.0x",
                "0000:00:03.", "g000:00:03.0", "0000-00-03.0", "1af4:104", "1af4:10411", "1af4:", ":1041",
                "1af4-1041", "1af4:104g", "xyz", "pci:", "pcix", "v00001AF4d00001041*", "pci:v\x01", "pci:v *",
                "0000:00:03.0 ",
        };
        Match m;

        for (size_t i = 0; i < ELEMENTSOF(good); i++) {
                ck_assert_msg(match_parse(good[i].in, &m) == 0, "%s", good[i].in);
                ck_assert_int_eq(m.kind, good[i].kind);
                ck_assert_str_eq(m.text, good[i].text);
                if (m.kind == MATCH_IDS) {
                        ck_assert_uint_eq(m.vendor, 0x1af4);
                        ck_assert_uint_eq(m.device, 0x1041);
                }
                match_done(&m);
                ck_assert_ptr_null(m.text);
        }
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                ck_assert_msg(match_parse(bad[i], &m) == -EINVAL, "\"%s\" accepted", bad[i]);
        ck_assert_int_eq(match_parse(NULL, &m), -EINVAL);
        match_done(NULL);
}
END_TEST

START_TEST(test_match_list)
{
        static const char modalias[] = "pci:v00001AF4d00001041sv00001AF4sd00001100bc02sc00i00";
        const char *entries[] = { "00:03.0", "1af4:1042", "pci:v00001af4d00001043*", "0001:00:04.0" };
        MatchList l = {};
        Match m;

        ck_assert(!match_list_matches(&l, "0000:00:03.0", 0x1af4, 0x1041, modalias));
        ck_assert(!match_list_matches(NULL, "0000:00:03.0", 0x1af4, 0x1041, modalias));

        l.items = calloc(ELEMENTSOF(entries), sizeof(Match));
        ck_assert_ptr_nonnull(l.items);
        for (size_t i = 0; i < ELEMENTSOF(entries); i++) {
                ck_assert_int_eq(match_parse(entries[i], &m), 0);
                l.items[l.n++] = m;
        }

        /* Address: numeric comparison, any case, bus-relative entry = domain 0. */
        ck_assert(match_list_matches(&l, "0000:00:03.0", 0x8086, 0x1234, NULL));
        ck_assert(match_list_matches(&l, "0000:00:03.0", 0, 0, ""));
        ck_assert(!match_list_matches(&l, "0000:00:03.1", 0x8086, 0x1234, NULL));
        ck_assert(!match_list_matches(&l, "0002:00:03.0", 0x8086, 0x1234, NULL));
        ck_assert(match_list_matches(&l, "0001:00:04.0", 0x8086, 0x1234, NULL));
        ck_assert(!match_list_matches(&l, "0000:00:04.0", 0x8086, 0x1234, NULL));
        ck_assert(!match_list_matches(&l, NULL, 0x8086, 0x1234, NULL));
        ck_assert(!match_list_matches(&l, "garbage", 0x8086, 0x1234, NULL));
        /* IDs. */
        ck_assert(match_list_matches(&l, "0000:00:09.0", 0x1af4, 0x1042, NULL));
        ck_assert(!match_list_matches(&l, "0000:00:09.0", 0x1af4, 0x1041, NULL));
        ck_assert(!match_list_matches(&l, "0000:00:09.0", 0x1042, 0x1af4, NULL));
        /* Modalias glob, case-insensitive. */
        ck_assert(match_list_matches(&l, "0000:00:09.0", 0, 0,
                                     "pci:v00001AF4d00001043sv00001AF4sd00001100bc01sc00i00"));
        ck_assert(!match_list_matches(&l, "0000:00:09.0", 0, 0, modalias));
        ck_assert(!match_list_matches(&l, "0000:00:09.0", 0, 0, NULL));

        for (size_t i = 0; i < l.n; i++)
                match_done(&l.items[i]);
        free(l.items);
}
END_TEST

START_TEST(test_guarded_drivers)
{
        Config c;
        ConfigProblems p;

        load_main(&c, &p, "[Guard]\nGuardedDrivers=\nGuardedDrivers=uio_* vfio-pci ?gb_uio\n");
        assert_no_problems(&p);
        ck_assert(config_driver_is_guarded(&c, "uio_pci_generic"));
        ck_assert(config_driver_is_guarded(&c, "vfio-pci"));
        ck_assert(config_driver_is_guarded(&c, "igb_uio"));
        ck_assert(!config_driver_is_guarded(&c, "vfio_pci"));
        ck_assert(!config_driver_is_guarded(&c, "vp-vdpa"));
        ck_assert(!config_driver_is_guarded(&c, "virtio-pci"));
        config_done(&c);
        config_problems_done(&p);
}
END_TEST

/* The shipped conf/vfio-guard.conf: clean as shipped, and every commented-out key, uncommented with the first
 * value it lists, gives the defaults (the file says "the first value is the default"). */
START_TEST(test_shipped_file)
{
        char path[PATH_MAX], line[512];
        char *shipped = NULL, *uncommented = NULL;
        size_t shipped_size = 0, uncommented_size = 0;
        FILE *in, *out_shipped, *out_uncommented;
        unsigned keys = 0;
        Config c;
        ConfigProblems p;

        ck_assert_ptr_nonnull(getenv("FIXTURES"));
        snprintf(path, sizeof path, "%s/../../conf/vfio-guard.conf", getenv("FIXTURES"));
        in = fopen(path, "re");
        ck_assert_msg(in, "%s: %m", path);
        out_shipped = open_memstream(&shipped, &shipped_size);
        out_uncommented = open_memstream(&uncommented, &uncommented_size);
        ck_assert(out_shipped && out_uncommented);
        while (fgets(line, sizeof line, in)) {
                char *eq, *bar;

                fputs(line, out_shipped);
                line[strcspn(line, "\n")] = '\0';
                eq = strchr(line, '=');
                /* "#Key=…": a commented-out assignment (prose lines have a space before any '='). */
                if (line[0] == '#' && line[1] >= 'A' && line[1] <= 'Z' && eq &&
                    strspn(line + 1, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") == (size_t) (eq - line - 1)) {
                        bar = strchr(eq, '|');
                        if (bar)
                                *bar = '\0';
                        fprintf(out_uncommented, "%s\n", line + 1);
                        keys++;
                } else
                        fprintf(out_uncommented, "%s\n", line);
        }
        fclose(in);
        fclose(out_shipped);
        fclose(out_uncommented);
        ck_assert_uint_eq(keys, 10); /* every key of config.h */

        load_main(&c, &p, shipped);
        assert_no_problems(&p);
        ck_assert(is_default(&c));
        config_done(&c);
        config_problems_done(&p);

        load_main(&c, &p, uncommented);
        assert_no_problems(&p);
        ck_assert(is_default(&c));
        config_done(&c);
        config_problems_done(&p);
        free(shipped);
        free(uncommented);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("config");
        TCase *tc = tcase_create("config");
        SRunner *sr;
        int failed;

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_defaults);
        tcase_add_test(tc, test_every_key);
        tcase_add_test(tc, test_bad_values);
        tcase_add_test(tc, test_bad_lines);
        tcase_add_test(tc, test_empty_and_unreadable);
        tcase_add_test(tc, test_precedence);
        tcase_add_test(tc, test_masking);
        tcase_add_test(tc, test_lists);
        tcase_add_loop_test(tc, test_insecure_loosening, 0, _INSECURE_MAX);
        tcase_add_test(tc, test_insecure_tightening);
        tcase_add_test(tc, test_secure_cases);
        tcase_add_test(tc, test_explicit_file);
        tcase_add_test(tc, test_match_parse);
        tcase_add_test(tc, test_match_list);
        tcase_add_test(tc, test_guarded_drivers);
        tcase_add_test(tc, test_shipped_file);
        suite_add_tcase(s, tc);
        sr = srunner_create(s);
        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
