/* SPDX-License-Identifier: MIT */
/* check_loader.c -- the plugin loader: stages, records and exact messages for every good and
 * bad fixture in tests/fixtures, directory scans, and registration through the registry. */
#define _GNU_SOURCE /* realpath, mkdtemp, symlink; RTLD_NOLOAD */

#include <dirent.h>
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Before <check.h>: Check defines a macro named fail(), which would rewrite the host
 * table's `fail` member used by dq/context.h's inline dq_fail(). */
#include <dq/host/loader.h>
#include <dq/host/registry.h>
#include <dq/plugin.h>
#include <dq/version.h>

#include <check.h>

#include "internal.h"

/* -- helpers ------------------------------------------------------------------------- */

typedef struct env {
    dq_registry_t *reg;
    dq_loader_t *loader;
} env_t;

static env_t env_open(void)
{
    env_t e;
    e.reg = dq_registry_new();
    ck_assert_ptr_nonnull(e.reg);
    dq_error_t err;
    dq_error_clear(&err);
    e.loader = dq_loader_new(e.reg, &err);
    ck_assert_ptr_nonnull(e.loader);
    ck_assert_int_eq(err.code, DQ_OK);
    return e;
}

/* The loader first: the registry's entries keep their plugins loaded on their own. */
static void env_close(env_t *e)
{
    dq_loader_free(e->loader);
    dq_registry_free(e->reg);
}

/* Path of a file in a directory, in a rotating static buffer (a few live at once). */
static const char *path_in(const char *dir, const char *name)
{
    static char bufs[8][PATH_MAX];
    static int next;
    char *p = bufs[next++ % 8];
    int n = snprintf(p, PATH_MAX, "%s/%s", dir, name);
    ck_assert(n > 0 && n < PATH_MAX);
    return p;
}

static const char *fixture(const char *name)
{
    return path_in(DQ_TEST_FIXTURE_DIR, name);
}
static const char *builtin(const char *name)
{
    return path_in(DQ_TEST_PLUGIN_DIR, name);
}

/* The real path the loader records for an existing file. */
static const char *real(const char *path)
{
    static char bufs[8][PATH_MAX];
    static int next;
    char *p = bufs[next++ % 8];
    ck_assert_msg(realpath(path, p) != NULL, "fixture '%s' is missing (build dq_fixtures)", path);
    return p;
}

/* Loads one file, checks it produced one new record whose error matches err, and returns
 * that record. */
static const dq_load_record_t *load(env_t *e, const char *path, int want_code)
{
    size_t before = dq_loader_record_count(e->loader);
    dq_error_t err;
    dq_error_clear(&err);
    int rc = dq_loader_load_file(e->loader, path, &err);
    ck_assert_uint_eq(dq_loader_record_count(e->loader), before + 1);
    const dq_load_record_t *rec = dq_loader_record_at(e->loader, before);
    ck_assert_ptr_nonnull(rec);
    ck_assert_msg(rc == want_code, "'%s': got %s (%s), want %s", path, dq_err_name(rc),
                  rec->message, dq_err_name(want_code));
    ck_assert_int_eq(rec->code, rc);
    ck_assert_int_eq(err.code, rc);
    if (rc != DQ_OK) {
        /* "err receives the same message", with the file as its source. */
        ck_assert_str_eq(err.message, rec->message);
        ck_assert_str_eq(err.source, rec->path);
        ck_assert_int_eq(err.place, DQ_PLACE_PLUGIN);
    }
    return rec;
}

/* Asserts a failed record in full: stage, message, and nothing registered from it. */
static void assert_failed(const dq_load_record_t *rec, const char *path, dq_load_stage_t stage,
                          const char *message)
{
    ck_assert_str_eq(rec->path, path);
    ck_assert_msg(rec->stage == stage, "stage %s, want %s", dq_load_stage_name(rec->stage),
                  dq_load_stage_name(stage));
    if (message)
        ck_assert_str_eq(rec->message, message);
    ck_assert_uint_eq(rec->n_integrators, 0);
    ck_assert_uint_eq(rec->n_models, 0);
}

/* Loads a fixture that must fail before anything reaches the registry. */
static void check_refused(const char *name, int code, dq_load_stage_t stage, const char *fmt)
{
    env_t e = env_open();
    const char *p = real(fixture(name));
    char want[DQ_ERROR_MESSAGE_MAX];
    snprintf(want, sizeof want, fmt, p);
    const dq_load_record_t *rec = load(&e, fixture(name), code);
    assert_failed(rec, p, stage, want);
    ck_assert_uint_eq(dq_registry_count(e.reg), 0);
    ck_assert_uint_eq(dq_registry_model_count(e.reg), 0);
    ck_assert_uint_eq(dq_loader_failure_count(e.loader), 1);
    env_close(&e);
}

/* Asserts that a linker failure names the file once and carries the linker's reason. */
static void check_linker_message(const dq_load_record_t *rec, const char *path, const char *reason)
{
    char prefix[PATH_MAX + 64];
    snprintf(prefix, sizeof prefix, "cannot open plugin '%s': ", path);
    ck_assert_msg(strncmp(rec->message, prefix, strlen(prefix)) == 0, "message: %s", rec->message);
    ck_assert_msg(strstr(rec->message, reason) != NULL, "message lacks '%s': %s", reason,
                  rec->message);
    ck_assert_msg(strstr(rec->message, "file not found") == NULL,
                  "libltdl's placeholder leaked: %s", rec->message);
}

/* Warnings the registry forwards to the handler installed before loading. */
static char captured[4096];
static int n_captured;

static void capture_warning(void *user, const char *source, const char *message)
{
    (void)user;
    (void)source;
    size_t used = strlen(captured);
    snprintf(captured + used, sizeof captured - used, "%s\n", message);
    ++n_captured;
}

