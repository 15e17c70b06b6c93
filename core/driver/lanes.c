/* SPDX-License-Identifier: MIT */
/* lanes.c -- lanes (one per thread, each a contiguous range of blocks), the worker
 * threads that run them, and dq_system_run, which hands every lane its job and gathers
 * the earliest failure. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "cable_impl.h"
#include "driver_impl.h"
#include "internal.h"

/* ---- worker threads ----------------------------------------------------------------- */

struct dq__pool {
    pthread_mutex_t mu;
    pthread_cond_t go, done;
    uint64_t generation;
    size_t pending;
    int quit;
    size_t n; /* worker threads: lanes 1..n */
    pthread_t *threads;
    dq_system_t *sys;
};

typedef struct lanes_worker_arg {
    struct dq__pool *pool;
    size_t lane;
} lanes_worker_arg_t;

static void *lanes_worker(void *p)
{
    lanes_worker_arg_t *arg = p;
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
        dq__lane_run(lane);
        pthread_mutex_lock(&pool->mu);
        if (--pool->pending == 0)
            pthread_cond_signal(&pool->done);
    }
    pthread_mutex_unlock(&pool->mu);
    return NULL;
}

static void lanes_pool_stop(struct dq__pool *pool)
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

static int lanes_pool_start(dq_system_t *sys)
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
        lanes_worker_arg_t *arg = malloc(sizeof *arg);
        if (!arg || pthread_create(&pool->threads[pool->n], NULL, lanes_worker,
                                   (*arg = (lanes_worker_arg_t){pool, i}, arg)) != 0) {
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

static size_t lanes_auto(const dq_system_t *sys)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    size_t n = cores > 0 ? (size_t)cores : 1;
    /* A thread pays a hand-over per run; give each at least 8 blocks of work. */
    size_t by_work = sys->n_blocks / 8;
    if (by_work < n)
        n = by_work;
    return n ? n : 1;
}

/* Per-lane step sizes, snapshots and event scratch, for the groups that need them. */
static int lanes_steps_alloc(const dq_system_t *sys, dq__lane_group_t *lg)
{
    const dq__group_t *g = lg->group;
    const size_t B = sys->block_units, len = g->m * B, n_ev = sys->ev.n;
    const int adaptive = sys->ad.on && g == &sys->groups[sys->n_groups - 1];
    if (!g->lane_steps && !g->n_ev_modules && !adaptive)
        return DQ_OK;
    size_t n_aux = 0;
    for (size_t s = 0; s < sys->n_states; ++s)
        n_aux += sys->state_group[s] < 0;
    const size_t nE = n_ev * B;
    double **d[] = {&lg->lane_t, &lg->lane_dt, &lg->tview, &lg->E, &lg->theta};
    for (size_t i = 0; i < sizeof d / sizeof *d; ++i)
        if (!(*d[i] = dq__alloc_doubles(B)))
            return DQ_ENOMEM;
    double **v[] = {&lg->err, &lg->dense, &lg->snap_y, &lg->snap_f, &lg->fa, &lg->fb, &lg->ysave};
    for (size_t i = 0; i < sizeof v / sizeof *v; ++i)
        if (!(*v[i] = dq__alloc_doubles(len)))
            return DQ_ENOMEM;
    double **e[] = {&lg->gnew, &lg->glo, &lg->ghi, &lg->tlo, &lg->thi, &lg->gmid};
    for (size_t i = 0; i < sizeof e / sizeof *e; ++i)
        if (!(*e[i] = dq__alloc_doubles(nE)))
            return DQ_ENOMEM;
    lg->snap_state = dq__alloc_doubles(g->solver->state_vectors * len);
    lg->snap_aux = dq__alloc_doubles(n_aux * B);
    lg->act = calloc(B, 1);
    lg->acc = calloc(B, 1);
    lg->need = calloc(B, 1);
    lg->rejects = calloc(B, sizeof *lg->rejects);
    lg->ulist = calloc(2 * B, sizeof *lg->ulist);
    lg->cross = calloc(nE ? nE : 1, 1);
    lg->fired = calloc(nE ? nE : 1, 1);
    lg->side = calloc(nE ? nE : 1, 1);
    lg->evp = calloc(n_ev ? n_ev : 1, sizeof *lg->evp);
    lg->frp = calloc(n_ev ? n_ev : 1, sizeof *lg->frp);
    if (!lg->snap_state || !lg->snap_aux || !lg->act || !lg->acc || !lg->need || !lg->rejects ||
        !lg->ulist || !lg->cross || !lg->fired || !lg->side || !lg->evp || !lg->frp)
        return DQ_ENOMEM;
    return DQ_OK;
}

static void lanes_steps_free(dq__lane_group_t *lg)
{
    void *p[] = {lg->lane_t, lg->lane_dt, lg->tview,  lg->E,           lg->theta,       lg->err,
                 lg->dense,  lg->snap_y,  lg->snap_f, lg->fa,          lg->fb,          lg->ysave,
                 lg->gnew,   lg->glo,     lg->ghi,    lg->tlo,         lg->thi,         lg->gmid,
                 lg->act,    lg->acc,     lg->need,   lg->snap_state,  lg->snap_aux,    lg->rejects,
                 lg->cross,  lg->fired,   lg->side,   (void *)lg->evp, (void *)lg->frp, lg->ulist};
    for (size_t i = 0; i < sizeof p / sizeof *p; ++i)
        free(p[i]);
}

