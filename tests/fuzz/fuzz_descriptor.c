/* SPDX-License-Identifier: MIT */
/* fuzz_descriptor.c -- libFuzzer target for the descriptor validator behind
 * dq_registry_register and dq_registry_register_model (core/registry/validate.c).
 *
 * The input is read as a little program that builds integrator and model descriptors in
 * memory: every field, count, flag and string comes from the bytes. Tables are allocated
 * one by one at their exact size (so ASan sees a read past any end), counts always match
 * the tables they describe except where the table is NULL (a lie the validator must catch),
 * and lists carry their NULL end (a missing end cannot be detected in memory and is not
 * fuzzed). Up to 8 descriptors go into one registry that already holds an integrator with
 * an alias and a model, so clashes and overrides are reached; then every registered entry
 * is read back as the CLI would list it, and lookups and suggestions run on fuzzed names. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dq/host/registry.h>
#include <dq/integrator.h>
#include <dq/model.h>
#include <dq/plugin.h>

/* -- the input, read front to back; past its end every read gives 0 --------------------- */

typedef struct rd {
    const uint8_t *p;
    size_t n;
} rd_t;

static uint8_t rd_u8(rd_t *r)
{
    if (!r->n)
        return 0;
    r->n--;
    return *r->p++;
}

static uint32_t rd_u32(rd_t *r)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i)
        v = v << 8 | rd_u8(r);
    return v;
}

/* -- everything allocated for one input, freed after the registry ---------------------- */

#define POOL_MAX 4096

typedef struct pool {
    void *block[POOL_MAX];
    size_t n;
} pool_t;

static void *pool_alloc(pool_t *pl, size_t size)
{
    if (pl->n == POOL_MAX)
        return NULL;
    void *p = calloc(1, size ? size : 1);
    if (!p)
        abort();
    pl->block[pl->n++] = p;
    return p;
}

static void pool_free(pool_t *pl)
{
    while (pl->n)
        free(pl->block[--pl->n]);
}

/* -- values ---------------------------------------------------------------------------- */

/* Names that reach the interesting paths: valid ones that clash with each other and with
 * the seeded entries, categories, near misses for suggestions, and invalid characters. */
static const char *const dict[] = {
    "euler",      "fe",        "rk4",      "base",        "x",           "y",           "V",
    "m",          "h",         "n",        "gates",       "root",        "a.b",         "a-b",
    "a b",        "explicit",  "implicit", "exponential", "stochastic",  "adaptive",    "cable",
    "other",      "explicitt", "Explicit", "tol",         "newton_tol",  "ms",          "mV",
    "population", "\t",        "\xff\xfe", "caf\xc3\xa9", "\x1b[31mred", "line\nbreak", "_",
    "0",          "-",         ".",
};
#define N_DICT (sizeof dict / sizeof dict[0])

/* A string: NULL, a dictionary word, or up to 63 raw bytes of the input. */
static const char *rd_str(rd_t *r, pool_t *pl)
{
    uint8_t sel = rd_u8(r);
    if (sel == 0)
        return NULL;
    if (sel < 0x80)
        return dict[(sel - 1) % N_DICT];
    size_t len = sel & 0x3f;
    char *s = pool_alloc(pl, len + 1);
    if (!s)
        return NULL;
    for (size_t i = 0; i < len; ++i)
        s[i] = (char)rd_u8(r);
    return s;
}

static double rd_double(rd_t *r)
{
    static const double special[] = {0.0, -0.0, 1.0, -1.0, 0.5, 2.0, 1e-300, 1e300, 3.0, 100.0};
    uint8_t sel = rd_u8(r);
    switch (sel & 3) {
    case 0:
        return special[(sel >> 2) % (sizeof special / sizeof special[0])];
    case 1:
        return (double)(int8_t)rd_u8(r);
    case 2:
        return (double)rd_u8(r) / 4.0;
    default: {
        uint64_t bits = (uint64_t)rd_u32(r) << 32 | rd_u32(r);
        double d;
        memcpy(&d, &bits, sizeof d); /* NaN and infinities included */
        return d;
    }
    }
}

