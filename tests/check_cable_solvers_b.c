/* SPDX-License-Identifier: MIT */
/* check_cable_solvers_b.c -- <dq/cable_expm.h> against mathematics (CRAM-16 against exp on
 * [-1e4, 0], the complex Hines solve against dense complex LU on random trees, the tree
 * exponential against a dense expm of the junction-eliminated operator) and the split cable
 * solvers (implicit_rk4, implicit_exp_euler, cn_rk4, cn_exp_euler, exp_exp_euler) on a small
 * cell: their measured orders of convergence, a passive cable's steady state against the
 * cosh attenuation of a sealed-end cable, the refusal of a model that is not a cable model. */
#include <complex.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include <dq/cable_expm.h>
#include <dq/dq.h>
#include <dq/host/cable.h>
#include <dq/host/loader.h>
#include <dq/host/morph.h>
#include <dq/host/registry.h>
#include <dq/host/system.h>
#include <dq/linalg.h>

/* A small deterministic generator (xorshift64*), uniform in [0, 1). */
static unsigned long long rng_state = 0x2545F4914F6CDD1Dull;
static double rng_uniform(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (double)((rng_state * 2685821657736338717ull) >> 11) * 0x1.0p-53;
}

static void random_tree(long *parent, size_t n)
{
    parent[0] = -1;
    for (size_t i = 1; i < n; ++i)
        parent[i] = rng_uniform() < 0.6 ? (long)i - 1 : (long)(rng_uniform() * (double)i);
}

/* CRAM-16 is within 1e-13 of e^x on [-1e4, 0]: a fine uniform grid on [-60, 0], where the
 * error curve oscillates, and a geometric one out to -1e4 (beyond -60 e^x is below 1e-26,
 * so the error is |r(x)| itself). */
START_TEST(test_cram16_scalar_accuracy)
{
    double worst = 0.0, at = 0.0;
    for (int k = 0; k <= 600000; ++k) {
        double x = -60.0 * k / 600000.0, e = fabs(dq_cram16_scalar(x) - exp(x));
        if (e > worst) {
            worst = e;
            at = x;
        }
    }
    for (int k = 0; k <= 100000; ++k) {
        double x = -60.0 * pow(1e4 / 60.0, k / 100000.0), e = fabs(dq_cram16_scalar(x) - exp(x));
        if (e > worst) {
            worst = e;
            at = x;
        }
    }
    if (getenv("DQ_TEST_VERBOSE"))
        fprintf(stderr, "CRAM-16: max |r(x) - e^x| = %.3g at x = %g\n", worst, at);
    ck_assert_msg(worst < 1e-13, "max |r(x) - e^x| = %g at x = %g", worst, at);
    /* and not trivially: the approximation is a rational function, not exp itself */
    ck_assert(worst > 0.0);
}
END_TEST

/* Dense complex Gaussian elimination with partial pivoting: A (n x n) destroyed, b -> x. */
static void dense_complex_solve(double complex *A, size_t n, double complex *b)
{
    for (size_t k = 0; k < n; ++k) {
        size_t p = k;
        for (size_t i = k + 1; i < n; ++i)
            if (cabs(A[i * n + k]) > cabs(A[p * n + k]))
                p = i;
        for (size_t j = 0; j < n; ++j) {
            double complex t = A[k * n + j];
            A[k * n + j] = A[p * n + j];
            A[p * n + j] = t;
        }
        double complex t = b[k];
        b[k] = b[p];
        b[p] = t;
        for (size_t i = k + 1; i < n; ++i) {
            double complex l = A[i * n + k] / A[k * n + k];
            for (size_t j = k; j < n; ++j)
                A[i * n + j] -= l * A[k * n + j];
            b[i] -= l * b[k];
        }
    }
    for (size_t k = n; k-- > 0;) {
        double complex s = b[k];
        for (size_t j = k + 1; j < n; ++j)
            s -= A[k * n + j] * b[j];
        b[k] = s / A[k * n + k];
    }
}

/* dq_hines_solve_complex against dense complex LU: random trees of 1 to 200 nodes, 3
 * lanes, the shifted cable matrices dt K + theta C of CRAM's poles (some C = 0, junctions)
 * and general complex diagonals. */
