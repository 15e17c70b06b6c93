/* SPDX-License-Identifier: MIT */
/* check_morph.c -- morphologies: the SWC soma conventions, sections of a branched cell with
 * known lengths and areas, the JSON form, every reader error with its line or path, the
 * d_lambda rule against hand-computed nseg, compartments against the cable formulas. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include <dq/hines.h>
#include <dq/host/error.h>
#include <dq/host/morph.h>

#define FIX DQ_TEST_MORPH_DIR "/"
#define PI 3.14159265358979323846 /* C11 has no M_PI */

static dq_morph_t *load_ok(const char *path)
{
    dq_error_t err = {0};
    dq_morph_t *m = dq_morph_load(path, &err);
    ck_assert_msg(m != NULL, "%s: %s (line %d)", path, err.message, err.line);
    return m;
}

static dq_morph_cable_t *cable_nseg(const dq_morph_t *m, int nseg, double Ra)
{
    dq_morph_discret_t o;
    dq_morph_discret_init(&o);
    o.rule = DQ_MORPH_RULE_NSEG;
    o.nseg = nseg;
    o.Ra = Ra;
    dq_error_t err = {0};
    dq_morph_cable_t *c = dq_morph_cable_new(m, &o, &err);
    ck_assert_msg(c != NULL, "%s", err.message);
    return c;
}

static const dq_morph_section_t *sec(const dq_morph_t *m, size_t i)
{
    const dq_morph_section_t *s = dq_morph_section_at(m, i);
    ck_assert_ptr_nonnull(s);
    return s;
}

#define assert_close(a, b, rel)                                                                    \
    ck_assert_msg(fabs((a) - (b)) <= (rel)*fabs(b), "%s = %.17g, expected %.17g", #a, (double)(a), \
                  (double)(b))

/* Every cable: parent[i] < i, the root alone without a parent, sections' compartments
 * where sec_first says, junctions of zero area. */
static void check_cable_shape(const dq_morph_cable_t *c)
{
    ck_assert_int_eq(c->parent[0], -1);
    for (size_t i = 1; i < c->n; ++i) {
        ck_assert_msg(c->parent[i] >= 0 && c->parent[i] < (long)i, "parent[%zu] = %ld", i,
                      c->parent[i]);
        ck_assert(c->g_axial[i] > 0);
    }
    for (size_t s = 0; s < c->n_sections; ++s)
        for (size_t k = 0; k < c->sec_nseg[s]; ++k) {
            size_t i = c->sec_first[s] + k;
            ck_assert_uint_eq(c->section[i], s);
            ck_assert(!c->junction[i] && c->area[i] > 0);
            assert_close(c->x[i], (k + 0.5) / (double)c->sec_nseg[s], 1e-15);
        }
    for (size_t i = 0; i < c->n; ++i)
        if (c->junction[i])
            ck_assert(c->area[i] == 0 && c->length[i] == 0);
}

static double total_area(const dq_morph_cable_t *c)
{
    double a = 0;
    for (size_t i = 0; i < c->n; ++i)
        a += c->area[i];
    return a;
}

/* ---- SWC soma conventions ----------------------------------------------------------------- */

START_TEST(test_one_point_soma)
{
    dq_morph_t *m = load_ok(FIX "one_point.swc");
    ck_assert_int_eq(dq_morph_soma_kind(m), DQ_MORPH_SOMA_SPHERE);
    ck_assert_uint_eq(dq_morph_section_count(m), 3);
    ck_assert_uint_eq(dq_morph_point_count(m), 5);
    const dq_morph_section_t *soma = sec(m, 0), *dend = sec(m, 1), *axon = sec(m, 2);
    ck_assert_str_eq(soma->name, "soma");
    ck_assert_str_eq(dend->name, "dend");
    ck_assert_str_eq(axon->name, "axon");
    /* sphere_rep: three points along x, length = diameter = 2r. */
    ck_assert_uint_eq(soma->n_pt, 3);
    ck_assert_double_eq(soma->pt[0].x, -10);
    ck_assert_double_eq(soma->pt[2].x, 10);
    ck_assert_double_eq(soma->pt[1].d, 20);
    ck_assert_double_eq(soma->length, 20);
    ck_assert_int_eq(soma->parent, -1);
    /* Children at soma(0.5) by wire: their own points only. */
    ck_assert_int_eq(dend->parent, 0);
    ck_assert_double_eq(dend->parent_x, 0.5);
    ck_assert_uint_eq(dend->n_pt, 2);
    ck_assert_double_eq(dend->length, 100);
    ck_assert_int_eq(dend->region, DQ_MORPH_BASAL);
    ck_assert_int_eq(dend->line, 6);
    ck_assert_double_eq(axon->length, 50);
    ck_assert_int_eq(axon->region, DQ_MORPH_AXON);

    dq_morph_cable_t *c = cable_nseg(m, 1, 100);
    check_cable_shape(c);
    ck_assert_uint_eq(c->n, 3); /* no junction: both attach at the soma's centre */
    ck_assert_int_eq(c->parent[1], 0);
    ck_assert_int_eq(c->parent[2], 0);
    assert_close(c->area[0], 4 * PI * 100, 1e-14); /* the sphere's area */
    assert_close(c->area[1], PI * 2 * 100, 1e-14);
    /* The dendrite's half segment: 50 µm of diameter 2. */
    assert_close(c->r_geom[1], 4 / PI * 50 / 4, 1e-14);
    assert_close(c->g_axial[1], 1 / (1e-2 * 100 * 50 / PI), 1e-14);
    dq_morph_cable_free(c);
    dq_morph_free(m);
}
END_TEST

