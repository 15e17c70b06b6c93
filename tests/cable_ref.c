/* SPDX-License-Identifier: MIT */
/* cable_ref.c -- NEURON's fixed step (nrn_fixed_step, secondorder = 0) written out on the
 * compartments of dq_morph_cable_new with the mechanisms of the model plugin `cell`, called
 * directly: no host runtime, no solver plugin. tests/cable_neuron.py holds it against NEURON
 * (the model and the compartments are NEURON's) and against `dqhost run --solver staggered`
 * (the solver is NEURON's scheme), so a failure says which of the two differs.
 *   cable_ref PLUGIN.so MORPHOLOGY DT T_END DELAY:DUR:AMP[,DELAY:DUR:AMP...] EVERY
 * prints "t,V" at soma(0.5) every EVERY steps, then "# spikes: t1 t2 ..." (V crossing 0 mV
 * upward, on the straight line between the step's ends).
 *
 * One step from t: the clamps at t + dt/2; the mechanisms' currents I and dI/dV at the
 * current V and gates; (C/dt + G_axial + dI/dV) dV = I_stim - I + axial current, V += dV;
 * then each gate x += (e^(d dt) - 1)/d x' at the new V (cnexp: d = -(alpha + beta)).
 * Units nA, mV, ms, nF, µS; densities µA/cm² and mS/cm² times 1e-5·area (µm²). */
#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dq/cable.h>
#include <dq/hines.h>
#include <dq/host/morph.h>
#include <dq/plugin.h>

#define REF_MAX_MECH 8
#define REF_MAX_STIM 32
#define REF_MAX_STATES 8

typedef struct ref_mech {
    const dq_module_desc_t *md;
    size_t nc, units; /* compartments, padded to whole lanes */
    size_t *comp;     /* [nc] */
    double *x[REF_MAX_STATES], *f[REF_MAX_STATES], *d[REF_MAX_STATES];
    double *v, *cur, *cond;
    double *value[REF_MAX_STATES + 1];
    dq_view_t view;
} ref_mech_t;

static void *ref_alloc(size_t n)
{
    double *p = calloc(n ? n : 1, sizeof(double));
    if (!p) {
        fputs("cable_ref: out of memory\n", stderr);
        exit(1);
    }
    return p;
}

static void ref_gather_v(ref_mech_t *k, const double *v)
{
    for (size_t i = 0; i < k->nc; ++i)
        k->v[i] = v[k->comp[i]];
}

