/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * JSON output. The field names, types and values are an interface (vfio-guardctl(8), JSON OUTPUT): add
 * fields, never rename or retype one. Optional values are null rather than absent, so a consumer can tell
 * "not known" from "old version".
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "core/virtio-ids.h"
#include "ctl/ctl.h"

/* Length of the valid UTF-8 sequence at s (1–4), or 0 when the bytes there are not one. Overlong forms,
 * surrogates and code points above U+10FFFF are invalid (RFC 3629). */
static size_t utf8_sequence_length(const unsigned char *s)
{
        unsigned char c = s[0];
        size_t n;
        uint32_t cp;

        if (c < 0x80)
                return 1;
        if (c >= 0xc2 && c <= 0xdf) {
                n = 2;
                cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
                n = 3;
                cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
                n = 4;
                cp = c & 0x07;
        } else
                return 0;

        for (size_t i = 1; i < n; i++) {
                if ((s[i] & 0xc0) != 0x80) /* also stops at the terminating NUL */
                        return 0;
                cp = (cp << 6) | (s[i] & 0x3f);
        }
        if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff))
                return 0;
        return n;
}

/* s as valid UTF-8: s itself (*ret_allocated NULL) or a cleaned copy to free. Returns 0 or -ENOMEM. */
static int utf8_clean(const char *s, const char **ret, size_t *ret_len, char **ret_allocated)
{
        const unsigned char *p = (const unsigned char *) s;
        char *clean;
        size_t len, o = 0;

        /* Sysfs attributes and configuration lines are bytes, not text; json-c passes bytes through as they
         * are, and a strict parser rejects invalid UTF-8. Almost every string is valid: take it as it is. */
        for (len = 0; p[len];) {
                size_t k;

                if (p[len] < 0x80) { /* the common case, without a call */
                        len++;
                        continue;
                }
                k = utf8_sequence_length(p + len);
                if (k == 0)
                        break;
                len += k;
        }
        if (!p[len]) {
                *ret = s;
                *ret_len = len;
                *ret_allocated = NULL;
                return 0;
        }

        /* Worst case each byte becomes three. */
        len += strlen(s + len);
        clean = malloc(len * 3 + 1);
        if (!clean)
                return -ENOMEM;
        while (*p) {
                size_t n = utf8_sequence_length(p);
                if (n == 0) {
                        memcpy(clean + o, "\xef\xbf\xbd", 3);
                        o += 3;
                        p++;
                } else {
                        memcpy(clean + o, p, n);
                        o += n;
                        p += n;
                }
        }
        clean[o] = 0;
        *ret = clean;
        *ret_len = o;
        *ret_allocated = clean;
        return 0;
}

struct json_object *ctl_json_string(const char *s)
{
        _cleanup_free_ char *allocated = NULL;
        const char *clean;
        size_t len;

        if (utf8_clean(s, &clean, &len, &allocated) < 0)
                return NULL;
        return json_object_new_string_len(clean, (int) len);
}

/* NULL or "" → null. */
static struct json_object *string_or_null(const char *s)
{
        return s && s[0] ? ctl_json_string(s) : NULL;
}

/* json-c takes ownership of val, and a NULL val is JSON null: allocation failures of a value are caught by
 * checking the value before adding it when it must not be null. */
static int add(struct json_object *o, const char *key, struct json_object *val)
{
        /* Every key here is a string literal added once per object: json-c need neither copy it nor look
         * for an earlier entry (a third of the cost of list --json without these flags). */
        return json_object_object_add_ex(o, key, val, JSON_C_OBJECT_ADD_KEY_IS_NEW | JSON_C_OBJECT_KEY_IS_CONSTANT) < 0
                       ? -ENOMEM
                       : 0;
}

static int add_string(struct json_object *o, const char *key, const char *s)
{
        struct json_object *v = ctl_json_string(strempty(s));
        if (!v)
                return -ENOMEM;
        return add(o, key, v);
}

static int add_string_or_null(struct json_object *o, const char *key, const char *s)
{
        struct json_object *v = string_or_null(s);
        if (!v && s && s[0])
                return -ENOMEM;
        return add(o, key, v);
}

static int add_int(struct json_object *o, const char *key, int64_t i)
{
        struct json_object *v = json_object_new_int64(i);
        if (!v)
                return -ENOMEM;
        return add(o, key, v);
}