/* Ids not contiguous, children before parents, comments and tabs: the same cell. */
START_TEST(test_unordered_same_cell)
{
    dq_morph_t *a = load_ok(FIX "one_point.swc"), *b = load_ok(FIX "unordered.swc");
    ck_assert_uint_eq(dq_morph_section_count(a), dq_morph_section_count(b));
    for (size_t s = 0; s < dq_morph_section_count(a); ++s) {
        const dq_morph_section_t *x = sec(a, s), *y = sec(b, s);
        ck_assert_str_eq(x->name, y->name);
        ck_assert_int_eq(x->parent, y->parent);
        ck_assert_double_eq(x->parent_x, y->parent_x);
        ck_assert_uint_eq(x->n_pt, y->n_pt);
        ck_assert(memcmp(x->pt, y->pt, x->n_pt * sizeof *x->pt) == 0);
    }
    dq_morph_free(a);
    dq_morph_free(b);
}
END_TEST

START_TEST(test_three_point_soma)
{
    dq_morph_t *m = load_ok(FIX "three_point.swc");
    ck_assert_int_eq(dq_morph_soma_kind(m), DQ_MORPH_SOMA_THREE_POINT);
    ck_assert_uint_eq(dq_morph_section_count(m), 2);
    const dq_morph_section_t *soma = sec(m, 0), *dend = sec(m, 1);
    ck_assert_uint_eq(soma->n_pt, 3);
    ck_assert_double_eq(soma->length, 20);
    ck_assert_double_eq(soma->pt[0].d, 20);
    ck_assert_double_eq(dend->parent_x, 0.5);
    ck_assert_double_eq(dend->length, 100);
    dq_morph_cable_t *c = cable_nseg(m, 1, 35.4);
    check_cable_shape(c);
    assert_close(c->area[0], 4 * PI * 100, 1e-14);
    dq_morph_cable_free(c);
    dq_morph_free(m);
}
END_TEST

/* Three soma points that are not NeuroMorpho's convention (the length is not the
 * diameter): a traced stack, the soma a section of its points. */
START_TEST(test_three_point_not_sphere)
{
    const char *text = "1 1 0 0 0 10 -1\n2 1 0 -20 0 10 1\n3 1 0 20 0 10 1\n";
    dq_error_t err = {0};
    dq_morph_t *m = dq_morph_parse_swc(text, strlen(text), "t.swc", &err);
    ck_assert_msg(m != NULL, "%s", err.message);
    ck_assert_int_eq(dq_morph_soma_kind(m), DQ_MORPH_SOMA_STACK);
    dq_morph_free(m);
}
END_TEST

/* The outline as NEURON 8.2's Import3d makes it (Import3d_Neurolucida3 reading the same 16
 * points as a CellBody contour, then Import3d_GUI.instantiate): 21 points along the
 * principal axis, slightly tilted because the perimeter is resampled from the first point
 * to the last (the closing edge left out), soma(0.5).area() 515.1214 µm² and L 19.70753 µm
 * (NEURON keeps 3-D points in single precision). */
/* Windows line ends, a byte-order mark, custom types: named as Import3d names them
 * (dend_<type>), kept as their region. */
