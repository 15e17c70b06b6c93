/* SPDX-License-Identifier: MIT */
/* dq/host/conform.h -- the conformance battery behind `dqhost check` and the test suite.
 *
 * SOLVERS. dq_conform_run() drives a solver's init, step and reset directly, with its own
 * context and host functions (not the system and driver), on reference problems coded in
 * the engine, each with its derivative, analytic Jacobian and exact solution. Every problem
 * runs 3 units padded to one block of DQ_LANES lanes (the padding lanes copy unit 2), with
 * different initial values, so a solver that mixes up the layout (component k of lane u at
 * k*units + u) shows. Vectors are 64-byte aligned; scratch is filled with NaNs before every
 * call; persistent state (state_vectors * len doubles) is kept between steps; init runs
 * after the initial values are set, before the first step.
 *
 *   decay       y' = -y,                          y(0) = 1 (+0.1 u),  t_end 1
 *   oscillator  x' = v, v' = -4x,                 x(0) = 1 (+0.1 u), v(0) = 0, t_end 1
 *   logistic    y' = y (1 - y),                   y(0) = 0.1 (+0.02 u), t_end 2,
 *               exact 1 / (1 + (1/y0 - 1) e^-t)
 *   riccati     y' = -2 t y^2 (time-dependent),   y(0) = 1 (+0.1 u), t_end 2,
 *               exact 1 / (1/y0 + t^2)
 *   stiff       y0' = 998 y0 + 1998 y1, y1' = -999 y0 - 1999 y1, y(0) = (1, 0),
 *               eigenvalues -1 and -1000
 *
 * What a solver is, it declares; the verdicts follow from that, never from its name. The
 * checks, in the order of enum dq_conform_check_id:
 *
 *   names        canonical name and aliases are non-empty [A-Za-z0-9_.-]; the description
 *                is one line
 *   category     one of the DQ_CATEGORY_* names of <dq/integrator.h>
 *   exports      the plugin file's dynamic symbols are exactly {dq_plugin_entry}
 *                (INFO "built into the program" for in-process entries)
 *   status       every init, step and reset of the reference runs returns DQ_OK; a solver
 *                calling dq_jacobian or dq_jacobian_diag without DQ_CAP_JACOBIAN gets
 *                DQ_EUSAGE, which fails here
 *   lifecycle    per step: pre_integral once, compute_derivative at least once, then
 *                post_integral once, in that order; init and reset may evaluate F but call
 *                neither pre_integral nor post_integral
 *   memory       y, f, scratch and state sit between canary regions of NaN-payload doubles,
 *                checked after every call; host functions get pointers inside them
 *   determinism  two identical runs give bit-identical final states, and every padding lane
 *                ends bit-identical to the unit it copies
 *   order        the convergence order at fixed steps, on decay, oscillator and logistic
 *                (max-norm error at t_end over the real units). Each problem gets its own
 *                ladder of step sizes, so the errors compared are the method's and not
 *                round-off's: from h0 (0.1, or 0.2 for a declared order of 3 and up) the step
 *                is halved while the error stays above the floor DQ_CONFORM_FLOOR (1e-12)
 *                times max(1, |y(t_end)|), at most DQ_CONFORM_REFINE sizes; when fewer than
 *                two errors are above the floor (a high order, or an exact method), coarser
 *                sizes t_end/m, m halved down to one step, are tried first. Round-off at
 *                the step counts where errors reach the floor is 1e-15 to 1e-14 (where the
 *                ladders of 5th-order methods flatten), 1% of the floor or less, so it moves
 *                a fitted slope by under 0.02; a floor of 1e-11 would push the fit of a
 *                dopri5 on riccati back to a coarser, less asymptotic pair (5.58). The order is
 *                p = log(e(h1)/e(h2)) / log(h1/h2) on the finest pair of sizes whose errors
 *                are both above the floor (dq_conform_fit_order), never across it: a pair
 *                where the finer error is round-off would make an order-8 method look like
 *                order 2. A problem without such a pair is "exact" and not counted. The
 *                measured order is the minimum over the rest; PASS when it is within
 *                [declared - DQ_CONFORM_ORDER_BELOW, declared + DQ_CONFORM_ORDER_ABOVE] =
 *                [p - 0.2, p + 0.6], INFO when the solver declares no order (0). The window
 *                is wider above: e(h) = C h^p (1 + D h + ...) converges from above whenever
 *                D has the sign of C, and in optimised pairs (Dormand-Prince, Tsitouras) C is
 *                made small, so h^(p+1) terms still weigh near the floor (a correct dopri5
 *                measures 5.33 on riccati); 0.6 still fails a method one order off either
 *                way. A solver of category "exponential" must be exact on decay (linear,
 *                diagonal Jacobian)
 *   time         the same measurement on riccati, where F depends on t, so stages evaluated
 *                at the wrong times show: PASS when it agrees with the declared order, or
 *                with the measured one (then `order` reports the mismatch). A solver flagged
 *                DQ_CAP_JACOBIAN that is lower order here gets INFO, not FAIL: a method that
 *                linearises in y only needs dF/dt, which dq_host_api_t does not give
 *   stiff        stiff at dt = 0.01 to t = 1: "stable" when every value stays finite and
 *                within 10, else "unstable at dt = 0.01". PASS/FAIL for a solver of category
 *                "implicit", INFO for the others
 *   reset        the oscillator with dt halved half-way (the host calls reset, or init
 *                again when there is no reset): the final error is at most 1.5 times that
 *                of the coarse dt throughout
 *
 * ERROR-CONTROLLED SOLVERS. A solver that declares DQ_CAP_ADAPTIVE gets ctx->lane_dt (every
 * entry ctx->dt) in the fixed-step runs above, and three more checks in per-lane mode
 * (ctx->t = 0, ctx->dt = 1, ctx->lane_t and ctx->lane_dt set, so a stage time c is lane u's
 * lane_t[u] + c lane_dt[u]), with ctx->err when the check needs the estimate. Lane u starts
 * at t0 = 0.25 (1 + u) from the exact state there and steps over h (1 + 0.25 u), so lanes
 * differ in time and step size (the padding lanes copy unit 2). Ladders of h start at
 * DQ_CONFORM_LOCAL_H0 and halve while the error stays above DQ_CONFORM_LOCAL_FLOOR (1e-13)
 * times max(1, |y|), at most DQ_CONFORM_LOCAL_SIZES sizes, and are fitted as for `order`
 * (the finest pair above the floor). Other solvers get SKIP ("not an adaptive solver").
 *
 *   embedded     the order of the error estimate: max |err| after one step from the exact
 *                state on oscillator, logistic and riccati. y_new - y_embedded is
 *                O(h^(q+1)) with q = min(order, error_order) (a method that advances with its
 *                lower-order solution estimates that solution's own error). PASS when the
 *                measured slope on every problem is within DQ_CONFORM_LOCAL_TOL (0.3) of
 *                q + 1; FAIL names the problem and the slopes; FAIL too when the estimate is
 *                zero everywhere (the controller would never reject)
 *   dense        the continuous extension: after the same step, max over theta in {0.1, ...,
 *                0.9} (a different theta per lane in each call) of |dense(theta) -
 *                y(t0 + theta h)| scales like h^(d+1), d = min(dense_order, order), within
 *                0.3; dense(1) equals the step's y and dense(0) its starting y to 1e-12
 *                relative; and after the lanes' values change and reset is called (what an
 *                event does) dense gives the same bits, and it writes nothing but its output
 *   tolerance    tolerance proportionality: runs with the host's controller
 *                (core/driver/control.h: the weighted RMS norm, the PI controller, Hairer's
 *                starting step, rejected lanes restored, the last step clipped) on
 *                oscillator, logistic and riccati from t = 0 to 5 times their t_end (over
 *                t_end alone the loosest tolerance takes 7 to 13 steps, mostly the
 *                controller's start-up, and the slope is that transient's) at rtol = 1e-4,
 *                1e-6, 1e-8 (atol = rtol 1e-2). The global error is the largest max-norm error
 *                after any accepted step; the slope is the least-squares one of log(error)
 *                against log(rtol). With the estimate held near rtol per step,
 *                h ~ rtol^(1/(q+1)) and the global error ~ h^order, so the slope is
 *                order/(q+1): 1 for a pair that advances with its higher-order solution
 *                (dopri5 5/(4+1), bs3 3/(2+1)), 2/3 for a second-order method controlling its
 *                own error. PASS when the slope on every problem is within [expected - 0.3,
 *                expected + 0.2] ([0.7, 1.2] for the usual pairs): below, the global error
 *                does not follow the tolerance (an estimate of the wrong size, errors piling
 *                up); above, the controller is more careful than the estimate needs at loose
 *                tolerances (the controller's transient, which lifts the slope 0.1 or so).
 *                The detail has the slopes and one problem's errors and steps per rtol
 *
 * A step that fails (a nonzero return) is a FAIL of `status`, except in the stiff run, where
 * failing is one way of being unstable.
 *
 * CABLE. The cable problem is a cable model (<dq/cable.h>) coded in the engine, built with
 * dq_system_new_cable (<dq/host/cable.h>) and run through the host's driver, so `check`
 * needs no model plugin: a JSON cell (soma 20 x 20 µm; an apical trunk 200 x 1 µm from
 * soma(1) that branches at its end into two 150 x 0.8 µm dendrites; a basal 150 x 1 µm from
 * soma(0)), 2 segments a dendrite, so zero-area junctions sit at soma(0), soma(1) and the
 * branch point; a root module with "V", `pas` everywhere (0.1 mS/cm², -65 mV) and `hh` in
 * the soma (NEURON's hh.mod at 6.3 °C: 120, 36, 0.3 mS/cm², 50, -77, -54.3 mV), cm 1, Ra
 * 35.4, v_init -65, one cell, and an IClamp of 0.3 nA at soma(0.5) on from t = 0 to past
 * t_end = 5 ms (on throughout: a switch inside the run would cost every method above
 * first order its order), which fires one spike (0 mV crossed upward at 1.77 ms). The
 * ladder runs the solver at dt = DQ_CONFORM_CABLE_DT0 / 2^k, k = 0 .. DQ_CONFORM_REFINE - 1 (fewer
 * when the errors reach DQ_CONFORM_CABLE_FLOOR times max(1, |y|)), and measures at t_end the error
 * of soma V, of every compartment's V and of the soma's gates against the reference, fitted as for
 * `order` (the finest pair above the floor). The reference is independent of the solver
 * under test: the engine's own classical RK4 on the host's ODE form (the junctions
 * eliminated, as any explicit solver sees the cell) at the finest dt / 8 and / 16 (or
 * smaller, within 1 / lambda, lambda the Gershgorin bound of the Jacobian: 232 /ms),
 * Richardson-extrapolated; its error estimate, |y(h) - y(h/2)| / 15, is reported
 * and is far below the floor. The checks:
 *
 *   cable    a solver of category "cable": PASS when the measured order (the minimum over
 *            the three quantities) is within [declared - 0.2, declared + 0.6], as `order`.
 *            Its ordinary problems are not run (it refuses models without compartments):
 *            `status` checks that it does refuse one, with DQ_EUSAGE, and that every cable
 *            run returned DQ_OK; `determinism` compares two runs' bits; order, time, stiff,
 *            reset, lifecycle, memory and the adaptive checks SKIP. Any other solver runs
 *            the same ladder as a row of its own when it runs on cable models: PASS or
 *            FAIL by its declared order as above (INFO when `order` failed already, and
 *            when every error is below the floor: "exact"), INFO "not run: " and the
 *            host's message when its first run fails (it refuses cable models, or needs
 *            dense Jacobians), "not run: explicit step limit" when an explicit solver
 *            would need dt below DQ_CONFORM_CABLE_DT0 / 8 to stay within 2 / lambda (any
 *            explicit ladder starts at the largest DQ_CONFORM_CABLE_DT0 / 2^k within it:
 *            0.00625 here). SKIP for an SDE solver (the problem has no noise: the real host
 *            gives it no diffusion slot) and for a solver that failed status, lifecycle or
 *            memory (the real host does not guard against what those found)
 *
 * MODELS. dq_conform_model_run() builds the model with its default parameters and a
 * population of DQ_CONFORM_MODEL_UNITS (when it has a population parameter) through the
 * embedding API (<dq/host/system.h>), with every module callback wrapped, and a probe
 * solver of the engine's own that evaluates F at the initial state and at a perturbed one.
 * Inside each module's compute_derivative, with the view the host built, it compares the
 * module's analytic callbacks with central finite differences of its compute_derivative
 * (each variable, own or read, perturbed in turn). The checks, in the order of enum
 * dq_conform_model_check_id:
 *
 *   run              the model builds, prepares and steps (FAIL with the host's message)
 *   derivative       compute_derivative gives finite derivatives and writes no value
 *   jacobian         every entry of `jacobian` within 1e-5 relative (plus 1e-7 of the row's
 *                    largest entry) of central differences; SKIP when no module has one
 *   jacobian_diag    the same for `jacobian_diag`
 *   derivative_diag  compute_derivative_diag: the same F as compute_derivative (1e-12
 *                    relative) and the diagonal as above
 *   lifecycle        init_state of each module that has one runs before the first step and
 *                    never after; pre_integral and post_integral run once per block and step;
 *                    pre_integral changes no integrated state; post_integral changes one only
 *                    in a DQ_MODULE_RESETS module, marking the lane in v->reset; every
 *                    callback returns DQ_OK
 *   determinism      two runs of 10 Euler steps give the same bits for every state and unit,
 *                    and so does a run in blocks of 8 units against blocks of 256
 *
 * A failing verdict names the model, the module, the state (and the variable and unit).
 *
 * SDE SOLVERS. A solver that declares DQ_CAP_DIFFUSION is also judged on noise, through the
 * embedding API (<dq/host/system.h>: the host's driver and its keyed Brownian increments,
 * <dq/host/noise.h>), on problems coded in the engine as models (never on installed model
 * plugins), all with X(0) = x0 and T = 1:
 *
 *   gbm        dX = a X dt + b X dW, a = 0.5, b = 0.7, x0 = 1: the noise's error dominates.
 *              On the path W: Ito x0 exp((a - b^2/2) T + b W(T)), mean x0 e^(aT), variance
 *              x0^2 e^(2aT) (e^(b^2 T) - 1); Stratonovich x0 exp(a T + b W(T)), the same
 *              moments with a + b^2/2 for a
 *   gbm_drift  the same with a = 1, b = 0.5: the drift's bias dominates
 *   ou         dX = theta (mu - X) dt + sigma dW, theta = 1, mu = 0, sigma = 0.5, x0 = 1
 *              (additive noise: both calculi agree). On the path:
 *              mu + (x0 - mu) e^(-theta T) + sigma int_0^T e^(-theta (T - s)) dW(s), the
 *              integral built from the increments dW and dZ of a grid (unbiased, with a
 *              pathwise error of order h^2 of the grid); mean mu + (x0 - mu) e^(-theta T),
 *              variance sigma^2 (1 - e^(-2 theta T)) / (2 theta)
 *   sine       dX = -sin(X) dt + sigma dW, sigma = 2, x0 = 1: additive noise with f'' != 0,
 *              where order 1.5 shows (on the linear ou, additive-noise methods reach 2). No
 *              closed form: the reference is the solver itself at T/1024 on the same path
 *
 * Its calculus picks the exact solutions; a solver that declares none is measured as Ito
 * and told so. A solver that declares DQ_CAP_ADDITIVE_NOISE_ONLY (the host refuses it gbm's
 * multiplicative noise) is measured on sine (strong) and ou (weak, noise) instead. Paths are
 * the units of one population with one seed; each dt's run sums the noise of the finest
 * grid (dq_system_set_noise_refine), so every dt follows the same Brownian path. The
 * checks, in the order of enum dq_conform_sde_check_id:
 *
 *   strong   e(dt) = mean over DQ_CONFORM_SDE_PATHS paths of |X_dt(T) - X(T)| for
 *            dt = T/16 .. T/256 on gbm (T/4 .. T/64 on sine, against T/1024); the order is
 *            the least-squares slope of log e against log dt. PASS within
 *            DQ_CONFORM_STRONG_TOL of strong_order, INFO when none is declared. A failure
 *            says what the paths approach instead: the solution without noise (does the
 *            noise scale with sqrt(dt)?) or the other calculus's
 *   weak     the bias of the mean, e(dt) = mean over DQ_CONFORM_SDE_WEAK_PATHS paths of
 *            X_dt(T) - X(T) on the same path (an unbiased estimate of E X_dt(T) - E X(T),
 *            the exact solution serving as a control variate), dt = T/8 .. T/128, on
 *            gbm_drift (ou), each with its standard error; the order is the weighted
 *            least-squares slope over the dt whose bias exceeds 3 standard errors, bound: 3
 *            standard errors of the slope (the correlation between dt ignored). PASS within
 *            max(DQ_CONFORM_WEAK_TOL, bound) of weak_order, or when fewer than two dt show a
 *            bias above 3 standard errors (consistent with any order)
 *   moments  mean and variance at T of ou (dt = T/64) and gbm (dt = T/256), from
 *            DQ_CONFORM_SDE_PATHS paths, against the closed forms: PASS when each is within
 *            DQ_CONFORM_MOMENTS_BOUND standard errors (the variance's from the sample's
 *            fourth moment); gbm is not run for additive-noise solvers
 *   noise    on gbm_drift (ou), 16 steps of T/16: two runs with one seed give the same bits,
 *            another seed another value for every path, 1 and 2 threads and blocks of 8 and
 *            256 units the same bits, and paths 0..9 the same bits in a population of 10 as
 *            in one of 1000
 *
 * Deterministic solvers get SKIP ("not an SDE solver") for these.
 *
 * The engine never prints, exits or aborts; a plugin that crashes or hangs takes the calling
 * process with it, so `dqhost check` runs each check in a child process. The model checks
 * of one process run one at a time (a lock serialises them). */
