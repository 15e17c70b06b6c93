/* SPDX-License-Identifier: MIT */
/* model_jacobian.c -- the model checks' analytic-Jacobian comparison: on a copy of the view
 * the host built for a module's compute_derivative, evaluates the module's jacobian,
 * jacobian_diag and compute_derivative_diag and compares them with central differences of
 * its compute_derivative, each variable (own or read) perturbed in turn over all lanes. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_probe.h"

/* ---- the analytic checks, on a copy of the host's view ---- */

/* Buffers for one module evaluation: rows of `units` doubles. */
typedef struct probe_bufs {
    size_t n_own, n_vars, units;
    double *mem;
    double **f0, **fp, **fm, **jfd, **ja, **da, **fd, **dd; /* row tables */
    double *const *null_rows;
} probe_bufs_t;

static double **bufs_rows(double **table, double *mem, size_t n, size_t units)
{
    for (size_t k = 0; k < n; ++k)
        table[k] = mem + k * units;
    return table;
}

static int bufs_alloc(probe_bufs_t *b, size_t n_own, size_t n_vars, size_t units)
{
    /* f0, fp, fm, da, fd, dd: n_own rows each; jfd, ja: n_own*n_vars rows. */
    const size_t rows = 6 * n_own + 2 * n_own * n_vars;
    b->n_own = n_own;
    b->n_vars = n_vars;
    b->units = units;
    b->mem = calloc(rows * units, sizeof(double));
    double **t = calloc(rows ? rows : 1, sizeof *t);
    if (!b->mem || !t) {
        free(b->mem);
        free(t);
        return DQ_ENOMEM;
    }
    double *p = b->mem;
    const size_t nj = n_own * n_vars;
    b->f0 = bufs_rows(t, p, n_own, units), t += n_own, p += n_own * units;
    b->fp = bufs_rows(t, p, n_own, units), t += n_own, p += n_own * units;
    b->fm = bufs_rows(t, p, n_own, units), t += n_own, p += n_own * units;
    b->da = bufs_rows(t, p, n_own, units), t += n_own, p += n_own * units;
    b->fd = bufs_rows(t, p, n_own, units), t += n_own, p += n_own * units;
    b->dd = bufs_rows(t, p, n_own, units), t += n_own, p += n_own * units;
    b->jfd = bufs_rows(t, p, nj, units), t += nj, p += nj * units;
    b->ja = bufs_rows(t, p, nj, units);
    return DQ_OK;
}

static void bufs_free(probe_bufs_t *b)
{
    free(b->mem);
    free(b->f0); /* the start of the row table */
}

/* Calls the module's compute_derivative into `f` (its own derivative rows; NULL for AUX
 * states, as the host gives them). */
static int eval_deriv(const probe_session_t *s, size_t i, const dq_view_t *v, double **f)
{
    const dq_module_desc_t *m = &s->orig[i];
    double *rows[256];
    for (size_t r = 0; r < m->n_states; ++r)
        rows[r] = own_integrated(m, r) ? f[r] : NULL;
    dq_view_t w = *v;
    w.derivative = rows;
    /* Noise goes to the host's slots, as in the real call that follows. */
    return m->compute_derivative(&w);
}

/* |a - b| within tol of the larger, plus a share of the row's scale. */
static int close_enough(double a, double b, double rel, double row_scale)
{
    double d = fabs(a - b);
    return d <= rel * fmax(fabs(a), fabs(b)) + 1e-7 * row_scale + 1e-12;
}

static void check_jac_entry(probe_session_t *s, int id, size_t i, const dq_view_t *v, size_t r,
                            size_t c, size_t u, double a, double fd, double scale)
{
    if (close_enough(a, fd, 1e-5, scale))
        return;
    dq__probe_fail(s, id,
                   "module '%s', state '%s': dF/d(%s) of unit %zu at %s is %.9g analytically, "
                   "%.9g by central differences",
                   module_name(s, i), var_name(s, i, r), var_name(s, i, c), v->unit0 + u, s->where,
                   a, fd);
}

