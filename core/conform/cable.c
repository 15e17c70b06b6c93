/* SPDX-License-Identifier: MIT */
/* cable.c -- the cable check (<dq/host/conform.h>, CABLE): the problem of cable_problems.c run
 * through the embedding API on a ladder of dt, against the engine's RK4 at a much finer dt,
 * and the verdicts that follow from what the solver declares. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dq/cable.h>
#include <dq/host/cable.h>
#include <dq/host/registry.h>

#include "cable_problem.h"
#include "conform_impl.h"
#include "strbuf.h"

#define CABLE_MAX_STATES 64
/* The reference: RK4 at the finest rung's dt / CABLE_REF_DIV and half that. */
#define CABLE_REF_DIV 8
/* An explicit ladder may start this many halvings below DQ_CONFORM_CABLE_DT0. */
#define CABLE_EXPLICIT_HALVINGS 3
/* The step limit taken for an explicit solver: |lambda dt| <= 2 (forward Euler's). */
#define CABLE_EXPLICIT_LIMIT 2.0

static const char *const quantity_names[DQ_CONFORM_N_CABLE_QUANTITIES] = {"soma_V", "all_V",
                                                                          "gates"};

const char *dq_conform_cable_quantity_name(int id)
{
    return id >= 0 && id < DQ_CONFORM_N_CABLE_QUANTITIES ? quantity_names[id] : NULL;
}

typedef struct cable_session {
    dq_morph_t *morph;
    size_t n_states; /* of the system: V[c], then the gates */
    size_t n_comp;
    long soma_v;
    long gate[3]; /* m, h, n at the soma */
    double ref[CABLE_MAX_STATES];
    char why[DQ_CONFORM_DETAIL_MAX];
} cable_session_t;

static void cable_quiet(void *user, const char *source, const char *message)
{
    (void)user;
    (void)source;
    (void)message;
}

/* The Gershgorin bound of the largest |eigenvalue| of the ODE an explicit solver sees (the
 * junctions eliminated: a junction J between c and its other neighbours leaves c the
 * conductance g_cJ (1 - g_cJ / G_J) to them, G_J the sum at J), plus the largest membrane
 * conductance over cm. 1/ms. */
static double cable_lambda(const dq_morph_cable_t *cb, double cm, double gbar_max)
{
    double *G = calloc(cb->n, sizeof *G), *row = calloc(cb->n, sizeof *row);
    double lambda = NAN;
    if (G && row) {
        for (size_t c = 1; c < cb->n; ++c) {
            G[c] += cb->g_axial[c];
            G[cb->parent[c]] += cb->g_axial[c];
        }
        for (size_t c = 1; c < cb->n; ++c) {
            const size_t p = (size_t)cb->parent[c];
            const double g = cb->g_axial[c];
            row[c] += cb->junction[p] ? g * (1.0 - g / G[p]) : g;
            row[p] += cb->junction[c] ? g * (1.0 - g / G[c]) : g;
        }
        lambda = 0.0;
        for (size_t c = 0; c < cb->n; ++c)
            if (!cb->junction[c] && cb->area[c] > 0.0)
                lambda = fmax(lambda, 2.0 * row[c] / (cm * cb->area[c] * 1e-5) + gbar_max / cm);
    }
    free(G);
    free(row);
    return lambda;
}