START_TEST(test_swc_text_forms)
{
    const char text[] = "\xEF\xBB\xBF# made on Windows\r\n1 1 0 0 0 5 -1\r\n"
                        "2 7 10 0 0 1 1\r\n3 7 30 0 0 1 2\r\n4 2 -10 0 0 1 1\r\n";
    dq_error_t err = {0};
    dq_morph_t *m = dq_morph_parse_swc(text, sizeof text - 1, "w.swc", &err);
    ck_assert_msg(m != NULL, "%s (line %d)", err.message, err.line);
    ck_assert_uint_eq(dq_morph_section_count(m), 3);
    ck_assert_str_eq(sec(m, 1)->name, "dend_7");
    ck_assert_int_eq(sec(m, 1)->region, 7);
    ck_assert_str_eq(dq_morph_region_name(7), "custom");
    ck_assert_double_eq(sec(m, 1)->length, 20);
    ck_assert_int_eq(sec(m, 2)->region, DQ_MORPH_AXON);
    dq_morph_free(m);
}
END_TEST

START_TEST(test_contour_soma)
{
    dq_morph_t *m = load_ok(FIX "contour.swc");
    ck_assert_int_eq(dq_morph_soma_kind(m), DQ_MORPH_SOMA_CONTOUR);
    ck_assert_uint_eq(dq_morph_section_count(m), 2);
    const dq_morph_section_t *soma = sec(m, 0), *dend = sec(m, 1);
    ck_assert_uint_eq(soma->n_pt, 21);
    static const double neuron[][4] = {{-9.872753, -0.091195, 0, 2.603487},
                                       {-0.019819, 0.036695, 0, 9.962856},
                                       {9.833115, 0.164584, 0, 3.371725}};
    static const size_t at[] = {0, 10, 20};
    for (size_t k = 0; k < 3; ++k) {
        const dq_morph_point_t *p = &soma->pt[at[k]];
        ck_assert_double_eq_tol(p->x, neuron[k][0], 2e-6);
        ck_assert_double_eq_tol(p->y, neuron[k][1], 2e-6);
        ck_assert_double_eq_tol(p->z, neuron[k][2], 2e-6);
        ck_assert_double_eq_tol(p->d, neuron[k][3], 2e-6);
    }
    assert_close(soma->length, 19.7075276876054, 1e-6);
    dq_morph_cable_t *c = cable_nseg(m, 1, 35.4);
    assert_close(c->area[0], 515.1213999085365, 1e-6);
    /* Children attach at soma(0.5) by wire. */
    ck_assert_double_eq(dend->parent_x, 0.5);
    ck_assert_double_eq(dend->length, 50);
    dq_morph_cable_free(c);
    dq_morph_free(m);
}
END_TEST

/* ---- a branched cell: sections, lengths, areas, connections ------------------------------- */

