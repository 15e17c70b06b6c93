/* SPDX-License-Identifier: MIT */
/* cable_eval.c -- the voltage equation of dq/cable.h over a block of cells: mechanisms
 * called once per block with (compartment, cell) lanes, the membrane current, the axial
 * current, stimuli, junctions eliminated, and the pieces of the mass-matrix form.
 *
 * Everything runs in the lane's scratch (sized at prepare): no call allocates. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cable_impl.h"
#include "driver_impl.h"
#include "internal.h"

#define CABLE_AREA_UNIT 1e-5

dq__cable_scratch_t *dq__cable_scratch_new(const dq_system_t *sys, dq__lane_t *l)
{
    const dq__cable_t *cb = sys->cable;
    const size_t U = sys->block_units, n = cb->mc->n, mc = cb->max_mc ? cb->max_mc : 1;
    dq__cable_scratch_t *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->vg = dq__alloc_doubles((cb->max_vars + 1) * mc * U);
    s->cur = dq__alloc_doubles(mc * U);
    s->cnd = dq__alloc_doubles(mc * U);
    s->pert = dq__alloc_doubles(mc * U);
    s->mf = dq__alloc_doubles((cb->max_own + 1) * mc * U);
    s->I = dq__alloc_doubles(n * U);
    s->G = dq__alloc_doubles(n * U);
    s->S = dq__alloc_doubles(n * U);
    s->vw = dq__alloc_doubles(n * U);
    s->yp = dq__alloc_doubles(sys->n_states * U);
    s->fp = dq__alloc_doubles(sys->n_states * U);
    s->tle = dq__alloc_doubles(mc * U);
    s->tab = calloc(cb->max_vars + 3 * cb->max_own + 1, sizeof *s->tab);
    if (!s->vg || !s->cur || !s->cnd || !s->pert || !s->mf || !s->I || !s->G || !s->S || !s->vw ||
        !s->yp || !s->fp || !s->tle || !s->tab) {
        dq__cable_scratch_free(s);
        return NULL;
    }
    s->view = (dq_view_t){.abi = DQ_ABI_HEADER_INIT(dq_view_t),
                          .population = sys->units,
                          .data = sys->data,
                          .errbuf = l->view_err,
                          .errlen = sizeof l->view_err};
    return s;
}

/* Row kernels for the common lone-cell block of DQ_LANES lanes: with the lane count a
 * constant each is a few vector moves, without a call to memcpy or loop control; a small
 * cell's step is mostly such rows. */
static inline void rows_copy(double *restrict dst, const double *restrict src, size_t U)
{
    if (U == DQ_LANES) {
        for (size_t u = 0; u < DQ_LANES; ++u)
            dst[u] = src[u];
        return;
    }
    memcpy(dst, src, U * sizeof *dst);
}

static inline void rows_axpy(double *restrict y, double a, const double *restrict x, size_t U)
{
    if (U == DQ_LANES) {
        for (size_t u = 0; u < DQ_LANES; ++u)
            y[u] += a * x[u];
        return;
    }
    for (size_t u = 0; u < U; ++u)
        y[u] += a * x[u];
}

void dq__cable_scratch_free(dq__cable_scratch_t *s)
{
    if (!s)
        return;
    free(s->vg);
    free(s->cur);
    free(s->cnd);
    free(s->pert);
    free(s->mf);
    free(s->I);
    free(s->G);
    free(s->S);
    free(s->vw);
    free(s->yp);
    free(s->fp);
    free(s->tle);
    free(s->tab);
    free(s);
}

static int cable_failed(const dq__cable_call_t *c, const dq__cable_mech_t *mk, const char *call,
                        int rc)
{
    dq__lane_t *l = c->l;
    return dq_error_set(&l->err, rc < 0 ? rc : DQ_EMODEL, NULL,
                        "model '%s': %s of mechanism '%s' failed at t = %.17g: %s",
                        l->sys->model.name, call, mk->desc.name, c->t,
                        l->view_err[0] ? l->view_err : dq_strerror(rc));
}