/* An ABI header: mostly this host's, sometimes another major, minor or size. */
static dq_abi_header_t rd_header(rd_t *r, uint32_t size)
{
    dq_abi_header_t h = {size, DQ_ABI_MAJOR, DQ_ABI_MINOR};
    uint8_t sel = rd_u8(r);
    if (sel >= 0xf0) {
        switch (sel & 3) {
        case 0:
            h.struct_size = (uint32_t)(rd_u8(r) % size); /* too small for ABI 2.0 */
            break;
        case 1:
            h.abi_major = (uint16_t)rd_u8(r);
            break;
        case 2:
            h.abi_minor = (uint16_t)rd_u8(r);
            break;
        default:
            /* Larger, as from a newer build of this minor: only sizeof is ever read. */
            h.struct_size = size + rd_u8(r);
            break;
        }
    }
    return h;
}

/* -- callbacks: never called by the registry, only checked for NULL -------------------- */

static int dummy_step(dq_ctx_t *ctx)
{
    (void)ctx;
    return 0;
}

static int dummy_module(const dq_view_t *v)
{
    (void)v;
    return 0;
}

static dq_module_fn rd_module_fn(rd_t *r)
{
    return rd_u8(r) & 1 ? dummy_module : NULL;
}

/* A NULL-terminated list of up to 7 strings, or NULL. */
static const char *const *rd_list(rd_t *r, pool_t *pl)
{
    uint8_t sel = rd_u8(r);
    if (!(sel & 8))
        return NULL;
    size_t n = sel & 7;
    const char **l = pool_alloc(pl, (n + 1) * sizeof *l);
    if (!l)
        return NULL;
    for (size_t i = 0; i < n; ++i)
        l[i] = rd_str(r, pl);
    /* A NULL read above ends the list early: the rest stays reachable only as garbage to
     * ASan, never to the validator, which stops at the first NULL. */
    return l;
}

/* -- descriptors ---------------------------------------------------------------------- */

static const dq_integrator_desc_t *rd_integrator(rd_t *r, pool_t *pl)
{
    dq_integrator_desc_t *d = pool_alloc(pl, sizeof *d);
    if (!d)
        return NULL;
    d->abi = rd_header(r, sizeof *d);
    d->name = rd_str(r, pl);
    d->aliases = rd_list(r, pl);
    d->category = rd_str(r, pl);
    d->order = (int8_t)rd_u8(r);
    d->description = rd_str(r, pl);
    d->flags = rd_u8(r) & 0x80 ? rd_u32(r) : rd_u8(r) & 3;
    d->step = rd_u8(r) % 8 ? dummy_step : NULL;
    d->scratch_vectors = rd_u8(r);
    d->state_vectors = rd_u8(r);
    d->init = rd_u8(r) & 1 ? dummy_step : NULL;
    d->reset = rd_u8(r) & 1 ? dummy_step : NULL;
    uint8_t sel = rd_u8(r);
    if (sel & 0x80) {
        size_t n = sel & 0x3f; /* beyond DQ__OPTIONS_MAX (32) too */
        dq_option_desc_t *o = pool_alloc(pl, (n + 1) * sizeof *o);
        for (size_t i = 0; o && i < n; ++i) {
            o[i].name = rd_str(r, pl);
            o[i].def = rd_double(r);
            o[i].doc = rd_str(r, pl);
            o[i].min = rd_double(r);
            o[i].max = rd_double(r);
            o[i].flags = rd_u8(r);
        }
        d->options = o;
    }
    return d;
}

