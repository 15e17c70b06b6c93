/* SPDX-License-Identifier: MIT */
/* cable_system.c -- a cable model expanded over a morphology's compartments into one
 * system (see cable_impl.h for the expansion), locations, state names per compartment. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cable_impl.h"
#include "internal.h"
#include "morph_impl.h"
#include "registry_private.h"

/* 1e-5: µF/cm² × µm² → nF, and µA/cm² × µm² → nA. */
#define CABLE_AREA_UNIT 1e-5

void dq_cable_opts_init(dq_cable_opts_t *o)
{
    memset(o, 0, sizeof *o);
    dq_morph_discret_init(&o->discret);
    o->cm = o->Ra = o->v_init = NAN;
}

/* A host-side callback the driver never reaches (it calls cable_eval.c for cable systems);
 * it stands where the generic set-up wants a compute_derivative or a diagonal. */
static int cable_never(const dq_view_t *v)
{
    (void)v;
    return DQ_EUSAGE;
}

/* An owned copy of a morphology, rebuilt section by section. */
static dq_morph_t *cable_morph_copy(const dq_morph_t *m)
{
    dq__morph_builder_t b;
    if (dq__morph_builder_init(&b))
        return NULL;
    for (size_t s = 0; s < m->n_sec; ++s) {
        const dq_morph_section_t *sec = &m->sec[s];
        if (dq__morph_builder_section(&b, sec->name, sec->region, sec->parent, sec->parent_x,
                                      sec->line))
            goto fail;
        for (size_t k = 0; k < sec->n_pt; ++k)
            if (dq__morph_builder_point(&b, sec->pt[k].x, sec->pt[k].y, sec->pt[k].z, sec->pt[k].d))
                goto fail;
    }
    dq_morph_t *out = dq__morph_builder_finish(&b);
    if (out) {
        out->soma = m->soma;
        out->n_swc_points = m->n_swc_points;
    }
    return out;
fail:
    dq__morph_builder_cleanup(&b);
    return NULL;
}

void dq__cable_free(dq__cable_t *cb)
{
    if (!cb)
        return;
    dq_morph_free(cb->morph);
    dq_morph_cable_free(cb->mc);
    free(cb->g_sum);
    free(cb->cap);
    free(cb->gate_comp);
    free(cb->vstates);
    free(cb->names);
    for (size_t i = 0; cb->mech && i < cb->n_mech; ++i) {
        dq__cable_mech_t *mk = &cb->mech[i];
        free(mk->comps);
        free(mk->states);
        for (size_t r = 0; mk->src && r < mk->n_vars - mk->n_own; ++r)
            free(mk->src[r]);
        free(mk->src);
        free(mk->src_run);
    }
    free(cb->mech);
    free(cb->junc);
    free(cb->junc_at);
    free(cb->junc_nb);
    free(cb->junc_g);
    free(cb->junc_diag);
    free(cb->junc_of);
    free(cb->stim);
    free(cb);
}

/* The cable's settings: the options', else the model's, else NEURON's. */
static int cable_settings(dq__cable_t *cb, const dq_model_desc_t *m, const dq_cable_opts_t *o,
                          dq_error_t *err)
{
    dq_cable_desc_t cd;
    int rc = dq__cable_desc_read(m, NULL, &cd, err);
    if (rc)
        return rc;
    cb->cm = !isnan(o->cm) ? o->cm : cd.cm > 0 ? cd.cm : 1.0;
    cb->Ra = !isnan(o->Ra) ? o->Ra : cd.Ra > 0 ? cd.Ra : 35.4;
    cb->v_init = !isnan(o->v_init) ? o->v_init : !isnan(cd.v_init) ? cd.v_init : -65.0;
    if (!isfinite(cb->cm) || !(cb->cm > 0))
        return dq_error_set(err, DQ_EINVAL, NULL, "cable cm must be a number > 0 (µF/cm²), got %g",
                            cb->cm);
    if (!isfinite(cb->Ra) || !(cb->Ra > 0))
        return dq_error_set(err, DQ_EINVAL, NULL, "cable Ra must be a number > 0 (Ω·cm), got %g",
                            cb->Ra);
    if (!isfinite(cb->v_init))
        return dq_error_set(err, DQ_EINVAL, NULL, "cable v_init must be a finite number (mV)");
    return DQ_OK;
}

