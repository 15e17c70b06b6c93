/* SPDX-License-Identifier: MIT */
/* driver_impl.h -- shared between the step loop (driver.c), the host functions a solver
 * calls (host_api.c) and the lanes and threads (lanes.c). */
#ifndef DQ_CORE_DRIVER_IMPL_H
#define DQ_CORE_DRIVER_IMPL_H

#include "system_impl.h"

/* The table a context of group g carries: every one has the same functions, but for
 * pre/post_integral, which return at once when no module of g has them. */
const dq_host_api_t *dq__host_api_for(const dq__group_t *g);

/* Points the lane's tables at its current block for the context's group, with values
 * from y, derivatives into f and diffusions into gd (NULL: none), at time t. */
void dq__driver_view(dq__lane_group_t *lg, double t, const double *y, double *f, double *gd);
/* The same with explicit per-lane times tl (units doubles; an interpolated state). */
void dq__driver_view_at(dq__lane_group_t *lg, const double *tl, const double *y, double *f);
/* The modules' compute_derivative at (t, y) into f and gd (gd may be NULL). In per-lane
 * mode (ctx.lane_t set) t is the fraction of each lane's step. Counts an evaluation. */
int dq__driver_eval(dq__lane_group_t *lg, double t, const double *y, double *f, double *gd);
/* The finite-difference perturbation of a value y: sqrt(eps) * max(|y|, 1). */
double dq__driver_fd_step(double y);
/* The host's report entry: a failure message naming the solver, state and unit. */
int dq__driver_report(dq_ctx_t *ctx, int code, size_t index, const char *message);
/* The SDE host functions (brownian.c). */
int dq__host_drift_diffusion(dq_ctx_t *ctx, double t, const double *y, double *f, double *g);
int dq__host_diffusion_diag(dq_ctx_t *ctx, double t, const double *y, const double *g, double *dg);
int dq__host_brownian(dq_ctx_t *ctx, double *dW, double *dZ);
/* Runs one callback (at byte offset `offset` in dq_module_desc_t) of every module of the
 * group, parents first or (reverse) last. */
int dq__driver_lifecycle(dq__lane_group_t *lg, size_t offset, const char *call, int reverse);
/* Points a lane's group context at block b. */
void dq__driver_ctx_block(dq__lane_group_t *lg, size_t b);
/* One block through the lane's job. */
void dq__lane_run(dq__lane_t *l);

/* ---- fast calls (host_api.c) ---- */
/* Builds and frees the lane group's call lists (lg->fast). */
int dq__fast_init(dq__lane_group_t *lg);
void dq__fast_free(dq__lane_group_t *lg);

/* Whether call list fc can skip the view: fixed steps (no per-lane times), and the lane's
 * tables are still those the slow path gathered the list's modules in (the generation moves
 * whenever they are rebuilt; pointing the context at a block forgets every list). */
static inline int dq__fast_valid(const dq__lane_group_t *lg, const dq__fast_call_t *fc)
{
    return fc->gen == lg->lane->view_gen && !lg->ctx.lane_t;
}

/* Module k of a valid list fc, pointed at (y, f, gd) and time t: its table entries for the
 * group's states are re-pointed only when they point at other buffers; the view's per-call
 * fields are set as dq__module_view sets them in fixed-step runs. */
static inline dq_view_t *dq__fast_view(dq__lane_group_t *lg, const dq__fast_call_t *fc, size_t k,
                                       double t, const double *y, const double *f, const double *gd)
{
    dq__lane_t *l = lg->lane;
    const size_t i = fc->mod[k];
    const double **yf = l->mview_yf + 3 * i;
    const size_t *at = fc->slot_at + 3 * k, units = lg->ctx.units, *comp = fc->comp;
    double ***slot = fc->slot;
    if (yf[0] != y) {
        for (size_t p = at[0], e = at[1]; p < e; ++p)
            *slot[p] = (double *)y + comp[p] * units;
        yf[0] = y;
    }
    if (yf[1] != f) {
        for (size_t p = at[1], e = at[2]; p < e; ++p)
            *slot[p] = (double *)f + comp[p] * units;
        yf[1] = f;
    }
    if (yf[2] != gd) {
        for (size_t p = at[2], e = at[3]; p < e; ++p)
            *slot[p] = gd ? (double *)gd + comp[p] * units : NULL;
        yf[2] = gd;
    }
    dq_view_t *v = &l->mview[i];
    v->t = t;
    v->lane_t = NULL;
    v->dt = lg->ctx.dt;
    v->step = lg->ctx.step;
    v->jacobian = NULL;
    v->jacobian_diag = NULL;
    return v;
}

/* ---- events (events.c) ---- */
/* The group's event functions at the current view into gout[e*units + u] (rows of the
 * group's events only). */
int dq__events_eval(dq__lane_group_t *lg, double *gout);
/* Sets cross[] for lanes of `mask` (NULL: all) whose event e crossed between the stored
 * values gprev (at the unit's time) and gnew; returns how many crossings. */
size_t dq__events_cross(dq__lane_group_t *lg, const unsigned char *mask);
/* An interpolant: out = y(start_u + theta_u h_u) for the block's lanes; lanes where `need`
 * is 0 may be left as they are (need NULL: every lane). */
typedef int (*dq__interp_fn)(dq__lane_group_t *lg, const double *theta, const unsigned char *need,
                             double *out);
/* Locates every crossing of cross[] inside the step: thi[e*units + u] receives theta in
 * (0, 1] at (or just after) the crossing. start/h: per-lane step start and size. */
int dq__events_locate(dq__lane_group_t *lg, dq__interp_fn interp, const double *start,
                      const double *h);
/* Calls handle_event of the group's modules for the lanes marked in lg->fired, at the
 * current view. */
int dq__events_handle(dq__lane_group_t *lg);
/* Counts the lane's events that the sample time has now passed. */
void dq__events_count_ahead(dq__lane_t *l);
/* Records a fired event of lane u at time t (a spike when the event is one). */
int dq__events_record(dq__lane_group_t *lg, size_t e, size_t u, double t);
/* Fixed steps: whether the group's events are located on the cubic Hermite interpolant
 * (methods of order 3 and more, or unknown) rather than a straight line. */
int dq__events_hermite(const dq__group_t *g);
/* Fixed steps: after the group's step from t over h (ctx->y new, lg->snap_y the old
 * values), locates crossings, handles them and finishes the step from the event. */
int dq__events_fixed(dq__lane_group_t *lg, double t, double h);
/* The same with several integration groups: crossings located by linear interpolation of
 * the event function between the step's ends, handlers applied at the step's end. */
int dq__events_fixed_linear(dq__lane_group_t *lg, double t, double h);
/* Copies lane u of a block vector set between buffers (comps rows of `units`). */
void dq__lane_copy(double *dst, const double *src, size_t rows, size_t units, size_t u);

/* ---- adaptive runs (adaptive.c) ---- */
void dq__adaptive_lane_run(dq__lane_t *l);

#endif
