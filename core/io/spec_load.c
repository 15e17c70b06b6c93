/* SPDX-License-Identifier: MIT */
/* spec_load.c -- loading JSON run specifications: the file, jansson's parse and positions.
 * Only the spec_*.c files of libdqcore include <jansson.h>.
 *
 * Format. The top level is one JSON object; every key is optional here (the CLI decides
 * which are required once its flags are merged in):
 *   model           non-empty string
 *   params          object: name -> number, non-empty array of numbers (one per unit), or
 *                   a generator {linspace: [first, last]} or {logspace: [first, last]}
 *                   (both > 0) spanning every unit (formulas in dq/host/spec.h)
 *   solver          non-empty string
 *   solver_options  object: name -> number
 *   dt, t_end       number > 0 (finite)
 *   submodules      object: module name -> object {solver: non-empty string,
 *                                                  substeps: whole number >= 1}, both optional
 *   record          object {states: non-empty array of unique non-empty strings,
 *                           every: whole number >= 1,
 *                           units: non-empty array of unique whole numbers >= 0}
 *   output          object {path: non-empty string, format: "csv", "json" or "h5",
 *                           spikes: non-empty string,
 *                           provenance: true or false,
 *                           plot: non-empty string}
 *   seed            whole number >= 0
 *   noise_refine    whole number 1 .. 1 000 000
 *   adaptive        object {rtol: number > 0,
 *                           atol: number > 0, or object: state name -> number > 0,
 *                           h0, hmin, hmax: number >= 0 (0: chosen by the host / no limit),
 *                           max_rejects: whole number >= 1, fixed_step: true or false};
 *                   with hmax > 0, hmin and h0 must not exceed it
 *   sweep           non-empty array of axes {parameter: non-empty string, and one of
 *                   values: non-empty array of numbers, linspace or logspace: [first, last]
 *                   with n: whole number >= 1}; parameters distinct and not in params; the
 *                   product of the counts (the units) at most 2^53
 *   morphology      non-empty string: a morphology file (SWC or JSON cell) relative to the
 *                   spec file's directory (cable models only, checked when the run is built)
 *   discretisation  object {rule: "d_lambda" (default), "length" or "nseg"; d_lambda, freq:
 *                   number > 0 (rule d_lambda); max_length: number > 0 (rule length,
 *                   required there); nseg: whole number 1 .. 32767 (rule nseg)}; a key of
 *                   another rule is refused
 *   cable           object {cm, Ra: number > 0, v_init: number}
 *   stimuli         array of {at: non-empty string, delay: number >= 0 (default 0),
 *                   dur: number >= 0, amp: number}; at, dur and amp required
 * A spec file is at most DQ_SPEC_MAX_BYTES (64 MiB, a thousand times any real spec); a larger
 * one, or a stream like /dev/zero, is refused before it is read whole.
 * Names (params, options, modules, states) must be non-empty. Unknown keys are errors at
 * every level, with "Did you mean" and the list of valid keys.
 *
 * Decisions:
 *  - Booleans are not numbers. Integers are accepted wherever a number is wanted; a real is
 *    accepted for a whole-number field when it is whole (10.0 for "every"), since JSON
 *    writers often cannot tell 10 from 10.0. A whole number must fit its field (substeps: an
 *    unsigned int, units: size_t, every and seed: 64 bits).
 *  - Non-finite numbers cannot be written in JSON; jansson rejects a literal that overflows
 *    a double (1e999: "real number overflow near '1e999'") and an integer beyond 64 bits
 *    ("too big integer"); those are reported like syntax errors, with jansson's text and
 *    position. A literal that underflows (1e-999) reads as 0 and fails its range check.
 *  - A leading UTF-8 byte-order mark is skipped (editors on Windows write one).
 *  - A top level that is a scalar or an array gets "expected a JSON object at the top
 *    level, got <a type>" at the position of its first character; other syntax errors
 *    (empty file, garbage, duplicate keys, trailing commas) keep jansson's text, line and
 *    column (jansson's column is 0 for "near end of file" just after a newline).
 *  - Other messages start with the JSON path (".record.units[2]", ".params[\"a b\"]" for a
 *    name outside [A-Za-z0-9_]) and carry no position; the offending value is shown as
 *    compact JSON cut to about 40 characters, reals in their shortest round-trip form.
 *  - The first problem in document order is the one reported.
 * The sections are read in spec_sections.c, typed values in spec_values.c. */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "file.h"
#include "spec_impl.h"

static const char *spec_type_phrase(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
    case JSON_REAL:
        return "a number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    case JSON_NULL:
        break;
    }
    return "null";
}

/* Records an error at a position, adding the position only to an error set here (first
 * error wins: an earlier error must not receive this one's line). */
static void spec_fail_at(dq__spec_ctx_t *c, int line, int column, const char *fmt, ...)
    DQ_PRINTF(4, 5);

static void spec_fail_at(dq__spec_ctx_t *c, int line, int column, const char *fmt, ...)
{
    char msg[DQ_ERROR_MESSAGE_MAX];
    va_list ap;
    if (!c->err || c->err->code != DQ_OK)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    dq_error_set_at(c->err, DQ_ESPEC, DQ_PLACE_SPEC, c->source, "%s", msg);
    dq_error_add_position(c->err, line, column);
}

/* The position of the first character that is not white space. */
static void spec_first_char(const char *text, size_t len, int *line, int *column)
{
    *line = 1;
    *column = 1;
    for (size_t i = 0;
         i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' || text[i] == '\n');
         ++i) {
        if (text[i] == '\n') {
            ++*line;
            *column = 1;
        } else {
            ++*column;
        }
    }
}