/* Axial sums, capacitances, junction neighbours (a junction's voltage is the
 * conductance-weighted mean of its neighbours', which are never junctions themselves). */
static int cable_tree(dq__cable_t *cb, dq_error_t *err)
{
    const dq_morph_cable_t *mc = cb->mc;
    const size_t n = mc->n;
    cb->g_sum = dq__alloc_doubles(n);
    cb->cap = dq__alloc_doubles(n);
    cb->junc_diag = dq__alloc_doubles(n);
    cb->junc = calloc(n, sizeof *cb->junc);
    cb->junc_at = calloc(n + 1, sizeof *cb->junc_at);
    size_t *deg = calloc(n, sizeof *deg);
    if (!cb->g_sum || !cb->cap || !cb->junc_diag || !cb->junc || !cb->junc_at || !deg) {
        free(deg);
        return dq_error_set(err, DQ_ENOMEM, NULL, "out of memory for %zu compartments", n);
    }
    for (size_t c = 0; c < n; ++c) {
        cb->cap[c] = cb->cm * mc->area[c] * CABLE_AREA_UNIT;
        if (c > 0) {
            size_t p = (size_t)mc->parent[c];
            cb->g_sum[c] += mc->g_axial[c];
            cb->g_sum[p] += mc->g_axial[c];
            deg[c]++;
            deg[p]++;
        }
    }
    size_t total = 0;
    for (size_t c = 0; c < n; ++c)
        if (mc->junction[c] && deg[c] > 0) {
            cb->junc_at[cb->n_junc] = total;
            cb->junc[cb->n_junc++] = c;
            total += deg[c];
        }
    cb->junc_at[cb->n_junc] = total;
    cb->junc_nb = calloc(total ? total : 1, sizeof *cb->junc_nb);
    cb->junc_g = calloc(total ? total : 1, sizeof *cb->junc_g);
    /* fill[q]: next free slot of junction q; where[c]: junction index of c, or -1. */
    long *where = malloc(n * sizeof *where);
    if (!cb->junc_nb || !cb->junc_g || !where) {
        free(deg);
        free(where);
        return dq_error_set(err, DQ_ENOMEM, NULL, "out of memory for %zu compartments", n);
    }
    for (size_t c = 0; c < n; ++c)
        where[c] = -1;
    for (size_t q = 0; q < cb->n_junc; ++q) {
        where[cb->junc[q]] = (long)q;
        deg[cb->junc[q]] = cb->junc_at[q];
    }
    int rc = DQ_OK;
    for (size_t c = 1; c < n && rc == DQ_OK; ++c) {
        size_t p = (size_t)mc->parent[c];
        const size_t ends[2][2] = {{c, p}, {p, c}};
        for (int e = 0; e < 2; ++e) {
            long q = where[ends[e][0]];
            if (q < 0)
                continue;
            if (where[ends[e][1]] >= 0) {
                rc = dq_error_set(err, DQ_EINVAL, NULL,
                                  "compartments %zu and %zu are both zero-area junctions; a "
                                  "junction's neighbours must have membrane",
                                  c, p);
                break;
            }
            size_t at = deg[ends[e][0]]++;
            cb->junc_nb[at] = ends[e][1];
            cb->junc_g[at] = mc->g_axial[c];
            cb->junc_diag[ends[e][1]] += mc->g_axial[c] * mc->g_axial[c] / cb->g_sum[ends[e][0]];
        }
    }
    free(deg);
    cb->junc_of = where; /* kept: dq__cable_value */
    cb->pub = (dq_cable_t){.abi = DQ_ABI_HEADER_INIT(dq_cable_t),
                           .n = n,
                           .parent = mc->parent,
                           .g = mc->g_axial,
                           .g_sum = cb->g_sum,
                           .cap = cb->cap,
                           .area = mc->area};
    return rc;
}