/* The indices of the quantities, and the cell's sizes and lambda into r->cable. */
static int cable_session_open(cable_session_t *cs, dq_conform_result_t *r)
{
    const cable_problem_t *p = &dq__conform_cable_problem;
    dq_error_t err = {0};
    cs->morph = dq_morph_parse_json(p->morphology, strlen(p->morphology), "conform_cell", &err);
    dq_system_t *sys = cs->morph ? dq__conform_cable_system(cs->morph, &err) : NULL;
    if (!sys) {
        snprintf(cs->why, sizeof cs->why, "the cable problem does not build: %.200s", err.message);
        return err.code == DQ_ENOMEM ? DQ_ENOMEM : DQ_EINVAL;
    }
    const dq_morph_cable_t *cb = dq_system_cable(sys);
    cs->n_states = dq_system_state_count(sys);
    cs->n_comp = cb ? cb->n : 0;
    cs->soma_v = dq_system_state_index(sys, "V");
    static const char *const gates[3] = {"m@soma(0.5)", "h@soma(0.5)", "n@soma(0.5)"};
    int ok = cb && cs->n_states <= CABLE_MAX_STATES && cs->soma_v >= 0;
    for (int k = 0; ok && k < 3; ++k)
        ok = (cs->gate[k] = dq_system_state_index(sys, gates[k])) >= 0;
    for (size_t c = 0; ok && c < cs->n_comp; ++c) {
        char name[32];
        snprintf(name, sizeof name, "V[%zu]", c);
        ok = dq_system_state_index(sys, name) == (long)c;
    }
    if (ok) {
        dq_conform_cable_t *k = &r->cable;
        k->compartments = cb->n;
        k->gates = cs->n_states - cb->n;
        for (size_t c = 0; c < cb->n; ++c)
            k->junctions += cb->junction[c] != 0;
        k->t_end = p->t_end;
        k->lambda = cable_lambda(cb, p->model->cable->cm, p->gbar_max);
    } else {
        snprintf(cs->why, sizeof cs->why,
                 "the cable system's states are not V[0..%zu), then m, h, n at the soma "
                 "(%zu states)",
                 cs->n_comp, cs->n_states);
    }
    dq_system_free(sys);
    return ok && isfinite(r->cable.lambda) ? DQ_OK : DQ_EINVAL;
}

/* One run of s at dt to t_end; y receives every state of the cell. Returns DQ_OK, DQ_ENOMEM,
 * or the host's code with the reason in why. */
static int cable_run(cable_session_t *cs, const dq_integrator_entry_t *s, double dt, double *y,
                     char *why, size_t len)
{
    const cable_problem_t *p = &dq__conform_cable_problem;
    const uint64_t steps = (uint64_t)llround(p->t_end / dt);
    dq_error_t err = {0};
    dq_system_t *sys = dq__conform_cable_system(cs->morph, &err);
    int rc = sys ? DQ_OK : err.code ? err.code : DQ_ENOMEM;
    if (sys) {
        dq_system_set_warning_handler(sys, cable_quiet, NULL);
        if ((rc = dq_system_set_solver(sys, s, &err)) == DQ_OK &&
            (rc = dq_system_set_threads(sys, 1, &err)) == DQ_OK &&
            (!(s->flags & DQ_CAP_ADAPTIVE) ||
             (rc = dq_system_set_fixed_step(sys, 1, &err)) == DQ_OK) &&
            (rc = dq_system_prepare(sys, 0.0, dt, &err)) == DQ_OK)
            rc = dq_system_run(sys, steps, &err);
    }
    if (rc == DQ_OK) {
        for (size_t k = 0; k < cs->n_states; ++k)
            y[k] = dq_system_value(sys, k, 0);
        for (size_t k = 0; k < cs->n_states && rc == DQ_OK; ++k)
            if (!isfinite(y[k])) {
                snprintf(why, len, "dt = %g gave %s = %g at t = %g", dt,
                         dq_system_state_name(sys, k), y[k], p->t_end);
                rc = DQ_ESOLVER;
            }
    } else if (rc != DQ_ENOMEM) {
        snprintf(why, len, "dt = %g: %.240s", dt, err.message);
    }
    dq_system_free(sys);
    return rc;
}

/* The max-norm error of quantity q of y against ref, and the floor it is judged by. */
static double cable_error(const cable_session_t *cs, int q, const double *y, const double *ref,
                          double *floor)
{
    double e = 0.0, scale = 1.0;
    size_t from = 0, to = 0;
    const size_t *list = NULL;
    size_t gates[3] = {(size_t)cs->gate[0], (size_t)cs->gate[1], (size_t)cs->gate[2]};
    if (q == DQ_CABLE_SOMA_V) {
        from = (size_t)cs->soma_v;
        to = from + 1;
    } else if (q == DQ_CABLE_ALL_V) {
        to = cs->n_comp;
    } else {
        list = gates;
        to = 3;
    }
    for (size_t i = from; i < to; ++i) {
        const size_t k = list ? list[i] : i;
        e = fmax(e, fabs(y[k] - ref[k]));
        scale = fmax(scale, fabs(ref[k]));
    }
    if (floor)
        *floor = DQ_CONFORM_CABLE_FLOOR * scale;
    return e;
}

