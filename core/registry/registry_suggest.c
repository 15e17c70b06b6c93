/* SPDX-License-Identifier: MIT */
/* registry_suggest.c -- "did you mean": a port of Python difflib's ratio and close matches.
 *
 * dq_similarity(a, b) is SequenceMatcher(None, a, b).ratio() over bytes (names are ASCII, so
 * bytes and code points agree). Like difflib, matching blocks come from find_longest_match
 * applied recursively: the longest common run, ties going to the earliest start in a, then
 * in b; then the parts left and right of it. No junk function; the autojunk "popular" rule
 * (b of 200 or more elements, an element occurring more than len(b)/100 + 1 times is not
 * used to seed matches) is kept so long inputs give difflib's numbers too.
 *
 * dq_suggest is get_close_matches, with its two cheap upper bounds tried first:
 * real_quick_ratio (from the lengths alone) and quick_ratio (from byte counts). A candidate
 * whose bound is under the cutoff cannot reach it, so the answer is the same; and a name
 * far longer than every candidate (a 50 MB "model name") costs one strlen, not a
 * quadratic match over megabytes. */
#include <stdlib.h>
#include <string.h>

#include <dq/host/registry.h>

/* Rows of the longest-match table up to this length live on the stack. */
#define SUGGEST_STACK_ROW 128
/* Scores of the best candidates so far up to this count live on the stack. */
#define SUGGEST_STACK_SCORES 32

typedef struct suggest_seq {
    const unsigned char *a, *b;
    unsigned char popular[256]; /* difflib's bpopular: bytes of b not used to seed matches */
    size_t *prev, *cur;         /* two rows of lb + 1 run lengths, or NULL to scan */
} suggest_seq_t;

typedef struct suggest_block {
    size_t i, j, k;
} suggest_block_t;

/* difflib's j2len table: cur[j + 1] is the length of the run of matching, non-popular
 * elements ending at a[i], b[j]. Strict > keeps the earliest block (by i, then j). */
static suggest_block_t suggest_longest_table(suggest_seq_t *s, size_t alo, size_t ahi, size_t blo,
                                             size_t bhi)
{
    suggest_block_t best = {alo, blo, 0};
    size_t *prev = s->prev, *cur = s->cur;
    for (size_t j = blo; j <= bhi; ++j)
        prev[j] = 0;
    cur[blo] = 0;
    for (size_t i = alo; i < ahi; ++i) {
        unsigned char c = s->a[i];
        for (size_t j = blo; j < bhi; ++j) {
            size_t k = (s->b[j] == c && !s->popular[c]) ? prev[j] + 1 : 0;
            cur[j + 1] = k;
            if (k > best.k) {
                best.i = i + 1 - k;
                best.j = j + 1 - k;
                best.k = k;
            }
        }
        size_t *t = prev;
        prev = cur;
        cur = t;
    }
    return best;
}

/* The same search without memory (used only when the table cannot be allocated): measure
 * the run from every start, in the order the table would find its ends. */
static suggest_block_t suggest_longest_scan(const suggest_seq_t *s, size_t alo, size_t ahi,
                                            size_t blo, size_t bhi)
{
    suggest_block_t best = {alo, blo, 0};
    for (size_t i = alo; i < ahi; ++i)
        for (size_t j = blo; j < bhi; ++j) {
            size_t k = 0;
            while (i + k < ahi && j + k < bhi && s->a[i + k] == s->b[j + k] &&
                   !s->popular[s->b[j + k]])
                ++k;
            if (k > best.k) {
                best.i = i;
                best.j = j;
                best.k = k;
            }
        }
    return best;
}

/* find_longest_match: the seed block, then grown over equal elements on both sides (which
 * only adds popular elements, as there is no junk). */
static suggest_block_t suggest_longest(suggest_seq_t *s, size_t alo, size_t ahi, size_t blo,
                                       size_t bhi)
{
    suggest_block_t m = s->prev ? suggest_longest_table(s, alo, ahi, blo, bhi)
                                : suggest_longest_scan(s, alo, ahi, blo, bhi);
    while (m.i > alo && m.j > blo && s->a[m.i - 1] == s->b[m.j - 1]) {
        --m.i;
        --m.j;
        ++m.k;
    }
    while (m.i + m.k < ahi && m.j + m.k < bhi && s->a[m.i + m.k] == s->b[m.j + m.k])
        ++m.k;
    return m;
}

/* Total size of get_matching_blocks(). The order blocks are found in does not change the
 * sum, so recurse into the smaller side and loop on the larger: the depth stays O(log n). */
static size_t suggest_matches(suggest_seq_t *s, size_t alo, size_t ahi, size_t blo, size_t bhi)
{
    size_t total = 0;
    while (alo < ahi && blo < bhi) {
        suggest_block_t m = suggest_longest(s, alo, ahi, blo, bhi);
        if (m.k == 0)
            break;
        total += m.k;
        size_t left = (m.i - alo) + (m.j - blo);
        size_t right = (ahi - m.i - m.k) + (bhi - m.j - m.k);
        if (left < right) {
            total += suggest_matches(s, alo, m.i, blo, m.j);
            alo = m.i + m.k;
            blo = m.j + m.k;
        } else {
            total += suggest_matches(s, m.i + m.k, ahi, m.j + m.k, bhi);
            ahi = m.i;
            bhi = m.j;
        }
    }
    return total;
}

