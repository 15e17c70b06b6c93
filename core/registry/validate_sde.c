/* SPDX-License-Identifier: MIT */
/* validate_sde.c -- what an integrator descriptor says beyond ABI 2.0: about noise (2.1),
 * orders of convergence that are numbers a listing can show, a calculus that exists, and
 * SDE facts only on solvers that consume noise; about error control (2.2), an embedded
 * order, a continuous extension and its order, on solvers that declare DQ_CAP_ADAPTIVE. */
#include <math.h>

#include "registry_private.h"
#include "validate_strings.h"

static int validate_sde_order(double v, const char *field, const char *who, const char *source,
                              dq_error_t *err)
{
    if (isfinite(v) && v >= 0.0 && v <= 10.0)
        return DQ_OK;
    return dq_error_set(err, DQ_EDESC, source, "%s: %s must be a number from 0 to 10, got %g.", who,
                        field, v);
}

int dq__validate_sde(const dq_integrator_desc_t *d, const char *who, const char *source,
                     dq_error_t *err)
{
    int rc;
    if ((rc = validate_sde_order(d->strong_order, "strong_order", who, source, err)) ||
        (rc = validate_sde_order(d->weak_order, "weak_order", who, source, err)))
        return rc;
    if (d->calculus > DQ_CALCULUS_STRATONOVICH)
        return dq_error_set(err, DQ_EDESC, source,
                            "%s: calculus %u is neither DQ_CALCULUS_ITO (1) nor "
                            "DQ_CALCULUS_STRATONOVICH (2).",
                            who, (unsigned)d->calculus);
    if (d->flags & DQ_CAP_DIFFUSION)
        return DQ_OK;
    /* A descriptor of a 2.0 SDE solver has no calculus: accepted, listed as unknown. */
    if (d->strong_order != 0.0 || d->weak_order != 0.0 || d->calculus != DQ_CALCULUS_NONE ||
        (d->flags & DQ_CAP_ADDITIVE_NOISE_ONLY))
        return dq_error_set(err, DQ_EDESC, source,
                            "%s: declares SDE properties (strong_order, weak_order, calculus "
                            "or DQ_CAP_ADDITIVE_NOISE_ONLY) without DQ_CAP_DIFFUSION.",
                            who);
    return DQ_OK;
}

int dq__validate_adaptive(const dq_integrator_desc_t *d, const char *who, const char *source,
                          dq_error_t *err)
{
    if (!(d->flags & DQ_CAP_ADAPTIVE)) {
        if (d->error_order != 0 || d->dense != NULL || d->dense_order != 0)
            return dq_error_set(err, DQ_EDESC, source,
                                "%s: declares error control (error_order, dense or dense_order) "
                                "without DQ_CAP_ADAPTIVE.",
                                who);
        return DQ_OK;
    }
    if (d->error_order < 1 || d->error_order > 20)
        return dq_error_set(err, DQ_EDESC, source,
                            "%s: DQ_CAP_ADAPTIVE needs error_order, the order of the embedded "
                            "solution, from 1 to 20; got %d.",
                            who, d->error_order);
    if (!d->dense)
        return dq_error_set(err, DQ_EDESC, source,
                            "%s: DQ_CAP_ADAPTIVE needs a dense callback (the continuous "
                            "extension; a cubic Hermite interpolant will do).",
                            who);
    if (d->dense_order < 1 || d->dense_order > 20)
        return dq_error_set(err, DQ_EDESC, source, "%s: dense_order must be from 1 to 20; got %d.",
                            who, d->dense_order);
    return DQ_OK;
}
