/* SPDX-License-Identifier: MIT */
/* run_prov.c -- what produced an output: the dqhost version, the plugin ABI, each plugin
 * file used with its SHA-256, the resolved spec, the seed, the threads, the host and the
 * start time; and reading it back for `dqhost run --replay`. */
#define _POSIX_C_SOURCE 200809L
#include "run_prov.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <dq/version.h>

#include "file.h"
#include "sha256.h"

/* A generator as written: {"linspace": [first, last]}; a sweep axis adds "parameter"
 * first and "n" (or "values") after. */
static json_t *run_prov_gen(const dq_spec_param_t *g)
{
    static const char *const keys[] = {"values", "linspace", "logspace"};
    json_t *o = json_object(), *v = json_array();
    int bad = !o || !v;
    if (!bad && g->count)
        bad |= json_object_set_new(o, "parameter", json_string(g->name));
    for (size_t j = 0; !bad && g->gen == DQ_SPEC_VALUES && j < g->len; ++j)
        bad |= json_array_append_new(v, json_real(g->v[j]));
    if (!bad && g->gen != DQ_SPEC_VALUES)
        bad |= json_array_append_new(v, json_real(g->first)) ||
               json_array_append_new(v, json_real(g->last));
    bad |= json_object_set_new(o, keys[g->gen], v);
    if (!bad && g->count && g->gen != DQ_SPEC_VALUES)
        bad |= json_object_set_new(o, "n", json_integer((json_int_t)g->count));
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* The resolved spec: what a spec file holds to make this run again, defaults filled in.
 * Generated parameters are written as their generator and the sweep as its axes, not as a
 * value per unit, so the provenance of a million-unit sweep stays a line. */
static json_t *run_prov_spec(const dq_system_t *sys, const dq_model_desc_t *model,
                             const run_plan_t *p)
{
    json_t *spec = json_object(), *params = json_object(), *opts = json_object();
    json_t *subs = json_object(), *sweep = p->n_sweep ? json_array() : NULL;
    int bad = !spec || !params || !opts || !subs || (p->n_sweep && !sweep);
    for (size_t a = 0; !bad && a < p->n_sweep; ++a)
        bad |= json_array_append_new(sweep, run_prov_gen(&p->sweep[a]));
    for (size_t k = 0; !bad && model && k < model->n_params; ++k) {
        const dq_param_arg_t *given = NULL;
        const dq_spec_param_t *gen = NULL;
        for (size_t i = 0; i < p->n_params; ++i) /* the last one given wins, as in the run */
            if (strcmp(p->params[i].name, model->params[k].name) == 0) {
                given = &p->params[i];
                gen = p->gens[i];
            }
        json_t *v;
        if (gen && gen->count) /* a sweep axis */
            continue;
        if (gen)
            v = run_prov_gen(gen);
        else if (!given)
            v = json_real(model->params[k].def);
        else if (given->len == 1)
            v = json_real(given->v[0]);
        else {
            v = json_array();
            for (size_t j = 0; v && j < given->len; ++j)
                bad |= json_array_append_new(v, json_real(given->v[j]));
        }
        bad |= json_object_set_new(params, model->params[k].name, v);
    }
    for (size_t i = 0; !bad && i < p->n_opts; ++i)
        bad |= json_object_set_new(opts, p->opts[i].name, json_real(p->opts[i].value));
    for (size_t i = 1; !bad && i < dq_system_module_count(sys); ++i) {
        const dq_integrator_entry_t *e = dq_system_module_solver(sys, i);
        if (!dq_system_module_is_independent(sys, i) || !e)
            continue;
        bad |= json_object_set_new(subs, dq_system_module_name(sys, i),
                                   json_pack("{s:s, s:I}", "solver", e->name, "substeps",
                                             (json_int_t)dq_system_module_substeps(sys, i)));
    }
    bad |= json_object_set_new(spec, "model", json_string(dq_system_model_name(sys))) ||
           json_object_set_new(spec, "params", params) ||
           (sweep && json_object_set_new(spec, "sweep", sweep)) ||
           json_object_set_new(spec, "solver", json_string(dq_system_solver_name(sys))) ||
           json_object_set_new(spec, "solver_options", opts) ||
           json_object_set_new(spec, "dt", json_real(p->dt)) ||
           json_object_set_new(spec, "t_end", json_real(p->t_end)) ||
           json_object_set_new(spec, "submodules", subs);
    if (!bad && p->recording) {
        json_t *rec = json_pack("{s:I}", "every", (json_int_t)(p->every ? p->every : 1));
        json_t *states = json_array();
        for (size_t s = 0; rec && states && s < p->n_rec_states; ++s)
            bad |= json_array_append_new(states, json_string(p->rec_states[s]));
        for (size_t s = 0; rec && states && !p->n_rec_states && s < dq_system_state_count(sys); ++s)
            bad |= json_array_append_new(states, json_string(dq_system_state_name(sys, s)));
        bad |= !rec || json_object_set_new(rec, "states", states);
        if (!bad && p->n_rec_units) {
            json_t *units = json_array();
            for (size_t u = 0; units && u < p->n_rec_units; ++u)
                bad |= json_array_append_new(units, json_integer((json_int_t)p->rec_units[u]));
            bad |= json_object_set_new(rec, "units", units);
        }
        bad |= json_object_set_new(spec, "record", rec);
    }
    if (!bad && (p->recording || p->spikes_path)) {
        json_t *out = json_object();
        if (out && p->recording) {
            if (p->out_path)
                bad |= json_object_set_new(out, "path", json_string(p->out_path));
            bad |= json_object_set_new(out, "format",
                                       json_string(p->format == DQ_FORMAT_JSON ? "json"
                                                   : p->format == DQ_FORMAT_H5 ? "h5"
                                                                               : "csv"));
            if (p->no_provenance)
                bad |= json_object_set_new(out, "provenance", json_false());
        }
        if (out && p->spikes_path)
            bad |= json_object_set_new(out, "spikes", json_string(p->spikes_path));
        bad |= json_object_set_new(spec, "output", out);
    }
    bad |=
        json_object_set_new(spec, "seed", json_integer((json_int_t)(p->has_seed ? p->seed : 0))) ||
        json_object_set_new(spec, "noise_refine",
                            json_integer(p->noise_refine ? p->noise_refine : 1));
    if (!bad && (run_plan_has_control(p) || p->ctl.fixed_step)) {
        json_t *a = json_object();
        const struct {
            const char *key;
            double v;
        } vals[] = {
            {"rtol", p->ctl.rtol}, {"h0", p->ctl.h0}, {"hmin", p->ctl.hmin}, {"hmax", p->ctl.hmax}};
        for (size_t k = 0; a && k < sizeof vals / sizeof vals[0]; ++k)
            if (vals[k].v > 0)
                bad |= json_object_set_new(a, vals[k].key, json_real(vals[k].v));
        if (a && p->ctl.n_states) { /* the spec takes one atol or per-state values */
            json_t *st = json_object();
            for (size_t i = 0; st && i < p->ctl.n_states; ++i)
                bad |= json_object_set_new(st, p->ctl.states[i].state,
                                           json_real(p->ctl.states[i].value));
            bad |= json_object_set_new(a, "atol", st);
        } else if (a && p->ctl.atol > 0)
            bad |= json_object_set_new(a, "atol", json_real(p->ctl.atol));
        if (a && p->ctl.max_rejects)
            bad |= json_object_set_new(a, "max_rejects", json_integer(p->ctl.max_rejects));
        if (a && p->ctl.fixed_step)
            bad |= json_object_set_new(a, "fixed_step", json_true());
        bad |= json_object_set_new(spec, "adaptive", a);
    }
    if (!bad && run_cable_prov_spec(spec, p))
        bad = 1;
    if (bad) {
        if (sweep && json_object_get(spec, "sweep") != sweep)
            json_decref(sweep);
        json_decref(spec);
        return NULL;
    }
    return spec;
}

/* One plugin: {"role", "name", "module"?, "path" or null, "sha256" or null}. */
static int run_prov_plugin(json_t *list, const char *role, const char *name, const char *module,
                           const char *origin)
{
    int builtin = !origin || strcmp(origin, DQ_ORIGIN_BUILTIN) == 0;
    char hex[65];
    int hashed = !builtin && dq__sha256_file(origin, hex) == 0;
    for (size_t i = 0; i < json_array_size(list); ++i) { /* each entry once */
        json_t *e = json_array_get(list, i);
        if (strcmp(json_string_value(json_object_get(e, "role")), role) == 0 &&
            strcmp(json_string_value(json_object_get(e, "name")), name) == 0)
            return 0;
    }
    json_t *e = json_pack("{s:s, s:s, s:s?, s:s?, s:s?}", "role", role, "name", name, "module",
                          module, "path", builtin ? NULL : origin, "sha256", hashed ? hex : NULL);
    return json_array_append_new(list, e);
}

/* "name from PATH sha256 H", "name built in" or "name from PATH (unreadable)". */
static int run_prov_plugin_line(FILE *f, const json_t *e)
{
    const char *module = json_string_value(json_object_get(e, "module"));
    const char *path = json_string_value(json_object_get(e, "path"));
    const char *sha = json_string_value(json_object_get(e, "sha256"));
    fprintf(f, "%s %s", json_string_value(json_object_get(e, "role")),
            json_string_value(json_object_get(e, "name")));
    if (module)
        fprintf(f, " (module %s)", module);
    if (!path)
        return fprintf(f, " built in\n") < 0 ? -1 : 0;
    return fprintf(f, " from %s sha256 %s\n", path, sha ? sha : "unreadable") < 0 ? -1 : 0;
}

int run_prov_build(run_prov_t *pv, dq_cli_t *cli, const dq_system_t *sys, const run_plan_t *p)
{
    memset(pv, 0, sizeof *pv);
    const dq_model_entry_t *model = dq_registry_lookup_model(cli->reg, p->model, NULL);
    char host[256] = "";
    if (gethostname(host, sizeof host - 1) != 0)
        host[0] = '\0';
    char when[32] = "";
    time_t now = time(NULL);
    struct tm tm;
    if (gmtime_r(&now, &tm))
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    char abi[16];
    snprintf(abi, sizeof abi, "%d.%d", DQ_ABI_MAJOR, DQ_ABI_MINOR);
    json_t *plugins = json_array();
    int bad = !plugins;
    if (!bad)
        bad |= run_prov_plugin(plugins, "model", dq_system_model_name(sys), NULL,
                               model ? model->origin : NULL);
    for (size_t i = 0; !bad && i < dq_system_module_count(sys); ++i) {
        const dq_integrator_entry_t *e = dq_system_module_solver(sys, i);
        if (e && (i == 0 || dq_system_module_is_independent(sys, i)))
            bad |= run_prov_plugin(plugins, "solver", e->name,
                                   i ? dq_system_module_name(sys, i) : NULL, e->origin);
    }
    json_t *spec = bad ? NULL : run_prov_spec(sys, model ? model->desc : NULL, p);
    /* A cable model's morphology is an input like a plugin: its file and digest. */
    char morph_hex[65];
    const char *morph_abs = json_string_value(json_object_get(spec, "morphology"));
    int morph_hashed = morph_abs && dq__sha256_file(morph_abs, morph_hex) == 0;
    pv->doc = json_pack("{s:s, s:s, s:o, s:o, s:I, s:I, s:s, s:s}", "dqhost", DQ_VERSION_STRING,
                        "abi", abi, "plugins", plugins, "spec", spec, "seed",
                        (json_int_t)(p->has_seed ? p->seed : 0), "threads",
                        (json_int_t)dq_system_threads(sys), "host", host, "start_time", when);
    if (pv->doc && morph_abs &&
        json_object_set_new(pv->doc, "morphology",
                            json_pack("{s:s, s:s?}", "path", morph_abs, "sha256",
                                      morph_hashed ? morph_hex : NULL))) {
        json_decref(pv->doc);
        pv->doc = NULL;
    }
    if (!pv->doc || !(pv->json = json_dumps(pv->doc, JSON_COMPACT | JSON_PRESERVE_ORDER))) {
        run_prov_free(pv);
        cli_errorf("out of memory");
        return -1;
    }
    char *spec_text = json_dumps(spec, JSON_COMPACT | JSON_PRESERVE_ORDER);
    size_t len = 0;
    FILE *f = open_memstream(&pv->lines, &len);
    if (!f || !spec_text) {
        if (f)
            fclose(f);
        free(spec_text);
        run_prov_free(pv);
        cli_errorf("out of memory");
        return -1;
    }
    fprintf(f, "dqhost %s, plugin ABI %s\n", DQ_VERSION_STRING, abi);
    for (size_t i = 0; i < json_array_size(plugins); ++i)
        run_prov_plugin_line(f, json_array_get(plugins, i));
    if (morph_abs)
        fprintf(f, "morphology %s sha256 %s\n", morph_abs, morph_hashed ? morph_hex : "unreadable");
    fprintf(f, "seed %llu, threads %zu, host %s, started %s\n",
            (unsigned long long)(p->has_seed ? p->seed : 0), dq_system_threads(sys), host, when);
    fprintf(f, "spec %s\n", spec_text);
    fprintf(f, "provenance %s", pv->json);
    free(spec_text);
    if (fclose(f) != 0) {
        run_prov_free(pv);
        cli_errorf("out of memory");
        return -1;
    }
    return 0;
}

void run_prov_free(run_prov_t *pv)
{
    json_decref(pv->doc);
    free(pv->lines);
    free(pv->json);
    memset(pv, 0, sizeof *pv);
}

/* The "# provenance {...}" line of a CSV trajectory, parsed; NULL when there is none. */
static json_t *run_prov_from_csv(const char *text)
{
    for (const char *l = text; l && strncmp(l, "# ", 2) == 0;) {
        const char *e = strchr(l, '\n');
        if (strncmp(l + 2, "provenance ", 11) == 0) {
            size_t n = e ? (size_t)(e - l - 13) : strlen(l + 13);
            return json_loadb(l + 13, n, 0, NULL);
        }
        l = e ? e + 1 : NULL;
    }
    return NULL;
}

json_t *run_prov_read(const char *path)
{
    /* The provenance is at the start of a trajectory: a large one is read only so far. */
    const size_t max = (size_t)64 << 20;
    dq__file_t file = {0};
    if (dq__file_read(path, max, &file)) {
        cli_errorf("run: --replay: cannot read '%s': %s", path, strerror(file.sys_errno));
        return NULL;
    }
    json_t *prov = NULL;
    if (strncmp(file.data, "# ", 2) == 0)
        prov = run_prov_from_csv(file.data);
    else if (file.size < max) {
        json_t *doc = json_loadb(file.data, file.size, 0, NULL);
        prov = json_incref(json_object_get(doc, "provenance")); /* summary or trajectory */
        json_decref(doc);
    } else { /* a JSON trajectory's head: its one "provenance" member, before the samples */
        static const char key[] = "\"provenance\": ";
        const char *at = strstr(file.data, key);
        if (at)
            prov = json_loads(at + sizeof key - 1, JSON_DISABLE_EOF_CHECK, NULL);
    }
    free(file.data);
    if (!json_is_object(prov) || !json_is_object(json_object_get(prov, "spec"))) {
        json_decref(prov);
        cli_errorf("run: --replay: '%s' has no provenance (a --json summary, a CSV or a JSON "
                   "trajectory written by dqhost without --no-provenance is needed)",
                   path);
        return NULL;
    }
    return prov;
}

/* "same file", "missing (why)" or "changed: sha256 WAS now IS" of one recorded file. */
static void run_prov_check_file(const char *prefix, const char *path, const char *was)
{
    char hex[65];
    if (dq__sha256_file(path, hex) != 0)
        fprintf(stderr, "replay: %s: %s: missing (%s)\n", prefix, path, strerror(errno));
    else if (was && strcmp(was, hex) == 0)
        fprintf(stderr, "replay: %s: %s: same file\n", prefix, path);
    else
        fprintf(stderr, "replay: %s: %s: changed: sha256 %s now %s\n", prefix, path,
                was ? was : "unknown", hex);
}

void run_prov_check(const json_t *prov)
{
    const json_t *morph = json_object_get(prov, "morphology");
    if (json_string_value(json_object_get(morph, "path")))
        run_prov_check_file("morphology", json_string_value(json_object_get(morph, "path")),
                            json_string_value(json_object_get(morph, "sha256")));
    const json_t *list = json_object_get(prov, "plugins");
    for (size_t i = 0; i < json_array_size(list); ++i) {
        const json_t *e = json_array_get(list, i);
        const char *role = json_string_value(json_object_get(e, "role"));
        const char *name = json_string_value(json_object_get(e, "name"));
        const char *path = json_string_value(json_object_get(e, "path"));
        const char *was = json_string_value(json_object_get(e, "sha256"));
        char prefix[512];
        snprintf(prefix, sizeof prefix, "%s %s", role ? role : "plugin", name ? name : "?");
        if (!path) {
            fprintf(stderr, "replay: %s: built in\n", prefix);
            continue;
        }
        run_prov_check_file(prefix, path, was);
    }
}