/* The lanes' times per (compartment, cell) lane, for views of per-lane runs. */
static void cable_times(const dq__cable_call_t *c)
{
    if (!c->tl)
        return;
    dq__cable_scratch_t *s = c->l->cable;
    const size_t U = c->units;
    for (size_t k = 0; k < c->l->sys->cable->max_mc; ++k)
        memcpy(s->tle + k * U, c->tl, U * sizeof *s->tle);
}

/* Mechanism mk's view over y (values), f (derivatives, may be NULL) and d (diagonal, may be
 * NULL): own rows point into the block, reads are gathered unless they are a run of rows. */
static dq_view_t *cable_view(const dq__cable_call_t *c, const dq__cable_mech_t *mk, const double *y,
                             double *f, double *d)
{
    const dq__cable_t *cb = c->l->sys->cable;
    dq__cable_scratch_t *s = c->l->cable;
    const size_t U = c->units, rows = mk->n_mc * U, stride = cb->max_mc * U;
    double **value = s->tab, **der = value + cb->max_vars, **dif = der + cb->max_own,
           **jd = dif + cb->max_own;
    for (size_t k = 0; k < mk->n_own; ++k) {
        const size_t at = (mk->first + k * mk->n_mc) * U;
        value[k] = (double *)y + at;
        der[k] = f ? f + at : NULL;
        dif[k] = NULL;
        jd[k] = d ? d + at : NULL;
    }
    for (size_t r = 0; r < mk->n_vars - mk->n_own; ++r) {
        const size_t *src = mk->src[r];
        if (mk->src_run[r] || mk->n_mc == 0) {
            value[mk->n_own + r] = (double *)y + (mk->n_mc ? src[0] : 0) * U;
            continue;
        }
        double *g = s->vg + r * stride;
        for (size_t k = 0; k < mk->n_mc; ++k)
            rows_copy(g + k * U, y + src[k] * U, U);
        value[mk->n_own + r] = g;
    }
    dq_view_t *v = &s->view;
    v->t = c->t;
    v->dt = c->dt;
    v->step = c->step;
    v->unit0 = c->unit0;
    v->units = rows;
    v->cells = U;
    v->value = value;
    v->derivative = der;
    v->diffusion = dif;
    v->jacobian = NULL;
    v->jacobian_diag = d ? jd : NULL;
    v->n_vars = mk->n_vars;
    v->lane_t = c->tl ? s->tle : NULL;
    v->current = v->conductance = NULL;
    v->errbuf[0] = '\0';
    return v;
}

/* The mechanism's density rows at y into s->cur and s->cnd (zeroed first). */
static int cable_mech_current(const dq__cable_call_t *c, const dq__cable_mech_t *mk,
                              const double *y, dq_view_t *v)
{
    dq__cable_scratch_t *s = c->l->cable;
    const size_t rows = mk->n_mc * c->units;
    memset(s->cur, 0, rows * sizeof *s->cur);
    memset(s->cnd, 0, rows * sizeof *s->cnd);
    if (!v)
        v = cable_view(c, mk, y, NULL, NULL);
    v->current = s->cur;
    v->conductance = s->cnd;
    int rc = mk->desc.current(v);
    v->current = v->conductance = NULL;
    return rc ? cable_failed(c, mk, "current", rc) : DQ_OK;
}