START_TEST(test_branched)
{
    dq_morph_t *m = load_ok(FIX "branched.swc");
    ck_assert_int_eq(dq_morph_soma_kind(m), DQ_MORPH_SOMA_STACK);
    ck_assert_uint_eq(dq_morph_section_count(m), 5);
    static const char *names[] = {"soma", "dend[0]", "dend[1]", "dend[2]", "axon"};
    static const long parents[] = {-1, 0, 1, 1, 0};
    static const double px[] = {0, 1, 1, 1, 0}, len[] = {10, 20, 20, 40, 30};
    for (size_t s = 0; s < 5; ++s) {
        ck_assert_str_eq(sec(m, s)->name, names[s]);
        ck_assert_int_eq(sec(m, s)->parent, parents[s]);
        ck_assert_double_eq(sec(m, s)->parent_x, px[s]);
        ck_assert_double_eq(sec(m, s)->length, len[s]);
    }
    /* A dendrite leaving the soma starts at the soma point with its own diameter; a
     * branch starts at its parent point with the parent's diameter. */
    ck_assert_double_eq(sec(m, 1)->pt[0].x, 10);
    ck_assert_double_eq(sec(m, 1)->pt[0].d, 2);
    ck_assert_double_eq(sec(m, 2)->pt[0].d, 2);
    ck_assert_double_eq(sec(m, 2)->pt[1].d, 1);
    ck_assert_double_eq(sec(m, 4)->pt[0].d, 1);

    dq_morph_cable_t *c = cable_nseg(m, 1, 100);
    check_cable_shape(c);
    /* root junction (axon at soma(0)), soma, soma(1), dend[0], dend[0](1), dend[1],
     * dend[2], axon */
    ck_assert_uint_eq(c->n, 8);
    static const long cp[] = {-1, 0, 1, 2, 3, 4, 4, 0};
    for (size_t i = 0; i < 8; ++i)
        ck_assert_int_eq(c->parent[i], cp[i]);
    ck_assert_int_eq(c->root_junction, 0);
    ck_assert_int_eq(c->sec_end[0], 2);
    ck_assert_int_eq(c->sec_end[1], 4);
    ck_assert_int_eq(c->sec_end[2], -1);
    ck_assert(c->junction[0] && c->junction[2] && c->junction[4]);
    /* Cylinders: πdL; the taper: π(r1+r2)·√(L² + (r1-r2)²). */
    assert_close(c->area[1], PI * 10 * 10, 1e-14);
    assert_close(c->area[3], PI * 2 * 20, 1e-14);
    assert_close(c->area[5], PI * (1 + 0.5) * sqrt(20 * 20 + 0.5 * 0.5), 1e-14);
    assert_close(c->area[6], PI * 2 * 40, 1e-14);
    assert_close(c->area[7], PI * 1 * 30, 1e-14);
    /* dend[1] hangs from the junction through its left half: 10 µm tapering from 2 to 1.5,
     * ∫dx/d² = 10/(2·1.5). */
    assert_close(c->r_geom[5], 4 / PI * 10 / (2 * 1.5), 1e-14);
    /* The soma's right half to its end junction: 5 µm of diameter 10. */
    assert_close(c->r_geom[2], 4 / PI * 5 / 100, 1e-14);
    /* NEURON's diam of the tapered segment: its mean diameter. */
    assert_close(c->diam[5], 1.5, 1e-14);
    /* Path distances from the soma's x = 0 end. */
    static const double dist[] = {0, 5, 10, 20, 30, 40, 50, 15};
    for (size_t i = 0; i < 8; ++i)
        ck_assert_double_eq_tol(c->dist[i], dist[i], 1e-12);
    /* sec(x) as NEURON's node_index finds it. */
    ck_assert_int_eq(dq_morph_cable_node(m, c, 0, 0.5), 1);
    ck_assert_int_eq(dq_morph_cable_node(m, c, 0, 1), 2);
    ck_assert_int_eq(dq_morph_cable_node(m, c, 0, 0), 0);
    ck_assert_int_eq(dq_morph_cable_node(m, c, 2, 0), 4); /* dend[1](0) is dend[0](1) */
    ck_assert_int_eq(dq_morph_cable_node(m, c, 2, 1), 5); /* no junction: its last segment */
    ck_assert_int_eq(dq_morph_cable_node(m, c, 4, 0.5), 7);
    ck_assert_int_eq(dq_morph_cable_node(m, c, 5, 0.5), -1);
    ck_assert_int_eq(dq_morph_cable_node(m, c, 0, 1.5), -1);
    /* However finely cut, the membrane is the same. */
    double a1 = total_area(c);
    dq_morph_cable_t *c9 = cable_nseg(m, 9, 100);
    check_cable_shape(c9);
    assert_close(total_area(c9), a1, 1e-13);
    dq_morph_cable_free(c9);
    dq_morph_cable_free(c);
    dq_morph_free(m);
}
END_TEST

/* A traced soma with a dendrite from its middle point (soma(0.5), by wire) and a branch
 * from the dendrite's first point (connect2prox: the dendrite's x = 0, which is the soma's
 * middle node): the same sections, areas and ri as NEURON 8.2 gives. */
START_TEST(test_interior_and_proximal)
{
    dq_morph_t *m = load_ok(FIX "interior.swc");
    ck_assert_int_eq(dq_morph_soma_kind(m), DQ_MORPH_SOMA_STACK);
    ck_assert_uint_eq(dq_morph_section_count(m), 3);
    ck_assert_double_eq(sec(m, 0)->length, 20);
    ck_assert_int_eq(sec(m, 1)->parent, 0);
    ck_assert_double_eq(sec(m, 1)->parent_x, 0.5);
    ck_assert_uint_eq(sec(m, 1)->n_pt, 2); /* by wire: the soma point is not its first */
    ck_assert_double_eq(sec(m, 1)->pt[0].y, 10);
    ck_assert_int_eq(sec(m, 2)->parent, 1);
    ck_assert_double_eq(sec(m, 2)->parent_x, 0);
    assert_close(sec(m, 2)->length, sqrt(200), 1e-15);
    dq_morph_cable_t *c = cable_nseg(m, 1, 100);
    check_cable_shape(c);
    ck_assert_uint_eq(c->n, 3);
    ck_assert_int_eq(c->parent[1], 0);
    ck_assert_int_eq(c->parent[2], 0);
    /* NEURON: soma[0](0.5).area() 505.16185, dend[0] 125.66371 and ri 3.1830989, dend[1]
     * 88.857659 and ri 2.2507908 (Ra 100). */
    assert_close(c->area[0], 505.16185, 1e-7);
    assert_close(c->area[1], 125.66371, 1e-7);
    assert_close(c->area[2], 88.857659, 1e-7);
    assert_close(1 / c->g_axial[1], 3.1830989, 1e-7);
    assert_close(1 / c->g_axial[2], 2.2507908, 1e-7);
    dq_morph_cable_free(c);
    dq_morph_free(m);
}
END_TEST