json_t *dq__json_loadb(const char **text, size_t *len, json_error_t *je)
{
    if (*len >= 3 && memcmp(*text, "\xEF\xBB\xBF", 3) == 0) {
        *text += 3;
        *len -= 3;
    }
    return json_loadb(*text, *len, JSON_REJECT_DUPLICATES, je);
}

/* Parses len bytes of text read from `name`. */
static dq_spec_t *spec_parse_buffer(const char *text, size_t len, const char *name, dq_error_t *err)
{
    dq__spec_ctx_t c = {name, err};
    json_error_t je;
    json_t *root = dq__json_loadb(&text, &len, &je);
    if (!root) {
        /* jansson refuses a scalar top level with "'[' or '{' expected near '3'"; parse it
         * again as any value so a valid scalar gets the same message as an array. */
        json_error_t any_je;
        json_t *any = strncmp(je.text, "'[' or '{' expected", 19) == 0
                          ? json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &any_je)
                          : NULL;
        if (!any) {
            spec_fail_at(&c, je.line, je.column, "%s", je.text);
            return NULL;
        }
        root = any;
    }
    if (!json_is_object(root)) {
        int line, column;
        spec_first_char(text, len, &line, &column);
        spec_fail_at(&c, line, column, "expected a JSON object at the top level, got %s",
                     spec_type_phrase(root));
        json_decref(root);
        return NULL;
    }
    dq_spec_t *s = calloc(1, sizeof *s);
    if (!s || !(s->path = dq__strdup(name))) {
        free(s);
        json_decref(root);
        dq__spec_nomem(&c);
        return NULL;
    }
    dq_morph_discret_init(&s->discret);
    s->cm = s->Ra = s->v_init = NAN; /* the model's */
    int rc = dq__spec_read_top(&c, s, root);
    json_decref(root);
    if (rc) {
        dq_spec_free(s);
        return NULL;
    }
    return s;
}

dq_spec_t *dq_spec_parse(const char *text, const char *name, dq_error_t *err)
{
    if (!name)
        name = "<string>";
    if (!text) {
        dq_error_set(err, DQ_EINVAL, name, "dq_spec_parse: no text given");
        return NULL;
    }
    return spec_parse_buffer(text, strlen(text), name, err);
}

dq_spec_t *dq_spec_load(const char *path, dq_error_t *err)
{
    if (!path) {
        dq_error_set(err, DQ_EINVAL, NULL, "dq_spec_load: a path is required");
        return NULL;
    }
    /* A regular file is measured before it is read; anything else (a FIFO, /dev/zero) is
     * read up to one byte past the cap. */
    struct stat st;
    int big =
        stat(path, &st) == 0 && S_ISREG(st.st_mode) && (uintmax_t)st.st_size > DQ_SPEC_MAX_BYTES;
    dq__file_t f = {0};
    int rc = big ? DQ_OK : dq__file_read(path, DQ_SPEC_MAX_BYTES + 1, &f);
    if (rc == DQ_OK && (big || f.size > DQ_SPEC_MAX_BYTES)) {
        free(f.data);
        dq_error_set_at(err, DQ_ESPEC, DQ_PLACE_FILE, path,
                        "run spec '%s' is larger than %zu MiB, the limit for a run spec", path,
                        DQ_SPEC_MAX_BYTES >> 20);
        return NULL;
    }
    if (rc == DQ_ENOMEM) {
        dq_error_set_at(err, DQ_ENOMEM, DQ_PLACE_FILE, path, "out of memory reading run spec '%s'",
                        path);
        return NULL;
    }
    if (rc) {
        dq_error_set_at(err, DQ_EIO, DQ_PLACE_FILE, path, "cannot read run spec '%s': %s", path,
                        strerror(f.sys_errno));
        return NULL;
    }
    dq_spec_t *s = spec_parse_buffer(f.data, f.size, path, err);
    free(f.data);
    return s;
}

void dq_spec_free(dq_spec_t *spec)
{
    if (!spec)
        return;
    free(spec->path);
    free(spec->model);
    for (size_t i = 0; i < spec->n_params; ++i) {
        free(spec->params[i].name);
        free(spec->params[i].v);
        free(spec->params[i].where);
    }
    free(spec->params);
    for (size_t i = 0; i < spec->n_sweep; ++i) {
        free(spec->sweep[i].name);
        free(spec->sweep[i].v);
        free(spec->sweep[i].where);
    }
    free(spec->sweep);
    free(spec->solver);
    for (size_t i = 0; i < spec->n_solver_options; ++i) {
        free(spec->solver_options[i].name);
        free(spec->solver_options[i].where);
    }
    free(spec->solver_options);
    for (size_t i = 0; i < spec->n_submodules; ++i) {
        free(spec->submodules[i].name);
        free(spec->submodules[i].solver);
        free(spec->submodules[i].where);
    }
    free(spec->submodules);
    for (size_t i = 0; i < spec->n_record_states; ++i)
        free(spec->record_states[i]);
    free(spec->record_states);
    free(spec->record_units);
    free(spec->output_path);
    for (size_t i = 0; i < spec->n_state_atol; ++i) {
        free(spec->state_atol[i].state);
        free(spec->state_atol[i].where);
    }
    free(spec->state_atol);
    free(spec->spikes_path);
    free(spec->plot_path);
    free(spec->morphology);
    for (size_t i = 0; i < spec->n_stimuli; ++i) {
        free(spec->stimuli[i].at);
        free(spec->stimuli[i].where);
    }
    free(spec->stimuli);
    free(spec);
}