/* Whether a mechanism with `regions` is present at compartment c (never at a junction). */
static int cable_present(const dq_morph_cable_t *mc, uint32_t regions, size_t c)
{
    if (mc->junction[c])
        return 0;
    if (regions == 0)
        return 1;
    int r = mc->region[c];
    return r >= 0 && r < 32 && (regions & (1u << r));
}

static long cable_comp_pos(const dq__cable_mech_t *mk, size_t comp)
{
    size_t lo = 0, hi = mk->n_mc;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (mk->comps[mid] < comp)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < mk->n_mc && mk->comps[lo] == comp ? (long)lo : -1;
}

/* The mechanism's reads: "V" (the root's state) or another mechanism's state, which must
 * be present wherever the reader is. */
static int cable_reads(dq_system_t *sys, dq__cable_mech_t *mk, dq_error_t *err)
{
    dq__cable_t *cb = sys->cable;
    const size_t n_reads = mk->n_vars - mk->n_own;
    mk->src = calloc(n_reads ? n_reads : 1, sizeof *mk->src);
    mk->src_run = calloc(n_reads ? n_reads : 1, sizeof *mk->src_run);
    if (!mk->src || !mk->src_run)
        return dq_error_set(err, DQ_ENOMEM, NULL, "out of memory");
    for (size_t r = 0; r < n_reads; ++r) {
        const char *name = mk->desc.reads[r];
        mk->src[r] = malloc((mk->n_mc ? mk->n_mc : 1) * sizeof **mk->src);
        if (!mk->src[r])
            return dq_error_set(err, DQ_ENOMEM, NULL, "out of memory");
        const dq__cable_mech_t *owner = NULL;
        size_t st = 0;
        for (size_t j = 0; j < cb->n_mech && !owner; ++j)
            for (size_t k = 0; k < cb->mech[j].n_own; ++k)
                if (strcmp(cb->mech[j].desc.states[k].name, name) == 0) {
                    owner = &cb->mech[j];
                    st = k;
                    break;
                }
        for (size_t k = 0; k < mk->n_mc; ++k) {
            const size_t c = mk->comps[k];
            if (!owner) { /* the root's V: the validator allows no other name */
                mk->src[r][k] = c;
                continue;
            }
            long pos = cable_comp_pos(owner, c);
            if (pos < 0)
                return dq_error_set(err, DQ_EINVAL, NULL,
                                    "model '%s': mechanism '%s' reads '%s' of mechanism '%s', "
                                    "which is not present at compartment %zu (section '%s')",
                                    sys->model.name, mk->desc.name, name, owner->desc.name, c,
                                    cb->morph->sec[cb->mc->section[c]].name);
            mk->src[r][k] = owner->first + st * owner->n_mc + (size_t)pos;
        }
        mk->src_run[r] = 1;
        for (size_t k = 1; k < mk->n_mc; ++k)
            mk->src_run[r] &= mk->src[r][k] == mk->src[r][0] + k;
    }
    return DQ_OK;
}