#ifndef DQ_HOST_CONFORM_H
#define DQ_HOST_CONFORM_H

#include <stddef.h>

#include <dq/host/error.h>
#include <dq/host/registry.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum dq_conform_status {
    DQ_CONFORM_PASS = 0,
    DQ_CONFORM_FAIL,
    DQ_CONFORM_INFO, /* measured or noted, never a failure */
    DQ_CONFORM_SKIP  /* not run */
} dq_conform_status_t;

typedef enum dq_conform_check_id {
    DQ_CHECK_RUN = 0, /* the engine ran to the end: set by dqhost check for a crash, a
                       * timeout or a file that does not load */
    DQ_CHECK_NAMES,
    DQ_CHECK_CATEGORY,
    DQ_CHECK_EXPORTS,
    DQ_CHECK_STATUS,
    DQ_CHECK_LIFECYCLE,
    DQ_CHECK_MEMORY,
    DQ_CHECK_DETERMINISM,
    DQ_CHECK_ORDER,
    DQ_CHECK_TIME,
    DQ_CHECK_STIFF,
    DQ_CHECK_RESET,
    DQ_CHECK_EMBEDDED, /* DQ_CAP_ADAPTIVE solvers only; SKIP for the others */
    DQ_CHECK_DENSE,
    DQ_CHECK_TOLERANCE,
    DQ_CHECK_CABLE, /* the cable problem: every solver that runs on cable models */
    DQ_CONFORM_N_CHECKS
} dq_conform_check_id_t;