/*
 * The text json_object_to_json_string_ext(JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
 * JSON_C_TO_STRING_NOSLASHESCAPE) gives, byte for byte, written by hand: json-c appends piece by piece through
 * its printbuf and was half of the cost of list --json. Objects print their members in insertion order with
 * two spaces of indentation per level, "key": value, the closing brace or bracket on a line of its own even
 * when empty; strings escape '"', '\\',
 * \b \f \n \r \t and other bytes below 0x20 as \u00xx (lower-case), and nothing else. Types the guard never
 * produces (doubles) are left to json-c.
 */
typedef CtlJsonText Text;

static char *text_grow(Text *t, size_t more)
{
        if (t->failed)
                return NULL;
        if (!greedy_reserve(&t->buf, &t->allocated, t->n, more)) {
                t->failed = true;
                return NULL;
        }
        return t->buf + t->n;
}

static inline char *text_reserve(Text *t, size_t more)
{
        if (_likely_(t->allocated - t->n >= more))
                return t->buf + t->n;
        return text_grow(t, more);
}

static void text_append(Text *t, const char *s, size_t l)
{
        char *p = text_reserve(t, l);

        if (!p)
                return;
        memcpy(p, s, l);
        t->n += l;
}

#define text_literal(t, s) text_append((t), "" s "", sizeof(s) - 1)

static void text_indent(Text *t, int level)
{
        char *p = text_reserve(t, (size_t) level * 2);

        if (!p)
                return;
        memset(p, ' ', (size_t) level * 2);
        t->n += (size_t) level * 2;
}

static void text_string(Text *t, const char *s, size_t len)
{
        static const char hex[] = "0123456789abcdef";
        size_t start = 0;

        text_literal(t, "\"");
        for (size_t i = 0; i < len; i++) {
                unsigned char c = (unsigned char) s[i];
                const char *esc;
                char u[6];

                if (_likely_(c >= 0x20 && c != '"' && c != '\\'))
                        continue;
                switch (c) {
                case '\b':
                        esc = "\\b";
                        break;
                case '\n':
                        esc = "\\n";
                        break;
                case '\r':
                        esc = "\\r";
                        break;
                case '\t':
                        esc = "\\t";
                        break;
                case '\f':
                        esc = "\\f";
                        break;
                case '"':
                        esc = "\\\"";
                        break;
                case '\\':
                        esc = "\\\\";
                        break;
                default:
                        esc = NULL;
                }
                text_append(t, s + start, i - start);
                if (esc)
                        text_append(t, esc, 2);
                else {
                        memcpy(u, "\\u00", 4);
                        u[4] = hex[c >> 4];
                        u[5] = hex[c & 0xf];
                        text_append(t, u, sizeof u);
                }
                start = i + 1;
        }
        text_append(t, s + start, len - start);
        text_literal(t, "\"");
}

/* Whether none of the 8 bytes of w needs more than a copy: each is printable ASCII (0x20–0x7f) other than '"' and
 * '\\'. The usual word tricks: a byte below n sets its top bit in (x - n) & ~x, and equality is a zero byte. */
static bool word_plain(uint64_t w)
{
        const uint64_t ones = UINT64_C(0x0101010101010101), tops = ones * 0x80;
        uint64_t quote = w ^ (ones * '"'), backslash = w ^ (ones * '\\');

        return ((w | ((w - ones * 0x20) & ~w) | ((quote - ones) & ~quote) | ((backslash - ones) & ~backslash)) &
                tops) == 0;
}

/* text_string() of what utf8_clean() makes of s, in one pass and without a copy: every string value of list --json
 * goes through here, and the two passes were a third of its instructions. Byte for byte the same text. */