static const dq_module_desc_t *rd_module(rd_t *r, pool_t *pl)
{
    dq_module_desc_t *md = pool_alloc(pl, sizeof *md);
    if (!md)
        return NULL;
    md->abi = rd_header(r, sizeof *md);
    md->name = rd_str(r, pl);
    md->parent = (int)rd_u8(r) - 2;
    uint8_t sel = rd_u8(r);
    size_t n = sel & 7;
    if (sel & 0x80) {
        md->n_states = sel & 0x40 ? rd_u32(r) : n; /* a count with no table */
    } else {
        dq_state_desc_t *s = pool_alloc(pl, (n ? n : 1) * sizeof *s);
        for (size_t k = 0; s && k < n; ++k) {
            s[k].name = rd_str(r, pl);
            s[k].unit = rd_str(r, pl);
            s[k].doc = rd_str(r, pl);
            s[k].flags = rd_u8(r);
        }
        md->states = s;
        md->n_states = s ? n : 0;
    }
    md->reads = rd_list(r, pl);
    md->solver = rd_str(r, pl);
    md->substeps = rd_u8(r);
    md->flags = rd_u8(r);
    md->init_state = rd_module_fn(r);
    md->pre_integral = rd_module_fn(r);
    md->compute_derivative = rd_u8(r) % 8 ? dummy_module : NULL;
    md->post_integral = rd_module_fn(r);
    md->jacobian = rd_module_fn(r);
    md->jacobian_diag = rd_module_fn(r);
    md->compute_derivative_diag = rd_module_fn(r);
    return md;
}

static const dq_model_desc_t *rd_model(rd_t *r, pool_t *pl)
{
    dq_model_desc_t *m = pool_alloc(pl, sizeof *m);
    if (!m)
        return NULL;
    m->abi = rd_header(r, sizeof *m);
    m->name = rd_str(r, pl);
    m->description = rd_str(r, pl);
    uint8_t sel = rd_u8(r);
    size_t n = sel & 15;
    if (sel & 0x80) {
        m->n_params = sel & 0x40 ? rd_u32(r) : n; /* a count with no table */
    } else {
        dq_param_desc_t *p = pool_alloc(pl, (n ? n : 1) * sizeof *p);
        for (size_t i = 0; p && i < n; ++i) {
            p[i].name = rd_str(r, pl);
            p[i].def = rd_double(r);
            p[i].unit = rd_str(r, pl);
            p[i].doc = rd_str(r, pl);
            p[i].flags = rd_u8(r);
            p[i].offset = rd_u8(r) & 0x80 ? rd_u32(r) : rd_u8(r);
        }
        m->params = p;
        m->n_params = p ? n : 0;
    }
    sel = rd_u8(r);
    if (sel & 0x80) {
        size_t nm = sel & 7;
        const dq_module_desc_t **mods = pool_alloc(pl, (nm + 1) * sizeof *mods);
        for (size_t i = 0; mods && i < nm; ++i)
            mods[i] = rd_module(r, pl);
        /* A module that could not be allocated ends the list there. */
        m->modules = mods;
    }
    m->data_size = rd_u8(r) & 0x80 ? rd_u32(r) : rd_u8(r);
    m->time_unit = rd_str(r, pl);
    return m;
}

/* -- the seeded registry and the read-back --------------------------------------------- */

DQ_INTEGRATOR(seed_solver, .name = "euler", .aliases = DQ_ALIASES("fe"),
              .category = DQ_CATEGORY_EXPLICIT, .order = 1, .description = "seed",
              .step = dummy_step);
static const dq_state_desc_t seed_states[] = {{.name = "x"}};
DQ_MODULE(seed_root, .parent = -1, .states = seed_states, .n_states = 1,
          .compute_derivative = dummy_module);
static const dq_param_desc_t seed_params[] = {
    {.name = "n", .def = 1, .flags = DQ_PARAM_POPULATION | DQ_PARAM_INTEGER}};
DQ_MODEL(seed_model, .name = "base", .params = seed_params, .n_params = 1,
         .modules = DQ_LIST(dq_module_desc_t, &seed_root));

