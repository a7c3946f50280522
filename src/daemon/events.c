/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "daemon/events.h"
#include "shared/macro.h"

/* Made with `systemd-id128 new`, one per kind. Never change one: people filter on them. */
static const struct {
        const char *name;
        const char *id;
} event_kinds[_EVENT_KIND_MAX] = {
        [EVENT_STARTED]           = { "started",           "759753f7adf64f5dbdc9603e17237e5d" },
        [EVENT_STOPPED]           = { "stopped",           "4b3dedbb84ac4e4985071d7fb588b2c8" },
        [EVENT_RELOADED]          = { "reloaded",          "160320c33232446082ffd6043bd7f196" },
        [EVENT_CONFIG_PROBLEM]    = { "config-problem",    "11245510abd342ec9dc1853d26b6c4b2" },
        [EVENT_CLASSIFIED]        = { "classified",        "aacdb9e4436b4797bc19b1525ce5f01d" },
        [EVENT_PINNED]            = { "pinned",            "6b76a8d59861455e8908e95927df5362" },
        [EVENT_PIN_LIFTED]        = { "pin-lifted",        "df3fee81eb444b4c815f2b665dd99221" },
        [EVENT_BIND_REFUSED]      = { "bind-refused",      "7b12bf3d0c3f4e5eac00c1bbe822082f" },
        [EVENT_UNBOUND]           = { "unbound",           "07a4796cc69647868df06a27b1c937cd" },
        [EVENT_UNBIND_STUCK]      = { "unbind-stuck",      "45e60068bfc34c398c2064879d714bf4" },
        [EVENT_ALLOWED_BY_POLICY] = { "allowed-by-policy", "f0ba5b0c3fb044cca6d422787a2821d8" },
        [EVENT_NOIOMMU]           = { "noiommu",           "b1612dc01f2342a48951cf0c92f792c4" },
        [EVENT_ACTION_FAILED]     = { "action-failed",     "57526db6b50e425e9c15d2e6ac38a4ba" },
        [EVENT_ENFORCEMENT]       = { "enforcement",       "379e4aec706443169fc15cc5598c64be" },
        [EVENT_KERNEL_DENIED]     = { "kernel-denied",     "abfb1da9b5b04a679e105eb36f6fb04e" },
};

const char *event_kind_message_id(EventKind k)
{
        return k >= 0 && k < _EVENT_KIND_MAX ? event_kinds[k].id : NULL;
}

const char *event_kind_to_string(EventKind k)
{
        return k >= 0 && k < _EVENT_KIND_MAX ? event_kinds[k].name : NULL;
}

EventKind event_kind_from_string(const char *s)
{
        if (!s)
                return _EVENT_KIND_INVALID;
        for (int k = 0; k < _EVENT_KIND_MAX; k++)
                if (streq(s, event_kinds[k].name))
                        return (EventKind) k;
        return _EVENT_KIND_INVALID;
}