static void text_clean_string(Text *t, const char *s)
{
        static const char hex[] = "0123456789abcdef";
        /* Bytes written as they are: printable ASCII except the two that JSON escapes. */
        static const bool plain[256] = { [0x20 ... 0x21] = true, [0x23 ... 0x5b] = true, [0x5d ... 0x7f] = true };
        const unsigned char *p = (const unsigned char *) s;
        size_t len = strlen(s);
        char *o;

        /* The most a byte can become is six: \u00xx (an invalid byte becomes three, U+FFFD). */
        o = text_reserve(t, len * 6 + 2);
        if (!o)
                return;
        *o++ = '"';
        while (*p) {
                unsigned char c = *p;
                uint64_t w;

                /* Eight plain bytes at a time while eight are left (the terminating NUL is not plain). */
                if ((size_t) (p - (const unsigned char *) s) + 8 <= len) {
                        memcpy(&w, p, 8);
                        if (word_plain(w)) {
                                memcpy(o, &w, 8);
                                o += 8;
                                p += 8;
                                continue;
                        }
                }
                if (_likely_(plain[c])) {
                        *o++ = (char) c;
                        p++;
                        continue;
                }
                if (c >= 0x80) {
                        size_t n = utf8_sequence_length(p);

                        if (n == 0) {
                                memcpy(o, "\xef\xbf\xbd", 3);
                                o += 3;
                                p++;
                        } else {
                                memcpy(o, p, n);
                                o += n;
                                p += n;
                        }
                        continue;
                }
                *o++ = '\\';
                switch (c) {
                case '\b':
                        *o++ = 'b';
                        break;
                case '\n':
                        *o++ = 'n';
                        break;
                case '\r':
                        *o++ = 'r';
                        break;
                case '\t':
                        *o++ = 't';
                        break;
                case '\f':
                        *o++ = 'f';
                        break;
                case '"':
                case '\\':
                        *o++ = (char) c;
                        break;
                default:
                        memcpy(o, "u00", 3);
                        o[3] = hex[c >> 4];
                        o[4] = hex[c & 0xf];
                        o += 5;
                }
                p++;
        }
        *o++ = '"';
        t->n = (size_t) (o - t->buf);
}

static void text_int64(Text *t, int64_t v)
{
        char b[24], *p = b + sizeof b;
        uint64_t u = v < 0 ? -(uint64_t) v : (uint64_t) v;

        do
                *--p = (char) ('0' + u % 10);
        while ((u /= 10) > 0);
        if (v < 0)
                *--p = '-';
        text_append(t, p, (size_t) (b + sizeof b - p));
}

/* Where the elements of the array placeholder go: they are written by the caller, around this text. */
typedef struct Splice {
        struct json_object *placeholder;
        size_t at;      /* set when the placeholder is printed */
} Splice;

static void text_value(Text *t, struct json_object *o, int level, int flags, Splice *splice)
{
        bool first = true;

        if (splice && o && o == splice->placeholder) {
                text_literal(t, "[");
                splice->at = t->n;
                text_literal(t, "\n");
                text_indent(t, level);
                text_literal(t, "]");
                return;
        }

        switch (json_object_get_type(o)) {
        case json_type_null:
                text_literal(t, "null");
                break;
        case json_type_boolean:
                if (json_object_get_boolean(o))
                        text_literal(t, "true");
                else
                        text_literal(t, "false");
                break;
        case json_type_int:
                text_int64(t, json_object_get_int64(o));
                break;
        case json_type_string:
                text_string(t, json_object_get_string(o), (size_t) json_object_get_string_len(o));
                break;
        case json_type_object:
                text_literal(t, "{");
                json_object_object_foreach(o, key, val) {
                        if (!first)
                                text_literal(t, ",");
                        first = false;
                        text_literal(t, "\n");
                        text_indent(t, level + 1);
                        text_string(t, key, strlen(key));
                        text_literal(t, ": ");
                        text_value(t, val, level + 1, flags, splice);
                }
                /* Even an empty object's brace goes on a line of its own. */
                text_literal(t, "\n");
                text_indent(t, level);
                text_literal(t, "}");
                break;
        case json_type_array:
                text_literal(t, "[");
                for (size_t i = 0, n = json_object_array_length(o); i < n; i++) {
                        if (i > 0)
                                text_literal(t, ",");
                        text_literal(t, "\n");
                        text_indent(t, level + 1);
                        text_value(t, json_object_array_get_idx(o, i), level + 1, flags, splice);
                }
                /* The same for an array. */
                text_literal(t, "\n");
                text_indent(t, level);
                text_literal(t, "]");
                break;
        default: {
                /* A scalar: its text does not depend on the level. */
                const char *s = json_object_to_json_string_ext(o, flags);
                if (!s)
                        t->failed = true;
                else
                        text_append(t, s, strlen(s));
        }
        }
}