double dq_similarity(const char *a, const char *b)
{
    if (!a)
        a = "";
    if (!b)
        b = "";
    size_t la = strlen(a), lb = strlen(b);
    if (la + lb == 0)
        return 1.0;
    suggest_seq_t s;
    s.a = (const unsigned char *)a;
    s.b = (const unsigned char *)b;
    memset(s.popular, 0, sizeof s.popular);
    if (lb >= 200) {
        size_t count[256] = {0};
        for (size_t j = 0; j < lb; ++j)
            ++count[s.b[j]];
        for (int c = 0; c < 256; ++c)
            s.popular[c] = count[c] > lb / 100 + 1;
    }
    size_t stack[2 * (SUGGEST_STACK_ROW + 1)];
    size_t *heap = NULL;
    if (lb <= SUGGEST_STACK_ROW) {
        s.prev = stack;
        s.cur = stack + SUGGEST_STACK_ROW + 1;
    } else if ((heap = malloc(2 * (lb + 1) * sizeof *heap))) {
        s.prev = heap;
        s.cur = heap + lb + 1;
    } else {
        s.prev = s.cur = NULL; /* out of memory: slower, same answer */
    }
    size_t m = suggest_matches(&s, 0, la, 0, lb);
    free(heap);
    return 2.0 * (double)m / (double)(la + lb);
}

/* difflib's _calculate_ratio, so the bounds compare with the cutoff exactly as ratio does. */
static double suggest_ratio(size_t matches, size_t length)
{
    return length ? 2.0 * (double)matches / (double)length : 1.0;
}

/* The byte counts of the name, taken once when a candidate first passes the length bound. */
typedef struct suggest_name {
    const unsigned char *s;
    size_t len;
    int counted;
    size_t count[256];
} suggest_name_t;

/* real_quick_ratio, then quick_ratio: upper bounds of dq_similarity(x, name). */
static int suggest_may_reach(suggest_name_t *nm, const char *x, double cutoff)
{
    size_t lx = strlen(x), total = lx + nm->len;
    if (!(suggest_ratio(lx < nm->len ? lx : nm->len, total) >= cutoff))
        return 0;
    if (!nm->counted) {
        memset(nm->count, 0, sizeof nm->count);
        for (size_t i = 0; i < nm->len; ++i)
            ++nm->count[nm->s[i]];
        nm->counted = 1;
    }
    /* The multiset intersection: each byte of x matches one unused copy in the name. */
    size_t used[256] = {0}, matches = 0;
    for (const unsigned char *p = (const unsigned char *)x; *p; ++p)
        if (used[*p] < nm->count[*p]) {
            ++used[*p];
            ++matches;
        }
    return suggest_ratio(matches, total) >= cutoff;
}

/* heapq.nlargest order on (score, string) tuples: higher score first, then larger string. */
static int suggest_before(double sa, const char *a, double sb, const char *b)
{
    if (sa != sb)
        return sa > sb;
    return strcmp(a, b) > 0;
}

size_t dq_suggest(const char *name, const char *const *candidates, size_t n, double cutoff,
                  const char **out, size_t cap)
{
    if (!name)
        name = "";
    if (!candidates || !out)
        return 0;
    size_t keep = cap < n ? cap : n;
    if (keep == 0)
        return 0;
    /* Scores of out[]; recomputed on demand if even this small array cannot be had. */
    double local[SUGGEST_STACK_SCORES];
    double *score = keep <= SUGGEST_STACK_SCORES ? local : malloc(keep * sizeof *score);
    size_t len = 0;
    suggest_name_t nm = {.s = (const unsigned char *)name, .len = strlen(name)};
    for (size_t c = 0; c < n; ++c) {
        const char *x = candidates[c];
        if (!x || !suggest_may_reach(&nm, x, cutoff))
            continue;
        /* get_close_matches puts the candidate in seq1 and the word in seq2. */
        double sx = dq_similarity(x, name);
        if (!(sx >= cutoff))
            continue;
        size_t pos = len;
        while (pos > 0) {
            double sp = score ? score[pos - 1] : dq_similarity(out[pos - 1], name);
            if (!suggest_before(sx, x, sp, out[pos - 1]))
                break;
            --pos;
        }
        if (pos >= keep)
            continue;
        size_t last = len < keep ? len : keep - 1;
        for (size_t k = last; k > pos; --k) {
            out[k] = out[k - 1];
            if (score)
                score[k] = score[k - 1];
        }
        out[pos] = x;
        if (score)
            score[pos] = sx;
        if (len < keep)
            ++len;
    }
    if (score != local)
        free(score);
    return len;
}