static void quiet(void *user, const char *source, const char *message)
{
    (void)user;
    (void)source;
    (void)message;
}

/* Reads every byte the CLI's listings would read; a dangling pointer shows here. */
static size_t read_back(const dq_registry_t *reg)
{
    size_t sum = 0;
    for (size_t i = 0; i < dq_registry_count(reg); ++i) {
        const dq_integrator_entry_t *e = dq_registry_at(reg, i);
        sum += strlen(e->name) + strlen(e->category) + strlen(e->description) + strlen(e->origin);
        for (size_t a = 0; e->aliases[a]; ++a)
            sum += strlen(e->aliases[a]);
        for (size_t k = 0; k < e->n_options; ++k)
            sum += strlen(e->options[k].name) + (e->options[k].doc ? strlen(e->options[k].doc) : 0);
    }
    for (size_t i = 0; i < dq_registry_model_count(reg); ++i) {
        const dq_model_entry_t *e = dq_registry_model_at(reg, i);
        const dq_model_desc_t *m = e->desc;
        sum += strlen(m->name) + strlen(e->origin);
        if (m->description)
            sum += strlen(m->description);
        for (size_t k = 0; k < m->n_params; ++k)
            sum += strlen(m->params[k].name);
        for (size_t j = 0; j < e->n_modules; ++j) {
            const dq_module_desc_t *md = &e->modules[j];
            if (md->name)
                sum += strlen(md->name);
            for (size_t k = 0; k < md->n_states; ++k)
                sum += strlen(md->states[k].name);
            for (size_t k = 0; md->reads && md->reads[k]; ++k)
                sum += strlen(md->reads[k]);
        }
    }
    return sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static pool_t pool;
    /* DQ_FUZZ_VERBOSE=1 prints each verdict (to read what a seed or a crash input builds). */
    static int verbose = -1;
    if (verbose < 0)
        verbose = getenv("DQ_FUZZ_VERBOSE") != NULL;
    rd_t r = {data, size};
    dq_registry_t *reg = dq_registry_new();
    if (!reg)
        abort();
    dq_registry_set_warning_handler(reg, quiet, NULL);
    dq_error_t err = {0};
    if (dq_registry_register(reg, &seed_solver, NULL, &err) ||
        dq_registry_register_model(reg, &seed_model, NULL, &err))
        abort();

    for (int i = 0; i < 8 && r.n; ++i) {
        uint8_t sel = rd_u8(&r);
        const char *origin = sel & 2 ? rd_str(&r, &pool) : NULL;
        dq_error_t e = {0};
        int rc;
        if (sel & 1)
            rc = dq_registry_register_model(reg, rd_model(&r, &pool), origin, &e);
        else
            rc = dq_registry_register(reg, rd_integrator(&r, &pool), origin, &e);
        if (verbose)
            fprintf(stderr, "%s %d: %s\n", sel & 1 ? "model" : "integrator", rc, e.message);
        /* A refusal is an error record with a message; an acceptance leaves none. */
        if ((rc != 0) != (e.code != 0) || (rc && !e.message[0]))
            abort();
    }
    size_t sum = read_back(reg);
    const char *name = rd_str(&r, &pool);
    if (!name)
        name = "";
    const char *out[8];
    sum += dq_registry_names(reg, 1, out, 8);
    sum += dq_registry_suggest(reg, name, out, 8);
    sum += dq_registry_lookup(reg, name, &err) != NULL;
    sum += dq_registry_lookup_model(reg, name, &err) != NULL;
    sum += dq_registry_resolve(reg, name) != NULL;
    if (rd_u8(&r) & 1)
        sum += dq_registry_unregister(reg, name, &err) == 0;
    sum += read_back(reg);
    dq_registry_free(reg);
    pool_free(&pool);
    return sum == (size_t)-1; /* keeps the reads */
}
