/* SPDX-License-Identifier: MIT */
/* check_spec.c -- run specs: a full and an empty spec read field by field, and every case in
 * tests/specs/invalid/ (spec.json + expected message) checked against dq_spec_load. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <dq/host/spec.h>

#include <check.h>

#define SPEC_DIR DQ_TEST_SPEC_DIR

/* The line the CLI prints after "dqhost: error: ". */
static void format_error(const dq_error_t *err, char *buf, size_t cap)
{
    if (err->line > 0)
        snprintf(buf, cap, "%s:%d:%d: %s", err->source, err->line, err->column, err->message);
    else
        snprintf(buf, cap, "%s: %s", err->source, err->message);
}

/* The file's text without its trailing newline, or NULL. [owned: free] */
static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = calloc(1, 8192);
    size_t n = buf ? fread(buf, 1, 8191, f) : 0;
    fclose(f);
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        buf[--n] = '\0';
    return buf;
}

/* text with every "{spec}" replaced by path. */
static void replace_spec(const char *text, const char *path, char *out, size_t cap)
{
    size_t len = 0;
    out[0] = '\0';
    while (*text && len + 1 < cap) {
        if (strncmp(text, "{spec}", 6) == 0) {
            len += (size_t)snprintf(out + len, cap - len, "%s", path);
            text += 6;
        } else {
            out[len++] = *text++;
            out[len] = '\0';
        }
    }
}

static int file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static dq_spec_t *must_parse(const char *text)
{
    dq_error_t err;
    dq_error_clear(&err);
    dq_spec_t *s = dq_spec_parse(text, "inline.json", &err);
    ck_assert_msg(s != NULL, "parse failed: %s", err.message);
    return s;
}

/* The error of a text that must fail, formatted. */
static int parse_error(const char *text, char *buf, size_t cap)
{
    dq_error_t err;
    dq_error_clear(&err);
    dq_spec_t *s = dq_spec_parse(text, "inline.json", &err);
    ck_assert_ptr_null(s);
    format_error(&err, buf, cap);
    return err.code;
}