/* A scratch directory of symlinks to fixtures; removed by tmp_remove. */
static void tmp_make(char *dir)
{
    snprintf(dir, PATH_MAX, "/tmp/dq_check_loader.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void tmp_link(const char *dir, const char *name, const char *target)
{
    ck_assert_int_eq(symlink(target, path_in(dir, name)), 0);
}

static void tmp_remove(const char *dir)
{
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    struct dirent *ent;
    while ((ent = readdir(d)) != NULL) {
        if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0)
            continue;
        const char *p = path_in(dir, ent->d_name);
        if (unlink(p) != 0)
            rmdir(p);
    }
    closedir(d);
    rmdir(dir);
}

/* -- the plugin directory ------------------------------------------------------------ */

START_TEST(test_loader_registers_builtin_euler_with_alias_and_model_decay)
{
    env_t e = env_open();
    dq_error_t err;
    dq_error_clear(&err);
    ck_assert_int_eq(dq_loader_load_dir(e.loader, DQ_TEST_PLUGIN_DIR, &err), DQ_OK);
    ck_assert_int_eq(err.code, DQ_OK);
    ck_assert_uint_eq(dq_loader_failure_count(e.loader), 0);

    const dq_integrator_entry_t *euler = dq_registry_lookup(e.reg, "euler", NULL);
    ck_assert_ptr_nonnull(euler);
    ck_assert_str_eq(euler->origin, real(builtin("euler.so")));
    ck_assert_pstr_eq(dq_registry_resolve(e.reg, "explicit"), "euler");
    ck_assert_int_eq(euler->order, 1);
    const dq_model_entry_t *decay = dq_registry_lookup_model(e.reg, "decay", NULL);
    ck_assert_ptr_nonnull(decay);
    ck_assert_str_eq(decay->origin, real(builtin("decay.so")));

    int saw_euler = 0, saw_decay = 0;
    for (size_t i = 0; i < dq_loader_record_count(e.loader); ++i) {
        const dq_load_record_t *rec = dq_loader_record_at(e.loader, i);
        ck_assert_int_eq(rec->stage, DQ_STAGE_REGISTERED);
        ck_assert_str_eq(rec->message, "");
        if (strcmp(rec->path, real(builtin("euler.so"))) == 0) {
            saw_euler = 1;
            ck_assert_uint_eq(rec->n_integrators, 1);
            ck_assert_uint_eq(rec->n_models, 0);
        }
        if (strcmp(rec->path, real(builtin("decay.so"))) == 0) {
            saw_decay = 1;
            ck_assert_uint_eq(rec->n_integrators, 0);
            ck_assert_uint_eq(rec->n_models, 1);
        }
    }
    ck_assert(saw_euler && saw_decay);
    ck_assert_ptr_null(dq_loader_record_at(e.loader, dq_loader_record_count(e.loader)));
    env_close(&e);
}
END_TEST

/* -- files the dynamic linker refuses ------------------------------------------------ */

START_TEST(test_loader_reports_text_file_with_linker_message)
{
    env_t e = env_open();
    const char *p = real(fixture("not_elf.so"));
    const dq_load_record_t *rec = load(&e, fixture("not_elf.so"), DQ_ELOAD);
    assert_failed(rec, p, DQ_STAGE_FOUND, NULL);
    check_linker_message(rec, p, "invalid ELF header");
    env_close(&e);
}
END_TEST

START_TEST(test_loader_reports_missing_file_with_system_message)
{
    env_t e = env_open();
    const char *p = fixture("does_not_exist.so");
    char want[DQ_ERROR_MESSAGE_MAX];
    snprintf(want, sizeof want, "cannot open plugin '%s': No such file or directory", p);
    const dq_load_record_t *rec = load(&e, p, DQ_ELOAD);
    assert_failed(rec, p, DQ_STAGE_FOUND, want);
    env_close(&e);
}
END_TEST

START_TEST(test_loader_reports_undefined_symbol_with_linker_message)
{
    env_t e = env_open();
    const char *p = real(fixture("undefined_symbol.so"));
    const dq_load_record_t *rec = load(&e, fixture("undefined_symbol.so"), DQ_ELOAD);
    assert_failed(rec, p, DQ_STAGE_FOUND, NULL);
    check_linker_message(rec, p, "undefined symbol: dq_fixture_missing_symbol");
    ck_assert(!dq_registry_contains(e.reg, "fixture_undefined_symbol"));
    env_close(&e);
}
END_TEST

/* -- the entry symbol ---------------------------------------------------------------- */

START_TEST(test_loader_reports_plugin_without_entry_symbol)
{
    check_refused("no_entry.so", DQ_ENOENTRY, DQ_STAGE_OPENED,
                  "plugin '%s' does not export dq_plugin_entry");
}
END_TEST

START_TEST(test_loader_reports_entry_returning_null)
{
    check_refused("entry_null.so", DQ_ENOENTRY, DQ_STAGE_OPENED,
                  "plugin '%s': dq_plugin_entry returned NULL");
}
END_TEST

/* -- ABI ----------------------------------------------------------------------------- */

START_TEST(test_loader_refuses_other_abi_major_naming_both_versions)
{
    char fmt[512];
    snprintf(fmt, sizeof fmt,
             "'%%s': integrator descriptor 'fixture_abi_major' was built for plugin ABI %d.0, "
             "this host is %d.%d (another major version; rebuild the plugin against this SDK)",
             DQ_ABI_MAJOR + 1, DQ_ABI_MAJOR, DQ_ABI_MINOR);
    check_refused("abi_major.so", DQ_EABI, DQ_STAGE_ENTRY, fmt);
}
END_TEST

START_TEST(test_loader_refuses_newer_abi_minor_naming_both_versions)
{
    char fmt[512];
    snprintf(fmt, sizeof fmt,
             "'%%s': integrator descriptor 'fixture_abi_minor_newer' was built for plugin ABI "
             "%d.%d, this host is %d.%d (a newer minor version; upgrade dqhost)",
             DQ_ABI_MAJOR, DQ_ABI_MINOR + 1, DQ_ABI_MAJOR, DQ_ABI_MINOR);
    check_refused("abi_minor_newer.so", DQ_EABI, DQ_STAGE_ENTRY, fmt);
}
END_TEST

START_TEST(test_loader_refuses_info_block_smaller_than_abi_minimum)
{
    char fmt[512];
    snprintf(fmt, sizeof fmt,
             "'%%s': plugin info block has struct_size %zu, smaller than the %zu bytes every "
             "ABI %d.x descriptor has",
             sizeof(dq_abi_header_t), offsetof(dq_plugin_info_t, models) + sizeof(void *),
             DQ_ABI_MAJOR);
    check_refused("small_info.so", DQ_EABI, DQ_STAGE_ENTRY, fmt);
}
END_TEST

START_TEST(test_loader_refuses_descriptor_smaller_than_abi_minimum)
{
    char fmt[512];
    snprintf(fmt, sizeof fmt,
             "'%%s': integrator descriptor 'fixture_small_desc' has struct_size %zu, smaller "
             "than the %zu bytes every ABI %d.x descriptor has",
             offsetof(dq_integrator_desc_t, name) + sizeof(const char *),
             offsetof(dq_integrator_desc_t, options) + sizeof(void *), DQ_ABI_MAJOR);
    check_refused("small_desc.so", DQ_EABI, DQ_STAGE_ENTRY, fmt);
}
END_TEST

START_TEST(test_loader_refuses_module_descriptor_of_other_abi_major)
{
    char fmt[512];
    snprintf(fmt, sizeof fmt,
             "'%%s': module descriptor was built for plugin ABI %d.0, this host is %d.%d "
             "(another major version; rebuild the plugin against this SDK)",
             DQ_ABI_MAJOR + 1, DQ_ABI_MAJOR, DQ_ABI_MINOR);
    check_refused("module_abi.so", DQ_EABI, DQ_STAGE_ENTRY, fmt);
}
END_TEST

START_TEST(test_loader_loads_descriptor_built_for_older_abi_minor)
{
    env_t e = env_open();
    const dq_load_record_t *rec = load(&e, fixture("older_minor.so"), DQ_OK);
    ck_assert_int_eq(rec->stage, DQ_STAGE_REGISTERED);
    ck_assert_uint_eq(rec->n_integrators, 1);
    const dq_integrator_entry_t *d = dq_registry_lookup(e.reg, "fixture_old", NULL);
    ck_assert_ptr_nonnull(d);
    ck_assert_str_eq(d->name, "fixture_older_minor");
    ck_assert_str_eq(d->aliases[0], "fixture_old");
    ck_assert_ptr_null(d->aliases[1]);
    ck_assert_str_eq(d->category, "explicit");
    ck_assert_int_eq(d->order, 1);
    ck_assert_str_eq(d->description, "Built as for an older ABI minor.");
    ck_assert_uint_eq(d->flags, 0);
    ck_assert_uint_eq(d->scratch_vectors, 0);
    ck_assert_uint_eq(d->state_vectors, 0);
    ck_assert_ptr_null(d->init);
    ck_assert_ptr_null(d->reset);
    ck_assert_ptr_null(d->options);
    ck_assert_uint_eq(d->n_options, 0);
    /* Fields of ABI 2.1, past the 2.0 struct_size: read as zero, not as what follows. */
    ck_assert_double_eq(d->strong_order, 0.0);
    ck_assert_double_eq(d->weak_order, 0.0);
    ck_assert_uint_eq(d->calculus, DQ_CALCULUS_NONE);
    ck_assert_str_eq(d->origin, real(fixture("older_minor.so")));
    env_close(&e);
}
END_TEST

/* The rule older_minor.so will test once 2.x grows: a struct from an older minor is read
 * up to its struct_size and the fields it lacks read as zero (here a struct that grew). */
typedef struct grown_v0 {
    dq_abi_header_t abi;
    int a;
} grown_v0_t;

typedef struct grown_v1 {
    dq_abi_header_t abi;
    int a;
    double b; /* "since 2.1" */
} grown_v1_t;

START_TEST(test_loader_abi_read_zeroes_fields_past_an_older_struct_size)
{
    static const grown_v0_t old = {{(uint32_t)sizeof(grown_v0_t), DQ_ABI_MAJOR, 0}, 7};
    grown_v1_t out;
    memset(&out, 0xff, sizeof out);
    dq_error_t err;
    dq_error_clear(&err);
    ck_assert_int_eq(dq__abi_read(&old, &out, sizeof out, offsetof(grown_v1_t, a) + sizeof(int),
                                  "grown struct", NULL, &err),
                     DQ_OK);
    ck_assert_int_eq(out.a, 7);
    ck_assert(out.b == 0.0);
    ck_assert_uint_eq(out.abi.struct_size, sizeof(grown_v0_t));
    ck_assert(DQ_ABI_HAS_FIELD(&old.abi, grown_v1_t, a));
    ck_assert(!DQ_ABI_HAS_FIELD(&old.abi, grown_v1_t, b));
    /* The host's own struct has every field. */
    ck_assert(DQ_ABI_HAS_FIELD(&out.abi, grown_v1_t, a));
}
END_TEST

/* A host table for dy/dt = -y, enough to run a loaded step once. */
static int host_nop(dq_ctx_t *ctx)
{
    (void)ctx;
    return DQ_OK;
}

static int host_decay(dq_ctx_t *ctx, double t, const double *y, double *f)
{
    (void)t;
    for (size_t i = 0; i < ctx->len; ++i)
        f[i] = -y[i];
    return DQ_OK;
}

static int host_fail(dq_ctx_t *ctx, int code, size_t index, const char *message)
{
    (void)ctx;
    (void)index;
    (void)message;
    return code;
}

/* Runs a fixture's Euler step once on a padded block of two units (one lane group). */
static void run_decay_step(const dq_integrator_entry_t *d)
{
    static const dq_host_api_t host = {.abi = DQ_ABI_HEADER_INIT(dq_host_api_t),
                                       .pre_integral = host_nop,
                                       .compute_derivative = host_decay,
                                       .post_integral = host_nop,
                                       .report = host_fail};
    _Alignas(64) double y[DQ_LANES] = {1.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0};
    _Alignas(64) double f[DQ_LANES] = {0.0};
    dq_ctx_t ctx = {.abi = DQ_ABI_HEADER_INIT(dq_ctx_t),
                    .host = &host,
                    .t = 0.0,
                    .dt = 0.1,
                    .len = DQ_LANES,
                    .comps = 1,
                    .units = DQ_LANES,
                    .live = 2,
                    .population = 2,
                    .y = y,
                    .f = f};
    ck_assert_int_eq(d->step(&ctx), DQ_OK);
    ck_assert_double_eq_tol(y[0], 0.9, 1e-15);
    ck_assert_double_eq_tol(y[1], 1.8, 1e-15);
    ck_assert_double_eq_tol(y[DQ_LANES - 1], 1.8, 1e-15);
}

START_TEST(test_loader_older_minor_step_runs)
{
    env_t e = env_open();
    load(&e, fixture("older_minor.so"), DQ_OK);
    const dq_integrator_entry_t *d = dq_registry_lookup(e.reg, "fixture_older_minor", NULL);
    ck_assert_ptr_nonnull(d);
    run_decay_step(d);
    env_close(&e);
}
END_TEST

START_TEST(test_loader_refuses_abi_1_plugin_naming_both_versions)
{
    char fmt[512];
    snprintf(fmt, sizeof fmt,
             "'%%s': plugin info block was built for plugin ABI 1.0, this host is %d.%d "
             "(another major version; rebuild the plugin against this SDK)",
             DQ_ABI_MAJOR, DQ_ABI_MINOR);
    check_refused("abi1.so", DQ_EABI, DQ_STAGE_ENTRY, fmt);
}
END_TEST

/* -- lifetime: entries keep their plugin loaded -------------------------------------- */

/* Whether the dynamic linker still has the file loaded (without loading it). */
static int is_loaded(const char *path)
{
    void *h = dlopen(path, RTLD_LAZY | RTLD_NOLOAD);
    if (h)
        dlclose(h);
    return h != NULL;
}

START_TEST(test_loader_freed_before_registry_leaves_solvers_callable)
{
    env_t e = env_open();
    const char *p = real(fixture("family.so"));
    load(&e, fixture("family.so"), DQ_OK);
    dq_loader_free(e.loader);
    e.loader = NULL;
    ck_assert(is_loaded(p));
    const dq_integrator_entry_t *d = dq_registry_lookup(e.reg, "fixture_fa", NULL);
    ck_assert_ptr_nonnull(d);
    ck_assert_str_eq(d->name, "fixture_family_a");
    ck_assert_str_eq(d->description, "First of the family.");
    run_decay_step(d);
    run_decay_step(dq_registry_lookup(e.reg, "fixture_family_b", NULL));
    dq_registry_free(e.reg);
    ck_assert(!is_loaded(p));
}
END_TEST

START_TEST(test_loader_plugin_closes_with_its_last_entry)
{
    env_t e = env_open();
    const char *p = real(fixture("family.so"));
    load(&e, fixture("family.so"), DQ_OK);
    ck_assert_int_eq(dq_registry_unregister(e.reg, "fixture_family_a", NULL), DQ_OK);
    ck_assert(is_loaded(p));
    run_decay_step(dq_registry_lookup(e.reg, "fixture_family_b", NULL));
    ck_assert_int_eq(dq_registry_unregister(e.reg, "fixture_family_b", NULL), DQ_OK);
    ck_assert(!is_loaded(p));
    env_close(&e);
}
END_TEST

START_TEST(test_loader_closes_a_file_that_registered_nothing)
{
    env_t e = env_open();
    const char *p = real(fixture("category_unknown.so"));
    load(&e, fixture("category_unknown.so"), DQ_EDESC);
    ck_assert(!is_loaded(p));
    /* Freeing the registry closes its files at once, though the loader lives on. */
    const char *q = real(fixture("older_minor.so"));
    load(&e, fixture("older_minor.so"), DQ_OK);
    dq_registry_free(e.reg);
    ck_assert(!is_loaded(q));
    dq_loader_free(e.loader);
}
END_TEST

START_TEST(test_loader_model_entries_keep_their_plugin_loaded)
{
    env_t e = env_open();
    const char *p = real(fixture("model_good.so"));
    const dq_load_record_t *rec = load(&e, fixture("model_good.so"), DQ_OK);
    ck_assert_uint_eq(rec->n_models, 1);
    dq_loader_free(e.loader);
    const dq_model_entry_t *m = dq_registry_lookup_model(e.reg, "fixture_model_good", NULL);
    ck_assert_ptr_nonnull(m);
    ck_assert_str_eq(m->desc->description, "Every table, consistent.");
    ck_assert_uint_eq(m->desc->n_params, 3);
    ck_assert_str_eq(m->desc->params[2].name, "n");
    ck_assert_str_eq(m->desc->modules[1]->reads[0], "v");
    ck_assert(is_loaded(p));
    dq_registry_free(e.reg);
    ck_assert(!is_loaded(p));
}
END_TEST

/* -- descriptors --------------------------------------------------------------------- */

START_TEST(test_loader_refuses_null_name_before_registering)
{
    check_refused("name_null.so", DQ_EDESC, DQ_STAGE_ENTRY,
                  "Integrator name must be a non-empty string.");
}
END_TEST

START_TEST(test_loader_refuses_empty_name_before_registering)
{
    check_refused("name_empty.so", DQ_EDESC, DQ_STAGE_ENTRY,
                  "Integrator name must be a non-empty string.");
}
END_TEST

START_TEST(test_loader_refuses_name_with_space_or_slash)
{
    check_refused("name_bad.so", DQ_EDESC, DQ_STAGE_ENTRY,
                  "Integrator name 'bad name/x' has characters outside [A-Za-z0-9_.-].");
}
END_TEST

START_TEST(test_loader_refuses_integrator_without_step)
{
    check_refused("step_null.so", DQ_EDESC, DQ_STAGE_ENTRY,
                  "Integrator 'fixture_step_null' has no step function.");
}
END_TEST

START_TEST(test_loader_refuses_unknown_category_suggesting_the_closest)
{
    check_refused("category_unknown.so", DQ_EDESC, DQ_STAGE_ENTRY,
                  "Integrator 'fixture_category_unknown' has unknown category 'explict'. Did "
                  "you mean 'explicit'? Categories: adaptive, cable, explicit, exponential, "
                  "implicit, other, stochastic.");
}
END_TEST

START_TEST(test_loader_refuses_option_table_without_its_end)
{
    check_refused("options_unterminated.so", DQ_EDESC, DQ_STAGE_ENTRY,
                  "Integrator 'fixture_options_unterminated' has more than 64 options, or an "
                  "option table without its NULL-name end (DQ_OPTIONS adds it).");
}
END_TEST

START_TEST(test_loader_refuses_option_with_invalid_name)
{
    check_refused("option_bad.so", DQ_EDESC, DQ_STAGE_ENTRY,
                  "Integrator 'fixture_option_bad' has option 'max-iter' whose name is not of "
                  "[A-Za-z0-9_]+.");
}
END_TEST

START_TEST(test_loader_refuses_model_with_params_null_naming_file_and_model)
{
    check_refused("model_params_null.so", DQ_EDESC, DQ_STAGE_ENTRY,
                  "Model 'fixture_params_null' in '%s' declares 3 parameters but its parameter "
                  "table is NULL.");
}
END_TEST

START_TEST(test_loader_refuses_model_without_modules_naming_file_and_model)
{
    check_refused("model_modules_null.so", DQ_EDESC, DQ_STAGE_ENTRY,
                  "Model 'fixture_modules_null' in '%s' has no module list (NULL).");
}
END_TEST

START_TEST(test_loader_refuses_model_with_states_null_naming_file_and_model)
{
    check_refused("model_states_null.so", DQ_EDESC, DQ_STAGE_ENTRY,
                  "Model 'fixture_states_null' in '%s': module 'gates' declares 5 states but its "
                  "state table is NULL.");
}
END_TEST

START_TEST(test_loader_refuses_plugin_declaring_nothing)
{
    check_refused("nothing.so", DQ_EDESC, DQ_STAGE_ENTRY,
                  "plugin '%s' declares no integrators and no models");
}
END_TEST

START_TEST(test_loader_registers_every_integrator_of_a_family)
{
    env_t e = env_open();
    const dq_load_record_t *rec = load(&e, fixture("family.so"), DQ_OK);
    ck_assert_int_eq(rec->stage, DQ_STAGE_REGISTERED);
    ck_assert_uint_eq(rec->n_integrators, 2);
    ck_assert_uint_eq(rec->n_models, 0);
    ck_assert_str_eq(rec->message, "");
    ck_assert_uint_eq(dq_registry_count(e.reg), 2);
    ck_assert_pstr_eq(dq_registry_resolve(e.reg, "fixture_fa"), "fixture_family_a");
    const dq_integrator_entry_t *b = dq_registry_lookup(e.reg, "fixture_family_b", NULL);
    ck_assert_ptr_nonnull(b);
    ck_assert_int_eq(b->order, 2);
    ck_assert_uint_eq(b->scratch_vectors, 1);
    ck_assert_str_eq(b->origin, real(fixture("family.so")));
    ck_assert_uint_eq(dq_loader_failure_count(e.loader), 0);
    env_close(&e);
}
END_TEST

/* -- clashes between plugins --------------------------------------------------------- */

START_TEST(test_loader_duplicate_name_without_override_names_both_files)
{
    env_t e = env_open();
    const char *a = real(fixture("dup_a.so"));
    const char *b = real(fixture("dup_b.so"));
    load(&e, fixture("dup_a.so"), DQ_OK);
    const dq_load_record_t *rec = load(&e, fixture("dup_b.so"), DQ_EEXIST);
    char want[DQ_ERROR_MESSAGE_MAX];
    snprintf(want, sizeof want,
             "Integrator 'fixture_dup' is already registered by '%s'. Set override to replace "
             "it.",
             a);
    assert_failed(rec, b, DQ_STAGE_CHECKED, want);
    ck_assert_str_eq(dq_registry_lookup(e.reg, "fixture_dup", NULL)->origin, a);
    ck_assert_uint_eq(dq_loader_failure_count(e.loader), 1);
    env_close(&e);
}
END_TEST

START_TEST(test_loader_refuses_alias_owned_by_another_plugin)
{
    env_t e = env_open();
    load(&e, builtin("euler.so"), DQ_OK);
    const dq_load_record_t *rec = load(&e, fixture("alias_clash.so"), DQ_EEXIST);
    assert_failed(rec, real(fixture("alias_clash.so")), DQ_STAGE_CHECKED,
                  "Cannot register integrator 'fixture_alias_clash': alias 'explicit' is "
                  "already an alias for 'euler'.");
    ck_assert_pstr_eq(dq_registry_resolve(e.reg, "explicit"), "euler");
    ck_assert(!dq_registry_contains(e.reg, "fixture_alias_clash"));
    env_close(&e);
}
END_TEST

START_TEST(test_loader_override_of_builtin_euler_warns_and_changes_origin)
{
    env_t e = env_open();
    captured[0] = '\0';
    n_captured = 0;
    int token;
    dq_registry_set_warning_handler(e.reg, capture_warning, &token);
    const char *eu = real(builtin("euler.so"));
    const char *ov = real(fixture("override_euler.so"));
    load(&e, builtin("euler.so"), DQ_OK);
    const dq_load_record_t *rec = load(&e, fixture("override_euler.so"), DQ_OK);

    char want[DQ_ERROR_MESSAGE_MAX];
    snprintf(want, sizeof want, "integrator 'euler' from '%s' replaces the one registered by '%s'",
             ov, eu);
    ck_assert_int_eq(rec->stage, DQ_STAGE_REGISTERED);
    ck_assert_uint_eq(rec->n_integrators, 1);
    ck_assert_str_eq(rec->message, want); /* the warning, kept in the record */
    ck_assert_int_eq(n_captured, 1);      /* and forwarded to the handler */
    char line[DQ_ERROR_MESSAGE_MAX + 2];
    snprintf(line, sizeof line, "%s\n", want);
    ck_assert_str_eq(captured, line);

    const dq_integrator_entry_t *d = dq_registry_lookup(e.reg, "euler", NULL);
    ck_assert_ptr_nonnull(d);
    ck_assert_str_eq(d->origin, ov);
    ck_assert_str_eq(d->description, "Euler, overridden by a fixture.");
    ck_assert_ptr_null(dq_registry_resolve(e.reg, "explicit")); /* old aliases dropped */
    ck_assert_pstr_eq(dq_registry_resolve(e.reg, "fixture_euler_override"), "euler");

    /* The loader never touched the handler. */
    void *user = NULL;
    ck_assert(dq_registry_warning_handler(e.reg, &user) == capture_warning);
    ck_assert_ptr_eq(user, &token);
    ck_assert_uint_eq(dq_loader_failure_count(e.loader), 0);
    env_close(&e);
}
END_TEST

START_TEST(test_loader_takes_back_integrators_when_a_later_one_fails)
{
    env_t e = env_open();
    const char *eu = real(builtin("euler.so"));
    load(&e, builtin("euler.so"), DQ_OK);
    const dq_load_record_t *rec = load(&e, fixture("rollback.so"), DQ_EEXIST);
    char want[DQ_ERROR_MESSAGE_MAX];
    snprintf(want, sizeof want,
             "Integrator 'euler' is already registered by '%s'. Set override to replace it.", eu);
    assert_failed(rec, real(fixture("rollback.so")), DQ_STAGE_CHECKED, want);
    ck_assert(!dq_registry_contains(e.reg, "fixture_rollback_first"));
    ck_assert_uint_eq(dq_registry_count(e.reg), 1);
    ck_assert_str_eq(dq_registry_lookup(e.reg, "euler", NULL)->origin, eu);
    env_close(&e);
}
END_TEST

START_TEST(test_loader_model_clash_keeps_the_whole_file_out)
{
    env_t e = env_open();
    const char *de = real(builtin("decay.so"));
    load(&e, builtin("decay.so"), DQ_OK);
    const dq_load_record_t *rec = load(&e, fixture("model_clash.so"), DQ_EEXIST);
    char want[DQ_ERROR_MESSAGE_MAX];
    snprintf(want, sizeof want, "Model 'decay' is already registered by '%s'.", de);
    assert_failed(rec, real(fixture("model_clash.so")), DQ_STAGE_CHECKED, want);
    ck_assert(!dq_registry_contains(e.reg, "fixture_model_clash"));
    ck_assert_uint_eq(dq_registry_model_count(e.reg), 1);
    ck_assert_str_eq(dq_registry_lookup_model(e.reg, "decay", NULL)->origin, de);
    env_close(&e);
}
END_TEST

/* -- directories --------------------------------------------------------------------- */

START_TEST(test_loader_bad_plugin_does_not_stop_the_others)
{
    char dir[PATH_MAX];
    tmp_make(dir);
    tmp_link(dir, "a_bad.so", fixture("not_elf.so"));
    tmp_link(dir, "b_good.so", fixture("family.so"));
    tmp_link(dir, "c_bad.so", fixture("entry_null.so"));
    tmp_link(dir, "d_good.so", fixture("older_minor.so"));

    env_t e = env_open();
    dq_error_t err;
    dq_error_clear(&err);
    ck_assert_int_eq(dq_loader_load_dir(e.loader, dir, &err), DQ_OK);
    ck_assert_int_eq(err.code, DQ_OK); /* file failures live in the records only */
    ck_assert_uint_eq(dq_loader_record_count(e.loader), 4);
    ck_assert_uint_eq(dq_loader_failure_count(e.loader), 2);
    ck_assert_int_eq(dq_loader_record_at(e.loader, 0)->code, DQ_ELOAD);
    ck_assert_int_eq(dq_loader_record_at(e.loader, 1)->code, DQ_OK);
    ck_assert_int_eq(dq_loader_record_at(e.loader, 2)->code, DQ_ENOENTRY);
    ck_assert_int_eq(dq_loader_record_at(e.loader, 3)->code, DQ_OK);
    ck_assert(dq_registry_contains(e.reg, "fixture_family_a"));
    ck_assert(dq_registry_contains(e.reg, "fixture_family_b"));
    ck_assert(dq_registry_contains(e.reg, "fixture_older_minor"));
    env_close(&e);
    tmp_remove(dir);
}
END_TEST

START_TEST(test_loader_loads_directory_files_in_sorted_order)
{
    /* The names sort opposite to the targets, so the order decides which dup wins. */
    char dir[PATH_MAX];
    tmp_make(dir);
    tmp_link(dir, "z.so", fixture("dup_a.so"));
    tmp_link(dir, "m.so", fixture("family.so"));
    tmp_link(dir, "a.so", fixture("dup_b.so"));

    env_t e = env_open();
    ck_assert_int_eq(dq_loader_load_dir(e.loader, dir, NULL), DQ_OK);
    ck_assert_uint_eq(dq_loader_record_count(e.loader), 3);
    const char *a = real(fixture("dup_a.so"));
    const char *b = real(fixture("dup_b.so"));
    ck_assert_str_eq(dq_loader_record_at(e.loader, 0)->path, b);
    ck_assert_str_eq(dq_loader_record_at(e.loader, 1)->path, real(fixture("family.so")));
    ck_assert_str_eq(dq_loader_record_at(e.loader, 2)->path, a);
    ck_assert_str_eq(dq_registry_lookup(e.reg, "fixture_dup", NULL)->origin, b);
    char want[DQ_ERROR_MESSAGE_MAX];
    snprintf(want, sizeof want,
             "Integrator 'fixture_dup' is already registered by '%s'. Set override to replace "
             "it.",
             b);
    assert_failed(dq_loader_record_at(e.loader, 2), a, DQ_STAGE_CHECKED, want);
    env_close(&e);
    tmp_remove(dir);
}
END_TEST

START_TEST(test_loader_reports_so_entries_that_are_not_regular_files)
{
    /* A directory or a broken symbolic link named *.so is a record saying what it is;
     * entries not named *.so stay out of sight. */
    char dir[PATH_MAX];
    tmp_make(dir);
    ck_assert_int_eq(mkdir(path_in(dir, "sub.so"), 0700), 0);
    tmp_link(dir, "dangling.so", path_in(dir, "nowhere"));
    tmp_link(dir, "family.so.1", fixture("family.so"));
    tmp_link(dir, "readme.txt", fixture("not_elf.so"));
    FILE *f = fopen(path_in(dir, "notes.sox"), "w");
    ck_assert_ptr_nonnull(f);
    fclose(f);

    env_t e = env_open();
    ck_assert_int_eq(dq_loader_load_dir(e.loader, dir, NULL), DQ_OK);
    ck_assert_uint_eq(dq_loader_record_count(e.loader), 2);
    ck_assert_uint_eq(dq_loader_failure_count(e.loader), 2);
    char want[DQ_ERROR_MESSAGE_MAX];
    const char *dangling = path_in(dir, "dangling.so");
    snprintf(want, sizeof want,
             "cannot open plugin '%s': a broken symbolic link (its target does not exist)",
             dangling);
    assert_failed(dq_loader_record_at(e.loader, 0), dangling, DQ_STAGE_FOUND, want);
    const char *sub = real(path_in(dir, "sub.so"));
    snprintf(want, sizeof want, "cannot open plugin '%s': is a directory", sub);
    assert_failed(dq_loader_record_at(e.loader, 1), sub, DQ_STAGE_FOUND, want);
    ck_assert_int_eq(dq_loader_record_at(e.loader, 0)->code, DQ_ELOAD);
    ck_assert_int_eq(dq_loader_record_at(e.loader, 1)->code, DQ_ELOAD);
    ck_assert_uint_eq(dq_registry_count(e.reg), 0);
    env_close(&e);
    tmp_remove(dir);
}
END_TEST

START_TEST(test_loader_loads_same_real_path_once)
{
    char dir[PATH_MAX];
    tmp_make(dir);
    tmp_link(dir, "again.so", fixture("family.so"));
    tmp_link(dir, "bad_again.so", fixture("entry_null.so"));

    env_t e = env_open();
    /* The fixture directory holds a constructor that hangs: a short time limit. */
    ck_assert_int_eq(dq_loader_set_scan(e.loader, DQ_SCAN_FRESH, 0.3, NULL), DQ_OK);
    load(&e, fixture("family.so"), DQ_OK);
    load(&e, fixture("entry_null.so"), DQ_ENOENTRY);
    dq_error_t err;
    dq_error_clear(&err);
    ck_assert_int_eq(dq_loader_load_dir(e.loader, dir, &err), DQ_OK);
    ck_assert_int_eq(err.code, DQ_OK);
    ck_assert_int_eq(dq_loader_load_dir(e.loader, DQ_TEST_FIXTURE_DIR "/", NULL), DQ_OK);
    ck_assert_int_eq(dq_loader_load_dir(e.loader, dir, NULL), DQ_OK);
    /* Naming the file again reports its first outcome without a new record. */
    ck_assert_int_eq(dq_loader_load_file(e.loader, path_in(dir, "again.so"), NULL), DQ_OK);
    dq_error_clear(&err);
    ck_assert_int_eq(dq_loader_load_file(e.loader, fixture("entry_null.so"), &err), DQ_ENOENTRY);
    ck_assert_str_eq(err.message, dq_loader_record_at(e.loader, 1)->message);

    /* Every fixture once: no record names the same path twice. */
    size_t n = dq_loader_record_count(e.loader);
    for (size_t i = 0; i < n; ++i)
        for (size_t j = i + 1; j < n; ++j)
            ck_assert_str_ne(dq_loader_record_at(e.loader, i)->path,
                             dq_loader_record_at(e.loader, j)->path);
    const dq_load_record_t *fam = dq_loader_record_at(e.loader, 0);
    ck_assert_str_eq(fam->path, real(fixture("family.so")));
    ck_assert_uint_eq(fam->n_integrators, 2);
    env_close(&e);
    tmp_remove(dir);
}
END_TEST

START_TEST(test_loader_reports_unreadable_directory)
{
    env_t e = env_open();
    const char *dir = DQ_TEST_FIXTURE_DIR "/no_such_dir";
    dq_error_t err;
    dq_error_clear(&err);
    ck_assert_int_eq(dq_loader_load_dir(e.loader, dir, &err), DQ_EIO);
    ck_assert_int_eq(err.code, DQ_EIO);
    char want[DQ_ERROR_MESSAGE_MAX];
    snprintf(want, sizeof want, "cannot read plugin directory '%s': No such file or directory",
             dir);
    ck_assert_str_eq(err.message, want);
    ck_assert_str_eq(err.source, dir);

    const char *file = fixture("family.so");
    dq_error_clear(&err);
    ck_assert_int_eq(dq_loader_load_dir(e.loader, file, &err), DQ_EIO);
    snprintf(want, sizeof want, "cannot read plugin directory '%s': Not a directory", file);
    ck_assert_str_eq(err.message, want);
    ck_assert_uint_eq(dq_loader_record_count(e.loader), 0);
    env_close(&e);
}
END_TEST

/* -- the small API ------------------------------------------------------------------- */

START_TEST(test_loader_names_stages_and_suffix)
{
    ck_assert_str_eq(dq_load_stage_name(DQ_STAGE_FOUND), "found");
    ck_assert_str_eq(dq_load_stage_name(DQ_STAGE_OPENED), "opened");
    ck_assert_str_eq(dq_load_stage_name(DQ_STAGE_ENTRY), "entry");
    ck_assert_str_eq(dq_load_stage_name(DQ_STAGE_CHECKED), "checked");
    ck_assert_str_eq(dq_load_stage_name(DQ_STAGE_REGISTERED), "registered");
    ck_assert_str_eq(dq_loader_suffix(), ".so");
}
END_TEST

START_TEST(test_loader_refuses_missing_arguments)
{
    dq_error_t err;
    dq_error_clear(&err);
    ck_assert_ptr_null(dq_loader_new(NULL, &err));
    ck_assert_int_eq(err.code, DQ_EINVAL);
    env_t e = env_open();
    dq_error_clear(&err);
    ck_assert_int_eq(dq_loader_load_file(e.loader, NULL, &err), DQ_EINVAL);
    ck_assert_int_eq(dq_loader_load_dir(e.loader, NULL, NULL), DQ_EINVAL);
    ck_assert_uint_eq(dq_loader_record_count(e.loader), 0);
    ck_assert_uint_eq(dq_loader_record_count(NULL), 0);
    ck_assert_uint_eq(dq_loader_failure_count(NULL), 0);
    dq_loader_free(NULL);
    env_close(&e);
}
END_TEST

START_TEST(test_loader_two_loaders_share_libltdl)
{
    /* lt_dlinit/lt_dlexit are counted: freeing one loader leaves the other's plugins open. */
    env_t a = env_open();
    env_t b = env_open();
    load(&a, fixture("family.so"), DQ_OK);
    load(&b, fixture("family.so"), DQ_OK);
    env_close(&a);
    const dq_integrator_entry_t *d = dq_registry_lookup(b.reg, "fixture_family_b", NULL);
    ck_assert_ptr_nonnull(d);
    ck_assert_str_eq(d->description, "Second of the family.");
    env_close(&b);
}
END_TEST

/* -- the scan: load-time isolation, ELF pre-check, binding, alignment ------------------ */

/* A sanitizer catches SIGSEGV in the child itself and exits with a status instead. */
#if defined(__SANITIZE_ADDRESS__)
#define TEST_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_SANITIZED 1
#endif
#endif
#ifndef TEST_SANITIZED
#define TEST_SANITIZED 0
#endif

/* Asserts rec->message starts with the prefix made of fmt and the path. */
static void assert_prefix(const dq_load_record_t *rec, const char *fmt, const char *path)
{
    char want[DQ_ERROR_MESSAGE_MAX];
    snprintf(want, sizeof want, fmt, path);
    ck_assert_msg(strncmp(rec->message, want, strlen(want)) == 0, "message '%s', want '%s...'",
                  rec->message, want);
}

/* Loads a fixture that must fail, with the scan in `mode`; returns its record. */
static const dq_load_record_t *load_mode(env_t *e, const char *name, dq_scan_mode_t mode, int code)
{
    ck_assert_int_eq(dq_loader_set_scan(e->loader, mode, 0.5, NULL), DQ_OK);
    const dq_load_record_t *rec = load(e, fixture(name), code);
    ck_assert_uint_eq(dq_registry_count(e->reg), 0);
    return rec;
}

START_TEST(test_loader_scan_survives_constructor_segfault)
{
    env_t e = env_open();
    const char *p = real(fixture("ctor_segv.so"));
    const dq_load_record_t *rec = load_mode(&e, "ctor_segv.so", DQ_SCAN_FRESH, DQ_ELOAD);
    if (TEST_SANITIZED) {
        assert_prefix(rec, "plugin '%s' exited with status ", p);
    } else {
        char want[DQ_ERROR_MESSAGE_MAX];
        snprintf(want, sizeof want, "plugin '%s' crashed while loading: Segmentation fault", p);
        assert_failed(rec, p, DQ_STAGE_FOUND, want);
    }
    env_close(&e);
}
END_TEST

START_TEST(test_loader_scan_survives_constructor_exit)
{
    env_t e = env_open();
    const char *p = real(fixture("ctor_exit.so"));
    char want[DQ_ERROR_MESSAGE_MAX];
    snprintf(want, sizeof want, "plugin '%s' exited with status 3 while loading", p);
    assert_failed(load_mode(&e, "ctor_exit.so", DQ_SCAN_FRESH, DQ_ELOAD), p, DQ_STAGE_FOUND, want);
    env_close(&e);
}
END_TEST

START_TEST(test_loader_scan_times_out_constructor_hang)
{
    env_t e = env_open();
    const char *p = real(fixture("ctor_hang.so"));
    char want[DQ_ERROR_MESSAGE_MAX];
    snprintf(want, sizeof want, "plugin '%s' did not finish loading within 0.5 s (timed out)", p);
    assert_failed(load_mode(&e, "ctor_hang.so", DQ_SCAN_FRESH, DQ_ELOAD), p, DQ_STAGE_FOUND, want);
    env_close(&e);
}
END_TEST

START_TEST(test_loader_refuses_truncated_elf_before_dlopen)
{
    /* Without the pre-check, dlopen maps segments past the end of the file: SIGBUS, here
     * as well (scan off) as in the child. */
    dq_scan_mode_t modes[] = {DQ_SCAN_FRESH, DQ_SCAN_OFF};
    for (int i = 0; i < 2; ++i) {
        env_t e = env_open();
        const char *p = real(fixture("elf_truncated.so"));
        const dq_load_record_t *rec = load_mode(&e, "elf_truncated.so", modes[i], DQ_ELOAD);
        assert_failed(rec, p, DQ_STAGE_FOUND, NULL);
        assert_prefix(rec, "cannot open plugin '%s': truncated ELF file: segment ", p);
        ck_assert_msg(strstr(rec->message, ", the file has 1000") != NULL, "%s", rec->message);
        env_close(&e);
    }
}
END_TEST

START_TEST(test_loader_refuses_elf_for_another_machine_naming_both)
{
    env_t e = env_open();
    const char *p = real(fixture("elf_aarch64.so"));
    const dq_load_record_t *rec = load_mode(&e, "elf_aarch64.so", DQ_SCAN_OFF, DQ_ELOAD);
#if defined(__x86_64__)
    char want[DQ_ERROR_MESSAGE_MAX];
    snprintf(want, sizeof want,
             "cannot open plugin '%s': an ELF file for AArch64 (machine 183); this host is x86-64",
             p);
    assert_failed(rec, p, DQ_STAGE_FOUND, want);
#else
    assert_failed(rec, p, DQ_STAGE_FOUND, NULL);
    assert_prefix(rec, "cannot open plugin '%s': an ELF file for ", p);
#endif
    env_close(&e);
}
END_TEST

START_TEST(test_loader_refuses_undefined_function_with_linker_message)
{
    /* Lazy binding would register it and die at its first step (exit status 127). */
    dq_scan_mode_t modes[] = {DQ_SCAN_FRESH, DQ_SCAN_OFF};
    for (int i = 0; i < 2; ++i) {
        env_t e = env_open();
        const char *p = real(fixture("undefined_function.so"));
        const dq_load_record_t *rec = load_mode(&e, "undefined_function.so", modes[i], DQ_ELOAD);
        assert_failed(rec, p, DQ_STAGE_FOUND, NULL);
        check_linker_message(rec, p, "undefined symbol: dq_fixture_missing_function");
        env_close(&e);
    }
}
END_TEST

START_TEST(test_loader_refuses_misaligned_entry_pointer)
{
    env_t e = env_open();
    const char *p = real(fixture("misaligned_info.so"));
    const dq_load_record_t *rec = load_mode(&e, "misaligned_info.so", DQ_SCAN_OFF, DQ_EDESC);
    char want[DQ_ERROR_MESSAGE_MAX];
    snprintf(want, sizeof want,
             "'%s': plugin info block is at a misaligned address (needs 8-byte alignment)", p);
    assert_failed(rec, p, DQ_STAGE_ENTRY, want);
    env_close(&e);
}
END_TEST

START_TEST(test_loader_refuses_misaligned_descriptor_pointer)
{
    env_t e = env_open();
    const char *p = real(fixture("misaligned_desc.so"));
    const dq_load_record_t *rec = load_mode(&e, "misaligned_desc.so", DQ_SCAN_OFF, DQ_EDESC);
    char want[DQ_ERROR_MESSAGE_MAX];
    snprintf(want, sizeof want,
             "'%s': integrator descriptor is at a misaligned address (needs 8-byte alignment)", p);
    assert_failed(rec, p, DQ_STAGE_ENTRY, want);
    env_close(&e);
}
END_TEST

START_TEST(test_loader_directory_of_every_bad_kind_keeps_the_good_ones)
{
    static const char *const bad[] = {
        "ctor_segv.so",       "ctor_exit.so",       "ctor_hang.so",
        "elf_truncated.so",   "elf_aarch64.so",     "undefined_function.so",
        "misaligned_info.so", "misaligned_desc.so", "undefined_symbol.so",
        "not_elf.so",         "entry_null.so"};
    const size_t n_bad = sizeof bad / sizeof *bad;
    char dir[PATH_MAX];
    tmp_make(dir);
    for (size_t i = 0; i < n_bad; ++i)
        tmp_link(dir, bad[i], fixture(bad[i]));
    tmp_link(dir, "good_family.so", fixture("family.so"));
    tmp_link(dir, "good_older.so", fixture("older_minor.so"));
    tmp_link(dir, "broken.so", path_in(dir, "nowhere"));
    ck_assert_int_eq(mkdir(path_in(dir, "subdir.so"), 0700), 0);

    env_t e = env_open();
    ck_assert_int_eq(dq_loader_set_scan(e.loader, DQ_SCAN_FRESH, 0.5, NULL), DQ_OK);
    ck_assert_int_eq(dq_loader_load_dir(e.loader, dir, NULL), DQ_OK);
    ck_assert_uint_eq(dq_loader_record_count(e.loader), n_bad + 4);
    ck_assert_uint_eq(dq_loader_failure_count(e.loader), n_bad + 2);
    ck_assert(dq_registry_contains(e.reg, "fixture_family_a"));
    ck_assert(dq_registry_contains(e.reg, "fixture_family_b"));
    ck_assert(dq_registry_contains(e.reg, "fixture_older_minor"));
    ck_assert_uint_eq(dq_registry_count(e.reg), 3);
    for (size_t i = 0; i < dq_loader_record_count(e.loader); ++i) {
        const dq_load_record_t *r = dq_loader_record_at(e.loader, i);
        /* One line each. */
        ck_assert_msg(r->code == DQ_OK || (r->message[0] && !strchr(r->message, '\n')), "'%s': %s",
                      r->path, r->message);
    }
    env_close(&e);
    tmp_remove(dir);
}
END_TEST

/* A private copy of a fixture, so its identity (and the cache's key) is the test's own. */
static void copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    ck_assert(in && out);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        ck_assert_uint_eq(fwrite(buf, 1, n, out), n);
    fclose(in);
    ck_assert_int_eq(fclose(out), 0);
}

