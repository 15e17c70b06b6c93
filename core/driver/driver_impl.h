/* SPDX-License-Identifier: MIT */
/* driver_impl.h -- shared between the step loop (driver.c), the host functions a solver
 * calls (host_api.c) and the lanes and threads (lanes.c). */
#ifndef DQ_CORE_DRIVER_IMPL_H
#define DQ_CORE_DRIVER_IMPL_H

#include "system_impl.h"

/* The table every context carries. */
extern const dq_host_api_t dq__host_api;

/* Points the lane's tables at its current block for the context's group, with values
 * from y, derivatives into f and diffusions into gd (NULL: none), at time t. */
void dq__driver_view(dq__lane_group_t *lg, double t, const double *y, double *f, double *gd);
/* The modules' compute_derivative at (t, y) into f and gd (gd may be NULL). */
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

#endif