void dq__probe_check_module(probe_session_t *s, size_t i, const dq_view_t *v)
{
    const dq_module_desc_t *m = &s->orig[i];
    const size_t n_own = m->n_states, n_vars = v->n_vars, U = v->units;
    if (n_own > 256 || n_vars < n_own)
        return;
    probe_bufs_t b;
    if (bufs_alloc(&b, n_own, n_vars, U) != DQ_OK) {
        s->oom = 1;
        return;
    }
    int rc = eval_deriv(s, i, v, b.f0);
    /* Central differences, one variable at a time over all lanes (units are independent). */
    for (size_t c = 0; rc == DQ_OK && c < n_vars; ++c) {
        if (!var_integrated(s, i, c))
            continue;
        double *x = v->value[c];
        double *saved = malloc(U * sizeof *saved), *hs = malloc(U * sizeof *hs);
        if (!saved || !hs) {
            free(saved);
            free(hs);
            s->oom = 1;
            break;
        }
        for (size_t u = 0; u < U; ++u) {
            saved[u] = x[u];
            hs[u] = 6e-6 * fmax(1.0, fabs(x[u])); /* about cbrt(eps): central differences */
        }
        for (size_t u = 0; u < U; ++u)
            x[u] = saved[u] + hs[u];
        rc = eval_deriv(s, i, v, b.fp);
        for (size_t u = 0; u < U; ++u)
            x[u] = saved[u] - hs[u];
        if (rc == DQ_OK)
            rc = eval_deriv(s, i, v, b.fm);
        for (size_t r = 0; rc == DQ_OK && r < n_own; ++r)
            if (own_integrated(m, r))
                for (size_t u = 0; u < U; ++u) {
                    double dx = (saved[u] + hs[u]) - (saved[u] - hs[u]);
                    b.jfd[r * n_vars + c][u] = (b.fp[r][u] - b.fm[r][u]) / dx;
                }
        memcpy(x, saved, U * sizeof *saved);
        free(saved);
        free(hs);
    }
    if (rc != DQ_OK) {
        dq__probe_fail(s, DQ_MCHECK_DERIVATIVE,
                       "module '%s': compute_derivative returned %s at %s: %s", module_name(s, i),
                       dq_err_name(rc), s->where, v->errbuf ? v->errbuf : "");
        bufs_free(&b);
        return;
    }
    /* Each row's scale: its largest finite-difference entry. */
    double scale[256];
    for (size_t r = 0; r < n_own; ++r) {
        scale[r] = 0.0;
        for (size_t c = 0; c < n_vars; ++c)
            for (size_t u = 0; own_integrated(m, r) && var_integrated(s, i, c) && u < U; ++u)
                scale[r] = fmax(scale[r], fabs(b.jfd[r * n_vars + c][u]));
    }
    dq_view_t w = *v;
    if (m->jacobian) {
        w.jacobian = b.ja;
        w.jacobian_diag = NULL;
        rc = m->jacobian(&w);
        s->analytic[DQ_MCHECK_JACOBIAN]++;
        if (rc != DQ_OK)
            dq__probe_fail(s, DQ_MCHECK_JACOBIAN, "module '%s': jacobian returned %s: %s",
                           module_name(s, i), dq_err_name(rc), v->errbuf ? v->errbuf : "");
        for (size_t r = 0; rc == DQ_OK && r < n_own; ++r)
            for (size_t c = 0; own_integrated(m, r) && c < n_vars; ++c)
                for (size_t u = 0; var_integrated(s, i, c) && u < U; ++u)
                    check_jac_entry(s, DQ_MCHECK_JACOBIAN, i, v, r, c, u, b.ja[r * n_vars + c][u],
                                    b.jfd[r * n_vars + c][u], scale[r]);
    }
    if (m->jacobian_diag) {
        w.jacobian = NULL;
        w.jacobian_diag = b.da;
        rc = m->jacobian_diag(&w);
        s->analytic[DQ_MCHECK_JACOBIAN_DIAG]++;
        if (rc != DQ_OK)
            dq__probe_fail(s, DQ_MCHECK_JACOBIAN_DIAG, "module '%s': jacobian_diag returned %s: %s",
                           module_name(s, i), dq_err_name(rc), v->errbuf ? v->errbuf : "");
        for (size_t r = 0; rc == DQ_OK && r < n_own; ++r)
            for (size_t u = 0; own_integrated(m, r) && u < U; ++u)
                check_jac_entry(s, DQ_MCHECK_JACOBIAN_DIAG, i, v, r, r, u, b.da[r][u],
                                b.jfd[r * n_vars + r][u], scale[r]);
    }
    if (m->compute_derivative_diag) {
        double *rows[256];
        for (size_t r = 0; r < n_own; ++r)
            rows[r] = own_integrated(m, r) ? b.fd[r] : NULL;
        w.jacobian = NULL;
        w.derivative = rows;
        w.jacobian_diag = b.dd;
        rc = m->compute_derivative_diag(&w);
        s->analytic[DQ_MCHECK_DERIVATIVE_DIAG]++;
        if (rc != DQ_OK)
            dq__probe_fail(s, DQ_MCHECK_DERIVATIVE_DIAG,
                           "module '%s': compute_derivative_diag returned %s: %s",
                           module_name(s, i), dq_err_name(rc), v->errbuf ? v->errbuf : "");
        for (size_t r = 0; rc == DQ_OK && r < n_own; ++r)
            for (size_t u = 0; own_integrated(m, r) && u < U; ++u) {
                double f0 = b.f0[r][u], f1 = b.fd[r][u];
                if (!(fabs(f1 - f0) <= 1e-12 * fmax(fabs(f0), 1e-300) + 1e-300))
                    dq__probe_fail(s, DQ_MCHECK_DERIVATIVE_DIAG,
                                   "module '%s', state '%s': F of unit %zu at %s is %.17g by "
                                   "compute_derivative_diag, %.17g by compute_derivative",
                                   module_name(s, i), var_name(s, i, r), v->unit0 + u, s->where, f1,
                                   f0);
                check_jac_entry(s, DQ_MCHECK_DERIVATIVE_DIAG, i, v, r, r, u, b.dd[r][u],
                                b.jfd[r * n_vars + r][u], scale[r]);
            }
    }
    bufs_free(&b);
}
