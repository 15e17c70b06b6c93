/* SPDX-License-Identifier: MIT */
/* driver.c -- the step loop and the host functions a solver calls back.
 *
 * The population is shared out between lanes, one per thread, each a contiguous range of
 * blocks. A lane takes each of its blocks through all the steps of a run before the next
 * block, so the block's states, derivatives and stage buffers stay in cache; units are
 * independent, so this gives the same values as stepping everything step by step, for any
 * number of threads. Nothing here allocates once the lanes exist: arenas, work memory,
 * Jacobian scratch and view tables are sized in dq_system_prepare. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "system_impl.h"

static dq__lane_group_t *driver_lg(dq_ctx_t *ctx) { return ctx->host_data; }

/* Maps a flat index of the current block of a lane's group to its state and unit. */
static void driver_locate(const dq__lane_group_t *lg, size_t index, size_t *state,
                          size_t *unit)
{
    size_t ub = lg->ctx.units ? lg->ctx.units : 1;
    *state = lg->group->states[index / ub];
    *unit = lg->lane->block * lg->lane->sys->block_units + index % ub;
}

static int driver_module_failed(dq__lane_group_t *lg, size_t module, const char *call, int rc)
{
    dq__lane_t *l = lg->lane;
    dq_system_t *sys = l->sys;
    return dq_error_set(&l->err, rc < 0 ? rc : DQ_EMODEL, NULL,
                        "model '%s': %s of module '%s' failed at t = %.17g: %s",
                        sys->model.name, call, sys->modules[module].name, lg->ctx.t,
                        l->view_err[0] ? l->view_err : dq_strerror(rc));
}

/* Runs one callback of every module of the group, parents first (or last). */
static int driver_lifecycle(dq__lane_group_t *lg, size_t offset, const char *call, int reverse)
{
    const dq__group_t *g = lg->group;
    const dq_system_t *sys = lg->lane->sys;
    for (size_t k = 0; k < g->n_modules; ++k) {
        size_t i = g->modules[reverse ? g->n_modules - 1 - k : k];
        dq_module_fn fn = *(const dq_module_fn *)((const char *)&sys->modules[i] + offset);
        if (!fn)
            continue;
        int rc = fn(&lg->lane->view);
        if (rc)
            return driver_module_failed(lg, i, call, rc);
    }
    return DQ_OK;
}

/* Points the lane's view at the block for this group, with values from y and derivatives
 * into f, at time t. */
static void driver_view(dq__lane_group_t *lg, double t, const double *y, double *f)
{
    dq__group_view(lg->lane, lg->group, lg->lane->block, y, f);
    lg->lane->view.t = t;
}

static int driver_pre_integral(dq_ctx_t *ctx)
{
    dq__lane_group_t *lg = driver_lg(ctx);
    if (!lg->group->has_pre)
        return DQ_OK;
    driver_view(lg, ctx->t, ctx->y, ctx->f);
    return driver_lifecycle(lg, offsetof(dq_module_desc_t, pre_integral), "pre_integral", 0);
}

static int driver_compute_derivative(dq_ctx_t *ctx, double t, const double *y, double *f)
{
    dq__lane_group_t *lg = driver_lg(ctx);
    driver_view(lg, t, y, f);
    return driver_lifecycle(lg, offsetof(dq_module_desc_t, compute_derivative),
                            "compute_derivative", 0);
}

static int driver_post_integral(dq_ctx_t *ctx)
{
    dq__lane_group_t *lg = driver_lg(ctx);
    if (!lg->group->has_post)
        return DQ_OK;
    driver_view(lg, ctx->t + ctx->dt, ctx->y, ctx->f);
    /* Children before parents: the reverse of declaration order. */
    return driver_lifecycle(lg, offsetof(dq_module_desc_t, post_integral), "post_integral", 1);
}