START_TEST(test_complex_hines_matches_dense)
{
    static const size_t sizes[] = {1, 2, 3, 8, 31, 200};
    const size_t lanes = 3;
    const double *tr, *ti, *ar, *ai;
    double a0;
    dq_cram16(&tr, &ti, &ar, &ai, &a0);
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; ++s) {
        const size_t n = sizes[s];
        long *parent = malloc(n * sizeof *parent);
        double *off = malloc(n * sizeof *off), *gs = calloc(n, sizeof *gs);
        double *dre = malloc(n * lanes * sizeof *dre), *dim = malloc(n * lanes * sizeof *dim);
        double *rre = malloc(n * lanes * sizeof *rre), *rim = malloc(n * lanes * sizeof *rim);
        double complex *A = malloc(n * n * sizeof *A), *x = malloc(n * sizeof *x);
        double complex *sol = malloc(n * lanes * sizeof *sol);
        ck_assert(parent && off && gs && dre && dim && rre && rim && A && x && sol);
        for (int trial = 0; trial < 10; ++trial) {
            random_tree(parent, n);
            const double dt = pow(10.0, -2.0 + 3.0 * rng_uniform());
            for (size_t i = 0; i < n; ++i)
                gs[i] = 0.0;
            off[0] = 0.0;
            for (size_t i = 1; i < n; ++i) {
                double g = 0.1 + 10.0 * rng_uniform();
                off[i] = -dt * g;
                gs[i] += g;
                gs[parent[i]] += g;
            }
            const int k = trial % DQ_CRAM16_POLES, general = trial >= 8;
            for (size_t i = 0; i < n; ++i)
                for (size_t c = 0; c < lanes; ++c) {
                    double cap = rng_uniform() < 0.2 ? 0.0 : 0.01 + rng_uniform();
                    double gm = rng_uniform();
                    size_t j = i * lanes + c;
                    dre[j] = dt * (gs[i] + gm) + tr[k] * cap;
                    dim[j] = ti[k] * cap;
                    if (general) {
                        dre[j] = 2.0 * dt * gs[i] + 1.0 + rng_uniform();
                        dim[j] = 4.0 * (rng_uniform() - 0.5);
                    }
                    rre[j] = rng_uniform() - 0.5;
                    rim[j] = rng_uniform() - 0.5;
                }
            /* the dense solution of every lane first: the tree solve overwrites r */
            for (size_t c = 0; c < lanes; ++c) {
                memset(A, 0, n * n * sizeof *A);
                for (size_t i = 0; i < n; ++i) {
                    A[i * n + i] = dre[i * lanes + c] + I * dim[i * lanes + c];
                    sol[i * lanes + c] = rre[i * lanes + c] + I * rim[i * lanes + c];
                    if (i > 0) {
                        A[i * n + (size_t)parent[i]] = off[i];
                        A[(size_t)parent[i] * n + i] = off[i];
                    }
                }
                for (size_t i = 0; i < n; ++i)
                    x[i] = sol[i * lanes + c];
                dense_complex_solve(A, n, x);
                for (size_t i = 0; i < n; ++i)
                    sol[i * lanes + c] = x[i];
            }
            dq_hines_solve_complex(n, lanes, parent, off, off, dre, dim, rre, rim);
            for (size_t c = 0; c < lanes; ++c) {
                double e = 0, m = 0;
                for (size_t i = 0; i < n; ++i) {
                    double complex got = rre[i * lanes + c] + I * rim[i * lanes + c];
                    e = fmax(e, cabs(got - sol[i * lanes + c]));
                    m = fmax(m, cabs(sol[i * lanes + c]));
                }
                ck_assert_msg(e <= 1e-12 * m, "n = %zu trial %d lane %zu: error %g of %g", n, trial,
                              c, e, m);
            }
        }
        free(parent), free(off), free(gs), free(dre), free(dim), free(rre), free(rim);
        free(A), free(x), free(sol);
    }
}
END_TEST

/* A tree of n compartments, junctions at the given indices (C = 0), random conductances. */
typedef struct test_tree {
    size_t n;
    long parent[16];
    double g[16], g_sum[16], cap[16], area[16];
    dq_cable_t cb;
} test_tree_t;

static void test_tree_init(test_tree_t *t, size_t n, const int *junction)
{
    t->n = n;
    random_tree(t->parent, n);
    memset(t->g_sum, 0, sizeof t->g_sum);
    t->g[0] = 0.0;
    for (size_t i = 1; i < n; ++i) {
        t->g[i] = 0.05 + 2.0 * rng_uniform();
        t->g_sum[i] += t->g[i];
        t->g_sum[t->parent[i]] += t->g[i];
    }
    for (size_t i = 0; i < n; ++i) {
        t->cap[i] = junction[i] ? 0.0 : 0.005 + 0.05 * rng_uniform();
        t->area[i] = t->cap[i] * 1e5;
    }
    memset(&t->cb, 0, sizeof t->cb);
    t->cb.n = n;
    t->cb.parent = t->parent;
    t->cb.g = t->g;
    t->cb.g_sum = t->g_sum;
    t->cb.cap = t->cap;
    t->cb.area = t->area;
}

/* dq_cable_expm against the dense exponential of the junction-eliminated operator: with K =
 * G + diag(gm) split into capacitive (a) and junction (j) rows, S = K_aa - K_aj K_jj^-1 K_ja,
 * A_e = -C_a^-1 S and f_e = f_a - K_aj K_jj^-1 f_j, the capacitive rows are
 * expm([[dt A_e, dt C_a^-1 f_e], [0, 0]]) applied to (y_a, 1), and the junctions satisfy
 * their rows, K_jj y_j = f_j - K_ja y_a. Steps from 0.01 (|dt A| ~ 1) to 100 (~1e5), with
 * and without the membrane and affine terms. */