typedef enum dq_conform_problem_id {
    DQ_PROBLEM_DECAY = 0,
    DQ_PROBLEM_OSCILLATOR,
    DQ_PROBLEM_LOGISTIC,
    DQ_PROBLEM_RICCATI,
    DQ_CONFORM_N_PROBLEMS
} dq_conform_problem_id_t;

/* What an order measurement found on one problem. */
typedef enum dq_conform_order_status {
    DQ_ORDER_NOT_RUN = 0,
    DQ_ORDER_MEASURED, /* `order` holds p */
    DQ_ORDER_EXACT,    /* no two step sizes with errors above the floor: no order to measure */
    DQ_ORDER_FAILED    /* a step failed or an error was not finite */
} dq_conform_order_status_t;

#define DQ_CONFORM_NAME_MAX 128
#define DQ_CONFORM_DETAIL_MAX 320
#define DQ_CONFORM_STEP_SIZES 12 /* room for DQ_CONFORM_REFINE sizes and coarser ones */
#define DQ_CONFORM_REFINE 6      /* h0 .. h0/32 */
#define DQ_CONFORM_FLOOR 1e-12   /* global errors below this (times max(1, |y|)) are round-off */
#define DQ_CONFORM_ORDER_BELOW 0.2
#define DQ_CONFORM_ORDER_ABOVE 0.6