static int driver_report(dq_ctx_t *ctx, int code, size_t index, const char *message)
{
    dq__lane_group_t *lg = driver_lg(ctx);
    dq__lane_t *l = lg->lane;
    const dq_system_t *sys = l->sys;
    if (code >= 0)
        code = DQ_ESOLVER;
    dq_error_add_time(&l->err, ctx->t);
    if (index < ctx->n) {
        size_t s, u;
        driver_locate(lg, index, &s, &u);
        return dq_error_set(&l->err, code, sys->states[s]->name,
                            "solver '%s' failed on state '%s' of unit %zu at t = %.17g: %s",
                            lg->group->solver->name, sys->states[s]->name, u, ctx->t,
                            message ? message : dq_strerror(code));
    }
    return dq_error_set(&l->err, code, NULL, "solver '%s' failed at t = %.17g: %s",
                        lg->group->solver->name, ctx->t, message ? message : dq_strerror(code));
}

/* Runs the group's analytic jacobian or jacobian_diag callbacks at (t, y). */
static int driver_analytic(dq__lane_group_t *lg, double t, const double *y, int diag)
{
    driver_view(lg, t, y, lg->jac_f);
    return diag ? driver_lifecycle(lg, offsetof(dq_module_desc_t, jacobian_diag),
                                   "jacobian_diag", 0)
                : driver_lifecycle(lg, offsetof(dq_module_desc_t, jacobian), "jacobian", 0);
}

/* A perturbation scaled to the value, h = sqrt(eps) * max(|y|, 1); the quotient divides
 * by the step actually taken, (y + h) - y, which is exact. */
static double driver_fd_step(double y)
{
    return 1.4901161193847656e-8 * (fabs(y) > 1.0 ? fabs(y) : 1.0);
}

/* Finite differences, one column j at a time for every unit of the block at once: the
 * units are independent, so perturbing component j of all of them costs one derivative
 * evaluation and gives column j of every unit's block. With diag set, only d_j is kept. */
static int driver_fd(dq_ctx_t *ctx, double t, const double *y, const double *fy, double *out,
                     int diag)
{
    dq__lane_group_t *lg = driver_lg(ctx);
    const size_t m = ctx->m, units = ctx->units, n = ctx->n;
    double *yp = lg->jac_y, *fp = lg->jac_f;
    memcpy(yp, y, n * sizeof *yp);
    for (size_t j = 0; j < m; ++j) {
        const double *yj = y + j * units;
        double *ypj = yp + j * units;
        for (size_t u = 0; u < units; ++u)
            ypj[u] = yj[u] + driver_fd_step(yj[u]);
        int rc = driver_compute_derivative(ctx, t, yp, fp);
        if (rc)
            return rc;
        for (size_t i = diag ? j : 0; i < (diag ? j + 1 : m); ++i) {
            const double *fpi = fp + i * units, *fyi = fy + i * units;
            double *col = diag ? out + j * units : out + (i * m + j) * units;
            for (size_t u = 0; u < units; ++u)
                col[u] = (fpi[u] - fyi[u]) / (ypj[u] - yj[u]);
        }
        memcpy(ypj, yj, units * sizeof *ypj);
    }
    return DQ_OK;
}

static int driver_jacobian(dq_ctx_t *ctx, double t, const double *y, const double *fy,
                           double *J)
{
    dq__lane_group_t *lg = driver_lg(ctx);
    dq__lane_t *l = lg->lane;
    const dq__group_t *g = lg->group;
    const size_t m = ctx->m, units = ctx->units, ns = l->sys->n_states;
    if (!g->analytic_jac)
        return driver_fd(ctx, t, y, fy, J, 0);
    memset(J, 0, m * m * units * sizeof *J);
    /* Entries for states outside the group stay NULL: a module skips them. */
    memset(l->view_jac, 0, ns * ns * sizeof *l->view_jac);
    for (size_t r = 0; r < m; ++r)
        for (size_t c = 0; c < m; ++c)
            l->view_jac[g->states[r] * ns + g->states[c]] = J + (r * m + c) * units;
    l->view.jacobian = l->view_jac;
    int rc = driver_analytic(lg, t, y, 0);
    l->view.jacobian = NULL;
    return rc;
}

/* Points the lane's diagonal table at d (n doubles) for the group's states. */
static void driver_diag_table(dq__lane_group_t *lg, double *d)
{
    dq__lane_t *l = lg->lane;
    memset(l->view_jac_diag, 0, l->sys->n_states * sizeof *l->view_jac_diag);
    for (size_t k = 0; k < lg->group->m; ++k)
        l->view_jac_diag[lg->group->states[k]] = d + k * lg->ctx.units;
    l->view.jacobian_diag = l->view_jac_diag;
}