START_TEST(test_cable_expm_matches_dense_eliminated)
{
    static const int junction[9] = {0, 1, 0, 0, 1, 0, 0, 1, 0};
    static const double dts[] = {0.01, 0.3, 5.0, 100.0};
    enum { N = 9, U = 2 };
    double worst = 0.0, moved = 0.0;
    for (int trial = 0; trial < 8; ++trial) {
        test_tree_t t;
        test_tree_init(&t, N, junction);
        const double dt = dts[trial % 4];
        const int affine = trial >= 4;
        double gm[N * U], f[N * U], y[N * U], y0[N * U], work[DQ_CABLE_EXPM_WORK(N, U)];
        for (size_t j = 0; j < N * U; ++j) {
            gm[j] = junction[j / U] ? 0.0 : 0.01 * rng_uniform();
            f[j] = rng_uniform() - 0.5;
            y0[j] = y[j] = 10.0 * (rng_uniform() - 0.5);
        }
        dq_cable_expm(&t.cb, U, dt, affine ? gm : NULL, affine ? f : NULL, y, work);
        for (size_t u = 0; u < U; ++u) {
            double K[N][N] = {{0}};
            for (size_t i = 0; i < N; ++i) {
                K[i][i] = t.g_sum[i] + (affine ? gm[i * U + u] : 0.0);
                if (i > 0) {
                    K[i][t.parent[i]] = -t.g[i];
                    K[t.parent[i]][i] = -t.g[i];
                }
            }
            size_t ia[N], ij[N], na = 0, nj = 0;
            for (size_t i = 0; i < N; ++i) {
                if (junction[i])
                    ij[nj++] = i;
                else
                    ia[na++] = i;
            }
            /* X = K_jj^-1 [K_ja | f_j] */
            double Kjj[N * N], X[N * (N + 1)];
            for (size_t p = 0; p < nj; ++p) {
                for (size_t q = 0; q < nj; ++q)
                    Kjj[p * nj + q] = K[ij[p]][ij[q]];
                for (size_t q = 0; q < na; ++q)
                    X[p * (na + 1) + q] = K[ij[p]][ia[q]];
                X[p * (na + 1) + na] = affine ? f[ij[p] * U + u] : 0.0;
            }
            ck_assert_int_eq(dq_linalg_solve(Kjj, nj, X, na + 1), 0);
            const size_t m = na + 1;
            double Aug[(N + 1) * (N + 1)] = {0}, E[(N + 1) * (N + 1)];
            double ework[DQ_LINALG_EXPM_WORK(N + 1)];
            for (size_t p = 0; p < na; ++p) {
                const double c = t.cap[ia[p]];
                for (size_t q = 0; q < m; ++q) {
                    /* S (q < na), -f_e (q = na) */
                    const double sg = q < na ? 1.0 : -1.0;
                    double s = q < na ? K[ia[p]][ia[q]] : -(affine ? f[ia[p] * U + u] : 0.0);
                    for (size_t r = 0; r < nj; ++r)
                        s -= sg * K[ia[p]][ij[r]] * X[r * (na + 1) + q];
                    Aug[p * m + q] = -dt * s / c;
                }
            }
            ck_assert_int_eq(dq_linalg_expm(Aug, m, E, ework), 0);
            double err = 0.0, mag = 0.0, want_a[N];
            for (size_t p = 0; p < na; ++p) {
                double w = E[p * m + na];
                for (size_t q = 0; q < na; ++q)
                    w += E[p * m + q] * y0[ia[q] * U + u];
                want_a[p] = w;
                moved = fmax(moved, fabs(w - y0[ia[p] * U + u]));
                err = fmax(err, fabs(y[ia[p] * U + u] - w));
                mag = fmax(mag, fabs(w));
            }
            for (size_t r = 0; r < nj; ++r) {
                double w = X[r * (na + 1) + na];
                for (size_t q = 0; q < na; ++q)
                    w -= X[r * (na + 1) + q] * want_a[q];
                err = fmax(err, fabs(y[ij[r] * U + u] - w));
            }
            worst = fmax(worst, err / mag);
            if (getenv("DQ_TEST_VERBOSE"))
                fprintf(stderr, "expm trial %d dt %g: relative error %.3g\n", trial, dt, err / mag);
            ck_assert_msg(err <= 1e-11 * mag, "trial %d dt %g lane %zu: error %g of %g", trial, dt,
                          u, err, mag);
        }
    }
    /* and the steps did something: the result is far from the start */
    ck_assert_msg(moved > 0.5, "largest change %g", moved);
}
END_TEST

/* ---- the solvers on the cell model ---------------------------------------------------------- */

static dq_registry_t *reg;
static dq_loader_t *loader;

static void setup(void)
{
    dq_error_t err = {0};
    reg = dq_registry_new();
    loader = dq_loader_new(reg, &err);
    ck_assert_ptr_nonnull(loader);
    ck_assert_int_eq(dq_loader_load_dir(loader, DQ_TEST_PLUGIN_DIR, &err), DQ_OK);
}

static void teardown(void)
{
    dq_registry_free(reg);
    dq_loader_free(loader);
}

static const char *const split_solvers[] = {"implicit_rk4", "implicit_exp_euler", "cn_rk4",
                                            "cn_exp_euler", "exp_exp_euler"};
#define N_SPLIT (sizeof split_solvers / sizeof *split_solvers)

static const dq_model_desc_t *cell_model(void)
{
    dq_error_t err = {0};
    const dq_model_entry_t *e = dq_registry_lookup_model(reg, "cell", &err);
    ck_assert_msg(e != NULL, "%s", err.message);
    return e->desc;
}

static dq_morph_t *morph_json(const char *text)
{
    dq_error_t err = {0};
    dq_morph_t *m = dq_morph_parse_json(text, strlen(text), "test", &err);
    ck_assert_msg(m != NULL, "%s", err.message);
    return m;
}

/* `cells` cells of `morph` (cell's defaults), one current clamp at soma(0.5), segments no
 * longer than max_length µm, prepared with `solver` at dt. */