typedef struct dq_conform_check {
    int status;                         /* dq_conform_status_t */
    char detail[DQ_CONFORM_DETAIL_MAX]; /* one line */
} dq_conform_check_t;

typedef struct dq_conform_order {
    int status;                          /* dq_conform_order_status_t */
    double order;                        /* p on the pair `fit`; NaN unless measured */
    int sizes;                           /* entries of dt and error used */
    int fit;                             /* the pair fitted: dt[fit - 1], dt[fit]; 0 if none */
    double floor;                        /* errors below this were not fitted */
    double dt[DQ_CONFORM_STEP_SIZES];    /* step sizes, coarsest first */
    double error[DQ_CONFORM_STEP_SIZES]; /* max-norm error at t_end for each */
} dq_conform_order_t;

/* The battery's order fit: over a ladder of n step sizes (coarsest first) and their errors,
 * the slope log(e[k-1]/e[k]) / log(dt[k-1]/dt[k]) of the finest pair k-1, k whose errors are
 * both finite and at least `floor`. Returns DQ_ORDER_MEASURED with *order and *pair = k, or
 * DQ_ORDER_EXACT (no such pair; *order NaN, *pair 0). pair may be NULL. */
DQ_API int dq_conform_fit_order(const double *dt, const double *error, int n, double floor,
                                double *order, int *pair);