static int driver_jacobian_diag(dq_ctx_t *ctx, double t, const double *y, const double *fy,
                                double *d)
{
    dq__lane_group_t *lg = driver_lg(ctx);
    const dq__group_t *g = lg->group;
    const size_t m = ctx->m, units = ctx->units;
    if (g->analytic_diag) {
        driver_diag_table(lg, d);
        int rc = driver_analytic(lg, t, y, 1);
        lg->lane->view.jacobian_diag = NULL;
        return rc;
    }
    if (g->analytic_jac) {
        int rc = driver_jacobian(ctx, t, y, fy, lg->jac_full);
        for (size_t k = 0; rc == DQ_OK && k < m; ++k)
            memcpy(d + k * units, lg->jac_full + (k * m + k) * units, units * sizeof *d);
        return rc;
    }
    return driver_fd(ctx, t, y, fy, d, 1);
}

static int driver_derivative_diag(dq_ctx_t *ctx, double t, const double *y, double *f,
                                  double *d)
{
    dq__lane_group_t *lg = driver_lg(ctx);
    if (!lg->group->fused_diag) {
        int rc = driver_compute_derivative(ctx, t, y, f);
        return rc ? rc : driver_jacobian_diag(ctx, t, y, f, d);
    }
    driver_view(lg, t, y, f);
    driver_diag_table(lg, d);
    int rc = driver_lifecycle(lg, offsetof(dq_module_desc_t, compute_derivative_diag),
                              "compute_derivative_diag", 0);
    lg->lane->view.jacobian_diag = NULL;
    return rc;
}

static const dq_host_api_t driver_api = {
    .abi = DQ_ABI_HEADER_INIT(dq_host_api_t),
    .pre_integral = driver_pre_integral,
    .compute_derivative = driver_compute_derivative,
    .post_integral = driver_post_integral,
    .report = driver_report,
    .jacobian = driver_jacobian,
    .jacobian_diag = driver_jacobian_diag,
    .derivative_diag = driver_derivative_diag,
};

/* A double is NaN or infinite exactly when its exponent bits are all ones. OR-ing a flag
 * per value is an integer reduction, which vectorises (a floating-point sum would not, its
 * order being fixed); the slow search for the culprit runs only when the flag is set. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(__SANITIZE_THREAD__)
/* Its own function, compiled for AVX-512, AVX2 and baseline: inlined into the step loop,
 * gcc 12 loses the vector form. */
__attribute__((noinline, target_clones("avx512f", "avx2", "default")))
#endif
static int driver_all_finite(const double *y, size_t n)
{
    const uint64_t *bits = (const uint64_t *)(const void *)y;
    uint64_t bad = 0;
#pragma omp simd reduction(| : bad)
    for (size_t i = 0; i < n; ++i)
        bad |= (uint64_t)((bits[i] & 0x7ff0000000000000ull) == 0x7ff0000000000000ull);
    return bad == 0;
}

static int driver_report_nonfinite(dq__lane_group_t *lg, uint64_t step)
{
    dq__lane_t *l = lg->lane;
    const dq_system_t *sys = l->sys;
    const dq_ctx_t *ctx = &lg->ctx;
    size_t i = 0;
    while (i < ctx->n && isfinite(ctx->y[i]))
        ++i;
    size_t s, u;
    driver_locate(lg, i, &s, &u);
    double t = ctx->t + ctx->dt;
    dq_error_set(&l->err, DQ_ENONFINITE, sys->states[s]->name,
                 "state '%s' of unit %zu became %s at t = %.17g (step %llu) with solver '%s'; "
                 "try a smaller dt or a solver for stiff problems",
                 sys->states[s]->name, u, isnan(ctx->y[i]) ? "NaN" : "infinite", t,
                 (unsigned long long)(step + 1), lg->group->solver->name);
    dq_error_add_time(&l->err, t);
    return DQ_ENONFINITE;
}