static dq_system_t *cells_system(const dq_morph_t *morph, size_t cells, double max_length,
                                 double delay, double dur, double amp, const char *solver,
                                 double dt)
{
    dq_error_t err = {0};
    dq_cable_opts_t o;
    dq_cable_opts_init(&o);
    o.discret.rule = DQ_MORPH_RULE_LENGTH;
    o.discret.max_length = max_length;
    const dq_cable_stim_t stim = {.at = "soma(0.5)", .delay = delay, .dur = dur, .amp = amp};
    o.stim = &stim;
    o.n_stim = 1;
    const double n = (double)cells;
    const dq_param_arg_t args[] = {{"n", &n, 1, NULL}};
    dq_system_t *sys = dq_system_new_cable(cell_model(), args, 1, morph, &o, &err);
    ck_assert_msg(sys != NULL, "%s", err.message);
    const dq_integrator_entry_t *e = dq_registry_lookup(reg, solver, &err);
    ck_assert_msg(e != NULL, "%s", err.message);
    ck_assert_msg(dq_system_set_solver(sys, e, &err) == DQ_OK, "%s", err.message);
    ck_assert_msg(dq_system_prepare(sys, 0.0, dt, &err) == DQ_OK, "%s: %s", solver, err.message);
    return sys;
}

static dq_system_t *cell_system(const dq_morph_t *morph, double max_length, double delay,
                                double dur, double amp, const char *solver, double dt)
{
    return cells_system(morph, 1, max_length, delay, dur, amp, solver, dt);
}

/* The least-squares slope of log err[k] against log dt_k, dt_k = 0.1 / 2^k, k = 0..3. */
static double order_slope(const double *err)
{
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (int k = 0; k < 4; ++k) {
        const double x = log(0.1 / (double)(1 << k)), y = log(err[k]);
        sx += x, sy += y, sxx += x * x, sxy += x * y;
    }
    return (4 * sxy - sx * sy) / (4 * sxx - sx * sx);
}

static void run_soma_vm(const dq_morph_t *morph, const char *solver, double dt, double t_end,
                        double amp, double *vm)
{
    dq_error_t err = {0};
    dq_system_t *sys = cell_system(morph, 25.0, 1.0, 2.0, amp, solver, dt);
    ck_assert_msg(dq_system_run(sys, (uint64_t)llround(t_end / dt), &err) == DQ_OK, "%s: %s",
                  solver, err.message);
    long v = dq_system_state_index(sys, "V"), m = dq_system_state_index(sys, "m@soma(0.5)");
    ck_assert_int_ge(v, 0);
    ck_assert_int_ge(m, 0);
    vm[0] = dq_system_value(sys, (size_t)v, 0);
    vm[1] = dq_system_value(sys, (size_t)m, 0);
    dq_system_free(sys);
}

/* Two dendrites, one at each end of the soma (junctions at soma(0) and soma(1)). */
static const char two_dendrites[] =
    "{\"soma\": {\"length\": 20, \"diameter\": 20}, \"cylinders\": ["
    "{\"name\": \"d1\", \"length\": 300, \"diameter\": 1, \"parent\": \"soma\", \"x\": 1},"
    "{\"name\": \"d2\", \"length\": 200, \"diameter\": 1.5, \"parent\": \"soma\", \"x\": 0}]}";

/* Each solver's soma V and gate m at t = 5 ms (a 2 ms current clamp from t = 1 ms that
 * makes the soma spike) at dt = 0.1, 0.05, 0.025, 0.0125 against its own run at
 * dt = 0.0125/16. The measured order is the slope of log error against log dt between the
 * two finest steps, the smaller of V's and m's: within 0.3 of the declared order. (The
 * least-squares slope over all four is printed too; exp_exp_euler's m is not yet
 * asymptotic at dt = 0.1, and its V alone converges at second order from a state at rest:
 * see test_split_solvers_orders_on_own_host.) */
START_TEST(test_split_solvers_converge_at_declared_order)
{
    const char *name = split_solvers[_i];
    dq_error_t err = {0};
    const dq_integrator_entry_t *e = dq_registry_lookup(reg, name, &err);
    ck_assert_msg(e != NULL, "%s", err.message);
    ck_assert_str_eq(e->category, DQ_CATEGORY_CABLE);
    dq_morph_t *m = morph_json(two_dendrites);
    const double amp = 0.3, t_end = 5.0;
    double ref[2], ev[4], em[4];
    run_soma_vm(m, name, 0.0125 / 16.0, t_end, amp, ref);
    for (int k = 0; k < 4; ++k) {
        double vm[2];
        run_soma_vm(m, name, 0.1 / (double)(1 << k), t_end, amp, vm);
        ev[k] = fabs(vm[0] - ref[0]);
        em[k] = fabs(vm[1] - ref[1]);
    }
    const double pv = log2(ev[2] / ev[3]), pm = log2(em[2] / em[3]), p = fmin(pv, pm);
    if (getenv("DQ_TEST_VERBOSE"))
        fprintf(stderr,
                "%s: V(5) = %.4f, V errors %.3g %.3g %.3g %.3g (order %.2f, all four %.2f); m "
                "errors %.3g %.3g %.3g %.3g (order %.2f, all four %.2f); declared %d\n",
                name, ref[0], ev[0], ev[1], ev[2], ev[3], pv, order_slope(ev), em[0], em[1], em[2],
                em[3], pm, order_slope(em), e->order);
    ck_assert_msg(fabs(p - e->order) <= 0.3, "%s: measured orders %.2f (V) %.2f (m), declared %d",
                  name, pv, pm, e->order);
    dq_morph_free(m);
}
END_TEST

