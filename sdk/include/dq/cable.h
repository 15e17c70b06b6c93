/* SPDX-License-Identifier: MIT */
/* dq/cable.h -- cable models: neurons whose compartments form a tree (plugin ABI 2.3).
 *
 * A cable model is a model descriptor with `cable` set (<dq/model.h>, since ABI 2.3). It
 * does not list compartments: the run names a morphology (an SWC file or a JSON cell,
 * <dq/host/morph.h>) and a discretisation rule, and the host builds the compartments from
 * them. The host owns the voltage equation; the model supplies the membrane.
 *
 * The voltage equation. For compartment c (area A_c in µm², capacitance C_c = cm·A_c·1e-5 nF
 * with cm in µF/cm²), with V in mV and t in ms:
 *
 *     C_c dV_c/dt = -I_c(V, gates) + sum over neighbours j of g_cj (V_j - V_c) + I_stim,c(t)
 *
 * I_c = 1e-5·A_c·sum of the mechanisms' current densities at c (nA; densities in µA/cm²,
 * outward positive), g_cj the axial conductance in µS from the geometry and Ra (Ω·cm), and
 * I_stim the current clamps the run spec places (nA, inward positive, NEURON's IClamp).
 * Compartments of zero area ("junctions", NEURON's zero-area nodes where sections meet) have
 * C = 0: their voltage is the conductance-weighted mean of their neighbours', an algebraic
 * condition. The host's compute_derivative eliminates it exactly (an explicit solver sees an
 * ODE); structure-aware solvers take the tree as it is, in the mass-matrix form below, where
 * a junction's row simply has no capacitance.
 *
 * Mechanisms. Every module of a cable model but the root is a mechanism: a membrane
 * channel (hh, pas) present in the regions (SWC types) its `regions` mask names. It has
 *  - states (gates), one set per compartment where it is present, integrated by the solver;
 *  - `reads` "V": the host resolves it to the compartment's voltage;
 *  - `current` (since ABI 2.3): adds its current density to v->current[i] (µA/cm²,
 *    outward positive) and dI/dV to v->conductance[i] (mS/cm²);
 *  - compute_derivative (required with states), compute_derivative_diag, jacobian_diag,
 *    init_state as for any module: the gates' equations. init_state sees V = v_init.
 * The host calls each callback once per mechanism and block: lane i of the view is
 * (compartment k, cell c) with i = k*v->cells + c over the mechanism's compartments, so
 * v->units = (its compartments)·(cells in the block) and the loops of a point-neuron module
 * (hh's gates) vectorise across compartments and cells unchanged. v->cells says how many
 * cells a compartment row holds. Parameters of a cable model are the same for every cell
 * (DQ_PARAM_PER_UNIT is refused, the population parameter aside).
 * The root module declares exactly one state, "V" (mV), and no compute_derivative (the host
 * writes dV/dt); its events (e.g. a spike at 0 mV) are evaluated at the root compartment,
 * soma(0.5) for a cell with a soma.
 *
 * State layout in a solver's block. Components 0 .. n-1 are V of compartments 0 .. n-1
 * (compartment numbering of dq_morph_cable_new: parent[c] < c, root 0); components n ..
 * comps-1 are the mechanisms' states, mechanism by mechanism (module order), state by
 * state, then compartment by compartment; gate_comp[k - n] is the compartment of component
 * k. Cells are the lanes: component k of cell u is y[k*units + u].
 *
 * The mass-matrix form. Structure-aware solvers treat the system as M y' = F(t, y) with
 * M = diag(C_0 .. C_{n-1}, 1 .. 1): F_V = -I + axial + I_stim (nA) and F_gate the gates'
 * derivatives. Its Jacobian J has a tree for the V-V block (off-diagonal g_cj, diagonal
 * -(sum_j g_cj + g_c) with g_c = dI_c/dV_c), a diagonal gate-gate block d_k, and for each
 * gate k of compartment c the two couplings e_k = dF_k/dV_c and -q_k with q_k = dI_c/dgate_k.
 * dq_cable_solve() solves (M - gamma J) x = r with that structure in O(n) per cell: the
 * gates are eliminated onto V's diagonal (a Schur complement per compartment), then the
 * Hines elimination (<dq/hines.h>) solves the tree. Nothing m×m is ever formed. */
#ifndef DQ_CABLE_H
#define DQ_CABLE_H

#include <stddef.h>
#include <stdint.h>

