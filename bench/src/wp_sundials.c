/* SPDX-License-Identifier: MIT */
/* wp_sundials.c -- SUNDIALS on the work-precision problems: ARKODE's ERKStep with its
 * Dormand-Prince 5(4) table (ARKODE_DORMAND_PRINCE_7_4_5), ARKStep with its default implicit
 * (DIRK) table and CVODE's BDF, the last two with a dense direct linear solver and the
 * problem's analytic Jacobian. Scalar tolerances (ERKStepSStolerances etc.), the library's
 * own first step, no step limit, and a stop time at t1 so that the last step ends there. */
#include <stdio.h>
#include <string.h>

#include <arkode/arkode_arkstep.h>
#include <arkode/arkode_erkstep.h>
#include <cvode/cvode.h>
#include <nvector/nvector_serial.h>
#include <sundials/sundials_config.h>
#include <sundials/sundials_context.h>
#include <sunlinsol/sunlinsol_dense.h>
#include <sunmatrix/sunmatrix_dense.h>

#include "workprec.h"

#define SUNW_MAX_STEPS 100000000L

enum sunw_method { SUNW_ERK_DP5, SUNW_ARK_DIRK, SUNW_CVODE_BDF };

static int sunw_rhs(realtype t, N_Vector y, N_Vector f, void *user)
{
    wp_rhs(user, t, N_VGetArrayPointer(y), N_VGetArrayPointer(f));
    return 0;
}

static int sunw_jac(realtype t, N_Vector y, N_Vector fy, SUNMatrix J, void *user, N_Vector t1,
                    N_Vector t2, N_Vector t3)
{
    const wp_problem_t *p = user;
    double Jr[WP_MAXDIM * WP_MAXDIM];
    (void)fy;
    (void)t1;
    (void)t2;
    (void)t3;
    wp_jac(p, t, N_VGetArrayPointer(y), Jr);
    for (size_t r = 0; r < p->dim; ++r)
        for (size_t c = 0; c < p->dim; ++c)
            SM_ELEMENT_D(J, (sunindextype)r, (sunindextype)c) = Jr[r * p->dim + c];
    return 0;
}