START_TEST(test_spec_full_file_fills_every_field)
{
    const char *path = SPEC_DIR "/valid/full.json";
    dq_error_t err;
    dq_error_clear(&err);
    dq_spec_t *s = dq_spec_load(path, &err);
    ck_assert_msg(s != NULL, "%s", err.message);
    ck_assert_int_eq(err.code, DQ_OK);
    ck_assert_str_eq(s->path, path);
    ck_assert_str_eq(s->model, "hh");

    ck_assert_uint_eq(s->n_params, 3);
    ck_assert_str_eq(s->params[0].name, "n");
    ck_assert_str_eq(s->params[0].where, ".params.n");
    ck_assert_uint_eq(s->params[0].len, 1);
    ck_assert_double_eq(s->params[0].v[0], 3.0);
    ck_assert_str_eq(s->params[1].name, "I_ext");
    ck_assert_uint_eq(s->params[1].len, 3);
    ck_assert_double_eq(s->params[1].v[0], 0.0);
    ck_assert_double_eq(s->params[1].v[1], 5.5);
    ck_assert_double_eq(s->params[1].v[2], 10.0);
    ck_assert_str_eq(s->params[2].name, "gNa");
    ck_assert_double_eq(s->params[2].v[0], 120.5);

    ck_assert_str_eq(s->solver, "rk4");
    ck_assert_uint_eq(s->n_solver_options, 2);
    ck_assert_str_eq(s->solver_options[0].name, "newton_tol");
    ck_assert_double_eq(s->solver_options[0].value, 1e-9);
    ck_assert_str_eq(s->solver_options[0].where, ".solver_options.newton_tol");
    ck_assert_str_eq(s->solver_options[1].name, "newton_max_iter");
    ck_assert_double_eq(s->solver_options[1].value, 20.0);

    ck_assert_int_eq(s->has_dt, 1);
    ck_assert_double_eq(s->dt, 0.01);
    ck_assert_int_eq(s->has_t_end, 1);
    ck_assert_double_eq(s->t_end, 200.0);

    ck_assert_uint_eq(s->n_submodules, 2);
    ck_assert_str_eq(s->submodules[0].name, "gates");
    ck_assert_str_eq(s->submodules[0].solver, "exp_euler");
    ck_assert_uint_eq(s->submodules[0].substeps, 2);
    ck_assert_str_eq(s->submodules[0].where, ".submodules.gates");
    ck_assert_str_eq(s->submodules[1].name, "hh");
    ck_assert_ptr_null(s->submodules[1].solver);
    ck_assert_uint_eq(s->submodules[1].substeps, 0);

    ck_assert_uint_eq(s->n_record_states, 2);
    ck_assert_str_eq(s->record_states[0], "V");
    ck_assert_str_eq(s->record_states[1], "m");
    ck_assert_uint_eq(s->record_every, 10); /* written 10.0: whole reals are accepted */
    ck_assert_uint_eq(s->n_record_units, 2);
    ck_assert_uint_eq(s->record_units[0], 2);
    ck_assert_uint_eq(s->record_units[1], 0);

    ck_assert_str_eq(s->output_path, "hh.json");
    ck_assert_int_eq(s->output_format, DQ_FORMAT_JSON);
    ck_assert_int_eq(s->has_seed, 1);
    ck_assert_uint_eq(s->seed, 42);

    ck_assert_str_eq(s->spikes_path, "hh-spikes.csv");
    ck_assert_int_eq(s->has_adaptive, 1);
    ck_assert_double_eq(s->rtol, 1e-5);
    ck_assert_double_eq(s->atol, 0.0); /* an object: per-state values only */
    ck_assert_uint_eq(s->n_state_atol, 2);
    ck_assert_str_eq(s->state_atol[0].state, "V");
    ck_assert_double_eq(s->state_atol[0].value, 1e-6);
    ck_assert_str_eq(s->state_atol[0].where, ".adaptive.atol.V");
    ck_assert_str_eq(s->state_atol[1].state, "m");
    ck_assert_double_eq(s->state_atol[1].value, 1e-8);
    ck_assert_str_eq(s->state_atol[1].where, ".adaptive.atol.m");
    ck_assert_double_eq(s->h0, 0.001);
    ck_assert_double_eq(s->hmin, 0.0);
    ck_assert_double_eq(s->hmax, 0.5);
    ck_assert_uint_eq(s->max_rejects, 20); /* written 20.0 */
    ck_assert_int_eq(s->fixed_step, 1);
    dq_spec_free(s);
}
END_TEST

START_TEST(test_spec_empty_object_leaves_everything_absent)
{
    dq_spec_t *s = must_parse("{}");
    ck_assert_str_eq(s->path, "inline.json");
    ck_assert_ptr_null(s->model);
    ck_assert_ptr_null(s->params);
    ck_assert_uint_eq(s->n_params, 0);
    ck_assert_ptr_null(s->solver);
    ck_assert_ptr_null(s->solver_options);
    ck_assert_uint_eq(s->n_solver_options, 0);
    ck_assert_int_eq(s->has_dt, 0);
    ck_assert_int_eq(s->has_t_end, 0);
    ck_assert_ptr_null(s->submodules);
    ck_assert_uint_eq(s->n_submodules, 0);
    ck_assert_ptr_null(s->record_states);
    ck_assert_uint_eq(s->n_record_states, 0);
    ck_assert_uint_eq(s->record_every, 0);
    ck_assert_ptr_null(s->record_units);
    ck_assert_uint_eq(s->n_record_units, 0);
    ck_assert_ptr_null(s->output_path);
    ck_assert_int_eq(s->output_format, DQ_FORMAT_DEFAULT);
    ck_assert_int_eq(s->has_seed, 0);
    ck_assert_int_eq(s->has_adaptive, 0);
    ck_assert_double_eq(s->rtol, 0.0);
    ck_assert_double_eq(s->atol, 0.0);
    ck_assert_ptr_null(s->state_atol);
    ck_assert_uint_eq(s->n_state_atol, 0);
    ck_assert_double_eq(s->hmax, 0.0);
    ck_assert_uint_eq(s->max_rejects, 0);
    ck_assert_int_eq(s->fixed_step, 0);
    ck_assert_ptr_null(s->spikes_path);
    dq_spec_free(s);

    /* Empty sections are as good as absent. */
    s = must_parse("{\"params\": {}, \"solver_options\": {}, \"submodules\": {}, "
                   "\"record\": {}, \"output\": {}}");
    ck_assert_uint_eq(s->n_params, 0);
    ck_assert_uint_eq(s->n_submodules, 0);
    ck_assert_ptr_null(s->record_states);
    ck_assert_int_eq(s->output_format, DQ_FORMAT_DEFAULT);
    dq_spec_free(s);

    /* An empty "adaptive" section is present but sets nothing. */
    s = must_parse("{\"adaptive\": {}}");
    ck_assert_int_eq(s->has_adaptive, 1);
    ck_assert_double_eq(s->rtol, 0.0);
    ck_assert_uint_eq(s->n_state_atol, 0);
    dq_spec_free(s);
}
END_TEST