/* The engine's RK4 at dt_ref and dt_ref / 2, Richardson-extrapolated into cs->ref. */
static int cable_reference(cable_session_t *cs, dq_conform_result_t *r, double dt_ref)
{
    dq_error_t err = {0};
    dq_registry_t *reg = dq_registry_new();
    if (!reg || dq_registry_register(reg, dq__conform_cable_reference, NULL, &err) != DQ_OK) {
        dq_registry_free(reg);
        return DQ_ENOMEM;
    }
    const dq_integrator_entry_t *rk4 =
        dq_registry_lookup(reg, dq__conform_cable_reference->name, NULL);
    double coarse[CABLE_MAX_STATES];
    char why[DQ_CONFORM_DETAIL_MAX] = "";
    int rc = cable_run(cs, rk4, dt_ref, coarse, why, sizeof why);
    if (rc == DQ_OK)
        rc = cable_run(cs, rk4, dt_ref / 2, cs->ref, why, sizeof why);
    dq_registry_free(reg);
    if (rc != DQ_OK) {
        snprintf(cs->why, sizeof cs->why, "the reference (RK4) failed: %.240s", why);
        return rc == DQ_ENOMEM ? rc : DQ_EINVAL;
    }
    for (size_t k = 0; k < cs->n_states; ++k)
        cs->ref[k] += (cs->ref[k] - coarse[k]) / 15.0;
    r->cable.dt_ref = dt_ref / 2;
    r->cable.ref_error = 0.0;
    for (int q = 0; q < DQ_CONFORM_N_CABLE_QUANTITIES; ++q)
        r->cable.ref_error =
            fmax(r->cable.ref_error, cable_error(cs, q, coarse, cs->ref, NULL) / 15.0);
    r->cable.v_end = cs->ref[cs->soma_v];
    return DQ_OK;
}

static int is_category(const dq_integrator_entry_t *s, const char *category)
{
    return s->category && strcmp(s->category, category) == 0;
}

/* Whether s steps the voltage explicitly (everything but implicit and cable solvers). */
static int cable_explicit(const dq_integrator_entry_t *s)
{
    return !is_category(s, DQ_CATEGORY_IMPLICIT) && !is_category(s, DQ_CATEGORY_CABLE);
}

/* The ladder from dt0. *failed_at receives the rung that failed (-1: none); the first
 * coarsest run's states go to first. */
static int cable_ladder(cable_session_t *cs, const dq_integrator_entry_t *s, dq_conform_result_t *r,
                        double dt0, int *failed_at, double *first)
{
    double y[CABLE_MAX_STATES];
    *failed_at = -1;
    for (int k = 0; k < DQ_CONFORM_REFINE; ++k) {
        const double dt = dt0 / (double)(1 << k);
        int rc = cable_run(cs, s, dt, k ? y : first, cs->why, sizeof cs->why);
        if (rc == DQ_ENOMEM)
            return rc;
        if (rc != DQ_OK) {
            *failed_at = k;
            return DQ_OK;
        }
        int above = 0;
        for (int q = 0; q < DQ_CONFORM_N_CABLE_QUANTITIES; ++q) {
            dq_conform_order_t *o = &r->cable.order[q];
            o->dt[k] = dt;
            o->error[k] = cable_error(cs, q, k ? y : first, cs->ref, &o->floor);
            o->sizes = k + 1;
            above += o->error[k] >= o->floor;
        }
        if (!above && k >= 1)
            break;
    }
    for (int q = 0; q < DQ_CONFORM_N_CABLE_QUANTITIES; ++q) {
        dq_conform_order_t *o = &r->cable.order[q];
        o->status = dq_conform_fit_order(o->dt, o->error, o->sizes, o->floor, &o->order, &o->fit);
    }
    r->cable.ran = 1;
    return DQ_OK;
}

