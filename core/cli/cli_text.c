/* SPDX-License-Identifier: MIT */
/* cli_text.c -- escaping and cutting text for the terminal (see cli_text.h). */
#include <string.h>

#include "cli_text.h"
#include "utf8.h"

/* The next character of s as it is shown: its bytes, or an escape written into esc.
 * Sets *shown and *len (bytes to write) and returns the bytes of s consumed. */
static size_t text_next(const unsigned char *s, char esc[16], const char **shown, size_t *len)
{
    uint32_t cp;
    size_t n = dq__utf8_decode(s, &cp);
    if (n == 0) {
        snprintf(esc, 16, "\\x%02x", (unsigned)s[0]);
        n = 1;
    } else if (!dq__utf8_is_control(cp)) {
        *shown = (const char *)s;
        *len = n;
        return n;
    } else if (cp == '\n' || cp == '\t' || cp == '\r') {
        snprintf(esc, 16, "\\%c", cp == '\n' ? 'n' : cp == '\t' ? 't' : 'r');
    } else if (cp < 0x80) {
        snprintf(esc, 16, "\\x%02x", (unsigned)cp);
    } else {
        snprintf(esc, 16, "\\u%04x", (unsigned)cp);
    }
    *shown = esc;
    *len = strlen(esc);
    return n;
}

/* Columns of one shown character: an escape is as wide as its text. */
static size_t text_width(const char *shown, size_t len, const char *esc)
{
    return shown == esc ? len : 1;
}

size_t cli_text_cols(const char *s, size_t max)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    size_t cols = 0;
    char esc[16];
    while (*p) {
        const char *shown;
        size_t len;
        p += text_next(p, esc, &shown, &len);
        cols += text_width(shown, len, esc);
        if (max && cols > max)
            return max; /* enough to know it does not fit */
    }
    return cols;
}

size_t cli_text_put(FILE *f, const char *s, size_t max)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    int cut = max > 3 && cli_text_cols(s, max + 1) > max;
    size_t room = cut ? max - 3 : (size_t)-1, cols = 0;
    char esc[16];
    while (*p) {
        const char *shown;
        size_t len;
        size_t n = text_next(p, esc, &shown, &len);
        size_t w = text_width(shown, len, esc);
        if (cols + w > room)
            break;
        fwrite(shown, 1, len, f);
        cols += w;
        p += n;
    }
    if (cut) {
        fputs("...", f);
        cols += 3;
    }
    return cols;
}

void cli_text_cell(FILE *f, const char *s, size_t max, size_t width)
{
    for (size_t cols = cli_text_put(f, s, max); cols < width; ++cols)
        fputc(' ', f);
}