START_TEST(test_spec_adaptive_atol_number_zero_limits_and_odd_state_names)
{
    /* atol as one number; 0 for h0, hmin and hmax is "chosen by the host" / "no limit", so
     * hmin above hmax 0 is no contradiction; fixed_step false is the default. */
    dq_spec_t *s = must_parse("{\"adaptive\": {\"atol\": 1e-9, \"h0\": 0, \"hmin\": 0.5, "
                              "\"hmax\": 0, \"fixed_step\": false, \"max_rejects\": 4294967295}}");
    ck_assert_double_eq(s->atol, 1e-9);
    ck_assert_ptr_null(s->state_atol);
    ck_assert_double_eq(s->h0, 0.0);
    ck_assert_double_eq(s->hmin, 0.5);
    ck_assert_double_eq(s->hmax, 0.0);
    ck_assert_int_eq(s->fixed_step, 0);
    ck_assert_uint_eq(s->max_rejects, 4294967295u);
    dq_spec_free(s);

    /* State names that are not plain get quoted paths, like parameters. */
    s = must_parse("{\"adaptive\": {\"atol\": {\"Ca in\": 1e-9}}}");
    ck_assert_uint_eq(s->n_state_atol, 1);
    ck_assert_str_eq(s->state_atol[0].state, "Ca in");
    ck_assert_str_eq(s->state_atol[0].where, ".adaptive.atol[\"Ca in\"]");
    dq_spec_free(s);

    /* hmin equal to hmax and h0 equal to hmax are allowed. */
    s = must_parse("{\"adaptive\": {\"hmin\": 0.5, \"hmax\": 0.5, \"h0\": 0.5}}");
    ck_assert_double_eq(s->hmax, 0.5);
    dq_spec_free(s);
}
END_TEST

START_TEST(test_spec_adaptive_errors_name_the_path_and_value)
{
    char got[2048];
    ck_assert_int_eq(parse_error("{\"adaptive\": {\"max_rejects\": 4294967296}}", got, sizeof got),
                     DQ_ESPEC);
    ck_assert_str_eq(got, "inline.json: .adaptive.max_rejects: expected a whole number <= "
                          "4294967295, got 4294967296");
    ck_assert_int_eq(parse_error("{\"adaptive\": {\"atol\": {\"V\": \"small\"}}}", got, sizeof got),
                     DQ_ESPEC);
    ck_assert_str_eq(got,
                     "inline.json: .adaptive.atol.V: expected a positive number, got \"small\"");
    ck_assert_int_eq(parse_error("{\"adaptive\": {\"atol\": null}}", got, sizeof got), DQ_ESPEC);
    ck_assert_str_eq(got, "inline.json: .adaptive.atol: expected a positive number or an object "
                          "of per-state numbers, got null");
    ck_assert_int_eq(parse_error("{\"adaptive\": {\"fixed_step\": \"yes\"}}", got, sizeof got),
                     DQ_ESPEC);
    ck_assert_str_eq(got, "inline.json: .adaptive.fixed_step: expected true or false, got \"yes\"");
    /* The first problem in document order, then the cross-checks of the section. */
    ck_assert_int_eq(
        parse_error("{\"adaptive\": {\"hmin\": 2, \"hmax\": 1, \"rtol\": -1}}", got, sizeof got),
        DQ_ESPEC);
    ck_assert_str_eq(got, "inline.json: .adaptive.rtol: expected a positive number, got -1");
    ck_assert_int_eq(
        parse_error("{\"adaptive\": {\"hmin\": 2.0, \"hmax\": 1e-3}}", got, sizeof got), DQ_ESPEC);
    ck_assert_str_eq(got, "inline.json: .adaptive.hmin: 2.0 is larger than .adaptive.hmax 0.001");
    ck_assert_int_eq(parse_error("{\"output\": {\"spikes\": 3}}", got, sizeof got), DQ_ESPEC);
    ck_assert_str_eq(got, "inline.json: .output.spikes: expected a non-empty string, got 3");
}
END_TEST