/* I (nA) and G (µS, may be NULL) per compartment row from every mechanism; 0 at junctions. */
static int cable_currents(const dq__cable_call_t *c, const double *y, double *I, double *G)
{
    const dq__cable_t *cb = c->l->sys->cable;
    dq__cable_scratch_t *s = c->l->cable;
    const size_t U = c->units, n = cb->mc->n;
    memset(I, 0, n * U * sizeof *I);
    if (G)
        memset(G, 0, n * U * sizeof *G);
    for (size_t i = 0; i < cb->n_mech; ++i) {
        const dq__cable_mech_t *mk = &cb->mech[i];
        if (!mk->n_mc)
            continue;
        int rc = cable_mech_current(c, mk, y, NULL);
        if (rc)
            return rc;
        for (size_t k = 0; k < mk->n_mc; ++k) {
            const size_t comp = mk->comps[k];
            const double a = CABLE_AREA_UNIT * cb->mc->area[comp];
            rows_axpy(I + comp * U, a, s->cur + k * U, U);
            if (G)
                rows_axpy(G + comp * U, a, s->cnd + k * U, U);
        }
    }
    return DQ_OK;
}

/* Adds sign * the stimulus current (nA) at the call's time(s) to the rows of the clamped
 * compartments: +1 for the explicit form's I_stim, -1 for dq_cable_membrane's I - I_stim. */
static void cable_stimulus_add(const dq__cable_call_t *c, double *rows, double sign)
{
    const dq__cable_t *cb = c->l->sys->cable;
    const size_t U = c->units;
    for (size_t k = 0; k < cb->n_stim; ++k) {
        const dq__cable_stim_in_t *st = &cb->stim[k];
        double *rc = rows + st->comp * U;
        for (size_t u = 0; u < U; ++u) {
            const double t = c->tl ? c->tl[u] : c->t;
            if (t >= st->delay && t < st->delay + st->dur)
                rc[u] += sign * st->amp;
        }
    }
}

/* The stimulus current per compartment row into S (nA) at the call's time(s). */
static void cable_stimulus(const dq__cable_call_t *c, double *S)
{
    memset(S, 0, c->l->sys->cable->mc->n * c->units * sizeof *S);
    cable_stimulus_add(c, S, 1.0);
}

/* dF/dy of the mechanism's own states by forward differences, one state row at a time
 * (compartments and cells are independent: one evaluation per state); f holds F(y). */
static int cable_mech_fd_diag(const dq__cable_call_t *c, const dq__cable_mech_t *mk,
                              const double *y, const double *f, double *d)
{
    dq__cable_scratch_t *s = c->l->cable;
    const size_t U = c->units, rows = mk->n_mc * U;
    dq_view_t *v = cable_view(c, mk, y, NULL, NULL);
    double **value = (double **)v->value, **der = (double **)v->derivative;
    for (size_t k = 0; k < mk->n_own; ++k)
        der[k] = s->mf + k * rows;
    for (size_t k = 0; k < mk->n_own; ++k) {
        const size_t at = (mk->first + k * mk->n_mc) * U;
        const double *yk = y + at;
        for (size_t i = 0; i < rows; ++i)
            s->pert[i] = yk[i] + dq__driver_fd_step(yk[i]);
        value[k] = s->pert;
        v->errbuf[0] = '\0';
        int rc = mk->desc.compute_derivative(v);
        value[k] = (double *)yk;
        if (rc)
            return cable_failed(c, mk, "compute_derivative", rc);
        const double *fk = f + at, *fpk = s->mf + k * rows;
        double *dk = d + at;
        for (size_t i = 0; i < rows; ++i)
            dk[i] = (fpk[i] - fk[i]) / (s->pert[i] - yk[i]);
    }
    return DQ_OK;
}

/* One mechanism's gate derivatives into f (and its diagonal into d when not NULL). */
static int cable_mech_gates(const dq__cable_call_t *c, const dq__cable_mech_t *mk, const double *y,
                            double *f, double *d)
{
    const dq_module_desc_t *md = &mk->desc;
    if (!mk->n_own || !mk->n_mc)
        return DQ_OK;
    if (d && md->compute_derivative_diag) {
        int rc = md->compute_derivative_diag(cable_view(c, mk, y, f, d));
        return rc ? cable_failed(c, mk, "compute_derivative_diag", rc) : DQ_OK;
    }
    int rc = md->compute_derivative(cable_view(c, mk, y, f, NULL));
    if (rc)
        return cable_failed(c, mk, "compute_derivative", rc);
    if (!d)
        return DQ_OK;
    if (md->jacobian_diag) {
        rc = md->jacobian_diag(cable_view(c, mk, y, f, d));
        return rc ? cable_failed(c, mk, "jacobian_diag", rc) : DQ_OK;
    }
    return cable_mech_fd_diag(c, mk, y, f, d);
}