int main(int argc, char **argv)
{
    if (argc != 7) {
        fputs("usage: cable_ref PLUGIN.so MORPHOLOGY DT T_END DELAY:DUR:AMP[,...] EVERY\n", stderr);
        return 2;
    }
    void *so = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!so) {
        fprintf(stderr, "cable_ref: %s\n", dlerror());
        return 1;
    }
    dq_plugin_entry_fn entry;
    *(void **)&entry = dlsym(so, DQ_PLUGIN_ENTRY_SYMBOL);
    const dq_model_desc_t *md = entry ? entry()->models[0] : NULL;
    if (!md || !md->cable) {
        fputs("cable_ref: the plugin holds no cable model\n", stderr);
        return 1;
    }
    /* The instance: every parameter at its default, as the host binds it. */
    void *data = ref_alloc(md->data_size / sizeof(double) + 1);
    for (size_t i = 0; i < md->n_params; ++i)
        memcpy((char *)data + md->params[i].offset, &md->params[i].def, sizeof(double));

    dq_error_t err = {0};
    dq_morph_t *m = dq_morph_load(argv[2], &err);
    if (!m) {
        fprintf(stderr, "%s: %s\n", argv[2], err.message);
        return 1;
    }
    dq_morph_discret_t o;
    dq_morph_discret_init(&o);
    o.Ra = md->cable->Ra;
    o.cm = md->cable->cm;
    dq_morph_cable_t *c = dq_morph_cable_new(m, &o, &err);
    if (!c) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    const double dt = atof(argv[3]), t_end = atof(argv[4]);
    const long every = atol(argv[6]);
    double stim[REF_MAX_STIM][3];
    size_t n_stim = 0;
    for (char *s = argv[5]; s && *s && n_stim < REF_MAX_STIM; ++n_stim) {
        if (sscanf(s, "%lf:%lf:%lf", &stim[n_stim][0], &stim[n_stim][1], &stim[n_stim][2]) != 3)
            return 2;
        s = strchr(s, ',');
        s = s ? s + 1 : NULL;
    }

    const size_t n = c->n;
    const long soma = dq_morph_cable_node(m, c, 0, 0.5);
    double *v = ref_alloc(n), *cap = ref_alloc(n), *gm = ref_alloc(n), *im = ref_alloc(n);
    double *a = ref_alloc(n), *diag = ref_alloc(n), *rhs = ref_alloc(n);
    for (size_t i = 0; i < n; ++i) {
        v[i] = md->cable->v_init;
        cap[i] = md->cable->cm * c->area[i] * 1e-5;
        a[i] = i ? -c->g_axial[i] : 0.0;
    }

    /* The mechanisms and their compartments (membrane only: junctions have none). */
    ref_mech_t mech[REF_MAX_MECH];
    size_t n_mech = 0;
    for (size_t j = 1; md->modules[j] && n_mech < REF_MAX_MECH; ++j) {
        ref_mech_t *k = &mech[n_mech++];
        memset(k, 0, sizeof *k);
        k->md = md->modules[j];
        k->comp = malloc(n * sizeof *k->comp);
        for (size_t i = 0; i < n; ++i) {
            uint32_t r = k->md->regions;
            if (!c->junction[i] && (r == 0 || (r & DQ_REGION(c->region[i]))))
                k->comp[k->nc++] = i;
        }
        k->units = DQ_UNITS_PADDED(k->nc ? k->nc : 1);
        for (size_t s = 0; s < k->md->n_states; ++s) {
            k->x[s] = ref_alloc(k->units);
            k->f[s] = ref_alloc(k->units);
            k->d[s] = ref_alloc(k->units);
            k->value[s] = k->x[s];
        }
        k->v = ref_alloc(k->units);
        for (size_t i = 0; i < k->units; ++i)
            k->v[i] = md->cable->v_init; /* padding lanes too */
        k->value[k->md->n_states] = k->v;
        k->cur = ref_alloc(k->units);
        k->cond = ref_alloc(k->units);
        k->view = (dq_view_t){.abi = DQ_ABI_HEADER_INIT(dq_view_t),
                              .dt = dt,
                              .units = k->units,
                              .population = 1,
                              .cells = 1,
                              .value = k->value,
                              .derivative = k->f,
                              .jacobian_diag = k->d,
                              .n_vars = k->md->n_states + 1,
                              .data = data,
                              .current = k->cur,
                              .conductance = k->cond};
        ref_gather_v(k, v);
        if (k->md->init_state && k->md->init_state(&k->view) != DQ_OK)
            return 1;
    }

    const long steps = lround(t_end / dt);
    double prev = v[soma];
    printf("t,V\n%.10g,%.17g\n", 0.0, v[soma]);
    double spikes[4096];
    size_t n_spikes = 0;
    for (long step = 0; step < steps; ++step) {
        const double tm = (step + 0.5) * dt;
        memset(im, 0, n * sizeof *im);
        memset(gm, 0, n * sizeof *gm);
        for (size_t j = 0; j < n_mech; ++j) {
            ref_mech_t *k = &mech[j];
            ref_gather_v(k, v);
            memset(k->cur, 0, k->units * sizeof *k->cur);
            memset(k->cond, 0, k->units * sizeof *k->cond);
            k->view.t = step * dt;
            if (k->md->current(&k->view) != DQ_OK)
                return 1;
            for (size_t i = 0; i < k->nc; ++i) {
                const double s = 1e-5 * c->area[k->comp[i]];
                im[k->comp[i]] += s * k->cur[i];
                gm[k->comp[i]] += s * k->cond[i];
            }
        }
        for (size_t i = 0; i < n; ++i) {
            diag[i] = cap[i] / dt + gm[i];
            rhs[i] = -im[i];
        }
        for (size_t i = 1; i < n; ++i) {
            const size_t p = (size_t)c->parent[i];
            const double flow = c->g_axial[i] * (v[p] - v[i]);
            diag[i] += c->g_axial[i];
            diag[p] += c->g_axial[i];
            rhs[i] += flow;
            rhs[p] -= flow;
        }
        for (size_t s = 0; s < n_stim; ++s)
            if (tm >= stim[s][0] && tm < stim[s][0] + stim[s][1])
                rhs[soma] += stim[s][2];
        dq_hines_solve(n, 1, c->parent, a, a, diag, rhs);
        for (size_t i = 0; i < n; ++i)
            v[i] += rhs[i];
        for (size_t j = 0; j < n_mech; ++j) {
            ref_mech_t *k = &mech[j];
            if (!k->md->n_states)
                continue;
            ref_gather_v(k, v);
            k->view.t = (step + 1) * dt;
            if (k->md->compute_derivative_diag(&k->view) != DQ_OK)
                return 1;
            for (size_t s = 0; s < k->md->n_states; ++s)
                for (size_t i = 0; i < k->nc; ++i) {
                    const double d = k->d[s][i];
                    k->x[s][i] += d != 0.0 ? expm1(d * dt) / d * k->f[s][i] : dt * k->f[s][i];
                }
        }
        if (prev < 0 && v[soma] >= 0 && n_spikes < sizeof spikes / sizeof *spikes)
            spikes[n_spikes++] = step * dt + dt * (0 - prev) / (v[soma] - prev);
        prev = v[soma];
        if ((step + 1) % every == 0)
            printf("%.10g,%.17g\n", (step + 1) * dt, v[soma]);
    }
    printf("# spikes:");
    for (size_t i = 0; i < n_spikes; ++i)
        printf(" %.17g", spikes[i]);
    putchar('\n');
    for (size_t j = 0; j < n_mech; ++j) {
        for (size_t s = 0; s < mech[j].md->n_states; ++s) {
            free(mech[j].x[s]);
            free(mech[j].f[s]);
            free(mech[j].d[s]);
        }
        free(mech[j].comp);
        free(mech[j].v);
        free(mech[j].cur);
        free(mech[j].cond);
    }
    free(v);
    free(cap);
    free(gm);
    free(im);
    free(a);
    free(diag);
    free(rhs);
    free(data);
    dq_morph_cable_free(c);
    dq_morph_free(m);
    dlclose(so);
    return 0;
}