START_TEST(test_spec_invalid_cases_give_expected_messages)
{
    const char *root = SPEC_DIR "/invalid";
    DIR *d = opendir(root);
    ck_assert_msg(d != NULL, "cannot open %s", root);
    int checked = 0, failed = 0;
    char report[6000] = "";
    size_t used = 0;
    struct dirent *ent;
    while ((ent = readdir(d)) != NULL) {
        if (ent->d_name[0] == '.')
            continue;
        char spec[1024], expected_path[1024], marker[1024];
        snprintf(spec, sizeof spec, "%s/%s/spec.json", root, ent->d_name);
        snprintf(expected_path, sizeof expected_path, "%s/%s/expected", root, ent->d_name);
        snprintf(marker, sizeof marker, "%s/%s/needs_model", root, ent->d_name);
        if (!file_exists(spec) || file_exists(marker))
            continue;
        char *expected = read_text(expected_path);
        ck_assert_msg(expected != NULL, "case %s has no expected file", ent->d_name);
        char want[2048], got[2048];
        replace_spec(expected, spec, want, sizeof want);
        free(expected);

        dq_error_t err;
        dq_error_clear(&err);
        dq_spec_t *s = dq_spec_load(spec, &err);
        format_error(&err, got, sizeof got);
        int ok = s == NULL && (err.code == DQ_ESPEC || err.code == DQ_EIO) &&
                 strcmp(err.source, spec) == 0 && strcmp(got, want) == 0;
        dq_spec_free(s);
        ++checked;
        if (!ok) {
            ++failed;
            if (used < sizeof report)
                used += (size_t)snprintf(report + used, sizeof report - used,
                                         "\n%s (%s):\n  got  %s\n  want %s", ent->d_name,
                                         s ? "loaded" : dq_err_name(err.code), got, want);
        }
    }
    closedir(d);
    ck_assert_msg(failed == 0, "%d of %d invalid specs gave another result:%s", failed, checked,
                  report);
    ck_assert_msg(checked >= 25, "only %d invalid specs checked", checked);
}
END_TEST

START_TEST(test_spec_missing_file_is_an_io_error)
{
    const char *path = SPEC_DIR "/no/such/spec.json";
    dq_error_t err;
    dq_error_clear(&err);
    ck_assert_ptr_null(dq_spec_load(path, &err));
    ck_assert_int_eq(err.code, DQ_EIO);
    ck_assert_str_eq(err.source, path);
    ck_assert_int_eq(err.line, 0);
    ck_assert_str_eq(err.message, "cannot read run spec '" SPEC_DIR
                                  "/no/such/spec.json': No such file or directory");

    /* A directory opens but cannot be read. */
    dq_error_clear(&err);
    ck_assert_ptr_null(dq_spec_load(SPEC_DIR, &err));
    ck_assert_int_eq(err.code, DQ_EIO);
    ck_assert_str_eq(err.message, "cannot read run spec '" SPEC_DIR "': Is a directory");
}
END_TEST

