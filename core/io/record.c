/* SPDX-License-Identifier: MIT */
/* record.c -- writing sampled trajectories as CSV or JSON text (no JSON library needed), or
 * through record_h5.c as HDF5.
 *
 * Everything that needs a name (states, the "did you mean", the JSON keys) is resolved once
 * in dq_recorder_new, so dq_recorder_sample only reads values by index and prints: it
 * allocates nothing and returns at once on the steps it skips.
 *
 * Numbers are the shortest text that reads back to the same double (numfmt.h). Non-finite values
 * are written as nan, inf and -inf in CSV (what strtod reads back) and as null in JSON, which has
 * no such numbers; -0 is written as -0.0 in JSON because JSON readers (jansson, Python) take
 * "-0" for the integer 0 and would lose the sign. The text assumes the "C" LC_NUMERIC locale,
 * which a program gets unless it calls setlocale.
 *
 * The system must be prepared before dq_recorder_new (the caller's duty: the recorder reads
 * the unit count and, at the first sample, the initial values). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <dq/host/record.h>
#include <dq/host/registry.h>

#include "internal.h"
#include "numfmt.h"
#include "record_h5.h"
#include "strbuf.h"

struct dq_recorder {
    const dq_system_t *sys;
    FILE *out;
    int json;
    dq__h5_t *h5; /* HDF5 (record_h5.c) instead of out */
    uint64_t every;
    size_t *states; /* [n_states] state indices in output order */
    size_t n_states;
    char **keys;   /* [n_states] JSON only: the escaped `, "name": [` written before values */
    size_t *units; /* [n_units] unit indices in output order, or NULL: every unit */
    size_t n_units;
    double (*value)(void *, size_t, size_t); /* NULL: the system's values */
    void *value_user;
    uint64_t samples;
    uint64_t last_step; /* step of the last sample, to write a step only once */
    int finished;
    int write_errno; /* non-zero once a write failed: the document is broken for good */
};

/* ---- errors ---------------------------------------------------------------------------- */

/* "where[i]: " for a JSON path (".record.states[2]: "), "where: " for a flag. */
static const char *record_item_where(const char *where, size_t i, char *buf, size_t len)
{
    if (where && where[0] == '.') {
        snprintf(buf, len, "%s[%zu]: ", where, i);
        return buf;
    }
    return dq__where_prefix(where, buf, len);
}

static int record_unknown_state(const dq_system_t *sys, const char *name, const char *where,
                                size_t item, dq_error_t *err)
{
    size_t n = dq_system_state_count(sys);
    const char **names = malloc((n ? n : 1) * sizeof *names);
    if (!names)
        return dq_error_set(err, DQ_ENOMEM, NULL, "out of memory");
    for (size_t i = 0; i < n; ++i)
        names[i] = dq_system_state_name(sys, i);
    char w[256];
    const dq__unknown_t u = {.name = name,
                             .candidates = names,
                             .n_candidates = n,
                             .label = "States",
                             .none = "States: (none)."};
    int fresh = err && err->code == DQ_OK;
    int rc = dq__error_unknown(err, DQ_EINVAL, NULL, &u, "%smodel '%s' has no state '%s'.",
                               record_item_where(where, item, w, sizeof w),
                               dq_system_model_name(sys), name);
    free(names);
    if (fresh)
        dq_error_add_place(err, dq__where_place(where),
                           dq__where_place(where) == DQ_PLACE_FLAG ? where : NULL);
    return rc;
}

/* Reports the write failure remembered in rec (sticky: a stream that failed once may hold a
 * partial line, so nothing more is written). */
static int record_io_error(const dq_recorder_t *rec, dq_error_t *err)
{
    return dq_error_set(err, DQ_EIO, NULL, "cannot write the trajectory: %s",
                        strerror(rec->write_errno));
}

static int record_write_failed(dq_recorder_t *rec, dq_error_t *err)
{
    /* errno was cleared before writing; a stream that fails without setting it still fails. */
    rec->write_errno = errno ? errno : EIO;
    return record_io_error(rec, err);
}

/* ---- text ------------------------------------------------------------------------------ */

/* A JSON string literal for s, in malloc'd memory between `pre` and `post`. */
static char *record_json_key(const char *pre, const char *s, const char *post)
{
    dq__strbuf_t b;
    dq__strbuf_init(&b, NULL, 0);
    for (int pass = 0; pass < 2; ++pass) {
        dq__strbuf_append(&b, pre);
        dq__strbuf_append_json(&b, s);
        dq__strbuf_append(&b, post);
        if (pass == 0) {
            size_t cap = b.len + 1;
            char *buf = malloc(cap);
            if (!buf)
                return NULL;
            dq__strbuf_init(&b, buf, cap);
        }
    }
    return b.p;
}