/*
 * Where the fields of a function go: json-c objects (explain, check) or straight text (list --json, where
 * building and freeing hundreds of json-c objects cost more than the probing). One list of fields for both, so
 * that the two cannot drift apart.
 */
typedef struct Emitter {
        Text *text;                     /* text: set; objects: NULL */
        int level;                      /* text: the level of the object being written */
        bool first;                     /* text: no member in it yet */
        struct json_object *objects[4]; /* objects: the one being filled, and its parents */
        bool firsts[4];
        int depth;
        int error;
} Emitter;

/* ",\n    \"key\": " in one piece. The keys are the literals below: plain ASCII, nothing to escape. */
static void emit_key(Emitter *e, const char *key)
{
        size_t l = strlen(key), indent = (size_t) (e->level + 1) * 2;
        char *p = text_reserve(e->text, 2 + indent + l + 4);

        if (!p)
                return;
        if (!e->first)
                *p++ = ',';
        e->first = false;
        *p++ = '\n';
        memset(p, ' ', indent);
        p += indent;
        *p++ = '"';
        memcpy(p, key, l);
        p += l;
        memcpy(p, "\": ", 3);
        p += 3;
        e->text->n = (size_t) (p - e->text->buf);
}

/* json-c takes ownership of val, and a NULL val is JSON null. */
static void emit_object_value(Emitter *e, const char *key, struct json_object *val, bool null_ok)
{
        if (e->error < 0) {
                json_object_put(val);
                return;
        }
        if (!val && !null_ok) {
                e->error = -ENOMEM;
                return;
        }
        e->error = add(e->objects[e->depth], key, val);
}

static void emit_null(Emitter *e, const char *key)
{
        if (e->text) {
                emit_key(e, key);
                text_literal(e->text, "null");
        } else
                emit_object_value(e, key, NULL, true);
}

static void emit_string(Emitter *e, const char *key, const char *s)
{
        s = strempty(s);
        if (e->text) {
                emit_key(e, key);
                text_clean_string(e->text, s);
        } else if (e->error >= 0)
                emit_object_value(e, key, ctl_json_string(s), false);
}

/* NULL or "" → null. */
static void emit_string_or_null(Emitter *e, const char *key, const char *s)
{
        if (s && s[0])
                emit_string(e, key, s);
        else
                emit_null(e, key);
}

static void emit_int(Emitter *e, const char *key, int64_t i)
{
        if (e->text) {
                emit_key(e, key);
                text_int64(e->text, i);
        } else if (e->error >= 0)
                emit_object_value(e, key, json_object_new_int64(i), false);
}

static void emit_bool(Emitter *e, const char *key, bool b)
{
        if (e->text) {
                emit_key(e, key);
                if (b)
                        text_literal(e->text, "true");
                else
                        text_literal(e->text, "false");
        } else if (e->error >= 0)
                emit_object_value(e, key, json_object_new_boolean(b), false);
}

static void emit_begin_object(Emitter *e, const char *key)
{
        if (e->depth + 1 >= (int) ELEMENTSOF(e->objects)) {
                e->error = -EINVAL;
                if (e->text)
                        e->text->failed = true;
                return;
        }
        if (e->text) {
                emit_key(e, key);
                text_literal(e->text, "{");
                e->firsts[e->depth] = e->first;
                e->depth++;
                e->level++;
                e->first = true;
                return;
        }
        if (e->error < 0)
                return;
        e->objects[e->depth + 1] = json_object_new_object();
        emit_object_value(e, key, e->objects[e->depth + 1], false);
        if (e->error >= 0)
                e->depth++;
}

static void emit_end_object(Emitter *e)
{
        if (e->depth == 0)
                return;
        if (e->text) {
                /* json-c puts the closing brace on a line of its own, even for an empty object. */
                text_literal(e->text, "\n");
                text_indent(e->text, e->level);
                text_literal(e->text, "}");
                e->level--;
                e->depth--;
                e->first = e->firsts[e->depth];
                return;
        }
        if (e->error >= 0)
                e->depth--;
}

static void devicetree_fields(Emitter *m, const DeviceTreeEvidence *dt)
{
        emit_begin_object(m, "devicetree");
        emit_bool(m, "present", dt->present);
        emit_bool(m, "covered", dt->present && dt->covered);
        emit_string_or_null(m, "iommu", dt->iommu);
        emit_string_or_null(m, "node", dt->node);
        emit_bool(m, "bypass_property", dt->bypass_property);
        emit_string_or_null(m, "problem", dt->problem);
        emit_end_object(m);
}