START_TEST(test_spec_where_fields_are_json_paths_with_odd_names_quoted)
{
    dq_spec_t *s = must_parse("{\"params\": {\"tau\": 1, \"a b\": 2, \"x.y\": [1], \"q\\\"\": 3},"
                              " \"solver_options\": {\"newton_tol\": 1, \"tol-abs\": 2},"
                              " \"submodules\": {\"gates\": {}, \"K channel\": {}}}");
    ck_assert_uint_eq(s->n_params, 4);
    ck_assert_str_eq(s->params[0].where, ".params.tau");
    ck_assert_str_eq(s->params[1].name, "a b");
    ck_assert_str_eq(s->params[1].where, ".params[\"a b\"]");
    ck_assert_str_eq(s->params[2].where, ".params[\"x.y\"]");
    ck_assert_str_eq(s->params[3].name, "q\"");
    ck_assert_str_eq(s->params[3].where, ".params[\"q\\\"\"]");
    ck_assert_str_eq(s->solver_options[0].where, ".solver_options.newton_tol");
    ck_assert_str_eq(s->solver_options[1].where, ".solver_options[\"tol-abs\"]");
    ck_assert_str_eq(s->submodules[0].where, ".submodules.gates");
    ck_assert_str_eq(s->submodules[1].where, ".submodules[\"K channel\"]");
    dq_spec_free(s);
}
END_TEST

START_TEST(test_spec_whole_reals_and_integers_are_accepted_where_allowed)
{
    dq_spec_t *s = must_parse("{\"dt\": 1, \"t_end\": 20, \"seed\": 7.0, \"record\": "
                              "{\"every\": 3, \"units\": [1.0, 4]}, \"submodules\": "
                              "{\"gates\": {\"substeps\": 3.0}}, "
                              "\"output\": {\"format\": \"csv\"}}");
    ck_assert_double_eq(s->dt, 1.0);
    ck_assert_double_eq(s->t_end, 20.0);
    ck_assert_uint_eq(s->seed, 7);
    ck_assert_uint_eq(s->record_every, 3);
    ck_assert_uint_eq(s->record_units[0], 1);
    ck_assert_uint_eq(s->record_units[1], 4);
    ck_assert_uint_eq(s->submodules[0].substeps, 3);
    ck_assert_int_eq(s->output_format, DQ_FORMAT_CSV);
    dq_spec_free(s);

    /* The largest seed JSON can write as an integer. */
    s = must_parse("{\"seed\": 9223372036854775807}");
    ck_assert_uint_eq(s->seed, 9223372036854775807ULL);
    dq_spec_free(s);
}
END_TEST

START_TEST(test_spec_parse_errors_name_the_source_and_value)
{
    char got[2048];
    dq_error_t err;
    dq_error_clear(&err);
    ck_assert_ptr_null(dq_spec_parse("{\"dt\": 0}", NULL, &err));
    ck_assert_str_eq(err.source, "<string>");
    ck_assert_str_eq(err.message, ".dt: expected a positive number, got 0");

    ck_assert_int_eq(parse_error("{\"dt\": -1e-7}", got, sizeof got), DQ_ESPEC);
    ck_assert_str_eq(got, "inline.json: .dt: expected a positive number, got -1e-07");
    /* Values are shown compactly and cut at 40 characters, never inside a UTF-8 sequence. */
    ck_assert_int_eq(parse_error("{\"params\": {\"v\": [[1, 2, 3], {\"a\": true, \"b\": null},"
                                 " 12345678901234567890.5]}}",
                                 got, sizeof got),
                     DQ_ESPEC);
    ck_assert_str_eq(got, "inline.json: .params.v[0]: expected a number, got [1,2,3]");
    ck_assert_int_eq(
        parse_error("{\"model\": [\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\\u00e9\\u00e9\"]}", got,
                    sizeof got),
        DQ_ESPEC);
    ck_assert_str_eq(got, "inline.json: .model: expected a non-empty string, got "
                          "[\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...");
    ck_assert_int_eq(
        parse_error("{\"model\": \"x\\ty\\n\", \"solver\": {\"k\": 1}}", got, sizeof got),
        DQ_ESPEC);
    ck_assert_str_eq(got, "inline.json: .solver: expected a non-empty string, got {\"k\":1}");
    ck_assert_int_eq(parse_error("{\"seed\": 1e30}", got, sizeof got), DQ_ESPEC);
    ck_assert_str_eq(got, "inline.json: .seed: expected a whole number <= 18446744073709551615, "
                          "got 1e+30");
    /* The first problem in document order is reported. */
    ck_assert_int_eq(parse_error("{\"t_end\": -1, \"dt\": -2}", got, sizeof got), DQ_ESPEC);
    ck_assert_str_eq(got, "inline.json: .t_end: expected a positive number, got -1");
    /* A byte-order mark is skipped, so positions match what an editor shows. */
    ck_assert_int_eq(parse_error("\xEF\xBB\xBF{\"dt\": }", got, sizeof got), DQ_ESPEC);
    ck_assert_str_eq(got, "inline.json:1:8: unexpected token near '}'");
}
END_TEST