/* Replaces every `from` in a text file by `to` (same length). */
static void edit_file(const char *path, const char *from, const char *to)
{
    static char text[1 << 16];
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    char *p = strstr(text, from);
    ck_assert_msg(p != NULL, "'%s' not in %s", from, path);
    for (; p; p = strstr(p, from))
        memcpy(p, to, strlen(to));
    f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    fwrite(text, 1, n, f);
    fclose(f);
}

START_TEST(test_loader_scan_cache_keeps_verdicts_by_file_identity)
{
    char dir[PATH_MAX], cache[PATH_MAX + 32], file[PATH_MAX + 64];
    tmp_make(dir);
    snprintf(cache, sizeof cache, "%s/cache", dir);
    ck_assert_int_eq(setenv("XDG_CACHE_HOME", cache, 1), 0);
    const char *p = path_in(dir, "exits.so");
    copy_file(fixture("ctor_exit.so"), p);
    char want[DQ_ERROR_MESSAGE_MAX];
    snprintf(want, sizeof want, "plugin '%s' exited with status 3 while loading", p);

    env_t e = env_open(); /* DQ_SCAN_CACHED is the default */
    assert_failed(load(&e, p, DQ_ELOAD), p, DQ_STAGE_FOUND, want);
    env_close(&e);
    snprintf(file, sizeof file, "%s/dqhost/scan-%s-abi%d.%d.txt", cache, DQ_VERSION_STRING,
             DQ_ABI_MAJOR, DQ_ABI_MINOR);
    ck_assert_int_eq(access(file, R_OK), 0);

    /* The next loader believes the cache: a doctored verdict proves no child ran. */
    edit_file(file, "status 3", "status 9");
    e = env_open();
    const dq_load_record_t *rec = load(&e, p, DQ_ELOAD);
    ck_assert_msg(strstr(rec->message, "status 9") != NULL, "%s", rec->message);
    env_close(&e);

    /* DQ_SCAN_FRESH bypasses it... */
    e = env_open();
    ck_assert_int_eq(dq_loader_set_scan(e.loader, DQ_SCAN_FRESH, 0, NULL), DQ_OK);
    assert_failed(load(&e, p, DQ_ELOAD), p, DQ_STAGE_FOUND, want);
    env_close(&e);

    /* ...and a changed file (another size and mtime) is scanned again. */
    copy_file(fixture("family.so"), p);
    e = env_open();
    ck_assert_str_eq(load(&e, p, DQ_OK)->message, "");
    ck_assert(dq_registry_contains(e.reg, "fixture_family_a"));
    env_close(&e);
    e = env_open();
    load(&e, p, DQ_OK);
    env_close(&e);
    unlink(file);
    rmdir(path_in(cache, "dqhost"));
    rmdir(cache);
    tmp_remove(dir);
}
END_TEST