int dq__cable_gates(const dq__cable_call_t *c, const double *y, double *f, double *d)
{
    const dq__cable_t *cb = c->l->sys->cable;
    cable_times(c);
    for (size_t i = 0; i < cb->n_mech; ++i) {
        int rc = cable_mech_gates(c, &cb->mech[i], y, f, d);
        if (rc)
            return rc;
    }
    return DQ_OK;
}

int dq__cable_membrane(const dq__cable_call_t *c, const double *y, double *i, double *g)
{
    cable_times(c);
    int rc = cable_currents(c, y, i, g);
    if (rc)
        return rc;
    /* The clamps straight into their rows: most compartments have none. */
    cable_stimulus_add(c, i, -1.0);
    return DQ_OK;
}

int dq__cable_derivative(const dq__cable_call_t *c, const double *y, double *f, double *d)
{
    const dq__cable_t *cb = c->l->sys->cable;
    dq__cable_scratch_t *s = c->l->cable;
    const size_t U = c->units, n = cb->mc->n;
    int rc = dq__cable_gates(c, y, f, d);
    if (rc == DQ_OK)
        rc = cable_currents(c, y, s->I, d ? s->G : NULL);
    if (rc)
        return rc;
    cable_stimulus(c, s->S);
    /* Junctions at their constraint: V_j = (sum g V_k + I_stim,j) / sum g. */
    memcpy(s->vw, y, n * U * sizeof *s->vw);
    for (size_t q = 0; q < cb->n_junc; ++q) {
        const size_t j = cb->junc[q];
        const double inv = 1.0 / cb->g_sum[j];
        double *vj = s->vw + j * U;
        const double *sj = s->S + j * U;
        for (size_t u = 0; u < U; ++u)
            vj[u] = sj[u];
        for (size_t p = cb->junc_at[q]; p < cb->junc_at[q + 1]; ++p) {
            const double g = cb->junc_g[p], *vk = y + cb->junc_nb[p] * U;
            for (size_t u = 0; u < U; ++u)
                vj[u] += g * vk[u];
        }
        for (size_t u = 0; u < U; ++u)
            vj[u] *= inv;
    }
    for (size_t k = 0; k < n * U; ++k)
        f[k] = s->S[k] - s->I[k];
    dq_cable_axial(&cb->pub, U, s->vw, f, 1);
    for (size_t cc = 0; cc < n; ++cc) {
        if (cb->cap[cc] == 0.0)
            continue;
        const double inv = 1.0 / cb->cap[cc];
        double *fc = f + cc * U;
        for (size_t u = 0; u < U; ++u)
            fc[u] *= inv;
        if (!d)
            continue;
        double *dc = d + cc * U;
        const double *gc = s->G + cc * U;
        const double base = cb->g_sum[cc] - cb->junc_diag[cc];
        for (size_t u = 0; u < U; ++u)
            dc[u] = -(base + gc[u]) * inv;
    }
    /* A junction's stored V follows its constraint: dV_j/dt = sum g dV_k/dt / sum g. */
    for (size_t q = 0; q < cb->n_junc; ++q) {
        const size_t j = cb->junc[q];
        const double inv = 1.0 / cb->g_sum[j];
        double *fj = f + j * U;
        memset(fj, 0, U * sizeof *fj);
        for (size_t p = cb->junc_at[q]; p < cb->junc_at[q + 1]; ++p) {
            const double g = cb->junc_g[p], *fk = f + cb->junc_nb[p] * U;
            for (size_t u = 0; u < U; ++u)
                fj[u] += g * fk[u];
        }
        for (size_t u = 0; u < U; ++u)
            fj[u] *= inv;
        if (d)
            memset(d + j * U, 0, U * sizeof *d);
    }
    /* A zero-area compartment that is no junction (a lone one): no equation of its own. */
    for (size_t cc = 0; cc < n; ++cc)
        if (cb->cap[cc] == 0.0 && (cb->g_sum[cc] == 0.0 || !cb->mc->junction[cc])) {
            memset(f + cc * U, 0, U * sizeof *f);
            if (d)
                memset(d + cc * U, 0, U * sizeof *d);
        }
    return DQ_OK;
}

