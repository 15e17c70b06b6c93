/* SPDX-License-Identifier: MIT */
/* fuzz_morph.c -- libFuzzer target for the morphology readers (core/morph): each input is
 * read as an SWC file and as a JSON cell; whatever is accepted is discretised (three
 * segments a section, and the d_lambda rule) and its compartments checked: parent[i] < i,
 * every section's segments where sec_first says, areas not negative. An error must name a
 * line within the input (SWC) and carry a message. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <dq/host/error.h>
#include <dq/host/morph.h>

static void check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_morph: %s\n", what);
        abort();
    }
}

static void discretise(const dq_morph_t *m, dq_morph_rule_t rule)
{
    dq_morph_discret_t o;
    dq_morph_discret_init(&o);
    o.rule = rule;
    o.nseg = 3;
    dq_error_t err = {0};
    dq_morph_cable_t *c = dq_morph_cable_new(m, &o, &err);
    if (!c) {
        check(err.code != DQ_OK && err.message[0], "cable refused without a message");
        return;
    }
    check(c->n >= dq_morph_section_count(m) && c->parent[0] == -1, "cable root");
    for (size_t i = 1; i < c->n; ++i)
        check(c->parent[i] >= 0 && c->parent[i] < (long)i, "parent order");
    for (size_t s = 0; s < c->n_sections; ++s)
        check(c->sec_first[s] + c->sec_nseg[s] <= c->n && c->section[c->sec_first[s]] == s,
              "section's compartments");
    for (size_t i = 0; i < c->n; ++i)
        check(!(c->area[i] < 0), "negative area");
    dq_morph_cable_free(c);
}

static size_t count_lines(const uint8_t *data, size_t size)
{
    size_t n = 1;
    for (size_t i = 0; i < size; ++i)
        n += data[i] == '\n';
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    dq_error_t err = {0};
    dq_morph_t *m = dq_morph_parse_swc((const char *)data, size, "fuzz.swc", &err);
    if (m) {
        check(dq_morph_section_count(m) > 0, "no sections");
        discretise(m, DQ_MORPH_RULE_NSEG);
        discretise(m, DQ_MORPH_RULE_DLAMBDA);
        dq_morph_free(m);
    } else {
        check(err.code != DQ_OK && err.message[0], "SWC refused without a message");
        check(err.line >= 0 && (size_t)err.line <= count_lines(data, size), "line out of range");
    }
    dq_error_clear(&err);
    m = dq_morph_parse_json((const char *)data, size, "fuzz.json", &err);
    if (m) {
        discretise(m, DQ_MORPH_RULE_NSEG);
        dq_morph_free(m);
    } else {
        check(err.code != DQ_OK && err.message[0], "JSON refused without a message");
    }
    return 0;
}