static int record_json_string(FILE *out, const char *s)
{
    char *lit = record_json_key("", s ? s : "", "");
    if (!lit) {
        errno = ENOMEM;
        return -1;
    }
    int rc = fputs(lit, out);
    free(lit);
    return rc < 0 ? -1 : 0;
}

/* The CSV column "name[unit]": quoted, with quotes doubled, only when the name holds a
 * separator or a quote (valid state names never do). */
static int record_csv_column(FILE *out, const char *name, size_t unit)
{
    if (!strpbrk(name, ",\"\r\n"))
        return fprintf(out, ",%s[%zu]", name, unit) < 0 ? -1 : 0;
    if (fputs(",\"", out) < 0)
        return -1;
    for (const char *p = name; *p; ++p)
        if ((*p == '"' && fputc('"', out) == EOF) || fputc(*p, out) == EOF)
            return -1;
    return fprintf(out, "[%zu]\"", unit) < 0 ? -1 : 0;
}

static int record_number(FILE *out, double v, int json)
{
    char buf[DQ__NUMFMT_MAX];
    return fputs(dq__numfmt(buf, sizeof buf, v, json ? DQ__NUM_JSON : DQ__NUM_TEXT), out) < 0 ? -1
                                                                                              : 0;
}

static size_t record_unit(const dq_recorder_t *rec, size_t i)
{
    return rec->units ? rec->units[i] : i;
}

static int record_write_header(const dq_recorder_t *rec, const char *comment)
{
    FILE *out = rec->out;
    const dq_system_t *sys = rec->sys;
    if (!rec->json) {
        for (const char *l = comment; l && *l;) { /* each line as "# line" */
            const char *e = strchr(l, '\n');
            int len = e ? (int)(e - l) : (int)strlen(l);
            if (fprintf(out, "# %.*s\n", len, l) < 0)
                return -1;
            l = e ? e + 1 : l + len;
        }
        if (fputs("t", out) < 0)
            return -1;
        for (size_t s = 0; s < rec->n_states; ++s) {
            const char *name = dq_system_state_name(sys, rec->states[s]);
            for (size_t i = 0; i < rec->n_units; ++i)
                if (record_csv_column(out, name, record_unit(rec, i)) < 0)
                    return -1;
        }
        return fputc('\n', out) == EOF ? -1 : 0;
    }
    if (fputs("{\"model\": ", out) < 0 || record_json_string(out, dq_system_model_name(sys)) < 0)
        return -1;
    const char *solver = dq_system_solver_name(sys);
    if (fputs(", \"solver\": ", out) < 0 ||
        (solver ? record_json_string(out, solver) : fputs("null", out)) < 0)
        return -1;
    if (fputs(", \"dt\": ", out) < 0 || record_number(out, dq_system_dt(sys), 1) < 0)
        return -1;
    if (fprintf(out, ", \"every\": %llu, \"states\": [", (unsigned long long)rec->every) < 0)
        return -1;
    for (size_t s = 0; s < rec->n_states; ++s)
        if ((s && fputs(", ", out) < 0) ||
            record_json_string(out, dq_system_state_name(sys, rec->states[s])) < 0)
            return -1;
    if (fputs("], \"units\": [", out) < 0)
        return -1;
    for (size_t i = 0; i < rec->n_units; ++i)
        if (fprintf(out, "%s%zu", i ? ", " : "", record_unit(rec, i)) < 0)
            return -1;
    /* Samples follow one per line, each after "\n" or ",\n"; finish closes with "\n]}\n",
     * so the document is valid with any number of samples. */
    if (comment && (fputs("], \"provenance\": ", out) < 0 || fputs(comment, out) < 0))
        return -1;
    return fputs(comment ? ", \"samples\": [" : "], \"samples\": [", out) < 0 ? -1 : 0;
}

static int record_write_sample(const dq_recorder_t *rec)
{
    FILE *out = rec->out;
    const dq_system_t *sys = rec->sys;
    const int json = rec->json;
    if (json && fputs(rec->samples ? ",\n{\"t\": " : "\n{\"t\": ", out) < 0)
        return -1;
    if (record_number(out, dq_system_time(sys), json) < 0)
        return -1;
    for (size_t s = 0; s < rec->n_states; ++s) {
        if (json && fputs(rec->keys[s], out) < 0)
            return -1;
        for (size_t i = 0; i < rec->n_units; ++i) {
            if (((!json || i) && fputs(json ? ", " : ",", out) < 0) ||
                record_number(out,
                              rec->value
                                  ? rec->value(rec->value_user, s, i)
                                  : dq_system_value(sys, rec->states[s], record_unit(rec, i)),
                              json) < 0)
                return -1;
        }
        if (json && fputc(']', out) == EOF)
            return -1;
    }
    return fputc(json ? '}' : '\n', out) == EOF ? -1 : 0;
}

