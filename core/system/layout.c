/* SPDX-License-Identifier: MIT */
/* layout.c -- integration groups and where their states live: arenas cut into blocks of
 * whole lanes, auxiliary arrays, and the solvers' persistent per-unit state. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "system_impl.h"

double *dq__alloc_doubles(size_t n)
{
    /* 64 bytes: one AVX-512 register, so every block and component starts aligned. */
    size_t bytes = ((n ? n : 1) * sizeof(double) + 63) / 64 * 64;
    double *p = aligned_alloc(64, bytes);
    if (p)
        memset(p, 0, bytes);
    return p;
}

size_t dq__system_group_root(const dq_system_t *sys, size_t i)
{
    while (i > 0 && !sys->mod_solver[i])
        i = (size_t)sys->modules[i].parent;
    return i;
}

/* A fresh array of the solver's default option values (NULL when it has none). */
static int layout_default_options(const dq_integrator_entry_t *solver, double **out)
{
    *out = NULL;
    if (!solver->n_options)
        return DQ_OK;
    double *o = malloc(solver->n_options * sizeof *o);
    if (!o)
        return DQ_ENOMEM;
    for (size_t i = 0; i < solver->n_options; ++i)
        o[i] = solver->options[i].def;
    *out = o;
    return DQ_OK;
}

/* Builds the groups: one per module with a solver, ordered children before parents
 * (reverse declaration order, since parents are declared first), so an independent
 * sub-module is stepped before the module that contains it. */
static int layout_groups(dq_system_t *sys)
{
    for (size_t i = 0; i < sys->n_modules; ++i)
        sys->n_groups += sys->mod_solver[i] != NULL;
    sys->groups = calloc(sys->n_groups, sizeof *sys->groups);
    sys->state_group = malloc(sys->n_states * sizeof *sys->state_group);
    sys->state_comp = calloc(sys->n_states, sizeof *sys->state_comp);
    sys->aux = calloc(sys->n_states, sizeof *sys->aux);
    if (!sys->groups || !sys->state_group || !sys->state_comp || !sys->aux)
        return DQ_ENOMEM;
    size_t gi = 0;
    for (size_t i = sys->n_modules; i-- > 0;) {
        if (!sys->mod_solver[i])
            continue;
        dq__group_t *g = &sys->groups[gi];
        g->sys = sys;
        g->root = i;
        g->solver = sys->mod_solver[i];
        g->substeps = sys->mod_substeps[i] ? sys->mod_substeps[i] : 1;
        g->modules = malloc(sys->n_modules * sizeof *g->modules);
        g->states = malloc(sys->n_states * sizeof *g->states);
        if (!g->modules || !g->states)
            return DQ_ENOMEM;
        for (size_t k = 0; k < sys->n_modules; ++k)
            if (dq__system_group_root(sys, k) == i)
                g->modules[g->n_modules++] = k;
        for (size_t s = 0; s < sys->n_states; ++s) {
            if (dq__system_group_root(sys, sys->state_module[s]) != i ||
                (sys->states[s]->flags & DQ_STATE_AUX))
                continue;
            sys->state_group[s] = (int)gi;
            sys->state_comp[s] = g->m;
            g->states[g->m++] = s;
        }
        if (i == 0) {
            g->options = sys->root_options;
            sys->root_options = NULL;
        } else if (layout_default_options(g->solver, &g->options)) {
            return DQ_ENOMEM;
        }
        gi++;
    }
    for (size_t s = 0; s < sys->n_states; ++s)
        if (sys->states[s]->flags & DQ_STATE_AUX) {
            sys->state_group[s] = -1;
            sys->aux[s] = dq__alloc_doubles(sys->capacity);
            if (!sys->aux[s])
                return DQ_ENOMEM;
        }
    return DQ_OK;
}