/* "soma_V 1.01, all_V 1.00, gates exact" and the minimum measured (INFINITY: none). */
static double cable_orders(const dq_conform_result_t *r, char *buf, size_t len)
{
    dq__strbuf_t b;
    dq__strbuf_init(&b, buf, len);
    double p = INFINITY;
    for (int q = 0; q < DQ_CONFORM_N_CABLE_QUANTITIES; ++q) {
        const dq_conform_order_t *o = &r->cable.order[q];
        char word[48];
        if (o->status == DQ_ORDER_MEASURED) {
            snprintf(word, sizeof word, "%s %.2f", quantity_names[q], o->order);
            p = fmin(p, o->order);
        } else {
            snprintf(word, sizeof word, "%s exact", quantity_names[q]);
        }
        dq__strbuf_append(&b, q ? ", " : "");
        dq__strbuf_append(&b, word);
    }
    return p;
}

/* The verdict on the measured ladder. */
static void cable_judge(dq_conform_result_t *r, const dq_integrator_entry_t *s)
{
    char list[160];
    const double p = cable_orders(r, list, sizeof list);
    const dq_conform_cable_t *k = &r->cable;
    const double fine = k->order[0].dt[k->order[0].sizes - 1];
    if (isinf(p)) {
        dq_conform_set(r, DQ_CHECK_CABLE, DQ_CONFORM_INFO,
                       "exact on the cable problem: every error below the floor from dt = %g, "
                       "no order to measure (%s)",
                       k->order[0].dt[0], list);
        return;
    }
    if (r->is_cable)
        r->measured_order = p;
    if (s->order == 0)
        dq_conform_set(r, DQ_CHECK_CABLE, DQ_CONFORM_INFO,
                       "measured %.2f, none declared (%s; dt %g .. %g)", p, list, k->order[0].dt[0],
                       fine);
    else if (p >= s->order - DQ_CONFORM_ORDER_BELOW && p <= s->order + DQ_CONFORM_ORDER_ABOVE)
        dq_conform_set(r, DQ_CHECK_CABLE, DQ_CONFORM_PASS,
                       "declared %d, measured %.2f (%s; dt %g .. %g)", s->order, p, list,
                       k->order[0].dt[0], fine);
    else if (!r->is_cable && r->checks[DQ_CHECK_ORDER].status == DQ_CONFORM_FAIL)
        /* The order check has said so already, on every problem. */
        dq_conform_set(r, DQ_CHECK_CABLE, DQ_CONFORM_INFO,
                       "declared %d, measured %.2f here too (%s; dt %g .. %g)", s->order, p, list,
                       k->order[0].dt[0], fine);
    else
        dq_conform_set(r, DQ_CHECK_CABLE, DQ_CONFORM_FAIL,
                       "order mismatch on the cable problem: declared %d, measured %.2f (%s; dt "
                       "%g .. %g)",
                       s->order, p, list, k->order[0].dt[0], fine);
}

/* The checks a cable solver does not take (it refuses the ordinary problems). */
static void cable_skip_ordinary(dq_conform_result_t *r)
{
    static const int skipped[] = {DQ_CHECK_ORDER,    DQ_CHECK_TIME,      DQ_CHECK_STIFF,
                                  DQ_CHECK_RESET,    DQ_CHECK_LIFECYCLE, DQ_CHECK_MEMORY,
                                  DQ_CHECK_EMBEDDED, DQ_CHECK_DENSE,     DQ_CHECK_TOLERANCE};
    for (size_t i = 0; i < sizeof skipped / sizeof skipped[0]; ++i)
        dq_conform_set(r, skipped[i], DQ_CONFORM_SKIP,
                       "a cable solver: judged on the cable problem (see cable)");
}

/* A cable solver's status: it refused the problem without compartments, with DQ_EUSAGE, and
 * every cable run returned DQ_OK. */
static void cable_judge_status(dq_conform_result_t *r, int refused, const char *refused_why,
                               int failed_at, const char *why)
{
    if (refused != DQ_EUSAGE)
        dq_conform_set(r, DQ_CHECK_STATUS, DQ_CONFORM_FAIL,
                       "a cable solver must refuse a model without compartments with "
                       "DQ_EUSAGE; on 'decay' it returned %s%s%s",
                       dq_err_name(refused), refused_why[0] ? ": " : "", refused_why);
    else if (failed_at >= 0)
        dq_conform_set(r, DQ_CHECK_STATUS, DQ_CONFORM_FAIL, "the cable problem failed at %s", why);
    else
        dq_conform_set(r, DQ_CHECK_STATUS, DQ_CONFORM_PASS,
                       "refuses 'decay' with DQ_EUSAGE; every cable run returned OK");
}