/* v as exactly width lower-case hex digits at p (what "%0*x" prints for a value that fits); returns the end. */
static char *hex_digits(char *p, uint64_t v, unsigned width)
{
        static const char digits[] = "0123456789abcdef";

        for (unsigned i = width; i > 0; i--)
                *p++ = digits[v >> (4 * (i - 1)) & 0xf];
        *p = 0;
        return p;
}

static void function_fields(Emitter *m, const Ctl *c, const CtlFunction *f)
{
        const Evidence *e = &f->evidence;
        const Assessment *a = &f->assessment;
        bool virtio = ctl_is_virtio(f);
        char buf[EVIDENCE_TEXT_MAX * 2], id[16];
        const char *bit33, *type;

        emit_string(m, "address", e->address);
        /* "%04x:%04x" and "%06x" by hand: snprintf() was a sixth of the cost of a function's JSON. */
        *hex_digits(id, e->vendor, 4) = ':';
        hex_digits(id + 5, e->device, 4);
        emit_string(m, "pci_id", id);
        *hex_digits(id, e->subsys_vendor, 4) = ':';
        hex_digits(id + 5, e->subsys_device, 4);
        emit_string(m, "subsystem_id", id);
        emit_int(m, "revision", e->revision);
        if (e->class_code <= 0xffffff)
                hex_digits(id, e->class_code, 6);
        else
                snprintf(id, sizeof id, "%06" PRIx32, e->class_code);
        emit_string(m, "class", id);
        emit_string_or_null(m, "modalias", e->modalias);
        emit_bool(m, "virtio", virtio);

        type = virtio ? virtio_type_to_string(e->virtio_type) : NULL;
        emit_string_or_null(m, "type", type);
        if (virtio && e->virtio_type > 0)
                emit_int(m, "type_id", e->virtio_type);
        else
                emit_null(m, "type_id");
        emit_string_or_null(m, "transport", virtio ? transport_to_string(e->transport) : NULL);
        emit_string_or_null(m, "transport_problem", virtio ? e->transport_problem : NULL);

        bit33 = ctl_bit33_string(f);
        emit_string_or_null(m, "bit33", streq(bit33, "?") ? "unknown" : streq(bit33, "-") ? NULL : bit33);
        emit_string(m, "feature_source", feature_source_to_string(e->feature_source));
        emit_bool(m, "feature_recorded", e->feature_recorded);
        if (e->feature_source != FEATURE_SOURCE_NONE) {
                buf[0] = '0';
                buf[1] = 'x';
                hex_digits(buf + 2, e->features, 16);
                emit_string(m, "features", buf);
        } else
                emit_null(m, "features");
        emit_string_or_null(m, "feature_problem", e->feature_problem);
        emit_string(m, "basis", verdict_basis_to_string(a->basis));
        emit_string(m, "evidence", assessment_evidence_text(e, a, buf, sizeof buf));

        if (e->group_number >= 0)
                emit_int(m, "iommu_group", e->group_number);
        else
                emit_null(m, "iommu_group");
        emit_string_or_null(m, "iommu_group_type", e->group_type);
        emit_string(m, "iommu_group_kind", iommu_group_kind_to_string(e->group_kind));
        emit_string(m, "context", context_to_string(a->context));

        emit_string_or_null(m, "driver", e->driver);
        emit_string_or_null(m, "driver_override", e->driver_override_read ? e->driver_override : NULL);
        emit_bool(m, "driver_override_read", e->driver_override_read);
        emit_bool(m, "driver_guarded", e->driver[0] && config_driver_is_guarded(&c->config, e->driver));

        devicetree_fields(m, &e->dt);

        emit_string(m, "verdict", verdict_to_string(a->verdict));
        emit_string(m, "decision", decision_to_string(a->decision));
        emit_string(m, "reason", decision_reason_to_string(a->reason));
        emit_string(m, "reason_text", assessment_reason_text(e, a, buf, sizeof buf));
        emit_string_or_null(m, "fix", assessment_fix(e, a));
        emit_bool(m, "allow_overrides_bypass", a->allow_overrides_bypass);
        emit_bool(m, "balloon_caveat", a->balloon_caveat);
}