/* A passive dendrite (d = 1 µm, L = 500 µm, sealed end) hanging from a soma held below rest
 * by a constant current: at steady state V - e_pas along it is cosh((L - x)/lambda) times
 * its value at the dendrite's start, lambda = sqrt(d/(4 Ra g_pas)) = 840 µm. Every split
 * solver's fixed point is the cable's steady state; 5 µm segments leave an O((h/lambda)^2)
 * discretisation error, below the 1e-4 asserted (4e-6 to 8e-6 measured). */
START_TEST(test_split_solvers_passive_steady_state_is_cosh)
{
    const char *name = split_solvers[_i];
    dq_error_t err = {0};
    dq_morph_t *m = morph_json("{\"soma\": {\"length\": 20, \"diameter\": 20}, \"cylinders\": ["
                               "{\"name\": \"d\", \"length\": 500, \"diameter\": 1}]}");
    const double dt = 0.1, L = 500.0, e_pas = -65.0;
    dq_system_t *sys = cell_system(m, 5.0, 0.0, 1e9, -0.05, name, dt);
    ck_assert_msg(dq_system_run(sys, 4000, &err) == DQ_OK, "%s", err.message);
    const dq_morph_cable_t *cab = dq_system_cable(sys);
    ck_assert_ptr_nonnull(cab);
    const double lambda = 1e4 * sqrt(1e-4 / (4.0 * 35.4 * 1e-4)); /* µm */
    /* the dendrite starts at the soma's x = 1 junction */
    const long j = cab->sec_end[0];
    ck_assert_int_ge(j, 0);
    char nm[32];
    snprintf(nm, sizeof nm, "V[%ld]", j);
    const double vj = dq_system_value(sys, (size_t)dq_system_state_index(sys, nm), 0) - e_pas;
    ck_assert_msg(vj < -1.0, "%s: the dendrite's start is only %g mV below rest", name, vj);
    double worst = 0.0;
    size_t checked = 0;
    for (size_t c = 0; c < cab->n; ++c) {
        if (cab->section[c] != 1 || cab->junction[c])
            continue;
        const double x = cab->dist[c] - cab->dist[j];
        snprintf(nm, sizeof nm, "V[%zu]", c);
        const double v = dq_system_value(sys, (size_t)dq_system_state_index(sys, nm), 0) - e_pas;
        const double want = vj * cosh((L - x) / lambda) / cosh(L / lambda);
        worst = fmax(worst, fabs(v - want) / fabs(vj));
        ++checked;
    }
    ck_assert_uint_ge(checked, 50);
    if (getenv("DQ_TEST_VERBOSE"))
        fprintf(stderr, "%s: start %.4f mV below rest, max deviation from cosh %.3g\n", name, -vj,
                worst);
    ck_assert_msg(worst < 1e-4, "%s: steady state off the cosh profile by %g", name, worst);
    dq_system_free(sys);
    dq_morph_free(m);
}
END_TEST

/* On a model that is not a cable model, every split solver refuses with DQ_EUSAGE and
 * says what it needs. */
START_TEST(test_split_solvers_refuse_point_models)
{
    const char *name = split_solvers[_i];
    dq_error_t err = {0};
    const dq_model_entry_t *hh = dq_registry_lookup_model(reg, "hh", &err);
    ck_assert_ptr_nonnull(hh);
    dq_system_t *sys = dq_system_new(hh->desc, NULL, 0, &err);
    ck_assert_ptr_nonnull(sys);
    const dq_integrator_entry_t *e = dq_registry_lookup(reg, name, &err);
    ck_assert_ptr_nonnull(e);
    int rc = dq_system_set_solver(sys, e, &err);
    if (rc == DQ_OK)
        rc = dq_system_prepare(sys, 0.0, 0.01, &err);
    if (rc == DQ_OK)
        rc = dq_system_step(sys, &err);
    ck_assert_int_eq(rc, DQ_EUSAGE);
    char want[160];
    snprintf(want, sizeof want, "%s needs a cable model", name);
    ck_assert_msg(strstr(err.message, want) != NULL, "message: %s", err.message);
    dq_system_free(sys);
}
END_TEST

/* Cells are lanes: a cell's states after a spike are the same bits alone (one cell in a
 * block of 8 lanes) and as every one of 13 cells (two blocks, five padding lanes). */
START_TEST(test_split_solvers_give_a_cell_the_same_bits_in_any_population)
{
    const char *name = split_solvers[_i];
    dq_error_t err = {0};
    dq_morph_t *m = morph_json(two_dendrites);
    dq_system_t *one = cells_system(m, 1, 25.0, 1.0, 2.0, 0.3, name, 0.025);
    dq_system_t *many = cells_system(m, 13, 25.0, 1.0, 2.0, 0.3, name, 0.025);
    ck_assert_msg(dq_system_run(one, 200, &err) == DQ_OK, "%s", err.message);
    ck_assert_msg(dq_system_run(many, 200, &err) == DQ_OK, "%s", err.message);
    ck_assert_uint_eq(dq_system_units(many), 13);
    const size_t states = dq_system_state_count(one);
    ck_assert_uint_eq(dq_system_state_count(many), states);
    ck_assert_double_gt(dq_system_value(one, (size_t)dq_system_state_index(one, "V"), 0), -40.0);
    for (size_t k = 0; k < states; ++k)
        for (size_t u = 0; u < 13; ++u)
            ck_assert_msg(dq_system_value(many, k, u) == dq_system_value(one, k, 0),
                          "%s: %s of cell %zu differs", name, dq_system_state_name(one, k), u);
    dq_system_free(one);
    dq_system_free(many);
    dq_morph_free(m);
}
END_TEST