int dq__lanes_start(dq_system_t *sys)
{
    size_t want = sys->threads_wanted ? sys->threads_wanted : lanes_auto(sys);
    if (want > sys->n_blocks)
        want = sys->n_blocks;
    if (want == 0)
        want = 1;
    sys->lanes = calloc(want, sizeof *sys->lanes);
    if (!sys->lanes)
        return DQ_ENOMEM;
    sys->n_lanes = want;
    for (size_t i = 0; i < want; ++i) {
        dq__lane_t *l = &sys->lanes[i];
        l->sys = sys;
        l->b0 = i * sys->n_blocks / want;
        l->b1 = (i + 1) * sys->n_blocks / want;
        l->lg = calloc(sys->n_groups, sizeof *l->lg);
        if (!l->lg || dq__lane_views_init(l))
            return DQ_ENOMEM;
        if (sys->cable && !(l->cable = dq__cable_scratch_new(sys, l)))
            return DQ_ENOMEM;
        for (size_t gi = 0; gi < sys->n_groups; ++gi) {
            dq__group_t *g = &sys->groups[gi];
            dq__lane_group_t *lg = &l->lg[gi];
            const size_t mB = g->m * sys->block_units;
            lg->group = g;
            lg->lane = l;
            lg->scratch = dq__alloc_doubles(g->scratch_len);
            if (!lg->scratch)
                return DQ_ENOMEM;
            /* Jacobian scratch only for solvers that declare they use it; it is sized
             * here so that no call triggers an allocation mid-run. */
            if (g->solver->flags & DQ_CAP_JACOBIAN) {
                lg->jac_y = dq__alloc_doubles(mB);
                lg->jac_f = dq__alloc_doubles(mB);
                if (!lg->jac_y || !lg->jac_f)
                    return DQ_ENOMEM;
                if (g->analytic_jac && !g->analytic_diag) {
                    lg->jac_full = dq__alloc_doubles(g->m * mB);
                    if (!lg->jac_full)
                        return DQ_ENOMEM;
                }
            }
            /* SDE solvers: finite-difference and dZ scratch, sized here for the same reason. */
            if (g->solver->flags & DQ_CAP_DIFFUSION) {
                lg->sde_y = dq__alloc_doubles(mB);
                lg->sde_f = dq__alloc_doubles(mB);
                lg->sde_g = dq__alloc_doubles(mB);
                if (!lg->sde_y || !lg->sde_f || !lg->sde_g)
                    return DQ_ENOMEM;
            }
            if (lanes_steps_alloc(sys, lg) || dq__fast_init(lg))
                return DQ_ENOMEM;
            lg->ctx = (dq_ctx_t){
                .abi = DQ_ABI_HEADER_INIT(dq_ctx_t),
                .host = dq__host_api_for(g),
                .host_data = lg,
                .comps = g->m,
                .population = sys->units,
                .seed = sys->seed,
                .scratch = lg->scratch,
                .options = g->options,
                .has_jacobian = g->analytic_jac,
                .noisy = (g->solver->flags & DQ_CAP_DIFFUSION) && g->n_noisy ? g->noisy : NULL,
                .n_noisy = (g->solver->flags & DQ_CAP_DIFFUSION) ? g->n_noisy : 0};
        }
    }
    if (want > 1)
        return lanes_pool_start(sys);
    return DQ_OK;
}

void dq__lanes_stop(dq_system_t *sys)
{
    lanes_pool_stop(sys->pool);
    sys->pool = NULL;
    for (size_t i = 0; sys->lanes && i < sys->n_lanes; ++i) {
        dq__lane_t *l = &sys->lanes[i];
        for (size_t gi = 0; l->lg && gi < sys->n_groups; ++gi) {
            free(l->lg[gi].scratch);
            free(l->lg[gi].jac_y);
            free(l->lg[gi].jac_f);
            free(l->lg[gi].jac_full);
            free(l->lg[gi].sde_y);
            free(l->lg[gi].sde_f);
            free(l->lg[gi].sde_g);
            lanes_steps_free(&l->lg[gi]);
            dq__fast_free(&l->lg[gi]);
        }
        free(l->spk);
        free(l->ahead);
        free(l->lg);
        dq__cable_scratch_free(l->cable);
        dq__lane_views_free(l);
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
    dq__lane_run(&sys->lanes[0]);
    /* Lanes whose thread could not be started run here. */
    for (size_t i = (pool ? pool->n : 0) + 1; i < sys->n_lanes; ++i)
        dq__lane_run(&sys->lanes[i]);
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

int dq_system_step(dq_system_t *sys, dq_error_t *err)
{
    return dq_system_run(sys, 1, err);
}