/* Each mechanism's compartments and first component; then the state names. */
static int cable_mechs(dq_system_t *sys, const dq_module_desc_t *orig, size_t nm, dq_error_t *err)
{
    dq__cable_t *cb = sys->cable;
    const dq_morph_cable_t *mc = cb->mc;
    const size_t n = mc->n;
    cb->n_mech = nm - 1;
    cb->mech = calloc(nm, sizeof *cb->mech);
    if (!cb->mech)
        return dq_error_set(err, DQ_ENOMEM, NULL, "out of memory");
    size_t first = n, name_len = 0;
    for (size_t c = 0; c < n; ++c)
        name_len += strlen(orig[0].states[0].name) + 24;
    for (size_t i = 0; i < cb->n_mech; ++i) {
        dq__cable_mech_t *mk = &cb->mech[i];
        mk->module = i + 1;
        mk->desc = orig[i + 1];
        mk->n_own = mk->desc.n_states;
        size_t n_reads = 0;
        while (mk->desc.reads && mk->desc.reads[n_reads])
            ++n_reads;
        mk->n_vars = mk->n_own + n_reads;
        mk->comps = malloc(n * sizeof *mk->comps);
        if (!mk->comps)
            return dq_error_set(err, DQ_ENOMEM, NULL, "out of memory");
        for (size_t c = 0; c < n; ++c)
            if (cable_present(mc, mk->desc.regions, c))
                mk->comps[mk->n_mc++] = c;
        mk->first = first;
        first += mk->n_own * mk->n_mc;
        for (size_t k = 0; k < mk->n_own; ++k)
            name_len += mk->n_mc * (strlen(mk->desc.states[k].name) + 24);
        if (mk->n_mc > cb->max_mc)
            cb->max_mc = mk->n_mc;
        if (mk->n_own > cb->max_own)
            cb->max_own = mk->n_own;
        if (mk->n_vars > cb->max_vars)
            cb->max_vars = mk->n_vars;
    }
    sys->n_states = first;
    cb->pub.n_gates = first - n;
    cb->gate_comp = malloc((first - n + 1) * sizeof *cb->gate_comp);
    cb->names = malloc(name_len + 1);
    cb->vstates = calloc(n, sizeof *cb->vstates);
    if (!cb->gate_comp || !cb->names || !cb->vstates)
        return dq_error_set(err, DQ_ENOMEM, NULL, "out of memory for %zu states", first);
    cb->pub.gate_comp = cb->gate_comp;
    char *at = cb->names;
    for (size_t c = 0; c < n; ++c) {
        cb->vstates[c] = orig[0].states[0];
        cb->vstates[c].name = at;
        at += sprintf(at, "%s[%zu]", orig[0].states[0].name, c) + 1;
    }
    for (size_t i = 0; i < cb->n_mech; ++i) {
        dq__cable_mech_t *mk = &cb->mech[i];
        mk->states = calloc(mk->n_own * mk->n_mc + 1, sizeof *mk->states);
        if (!mk->states)
            return dq_error_set(err, DQ_ENOMEM, NULL, "out of memory for %zu states", first);
        for (size_t k = 0; k < mk->n_own; ++k)
            for (size_t q = 0; q < mk->n_mc; ++q) {
                dq_state_desc_t *s = &mk->states[k * mk->n_mc + q];
                *s = mk->desc.states[k];
                s->name = at;
                at += sprintf(at, "%s[%zu]", mk->desc.states[k].name, mk->comps[q]) + 1;
                cb->gate_comp[mk->first - n + k * mk->n_mc + q] = mk->comps[q];
            }
    }
    return DQ_OK;
}