/* ---- the solvers against a host of the test's own ----------------------------------------- */

/* A soma with NEURON's hh (gates m, h, n; celsius 6.3) and a passive tree hanging from it,
 * served by a minimal host: the solvers' arithmetic checked without the host library. Tree:
 * 0 soma, 1 a junction at its end, 2..9 one dendrite, 10 a junction, 11..15 and 16..20 two
 * branches. Lane u gets a current clamp of amp_u nA from t = 1 to 3 ms at the soma. */
#define TEST_PI 3.14159265358979323846

enum { MOCK_N = 21, MOCK_U = DQ_LANES, MOCK_COMPS = MOCK_N + 3 };

typedef struct mock {
    dq_host_api_t api;
    dq_cable_t cb;
    long parent[MOCK_N];
    double g[MOCK_N], g_sum[MOCK_N], cap[MOCK_N], area[MOCK_N];
    size_t gate_comp[3];
    double amp[MOCK_U];
    int fail_code;
    char message[256];
    unsigned long n_pre, n_post; /* lifecycle calls */
} mock_t;

/* Rest, four subthreshold clamps, three that make a spike (0.10 nA, at threshold near
 * t = 5 ms, is left out: its V there is no asymptotic test of anything). */
static const double mock_amp[MOCK_U] = {0.0, 0.02, 0.04, 0.06, 0.08, 0.12, 0.14, 0.2};

static mock_t *mock_of(dq_ctx_t *ctx)
{
    return (mock_t *)ctx->host_data;
}

static int mock_pre(dq_ctx_t *ctx)
{
    ++mock_of(ctx)->n_pre;
    return DQ_OK;
}

static int mock_post(dq_ctx_t *ctx)
{
    ++mock_of(ctx)->n_post;
    return DQ_OK;
}

static int mock_report(dq_ctx_t *ctx, int code, size_t index, const char *message)
{
    (void)index;
    mock_t *m = mock_of(ctx);
    m->fail_code = code;
    snprintf(m->message, sizeof m->message, "%s", message);
    return code;
}

static const dq_cable_t *mock_cable(dq_ctx_t *ctx)
{
    return &mock_of(ctx)->cb;
}

static double vtrap(double x, double y)
{
    return fabs(x / y) < 1e-6 ? y * (1.0 - x / y / 2.0) : x / (exp(x / y) - 1.0);
}

/* hh's rates at v: a[0..2] alpha of m, h, n; b[0..2] beta. */
static void hh_rates(double v, double *a, double *b)
{
    a[0] = 0.1 * vtrap(-(v + 40.0), 10.0);
    b[0] = 4.0 * exp(-(v + 65.0) / 18.0);
    a[1] = 0.07 * exp(-(v + 65.0) / 20.0);
    b[1] = 1.0 / (exp(-(v + 35.0) / 10.0) + 1.0);
    a[2] = 0.01 * vtrap(-(v + 55.0), 10.0);
    b[2] = 0.125 * exp(-(v + 65.0) / 80.0);
}

static int mock_membrane(dq_ctx_t *ctx, double t, const double *y, double *i, double *g)
{
    mock_t *m = mock_of(ctx);
    const size_t U = ctx->units;
    for (size_t c = 0; c < MOCK_N; ++c)
        for (size_t u = 0; u < U; ++u) {
            const double v = y[c * U + u], s = 1e-5 * m->area[c];
            double cur, cond;
            if (c == 0) {
                const double mm = y[MOCK_N * U + u], hh = y[(MOCK_N + 1) * U + u],
                             nn = y[(MOCK_N + 2) * U + u];
                const double gna = 120.0 * mm * mm * mm * hh, gk = 36.0 * nn * nn * nn * nn;
                cur = gna * (v - 50.0) + gk * (v + 77.0) + 0.3 * (v + 54.3);
                cond = gna + gk + 0.3;
            } else {
                cur = 0.1 * (v + 65.0);
                cond = 0.1;
            }
            i[c * U + u] = s * cur - (c == 0 && t >= 1.0 && t < 3.0 ? m->amp[u] : 0.0);
            if (g)
                g[c * U + u] = s * cond;
        }
    return DQ_OK;
}

static int mock_gates(dq_ctx_t *ctx, double t, const double *y, double *f, double *d)
{
    (void)t;
    const size_t U = ctx->units;
    for (size_t u = 0; u < U; ++u) {
        double a[3], b[3];
        hh_rates(y[u], a, b);
        for (size_t k = 0; k < 3; ++k) {
            const size_t j = (MOCK_N + k) * U + u;
            f[j] = a[k] * (1.0 - y[j]) - b[k] * y[j];
            if (d)
                d[j] = -(a[k] + b[k]);
        }
    }
    return DQ_OK;
}