/* ---- error-controlled solvers (DQ_CAP_ADAPTIVE) ---- */

#define DQ_CONFORM_LOCAL_SIZES 8
#define DQ_CONFORM_LOCAL_H0 0.4      /* the coarsest step of the one-step ladders (lane 0) */
#define DQ_CONFORM_LOCAL_FLOOR 1e-13 /* one-step errors below this (times max(1, |y|)) */
#define DQ_CONFORM_LOCAL_TOL 0.3
#define DQ_CONFORM_TOLERANCES 3 /* rtol = 1e-4, 1e-6, 1e-8 */
#define DQ_CONFORM_SLOPE_BELOW 0.3
#define DQ_CONFORM_SLOPE_ABOVE 0.2

/* A one-step measurement (embedded estimate or dense output) on one problem. */
typedef struct dq_conform_local {
    int status;   /* dq_conform_order_status_t (EXACT: zero or below the floor throughout) */
    double order; /* the fitted slope; NaN unless measured */
    int sizes, fit;
    double floor;
    double h[DQ_CONFORM_LOCAL_SIZES];     /* lane 0's step size, coarsest first */
    double error[DQ_CONFORM_LOCAL_SIZES]; /* max over the real units */
} dq_conform_local_t;

/* Adaptive runs of one problem at each tolerance. */
typedef struct dq_conform_tolerance {
    int status;   /* MEASURED, FAILED (a run failed or gave up) or NOT_RUN */
    double slope; /* of log error against log rtol; NaN unless measured */
    double rtol[DQ_CONFORM_TOLERANCES];
    double error[DQ_CONFORM_TOLERANCES]; /* max-norm global error at t_end */
    unsigned long accepted[DQ_CONFORM_TOLERANCES], rejected[DQ_CONFORM_TOLERANCES]; /* unit 0 */
} dq_conform_tolerance_t;