/* ---- discretisation ----------------------------------------------------------------------- */

static const char ball_stick[] = "{\"soma\": {\"length\": 20, \"diameter\": 20},\n"
                                 " \"cylinders\": [\n"
                                 "  {\"name\": \"dend\", \"length\": 1000, \"diameter\": 2},\n"
                                 "  {\"name\": \"thin\", \"length\": 300, \"diameter\": 1,\n"
                                 "   \"parent\": \"soma\", \"x\": 0, \"region\": \"apical\"}]}\n";

static dq_morph_t *parse_json_ok(const char *text)
{
    dq_error_t err = {0};
    dq_morph_t *m = dq_morph_parse_json(text, strlen(text), "t.json", &err);
    ck_assert_msg(m != NULL, "%s", err.message);
    return m;
}

/* nseg = int((L/(d_lambda·λ_f) + 0.9)/2)·2 + 1 with λ_f = 1e5·√(d/(4π·f·Ra·cm)):
 *   dend (L 1000, d 2), 100 Hz, Ra 35.4: λ_f = 670.5 µm, L/(0.1 λ_f) = 14.91 -> 15
 *   thin (L 300, d 1):                  λ_f = 474.1 µm, 6.33 -> 7
 *   soma (L 20, d 20):                  λ_f = 2120 µm, 0.094 -> 1
 *   dend at 1000 Hz:                    λ_f = 212.0 µm, 47.16 -> 49 */
START_TEST(test_d_lambda)
{
    dq_morph_t *m = parse_json_ok(ball_stick);
    dq_morph_discret_t o;
    dq_morph_discret_init(&o);
    dq_error_t err = {0};
    ck_assert_int_eq(dq_morph_nseg(sec(m, 0), &o, &err), 1);
    ck_assert_int_eq(dq_morph_nseg(sec(m, 1), &o, &err), 15);
    ck_assert_int_eq(dq_morph_nseg(sec(m, 2), &o, &err), 7);
    o.freq = 1000;
    ck_assert_int_eq(dq_morph_nseg(sec(m, 1), &o, &err), 49);
    o.rule = DQ_MORPH_RULE_LENGTH;
    o.max_length = 30;
    ck_assert_int_eq(dq_morph_nseg(sec(m, 1), &o, &err), 34);
    ck_assert_int_eq(dq_morph_nseg(sec(m, 0), &o, &err), 1);
    o.max_length = -1;
    ck_assert_int_eq(dq_morph_nseg(sec(m, 0), &o, &err), 0);
    ck_assert_int_eq(err.code, DQ_EINVAL);
    ck_assert_msg(strstr(err.message, "segment length must be a number > 0"), "%s", err.message);
    dq_morph_discret_init(&o);
    dq_morph_cable_t *c = dq_morph_cable_new(m, &o, &err);
    ck_assert_ptr_nonnull(c);
    check_cable_shape(c);
    ck_assert_uint_eq(c->sec_nseg[1], 15);
    ck_assert_uint_eq(c->sec_nseg[2], 7);
    /* root junction (thin at soma(0)), soma, soma(1), 15 + 7 */
    ck_assert_uint_eq(c->n, 3 + 15 + 7);
    dq_morph_cable_free(c);
    dq_morph_free(m);
}
END_TEST

/* A uniform cylinder in 5 segments: R = Ra·Δx/(πd²/4) between centres (Δx = L/5), half of
 * it to the section's end; areas πd·L/5. */
START_TEST(test_uniform_cylinder)
{
    dq_morph_t *m = parse_json_ok(ball_stick);
    const double Ra = 100, d = 2, dx = 200;
    dq_morph_cable_t *c = cable_nseg(m, 5, Ra);
    check_cable_shape(c);
    size_t f = c->sec_first[1];
    ck_assert_int_eq(c->parent[f], c->sec_end[0]);
    for (size_t k = 0; k < 5; ++k) {
        size_t i = f + k;
        double half = k == 0 ? 0.5 : 1.0;
        double R = 1e-2 * Ra * half * dx / (PI * d * d / 4); /* MΩ */
        assert_close(c->g_axial[i], 1 / R, 1e-14);
        assert_close(c->area[i], PI * d * dx, 1e-14);
        assert_close(c->length[i], dx, 1e-15);
        assert_close(c->diam[i], d, 1e-15);
        assert_close(c->x[i], 0.1 + 0.2 * k, 1e-15);
        ck_assert_int_eq(c->region[i], DQ_MORPH_BASAL);
    }
    ck_assert_int_eq(c->region[c->sec_first[2]], DQ_MORPH_APICAL);
    /* The soma's end junction hangs from its last centre by 2 µm (half of 20/5) of
     * diameter 20. */
    long j = c->sec_end[0];
    assert_close(c->g_axial[j], 1 / (1e-2 * Ra * 2 / (PI * 400 / 4)), 1e-14);
    ck_assert_double_eq(c->x[j], 1);
    dq_morph_cable_free(c);
    dq_morph_free(m);
}
END_TEST