static void mock_init(mock_t *m)
{
    memset(m, 0, sizeof *m);
    m->api = (dq_host_api_t){.abi = DQ_ABI_HEADER_INIT(dq_host_api_t),
                             .pre_integral = mock_pre,
                             .post_integral = mock_post,
                             .report = mock_report,
                             .cable = mock_cable,
                             .cable_membrane = mock_membrane,
                             .cable_gates = mock_gates};
    /* soma 20 x 20 µm; dendrites 1 µm thick in 25 µm segments; Ra 35.4, cm 1 */
    const double soma_area = TEST_PI * 20.0 * 20.0, seg_area = TEST_PI * 1.0 * 25.0;
    const double g_seg = 1.0 / (1e-2 * 35.4 * (4.0 / TEST_PI) * 25.0 / 1.0); /* µS */
    const double g_half_seg = 2.0 * g_seg,
                 g_soma_half = 1.0 / (1e-2 * 35.4 * (4.0 / TEST_PI) * 10.0 / 400.0);
    m->parent[0] = -1;
    for (size_t c = 1; c < MOCK_N; ++c)
        m->parent[c] = (long)c - 1;
    m->parent[11] = 10;
    m->parent[16] = 10;
    for (size_t c = 0; c < MOCK_N; ++c) {
        const int junction = c == 1 || c == 10;
        m->area[c] = c == 0 ? soma_area : junction ? 0.0 : seg_area;
        m->cap[c] = 1.0 * m->area[c] * 1e-5;
        /* a segment meets a junction across half its length, its neighbour across a whole */
        m->g[c] = c == 0                                                  ? 0.0
                  : c == 1                                                ? g_soma_half
                  : (junction || m->parent[c] == 1 || m->parent[c] == 10) ? g_half_seg
                                                                          : g_seg;
    }
    for (size_t c = 1; c < MOCK_N; ++c) {
        m->g_sum[c] += m->g[c];
        m->g_sum[m->parent[c]] += m->g[c];
    }
    for (size_t k = 0; k < 3; ++k)
        m->gate_comp[k] = 0;
    m->cb = (dq_cable_t){.abi = DQ_ABI_HEADER_INIT(dq_cable_t),
                         .n = MOCK_N,
                         .parent = m->parent,
                         .g = m->g,
                         .g_sum = m->g_sum,
                         .cap = m->cap,
                         .area = m->area,
                         .n_gates = 3,
                         .gate_comp = m->gate_comp,
                         .root = 0};
    for (size_t u = 0; u < MOCK_U; ++u)
        m->amp[u] = mock_amp[u];
}

/* Samples every 0.1 ms of 5 ms. */
#define MOCK_SAMPLES 50

/* Lane u's soma V (out[(2 s) MOCK_U + u]) and gate m (out[(2 s + 1) MOCK_U + u]) at the
 * samples s = 0.1 (s + 1) ms of a run of `solver` at dt on the mock host; the gates start at
 * rest, or with n = 0.6 instead of its 0.318 when off_rest. Every step must call
 * pre_integral and post_integral once. */
static void mock_run(const char *solver, double dt, int off_rest, double *out)
{
    static mock_t m;
    mock_init(&m);
    dq_error_t err = {0};
    const dq_integrator_entry_t *e = dq_registry_lookup(reg, solver, &err);
    ck_assert_msg(e != NULL, "%s", err.message);
    const size_t len = MOCK_COMPS * MOCK_U, sl = e->scratch_size(MOCK_COMPS, MOCK_U);
    double *y = calloc(len, sizeof *y), *f = calloc(len, sizeof *f);
    double *scratch = calloc(sl, sizeof *scratch);
    ck_assert(y && f && scratch);
    double a[3], b[3];
    hh_rates(-65.0, a, b);
    for (size_t u = 0; u < MOCK_U; ++u) {
        for (size_t c = 0; c < MOCK_N; ++c)
            y[c * MOCK_U + u] = -65.0;
        for (size_t k = 0; k < 3; ++k)
            y[(MOCK_N + k) * MOCK_U + u] = off_rest && k == 2 ? 0.6 : a[k] / (a[k] + b[k]);
    }
    dq_ctx_t ctx = {.abi = DQ_ABI_HEADER_INIT(dq_ctx_t),
                    .host = &m.api,
                    .host_data = &m,
                    .dt = dt,
                    .len = len,
                    .comps = MOCK_COMPS,
                    .units = MOCK_U,
                    .live = MOCK_U,
                    .population = MOCK_U,
                    .y = y,
                    .f = f,
                    .scratch = scratch,
                    .scratch_len = sl};
    if (e->init)
        ck_assert_int_eq(e->init(&ctx), DQ_OK);
    const uint64_t per = (uint64_t)llround(0.1 / dt);
    for (uint64_t k = 0; k < per * MOCK_SAMPLES; ++k) {
        ctx.t = (double)k * dt;
        ctx.step = k;
        ck_assert_msg(e->step(&ctx) == DQ_OK, "%s: %s", solver, m.message);
        /* the step contract: pre_integral and post_integral once per step */
        ck_assert_uint_eq(m.n_pre, k + 1);
        ck_assert_uint_eq(m.n_post, k + 1);
        if ((k + 1) % per == 0)
            for (size_t u = 0, smp = (k + 1) / per - 1; u < MOCK_U; ++u) {
                out[2 * smp * MOCK_U + u] = y[u];
                out[(2 * smp + 1) * MOCK_U + u] = y[MOCK_N * MOCK_U + u];
            }
    }
    free(y), free(f), free(scratch);
}