/* ---- choosing states and units --------------------------------------------------------- */

static int record_choose_states(dq_recorder_t *rec, const dq_record_opts_t *o, dq_error_t *err)
{
    const dq_system_t *sys = rec->sys;
    size_t count = dq_system_state_count(sys);
    int all = !o->states || o->n_states == 0;
    rec->n_states = all ? count : o->n_states;
    rec->states = malloc((rec->n_states ? rec->n_states : 1) * sizeof *rec->states);
    if (!rec->states)
        return dq_error_set(err, DQ_ENOMEM, NULL, "out of memory");
    char w[256];
    for (size_t i = 0; i < rec->n_states; ++i) {
        if (all) {
            rec->states[i] = i;
            continue;
        }
        const char *name = o->states[i];
        if (!name)
            return dq__error_where(err, DQ_EINVAL, o->states_where, "%sstate name %zu is NULL",
                                   dq__where_prefix(o->states_where, w, sizeof w), i);
        long idx = dq_system_state_index(sys, name);
        if (idx < 0)
            return record_unknown_state(sys, name, o->states_where, i, err);
        for (size_t j = 0; j < i; ++j)
            if (rec->states[j] == (size_t)idx)
                return dq__error_where(err, DQ_EINVAL, o->states_where,
                                       "%sstate '%s' is listed twice",
                                       record_item_where(o->states_where, i, w, sizeof w), name);
        rec->states[i] = (size_t)idx;
    }
    if (!rec->json)
        return DQ_OK;
    rec->keys = calloc(rec->n_states ? rec->n_states : 1, sizeof *rec->keys);
    if (!rec->keys)
        return dq_error_set(err, DQ_ENOMEM, NULL, "out of memory");
    for (size_t i = 0; i < rec->n_states; ++i) {
        const char *name = dq_system_state_name(sys, rec->states[i]);
        /* A state called "t" would repeat the time key of every sample object. */
        if (strcmp(name, "t") == 0)
            return dq__error_where(err, DQ_EINVAL, o->states_where,
                                   "%sstate 't' cannot be recorded as JSON: \"t\" is the time key "
                                   "of every sample; leave it out or write CSV",
                                   dq__where_prefix(o->states_where, w, sizeof w));
        if (!(rec->keys[i] = record_json_key(", ", name, ": [")))
            return dq_error_set(err, DQ_ENOMEM, NULL, "out of memory");
    }
    return DQ_OK;
}

static int record_choose_units(dq_recorder_t *rec, const dq_record_opts_t *o, dq_error_t *err)
{
    size_t total = o->value ? o->units_total : dq_system_units(rec->sys);
    if (!o->units || o->n_units == 0) {
        rec->n_units = total; /* units stays NULL: unit i is column i */
        return DQ_OK;
    }
    rec->n_units = o->n_units;
    rec->units = malloc(o->n_units * sizeof *rec->units);
    /* A flag per unit finds duplicates in linear time: selections can be large. */
    unsigned char *seen = calloc(total ? total : 1, 1);
    if (!rec->units || !seen) {
        free(seen);
        return dq_error_set(err, DQ_ENOMEM, NULL, "out of memory");
    }
    char w[256];
    int rc = DQ_OK;
    for (size_t i = 0; i < o->n_units && rc == DQ_OK; ++i) {
        size_t u = o->units[i];
        if (u >= total && total == 0)
            rc = dq__error_where(err, DQ_EINVAL, o->units_where,
                                 "%sunit %zu is out of range (the model has no units)",
                                 record_item_where(o->units_where, i, w, sizeof w), u);
        else if (u >= total)
            rc = dq__error_where(err, DQ_EINVAL, o->units_where,
                                 "%sunit %zu is out of range (the model has %zu unit%s: 0..%zu)",
                                 record_item_where(o->units_where, i, w, sizeof w), u, total,
                                 total == 1 ? "" : "s", total - 1);
        else if (seen[u])
            rc = dq__error_where(err, DQ_EINVAL, o->units_where, "%sunit %zu is listed twice",
                                 record_item_where(o->units_where, i, w, sizeof w), u);
        else
            seen[u] = 1;
        rec->units[i] = u;
    }
    free(seen);
    return rc;
}

/* ---- public ---------------------------------------------------------------------------- */

