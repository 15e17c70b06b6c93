/* SPDX-License-Identifier: MIT */
/* cable_problem.h -- the conformance battery's cable problem (cable_problems.c) and its
 * measurements and verdicts (cable.c). Not installed. */
#ifndef DQ_CONFORM_CABLE_PROBLEM_H
#define DQ_CONFORM_CABLE_PROBLEM_H

#include <dq/host/conform.h>
#include <dq/host/morph.h>
#include <dq/host/system.h>
#include <dq/integrator.h>
#include <dq/model.h>

typedef struct cable_problem {
    const dq_model_desc_t *model; /* a cable model (<dq/cable.h>) coded in the engine */
    const char *morphology;       /* a JSON cell (<dq/host/morph.h>) */
    double max_length;            /* µm: the "length" discretisation rule */
    const char *stim_at;          /* where the current clamp is */
    double stim_amp;              /* nA, on from t = 0 to past t_end */
    double t_end;                 /* ms */
    double gbar_max;              /* mS/cm²: the largest membrane conductance anywhere */
} cable_problem_t;

extern const cable_problem_t dq__conform_cable_problem;

/* One cell of the problem's model on morph (dq_morph_parse_json of its morphology), with the
 * current clamp. [owned: free with dq_system_free] */
dq_system_t *dq__conform_cable_system(const dq_morph_t *morph, dq_error_t *err);

/* Any cable model on morph, discretised as the problem's cell, with the problem's clamp when
 * `clamp` (the model checks run cable models so, without it). [owned: free with
 * dq_system_free] */
dq_system_t *dq__conform_cable_on(const dq_model_desc_t *model, const dq_param_arg_t *args,
                                  size_t n_args, const dq_morph_t *morph, int clamp,
                                  dq_error_t *err);

/* The engine's classical RK4, the reference of every cable ladder. */
extern const dq_integrator_desc_t *const dq__conform_cable_reference;

/* Measures the cable problem with solver s into r->cable and judges it (DQ_CHECK_CABLE; for a
 * solver of category "cable" also status, determinism and the order shown in the table).
 * refused: for a cable solver, the code its run on a problem without compartments returned.
 * Returns DQ_OK (whatever was found) or DQ_ENOMEM. */
int dq__conform_cable_checks(const dq_integrator_entry_t *s, dq_conform_result_t *r, int refused,
                             const char *refused_why);

#endif
