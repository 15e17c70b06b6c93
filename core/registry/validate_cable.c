/* SPDX-License-Identifier: MIT */
/* validate_cable.c -- what a model descriptor says about cables (ABI 2.3, <dq/cable.h>): a
 * cable model's root holds the voltage "V" alone and the host writes its derivative; every
 * other module is a mechanism with a `current`; a `current` anywhere else is a mistake. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <dq/cable.h>

#include "registry_private.h"
#include "validate_strings.h"

#define CABLE_MIN_SIZE (offsetof(dq_cable_desc_t, v_init) + sizeof(double))

int dq__cable_desc_read(const dq_model_desc_t *m, const char *source, dq_cable_desc_t *out,
                        dq_error_t *err)
{
    char what[160];
    snprintf(what, sizeof what, "cable descriptor of model '%s'", m->name);
    if (!dq__is_aligned(m->cable, _Alignof(dq_cable_desc_t)))
        return dq_error_set(err, DQ_EDESC, source, "%s is at a misaligned address.", what);
    return dq__abi_read(m->cable, out, sizeof *out, CABLE_MIN_SIZE, what, source, err);
}

/* The cable descriptor's defaults: 0 (or NaN for v_init) keeps the host's. */
static int cable_desc_check(const dq_model_desc_t *m, const char *who, const char *source,
                            dq_error_t *err)
{
    dq_cable_desc_t cd;
    int rc = dq__cable_desc_read(m, source, &cd, err);
    if (rc)
        return rc;
    if (!isfinite(cd.cm) || cd.cm < 0 || !isfinite(cd.Ra) || cd.Ra < 0)
        return dq_error_set(err, DQ_EDESC, source,
                            "%s: cable cm (%g µF/cm²) and Ra (%g Ω·cm) must be finite numbers "
                            ">= 0 (0: the host's default).",
                            who, cd.cm, cd.Ra);
    if (isinf(cd.v_init))
        return dq_error_set(err, DQ_EDESC, source,
                            "%s: cable v_init must be finite (or NaN: the host's default).", who);
    return DQ_OK;
}

/* The root of a cable model: the membrane voltage and nothing else. */
static int cable_root_check(const dq_module_desc_t *md, const char *who, const char *source,
                            dq_error_t *err)
{
    if (md->n_states != 1 || strcmp(md->states[0].name, "V") != 0)
        return dq_error_set(err, DQ_EDESC, source,
                            "%s is a cable model: its root module must declare exactly one "
                            "state, \"V\" (it declares %zu%s%s%s).",
                            who, md->n_states, md->n_states ? ", the first '" : "",
                            md->n_states ? md->states[0].name : "", md->n_states ? "'" : "");
    if (md->states[0].flags & (DQ_STATE_AUX | DQ_STATE_DIFFUSION))
        return dq_error_set(err, DQ_EDESC, source,
                            "%s is a cable model: its state \"V\" is integrated by the host "
                            "and cannot be DQ_STATE_AUX or DQ_STATE_DIFFUSION.",
                            who);
    if (md->compute_derivative || md->compute_derivative_diag || md->jacobian || md->jacobian_diag)
        return dq_error_set(err, DQ_EDESC, source,
                            "%s is a cable model: its root module has a compute_derivative (or "
                            "Jacobian); the host writes dV/dt from the mechanisms' currents.",
                            who);
    if (md->init_state)
        return dq_error_set(err, DQ_EDESC, source,
                            "%s is a cable model: its root module has an init_state; every "
                            "compartment's V starts at the cable's v_init.",
                            who);
    if (md->reads && md->reads[0])
        return dq_error_set(err, DQ_EDESC, source,
                            "%s is a cable model: its root module reads '%s'; the root sees "
                            "only V of the root compartment.",
                            who, md->reads[0]);
    if (md->current)
        return dq_error_set(err, DQ_EDESC, source,
                            "%s is a cable model: its root module has a `current`; currents "
                            "belong to mechanisms (the other modules).",
                            who);
    return DQ_OK;
}

static int cable_mech_check(const dq_module_desc_t *md, const char *who, const char *source,
                            dq_error_t *err)
{
    const char *name = md->name;
    if (!md->current)
        return dq_error_set(err, DQ_EDESC, source,
                            "%s is a cable model: module '%s' is a mechanism and needs a "
                            "`current` (its membrane current density and dI/dV).",
                            who, name);
    if (md->n_events || md->pre_integral || md->post_integral)
        return dq_error_set(err, DQ_EDESC, source,
                            "%s is a cable model: mechanism '%s' has %s; a mechanism has "
                            "gates and a current only (events belong to the root module).",
                            who, name, md->n_events ? "events" : "pre/post_integral");
    if (md->solver)
        return dq_error_set(err, DQ_EDESC, source,
                            "%s is a cable model: mechanism '%s' names its own solver '%s'; "
                            "a cable is integrated by one solver.",
                            who, name, md->solver);
    for (size_t k = 0; k < md->n_states; ++k)
        if (md->states[k].flags & (DQ_STATE_AUX | DQ_STATE_DIFFUSION))
            return dq_error_set(err, DQ_EDESC, source,
                                "%s is a cable model: state '%s' of mechanism '%s' is %s; "
                                "mechanism states are integrated, deterministic gates.",
                                who, md->states[k].name, name,
                                (md->states[k].flags & DQ_STATE_AUX) ? "DQ_STATE_AUX"
                                                                     : "DQ_STATE_DIFFUSION");
    return DQ_OK;
}

int dq__validate_cable(const dq_model_desc_t *m, const char *who, const char *source,
                       dq_error_t *err)
{
    int rc = DQ_OK;
    if (m->cable) {
        for (size_t i = 0; i < m->n_params; ++i)
            if ((m->params[i].flags & DQ_PARAM_PER_UNIT) &&
                !(m->params[i].flags & DQ_PARAM_POPULATION))
                return dq_error_set(err, DQ_EDESC, source,
                                    "%s is a cable model: parameter '%s' is DQ_PARAM_PER_UNIT, "
                                    "but every cell of a cable model has the same parameters.",
                                    who, m->params[i].name);
        if ((rc = cable_desc_check(m, who, source, err)))
            return rc;
    }
    for (size_t i = 0; rc == DQ_OK && m->modules[i]; ++i) {
        dq_module_desc_t md;
        if ((rc = dq__module_desc_read(m->modules[i], &md, source, err)))
            return rc;
        if (!m->cable) {
            if (md.current)
                return dq_error_set(err, DQ_EDESC, source,
                                    "%s: module '%s' has a `current`, which only a cable model's "
                                    "mechanisms have (the model's `cable` is NULL).",
                                    who, i ? md.name : "(root)");
            continue;
        }
        rc = i == 0 ? cable_root_check(&md, who, source, err)
                    : cable_mech_check(&md, who, source, err);
    }
    return rc;
}