START_TEST(test_spec_duplicate_units_report_the_first_repeat)
{
    /* 0..4999, then 17 again and 3 again: the repeat at index 5000 is the first. */
    size_t cap = 64 * 1024, len = 0;
    char *text = malloc(cap);
    ck_assert_ptr_nonnull(text);
    len += (size_t)snprintf(text + len, cap - len, "{\"record\": {\"units\": [");
    for (int i = 0; i < 5000; ++i)
        len += (size_t)snprintf(text + len, cap - len, "%d, ", i);
    snprintf(text + len, cap - len, "17, 3]}}");
    char got[2048];
    ck_assert_int_eq(parse_error(text, got, sizeof got), DQ_ESPEC);
    free(text);
    ck_assert_str_eq(got, "inline.json: .record.units[5000]: duplicate unit 17");
}
END_TEST

START_TEST(test_spec_first_error_wins)
{
    dq_error_t err;
    dq_error_clear(&err);
    dq_error_set(&err, DQ_EUSAGE, "earlier", "an earlier error");
    ck_assert_ptr_null(dq_spec_parse("{\n\"dt\" 1}", "inline.json", &err));
    ck_assert_int_eq(err.code, DQ_EUSAGE);
    ck_assert_str_eq(err.source, "earlier");
    ck_assert_str_eq(err.message, "an earlier error");
    ck_assert_int_eq(err.line, 0); /* the syntax error's position is not added to it */

    /* And a NULL record is allowed. */
    ck_assert_ptr_null(dq_spec_parse("[]", "inline.json", NULL));
    ck_assert_ptr_null(dq_spec_parse("{\"dt\": 0}", "inline.json", NULL));
    ck_assert_ptr_null(dq_spec_load(SPEC_DIR "/no/such/spec.json", NULL));
    dq_spec_free(NULL);
}
END_TEST

/* The cable sections: the morphology named relative to the spec's directory, the
 * discretisation over dq_morph_discret_init's values, cm/Ra/v_init NaN until given, and a
 * stimulus's delay 0 by default. */
