/* SPDX-License-Identifier: MIT */
/* morph_passive.c -- a passive cell stepped by backward Euler on the compartments of
 * dq_morph_cable_new with dq_hines_solve, for tests/morph_neuron.sh to hold against NEURON
 * (secondorder = 0) on the same file: the foundation of the cable models, with no solver
 * plugin in between. Units nA, mV, ms, nF, µS.
 *   morph_passive FILE.swc T_END
 * Membrane pas (g 1e-4 S/cm², e -65 mV), cm 1 µF/cm², Ra 100 Ω·cm, d_lambda 0.1; an IClamp
 * of 0.1 nA from 1 to 6 ms at soma(0.5) (the root section), evaluated at the middle of each
 * step as NEURON does; dt 0.025 ms. Prints, per section, its first 3-D point, its length
 * and the voltage of each segment at T_END. */
#include <stdio.h>
#include <stdlib.h>

#include <dq/hines.h>
#include <dq/host/morph.h>

int main(int argc, char **argv)
{
    if (argc != 3)
        return 2;
    dq_error_t err = {0};
    dq_morph_t *m = dq_morph_load(argv[1], &err);
    if (!m) {
        fprintf(stderr, "%s:%d: %s\n", argv[1], err.line, err.message);
        return 1;
    }
    dq_morph_discret_t o;
    dq_morph_discret_init(&o);
    o.Ra = 100;
    dq_morph_cable_t *c = dq_morph_cable_new(m, &o, &err);
    if (!c) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    const double dt = 0.025, t_end = atof(argv[2]), g_pas = 1e-4, e_pas = -65, cm = 1;
    size_t n = c->n;
    double *cap = malloc(n * sizeof *cap), *gl = malloc(n * sizeof *gl);
    double *a = malloc(n * sizeof *a), *d = malloc(n * sizeof *d), *r = malloc(n * sizeof *r);
    double *v = malloc(n * sizeof *v);
    if (!cap || !gl || !a || !d || !r || !v)
        return 1;
    for (size_t i = 0; i < n; ++i) {
        cap[i] = cm * c->area[i] * 1e-5;   /* nF */
        gl[i] = g_pas * c->area[i] * 1e-2; /* µS */
        a[i] = i ? -c->g_axial[i] : 0.0;
        v[i] = e_pas;
    }
    long stim = dq_morph_cable_node(m, c, 0, 0.5);
    long steps = (long)(t_end / dt + 0.5);
    for (long k = 0; k < steps; ++k) {
        double tm = (k + 0.5) * dt;
        for (size_t i = 0; i < n; ++i) {
            d[i] = cap[i] / dt + gl[i];
            r[i] = cap[i] / dt * v[i] + gl[i] * e_pas;
        }
        for (size_t i = 1; i < n; ++i) {
            d[i] += c->g_axial[i];
            d[c->parent[i]] += c->g_axial[i];
        }
        if (tm >= 1.0 && tm <= 6.0)
            r[stim] += 0.1;
        dq_hines_solve(n, 1, c->parent, a, a, d, r);
        for (size_t i = 0; i < n; ++i)
            v[i] = r[i];
    }
    for (size_t s = 0; s < c->n_sections; ++s) {
        const dq_morph_section_t *q = dq_morph_section_at(m, s);
        printf("%.4f %.4f %.4f %.4f", q->pt[0].x, q->pt[0].y, q->pt[0].z, q->length);
        for (size_t k = 0; k < c->sec_nseg[s]; ++k)
            printf(" %.9f", v[c->sec_first[s] + k]);
        putchar('\n');
    }
    free(cap);
    free(gl);
    free(a);
    free(d);
    free(r);
    free(v);
    dq_morph_cable_free(c);
    dq_morph_free(m);
    return 0;
}