/* The system's module and state tables for the expansion (see cable_impl.h). */
static int cable_tables(dq_system_t *sys, const dq_module_desc_t *orig, size_t nm, dq_error_t *err)
{
    dq__cable_t *cb = sys->cable;
    const size_t n = cb->mc->n;
    sys->n_modules = nm;
    sys->modules = calloc(nm, sizeof *sys->modules);
    sys->states = calloc(sys->n_states, sizeof *sys->states);
    sys->state_module = calloc(sys->n_states, sizeof *sys->state_module);
    sys->mvars = calloc(nm, sizeof *sys->mvars);
    if (!sys->modules || !sys->states || !sys->state_module || !sys->mvars)
        return dq_error_set(err, DQ_ENOMEM, NULL, "out of memory for %zu states", sys->n_states);
    for (size_t i = 0; i < nm; ++i) {
        dq_module_desc_t *md = &sys->modules[i];
        *md = orig[i];
        md->reads = NULL;
        md->solver = NULL;
        md->init_state = NULL;
        md->jacobian = NULL;
        md->diffusion_diag = NULL;
        md->current = NULL;
        md->compute_derivative = cable_never;
        md->compute_derivative_diag = cable_never;
        md->jacobian_diag = cable_never;
        sys->mvars[i].vars = calloc(1, sizeof *sys->mvars[i].vars);
        if (!sys->mvars[i].vars)
            return dq_error_set(err, DQ_ENOMEM, NULL, "out of memory");
    }
    sys->modules[0].states = cb->vstates;
    sys->modules[0].n_states = n;
    for (size_t c = 0; c < n; ++c) {
        sys->states[c] = &cb->vstates[c];
        sys->state_module[c] = 0;
    }
    for (size_t i = 0; i < cb->n_mech; ++i) {
        dq__cable_mech_t *mk = &cb->mech[i];
        dq_module_desc_t *md = &sys->modules[mk->module];
        md->states = mk->states;
        md->n_states = mk->n_own * mk->n_mc;
        md->pre_integral = md->post_integral = NULL;
        md->n_events = 0;
        md->event = md->handle_event = NULL;
        for (size_t q = 0; q < md->n_states; ++q) {
            sys->states[mk->first + q] = &mk->states[q];
            sys->state_module[mk->first + q] = mk->module;
        }
    }
    /* The root's view is the root compartment's V; the mechanisms have no generic view. */
    sys->mvars[0].vars[0] = (size_t)cb->root;
    sys->mvars[0].n_own = sys->mvars[0].n_vars = 1;
    return DQ_OK;
}

/* The compartment the root module's events see: soma(0.5) when there is a soma. */
static long cable_root(const dq__cable_t *cb)
{
    for (size_t s = 0; s < cb->morph->n_sec; ++s)
        if (cb->morph->sec[s].region == DQ_MORPH_SOMA) {
            long c = dq_morph_cable_node(cb->morph, cb->mc, s, 0.5);
            if (c >= 0)
                return c;
        }
    return 0;
}

int dq__cable_build(dq_system_t *sys, const dq_morph_t *morph, const dq_cable_opts_t *opts,
                    dq_error_t *err)
{
    const dq_model_desc_t *m = &sys->model;
    size_t nm = 0;
    while (m->modules[nm])
        ++nm;
    dq_module_desc_t *orig = calloc(nm, sizeof *orig);
    dq__cable_t *cb = calloc(1, sizeof *cb);
    sys->cable = cb;
    if (!orig || !cb) {
        free(orig);
        return dq_error_set(err, DQ_ENOMEM, NULL, "out of memory");
    }
    int rc = DQ_OK;
    for (size_t i = 0; rc == DQ_OK && i < nm; ++i)
        rc = dq__module_desc_read(m->modules[i], &orig[i], NULL, err);
    if (rc == DQ_OK)
        rc = cable_settings(cb, m, opts, err);
    if (rc == DQ_OK) {
        dq_morph_discret_t d = opts->discret;
        d.Ra = cb->Ra;
        d.cm = cb->cm;
        cb->mc = dq_morph_cable_new(morph, &d, err);
        cb->morph = cb->mc ? cable_morph_copy(morph) : NULL;
        if (!cb->mc)
            rc = err && err->code ? err->code : DQ_EINVAL;
        else if (!cb->morph)
            rc = dq_error_set(err, DQ_ENOMEM, NULL, "out of memory copying the morphology");
    }
    if (rc == DQ_OK)
        rc = cable_tree(cb, err);
    if (rc == DQ_OK) {
        cb->root = cable_root(cb);
        cb->pub.root = (size_t)cb->root;
        rc = cable_mechs(sys, orig, nm, err);
    }
    for (size_t i = 0; rc == DQ_OK && i < cb->n_mech; ++i)
        rc = cable_reads(sys, &cb->mech[i], err);
    if (rc == DQ_OK)
        rc = cable_tables(sys, orig, nm, err);
    free(orig);
    return rc;
}

