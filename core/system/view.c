/* SPDX-License-Identifier: MIT */
/* view.c -- what a module callback sees: model-wide pointer tables per lane, gathered
 * into each module's local numbering (own states, then reads) at each call. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "system_impl.h"

void dq__group_view(dq__lane_t *l, const dq__group_t *g, size_t b, const double *y, double *f,
                    double *gd)
{
    const dq_system_t *sys = l->sys;
    l->view_y = y;
    l->view_f = f;
    l->view_g = gd;
    if (l->view_group == g && l->view_block == b) {
        const size_t ub = l->view_lanes;
        /* Same group and block as the last call: other groups' and aux pointers hold. */
        for (size_t k = 0; k < g->m; ++k) {
            size_t s = g->states[k], off = k * ub;
            l->val[s] = (double *)y + off;
            l->der[s] = f + off;
            l->dif[s] = gd && (sys->states[s]->flags & DQ_STATE_DIFFUSION) ? gd + off : NULL;
        }
        return;
    }
    size_t ub = dq__block_lanes(sys, b), unit0 = b * sys->block_units;
    for (size_t s = 0; s < sys->n_states; ++s) {
        int gi = sys->state_group[s];
        if (gi < 0) {
            l->val[s] = sys->aux[s] + unit0;
            l->der[s] = NULL;
            l->dif[s] = NULL;
            continue;
        }
        const dq__group_t *h = &sys->groups[gi];
        size_t base = b * h->m * sys->block_units, off = sys->state_comp[s] * ub;
        double *dif = h->g ? h->g + base : NULL;
        if (h == g) {
            l->val[s] = (double *)y + off;
            l->der[s] = f + off;
            dif = gd;
        } else {
            l->val[s] = h->y + base + off;
            l->der[s] = h->f + base + off;
        }
        l->dif[s] = dif && (sys->states[s]->flags & DQ_STATE_DIFFUSION) ? dif + off : NULL;
    }
    l->view_group = g;
    l->view_block = b;
    l->view_unit0 = unit0;
    l->view_lanes = ub;
    l->view_gen++;
}

/* Module i's local tables inside the lane's mtab: value [n_vars], derivative [n_own],
 * diffusion [n_own], jacobian_diag [n_own], jacobian [n_own * n_vars]. */
static size_t view_tables_len(const dq__module_vars_t *mv)
{
    return mv->n_vars + 3 * mv->n_own + mv->n_own * mv->n_vars;
}

const dq_view_t *dq__module_view(dq__lane_t *l, size_t i, const dq__group_t *g, size_t k)
{
    const dq_system_t *sys = l->sys;
    const dq__module_vars_t *mv = &sys->mvars[i];
    double **tab = l->mtab + l->mtab_off[i];
    double **value = tab, **der = value + mv->n_vars, **dif = der + mv->n_own;
    double **jdiag = dif + mv->n_own, **jac = jdiag + mv->n_own;
    dq_view_t *v = &l->mview[i];
    const double **yf = l->mview_yf + 3 * i;
    if (g && l->mview_gen[i] == l->view_gen) {
        /* Same block and group as this module's last call: at most the group's own states
         * moved (to the buffers the solver passed), and often not even they. */
        const int moved = yf[0] != l->view_y || yf[1] != l->view_f || yf[2] != l->view_g;
        for (size_t p = g->moving_at[k]; moved && p < g->moving_at[k + 1]; ++p) {
            size_t var = g->moving[p], s = mv->vars[var];
            value[var] = l->val[s];
            if (var < mv->n_own) {
                der[var] = l->der[s];
                dif[var] = l->dif[s];
            }
        }
    } else {
        for (size_t q = 0; q < mv->n_vars; ++q)
            value[q] = l->val[mv->vars[q]];
        for (size_t q = 0; q < mv->n_own; ++q) {
            der[q] = l->der[mv->vars[q]];
            dif[q] = l->dif[mv->vars[q]];
        }
        l->mview_gen[i] = l->view_gen;
        v->unit0 = l->view_unit0;
        v->units = l->view_lanes;
    }
    yf[0] = l->view_y;
    yf[1] = l->view_f;
    yf[2] = l->view_g;
    v->jacobian = NULL;
    v->jacobian_diag = NULL;
    if (l->diag_on) {
        for (size_t q = 0; q < mv->n_own; ++q)
            jdiag[q] = l->jdiag[mv->vars[q]];
        v->jacobian_diag = jdiag;
    }
    if (l->jac_on) {
        const size_t ns = sys->n_states;
        for (size_t r = 0; r < mv->n_own; ++r)
            for (size_t c = 0; c < mv->n_vars; ++c)
                jac[r * mv->n_vars + c] = l->jac[mv->vars[r] * ns + mv->vars[c]];
        v->jacobian = jac;
    }
    v->t = l->view_t;
    v->lane_t = l->view_lane_t;
    v->event = NULL;
    v->fired = NULL;
    v->dt = l->view_dt;
    v->step = l->view_step;
    v->errbuf[0] = '\0';
    return v;
}