/* On the mock host, per lane (from rest to a spike at 0.2 nA), each solver converges at
 * its declared order: the largest error over 0.1 .. 5 ms of the soma V and of the gate m
 * at dt = 0.1 .. 0.0125 against dt = 0.0125/16, least-squares slopes.
 *  - Gates starting at rest: below threshold the smaller of V's and m's slope is within
 *    0.3 of the order; through a spike V's is at least the order less 0.3 (m, bounded by
 *    1, saturates at the coarse steps of first-order methods). exp_exp_euler's V converges
 *    at second order here: a Lie splitting of two exact flows (V linear with the gates
 *    held, HH gates linear with V held) is conjugate to Strang's, its first-order offset
 *    h/2 F_gates sits in the gates, and F_gates = 0 at rest.
 *  - Gates starting away from rest (n = 0.6): that offset reaches V, and V's slope alone is
 *    within 0.3 of the declared order for every solver and lane. */
START_TEST(test_split_solvers_orders_on_own_host)
{
    const char *name = split_solvers[_i];
    dq_error_t err = {0};
    const dq_integrator_entry_t *e = dq_registry_lookup(reg, name, &err);
    ck_assert_ptr_nonnull(e);
    enum { L = 2 * MOCK_SAMPLES * MOCK_U };
    double *ref = malloc(5 * L * sizeof *ref), *v = ref + L;
    ck_assert_ptr_nonnull(ref);
    for (int off_rest = 0; off_rest < 2; ++off_rest) {
        mock_run(name, 0.0125 / 16.0, off_rest, ref);
        for (int k = 0; k < 4; ++k)
            mock_run(name, 0.1 / (double)(1 << k), off_rest, v + k * L);
        for (size_t u = 1; u < MOCK_U; ++u) {
            double ev[4] = {0}, em[4] = {0};
            for (int k = 0; k < 4; ++k)
                for (size_t smp = 0; smp < MOCK_SAMPLES; ++smp) {
                    const size_t iv = 2 * smp * MOCK_U + u, im = iv + MOCK_U;
                    ev[k] = fmax(ev[k], fabs(v[k * L + iv] - ref[iv]));
                    em[k] = fmax(em[k], fabs(v[k * L + im] - ref[im]));
                }
            const double pv = order_slope(ev), pm = order_slope(em), p = fmin(pv, pm);
            if (getenv("DQ_TEST_VERBOSE"))
                fprintf(stderr,
                        "own host %-18s %s amp %.2f: V errors %.3g .. %.3g order %.2f, m order "
                        "%.2f\n",
                        name, off_rest ? "off rest" : "at rest ", mock_amp[u], ev[0], ev[3], pv,
                        pm);
            if (off_rest)
                ck_assert_msg(fabs(pv - e->order) <= 0.3,
                              "%s lane %zu off rest: V converges at order %.2f, declared %d", name,
                              u, pv, e->order);
            else if (mock_amp[u] < 0.1)
                ck_assert_msg(fabs(p - e->order) <= 0.3,
                              "%s lane %zu: measured orders %.2f (V) %.2f (m), declared %d", name,
                              u, pv, pm, e->order);
            else
                ck_assert_msg(pv >= e->order - 0.3, "%s lane %zu: V converges at order %.2f only",
                              name, u, pv);
        }
    }
    free(ref);
}
END_TEST

/* exp_euler on a cable model stops with DQ_EUSAGE naming the structured solvers. */
START_TEST(test_exp_euler_on_a_cable_names_the_cable_solvers)
{
    dq_error_t err = {0};
    dq_morph_t *m = morph_json(two_dendrites);
    dq_cable_opts_t o;
    dq_cable_opts_init(&o);
    dq_system_t *sys = dq_system_new_cable(cell_model(), NULL, 0, m, &o, &err);
    ck_assert_msg(sys != NULL, "%s", err.message);
    const dq_integrator_entry_t *e = dq_registry_lookup(reg, "exp_euler", &err);
    ck_assert_ptr_nonnull(e);
    int rc = dq_system_set_solver(sys, e, &err);
    if (rc == DQ_OK)
        rc = dq_system_prepare(sys, 0.0, 0.025, &err);
    if (rc == DQ_OK)
        rc = dq_system_step(sys, &err);
    ck_assert_int_eq(rc, DQ_EUSAGE);
    ck_assert_msg(strstr(err.message, "exp_exp_euler") && strstr(err.message, "cn_exp_euler"),
                  "message: %s", err.message);
    dq_system_free(sys);
    dq_morph_free(m);
}
END_TEST

Suite *cable_solvers_b_suite(void)
{
    Suite *s = suite_create("cable_solvers_b");
    TCase *tc = tcase_create("expm");
    tcase_add_test(tc, test_cram16_scalar_accuracy);
    tcase_add_test(tc, test_complex_hines_matches_dense);
    tcase_add_test(tc, test_cable_expm_matches_dense_eliminated);
    suite_add_tcase(s, tc);
    tc = tcase_create("solvers");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_split_solvers_converge_at_declared_order, 0, (int)N_SPLIT);
    tcase_add_loop_test(tc, test_split_solvers_passive_steady_state_is_cosh, 0, (int)N_SPLIT);
    tcase_add_loop_test(tc, test_split_solvers_refuse_point_models, 0, (int)N_SPLIT);
    tcase_add_test(tc, test_exp_euler_on_a_cable_names_the_cable_solvers);
    tcase_add_loop_test(tc, test_split_solvers_give_a_cell_the_same_bits_in_any_population, 0,
                        (int)N_SPLIT);
    tcase_add_loop_test(tc, test_split_solvers_orders_on_own_host, 0, (int)N_SPLIT);
    suite_add_tcase(s, tc);
    return s;
}