START_TEST(test_loader_scan_without_writable_cache_still_scans)
{
    /* XDG_CACHE_HOME names a file: no cache directory can be made there. */
    ck_assert_int_eq(setenv("XDG_CACHE_HOME", fixture("family.so"), 1), 0);
    env_t e = env_open();
    const char *p = real(fixture("ctor_exit.so"));
    char want[DQ_ERROR_MESSAGE_MAX];
    snprintf(want, sizeof want, "plugin '%s' exited with status 3 while loading", p);
    assert_failed(load(&e, fixture("ctor_exit.so"), DQ_ELOAD), p, DQ_STAGE_FOUND, want);
    load(&e, fixture("family.so"), DQ_OK);
    env_close(&e);
    ck_assert_int_eq(unsetenv("XDG_CACHE_HOME"), 0);
    ck_assert_int_eq(unsetenv("HOME"), 0);
    e = env_open();
    load(&e, fixture("older_minor.so"), DQ_OK);
    env_close(&e);
}
END_TEST

START_TEST(test_loader_set_scan_checks_its_arguments)
{
    env_t e = env_open();
    dq_error_t err;
    dq_error_clear(&err);
    ck_assert_int_eq(dq_loader_set_scan(e.loader, (dq_scan_mode_t)7, 1.0, &err), DQ_EINVAL);
    ck_assert_str_eq(err.message, "dq_loader_set_scan: a loader, a known mode and a finite time "
                                  "limit of at least 0 s are required");
    ck_assert_int_eq(dq_loader_set_scan(e.loader, DQ_SCAN_OFF, -1.0, NULL), DQ_EINVAL);
    ck_assert_int_eq(dq_loader_set_scan(NULL, DQ_SCAN_OFF, 1.0, NULL), DQ_EINVAL);
    ck_assert_int_eq(dq_loader_set_scan(e.loader, DQ_SCAN_OFF, 0.0, NULL), DQ_OK);
    load(&e, fixture("family.so"), DQ_OK);
    env_close(&e);
}
END_TEST