static int sunw_solve(const wp_problem_t *p, double rtol, double atol, const void *arg,
                      wp_run_t *out)
{
    const enum sunw_method method = *(const enum sunw_method *)arg;
    SUNContext ctx = NULL;
    N_Vector y = NULL;
    SUNMatrix A = NULL;
    SUNLinearSolver LS = NULL;
    void *mem = NULL;
    const char *what = "SUNContext_Create";
    int rc = -1;
    memset(out, 0, sizeof *out);
    if (SUNContext_Create(NULL, &ctx) != 0)
        goto done;
    what = "N_VNew_Serial";
    if (!(y = N_VNew_Serial((sunindextype)p->dim, ctx)))
        goto done;
    double *yv = N_VGetArrayPointer(y);
    for (size_t i = 0; i < p->dim; ++i)
        yv[i] = p->y0[i];
    if (method != SUNW_ERK_DP5) {
        what = "dense linear solver";
        A = SUNDenseMatrix((sunindextype)p->dim, (sunindextype)p->dim, ctx);
        LS = A ? SUNLinSol_Dense(y, A, ctx) : NULL;
        if (!LS)
            goto done;
    }
    void *user = (void *)p;
    realtype t = p->t0;
    long nst = 0, netf = 0, ncf = 0;
    wp_counters_reset();
    switch (method) {
    case SUNW_ERK_DP5:
        what = "ERKStep set-up";
        mem = ERKStepCreate(sunw_rhs, p->t0, y, ctx);
        if (!mem || ERKStepSetTableNum(mem, ARKODE_DORMAND_PRINCE_7_4_5) != ARK_SUCCESS ||
            ERKStepSStolerances(mem, rtol, atol) != ARK_SUCCESS ||
            ERKStepSetUserData(mem, user) != ARK_SUCCESS ||
            ERKStepSetMaxNumSteps(mem, SUNW_MAX_STEPS) != ARK_SUCCESS ||
            ERKStepSetStopTime(mem, p->t1) != ARK_SUCCESS)
            goto done;
        what = "ERKStepEvolve";
        out->seconds = wp_now();
        rc = ERKStepEvolve(mem, p->t1, y, &t, ARK_NORMAL);
        out->seconds = wp_now() - out->seconds;
        if (rc < 0) {
            snprintf(out->msg, sizeof out->msg, "ERKStepEvolve: %s", ERKStepGetReturnFlagName(rc));
            goto done;
        }
        ERKStepGetNumSteps(mem, &nst);
        ERKStepGetNumErrTestFails(mem, &netf);
        break;
    case SUNW_ARK_DIRK:
        what = "ARKStep set-up";
        mem = ARKStepCreate(NULL, sunw_rhs, p->t0, y, ctx);
        if (!mem || ARKStepSStolerances(mem, rtol, atol) != ARK_SUCCESS ||
            ARKStepSetUserData(mem, user) != ARK_SUCCESS ||
            ARKStepSetLinearSolver(mem, LS, A) != ARK_SUCCESS ||
            ARKStepSetJacFn(mem, sunw_jac) != ARK_SUCCESS ||
            ARKStepSetMaxNumSteps(mem, SUNW_MAX_STEPS) != ARK_SUCCESS ||
            ARKStepSetStopTime(mem, p->t1) != ARK_SUCCESS)
            goto done;
        what = "ARKStepEvolve";
        out->seconds = wp_now();
        rc = ARKStepEvolve(mem, p->t1, y, &t, ARK_NORMAL);
        out->seconds = wp_now() - out->seconds;
        if (rc < 0) {
            snprintf(out->msg, sizeof out->msg, "ARKStepEvolve: %s", ARKStepGetReturnFlagName(rc));
            goto done;
        }
        ARKStepGetNumSteps(mem, &nst);
        ARKStepGetNumErrTestFails(mem, &netf);
        ARKStepGetNumNonlinSolvConvFails(mem, &ncf);
        break;
    case SUNW_CVODE_BDF:
        what = "CVODE set-up";
        mem = CVodeCreate(CV_BDF, ctx);
        if (!mem || CVodeInit(mem, sunw_rhs, p->t0, y) != CV_SUCCESS ||
            CVodeSStolerances(mem, rtol, atol) != CV_SUCCESS ||
            CVodeSetUserData(mem, user) != CV_SUCCESS ||
            CVodeSetLinearSolver(mem, LS, A) != CV_SUCCESS ||
            CVodeSetJacFn(mem, sunw_jac) != CV_SUCCESS ||
            CVodeSetMaxNumSteps(mem, SUNW_MAX_STEPS) != CV_SUCCESS ||
            CVodeSetStopTime(mem, p->t1) != CV_SUCCESS)
            goto done;
        what = "CVode";
        out->seconds = wp_now();
        rc = CVode(mem, p->t1, y, &t, CV_NORMAL);
        out->seconds = wp_now() - out->seconds;
        if (rc < 0) {
            snprintf(out->msg, sizeof out->msg, "CVode: %s", CVodeGetReturnFlagName(rc));
            goto done;
        }
        CVodeGetNumSteps(mem, &nst);
        CVodeGetNumErrTestFails(mem, &netf);
        CVodeGetNumNonlinSolvConvFails(mem, &ncf);
        break;
    }
    out->nfev = wp_nfev;
    out->njev = wp_njev;
    out->steps = (unsigned long)nst;
    out->rejects = (unsigned long)(netf + ncf);
    for (size_t i = 0; i < p->dim; ++i)
        out->y[i] = yv[i];
    out->ok = 1;
    rc = 0;
done:
    if (!out->ok && !out->msg[0])
        snprintf(out->msg, sizeof out->msg, "SUNDIALS: %s failed", what);
    if (mem) {
        if (method == SUNW_ERK_DP5)
            ERKStepFree(&mem);
        else if (method == SUNW_ARK_DIRK)
            ARKStepFree(&mem);
        else
            CVodeFree(&mem);
    }
    if (LS)
        SUNLinSolFree(LS);
    if (A)
        SUNMatDestroy(A);
    if (y)
        N_VDestroy(y);
    if (ctx)
        SUNContext_Free(&ctx);
    return out->ok ? 0 : (rc ? rc : -1);
}

static const enum sunw_method sunw_erk = SUNW_ERK_DP5, sunw_ark = SUNW_ARK_DIRK,
                              sunw_cvode = SUNW_CVODE_BDF;

static const wp_solver_t sunw_solvers[] = {
    {"arkode/dp5", "ARKODE ERKStep Dormand-Prince 5(4)", "SUNDIALS", WP_EXPLICIT, &sunw_erk,
     sunw_solve},
    {"arkode/dirk", "ARKODE ARKStep implicit (default DIRK, order 4)", "SUNDIALS", WP_STIFF,
     &sunw_ark, sunw_solve},
    {"cvode/bdf", "CVODE BDF (orders 1-5)", "SUNDIALS", WP_STIFF, &sunw_cvode, sunw_solve},
};

size_t wp_sundials_solvers(const wp_solver_t **out)
{
    *out = sunw_solvers;
    return sizeof sunw_solvers / sizeof sunw_solvers[0];
}

int wp_sundials_cvode_ref(const wp_problem_t *p, double rtol, double atol, wp_run_t *out)
{
    return sunw_solve(p, rtol, atol, &sunw_cvode, out);
}

const char *wp_sundials_version(void)
{
    return SUNDIALS_VERSION;
}