int dq__cable_couplings(const dq__cable_call_t *c, const double *y, double *e, double *q)
{
    const dq__cable_t *cb = c->l->sys->cable;
    dq__cable_scratch_t *s = c->l->cable;
    const size_t U = c->units, n = cb->mc->n, len = c->l->sys->n_states * U;
    cable_times(c);
    /* e: every V perturbed at once; each gate depends on its own compartment's V only. */
    int rc = dq__cable_gates(c, y, s->fp, NULL);
    if (rc)
        return rc;
    memcpy(s->yp, y, len * sizeof *s->yp);
    for (size_t k = 0; k < n * U; ++k)
        s->yp[k] = y[k] + dq__driver_fd_step(y[k]);
    if ((rc = dq__cable_gates(c, s->yp, e, NULL)))
        return rc;
    for (size_t k = 0; k < cb->pub.n_gates; ++k) {
        const size_t row = (n + k) * U, comp = cb->gate_comp[k] * U;
        for (size_t u = 0; u < U; ++u)
            e[row + u] = (e[row + u] - s->fp[row + u]) / (s->yp[comp + u] - y[comp + u]);
    }
    /* q: each mechanism state perturbed in all compartments; only that mechanism's current
     * changes. The unperturbed densities wait in s->mf. */
    for (size_t i = 0; i < cb->n_mech; ++i) {
        const dq__cable_mech_t *mk = &cb->mech[i];
        const size_t rows = mk->n_mc * U;
        if (!mk->n_own || !mk->n_mc)
            continue;
        dq_view_t *v = cable_view(c, mk, y, NULL, NULL);
        if ((rc = cable_mech_current(c, mk, y, v)))
            return rc;
        memcpy(s->mf, s->cur, rows * sizeof *s->mf);
        double **value = (double **)v->value;
        for (size_t k = 0; k < mk->n_own; ++k) {
            const size_t at = (mk->first + k * mk->n_mc) * U;
            const double *yk = y + at;
            for (size_t r = 0; r < rows; ++r)
                s->pert[r] = yk[r] + dq__driver_fd_step(yk[r]);
            value[k] = s->pert;
            rc = cable_mech_current(c, mk, y, v);
            value[k] = (double *)yk;
            if (rc)
                return rc;
            for (size_t kk = 0; kk < mk->n_mc; ++kk) {
                const double a = CABLE_AREA_UNIT * cb->mc->area[mk->comps[kk]];
                for (size_t u = 0; u < U; ++u) {
                    const size_t r = kk * U + u;
                    q[at + r] = a * (s->cur[r] - s->mf[r]) / (s->pert[r] - yk[r]);
                }
            }
        }
    }
    return DQ_OK;
}

int dq__cable_init(const dq__cable_call_t *c, double *y)
{
    const dq__cable_t *cb = c->l->sys->cable;
    const size_t U = c->units, n = cb->mc->n;
    for (size_t k = 0; k < n * U; ++k)
        y[k] = cb->v_init;
    cable_times(c);
    for (size_t i = 0; i < cb->n_mech; ++i) {
        const dq__cable_mech_t *mk = &cb->mech[i];
        if (!mk->desc.init_state || !mk->n_mc)
            continue;
        int rc = mk->desc.init_state(cable_view(c, mk, y, NULL, NULL));
        if (rc)
            return cable_failed(c, mk, "init_state", rc);
    }
    return DQ_OK;
}