Suite *loader_suite(void)
{
    Suite *s = suite_create("loader");
    TCase *tc = tcase_create("loader");
    tcase_set_timeout(tc, 60); /* scans with time limits of their own, under sanitizers */
    tcase_add_test(tc, test_loader_registers_builtin_euler_with_alias_and_model_decay);
    tcase_add_test(tc, test_loader_reports_text_file_with_linker_message);
    tcase_add_test(tc, test_loader_reports_missing_file_with_system_message);
    tcase_add_test(tc, test_loader_reports_undefined_symbol_with_linker_message);
    tcase_add_test(tc, test_loader_reports_plugin_without_entry_symbol);
    tcase_add_test(tc, test_loader_reports_entry_returning_null);
    tcase_add_test(tc, test_loader_refuses_other_abi_major_naming_both_versions);
    tcase_add_test(tc, test_loader_refuses_newer_abi_minor_naming_both_versions);
    tcase_add_test(tc, test_loader_refuses_info_block_smaller_than_abi_minimum);
    tcase_add_test(tc, test_loader_refuses_descriptor_smaller_than_abi_minimum);
    tcase_add_test(tc, test_loader_refuses_module_descriptor_of_other_abi_major);
    tcase_add_test(tc, test_loader_loads_descriptor_built_for_older_abi_minor);
    tcase_add_test(tc, test_loader_older_minor_step_runs);
    tcase_add_test(tc, test_loader_abi_read_zeroes_fields_past_an_older_struct_size);
    tcase_add_test(tc, test_loader_refuses_abi_1_plugin_naming_both_versions);
    tcase_add_test(tc, test_loader_freed_before_registry_leaves_solvers_callable);
    tcase_add_test(tc, test_loader_plugin_closes_with_its_last_entry);
    tcase_add_test(tc, test_loader_closes_a_file_that_registered_nothing);
    tcase_add_test(tc, test_loader_model_entries_keep_their_plugin_loaded);
    tcase_add_test(tc, test_loader_refuses_null_name_before_registering);
    tcase_add_test(tc, test_loader_refuses_empty_name_before_registering);
    tcase_add_test(tc, test_loader_refuses_name_with_space_or_slash);
    tcase_add_test(tc, test_loader_refuses_integrator_without_step);
    tcase_add_test(tc, test_loader_refuses_unknown_category_suggesting_the_closest);
    tcase_add_test(tc, test_loader_refuses_option_table_without_its_end);
    tcase_add_test(tc, test_loader_refuses_option_with_invalid_name);
    tcase_add_test(tc, test_loader_refuses_model_with_params_null_naming_file_and_model);
    tcase_add_test(tc, test_loader_refuses_model_without_modules_naming_file_and_model);
    tcase_add_test(tc, test_loader_refuses_model_with_states_null_naming_file_and_model);
    tcase_add_test(tc, test_loader_refuses_plugin_declaring_nothing);
    tcase_add_test(tc, test_loader_registers_every_integrator_of_a_family);
    tcase_add_test(tc, test_loader_duplicate_name_without_override_names_both_files);
    tcase_add_test(tc, test_loader_refuses_alias_owned_by_another_plugin);
    tcase_add_test(tc, test_loader_override_of_builtin_euler_warns_and_changes_origin);
    tcase_add_test(tc, test_loader_takes_back_integrators_when_a_later_one_fails);
    tcase_add_test(tc, test_loader_model_clash_keeps_the_whole_file_out);
    tcase_add_test(tc, test_loader_bad_plugin_does_not_stop_the_others);
    tcase_add_test(tc, test_loader_loads_directory_files_in_sorted_order);
    tcase_add_test(tc, test_loader_reports_so_entries_that_are_not_regular_files);
    tcase_add_test(tc, test_loader_loads_same_real_path_once);
    tcase_add_test(tc, test_loader_reports_unreadable_directory);
    tcase_add_test(tc, test_loader_names_stages_and_suffix);
    tcase_add_test(tc, test_loader_refuses_missing_arguments);
    tcase_add_test(tc, test_loader_two_loaders_share_libltdl);
    tcase_add_test(tc, test_loader_scan_survives_constructor_segfault);
    tcase_add_test(tc, test_loader_scan_survives_constructor_exit);
    tcase_add_test(tc, test_loader_scan_times_out_constructor_hang);
    tcase_add_test(tc, test_loader_refuses_truncated_elf_before_dlopen);
    tcase_add_test(tc, test_loader_refuses_elf_for_another_machine_naming_both);
    tcase_add_test(tc, test_loader_refuses_undefined_function_with_linker_message);
    tcase_add_test(tc, test_loader_refuses_misaligned_entry_pointer);
    tcase_add_test(tc, test_loader_refuses_misaligned_descriptor_pointer);
    tcase_add_test(tc, test_loader_directory_of_every_bad_kind_keeps_the_good_ones);
    tcase_add_test(tc, test_loader_scan_cache_keeps_verdicts_by_file_identity);
    tcase_add_test(tc, test_loader_scan_without_writable_cache_still_scans);
    tcase_add_test(tc, test_loader_set_scan_checks_its_arguments);
    suite_add_tcase(s, tc);
    return s;
}