const dq_morph_cable_t *dq_system_cable(const dq_system_t *sys)
{
    return sys && sys->cable ? sys->cable->mc : NULL;
}

/* "name(x)", "name" (x = 0.5) or a compartment number. */
static long cable_locate(const dq__cable_t *cb, const char *where, dq_error_t *err)
{
    if (!where || !*where)
        return dq_error_set(err, DQ_EINVAL, NULL, "an empty location"), -1;
    const size_t len = strlen(where);
    size_t digits = 0;
    while (digits < len && isdigit((unsigned char)where[digits]))
        ++digits;
    if (digits == len) {
        unsigned long long c = strtoull(where, NULL, 10);
        if (digits > 18 || c >= cb->mc->n)
            return dq_error_set(err, DQ_EINVAL, NULL,
                                "location '%s': there is no compartment %s (the cell has %zu, "
                                "0 .. %zu)",
                                where, where, cb->mc->n, cb->mc->n - 1),
                   -1;
        return (long)c;
    }
    const char *paren = strchr(where, '(');
    size_t nlen = paren ? (size_t)(paren - where) : len;
    double x = 0.5;
    if (paren) {
        char *end = NULL;
        x = strtod(paren + 1, &end);
        if (end == paren + 1 || *end != ')' || end[1] != '\0')
            return dq_error_set(err, DQ_EINVAL, NULL,
                                "location '%s': expected section(x), e.g. 'soma(0.5)'", where),
                   -1;
        if (!(x >= 0.0 && x <= 1.0))
            return dq_error_set(err, DQ_EINVAL, NULL, "location '%s': x must be in [0, 1], got %g",
                                where, x),
                   -1;
    }
    const dq_morph_t *m = cb->morph;
    for (size_t s = 0; s < m->n_sec; ++s)
        if (strlen(m->sec[s].name) == nlen && strncmp(m->sec[s].name, where, nlen) == 0)
            return dq_morph_cable_node(m, cb->mc, s, x);
    char name[256];
    snprintf(name, sizeof name, "%.*s", (int)(nlen < 255 ? nlen : 255), where);
    const char **names = malloc(m->n_sec * sizeof *names);
    if (!names)
        return dq_error_set(err, DQ_ENOMEM, NULL, "out of memory"), -1;
    for (size_t s = 0; s < m->n_sec; ++s)
        names[s] = m->sec[s].name;
    /* A big cell has thousands of sections: list them only when there are few. */
    dq__unknown_t u = {.name = name,
                       .candidates = names,
                       .n_candidates = m->n_sec,
                       .label = "Sections",
                       .listed = names,
                       .n_listed = m->n_sec <= 12 ? m->n_sec : 0};
    dq__error_unknown(err, DQ_EINVAL, NULL, &u,
                      "location '%s': the morphology has no section '%s'.", where, name);
    free(names);
    return -1;
}

long dq_system_cable_locate(const dq_system_t *sys, const char *where, dq_error_t *err)
{
    if (!sys || !sys->cable)
        return dq_error_set(err, DQ_EINVAL, NULL,
                            "location '%s': model '%s' is not a cable model (it has no "
                            "compartments)",
                            where ? where : "", sys ? sys->model.name : "?"),
               -1;
    return cable_locate(sys->cable, where, err);
}