/* The recorder without its output: states and units chosen and checked. */
static dq_recorder_t *record_alloc(const dq_system_t *sys, const dq_record_opts_t *o, int json,
                                   dq_error_t *err)
{
    dq_recorder_t *rec = calloc(1, sizeof *rec);
    if (!rec) {
        dq_error_set(err, DQ_ENOMEM, NULL, "out of memory");
        return NULL;
    }
    rec->sys = sys;
    rec->json = json;
    rec->every = o->every ? o->every : 1;
    rec->value = o->value;
    rec->value_user = o->value_user;
    if (record_choose_states(rec, o, err) != DQ_OK || record_choose_units(rec, o, err) != DQ_OK) {
        dq_recorder_free(rec);
        return NULL;
    }
    return rec;
}

dq_recorder_t *dq_recorder_new(const dq_system_t *sys, const dq_record_opts_t *opts, FILE *out,
                               dq_error_t *err)
{
    if (!sys || !out) {
        dq_error_set(err, DQ_EUSAGE, NULL, "a recorder needs a system and an output stream");
        return NULL;
    }
    const dq_record_opts_t defaults = {0};
    const dq_record_opts_t *o = opts ? opts : &defaults;
    if (o->format == DQ_FORMAT_H5) {
        dq_error_set(err, DQ_EUSAGE, NULL,
                     "HDF5 output needs a file name, not a stream (dq_recorder_new_h5)");
        return NULL;
    }
    if (o->format != DQ_FORMAT_DEFAULT && o->format != DQ_FORMAT_CSV &&
        o->format != DQ_FORMAT_JSON) {
        dq_error_set(err, DQ_EINVAL, NULL, "unknown output format %d", (int)o->format);
        return NULL;
    }
    dq_recorder_t *rec = record_alloc(sys, o, o->format == DQ_FORMAT_JSON, err);
    if (!rec)
        return NULL;
    rec->out = out;
    errno = 0;
    if (record_write_header(rec, o->header_comment) < 0) {
        record_write_failed(rec, err);
        dq_recorder_free(rec);
        return NULL;
    }
    return rec;
}

dq_recorder_t *dq_recorder_new_h5(const dq_system_t *sys, const dq_record_opts_t *opts,
                                  const char *path, dq_error_t *err)
{
    if (!sys || !path || !*path) {
        dq_error_set(err, DQ_EUSAGE, NULL, "an HDF5 recorder needs a system and a file name");
        return NULL;
    }
    const dq_record_opts_t defaults = {0};
    const dq_record_opts_t *o = opts ? opts : &defaults;
    dq_recorder_t *rec = record_alloc(sys, o, 0, err);
    if (!rec)
        return NULL;
    rec->h5 = dq__h5_create(path, sys, rec->states, rec->n_states, rec->units, rec->n_units,
                            rec->every, o->t_end, o->header_comment, o->value, o->value_user, err);
    if (!rec->h5) {
        dq_recorder_free(rec);
        return NULL;
    }
    return rec;
}

int dq_recorder_sample(dq_recorder_t *rec, dq_error_t *err)
{
    uint64_t step = dq_system_step_count(rec->sys);
    if (step % rec->every != 0 || (rec->samples && step == rec->last_step))
        return DQ_OK;
    if (rec->write_errno)
        return record_io_error(rec, err);
    if (rec->finished)
        return dq_error_set(err, DQ_EUSAGE, NULL, "the trajectory is already finished");
    if (rec->h5) {
        if (dq__h5_sample(rec->h5, err) != DQ_OK)
            return DQ_EIO;
    } else {
        errno = 0;
        if (record_write_sample(rec) < 0)
            return record_write_failed(rec, err);
    }
    rec->samples++;
    rec->last_step = step;
    return DQ_OK;
}

int dq_recorder_finish(dq_recorder_t *rec, dq_error_t *err)
{
    if (rec->write_errno)
        return record_io_error(rec, err);
    if (rec->finished)
        return DQ_OK;
    rec->finished = 1;
    if (rec->h5)
        return dq__h5_close(rec->h5, err);
    errno = 0;
    if ((rec->json && fputs("\n]}\n", rec->out) < 0) || fflush(rec->out) == EOF || ferror(rec->out))
        return record_write_failed(rec, err);
    return DQ_OK;
}

uint64_t dq_recorder_samples(const dq_recorder_t *rec)
{
    return rec ? rec->samples : 0;
}

void dq_recorder_free(dq_recorder_t *rec)
{
    if (!rec)
        return;
    if (rec->keys)
        for (size_t i = 0; i < rec->n_states; ++i)
            free(rec->keys[i]);
    free(rec->keys);
    dq__h5_free(rec->h5);
    free(rec->states);
    free(rec->units);
    free(rec);
}