/* Points a lane's group context at block b; it stays there for all the steps of the block. */
static void driver_ctx_block(dq__lane_group_t *lg, size_t b)
{
    const dq__group_t *g = lg->group;
    const dq_system_t *sys = lg->lane->sys;
    dq_ctx_t *ctx = &lg->ctx;
    size_t ub = dq__system_block_len(sys, b);
    size_t base = b * g->m * sys->block_units;
    ctx->units = ub;
    ctx->n = g->m * ub;
    ctx->y = g->y + base;
    ctx->f = g->f + base;
    ctx->g = g->g ? g->g + base : NULL;
    ctx->work_len = g->solver->work_size ? g->solver->work_size(g->m, ub)
                                         : (size_t)g->solver->work_vectors * ctx->n;
}

/* One solver step of a lane's group on its current block, from t over h. */
static int driver_step_block(dq__lane_group_t *lg, uint64_t step, double t, double h)
{
    const dq__group_t *g = lg->group;
    dq__lane_t *l = lg->lane;
    dq_ctx_t *ctx = &lg->ctx;
    ctx->t = t;
    ctx->dt = h;
    ctx->step = step;
    l->view_err[0] = '\0';
    int rc = g->solver->step(ctx);
    if (rc) {
        /* A solver that failed without dq_fail() still gets a message naming it. */
        dq_error_set(&l->err, rc < 0 ? rc : DQ_ESOLVER, NULL,
                     "solver '%s' failed at t = %.17g: %s", g->solver->name, t,
                     dq_strerror(rc));
        dq_error_add_time(&l->err, t);
        return rc < 0 ? rc : DQ_ESOLVER;
    }
    /* A handful of values is checked inline; a block goes to the vectorised check. */
    int finite = 1;
    if (ctx->n <= 8)
        for (size_t i = 0; i < ctx->n; ++i)
            finite &= isfinite(ctx->y[i]) != 0;
    else
        finite = driver_all_finite(ctx->y, ctx->n);
    if (!finite)
        return driver_report_nonfinite(lg, step);
    return DQ_OK;
}

/* The lane's job: each of its blocks through steps [run_from, run_from + run_steps). After
 * a failure, later blocks run only up to that step, so the failure reported is the earliest
 * (then the lowest block) whatever the number of threads. */
static void driver_lane_run(dq__lane_t *l)
{
    dq_system_t *sys = l->sys;
    uint64_t end = l->run_from + l->run_steps;
    l->failed = 0;
    dq__error_reset(&l->fail_err);
    for (size_t b = l->b0; b < l->b1; ++b) {
        l->block = b;
        dq__error_reset(&l->err);
        for (size_t gi = 0; gi < sys->n_groups; ++gi)
            driver_ctx_block(&l->lg[gi], b);
        for (uint64_t s = l->run_from; s < end; ++s) {
            const double t = sys->t0 + (double)s * sys->dt;
            l->view.step = s;
            int rc = DQ_OK;
            for (size_t gi = 0; rc == DQ_OK && gi < sys->n_groups; ++gi) {
                dq__lane_group_t *lg = &l->lg[gi];
                const unsigned k = lg->group->substeps;
                const double h = sys->dt / k;
                l->view.dt = h;
                for (unsigned j = 0; rc == DQ_OK && j < k; ++j)
                    rc = driver_step_block(lg, s, t + j * h, h);
            }
            if (rc) {
                /* Later blocks only run up to here, so a failure found now is earlier
                 * than (or as early as, in a higher block) any found before. */
                if (!l->failed || s < l->fail_step) {
                    l->failed = 1;
                    l->fail_step = s;
                    l->fail_block = b;
                    l->fail_err = l->err;
                    if (!l->fail_err.code)
                        l->fail_err.code = rc;
                }
                end = s;
                break;
            }
        }
    }
}

/* ---- worker threads ----------------------------------------------------------------- */

struct dq__pool {
    pthread_mutex_t mu;
    pthread_cond_t go, done;
    uint64_t generation;
    size_t pending;
    int quit;
    size_t n;          /* worker threads: lanes 1..n */
    pthread_t *threads;
    dq_system_t *sys;
};

typedef struct driver_worker_arg {
    struct dq__pool *pool;
    size_t lane;
} driver_worker_arg_t;