typedef struct dq_conform_adaptive {
    int error_order, dense_order; /* as declared */
    double expected_embedded;     /* min(order, error_order) + 1 */
    double expected_dense;        /* min(order, dense_order) + 1 */
    double expected_slope;        /* order / (min(order, error_order) + 1) */
    double dense_end;             /* max |dense(1) - y| / max(1, |y|); NaN if not measured */
    double dense_start;           /* max |dense(0) - y0| / max(1, |y0|) */
    /* By dq_conform_problem_id_t; decay is not run (status NOT_RUN). */
    dq_conform_local_t embedded[DQ_CONFORM_N_PROBLEMS], dense[DQ_CONFORM_N_PROBLEMS];
    dq_conform_tolerance_t tolerance[DQ_CONFORM_N_PROBLEMS];
} dq_conform_adaptive_t;

/* ---- SDE solvers (DQ_CAP_DIFFUSION) ---- */

typedef enum dq_conform_sde_check_id {
    DQ_SDE_CHECK_STRONG = 0,
    DQ_SDE_CHECK_WEAK,
    DQ_SDE_CHECK_MOMENTS,
    DQ_SDE_CHECK_NOISE,
    DQ_CONFORM_N_SDE_CHECKS
} dq_conform_sde_check_id_t;

typedef enum dq_conform_sde_problem_id {
    DQ_SDE_PROBLEM_GBM = 0,   /* strong order, moments */
    DQ_SDE_PROBLEM_GBM_DRIFT, /* weak order, noise */
    DQ_SDE_PROBLEM_OU,        /* moments; weak order and noise of additive-noise solvers */
    DQ_SDE_PROBLEM_SINE,      /* strong order of additive-noise solvers */
    DQ_CONFORM_N_SDE_PROBLEMS
} dq_conform_sde_problem_id_t;

#define DQ_CONFORM_SDE_PATHS 2000      /* strong order and moments */
#define DQ_CONFORM_SDE_WEAK_PATHS 4000 /* weak order */
#define DQ_CONFORM_SDE_RUNGS 5
#define DQ_CONFORM_STRONG_TOL 0.1
#define DQ_CONFORM_WEAK_TOL 0.15

/* An order measured over a ladder of dt on one problem. */
typedef struct dq_conform_sde_order {
    int status;  /* dq_conform_order_status_t; EXACT: strong, the finest error below 1e-13; weak,
                    no bias above 3 standard errors at two dt or more */
    int problem; /* dq_conform_sde_problem_id_t */
    size_t paths;
    double t_end;
    unsigned refine;                    /* the reference's grid is the finest dt / refine */
    double dt[DQ_CONFORM_SDE_RUNGS];    /* coarsest first */
    double error[DQ_CONFORM_SDE_RUNGS]; /* strong: mean |X_dt - X|; weak: mean of X_dt - X */
    double se[DQ_CONFORM_SDE_RUNGS];    /* the standard error of each error */
    double order;                       /* the fitted slope; NaN unless measured */
    double bound;                       /* weak: 3 standard errors of the slope; else NaN */
} dq_conform_sde_order_t;

/* Mean and variance at t_end of one problem against the closed forms. */
typedef struct dq_conform_moments {
    int status; /* dq_conform_status_t: PASS, FAIL, or SKIP (not run, or refused) */
    size_t paths;
    double dt, t_end;
    double mean, mean_exact, mean_se;
    double var, var_exact, var_se;
} dq_conform_moments_t;

#define DQ_CONFORM_MOMENTS_BOUND 4.0 /* standard errors allowed */

