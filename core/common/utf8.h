/* SPDX-License-Identifier: MIT */
/* utf8.h -- decoding UTF-8 one sequence at a time, for the descriptor validator (which
 * refuses what is not text) and the CLI (which escapes what is not text: file names). */
#ifndef DQ_UTF8_H
#define DQ_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Decodes the sequence starting at s[0] (which is not NUL) into *cp and returns its length
 * (1 to 4). Returns 0 when the bytes do not start a well-formed sequence: a stray
 * continuation byte, an overlong form, a surrogate, a code point past U+10FFFF, or a
 * sequence cut short (by the terminating NUL too: it never reads past it). */
size_t dq__utf8_decode(const unsigned char *s, uint32_t *cp);

/* True for the code points a terminal acts on rather than shows: C0 controls, DEL, C1
 * controls (U+0080..U+009F) and the Unicode line and paragraph separators. */
int dq__utf8_is_control(uint32_t cp);

#endif