#include <dq/abi.h>
#include <dq/context.h>
#include <dq/hines.h>
#include <dq/simd.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Regions by SWC type: a mechanism's `regions` mask is an OR of these; 0 means everywhere. */
#define DQ_REGION(swc_type) (1u << (swc_type))
#define DQ_REGION_SOMA DQ_REGION(1)
#define DQ_REGION_AXON DQ_REGION(2)
#define DQ_REGION_BASAL DQ_REGION(3)
#define DQ_REGION_APICAL DQ_REGION(4)
#define DQ_REGION_DENDRITES (DQ_REGION_BASAL | DQ_REGION_APICAL)

/* What a cable model declares beside its modules (plugin → host, since ABI 2.3). Each value
 * is a default the run spec's "cable" section may override. */
typedef struct dq_cable_desc {
    dq_abi_header_t abi;
    double cm;     /* membrane capacitance, µF/cm²; 0 = 1 */
    double Ra;     /* axial resistivity, Ω·cm; 0 = 35.4 (NEURON's) */
    double v_init; /* initial voltage of every compartment, mV; NaN = -65 */
} dq_cable_desc_t;

#define DQ_CABLE(ident, ...)                                                                       \
    static const dq_cable_desc_t ident = {.abi = DQ_ABI_HEADER_INIT(dq_cable_desc_t), __VA_ARGS__}

/* The cable of a solver's block (host → solver, since ABI 2.3), from dq_cable(ctx). Every
 * array is the host's and valid during the call; all cells of a run share one tree. */
typedef struct dq_cable {
    dq_abi_header_t abi;
    size_t n;                /* compartments: components 0 .. n-1 of a block are their V */
    const long *parent;      /* [n] parent compartment, parent[c] < c; parent[0] = -1 */
    const double *g;         /* [n] axial conductance to the parent, µS (g[0] = 0) */
    const double *g_sum;     /* [n] sum of the axial conductances at c (parent and children) */
    const double *cap;       /* [n] capacitance C_c, nF; 0 at junctions */
    const double *area;      /* [n] membrane area, µm²; 0 at junctions */
    size_t n_gates;          /* mechanism states: components n .. n+n_gates-1 (= comps - n) */
    const size_t *gate_comp; /* [n_gates] compartment of each */
    size_t root;             /* the compartment the root module's events see (soma(0.5)) */
} dq_cable_t;

/* The cable of ctx's block, or NULL when the model is not a cable model (or the host is
 * older than ABI 2.3). */
static inline const dq_cable_t *dq_cable(dq_ctx_t *ctx)
{
    if (!DQ_ABI_HAS_FIELD(&ctx->host->abi, dq_host_api_t, cable) || !ctx->host->cable)
        return NULL;
    return ctx->host->cable(ctx);
}

/* i[c*units + u] = I_c - I_stim,c(t): the membrane current out of compartment c of cell u,
 * nA, at time t with the V and the gates of y; g (may be NULL) receives dI_c/dV_c, µS, the
 * mechanisms' own derivatives. Rows 0 .. n-1 of i and g are written; a junction has no
 * membrane, so its row is 0, or -I_stim when a clamp sits there. t = -INFINITY (before
 * every stimulus) gives the mechanisms' current I_c alone. In per-lane mode (adaptive runs,
 * ctx->lane_t set) t is the fraction of each lane's step, as in dq_compute_derivative; the
 * same holds for the other cable calls. */
static inline int dq_cable_membrane(dq_ctx_t *ctx, double t, const double *y, double *i, double *g)
{
    return ctx->host->cable_membrane(ctx, t, y, i, g);
}

/* The gates' derivatives: f[k*units + u] for components k >= n (rows below n untouched),
 * and when d is not NULL their diagonal dF_k/dy_k (what exponential Euler needs). */
static inline int dq_cable_gates(dq_ctx_t *ctx, double t, const double *y, double *f, double *d)
{
    return ctx->host->cable_gates(ctx, t, y, f, d);
}

/* For every gate component k >= n of compartment c: e[k*units + u] = dF_k/dV_c and
 * q[k*units + u] = dI_c/dgate_k (nA), the couplings of the mass-matrix Jacobian (rows below
 * n untouched). Finite differences when the mechanism has no analytic form; the
 * compartments are independent, so one perturbation serves them all. */
static inline int dq_cable_couplings(dq_ctx_t *ctx, double t, const double *y, double *e, double *q)
{
    return ctx->host->cable_couplings(ctx, t, y, e, q);
}