/* The steady state of a passive cable of 1000 µm and diameter 2 (a soma of 10 µm and a
 * dendrite of 990 µm, both of that diameter), Rm 10 kΩ·cm², Ra 100 Ω·cm, a current into
 * the first compartment, solved with dq_hines_solve on the compartments' conductances:
 * beyond the injection V(x) ∝ cosh((L - x)/λ) (sealed end), λ = √(Rm·d/(4Ra)) = 707 µm,
 * to the discretisation's second order: three times finer, nine times closer. */
static double passive_cable_error(int nseg)
{
    static const char cell[] = "{\"soma\": {\"length\": 10, \"diameter\": 2},"
                               " \"cylinders\": [{\"name\": \"d\", \"length\": 990,"
                               " \"diameter\": 2}]}";
    const double Rm = 1e4, Ra = 100, d = 2, L = 1000;
    const double lambda = sqrt(Rm * d * 1e-4 / (4 * Ra)) * 1e4; /* µm */
    const double gm = 1e-6 / (Rm * 1e-4); /* µS/µm² (1e-4 S/cm² at 10 kΩ·cm²) */
    dq_morph_t *m = parse_json_ok(cell);
    dq_morph_cable_t *c = cable_nseg(m, nseg, Ra);
    size_t n = c->n;
    double *a = calloc(n, sizeof *a), *dd = calloc(n, sizeof *dd), *v = calloc(n, sizeof *v);
    ck_assert(a && dd && v);
    for (size_t i = 0; i < n; ++i) {
        dd[i] += gm * c->area[i];
        if (i > 0) {
            a[i] = -c->g_axial[i];
            dd[i] += c->g_axial[i];
            dd[c->parent[i]] += c->g_axial[i];
        }
    }
    v[0] = 1.0; /* nA into the first segment */
    dq_hines_solve(n, 1, c->parent, a, a, dd, v);
    double err = 0;
    for (size_t i = 1; i < n; ++i) {
        if (c->junction[i])
            continue;
        double want = cosh((L - c->dist[i]) / lambda) / cosh((L - c->dist[0]) / lambda);
        err = fmax(err, fabs(v[i] / v[0] - want) / want);
    }
    free(a);
    free(dd);
    free(v);
    dq_morph_cable_free(c);
    dq_morph_free(m);
    return err;
}

START_TEST(test_passive_cable_attenuation)
{
    double e9 = passive_cable_error(9), e27 = passive_cable_error(27),
           e81 = passive_cable_error(81);
    ck_assert_msg(e81 < 1e-4, "error %g with 81 segments", e81);
    ck_assert_msg(e9 / e27 > 8 && e9 / e27 < 10, "errors %g, %g: not second order", e9, e27);
    ck_assert_msg(e27 / e81 > 8 && e27 / e81 < 10, "errors %g, %g: not second order", e27, e81);
}
END_TEST

START_TEST(test_example_ball_and_stick)
{
    dq_morph_t *m = load_ok(DQ_TEST_EXAMPLES_DIR "/ball_and_stick.morph.json");
    ck_assert_int_eq(dq_morph_soma_kind(m), DQ_MORPH_SOMA_CYLINDER);
    ck_assert_uint_eq(dq_morph_section_count(m), 2);
    dq_morph_free(m);
    m = load_ok(DQ_TEST_EXAMPLES_DIR "/small_cell.swc");
    ck_assert(dq_morph_section_count(m) > 5);
    dq_morph_free(m);
}
END_TEST

/* ---- errors ------------------------------------------------------------------------------- */

typedef struct bad_case {
    const char *text;
    int line;
    const char *message;
} bad_case_t;