START_TEST(test_spec_cable_sections_resolve_the_morphology_and_fill_defaults)
{
    dq_error_t err = {0};
    dq_spec_t *s = dq_spec_parse(
        "{\"model\": \"cell\", \"morphology\": \"cells/pyr.swc\","
        " \"discretisation\": {\"rule\": \"nseg\", \"nseg\": 3.0},"
        " \"cable\": {\"Ra\": 100},"
        " \"stimuli\": [{\"at\": \"soma(0.5)\", \"dur\": 2, \"amp\": -0.5},"
        "               {\"amp\": 1, \"at\": \"dend[3](1)\", \"delay\": 4.5, \"dur\": 0}]}",
        "runs/a/spec.json", &err);
    ck_assert_msg(s != NULL, "%s", err.message);
    ck_assert_str_eq(s->morphology, "runs/a/cells/pyr.swc");
    ck_assert_int_eq(s->has_discret, 1);
    ck_assert_int_eq(s->discret.rule, DQ_MORPH_RULE_NSEG);
    ck_assert_int_eq(s->discret.nseg, 3);
    ck_assert_double_eq(s->discret.d_lambda, 0.1); /* the rest as dq_morph_discret_init */
    ck_assert_double_eq(s->discret.freq, 100.0);
    ck_assert_int_eq(s->has_cable, 1);
    ck_assert_double_eq(s->Ra, 100.0);
    ck_assert(isnan(s->cm) && isnan(s->v_init));
    ck_assert_int_eq(s->has_stimuli, 1);
    ck_assert_uint_eq(s->n_stimuli, 2);
    ck_assert_str_eq(s->stimuli[0].at, "soma(0.5)");
    ck_assert_double_eq(s->stimuli[0].delay, 0.0);
    ck_assert_double_eq(s->stimuli[0].dur, 2.0);
    ck_assert_double_eq(s->stimuli[0].amp, -0.5);
    ck_assert_str_eq(s->stimuli[0].where, ".stimuli[0]");
    ck_assert_str_eq(s->stimuli[1].at, "dend[3](1)");
    ck_assert_double_eq(s->stimuli[1].delay, 4.5);
    ck_assert_double_eq(s->stimuli[1].dur, 0.0);
    ck_assert_double_eq(s->stimuli[1].amp, 1.0);
    ck_assert_str_eq(s->stimuli[1].where, ".stimuli[1]");
    dq_spec_free(s);

    /* An absolute name stays; a spec without a directory names files from the current one;
     * an empty stimulus list is a list. */
    s = dq_spec_parse("{\"morphology\": \"/data/c.swc\", \"stimuli\": []}", "d/s.json", &err);
    ck_assert_ptr_nonnull(s);
    ck_assert_str_eq(s->morphology, "/data/c.swc");
    ck_assert_int_eq(s->has_stimuli, 1);
    ck_assert_uint_eq(s->n_stimuli, 0);
    ck_assert_int_eq(s->has_discret, 0);
    ck_assert_int_eq(s->has_cable, 0);
    dq_spec_free(s);
    s = dq_spec_parse("{\"morphology\": \"c.swc\", \"discretisation\": {\"rule\": \"length\","
                      " \"max_length\": 20}}",
                      NULL, &err);
    ck_assert_ptr_nonnull(s);
    ck_assert_str_eq(s->morphology, "c.swc");
    ck_assert_int_eq(s->discret.rule, DQ_MORPH_RULE_LENGTH);
    ck_assert_double_eq(s->discret.max_length, 20.0);
    dq_spec_free(s);

    /* An empty spec has none of it. */
    s = dq_spec_parse("{}", NULL, &err);
    ck_assert_ptr_nonnull(s);
    ck_assert_ptr_null(s->morphology);
    ck_assert(!s->has_discret && !s->has_cable && !s->has_stimuli);
    ck_assert_int_eq(s->discret.rule, DQ_MORPH_RULE_DLAMBDA);
    dq_spec_free(s);
}
END_TEST

Suite *spec_suite(void)
{
    Suite *s = suite_create("spec");
    TCase *tc = tcase_create("spec");
    tcase_add_test(tc, test_spec_full_file_fills_every_field);
    tcase_add_test(tc, test_spec_empty_object_leaves_everything_absent);
    tcase_add_test(tc, test_spec_adaptive_atol_number_zero_limits_and_odd_state_names);
    tcase_add_test(tc, test_spec_adaptive_errors_name_the_path_and_value);
    tcase_add_test(tc, test_spec_invalid_cases_give_expected_messages);
    tcase_add_test(tc, test_spec_missing_file_is_an_io_error);
    tcase_add_test(tc, test_spec_where_fields_are_json_paths_with_odd_names_quoted);
    tcase_add_test(tc, test_spec_whole_reals_and_integers_are_accepted_where_allowed);
    tcase_add_test(tc, test_spec_parse_errors_name_the_source_and_value);
    tcase_add_test(tc, test_spec_duplicate_units_report_the_first_repeat);
    tcase_add_test(tc, test_spec_first_error_wins);
    tcase_add_test(tc, test_spec_cable_sections_resolve_the_morphology_and_fill_defaults);
    suite_add_tcase(s, tc);
    return s;
}