static void *driver_worker(void *p)
{
    driver_worker_arg_t *arg = p;
    struct dq__pool *pool = arg->pool;
    dq__lane_t *lane = &pool->sys->lanes[arg->lane];
    free(arg);
    uint64_t seen = 0;
    pthread_mutex_lock(&pool->mu);
    for (;;) {
        while (pool->generation == seen && !pool->quit)
            pthread_cond_wait(&pool->go, &pool->mu);
        if (pool->quit)
            break;
        seen = pool->generation;
        pthread_mutex_unlock(&pool->mu);
        driver_lane_run(lane);
        pthread_mutex_lock(&pool->mu);
        if (--pool->pending == 0)
            pthread_cond_signal(&pool->done);
    }
    pthread_mutex_unlock(&pool->mu);
    return NULL;
}

static void driver_pool_stop(struct dq__pool *pool)
{
    if (!pool)
        return;
    pthread_mutex_lock(&pool->mu);
    pool->quit = 1;
    pthread_cond_broadcast(&pool->go);
    pthread_mutex_unlock(&pool->mu);
    for (size_t i = 0; i < pool->n; ++i)
        pthread_join(pool->threads[i], NULL);
    pthread_mutex_destroy(&pool->mu);
    pthread_cond_destroy(&pool->go);
    pthread_cond_destroy(&pool->done);
    free(pool->threads);
    free(pool);
}

static int driver_pool_start(dq_system_t *sys)
{
    struct dq__pool *pool = calloc(1, sizeof *pool);
    if (!pool)
        return DQ_ENOMEM;
    pool->sys = sys;
    pool->threads = calloc(sys->n_lanes - 1, sizeof *pool->threads);
    if (!pool->threads) {
        free(pool);
        return DQ_ENOMEM;
    }
    pthread_mutex_init(&pool->mu, NULL);
    pthread_cond_init(&pool->go, NULL);
    pthread_cond_init(&pool->done, NULL);
    sys->pool = pool;
    for (size_t i = 1; i < sys->n_lanes; ++i) {
        driver_worker_arg_t *arg = malloc(sizeof *arg);
        if (!arg || pthread_create(&pool->threads[pool->n], NULL, driver_worker,
                                   (*arg = (driver_worker_arg_t){pool, i}, arg)) != 0) {
            free(arg);
            /* Fewer threads than asked: give the missing lanes' blocks to lane 0's thread
             * by leaving them to run inline (see dq_system_run). */
            break;
        }
        pool->n++;
    }
    return DQ_OK;
}

/* ---- lanes ------------------------------------------------------------------------- */

static size_t driver_auto_lanes(const dq_system_t *sys)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    size_t n = cores > 0 ? (size_t)cores : 1;
    /* A thread pays a hand-over per run; give each at least 8 blocks of work. */
    size_t by_work = sys->n_blocks / 8;
    if (by_work < n)
        n = by_work;
    return n ? n : 1;
}

int dq__lanes_start(dq_system_t *sys)
{
    size_t want = sys->threads_wanted ? sys->threads_wanted : driver_auto_lanes(sys);
    if (want > sys->n_blocks)
        want = sys->n_blocks;
    if (want == 0)
        want = 1;
    sys->lanes = calloc(want, sizeof *sys->lanes);
    if (!sys->lanes)
        return DQ_ENOMEM;
    sys->n_lanes = want;
    const size_t ns = sys->n_states;
    for (size_t i = 0; i < want; ++i) {
        dq__lane_t *l = &sys->lanes[i];
        l->sys = sys;
        l->b0 = i * sys->n_blocks / want;
        l->b1 = (i + 1) * sys->n_blocks / want;
        l->view_value = calloc(ns, sizeof(double *));
        l->view_derivative = calloc(ns, sizeof(double *));
        l->view_diffusion = calloc(ns, sizeof(double *));
        l->view_jac = calloc(ns * ns, sizeof(double *));
        l->view_jac_diag = calloc(ns, sizeof(double *));
        l->lg = calloc(sys->n_groups, sizeof *l->lg);
        if (!l->view_value || !l->view_derivative || !l->view_diffusion || !l->view_jac ||
            !l->view_jac_diag || !l->lg)
            return DQ_ENOMEM;
        l->view = (dq_view_t){.value = l->view_value,
                              .derivative = l->view_derivative,
                              .diffusion = l->view_diffusion,
                              .data = sys->data,
                              .n_states = ns,
                              .errbuf = l->view_err,
                              .errlen = sizeof l->view_err};
        for (size_t gi = 0; gi < sys->n_groups; ++gi) {
            dq__group_t *g = &sys->groups[gi];
            dq__lane_group_t *lg = &l->lg[gi];
            const size_t mB = g->m * sys->block_units;
            lg->group = g;
            lg->lane = l;
            lg->work = calloc(g->work_len + 1, sizeof(double));
            /* Jacobian scratch is small next to the arena, so it is always there and no
             * solver triggers an allocation mid-run. */
            lg->jac_y = calloc(mB + 1, sizeof(double));
            lg->jac_f = calloc(mB + 1, sizeof(double));
            if (g->analytic_jac && !g->analytic_diag)
                lg->jac_full = calloc(g->m * mB + 1, sizeof(double));
            if (!lg->work || !lg->jac_y || !lg->jac_f ||
                (g->analytic_jac && !g->analytic_diag && !lg->jac_full))
                return DQ_ENOMEM;
            lg->ctx = (dq_ctx_t){.abi = DQ_ABI_HEADER_INIT(dq_ctx_t),
                                 .host = &driver_api,
                                 .host_data = lg,
                                 .m = g->m,
                                 .work = lg->work,
                                 .options = g->options,
                                 .has_jacobian = g->analytic_jac};
        }
    }
    if (want > 1)
        return driver_pool_start(sys);
    return DQ_OK;
}