static const bad_case_t bad_swc[] = {
    {"", 0, "no points"},
    {"# only a comment\n\n   \n", 0, "no points"},
    {"1 1 0 0 0 1\n", 1, "expected 7 fields (id type x y z radius parent), found 6"},
    {"1 1 0 0 0 1 -1 7\n", 1, "found 8"},
    {"1 1 0 0 0 1 -1\n2 3 a 0 0 1 1\n", 2, "field 3 (x) is not a number: 'a'"},
    {"1 1 0 0 0 1 -1\n2 3 1 0 0 1e999 1\n", 2, "field 6 (radius) is not a number"},
    {"1 1.5 0 0 0 1 -1\n", 1, "field 2 (type) is not a whole number: '1.5'"},
    {"x 1 0 0 0 1 -1\n", 1, "field 1 (id) is not a whole number: 'x'"},
    {"# c\n\n1 1 0 0 0 0 -1\n", 3, "radius 0 of point 1: must be > 0"},
    {"1 1 0 0 0 -2 -1\n", 1, "radius -2 of point 1: must be > 0"},
    {"1 1 0 0 0 1 -1\n2 3 1 0 0 1 -3\n", 2, "parent -3 of point 2: expected -1 (the root)"},
    {"1 1 0 0 0 1 -1\n2 3 1 0 0 1 1\n1 3 2 0 0 1 2\n", 3, "duplicate id 1 (first on line 1)"},
    {"1 1 0 0 0 1 -1\n2 3 1 0 0 1 9\n", 2, "parent 9 of point 2 is not a point of the file"},
    {"1 1 0 0 0 1 -1\n2 3 1 0 0 1 2\n", 2, "point 2 is its own parent"},
    {"1 1 0 0 0 1 -1\n2 3 1 0 0 1 3\n3 3 2 0 0 1 2\n", 2,
     "point 2 is on a cycle of parents (2 -> 3 -> 2)"},
    {"1 1 0 0 0 1 2\n2 3 1 0 0 1 1\n", 1,
     "no root (a point with parent -1): point 1 is on a cycle of parents (1 -> 2 -> 1)"},
    {"1 1 0 0 0 1 -1\n2 3 1 0 0 1 -1\n", 2,
     "a second root: point 2 has parent -1, as point 1 on line 1 has"},
    {"1 1 0 0 0 1 -1\n2 3 0 0 0 1 1\n", 2, "section 'dend' has length 0"},
};

START_TEST(test_swc_errors)
{
    for (size_t i = 0; i < sizeof bad_swc / sizeof *bad_swc; ++i) {
        const bad_case_t *b = &bad_swc[i];
        dq_error_t err = {0};
        dq_morph_t *m = dq_morph_parse_swc(b->text, strlen(b->text), "t.swc", &err);
        ck_assert_msg(m == NULL, "case %zu accepted", i);
        ck_assert_int_eq(err.code, DQ_ESPEC);
        ck_assert_str_eq(err.source, "t.swc");
        ck_assert_msg(err.line == b->line, "case %zu: line %d, expected %d (%s)", i, err.line,
                      b->line, err.message);
        ck_assert_msg(strstr(err.message, b->message), "case %zu: '%s' lacks '%s'", i, err.message,
                      b->message);
    }
}
END_TEST

static const bad_case_t bad_json[] = {
    {"{\"soma\": {\"length\": 20,, }}", 1, "expected near ','"},
    {"\n [1]", 2, "expected a JSON object at the top level, got [1]"},
    {"{}", 0, ".soma: missing (required)"},
    {"{\"soma\": {\"length\": 20}}", 0, ".soma.diameter: missing (required)"},
    {"{\"soma\": {\"length\": 0, \"diameter\": 2}}", 0, ".soma.length: expected a positive number"},
    {"{\"soma\": {\"lenght\": 1, \"diameter\": 2}}", 0, ".soma.lenght: unknown key"},
    {"{\"soma\": {\"length\": 1, \"diameter\": 2}, \"cylinders\": {}}", 0,
     ".cylinders: expected an array of cylinders"},
    {"{\"soma\": {\"length\": 1, \"diameter\": 2}, \"cylinders\": [{\"length\": 1, "
     "\"diameter\": 1}]}",
     0, ".cylinders[0].name: missing (required)"},
    {"{\"soma\": {\"length\": 1, \"diameter\": 2}, \"cylinders\": [{\"name\": \"d\", "
     "\"length\": 1, \"diameter\": -1}]}",
     0, ".cylinders[0].diameter: expected a positive number, got -1"},
    {"{\"soma\": {\"length\": 1, \"diameter\": 2}, \"cylinders\": [{\"name\": \"d\", "
     "\"length\": 1, \"diameter\": 1, \"parent\": \"e\"}]}",
     0, ".cylinders[0].parent: no soma or cylinder named \"e\""},
    {"{\"soma\": {\"length\": 1, \"diameter\": 2}, \"cylinders\": [{\"name\": \"d\", "
     "\"length\": 1, \"diameter\": 1, \"parent\": \"e\"}, {\"name\": \"e\", \"length\": 1, "
     "\"diameter\": 1}]}",
     0, ".cylinders[0].parent: \"e\" must come before the cylinders attached to it"},
    {"{\"soma\": {\"length\": 1, \"diameter\": 2}, \"cylinders\": [{\"name\": \"d\", "
     "\"length\": 1, \"diameter\": 1}, {\"name\": \"d\", \"length\": 1, \"diameter\": 1}]}",
     0, ".cylinders[1].name: the name \"d\" is taken by .cylinders[0]"},
    {"{\"soma\": {\"length\": 1, \"diameter\": 2}, \"cylinders\": [{\"name\": \"d\", "
     "\"length\": 1, \"diameter\": 1, \"x\": 2}]}",
     0, ".cylinders[0].x: expected a position from 0 to 1, got 2"},
    {"{\"soma\": {\"length\": 1, \"diameter\": 2}, \"cylinders\": [{\"name\": \"d\", "
     "\"length\": 1, \"diameter\": 1, \"region\": \"dendrite\"}]}",
     0, ".cylinders[0].region: expected \"soma\", \"axon\""},
};