int dq__conform_cable_checks(const dq_integrator_entry_t *s, dq_conform_result_t *r, int refused,
                             const char *refused_why)
{
    cable_session_t *cs = calloc(1, sizeof *cs);
    if (!cs)
        return DQ_ENOMEM;
    const int cable = r->is_cable;
    if (cable)
        cable_skip_ordinary(r);
    int rc = cable_session_open(cs, r);
    const dq_conform_cable_t *k = &r->cable;
    /* The finest rung of any ladder, and the reference well below it (and RK4-stable). */
    double dt0 = DQ_CONFORM_CABLE_DT0, dt_ref = dt0 / (1 << (DQ_CONFORM_REFINE - 1));
    dt_ref /= CABLE_REF_DIV;
    while (rc == DQ_OK && dt_ref * k->lambda > 1.0)
        dt_ref /= 2;
    if (rc == DQ_OK)
        rc = cable_reference(cs, r, dt_ref);
    if (rc != DQ_OK) {
        if (rc != DQ_ENOMEM)
            dq_conform_set(r, DQ_CHECK_CABLE, DQ_CONFORM_FAIL, "%s", cs->why);
        dq_morph_free(cs->morph);
        free(cs);
        return rc == DQ_ENOMEM ? rc : DQ_OK;
    }
    int halvings = 0;
    while (cable_explicit(s) && dt0 * k->lambda > CABLE_EXPLICIT_LIMIT &&
           halvings <= CABLE_EXPLICIT_HALVINGS) {
        dt0 /= 2;
        halvings++;
    }
    int failed_at = -1;
    double first[CABLE_MAX_STATES], again[CABLE_MAX_STATES];
    if (halvings > CABLE_EXPLICIT_HALVINGS) {
        dq_conform_set(r, DQ_CHECK_CABLE, DQ_CONFORM_INFO,
                       "not run: explicit step limit (lambda %.3g/ms needs dt <= %.3g)", k->lambda,
                       CABLE_EXPLICIT_LIMIT / k->lambda);
    } else if ((rc = cable_ladder(cs, s, r, dt0, &failed_at, first)) != DQ_OK) {
        /* out of memory */
    } else if (failed_at == 0 && !cable) {
        dq_conform_set(r, DQ_CHECK_CABLE, DQ_CONFORM_INFO, "not run: %s", cs->why);
    } else if (failed_at >= 0) {
        dq_conform_set(r, DQ_CHECK_CABLE, DQ_CONFORM_FAIL, "not measured: the run at %s", cs->why);
    } else {
        cable_judge(r, s);
    }
    if (rc == DQ_OK && cable) {
        cable_judge_status(r, refused, refused_why, failed_at, cs->why);
        /* Determinism: the coarsest rung again, bit for bit. */
        char why[DQ_CONFORM_DETAIL_MAX];
        int rc2 = failed_at < 0 ? cable_run(cs, s, dt0, again, why, sizeof why) : DQ_EINVAL;
        if (rc2 == DQ_ENOMEM)
            rc = rc2;
        else if (failed_at >= 0)
            dq_conform_set(r, DQ_CHECK_DETERMINISM, DQ_CONFORM_SKIP, "the cable problem failed");
        else if (rc2 != DQ_OK || memcmp(first, again, cs->n_states * sizeof first[0]) != 0)
            dq_conform_set(r, DQ_CHECK_DETERMINISM, DQ_CONFORM_FAIL,
                           "two runs of the cable problem at dt = %g differ", dt0);
        else
            dq_conform_set(r, DQ_CHECK_DETERMINISM, DQ_CONFORM_PASS,
                           "identical bits from two runs of the cable problem at dt = %g", dt0);
    }
    dq_morph_free(cs->morph);
    free(cs);
    return rc;
}