/* out[c*units + u] (+)= sum_j g_cj (V_j - V_c), the axial current into compartment c, nA,
 * from the V rows of y. `accumulate` 0 writes, 1 adds. */
static inline void dq_cable_axial(const dq_cable_t *cb, size_t units, const double *y, double *out,
                                  int accumulate)
{
    if (!accumulate)
        for (size_t k = 0; k < cb->n * units; ++k)
            out[k] = 0.0;
    for (size_t c = 1; c < cb->n; ++c) {
        const double *vc = y + c * units, *vp = y + (size_t)cb->parent[c] * units;
        double *oc = out + c * units, *op = out + (size_t)cb->parent[c] * units;
        const double gc = cb->g[c];
        DQ_SIMD_LOOP
        for (size_t u = 0; u < units; ++u) {
            double flow = gc * (vp[u] - vc[u]);
            oc[u] += flow;
            op[u] -= flow;
        }
    }
}

/* Solves (C + gamma (G_axial + diag(gm))) x = r for the V rows, in place in r: the implicit
 * voltage step of NEURON (gamma = dt, gm = dI/dV) and of every solver here. gm may be NULL
 * (no membrane term). work: n*units doubles (the pivots), plus n doubles in offd. */
static inline void dq_cable_solve_v(const dq_cable_t *cb, size_t units, double gamma,
                                    const double *gm, double *r, double *work, double *offd)
{
    for (size_t c = 0; c < cb->n; ++c) {
        double *w = work + c * units;
        const double base = cb->cap[c] + gamma * cb->g_sum[c];
        const double *gc = gm ? gm + c * units : NULL;
        DQ_SIMD_LOOP
        for (size_t u = 0; u < units; ++u)
            w[u] = base + (gc ? gamma * gc[u] : 0.0);
        offd[c] = -gamma * cb->g[c];
    }
    dq_hines_solve(cb->n, units, cb->parent, offd, offd, work, r);
}

/* Solves (M - gamma J) x = r in place in r (all comps rows), J the mass-matrix Jacobian:
 * gm = dI/dV (V rows), dg = the gates' diagonal, e and q the couplings (gate rows; layout of
 * dq_cable_couplings). The gates are eliminated per compartment: with s_k = 1 - gamma dg_k,
 *     x_k = (r_k + gamma e_k x_c) / s_k,
 * so V's row gains gamma^2 q_k e_k / s_k on its diagonal and loses gamma q_k r_k / s_k from
 * its right-hand side; then the tree is solved and the gates substituted back.
 * work: n*units doubles, offd: n doubles. */
static inline void dq_cable_solve(const dq_cable_t *cb, size_t units, double gamma,
                                  const double *gm, const double *dg, const double *e,
                                  const double *q, double *r, double *work, double *offd)
{
    const size_t n = cb->n;
    for (size_t c = 0; c < n; ++c) {
        double *w = work + c * units;
        const double base = cb->cap[c] + gamma * cb->g_sum[c];
        const double *gc = gm + c * units;
        DQ_SIMD_LOOP
        for (size_t u = 0; u < units; ++u)
            w[u] = base + gamma * gc[u];
        offd[c] = -gamma * cb->g[c];
    }
    for (size_t k = 0; k < cb->n_gates; ++k) {
        const size_t row = (n + k) * units, c = cb->gate_comp[k];
        double *w = work + c * units, *rc = r + c * units;
        const double *rk = r + row, *dk = dg + row, *ek = e + row, *qk = q + row;
        DQ_SIMD_LOOP
        for (size_t u = 0; u < units; ++u) {
            double s = 1.0 - gamma * dk[u], gq = gamma * qk[u] / s;
            w[u] += gq * gamma * ek[u];
            rc[u] -= gq * rk[u];
        }
    }
    dq_hines_solve(n, units, cb->parent, offd, offd, work, r);
    for (size_t k = 0; k < cb->n_gates; ++k) {
        const size_t row = (n + k) * units, c = cb->gate_comp[k];
        const double *xc = r + c * units, *dk = dg + row, *ek = e + row;
        double *rk = r + row;
        DQ_SIMD_LOOP
        for (size_t u = 0; u < units; ++u)
            rk[u] = (rk[u] + gamma * ek[u] * xc[u]) / (1.0 - gamma * dk[u]);
    }
}

#ifdef __cplusplus
}
#endif

#endif