typedef struct dq_conform_sde {
    int calculus;      /* as declared (enum dq_calculus) */
    int calculus_used; /* the reading of the exact solutions: Ito when none is declared */
    int additive_only; /* DQ_CAP_ADDITIVE_NOISE_ONLY: the strong problem is ou */
    double declared_strong, declared_weak;
    dq_conform_sde_order_t strong, weak;
    dq_conform_moments_t moments[DQ_CONFORM_N_SDE_PROBLEMS]; /* by dq_conform_sde_problem_id */
    dq_conform_check_t checks[DQ_CONFORM_N_SDE_CHECKS];      /* by dq_conform_sde_check_id */
} dq_conform_sde_t;

/* ---- the cable problem (cable models, <dq/cable.h>) ---- */

/* What the cable problem's ladders measure, each with its own order. */
typedef enum dq_conform_cable_quantity {
    DQ_CABLE_SOMA_V = 0, /* V at soma(0.5) */
    DQ_CABLE_ALL_V,      /* V of every compartment (max norm), junctions included */
    DQ_CABLE_GATES,      /* hh's m, h, n at the soma (max norm) */
    DQ_CONFORM_N_CABLE_QUANTITIES
} dq_conform_cable_quantity_t;

#define DQ_CONFORM_CABLE_DT0 0.025   /* ms: the first step of the ladder, NEURON's default */
#define DQ_CONFORM_CABLE_FLOOR 1e-12 /* errors below this (times max(1, |y|)) are not fitted */

typedef struct dq_conform_cable {
    int ran;             /* the ladder ran to the end (else the cable check says why) */
    size_t compartments; /* of the cell, junctions included */
    size_t junctions;    /* zero-area nodes */
    size_t gates;        /* mechanism states (components past the compartments) */
    double t_end;        /* ms */
    double lambda;       /* Gershgorin bound of the largest |eigenvalue| of the ODE, 1/ms */
    double dt_ref;       /* the reference's finer step, ms */
    double ref_error;    /* the reference's own error estimate (max over quantities) */
    double v_end;        /* the reference's soma V at t_end, mV */
    dq_conform_order_t order[DQ_CONFORM_N_CABLE_QUANTITIES]; /* by dq_conform_cable_quantity */
} dq_conform_cable_t;

/* The verdict on one solver. Plain fixed-size data: no pointers, so it can be copied,
 * written through a pipe as bytes or serialised field by field. */
typedef struct dq_conform_result {
    char solver[DQ_CONFORM_NAME_MAX]; /* canonical name */
    char category[DQ_CONFORM_NAME_MAX];
    char origin[DQ_ERROR_SOURCE_MAX]; /* plugin path or DQ_ORIGIN_BUILTIN */
    int declared_order;               /* the descriptor's order, 0 = undeclared */
    double measured_order;            /* minimum over the counted problems; NaN if none */
    int passed;                       /* no check has status DQ_CONFORM_FAIL */
    dq_conform_check_t checks[DQ_CONFORM_N_CHECKS];   /* by dq_conform_check_id_t */
    dq_conform_order_t orders[DQ_CONFORM_N_PROBLEMS]; /* by dq_conform_problem_id_t */
    int is_sde;           /* the solver declares DQ_CAP_DIFFUSION: `sde` holds its verdicts */
    dq_conform_sde_t sde; /* checks SKIP ("not an SDE solver") otherwise */
    int is_adaptive;      /* the solver declares DQ_CAP_ADAPTIVE: `adaptive` holds its numbers */
    dq_conform_adaptive_t adaptive;
    int is_cable;             /* category "cable": judged on the cable problem alone */
    dq_conform_cable_t cable; /* the cable problem's ladders (every solver that runs it) */
} dq_conform_result_t;

/* Runs every check on `solver` and fills `out` (which is zeroed first). Returns DQ_OK when
 * the checks ran, whatever their verdicts (see out->passed); DQ_EINVAL for NULL arguments and
 * DQ_ENOMEM when the engine's buffers cannot be allocated. Allocates and frees its buffers
 * within the call. */
DQ_API int dq_conform_run(const dq_integrator_entry_t *solver, dq_conform_result_t *out,
                          dq_error_t *err);

/* Zeroes `out`, names the solver, sets every check to SKIP ("not run") and every order to
 * NaN: the starting point of dq_conform_run, and of a verdict the caller writes itself
 * (a crash, a timeout, a file that does not load). `solver` may be NULL. */
DQ_API void dq_conform_result_init(dq_conform_result_t *out, const dq_integrator_entry_t *solver);

/* Sets one check's status and its one-line detail (printf format). */
DQ_API void dq_conform_set(dq_conform_result_t *out, dq_conform_check_id_t id, int status,
                           const char *fmt, ...) DQ_PRINTF(4, 5);

