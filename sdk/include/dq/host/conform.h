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
 *   order        p = log2(e(h) / e(h/2)) on the two finest of 4 step sizes (max-norm error
 *                at t_end over the real units), for decay, oscillator and logistic; a
 *                problem whose finest error is below 1e-13 is "exact" and not counted. The
 *                measured order is the minimum over the rest; PASS when |p - declared| <=
 *                0.2, INFO when the solver declares no order (0). A solver of category
 *                "exponential" must be exact on decay (linear, diagonal Jacobian)
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
 * A step that fails (a nonzero return) is a FAIL of `status`, except in the stiff run, where
 * failing is one way of being unstable.
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
    DQ_ORDER_EXACT,    /* finest error below 1e-13: no order to measure */
    DQ_ORDER_FAILED    /* a step failed or an error was not finite */
} dq_conform_order_status_t;

#define DQ_CONFORM_NAME_MAX 128
#define DQ_CONFORM_DETAIL_MAX 320
#define DQ_CONFORM_STEP_SIZES 4

typedef struct dq_conform_check {
    int status;                         /* dq_conform_status_t */
    char detail[DQ_CONFORM_DETAIL_MAX]; /* one line */
} dq_conform_check_t;

typedef struct dq_conform_order {
    int status;                          /* dq_conform_order_status_t */
    double order;                        /* p on the two finest step sizes; NaN unless measured */
    double dt[DQ_CONFORM_STEP_SIZES];    /* step sizes, coarsest first */
    double error[DQ_CONFORM_STEP_SIZES]; /* max-norm error at t_end for each */
} dq_conform_order_t;

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

/* Recomputes out->passed from the checks. */
DQ_API void dq_conform_update(dq_conform_result_t *out);

/* Short names: "run", "names", ..., "stiff", "reset"; "decay", "oscillator", "logistic", "riccati";
 * "pass", "fail", "info", "skip". NULL past the end. */
DQ_API const char *dq_conform_check_name(int id);
DQ_API const char *dq_conform_problem_name(int id);
DQ_API const char *dq_conform_status_name(int status);

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