int dq__lane_views_init(dq__lane_t *l)
{
    const dq_system_t *sys = l->sys;
    const size_t ns = sys->n_states;
    l->val = calloc(ns, sizeof *l->val);
    l->der = calloc(ns, sizeof *l->der);
    l->dif = calloc(ns, sizeof *l->dif);
    /* A cable system has thousands of states and no dense Jacobian (host_api.c refuses it). */
    l->jac = calloc(sys->cable ? 1 : ns * ns, sizeof *l->jac);
    l->jdiag = calloc(ns, sizeof *l->jdiag);
    l->mview = calloc(sys->n_modules, sizeof *l->mview);
    l->mtab_off = calloc(sys->n_modules, sizeof *l->mtab_off);
    l->reset = calloc(sys->block_units, 1);
    l->mview_gen = calloc(sys->n_modules, sizeof *l->mview_gen);
    l->mview_yf = calloc(3 * sys->n_modules, sizeof *l->mview_yf);
    l->view_gen = 1; /* module views start stale (0) */
    if (!l->mview_gen || !l->mview_yf || !l->val || !l->der || !l->dif || !l->jac || !l->jdiag ||
        !l->mview || !l->mtab_off || !l->reset)
        return DQ_ENOMEM;
    size_t total = 0;
    for (size_t i = 0; i < sys->n_modules; ++i) {
        l->mtab_off[i] = total;
        total += view_tables_len(&sys->mvars[i]);
    }
    l->mtab = calloc(total ? total : 1, sizeof *l->mtab);
    if (!l->mtab)
        return DQ_ENOMEM;
    l->view_group = NULL;
    for (size_t i = 0; i < sys->n_modules; ++i) {
        const dq__module_vars_t *mv = &sys->mvars[i];
        double **tab = l->mtab + l->mtab_off[i];
        l->mview[i] = (dq_view_t){
            .abi = DQ_ABI_HEADER_INIT(dq_view_t),
            .population = sys->units,
            .value = tab,
            .derivative = tab + mv->n_vars,
            .diffusion = tab + mv->n_vars + mv->n_own,
            .data = sys->data,
            .errbuf = l->view_err,
            .errlen = sizeof l->view_err,
            .n_vars = mv->n_vars,
            .reset = (sys->modules[i].flags & DQ_MODULE_RESETS) ? l->reset : NULL,
        };
    }
    return DQ_OK;
}

void dq__lane_views_free(dq__lane_t *l)
{
    free(l->val);
    free(l->der);
    free(l->dif);
    free(l->jac);
    free(l->jdiag);
    free(l->mview);
    free(l->mtab);
    free(l->mtab_off);
    free(l->reset);
    free(l->mview_gen);
    free(l->mview_yf);
}