/* The arenas of one group; scratch and Jacobian scratch are per lane (driver). */
static int layout_group_memory(dq_system_t *sys, dq__group_t *g)
{
    const size_t total = g->m * sys->capacity;
    g->analytic_jac = g->analytic_diag = g->fused_diag = 1;
    g->noisy = malloc((g->m ? g->m : 1) * sizeof *g->noisy);
    if (!g->noisy)
        return DQ_ENOMEM;
    for (size_t k = 0; k < g->m; ++k) {
        const uint32_t fl = sys->states[g->states[k]]->flags;
        if (fl & DQ_STATE_DIFFUSION) {
            g->noisy[g->n_noisy++] = k;
            g->multiplicative |= !(fl & DQ_STATE_ADDITIVE);
        }
    }
    const int noisy = g->n_noisy > 0;
    /* Finite differences for dg/dy unless every module with multiplicative noise says. */
    g->analytic_gdiag = 1;
    for (size_t k = 0; k < g->n_modules; ++k) {
        const dq_module_desc_t *md = &sys->modules[g->modules[k]];
        for (size_t s = 0; s < md->n_states; ++s)
            if ((md->states[s].flags & (DQ_STATE_DIFFUSION | DQ_STATE_ADDITIVE | DQ_STATE_AUX)) ==
                DQ_STATE_DIFFUSION)
                g->analytic_gdiag &= md->diffusion_diag != NULL;
    }
    for (size_t k = 0; k < g->n_modules; ++k) {
        const dq_module_desc_t *md = &sys->modules[g->modules[k]];
        g->has_pre |= md->pre_integral != NULL;
        g->has_post |= md->post_integral != NULL;
        g->resets |= (md->flags & DQ_MODULE_RESETS) && md->post_integral;
        if (md->n_states) {
            g->analytic_jac &= md->jacobian != NULL;
            g->analytic_diag &= md->jacobian_diag != NULL;
            g->fused_diag &= md->compute_derivative_diag != NULL;
        }
    }
    const dq_integrator_entry_t *sv = g->solver;
    g->scratch_len = dq__scratch_len(sys, sv, g->m, sys->block_units);
    g->y = dq__alloc_doubles(total);
    g->f = dq__alloc_doubles(total);
    g->g = noisy ? dq__alloc_doubles(total) : NULL;
    g->state = sv->state_vectors ? dq__alloc_doubles(sv->state_vectors * total) : NULL;
    if (!g->y || !g->f || (noisy && !g->g) || (sv->state_vectors && !g->state))
        return DQ_ENOMEM;
    /* The normals an SDE solver's block holds between steps (driver/brownian.c). */
    if (noisy && (sv->flags & DQ_CAP_DIFFUSION)) {
        g->noise = dq__alloc_doubles(2 * 4 * g->n_noisy * sys->capacity);
        g->noise_tag = calloc(2 * sys->n_blocks, sizeof *g->noise_tag);
        if (!g->noise || !g->noise_tag)
            return DQ_ENOMEM;
    }
    return DQ_OK;
}

/* The variables of each module of g that are g's own states (see dq__group_t.moving). */
static int layout_moving(dq_system_t *sys, dq__group_t *g)
{
    size_t total = 0;
    for (size_t k = 0; k < g->n_modules; ++k)
        total += sys->mvars[g->modules[k]].n_vars;
    g->moving = malloc((total ? total : 1) * sizeof *g->moving);
    g->moving_at = malloc((g->n_modules + 1) * sizeof *g->moving_at);
    if (!g->moving || !g->moving_at)
        return DQ_ENOMEM;
    const int gi = (int)(g - sys->groups);
    size_t n = 0;
    for (size_t k = 0; k < g->n_modules; ++k) {
        const dq__module_vars_t *mv = &sys->mvars[g->modules[k]];
        g->moving_at[k] = n;
        for (size_t var = 0; var < mv->n_vars; ++var)
            if (sys->state_group[mv->vars[var]] == gi)
                g->moving[n++] = var;
    }
    g->moving_at[g->n_modules] = n;
    return DQ_OK;
}

int dq__system_layout(dq_system_t *sys)
{
    int rc = layout_groups(sys);
    for (size_t gi = 0; rc == DQ_OK && gi < sys->n_groups; ++gi)
        rc = layout_moving(sys, &sys->groups[gi]);
    for (size_t gi = 0; rc == DQ_OK && gi < sys->n_groups; ++gi)
        rc = layout_group_memory(sys, &sys->groups[gi]);
    return rc;
}

void dq__system_free_layout(dq_system_t *sys)
{
    for (size_t i = 0; i < sys->n_groups; ++i) {
        dq__group_t *g = &sys->groups[i];
        free(g->options);
        free(g->modules);
        free(g->states);
        free(g->y);
        free(g->f);
        free(g->g);
        free(g->state);
        free(g->moving);
        free(g->moving_at);
        free(g->noisy);
        free(g->noise);
        free(g->noise_tag);
    }
    free(sys->groups);
    if (sys->aux)
        for (size_t s = 0; s < sys->n_states; ++s)
            free(sys->aux[s]);
    free(sys->aux);
    free(sys->state_group);
    free(sys->state_comp);
}