START_TEST(test_json_errors)
{
    for (size_t i = 0; i < sizeof bad_json / sizeof *bad_json; ++i) {
        const bad_case_t *b = &bad_json[i];
        dq_error_t err = {0};
        dq_morph_t *m = dq_morph_parse_json(b->text, strlen(b->text), "t.json", &err);
        ck_assert_msg(m == NULL, "case %zu accepted", i);
        ck_assert_int_eq(err.code, DQ_ESPEC);
        ck_assert_str_eq(err.source, "t.json");
        ck_assert_int_eq(err.place, DQ_PLACE_SPEC);
        ck_assert_msg(err.line == b->line, "case %zu: line %d, expected %d (%s)", i, err.line,
                      b->line, err.message);
        ck_assert_msg(strstr(err.message, b->message), "case %zu: '%s' lacks '%s'", i, err.message,
                      b->message);
    }
    /* A syntax error on a later line carries its line and column. */
    const char *text = "{\n  \"soma\": {\"length\": 1,\n  \"diameter\" 2}}";
    dq_error_t err = {0};
    ck_assert_ptr_null(dq_morph_parse_json(text, strlen(text), "t.json", &err));
    ck_assert_int_eq(err.line, 3);
    ck_assert_int_gt(err.column, 1);
}
END_TEST

START_TEST(test_load_missing)
{
    dq_error_t err = {0};
    ck_assert_ptr_null(dq_morph_load(FIX "no_such_file.swc", &err));
    ck_assert_int_eq(err.code, DQ_EIO);
    ck_assert_msg(strstr(err.message, "cannot open morphology"), "%s", err.message);
}
END_TEST

START_TEST(test_options_checked)
{
    dq_morph_t *m = parse_json_ok(ball_stick);
    dq_morph_discret_t o;
    dq_morph_discret_init(&o);
    dq_error_t err = {0};
    o.Ra = 0;
    ck_assert_ptr_null(dq_morph_cable_new(m, &o, &err));
    ck_assert_msg(strstr(err.message, "Ra must be a number > 0"), "%s", err.message);
    dq_morph_discret_init(&o);
    o.rule = DQ_MORPH_RULE_NSEG;
    o.nseg = 0;
    dq_error_clear(&err);
    ck_assert_ptr_null(dq_morph_cable_new(m, &o, &err));
    ck_assert_msg(strstr(err.message, "nseg must be from 1"), "%s", err.message);
    dq_morph_free(m);
}
END_TEST

Suite *morph_suite(void)
{
    Suite *s = suite_create("morph");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_one_point_soma);
    tcase_add_test(tc, test_unordered_same_cell);
    tcase_add_test(tc, test_three_point_soma);
    tcase_add_test(tc, test_three_point_not_sphere);
    tcase_add_test(tc, test_swc_text_forms);
    tcase_add_test(tc, test_contour_soma);
    tcase_add_test(tc, test_branched);
    tcase_add_test(tc, test_interior_and_proximal);
    tcase_add_test(tc, test_d_lambda);
    tcase_add_test(tc, test_uniform_cylinder);
    tcase_add_test(tc, test_passive_cable_attenuation);
    tcase_add_test(tc, test_example_ball_and_stick);
    tcase_add_test(tc, test_swc_errors);
    tcase_add_test(tc, test_json_errors);
    tcase_add_test(tc, test_load_missing);
    tcase_add_test(tc, test_options_checked);
    suite_add_tcase(s, tc);
    return s;
}
