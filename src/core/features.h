/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The sysfs `features` attribute of a virtio device (/sys/bus/virtio/devices/virtioN/features): one character
 * per feature bit, '0' or '1', bit 0 first. Linux 6.1 prints 64 characters, 6.18 prints 128; the guard needs
 * bits 0–63 only (ACCESS_PLATFORM is bit 33). Pure.
 */

#include <stddef.h>
#include <stdint.h>

#define VIRTIO_FEATURES_MIN_CHARS 64
#define VIRTIO_FEATURES_MAX_CHARS 1024

/*
 * Parse s (NUL-terminated; one trailing "\n" is accepted) into the word of bits 0–63. Characters past 64 must
 * still be 0 or 1 but are not returned.
 * Returns 0 and sets *ret_word; -EINVAL when the string is empty, shorter than 64 characters, longer than
 * 1024, or has a character other than '0'/'1'. On failure, problem (when non-NULL) says which, in words.
 */
int virtio_features_parse(const char *s, uint64_t *ret_word, char *problem, size_t problem_size);

/* The inverse, for fixtures and messages: n characters (64 ≤ n ≤ 1024, bits past 63 '0') into buf of at least
 * n + 1 bytes. Returns 0, or -EINVAL for an n out of range. */
int virtio_features_format(uint64_t word, size_t n, char *buf, size_t size);