/* Sets one SDE check's status and detail (printf format). */
DQ_API void dq_conform_sde_set(dq_conform_result_t *out, dq_conform_sde_check_id_t id, int status,
                               const char *fmt, ...) DQ_PRINTF(4, 5);

/* Recomputes out->passed from the checks (the SDE ones included). */
DQ_API void dq_conform_update(dq_conform_result_t *out);

/* "soma_V", "all_V", "gates"; NULL past the end. */
DQ_API const char *dq_conform_cable_quantity_name(int id);

/* Short names: "run", "names", ..., "stiff", "reset", "embedded", "dense", "tolerance", "cable";
 * "decay", "oscillator", "logistic", "riccati"; "pass", "fail", "info", "skip". NULL past the end.
 */
DQ_API const char *dq_conform_check_name(int id);
DQ_API const char *dq_conform_problem_name(int id);
DQ_API const char *dq_conform_status_name(int status);
/* "strong", "weak", "moments", "noise"; "gbm", "gbm_drift", "ou", "sine"; "none", "ito",
 * "stratonovich" (NULL past the end). */
DQ_API const char *dq_conform_sde_check_name(int id);
DQ_API const char *dq_conform_sde_problem_name(int id);
DQ_API const char *dq_conform_calculus_name(int calculus);

/* ---- models ---- */

/* Units of the population the model checks use (padding included in the last block). */
#define DQ_CONFORM_MODEL_UNITS 19

typedef enum dq_conform_model_check_id {
    DQ_MCHECK_RUN = 0, /* also set by dqhost check for a crash or a timeout */
    DQ_MCHECK_DERIVATIVE,
    DQ_MCHECK_JACOBIAN,
    DQ_MCHECK_JACOBIAN_DIAG,
    DQ_MCHECK_DERIVATIVE_DIAG,
    DQ_MCHECK_LIFECYCLE,
    DQ_MCHECK_DETERMINISM,
    DQ_CONFORM_N_MODEL_CHECKS
} dq_conform_model_check_id_t;

/* The verdict on one model; plain fixed-size data like dq_conform_result_t. */
typedef struct dq_conform_model_result {
    char model[DQ_CONFORM_NAME_MAX];
    char origin[DQ_ERROR_SOURCE_MAX];                     /* plugin path or DQ_ORIGIN_BUILTIN */
    size_t units;                                         /* population used */
    size_t states;                                        /* states of the model */
    int passed;                                           /* no check has status DQ_CONFORM_FAIL */
    dq_conform_check_t checks[DQ_CONFORM_N_MODEL_CHECKS]; /* by dq_conform_model_check_id_t */
} dq_conform_model_result_t;

/* Runs every model check on `model` and fills `out`. Returns DQ_OK when the checks ran,
 * whatever their verdicts; DQ_EINVAL for NULL arguments, DQ_ENOMEM. */
DQ_API int dq_conform_model_run(const dq_model_entry_t *model, dq_conform_model_result_t *out,
                                dq_error_t *err);
/* As dq_conform_result_init, for a model (may be NULL). */
DQ_API void dq_conform_model_result_init(dq_conform_model_result_t *out,
                                         const dq_model_entry_t *model);
DQ_API void dq_conform_model_set(dq_conform_model_result_t *out, dq_conform_model_check_id_t id,
                                 int status, const char *fmt, ...) DQ_PRINTF(4, 5);
DQ_API void dq_conform_model_update(dq_conform_model_result_t *out);
/* "run", "derivative", "jacobian", "jacobian_diag", "derivative_diag", "lifecycle",
 * "determinism"; NULL past the end. */
DQ_API const char *dq_conform_model_check_name(int id);

/* The defined, global or weak, default-visibility dynamic symbols of an ELF64 file
 * (.dynsym entries with st_shndx != SHN_UNDEF), in symbol-table order. */
typedef struct dq_elf_exports {
    size_t count;
    char **names; /* [count] [owned: free with dq_elf_exports_cleanup] */
} dq_elf_exports_t;

/* Reads `path`'s exports into `out`. Errors: DQ_EIO (cannot open or read), DQ_EINVAL (not an
 * ELF file, a 32-bit or big-endian ELF, no .dynsym, a malformed table), DQ_ENOMEM; each with
 * a message naming the file. On failure `out` is empty. */
DQ_API int dq_elf_exports_read(const char *path, dq_elf_exports_t *out, dq_error_t *err);
/* Frees the names and empties `ex`. NULL is a no-op. */
DQ_API void dq_elf_exports_cleanup(dq_elf_exports_t *ex);

#ifdef __cplusplus
}
#endif

#endif