struct json_object *ctl_json_function(const Ctl *c, const CtlFunction *f)
{
        Emitter m = {};

        m.objects[0] = json_object_new_object();
        if (!m.objects[0])
                return NULL;
        function_fields(&m, c, f);
        if (m.error < 0) {
                json_object_put(m.objects[0]);
                return NULL;
        }
        return m.objects[0];
}

int ctl_json_function_text(CtlJsonText *t, const Ctl *c, const CtlFunction *f)
{
        /* An element of the "functions" array: level 2 of the document. */
        Emitter m = { .text = t, .level = 2, .first = true };

        if (t->elements++ > 0)
                text_literal(t, ",");
        text_literal(t, "\n");
        text_indent(t, 2);
        text_literal(t, "{");
        function_fields(&m, c, f);
        text_literal(t, "\n");
        text_indent(t, 2);
        text_literal(t, "}");
        return t->failed ? -ENOMEM : 0;
}

void ctl_json_text_done(CtlJsonText *t)
{
        free(t->buf);
        *t = (CtlJsonText) {};
}

/* doc as text, newline-terminated, into *t (splice: where the placeholder's elements go; may be NULL). No slash
 * escaping: "\/" is valid JSON but makes paths hard to read and to grep. */
static int render_document(struct json_object *doc, Splice *splice, Text *t)
{
        text_value(t, doc, 0, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE,
                   splice);
        text_literal(t, "\n");
        return t->failed ? -ENOMEM : 0;
}

int ctl_json_render_around(struct json_object *doc, struct json_object *functions, CtlJsonText *ret,
                           size_t *ret_at)
{
        Splice splice = { .placeholder = functions, .at = SIZE_MAX };
        Text t = {};
        int r;

        r = render_document(doc, &splice, &t);
        if (r >= 0 && splice.at == SIZE_MAX)
                r = -EINVAL;
        if (r < 0) {
                free(t.buf);
                return r;
        }
        *ret = t;
        *ret_at = splice.at;
        return 0;
}

int ctl_json_print(FILE *f, struct json_object *o)
{
        Text t = {};
        int r;

        r = render_document(o, NULL, &t);
        if (r >= 0 && fwrite(t.buf, 1, t.n, f) != t.n)
                r = -EIO;
        free(t.buf);
        return r;
}

static struct json_object *problems_array(const ConfigProblems *p)
{
        struct json_object *a = json_object_new_array();

        if (!a)
                return NULL;
        for (size_t i = 0; i < p->n; i++) {
                const ConfigProblem *cp = &p->items[i];
                struct json_object *o = json_object_new_object();
                int r = 0;

                if (!o || json_object_array_add(a, o) < 0) {
                        json_object_put(o);
                        json_object_put(a);
                        return NULL;
                }
                r = r ?: add_string(o, "file", cp->file);
                r = r ?: add(o, "line", cp->line > 0 ? json_object_new_int64(cp->line) : NULL);
                r = r ?: add_string(o, "level", cp->level == CONFIG_PROBLEM_ERROR ? "error" : "warning");
                r = r ?: add_string(o, "message", cp->message);
                if (r < 0) {
                        json_object_put(a);
                        return NULL;
                }
        }
        return a;
}

struct json_object *ctl_json_document(const Ctl *c)
{
        struct json_object *o, *policy = NULL, *problems;
        int r = 0;

        o = json_object_new_object();
        if (!o)
                return NULL;
        r = r ?: add_int(o, "format_version", CTL_JSON_FORMAT_VERSION);

        policy = json_object_new_object();
        if (!policy)
                r = r ?: -ENOMEM;
        r = r ?: add(o, "policy", policy);
        r = r ?: add_string(policy, "mode", guard_mode_to_string(c->config.mode));
        r = r ?: add_string(policy, "unknown", c->config.unknown_allow ? "allow" : "refuse");
        r = r ?: add_string(policy, "noiommu", c->config.noiommu_refuse ? "refuse" : "allow");
        r = r ?: add_string_or_null(policy, "config_file", c->config_file);

        problems = problems_array(&c->problems);
        if (!problems)
                r = r ?: -ENOMEM;
        r = r ?: add(o, "config_problems", problems);

        if (r < 0) {
                json_object_put(o);
                return NULL;
        }
        return o;
}