int dq__cable_stimuli(dq_system_t *sys, const dq_cable_opts_t *opts, dq_error_t *err)
{
    dq__cable_t *cb = sys->cable;
    if (opts->n_stim && !opts->stim)
        return dq_error_set(err, DQ_EINVAL, NULL, "%zu stimuli but no stimulus table",
                            opts->n_stim);
    cb->stim = calloc(opts->n_stim ? opts->n_stim : 1, sizeof *cb->stim);
    if (!cb->stim)
        return dq_error_set(err, DQ_ENOMEM, NULL, "out of memory");
    for (size_t i = 0; i < opts->n_stim; ++i) {
        const dq_cable_stim_t *s = &opts->stim[i];
        const char *at = s->at ? s->at : "";
        if (!isfinite(s->delay) || !isfinite(s->dur) || !isfinite(s->amp))
            return dq_error_set(err, DQ_EINVAL, NULL,
                                "stimulus %zu at '%s': delay, dur and amp must be finite numbers "
                                "(got %g, %g, %g)",
                                i, at, s->delay, s->dur, s->amp);
        if (s->dur < 0)
            return dq_error_set(err, DQ_EINVAL, NULL,
                                "stimulus %zu at '%s': dur must be >= 0 (ms), got %g", i, at,
                                s->dur);
        long c = cable_locate(cb, at, err);
        if (c < 0)
            return err ? err->code : DQ_EINVAL;
        cb->stim[cb->n_stim++] = (dq__cable_stim_in_t){
            .comp = (size_t)c, .delay = s->delay, .dur = s->dur, .amp = s->amp};
    }
    return DQ_OK;
}

double dq__cable_value(const dq_system_t *sys, size_t state, size_t unit)
{
    const dq__cable_t *cb = sys->cable;
    if (state >= cb->mc->n || cb->junc_of[state] < 0)
        return dq__system_stored_value(sys, state, unit);
    const size_t q = (size_t)cb->junc_of[state];
    const double t = dq_system_time(sys);
    double v = 0.0;
    for (size_t k = 0; k < cb->n_stim; ++k)
        if (cb->stim[k].comp == state && t >= cb->stim[k].delay &&
            t < cb->stim[k].delay + cb->stim[k].dur)
            v += cb->stim[k].amp;
    for (size_t p = cb->junc_at[q]; p < cb->junc_at[q + 1]; ++p)
        v += cb->junc_g[p] * dq__system_stored_value(sys, cb->junc_nb[p], unit);
    return v / cb->g_sum[state];
}

long dq__cable_state_index(const dq_system_t *sys, const char *name)
{
    const dq__cable_t *cb = sys->cable;
    const char *atp = strchr(name, '@');
    size_t nlen = atp ? (size_t)(atp - name) : strlen(name);
    long comp = cb->root;
    if (atp && (comp = cable_locate(cb, atp + 1, NULL)) < 0)
        return -1;
    /* "m[17]": the state's own name, found without a scan of every state's. */
    const char *br = atp ? NULL : strchr(name, '[');
    if (br && nlen > (size_t)(br - name) + 2 && name[nlen - 1] == ']') {
        const size_t dlen = nlen - (size_t)(br - name) - 2;
        char num[24];
        if (dlen >= sizeof num || strspn(br + 1, "0123456789") != dlen)
            return -1;
        memcpy(num, br + 1, dlen);
        num[dlen] = '\0';
        if (dlen > 1 && num[0] == '0')
            return -1; /* "V[07]" names nothing */
        if ((comp = cable_locate(cb, num, NULL)) < 0)
            return -1;
        nlen = (size_t)(br - name);
    }
    const char *vname = sys->modules[0].states[0].name;
    size_t vlen = strcspn(vname, "[");
    if (nlen == vlen && strncmp(name, vname, nlen) == 0)
        return comp;
    for (size_t i = 0; i < cb->n_mech; ++i) {
        const dq__cable_mech_t *mk = &cb->mech[i];
        for (size_t k = 0; k < mk->n_own; ++k) {
            const char *sn = mk->desc.states[k].name;
            if (strlen(sn) != nlen || strncmp(sn, name, nlen) != 0)
                continue;
            long pos = cable_comp_pos(mk, (size_t)comp);
            return pos < 0 ? -1 : (long)(mk->first + k * mk->n_mc + (size_t)pos);
        }
    }
    return -1;
}