void dq__lanes_stop(dq_system_t *sys)
{
    driver_pool_stop(sys->pool);
    sys->pool = NULL;
    for (size_t i = 0; sys->lanes && i < sys->n_lanes; ++i) {
        dq__lane_t *l = &sys->lanes[i];
        for (size_t gi = 0; l->lg && gi < sys->n_groups; ++gi) {
            free(l->lg[gi].work);
            free(l->lg[gi].jac_y);
            free(l->lg[gi].jac_f);
            free(l->lg[gi].jac_full);
        }
        free(l->lg);
        free(l->view_value);
        free(l->view_derivative);
        free(l->view_diffusion);
        free(l->view_jac);
        free(l->view_jac_diag);
    }
    free(sys->lanes);
    sys->lanes = NULL;
}

int dq_system_run(dq_system_t *sys, uint64_t steps, dq_error_t *err)
{
    if (!sys->prepared)
        return dq_error_set(err, DQ_EUSAGE, NULL, "dq_system_prepare was not called");
    if (steps == 0)
        return DQ_OK;
    for (size_t i = 0; i < sys->n_lanes; ++i) {
        sys->lanes[i].run_from = sys->step;
        sys->lanes[i].run_steps = steps;
    }
    struct dq__pool *pool = sys->pool;
    if (pool && pool->n) {
        pthread_mutex_lock(&pool->mu);
        pool->pending = pool->n;
        pool->generation++;
        pthread_cond_broadcast(&pool->go);
        pthread_mutex_unlock(&pool->mu);
    }
    driver_lane_run(&sys->lanes[0]);
    /* Lanes whose thread could not be started run here. */
    for (size_t i = (pool ? pool->n : 0) + 1; i < sys->n_lanes; ++i)
        driver_lane_run(&sys->lanes[i]);
    if (pool && pool->n) {
        pthread_mutex_lock(&pool->mu);
        while (pool->pending)
            pthread_cond_wait(&pool->done, &pool->mu);
        pthread_mutex_unlock(&pool->mu);
    }
    const dq__lane_t *worst = NULL;
    for (size_t i = 0; i < sys->n_lanes; ++i) {
        const dq__lane_t *l = &sys->lanes[i];
        if (l->failed && (!worst || l->fail_step < worst->fail_step ||
                          (l->fail_step == worst->fail_step && l->fail_block < worst->fail_block)))
            worst = l;
    }
    if (worst) {
        if (err && err->code == DQ_OK)
            *err = worst->fail_err;
        return worst->fail_err.code ? worst->fail_err.code : DQ_ESOLVER;
    }
    sys->step += steps;
    return DQ_OK;
}

int dq_system_step(dq_system_t *sys, dq_error_t *err) { return dq_system_run(sys, 1, err); }
