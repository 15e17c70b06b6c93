/* SPDX-License-Identifier: MIT */
/* check_registry.c -- the registry rules (braincell's IntegratorRegistry) and difflib's
 * "did you mean", with every error asserted whole: code, source and message. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

/* Before check.h: Check's deprecated fail() macro would rewrite dq/context.h's
 * ctx->host->fail(...) call. */
#include <dq/host/loader.h>
#include <dq/host/registry.h>
#include <dq/plugin.h>

#include <check.h>

/* ---- fixtures ------------------------------------------------------------------------ */

static int step_a(dq_ctx_t *ctx)
{
    (void)ctx;
    return DQ_OK;
}

static int step_b(dq_ctx_t *ctx)
{
    (void)ctx;
    return DQ_OK;
}

static int solver_init(dq_ctx_t *ctx)
{
    (void)ctx;
    return DQ_OK;
}

static size_t scratch_size(size_t comps, size_t units)
{
    return comps * units * 3;
}

/* A flag bit no ABI 2.0 host knows: kept in the entry and otherwise ignored. */
#define FLAG_FROM_THE_FUTURE (1u << 30)

/* What an embedding program writes: a static descriptor and no plugin file. */
DQ_INTEGRATOR(euler_desc, .name = "euler", .aliases = DQ_ALIASES("explicit_euler", "fe"),
              .category = DQ_CATEGORY_EXPLICIT, .order = 1, .description = "forward Euler",
              .flags = DQ_CAP_JACOBIAN | FLAG_FROM_THE_FUTURE, .step = step_a, .scratch_vectors = 2,
              .scratch_size = scratch_size, .state_vectors = 1, .init = solver_init,
              .reset = solver_init,
              .options = DQ_OPTIONS({.name = "tol", .def = 1e-6, .min = 0, .max = 1},
                                    {.name = "iters", .def = 5, .flags = DQ_OPTION_INTEGER}));
DQ_INTEGRATOR(euler_override_desc, .name = "euler", .aliases = DQ_ALIASES("fwd_euler"),
              .category = DQ_CATEGORY_EXPLICIT, .order = 1, .description = "a better Euler",
              .flags = DQ_INTEGRATOR_OVERRIDE, .step = step_b);
DQ_INTEGRATOR(euler_plain_desc, .name = "euler", .step = step_b);
DQ_INTEGRATOR(rk4_desc, .name = "rk4", .aliases = DQ_ALIASES("classic_rk"),
              .category = DQ_CATEGORY_EXPLICIT, .order = 4, .step = step_a);
DQ_INTEGRATOR(rk3_desc, .name = "rk3", .category = DQ_CATEGORY_EXPLICIT, .order = 3,
              .step = step_a);
DQ_INTEGRATOR(rk2_desc, .name = "rk2", .category = DQ_CATEGORY_EXPLICIT, .order = 2,
              .step = step_a);
DQ_INTEGRATOR(bare_desc, .name = "bare", .step = step_a);
DQ_INTEGRATOR(exp_euler_desc, .name = "exp_euler", .aliases = DQ_ALIASES("ee"),
              .category = DQ_CATEGORY_EXPONENTIAL, .order = 1, .step = step_a);
DQ_INTEGRATOR(old_desc, .name = "old", .aliases = DQ_ALIASES("ancient", "legacy"),
              .flags = DQ_INTEGRATOR_DEPRECATED, .step = step_a);
DQ_INTEGRATOR(old_override_desc, .name = "old",
              .flags = DQ_INTEGRATOR_DEPRECATED | DQ_INTEGRATOR_OVERRIDE, .step = step_b);

/* Descriptors of single tests (DQ_ALIASES is a compound literal: usable at file scope only). */
DQ_INTEGRATOR(euler_reusing_desc, .name = "euler", .aliases = DQ_ALIASES("fe", "forward"),
              .flags = DQ_INTEGRATOR_OVERRIDE, .step = step_b);
DQ_INTEGRATOR(euler_grabbing_desc, .name = "euler", .aliases = DQ_ALIASES("fwd", "classic_rk"),
              .flags = DQ_INTEGRATOR_OVERRIDE, .step = step_b);
DQ_INTEGRATOR(heun_alias_rk4_desc, .name = "heun", .aliases = DQ_ALIASES("rk2b", "rk4"),
              .step = step_b);
DQ_INTEGRATOR(heun_alias_classic_desc, .name = "heun", .aliases = DQ_ALIASES("classic_rk"),
              .step = step_b);
DQ_INTEGRATOR(heun_alias_fe_desc, .name = "heun", .aliases = DQ_ALIASES("improved_euler", "fe"),
              .step = step_b);
DQ_INTEGRATOR(all_chars_desc, .name = "AZaz09_.-", .aliases = DQ_ALIASES("x.y-z_1"),
              .step = step_a);
DQ_INTEGRATOR(empty_alias_desc, .name = "x", .aliases = DQ_ALIASES("ok", ""), .step = step_a);
DQ_INTEGRATOR(bad_alias_desc, .name = "x", .aliases = DQ_ALIASES("a b"), .step = step_a);
DQ_INTEGRATOR(own_alias_desc, .name = "x", .aliases = DQ_ALIASES("y", "x"), .step = step_a);
DQ_INTEGRATOR(twice_alias_desc, .name = "x", .aliases = DQ_ALIASES("y", "z", "y"), .step = step_a);

static int model_create(void *data, size_t population, char *msg, size_t msglen)
{
    (void)data;
    (void)population;
    (void)msg;
    (void)msglen;
    return DQ_OK;
}

static int model_derivative(const dq_view_t *v)
{
    (void)v;
    return DQ_OK;
}

static const dq_state_desc_t one_state[] = {{.name = "y"}};
DQ_MODULE(one_module, .name = "root", .parent = -1, .states = one_state, .n_states = 1,
          .compute_derivative = model_derivative);
#define ONE_MODULE DQ_LIST(dq_module_desc_t, &one_module)

DQ_MODEL(decay_model, .name = "decay", .description = "exponential decay", .create = model_create,
         .modules = ONE_MODULE);
DQ_MODEL(growth_model, .name = "growth", .create = model_create, .modules = ONE_MODULE);
DQ_MODEL(hh_model, .name = "HH", .create = model_create, .modules = ONE_MODULE);

/* Collects warnings. */
typedef struct warnings {
    int count;
    char source[512];
    char message[1024];
} warnings_t;

static void warnings_collect(void *user, const char *source, const char *message)
{
    warnings_t *w = user;
    w->count++;
    snprintf(w->source, sizeof w->source, "%s", source);
    snprintf(w->message, sizeof w->message, "%s", message);
}

static dq_registry_t *reg;
static warnings_t warned;

static void registry_setup(void)
{
    reg = dq_registry_new();
    ck_assert_ptr_nonnull(reg);
    memset(&warned, 0, sizeof warned);
    dq_registry_set_warning_handler(reg, warnings_collect, &warned);
}

static void registry_teardown(void)
{
    dq_registry_free(reg);
    reg = NULL;
}

/* Registers a descriptor that must be accepted. */
static void must_register(const dq_integrator_desc_t *d, const char *origin)
{
    dq_error_t err;
    dq_error_clear(&err);
    int rc = dq_registry_register(reg, d, origin, &err);
    ck_assert_msg(rc == DQ_OK, "register '%s' failed: %s", d->name, err.message);
}

#define assert_error(err, want_code, want_source, want_message)                                    \
    do {                                                                                           \
        ck_assert_str_eq(dq_err_name((err).code), dq_err_name(want_code));                         \
        ck_assert_str_eq((err).source, (want_source));                                             \
        ck_assert_str_eq((err).message, (want_message));                                           \
    } while (0)

/* Registration that must fail with exactly this error and leave the registry as it was. */
static void assert_register_fails(const dq_integrator_desc_t *d, const char *origin, int code,
                                  const char *source, const char *message)
{
    const char *before[16], *after[16];
    size_t n_before = dq_registry_names(reg, 1, before, 16);
    dq_error_t err;
    dq_error_clear(&err);
    ck_assert_int_eq(dq_registry_register(reg, d, origin, &err), code);
    assert_error(err, code, source, message);
    ck_assert_uint_eq(dq_registry_names(reg, 1, after, 16), n_before);
    for (size_t i = 0; i < n_before && i < 16; ++i)
        ck_assert_str_eq(after[i], before[i]);
}

/* ---- registering --------------------------------------------------------------------- */

START_TEST(test_registry_new_is_empty_and_free_null_is_noop)
{
    ck_assert_uint_eq(dq_registry_count(reg), 0);
    ck_assert_uint_eq(dq_registry_names(reg, 1, NULL, 0), 0);
    ck_assert_uint_eq(dq_registry_model_count(reg), 0);
    ck_assert_ptr_null(dq_registry_at(reg, 0));
    dq_registry_free(NULL);
}
END_TEST

START_TEST(test_registry_builtin_step_function_registers_with_builtin_origin)
{
    dq_error_t err;
    dq_error_clear(&err);
    ck_assert_int_eq(dq_registry_register(reg, &euler_desc, NULL, &err), DQ_OK);
    ck_assert_int_eq(err.code, DQ_OK);
    const dq_integrator_entry_t *e = dq_registry_lookup(reg, "euler", &err);
    ck_assert_ptr_nonnull(e);
    ck_assert_str_eq(e->name, "euler");
    ck_assert_str_eq(e->aliases[0], "explicit_euler");
    ck_assert_str_eq(e->aliases[1], "fe");
    ck_assert_ptr_null(e->aliases[2]);
    ck_assert_str_eq(e->category, "explicit");
    ck_assert_int_eq(e->order, 1);
    ck_assert_str_eq(e->description, "forward Euler");
    ck_assert_uint_eq(e->flags, DQ_CAP_JACOBIAN | FLAG_FROM_THE_FUTURE);
    ck_assert(e->step == step_a);
    ck_assert_uint_eq(e->scratch_vectors, 2);
    ck_assert(e->scratch_size == scratch_size);
    ck_assert_uint_eq(e->state_vectors, 1);
    ck_assert(e->init == solver_init);
    ck_assert(e->reset == solver_init);
    ck_assert_uint_eq(e->n_options, 2);
    ck_assert_str_eq(e->options[0].name, "tol");
    ck_assert_str_eq(e->options[1].name, "iters");
    ck_assert_str_eq(e->origin, "built into the program");
    ck_assert_str_eq(e->origin, DQ_ORIGIN_BUILTIN);
    ck_assert_uint_eq(dq_registry_count(reg), 1);
}
END_TEST

START_TEST(test_registry_missing_aliases_category_description_read_as_empty)
{
    must_register(&bare_desc, NULL);
    const dq_integrator_entry_t *e = dq_registry_lookup(reg, "bare", NULL);
    ck_assert_ptr_nonnull(e);
    ck_assert_ptr_nonnull(e->aliases);
    ck_assert_ptr_null(e->aliases[0]);
    ck_assert_str_eq(e->category, "");
    ck_assert_str_eq(e->description, "");
}
END_TEST

START_TEST(test_registry_copies_origin)
{
    char origin[64] = "/plugins/euler.so";
    must_register(&euler_desc, origin);
    strcpy(origin, "/elsewhere.so");
    ck_assert_str_eq(dq_registry_lookup(reg, "euler", NULL)->origin, "/plugins/euler.so");
}
END_TEST

START_TEST(test_registry_names_and_aliases_share_one_namespace)
{
    must_register(&euler_desc, NULL);
    ck_assert_ptr_eq(dq_registry_lookup(reg, "fe", NULL), dq_registry_lookup(reg, "euler", NULL));
    ck_assert_ptr_eq(dq_registry_lookup(reg, "explicit_euler", NULL),
                     dq_registry_lookup(reg, "euler", NULL));
    ck_assert_str_eq(dq_registry_resolve(reg, "fe"), "euler");
    ck_assert_str_eq(dq_registry_resolve(reg, "euler"), "euler");
    ck_assert_ptr_null(dq_registry_resolve(reg, "rk4"));
    ck_assert_ptr_null(dq_registry_resolve(reg, NULL));
    ck_assert(dq_registry_contains(reg, "euler"));
    ck_assert(dq_registry_contains(reg, "fe"));
    ck_assert(!dq_registry_contains(reg, "Euler"));
    ck_assert(!dq_registry_contains(reg, NULL));
    /* Aliases are not entries. */
    ck_assert_uint_eq(dq_registry_count(reg), 1);
}
END_TEST

START_TEST(test_registry_duplicate_name_without_override_fails_naming_the_owner)
{
    must_register(&euler_desc, "/plugins/euler.so");
    assert_register_fails(&euler_plain_desc, "/opt/other.so", DQ_EEXIST, "/opt/other.so",
                          "Integrator 'euler' is already registered by '/plugins/euler.so'. "
                          "Set override to replace it.");
    ck_assert(dq_registry_lookup(reg, "euler", NULL)->step == step_a);
    ck_assert_int_eq(warned.count, 0);
}
END_TEST

START_TEST(test_registry_duplicate_of_builtin_names_the_program_and_has_no_source)
{
    must_register(&euler_desc, NULL);
    assert_register_fails(&euler_plain_desc, NULL, DQ_EEXIST, "",
                          "Integrator 'euler' is already registered by 'built into the "
                          "program'. Set override to replace it.");
}
END_TEST

START_TEST(test_registry_override_replaces_entry_and_drops_aliases)
{
    must_register(&euler_desc, "/plugins/euler.so");
    const char *old_origin = dq_registry_lookup(reg, "euler", NULL)->origin;
    ck_assert_str_eq(old_origin, "/plugins/euler.so");
    must_register(&euler_override_desc, "/home/me/better.so");

    const dq_integrator_entry_t *e = dq_registry_lookup(reg, "euler", NULL);
    ck_assert(e->step == step_b);
    ck_assert_str_eq(e->description, "a better Euler");
    ck_assert_str_eq(e->origin, "/home/me/better.so");
    ck_assert_str_eq(dq_registry_resolve(reg, "fwd_euler"), "euler");
    ck_assert_ptr_null(dq_registry_resolve(reg, "fe"));
    ck_assert_ptr_null(dq_registry_resolve(reg, "explicit_euler"));
    ck_assert_uint_eq(dq_registry_count(reg), 1);
    const char *names[8];
    ck_assert_uint_eq(dq_registry_names(reg, 1, names, 8), 2);
    ck_assert_str_eq(names[0], "euler");
    ck_assert_str_eq(names[1], "fwd_euler");

    ck_assert_int_eq(warned.count, 1);
    ck_assert_str_eq(warned.source, "/home/me/better.so");
    ck_assert_str_eq(warned.message, "integrator 'euler' from '/home/me/better.so' replaces "
                                     "the one registered by '/plugins/euler.so'");
}
END_TEST

START_TEST(test_registry_override_of_builtin_names_the_program)
{
    must_register(&euler_desc, NULL);
    must_register(&euler_override_desc, NULL);
    ck_assert_int_eq(warned.count, 1);
    ck_assert_str_eq(warned.source, "built into the program");
    ck_assert_str_eq(warned.message, "integrator 'euler' from 'built into the program' "
                                     "replaces the one registered by 'built into the program'");
}
END_TEST

START_TEST(test_registry_override_of_unknown_name_just_registers)
{
    must_register(&euler_override_desc, "/home/me/better.so");
    ck_assert(dq_registry_lookup(reg, "fwd_euler", NULL)->step == step_b);
    ck_assert_int_eq(warned.count, 0);
}
END_TEST

START_TEST(test_registry_override_may_reuse_the_replaced_entrys_aliases)
{
    must_register(&euler_desc, NULL);
    must_register(&euler_reusing_desc, "/again.so");
    ck_assert(dq_registry_lookup(reg, "fe", NULL)->step == step_b);
    ck_assert_ptr_null(dq_registry_resolve(reg, "explicit_euler"));
    ck_assert_str_eq(dq_registry_resolve(reg, "forward"), "euler");
}
END_TEST

START_TEST(test_registry_override_still_refuses_other_entries_aliases)
{
    must_register(&euler_desc, "/plugins/euler.so");
    must_register(&rk4_desc, "/plugins/rk4.so");
    assert_register_fails(&euler_grabbing_desc, "/grab.so", DQ_EEXIST, "/grab.so",
                          "Cannot register integrator 'euler': alias 'classic_rk' is already an "
                          "alias for 'rk4'.");
    /* The failed override kept the old entry whole, and warned about nothing. */
    const dq_integrator_entry_t *e = dq_registry_lookup(reg, "fe", NULL);
    ck_assert(e->step == step_a);
    ck_assert_str_eq(e->origin, "/plugins/euler.so");
    ck_assert_ptr_null(dq_registry_resolve(reg, "fwd"));
    ck_assert_int_eq(warned.count, 0);
}
END_TEST

START_TEST(test_registry_name_equal_to_an_alias_fails)
{
    DQ_INTEGRATOR(fe, .name = "fe", .step = step_b);
    DQ_INTEGRATOR(fe_override, .name = "fe", .flags = DQ_INTEGRATOR_OVERRIDE, .step = step_b);
    must_register(&euler_desc, NULL);
    assert_register_fails(&fe, "/fe.so", DQ_EEXIST, "/fe.so",
                          "Cannot register integrator 'fe': the name is already an alias for "
                          "'euler'.");
    /* override replaces canonical names, never takes an alias over */
    assert_register_fails(&fe_override, NULL, DQ_EEXIST, "",
                          "Cannot register integrator 'fe': the name is already an alias for "
                          "'euler'.");
}
END_TEST

START_TEST(test_registry_alias_equal_to_another_name_fails)
{
    must_register(&rk4_desc, "/plugins/rk4.so");
    assert_register_fails(&heun_alias_rk4_desc, "/heun.so", DQ_EEXIST, "/heun.so",
                          "Cannot register integrator 'heun': alias 'rk4' is already the name "
                          "of an integrator registered by '/plugins/rk4.so'.");
}
END_TEST

START_TEST(test_registry_alias_equal_to_another_alias_fails)
{
    must_register(&rk4_desc, "/plugins/rk4.so");
    assert_register_fails(&heun_alias_classic_desc, "/heun.so", DQ_EEXIST, "/heun.so",
                          "Cannot register integrator 'heun': alias 'classic_rk' is already an "
                          "alias for 'rk4'.");
}
END_TEST

START_TEST(test_registry_failed_registration_changes_nothing)
{
    /* The first alias is free, the second clashes: neither the name nor the first alias
     * may be left behind. */
    must_register(&euler_desc, NULL);
    assert_register_fails(&heun_alias_fe_desc, NULL, DQ_EEXIST, "",
                          "Cannot register integrator 'heun': alias 'fe' is already an alias "
                          "for 'euler'.");
    ck_assert(!dq_registry_contains(reg, "heun"));
    ck_assert(!dq_registry_contains(reg, "improved_euler"));
    ck_assert_uint_eq(dq_registry_count(reg), 1);
}
END_TEST

START_TEST(test_registry_rejects_null_name)
{
    DQ_INTEGRATOR(d, .name = NULL, .step = step_a);
    assert_register_fails(&d, "/x.so", DQ_EDESC, "/x.so",
                          "Integrator name must be a non-empty string.");
}
END_TEST

START_TEST(test_registry_rejects_empty_name)
{
    DQ_INTEGRATOR(d, .name = "", .step = step_a);
    assert_register_fails(&d, NULL, DQ_EDESC, "", "Integrator name must be a non-empty string.");
}
END_TEST

START_TEST(test_registry_rejects_name_with_bad_characters)
{
    DQ_INTEGRATOR(d, .name = "a b", .step = step_a);
    assert_register_fails(&d, "/x.so", DQ_EDESC, "/x.so",
                          "Integrator name 'a b' has characters outside [A-Za-z0-9_.-].");
}
END_TEST

START_TEST(test_registry_accepts_every_allowed_character)
{
    must_register(&all_chars_desc, NULL);
    ck_assert_str_eq(dq_registry_resolve(reg, "x.y-z_1"), "AZaz09_.-");
}
END_TEST

START_TEST(test_registry_rejects_empty_alias)
{
    assert_register_fails(&empty_alias_desc, "/x.so", DQ_EDESC, "/x.so",
                          "Integrator 'x' has an empty alias.");
}
END_TEST

START_TEST(test_registry_rejects_alias_with_bad_characters)
{
    assert_register_fails(&bad_alias_desc, "/x.so", DQ_EDESC, "/x.so",
                          "Integrator 'x' has alias 'a b' with characters outside "
                          "[A-Za-z0-9_.-].");
}
END_TEST

START_TEST(test_registry_rejects_alias_equal_to_own_name)
{
    assert_register_fails(&own_alias_desc, "/x.so", DQ_EDESC, "/x.so",
                          "Integrator 'x' lists its own name as an alias.");
}
END_TEST

START_TEST(test_registry_rejects_repeated_alias)
{
    assert_register_fails(&twice_alias_desc, "/x.so", DQ_EDESC, "/x.so",
                          "Integrator 'x' lists alias 'y' twice.");
}
END_TEST

START_TEST(test_registry_rejects_missing_step_function)
{
    DQ_INTEGRATOR(d, .name = "x", .step = NULL);
    assert_register_fails(&d, "/x.so", DQ_EDESC, "/x.so", "Integrator 'x' has no step function.");
}
END_TEST

START_TEST(test_registry_rejects_descriptor_of_another_abi_major)
{
    dq_integrator_desc_t d = euler_desc;
    d.abi.abi_major = DQ_ABI_MAJOR + 1;
    char msg[512];
    snprintf(msg, sizeof msg,
             "'/x.so': integrator descriptor 'euler' was built for plugin ABI %d.%d, this host "
             "is %d.%d (another major version; rebuild the plugin against this SDK)",
             DQ_ABI_MAJOR + 1, DQ_ABI_MINOR, DQ_ABI_MAJOR, DQ_ABI_MINOR);
    assert_register_fails(&d, "/x.so", DQ_EABI, "/x.so", msg);
}
END_TEST

START_TEST(test_registry_rejects_null_arguments)
{
    dq_error_t err;
    dq_error_clear(&err);
    ck_assert_int_eq(dq_registry_register(reg, NULL, "/x.so", &err), DQ_EINVAL);
    assert_error(err, DQ_EINVAL, "/x.so",
                 "dq_registry_register needs a registry and a descriptor.");
    ck_assert_int_eq(dq_registry_register(NULL, &euler_desc, NULL, NULL), DQ_EINVAL);
}
END_TEST

/* ---- descriptor checks (the validator the loader shares) ------------------------------ */

DQ_INTEGRATOR(cat_typo_desc, .name = "x", .category = "Explicit", .step = step_a);
DQ_INTEGRATOR(cat_far_desc, .name = "x", .category = "sideways", .step = step_a);
DQ_INTEGRATOR(opt_none_desc, .name = "x", .step = step_a, .options = NULL);
static const dq_option_desc_t opt_empty_table[] = {{0}};
DQ_INTEGRATOR(opt_empty_desc, .name = "x", .step = step_a, .options = opt_empty_table);
DQ_INTEGRATOR(opt_range_desc, .name = "x", .step = step_a,
              .options = DQ_OPTIONS({.name = "tol", .def = 0.5, .min = 1, .max = 0}));
DQ_INTEGRATOR(opt_default_desc, .name = "x", .step = step_a,
              .options = DQ_OPTIONS({.name = "tol", .def = 2, .min = 0, .max = 1}));
DQ_INTEGRATOR(opt_whole_desc, .name = "x", .step = step_a,
              .options = DQ_OPTIONS({.name = "n", .def = 2.5, .flags = DQ_OPTION_INTEGER}));
DQ_INTEGRATOR(opt_twice_desc, .name = "x", .step = step_a,
              .options = DQ_OPTIONS({.name = "n"}, {.name = "m"}, {.name = "n"}));
DQ_INTEGRATOR(opt_dot_desc, .name = "x", .step = step_a, .options = DQ_OPTIONS({.name = "a.b"}));

START_TEST(test_registry_refuses_unknown_category_suggesting_the_closest)
{
    assert_register_fails(&cat_typo_desc, NULL, DQ_EDESC, "",
                          "Integrator 'x' has unknown category 'Explicit'. Did you mean "
                          "'explicit'? Categories: adaptive, cable, explicit, exponential, "
                          "implicit, other, stochastic.");
    assert_register_fails(&cat_far_desc, "/x.so", DQ_EDESC, "/x.so",
                          "Integrator 'x' has unknown category 'sideways'. Categories: "
                          "adaptive, cable, explicit, exponential, implicit, other, "
                          "stochastic.");
}
END_TEST

START_TEST(test_registry_accepts_every_category_constant)
{
    static const char *const cats[] = {
        DQ_CATEGORY_EXPLICIT, DQ_CATEGORY_IMPLICIT, DQ_CATEGORY_EXPONENTIAL, DQ_CATEGORY_STOCHASTIC,
        DQ_CATEGORY_ADAPTIVE, DQ_CATEGORY_CABLE,    DQ_CATEGORY_OTHER};
    static char names[7][8];
    static dq_integrator_desc_t d[7];
    for (size_t i = 0; i < 7; ++i) {
        snprintf(names[i], sizeof names[i], "s%zu", i);
        d[i] = (dq_integrator_desc_t){.abi = DQ_ABI_HEADER_INIT(dq_integrator_desc_t),
                                      .name = names[i],
                                      .category = cats[i],
                                      .step = step_a};
        must_register(&d[i], NULL);
        ck_assert_uint_eq(dq_registry_by_category(reg, cats[i], NULL, 0), 1);
    }
}
END_TEST

START_TEST(test_registry_counts_options_up_to_the_null_name)
{
    must_register(&opt_none_desc, NULL);
    const dq_integrator_entry_t *e = dq_registry_lookup(reg, "x", NULL);
    ck_assert_ptr_null(e->options);
    ck_assert_uint_eq(e->n_options, 0);
    ck_assert_int_eq(dq_registry_unregister(reg, "x", NULL), DQ_OK);
    must_register(&opt_empty_desc, NULL);
    e = dq_registry_lookup(reg, "x", NULL);
    ck_assert_ptr_null(e->options);
    ck_assert_uint_eq(e->n_options, 0);
}
END_TEST

START_TEST(test_registry_refuses_inconsistent_options)
{
    assert_register_fails(&opt_range_desc, NULL, DQ_EDESC, "",
                          "Integrator 'x' has option 'tol' whose min 1 is greater than its max "
                          "0.");
    assert_register_fails(&opt_default_desc, NULL, DQ_EDESC, "",
                          "Integrator 'x' has option 'tol' whose default 2 is outside [0, 1].");
    assert_register_fails(&opt_whole_desc, NULL, DQ_EDESC, "",
                          "Integrator 'x' has integer option 'n' whose default 2.5 is not a "
                          "whole number.");
    assert_register_fails(&opt_twice_desc, NULL, DQ_EDESC, "",
                          "Integrator 'x' lists option 'n' twice.");
    assert_register_fails(&opt_dot_desc, NULL, DQ_EDESC, "",
                          "Integrator 'x' has option 'a.b' whose name is not of [A-Za-z0-9_]+.");
}
END_TEST

/* Models whose tables do not fit together. */
typedef struct inst {
    double a;
    const double *per_unit;
    double n;
} inst_t;

static const dq_param_desc_t p_good[] = {
    {.name = "a", .def = 1, .offset = offsetof(inst_t, a)},
    {.name = "per_unit", .flags = DQ_PARAM_PER_UNIT, .offset = offsetof(inst_t, per_unit)},
    {.name = "n",
     .def = 3,
     .flags = DQ_PARAM_INTEGER | DQ_PARAM_POPULATION,
     .offset = offsetof(inst_t, n)}};
static const dq_param_desc_t p_pop_only[] = {
    {.name = "n", .def = 1, .flags = DQ_PARAM_INTEGER | DQ_PARAM_POPULATION}};
static const dq_param_desc_t p_pop_real[] = {
    {.name = "n", .def = 1, .flags = DQ_PARAM_POPULATION | DQ_PARAM_PER_UNIT}};
static const dq_param_desc_t p_pop_twice[] = {
    {.name = "n", .def = 1, .flags = DQ_PARAM_INTEGER | DQ_PARAM_POPULATION},
    {.name = "m", .def = 1, .flags = DQ_PARAM_INTEGER | DQ_PARAM_POPULATION, .offset = 8}};
static const dq_param_desc_t p_past_end[] = {{.name = "a", .def = 1, .offset = sizeof(inst_t) - 4}};
static const dq_param_desc_t p_overlap[] = {{.name = "a", .offset = 8}, {.name = "b", .offset = 8}};
static const dq_param_desc_t p_bad_name[] = {{.name = "a-b"}};

static const dq_state_desc_t st_v[] = {{.name = "v"}};
static const dq_state_desc_t st_m[] = {{.name = "m"}};
DQ_MODULE(mod_root, .name = "root", .parent = -1, .states = st_v, .n_states = 1,
          .compute_derivative = model_derivative);
DQ_MODULE(mod_reads_v, .name = "gate", .parent = 0, .states = st_m, .n_states = 1,
          .reads = DQ_READS("v"), .compute_derivative = model_derivative);
DQ_MODULE(mod_reads_w, .name = "gate", .parent = 0, .states = st_m, .n_states = 1,
          .reads = DQ_READS("w"), .compute_derivative = model_derivative);
DQ_MODULE(mod_reads_own, .name = "gate", .parent = 0, .states = st_m, .n_states = 1,
          .reads = DQ_READS("m"), .compute_derivative = model_derivative);
DQ_MODULE(mod_dup_state, .name = "gate", .parent = 0, .states = st_v, .n_states = 1,
          .compute_derivative = model_derivative);
DQ_MODULE(mod_no_deriv, .name = "gate", .parent = 0, .states = st_m, .n_states = 1);
DQ_MODULE(mod_bad_parent, .name = "gate", .parent = 1, .states = st_m, .n_states = 1,
          .compute_derivative = model_derivative);

DQ_MODEL(m_good, .name = "good", .params = p_good, .n_params = 3, .data_size = sizeof(inst_t),
         .modules = DQ_LIST(dq_module_desc_t, &mod_root, &mod_reads_v));
DQ_MODEL(m_pop_only, .name = "pop", .params = p_pop_only, .n_params = 1,
         .modules = DQ_LIST(dq_module_desc_t, &mod_root));
DQ_MODEL(m_pop_real, .name = "m", .params = p_pop_real, .n_params = 1,
         .modules = DQ_LIST(dq_module_desc_t, &mod_root));
DQ_MODEL(m_pop_twice, .name = "m", .params = p_pop_twice, .n_params = 2, .data_size = 16,
         .modules = DQ_LIST(dq_module_desc_t, &mod_root));
DQ_MODEL(m_past_end, .name = "m", .params = p_past_end, .n_params = 1, .data_size = sizeof(inst_t),
         .modules = DQ_LIST(dq_module_desc_t, &mod_root));
DQ_MODEL(m_no_data, .name = "m", .params = p_good, .n_params = 1,
         .modules = DQ_LIST(dq_module_desc_t, &mod_root));
DQ_MODEL(m_overlap, .name = "m", .params = p_overlap, .n_params = 2, .data_size = 16,
         .modules = DQ_LIST(dq_module_desc_t, &mod_root));
DQ_MODEL(m_bad_param, .name = "m", .params = p_bad_name, .n_params = 1, .data_size = 8,
         .modules = DQ_LIST(dq_module_desc_t, &mod_root));
DQ_MODEL(m_reads_w, .name = "m", .modules = DQ_LIST(dq_module_desc_t, &mod_root, &mod_reads_w));
DQ_MODEL(m_reads_own, .name = "m", .modules = DQ_LIST(dq_module_desc_t, &mod_root, &mod_reads_own));
DQ_MODEL(m_dup_state, .name = "m", .modules = DQ_LIST(dq_module_desc_t, &mod_root, &mod_dup_state));
DQ_MODEL(m_no_deriv, .name = "m", .modules = DQ_LIST(dq_module_desc_t, &mod_root, &mod_no_deriv));
DQ_MODEL(m_bad_parent, .name = "m",
         .modules = DQ_LIST(dq_module_desc_t, &mod_root, &mod_bad_parent));
DQ_MODEL(m_child_root, .name = "m", .modules = DQ_LIST(dq_module_desc_t, &mod_reads_v));
DQ_MODEL(m_empty_list, .name = "m", .modules = DQ_LIST(dq_module_desc_t, NULL));

static void assert_model_fails(const dq_model_desc_t *d, const char *source, const char *message)
{
    dq_error_t err;
    dq_error_clear(&err);
    ck_assert_int_eq(dq_registry_register_model(reg, d, source, &err), DQ_EDESC);
    assert_error(err, DQ_EDESC, source ? source : "", message);
    ck_assert_uint_eq(dq_registry_model_count(reg), 0);
}

START_TEST(test_registry_accepts_consistent_model_tables)
{
    dq_error_t err;
    dq_error_clear(&err);
    ck_assert_int_eq(dq_registry_register_model(reg, &m_good, NULL, &err), DQ_OK);
    /* Without an instance struct the population is the one parameter allowed. */
    ck_assert_int_eq(dq_registry_register_model(reg, &m_pop_only, NULL, &err), DQ_OK);
    ck_assert_int_eq(err.code, DQ_OK);
}
END_TEST

START_TEST(test_registry_refuses_inconsistent_parameter_tables)
{
    assert_model_fails(&m_pop_real, "/m.so",
                       "Model 'm' in '/m.so': population parameter 'n' cannot be "
                       "DQ_PARAM_PER_UNIT.");
    assert_model_fails(&m_pop_twice, NULL,
                       "Model 'm' flags both 'n' and 'm' as the population size.");
    assert_model_fails(&m_past_end, NULL,
                       "Model 'm' binds parameter 'a' at offset 20 (8 bytes), past the end of "
                       "its 24-byte instance struct.");
    assert_model_fails(&m_no_data, NULL,
                       "Model 'm' has parameter 'a' but no instance struct to bind it into "
                       "(data_size is 0).");
    assert_model_fails(&m_overlap, NULL,
                       "Model 'm' binds parameters 'a' and 'b' to overlapping bytes.");
    assert_model_fails(&m_bad_param, NULL,
                       "Model 'm': parameter 0 has no valid name ([A-Za-z0-9_]+).");
}
END_TEST

START_TEST(test_registry_refuses_inconsistent_module_tables)
{
    assert_model_fails(&m_reads_w, "/m.so",
                       "Model 'm' in '/m.so': module 'gate' reads 'w', which no module of the "
                       "model declares. States: v, m.");
    assert_model_fails(&m_reads_own, NULL, "Model 'm': module 'gate' reads its own state 'm'.");
    assert_model_fails(&m_dup_state, NULL, "Model 'm' declares state 'v' twice.");
    assert_model_fails(&m_no_deriv, NULL,
                       "Model 'm': module 'gate' has integrated states but no "
                       "compute_derivative.");
    assert_model_fails(&m_bad_parent, NULL,
                       "Model 'm': module 'gate' has parent 1; module 0 is the root (parent -1) "
                       "and parents come before their children.");
    assert_model_fails(&m_child_root, NULL,
                       "Model 'm': the root module has parent 0; module 0 is the root (parent "
                       "-1) and parents come before their children.");
    assert_model_fails(&m_empty_list, NULL, "Model 'm' has an empty module list.");
}
END_TEST

/* ---- unregistering ------------------------------------------------------------------- */

START_TEST(test_registry_unregister_removes_name_and_aliases)
{
    dq_error_t err;
    dq_error_clear(&err);
    must_register(&euler_desc, NULL);
    must_register(&rk4_desc, NULL);
    ck_assert_int_eq(dq_registry_unregister(reg, "euler", &err), DQ_OK);
    ck_assert_int_eq(err.code, DQ_OK);
    ck_assert(!dq_registry_contains(reg, "euler"));
    ck_assert(!dq_registry_contains(reg, "fe"));
    ck_assert(!dq_registry_contains(reg, "explicit_euler"));
    ck_assert(dq_registry_contains(reg, "classic_rk"));
    ck_assert_uint_eq(dq_registry_count(reg), 1);
    ck_assert_uint_eq(dq_registry_names(reg, 1, NULL, 0), 2);
    /* The name and aliases are free again. */
    must_register(&euler_plain_desc, NULL);
    DQ_INTEGRATOR(fe, .name = "fe", .step = step_a);
    must_register(&fe, NULL);
}
END_TEST

START_TEST(test_registry_unregister_refuses_an_alias)
{
    dq_error_t err;
    dq_error_clear(&err);
    must_register(&euler_desc, NULL);
    ck_assert_int_eq(dq_registry_unregister(reg, "fe", &err), DQ_ENOTFOUND);
    assert_error(err, DQ_ENOTFOUND, "",
                 "Cannot unregister 'fe': it is an alias for 'euler'; unregister the canonical "
                 "name.");
    ck_assert(dq_registry_contains(reg, "fe"));
}
END_TEST

START_TEST(test_registry_unregister_of_unknown_name_fails)
{
    dq_error_t err;
    dq_error_clear(&err);
    must_register(&euler_desc, NULL);
    ck_assert_int_eq(dq_registry_unregister(reg, "zz", &err), DQ_ENOTFOUND);
    assert_error(err, DQ_ENOTFOUND, "",
                 "Cannot unregister 'zz': no integrator of that name is registered.");
    ck_assert_uint_eq(dq_registry_count(reg), 1);
}
END_TEST

/* ---- deprecation --------------------------------------------------------------------- */

START_TEST(test_registry_deprecated_lookup_warns_once_per_name)
{
    must_register(&old_desc, "/plugins/old.so");
    ck_assert_ptr_nonnull(dq_registry_lookup(reg, "old", NULL));
    ck_assert_int_eq(warned.count, 1);
    ck_assert_str_eq(warned.source, "/plugins/old.so");
    ck_assert_str_eq(warned.message, "integrator 'old' is deprecated");
    dq_registry_lookup(reg, "old", NULL);
    ck_assert_int_eq(warned.count, 1);

    ck_assert_ptr_nonnull(dq_registry_lookup(reg, "legacy", NULL));
    ck_assert_int_eq(warned.count, 2);
    ck_assert_str_eq(warned.source, "/plugins/old.so");
    ck_assert_str_eq(warned.message, "integrator 'old' is deprecated (looked up as 'legacy')");
    dq_registry_lookup(reg, "legacy", NULL);
    dq_registry_lookup(reg, "old", NULL);
    ck_assert_int_eq(warned.count, 2);

    dq_registry_lookup(reg, "ancient", NULL);
    ck_assert_int_eq(warned.count, 3);
    ck_assert_str_eq(warned.message, "integrator 'old' is deprecated (looked up as 'ancient')");
}
END_TEST

START_TEST(test_registry_deprecation_warnings_are_per_registry)
{
    dq_registry_t *other = dq_registry_new();
    warnings_t other_warned = {0};
    dq_registry_set_warning_handler(other, warnings_collect, &other_warned);
    must_register(&old_desc, NULL);
    ck_assert_int_eq(dq_registry_register(other, &old_desc, NULL, NULL), DQ_OK);
    dq_registry_lookup(reg, "old", NULL);
    dq_registry_lookup(other, "old", NULL);
    ck_assert_int_eq(warned.count, 1);
    ck_assert_int_eq(other_warned.count, 1);
    ck_assert_str_eq(other_warned.source, "built into the program");
    ck_assert_str_eq(other_warned.message, "integrator 'old' is deprecated");
    dq_registry_free(other);
}
END_TEST

START_TEST(test_registry_override_resets_deprecation_warnings)
{
    must_register(&old_desc, "/plugins/old.so");
    dq_registry_lookup(reg, "old", NULL);
    ck_assert_int_eq(warned.count, 1);
    must_register(&old_override_desc, "/plugins/old2.so");
    ck_assert_int_eq(warned.count, 2); /* the override warning */
    dq_registry_lookup(reg, "old", NULL);
    ck_assert_int_eq(warned.count, 3);
    ck_assert_str_eq(warned.source, "/plugins/old2.so");
    ck_assert_str_eq(warned.message, "integrator 'old' is deprecated");
}
END_TEST

START_TEST(test_registry_lookup_of_current_entry_does_not_warn)
{
    must_register(&euler_desc, NULL);
    dq_registry_lookup(reg, "euler", NULL);
    dq_registry_lookup(reg, "fe", NULL);
    ck_assert_int_eq(warned.count, 0);
}
END_TEST

START_TEST(test_registry_warning_handler_is_settable_and_may_drop_warnings)
{
    void *user = NULL;
    ck_assert(dq_registry_warning_handler(reg, &user) == warnings_collect);
    ck_assert_ptr_eq(user, &warned);
    dq_registry_set_warning_handler(reg, NULL, NULL);
    ck_assert(dq_registry_warning_handler(reg, &user) == NULL);
    ck_assert_ptr_null(user);
    must_register(&old_desc, NULL);
    ck_assert_ptr_nonnull(dq_registry_lookup(reg, "old", NULL));
    must_register(&old_override_desc, NULL);
    ck_assert_int_eq(warned.count, 0);
    dq_registry_t *fresh = dq_registry_new();
    ck_assert(dq_registry_warning_handler(fresh, NULL) == NULL);
    dq_registry_free(fresh);
}
END_TEST

/* ---- unknown names ------------------------------------------------------------------- */

static void assert_unknown(const char *name, const char *message)
{
    dq_error_t err;
    dq_error_clear(&err);
    ck_assert_ptr_null(dq_registry_lookup(reg, name, &err));
    assert_error(err, DQ_ENOTFOUND, "", message);
}

START_TEST(test_registry_unknown_name_suggests_the_closest_and_lists_names)
{
    DQ_INTEGRATOR(rk4_plain, .name = "rk4", .step = step_a);
    must_register(&euler_plain_desc, NULL);
    must_register(&rk4_plain, NULL);
    assert_unknown("rk5", "Unknown integrator 'rk5'. Did you mean 'rk4'? Available: euler, rk4.");
}
END_TEST

START_TEST(test_registry_unknown_name_suggests_at_most_three_best_first)
{
    DQ_INTEGRATOR(rk1, .name = "rk1", .step = step_a);
    must_register(&euler_plain_desc, NULL);
    must_register(&rk2_desc, NULL);
    must_register(&rk3_desc, NULL);
    must_register(&rk4_desc, NULL);
    must_register(&rk1, NULL);
    /* All four score 2/3; difflib breaks the tie by the larger string. */
    assert_unknown("rk5", "Unknown integrator 'rk5'. Did you mean 'rk4', 'rk3', 'rk2'? "
                          "Available: euler, rk1, rk2, rk3, rk4.");
}
END_TEST

START_TEST(test_registry_unknown_name_suggests_aliases_but_lists_canonical_names)
{
    must_register(&euler_desc, NULL);
    must_register(&rk4_desc, NULL);
    assert_unknown("classic-rk", "Unknown integrator 'classic-rk'. Did you mean 'classic_rk'? "
                                 "Available: euler, rk4.");
}
END_TEST

START_TEST(test_registry_unknown_name_without_close_match_has_no_suggestion)
{
    must_register(&euler_plain_desc, NULL);
    must_register(&rk4_desc, NULL);
    assert_unknown("zzz", "Unknown integrator 'zzz'. Available: euler, rk4.");
}
END_TEST

START_TEST(test_registry_unknown_name_in_empty_registry_says_none_registered)
{
    assert_unknown("zzz", "Unknown integrator 'zzz'. No integrators are registered.");
}
END_TEST

START_TEST(test_registry_null_name_is_unknown_empty_name)
{
    must_register(&rk4_desc, NULL);
    assert_unknown(NULL, "Unknown integrator ''. Available: rk4.");
}
END_TEST

START_TEST(test_registry_available_list_is_sorted_bytewise)
{
    DQ_INTEGRATOR(upper, .name = "Zed", .step = step_a);
    DQ_INTEGRATOR(dash, .name = "a-b", .step = step_a);
    DQ_INTEGRATOR(under, .name = "a_b", .step = step_a);
    must_register(&under, NULL);
    must_register(&dash, NULL);
    must_register(&upper, NULL);
    assert_unknown("qqq", "Unknown integrator 'qqq'. Available: Zed, a-b, a_b.");
}
END_TEST

START_TEST(test_registry_suggest_matches_difflib_get_close_matches)
{
    must_register(&euler_desc, NULL);
    must_register(&rk4_desc, NULL);
    must_register(&rk3_desc, NULL);
    must_register(&exp_euler_desc, NULL);
    const char *out[8];
    /* difflib.get_close_matches('eulr', [all names and aliases]) == ['euler', 'exp_euler'] */
    ck_assert_uint_eq(dq_registry_suggest(reg, "eulr", out, 8), 2);
    ck_assert_str_eq(out[0], "euler");
    ck_assert_str_eq(out[1], "exp_euler");
    /* get_close_matches('rk', ...) == ['rk4', 'rk3'] */
    ck_assert_uint_eq(dq_registry_suggest(reg, "rk", out, 8), 2);
    ck_assert_str_eq(out[0], "rk4");
    ck_assert_str_eq(out[1], "rk3");
    ck_assert_uint_eq(dq_registry_suggest(reg, "rk", out, 1), 1);
    ck_assert_str_eq(out[0], "rk4");
    ck_assert_uint_eq(dq_registry_suggest(reg, "rk", out, 0), 0);
    /* get_close_matches('exp_eulr', ...) == ['exp_euler', 'explicit_euler', 'euler'] */
    ck_assert_uint_eq(dq_registry_suggest(reg, "exp_eulr", out, 8), 3);
    ck_assert_str_eq(out[0], "exp_euler");
    ck_assert_str_eq(out[1], "explicit_euler");
    ck_assert_str_eq(out[2], "euler");
}
END_TEST

/* ---- listing ------------------------------------------------------------------------- */

START_TEST(test_registry_names_are_sorted_and_counted_beyond_cap)
{
    must_register(&rk4_desc, NULL);
    must_register(&euler_desc, NULL);
    must_register(&bare_desc, NULL);
    const char *out[8];
    ck_assert_uint_eq(dq_registry_names(reg, 0, out, 8), 3);
    ck_assert_str_eq(out[0], "bare");
    ck_assert_str_eq(out[1], "euler");
    ck_assert_str_eq(out[2], "rk4");
    ck_assert_uint_eq(dq_registry_names(reg, 1, out, 8), 6);
    const char *want[] = {"bare", "classic_rk", "euler", "explicit_euler", "fe", "rk4"};
    for (size_t i = 0; i < 6; ++i)
        ck_assert_str_eq(out[i], want[i]);
    /* cap limits what is written, not what is counted */
    out[2] = "untouched";
    ck_assert_uint_eq(dq_registry_names(reg, 1, out, 2), 6);
    ck_assert_str_eq(out[1], "classic_rk");
    ck_assert_str_eq(out[2], "untouched");
    ck_assert_uint_eq(dq_registry_names(reg, 0, NULL, 0), 3);
}
END_TEST

START_TEST(test_registry_by_category_filters_sorted_names)
{
    must_register(&rk4_desc, NULL);
    must_register(&exp_euler_desc, NULL);
    must_register(&euler_desc, NULL);
    must_register(&bare_desc, NULL);
    const char *out[8];
    ck_assert_uint_eq(dq_registry_by_category(reg, "explicit", out, 8), 2);
    ck_assert_str_eq(out[0], "euler");
    ck_assert_str_eq(out[1], "rk4");
    ck_assert_uint_eq(dq_registry_by_category(reg, "explicit", out, 1), 2);
    ck_assert_str_eq(out[0], "euler");
    ck_assert_uint_eq(dq_registry_by_category(reg, "explicit", NULL, 0), 2);
    ck_assert_uint_eq(dq_registry_by_category(reg, "exponential", out, 8), 1);
    ck_assert_str_eq(out[0], "exp_euler");
    ck_assert_uint_eq(dq_registry_by_category(reg, "", out, 8), 1);
    ck_assert_str_eq(out[0], "bare");
    ck_assert_uint_eq(dq_registry_by_category(reg, "implicit", out, 8), 0);
}
END_TEST

START_TEST(test_registry_at_iterates_in_canonical_name_order)
{
    must_register(&rk4_desc, NULL);
    must_register(&euler_desc, NULL);
    must_register(&exp_euler_desc, NULL);
    ck_assert_uint_eq(dq_registry_count(reg), 3);
    ck_assert_str_eq(dq_registry_at(reg, 0)->name, "euler");
    ck_assert_str_eq(dq_registry_at(reg, 1)->name, "exp_euler");
    ck_assert_str_eq(dq_registry_at(reg, 2)->name, "rk4");
    ck_assert_ptr_null(dq_registry_at(reg, 3));
}
END_TEST

START_TEST(test_registry_entries_stay_put_while_others_come_and_go)
{
    must_register(&rk4_desc, NULL);
    const dq_integrator_entry_t *e = dq_registry_lookup(reg, "rk4", NULL);
    must_register(&euler_desc, NULL);
    must_register(&bare_desc, NULL);
    must_register(&exp_euler_desc, NULL);
    ck_assert_int_eq(dq_registry_unregister(reg, "bare", NULL), DQ_OK);
    ck_assert_ptr_eq(dq_registry_lookup(reg, "rk4", NULL), e);
    ck_assert_str_eq(e->name, "rk4");
}
END_TEST

START_TEST(test_registry_many_registries_are_independent)
{
    dq_registry_t *other = dq_registry_new();
    must_register(&euler_desc, "/a/euler.so");
    ck_assert_int_eq(dq_registry_register(other, &rk4_desc, NULL, NULL), DQ_OK);
    ck_assert_int_eq(dq_registry_register(other, &euler_plain_desc, "/b/euler.so", NULL), DQ_OK);
    ck_assert_uint_eq(dq_registry_count(reg), 1);
    ck_assert_uint_eq(dq_registry_count(other), 2);
    ck_assert(!dq_registry_contains(reg, "rk4"));
    ck_assert(!dq_registry_contains(other, "fe"));
    ck_assert_str_eq(dq_registry_lookup(reg, "euler", NULL)->origin, "/a/euler.so");
    ck_assert_str_eq(dq_registry_lookup(other, "euler", NULL)->origin, "/b/euler.so");
    ck_assert_int_eq(dq_registry_unregister(other, "euler", NULL), DQ_OK);
    ck_assert(dq_registry_contains(reg, "euler"));
    dq_error_t err;
    dq_error_clear(&err);
    ck_assert_ptr_null(dq_registry_lookup(other, "fe", &err));
    assert_error(err, DQ_ENOTFOUND, "", "Unknown integrator 'fe'. Available: rk4.");
    dq_registry_free(other);
}
END_TEST

/* ---- models -------------------------------------------------------------------------- */

START_TEST(test_registry_models_register_and_look_up_by_name)
{
    dq_error_t err;
    dq_error_clear(&err);
    ck_assert_int_eq(dq_registry_register_model(reg, &growth_model, "/m/growth.so", &err), DQ_OK);
    ck_assert_int_eq(dq_registry_register_model(reg, &decay_model, NULL, &err), DQ_OK);
    ck_assert_int_eq(dq_registry_register_model(reg, &hh_model, NULL, &err), DQ_OK);
    ck_assert_int_eq(err.code, DQ_OK);
    const dq_model_entry_t *m = dq_registry_lookup_model(reg, "decay", &err);
    ck_assert_ptr_nonnull(m);
    ck_assert_str_eq(m->desc->name, "decay");
    ck_assert_str_eq(m->desc->description, "exponential decay");
    ck_assert(m->desc->create == model_create);
    ck_assert_str_eq(m->origin, "built into the program");
    ck_assert_str_eq(dq_registry_lookup_model(reg, "growth", NULL)->origin, "/m/growth.so");
    ck_assert_uint_eq(dq_registry_model_count(reg), 3);
    ck_assert_str_eq(dq_registry_model_at(reg, 0)->desc->name, "HH");
    ck_assert_str_eq(dq_registry_model_at(reg, 1)->desc->name, "decay");
    ck_assert_str_eq(dq_registry_model_at(reg, 2)->desc->name, "growth");
    ck_assert_ptr_null(dq_registry_model_at(reg, 3));
    /* Models are a namespace of their own. */
    ck_assert(!dq_registry_contains(reg, "decay"));
    ck_assert_uint_eq(dq_registry_count(reg), 0);
}
END_TEST

START_TEST(test_registry_duplicate_model_fails_naming_the_owner)
{
    dq_error_t err;
    dq_error_clear(&err);
    ck_assert_int_eq(dq_registry_register_model(reg, &decay_model, "/m/decay.so", NULL), DQ_OK);
    ck_assert_int_eq(dq_registry_register_model(reg, &decay_model, "/m/copy.so", &err), DQ_EEXIST);
    assert_error(err, DQ_EEXIST, "/m/copy.so",
                 "Model 'decay' is already registered by '/m/decay.so'.");
    ck_assert_uint_eq(dq_registry_model_count(reg), 1);
    ck_assert_str_eq(dq_registry_model_at(reg, 0)->origin, "/m/decay.so");
}
END_TEST

START_TEST(test_registry_model_names_are_validated)
{
    DQ_MODEL(empty, .name = "", .create = model_create);
    DQ_MODEL(null_name, .name = NULL, .create = model_create);
    DQ_MODEL(bad, .name = "my model", .create = model_create);
    dq_error_t err;
    dq_error_clear(&err);
    ck_assert_int_eq(dq_registry_register_model(reg, &empty, "/m.so", &err), DQ_EDESC);
    assert_error(err, DQ_EDESC, "/m.so", "Model name must be a non-empty string.");
    dq_error_clear(&err);
    ck_assert_int_eq(dq_registry_register_model(reg, &null_name, NULL, &err), DQ_EDESC);
    assert_error(err, DQ_EDESC, "", "Model name must be a non-empty string.");
    dq_error_clear(&err);
    ck_assert_int_eq(dq_registry_register_model(reg, &bad, "/m.so", &err), DQ_EDESC);
    assert_error(err, DQ_EDESC, "/m.so",
                 "Model name 'my model' has characters outside [A-Za-z0-9_.-].");
    ck_assert_uint_eq(dq_registry_model_count(reg), 0);
}
END_TEST

START_TEST(test_registry_model_of_newer_abi_minor_is_refused)
{
    dq_model_desc_t d = decay_model;
    d.abi.abi_minor = DQ_ABI_MINOR + 1;
    char msg[512];
    snprintf(msg, sizeof msg,
             "'/m.so': model descriptor was built for plugin ABI %d.%d, this host is %d.%d "
             "(a newer minor version; upgrade dqhost)",
             DQ_ABI_MAJOR, DQ_ABI_MINOR + 1, DQ_ABI_MAJOR, DQ_ABI_MINOR);
    dq_error_t err;
    dq_error_clear(&err);
    ck_assert_int_eq(dq_registry_register_model(reg, &d, "/m.so", &err), DQ_EABI);
    assert_error(err, DQ_EABI, "/m.so", msg);
    ck_assert_uint_eq(dq_registry_model_count(reg), 0);
}
END_TEST

START_TEST(test_registry_unknown_model_suggests_and_lists_models)
{
    dq_error_t err;
    dq_error_clear(&err);
    ck_assert_ptr_null(dq_registry_lookup_model(reg, "decay", &err));
    assert_error(err, DQ_ENOTFOUND, "", "Unknown model 'decay'. No models are registered.");
    dq_registry_register_model(reg, &decay_model, NULL, NULL);
    dq_registry_register_model(reg, &growth_model, NULL, NULL);
    dq_error_clear(&err);
    ck_assert_ptr_null(dq_registry_lookup_model(reg, "decy", &err));
    assert_error(err, DQ_ENOTFOUND, "",
                 "Unknown model 'decy'. Did you mean 'decay'? Available: decay, growth.");
    dq_error_clear(&err);
    ck_assert_ptr_null(dq_registry_lookup_model(reg, "xyz", &err));
    assert_error(err, DQ_ENOTFOUND, "", "Unknown model 'xyz'. Available: decay, growth.");
}
END_TEST

/* ---- difflib ------------------------------------------------------------------------- */

/* Expected values from Python 3: difflib.SequenceMatcher(None, a, b).ratio(). Both sides are
 * the same IEEE expression, 2.0 * M / T, so they compare exactly. */
START_TEST(test_similarity_matches_difflib_ratio)
{
    ck_assert_double_eq(dq_similarity("rk5", "rk4"), 0.6666666666666666);
    ck_assert_double_eq(dq_similarity("abcd", "bcde"), 0.75);
    ck_assert_double_eq(dq_similarity("euler", "eular"), 0.8);
    ck_assert_double_eq(dq_similarity("exp_euler", "ind_exp_euler"), 0.8181818181818182);
    ck_assert_double_eq(dq_similarity("", ""), 1.0);
    ck_assert_double_eq(dq_similarity("abc", ""), 0.0);
    ck_assert_double_eq(dq_similarity(NULL, NULL), 1.0);
    ck_assert_double_eq(dq_similarity("ab", "ba"), 0.5);
}
END_TEST

/* The longest block is taken first and the rest is matched only left and right of it, so
 * the result is not the longest common subsequence. */
START_TEST(test_similarity_follows_difflib_greedy_blocks)
{
    /* blocks "ab" then "cd": 2*4/9 */
    ck_assert_double_eq(dq_similarity("abxcd", "abcd"), 0.8888888888888888);
    /* "ab" and "cd" tie at length 2; the earlier in a wins, "cd" still fits on its right */
    ck_assert_double_eq(dq_similarity("qabxcd", "abycdf"), 0.6666666666666666);
    /* The first block splits the rest differently in each direction. */
    ck_assert_double_eq(dq_similarity("cbacb", "abc"), 0.25);
    ck_assert_double_eq(dq_similarity("abc", "cbacb"), 0.5);
    ck_assert_double_eq(dq_similarity("xabcyab", "abab"), 0.7272727272727273);
}
END_TEST

/* difflib's autojunk: when b has 200 or more elements, elements more frequent than
 * len(b)/100 + 1 seed no match, though a found match still grows over them. */
START_TEST(test_similarity_applies_difflib_popular_rule_for_long_b)
{
    char x[222], y[222], a200z[202];
    x[0] = 'x';
    for (int i = 0; i < 220; ++i) {
        x[1 + i] = (char)('a' + i % 2);
        y[i] = (char)('a' + i % 2);
    }
    x[221] = '\0';
    y[220] = 'y';
    y[221] = '\0';
    /* ratio('x' + 'ab'*110, 'ab'*110 + 'y') == 0.0 (0.995... without autojunk) */
    ck_assert_double_eq(dq_similarity(x, y), 0.0);
    /* ratio('ab'*110 + 'y', 'x' + 'ab'*110) == 0.0 too: now 'a' and 'b' are popular in x */
    ck_assert_double_eq(dq_similarity(y, x), 0.0);
    memset(a200z, 'a', 200);
    a200z[200] = 'z';
    a200z[201] = '\0';
    /* ratio('aaaaz', 'a'*200 + 'z'): 'z' seeds, the block grows left over popular 'a's */
    ck_assert_double_eq(dq_similarity("aaaaz", a200z), 0.04854368932038835);
    /* ratio('qaaaz', 'a'*200 + 'z'): only growing left finds the 'a's before 'z' (8/206) */
    ck_assert_double_eq(dq_similarity("qaaaz", a200z), 0.038834951456310676);
}
END_TEST

START_TEST(test_suggest_orders_by_score_then_larger_string)
{
    const char *cands[] = {"ab", "ba", "ac", "ca", "bx", "xb"};
    const char *out[10];
    /* get_close_matches('ab', cands, n=10, cutoff=0.0) */
    const char *want[] = {"ab", "xb", "ca", "bx", "ba", "ac"};
    ck_assert_uint_eq(dq_suggest("ab", cands, 6, 0.0, out, 10), 6);
    for (size_t i = 0; i < 6; ++i)
        ck_assert_str_eq(out[i], want[i]);
    /* n=3 keeps the first three of the same order */
    ck_assert_uint_eq(dq_suggest("ab", cands, 6, 0.0, out, 3), 3);
    for (size_t i = 0; i < 3; ++i)
        ck_assert_str_eq(out[i], want[i]);
}
END_TEST

START_TEST(test_suggest_keeps_scores_at_or_above_cutoff)
{
    const char *cands[] = {"euler", "rk4", "rk3", "rk2", "heun"};
    const char *out[5];
    /* get_close_matches('rk5', cands) == ['rk4', 'rk3', 'rk2']; 2/3 >= 0.6 */
    ck_assert_uint_eq(dq_suggest("rk5", cands, 5, 0.6, out, 5), 3);
    ck_assert_str_eq(out[0], "rk4");
    ck_assert_str_eq(out[1], "rk3");
    ck_assert_str_eq(out[2], "rk2");
    /* the cutoff is inclusive */
    ck_assert_uint_eq(dq_suggest("rk5", cands, 5, 0.6666666666666666, out, 5), 3);
    ck_assert_uint_eq(dq_suggest("rk5", cands, 5, 0.67, out, 5), 0);
    ck_assert_uint_eq(dq_suggest("rk5", cands, 0, 0.0, out, 5), 0);
}
END_TEST

START_TEST(test_suggest_scores_candidate_against_word_as_difflib)
{
    /* get_close_matches puts the candidate first: ratio('cbacb', 'abc') == 0.25, while
     * ratio('abc', 'cbacb') == 0.5. get_close_matches('abc', ['cbacb'], cutoff=0.3) == [] */
    const char *c1[] = {"cbacb"};
    const char *c2[] = {"abc"};
    const char *out[1];
    ck_assert_uint_eq(dq_suggest("abc", c1, 1, 0.3, out, 1), 0);
    ck_assert_uint_eq(dq_suggest("cbacb", c2, 1, 0.3, out, 1), 1);
    ck_assert_str_eq(out[0], "abc");
}
END_TEST

START_TEST(test_suggest_handles_more_results_than_fit_on_the_stack)
{
    /* ratio('cNN', 'c') == 0.5 for all 40, so the order is by string, largest first. */
    char buf[40][4];
    const char *cands[40];
    for (int i = 0; i < 40; ++i) {
        snprintf(buf[i], sizeof buf[i], "c%02d", i);
        cands[i] = buf[i];
    }
    const char *out[40];
    ck_assert_uint_eq(dq_suggest("c", cands, 40, 0.5, out, 40), 40);
    for (int i = 0; i < 40; ++i)
        ck_assert_str_eq(out[i], buf[39 - i]);
    /* a closer one goes first */
    cands[7] = "cc";
    ck_assert_uint_eq(dq_suggest("c", cands, 40, 0.5, out, 40), 40);
    ck_assert_str_eq(out[0], "cc");
    ck_assert_str_eq(out[1], "c39");
}
END_TEST

/* ---- strings and pointers from plugins (issue #10) ----------------------------------- */

/* A pointer `bytes` past p: where a broken plugin may point. Never read through. */
#define MISALIGNED(T, p, bytes) ((const T *)(const void *)((const char *)(p) + (bytes)))

DQ_INTEGRATOR(s_desc_utf8, .name = "x", .description = "bad \xff byte", .step = step_a);
DQ_INTEGRATOR(s_desc_escape, .name = "x", .description = "red \x1b[31mtext\x1b[0m", .step = step_a);
DQ_INTEGRATOR(s_desc_newline, .name = "x", .description = "two\nlines", .step = step_a);
DQ_INTEGRATOR(s_desc_c1, .name = "x",
              .description = "csi \xc2\x9b"
                             "31m",
              .step = step_a);
DQ_INTEGRATOR(s_desc_overlong_form, .name = "x", .description = "slash \xc0\xaf", .step = step_a);
DQ_INTEGRATOR(s_desc_cut_short, .name = "x", .description = "e \xc3", .step = step_a);
DQ_INTEGRATOR(s_desc_unicode, .name = "x",
              .description = "\xc3\xa9t\xc3\xa9 \xe2\x88\x82y/\xe2\x88\x82t", .step = step_a);
DQ_INTEGRATOR(s_alias_utf8, .name = "x", .aliases = DQ_ALIASES("ok", "b\xe9"), .step = step_a);
DQ_INTEGRATOR(s_option_doc, .name = "x", .step = step_a,
              .options = DQ_OPTIONS({.name = "tol", .doc = "tab\there"}));
DQ_INTEGRATOR(s_category_long, .name = "x",
              .category = "explicit-explicit-explicit-explicit-explicit-explicit-explicit-xy",
              .step = step_a);
static const dq_option_desc_t s_options[] = {{.name = "a"}, {.name = "b"}, {0}};
DQ_INTEGRATOR(s_options_misaligned, .name = "x", .step = step_a,
              .options = MISALIGNED(dq_option_desc_t, s_options, 4));
static const char *const s_aliases[] = {"y", NULL};
DQ_INTEGRATOR(s_aliases_misaligned, .name = "x", .step = step_a,
              .aliases = MISALIGNED(char *const, s_aliases, 2));

START_TEST(test_registry_refuses_description_that_is_not_printable_utf8)
{
    assert_register_fails(&s_desc_utf8, "/x.so", DQ_EDESC, "/x.so",
                          "Integrator 'x' in '/x.so': description is not valid UTF-8 (byte 0xff "
                          "at offset 4).");
    assert_register_fails(&s_desc_escape, NULL, DQ_EDESC, "",
                          "Integrator 'x': description contains control character U+001B at "
                          "offset 4.");
    assert_register_fails(&s_desc_newline, NULL, DQ_EDESC, "",
                          "Integrator 'x': description contains control character U+000A at "
                          "offset 3 (it must be one line).");
    assert_register_fails(&s_desc_c1, NULL, DQ_EDESC, "",
                          "Integrator 'x': description contains control character U+009B at "
                          "offset 4.");
    assert_register_fails(&s_desc_overlong_form, NULL, DQ_EDESC, "",
                          "Integrator 'x': description is not valid UTF-8 (byte 0xc0 at offset "
                          "6).");
    assert_register_fails(&s_desc_cut_short, NULL, DQ_EDESC, "",
                          "Integrator 'x': description is not valid UTF-8 (byte 0xc3 at offset "
                          "2).");
    must_register(&s_desc_unicode, NULL);
    ck_assert_str_eq(dq_registry_lookup(reg, "x", NULL)->description,
                     "\xc3\xa9t\xc3\xa9 \xe2\x88\x82y/\xe2\x88\x82t");
}
END_TEST

START_TEST(test_registry_refuses_bad_alias_option_doc_and_category_strings)
{
    assert_register_fails(&s_alias_utf8, "/x.so", DQ_EDESC, "/x.so",
                          "Integrator 'x' in '/x.so': alias 1 is not valid UTF-8 (byte 0xe9 at "
                          "offset 1).");
    assert_register_fails(&s_option_doc, NULL, DQ_EDESC, "",
                          "Integrator 'x': option 'tol' doc contains control character U+0009 "
                          "at offset 3.");
    assert_register_fails(&s_category_long, NULL, DQ_EDESC, "",
                          "Integrator 'x': category is longer than the 64 bytes allowed.");
}
END_TEST

START_TEST(test_registry_bounds_names_at_64_and_descriptions_at_512_bytes)
{
    static char name[66], desc[515];
    static dq_integrator_desc_t d;
    d = (dq_integrator_desc_t){
        .abi = DQ_ABI_HEADER_INIT(dq_integrator_desc_t), .name = name, .step = step_a};
    memset(name, 'n', 65);
    assert_register_fails(&d, "/x.so", DQ_EDESC, "/x.so",
                          "Integrator descriptor in '/x.so': name is longer than the 64 bytes "
                          "allowed.");
    name[64] = '\0';
    d.description = desc;
    memset(desc, 'd', 513);
    assert_register_fails(&d, NULL, DQ_EDESC, "",
                          "Integrator 'nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn"
                          "nnnn': description is longer than the 512 bytes allowed.");
    /* A two-byte character that would end one byte past the bound. */
    desc[511] = '\xc3';
    desc[512] = '\xa9';
    assert_register_fails(&d, NULL, DQ_EDESC, "",
                          "Integrator 'nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn"
                          "nnnn': description is longer than the 512 bytes allowed.");
    desc[512] = '\0';
    desc[511] = 'd';
    must_register(&d, NULL);
    ck_assert_uint_eq(strlen(dq_registry_lookup(reg, name, NULL)->description), 512);
}
END_TEST

START_TEST(test_registry_refuses_misaligned_descriptor_pointers_without_reading_them)
{
    assert_register_fails(MISALIGNED(dq_integrator_desc_t, &euler_desc, 1), "/x.so", DQ_EDESC,
                          "/x.so",
                          "'/x.so': integrator descriptor is at a misaligned address (needs "
                          "8-byte alignment)");
    assert_register_fails(&s_options_misaligned, NULL, DQ_EDESC, "",
                          "Integrator 'x': option table is at a misaligned address (needs "
                          "8-byte alignment).");
    assert_register_fails(&s_aliases_misaligned, NULL, DQ_EDESC, "",
                          "Integrator 'x': aliases list is at a misaligned address (needs "
                          "8-byte alignment).");
}
END_TEST

static const dq_param_desc_t s_p_unit[] = {{.name = "tau", .unit = "m\x1bs", .offset = 0}};
static const dq_param_desc_t s_p_name[] = {{.name = "t\xe2\x82", .offset = 0}};
static const dq_state_desc_t s_st_doc[] = {{.name = "v",
                                            .doc = "mem\xff"
                                                   "brane"}};
static const dq_state_desc_t s_st_ok[] = {{.name = "v"}, {.name = "m"}};
DQ_MODULE(s_mod_doc, .name = "root", .parent = -1, .states = s_st_doc, .n_states = 1,
          .compute_derivative = model_derivative);
DQ_MODULE(s_mod_states_misaligned, .name = "root", .parent = -1,
          .states = MISALIGNED(dq_state_desc_t, s_st_ok, 4), .n_states = 1,
          .compute_derivative = model_derivative);
DQ_MODULE(s_mod_reads_bad, .name = "gate", .parent = 0, .states = st_m, .n_states = 1,
          .reads = DQ_READS("v\x7f"), .compute_derivative = model_derivative);
DQ_MODULE(s_mod_long_name,
          .name = "g123456789g123456789g123456789g123456789g123456789g123456789xxxxx", .parent = 0,
          .states = st_m, .n_states = 1, .compute_derivative = model_derivative);
DQ_MODULE(s_mod_many_states, .name = "root", .parent = -1, .states = s_st_ok, .n_states = 5000,
          .compute_derivative = model_derivative);
DQ_MODEL(s_m_unit, .name = "m", .params = s_p_unit, .n_params = 1, .data_size = 8,
         .modules = DQ_LIST(dq_module_desc_t, &mod_root));
DQ_MODEL(s_m_pname, .name = "m", .params = s_p_name, .n_params = 1, .data_size = 8,
         .modules = DQ_LIST(dq_module_desc_t, &mod_root));
DQ_MODEL(s_m_doc, .name = "m", .modules = DQ_LIST(dq_module_desc_t, &s_mod_doc));
DQ_MODEL(s_m_reads, .name = "m", .modules = DQ_LIST(dq_module_desc_t, &mod_root, &s_mod_reads_bad));
DQ_MODEL(s_m_long_module, .name = "m",
         .modules = DQ_LIST(dq_module_desc_t, &mod_root, &s_mod_long_name));
DQ_MODEL(s_m_desc, .name = "m", .description = "\x1b]0;owned\x07",
         .modules = DQ_LIST(dq_module_desc_t, &mod_root));
DQ_MODEL(s_m_time_unit, .name = "m", .time_unit = "m\xc3\x28s",
         .modules = DQ_LIST(dq_module_desc_t, &mod_root));
DQ_MODEL(s_m_many_params, .name = "m", .params = p_good, .n_params = 5000, .data_size = 24,
         .modules = DQ_LIST(dq_module_desc_t, &mod_root));
DQ_MODEL(s_m_many_states, .name = "m", .modules = DQ_LIST(dq_module_desc_t, &s_mod_many_states));
DQ_MODEL(s_m_params_misaligned, .name = "m", .params = MISALIGNED(dq_param_desc_t, p_good, 1),
         .n_params = 1, .data_size = 24, .modules = DQ_LIST(dq_module_desc_t, &mod_root));
DQ_MODEL(s_m_states_misaligned, .name = "m",
         .modules = DQ_LIST(dq_module_desc_t, &s_mod_states_misaligned));
static const dq_module_desc_t *const s_modules[] = {&mod_root, NULL};
DQ_MODEL(s_m_modules_misaligned, .name = "m",
         .modules = MISALIGNED(dq_module_desc_t *const, s_modules, 3));
DQ_MODEL(s_m_module_misaligned, .name = "m",
         .modules = DQ_LIST(dq_module_desc_t, &mod_root,
                            MISALIGNED(dq_module_desc_t, &mod_reads_v, 2)));

START_TEST(test_registry_refuses_model_strings_that_are_not_printable_bounded_utf8)
{
    assert_model_fails(&s_m_unit, "/m.so",
                       "Model 'm' in '/m.so': parameter 'tau' unit contains control character "
                       "U+001B at offset 1.");
    assert_model_fails(&s_m_pname, NULL,
                       "Model 'm': parameter 0 name is not valid UTF-8 (byte 0xe2 at offset 1).");
    assert_model_fails(&s_m_doc, NULL,
                       "Model 'm': the root module state 'v' doc is not valid UTF-8 (byte 0xff "
                       "at offset 3).");
    assert_model_fails(&s_m_reads, NULL,
                       "Model 'm': module 'gate' reads[0] contains control character U+007F at "
                       "offset 1.");
    assert_model_fails(&s_m_long_module, NULL,
                       "Model 'm': module 1 name is longer than the 64 bytes allowed.");
    assert_model_fails(&s_m_desc, NULL,
                       "Model 'm': description contains control character U+001B at offset 0.");
    assert_model_fails(&s_m_time_unit, NULL,
                       "Model 'm': time_unit is not valid UTF-8 (byte 0xc3 at offset 1).");
}
END_TEST

START_TEST(test_registry_refuses_model_counts_past_their_bounds_before_reading_tables)
{
    assert_model_fails(&s_m_many_params, "/m.so",
                       "Model 'm' in '/m.so' declares 5000 parameters, more than the 1024 a "
                       "model may have.");
    assert_model_fails(&s_m_many_states, NULL,
                       "Model 'm': the root module declares 5000 states, more than the 1024 a "
                       "module may have.");
}
END_TEST

START_TEST(test_registry_refuses_misaligned_model_tables_without_reading_them)
{
    dq_error_t err;
    dq_error_clear(&err);
    ck_assert_int_eq(
        dq_registry_register_model(reg, MISALIGNED(dq_model_desc_t, &m_good, 4), "/m.so", &err),
        DQ_EDESC);
    assert_error(err, DQ_EDESC, "/m.so",
                 "'/m.so': model descriptor is at a misaligned address (needs 8-byte "
                 "alignment)");
    assert_model_fails(&s_m_params_misaligned, NULL,
                       "Model 'm': parameter table is at a misaligned address (needs 8-byte "
                       "alignment).");
    assert_model_fails(&s_m_modules_misaligned, NULL,
                       "Model 'm': module list is at a misaligned address (needs 8-byte "
                       "alignment).");
    assert_model_fails(&s_m_module_misaligned, NULL,
                       "Model 'm': module 1 descriptor is at a misaligned address (needs 8-byte "
                       "alignment).");
    assert_model_fails(&s_m_states_misaligned, NULL,
                       "Model 'm': the root module state table is at a misaligned address "
                       "(needs 8-byte alignment).");
}
END_TEST

/* Seconds of CPU time this process has used. */
static double cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Peak resident memory in KiB. */
static long peak_rss_kib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

START_TEST(test_suggest_ten_megabyte_name_against_builtins_is_cut_off_by_length)
{
    dq_error_t err;
    dq_error_clear(&err);
    dq_loader_t *l = dq_loader_new(reg, &err);
    ck_assert_ptr_nonnull(l);
    ck_assert_int_eq(dq_loader_load_dir(l, DQ_TEST_PLUGIN_DIR, &err), DQ_OK);
    ck_assert_uint_ge(dq_registry_count(reg), 10);
    /* Made of the candidates' own letters, so only the length bound can rule them out. */
    size_t n = (size_t)10 << 20;
    char *name = malloc(n + 1);
    ck_assert_ptr_nonnull(name);
    for (size_t i = 0; i < n; ++i)
        name[i] = "euler_k4"[i % 8];
    name[n] = '\0';
    /* Work is counted as memory: difflib's match table for this name alone is 160 MB, and
     * 10 MB is already resident. CPU time gets a generous bound (it takes ~10 ms). */
    long rss0 = peak_rss_kib();
    double t0 = cpu_seconds();
    dq_error_t merr;
    dq_error_clear(&merr);
    ck_assert_ptr_null(dq_registry_lookup(reg, name, &err));
    ck_assert_ptr_null(dq_registry_lookup_model(reg, name, &merr));
    const char *out[4];
    ck_assert_uint_eq(dq_registry_suggest(reg, name, out, 4), 0);
    double dt = cpu_seconds() - t0;
    long grown = peak_rss_kib() - rss0;
    ck_assert_msg(dt < 1.0, "suggestions for a 10 MB name took %.3f s", dt);
    ck_assert_msg(grown < 32 * 1024, "suggestions for a 10 MB name grew memory by %ld KiB", grown);
    ck_assert_str_eq(dq_err_name(err.code), "ENOTFOUND");
    /* The name is shown cut, so the message still lists what exists. */
    const char *head = "Unknown integrator 'euler_k4euler_k4euler_k4euler_k4euler_k4euler_k4"
                       "euler_k4euler_k4euler_k4euler...'. Available: backward_euler, bs3, ";
    ck_assert_msg(strncmp(err.message, head, strlen(head)) == 0, "%s", err.message);
    ck_assert_str_eq(dq_err_name(merr.code), "ENOTFOUND");
    ck_assert_int_eq(strncmp(merr.message, "Unknown model 'euler_k4euler_k4", 31), 0);
    ck_assert_ptr_nonnull(strstr(merr.message, "...'. Available: "));
    /* Names within reach still get their suggestion. */
    ck_assert_uint_eq(dq_registry_suggest(reg, "eulr", out, 1), 1);
    ck_assert_str_eq(out[0], "euler");
    free(name);
    dq_loader_free(l);
}
END_TEST

START_TEST(test_suggest_bounds_never_change_difflib_answers)
{
    /* Answers of Python's difflib.get_close_matches, with candidates at each bound:
     * "abcdefgh" against "ab" has real_quick_ratio exactly 0.4 (kept at cutoff 0.4: the
     * bounds compare with >= as ratio does); "efgh" against "hgfe" passes both bounds
     * (1.0) and fails on ratio (0.25). */
    const char *cands[] = {"abcdef", "abcdefgh", "efgh", "abcdx"};
    const char *out[4];
    ck_assert_uint_eq(dq_suggest("abcd", cands, 4, 0.6, out, 4), 3);
    ck_assert_str_eq(out[0], "abcdx");
    ck_assert_str_eq(out[1], "abcdef");
    ck_assert_str_eq(out[2], "abcdefgh");
    ck_assert_uint_eq(dq_suggest("ab", cands, 4, 0.6, out, 4), 0);
    ck_assert_uint_eq(dq_suggest("ab", cands, 4, 0.4, out, 4), 3);
    ck_assert_str_eq(out[0], "abcdx");
    ck_assert_str_eq(out[1], "abcdef");
    ck_assert_str_eq(out[2], "abcdefgh");
    ck_assert_uint_eq(dq_suggest("hgfe", cands, 4, 0.6, out, 4), 0);
    ck_assert_uint_eq(dq_suggest("hgfe", cands, 4, 0.25, out, 4), 1);
    ck_assert_str_eq(out[0], "efgh");
}
END_TEST

Suite *registry_suite(void)
{
    Suite *s = suite_create("registry");

    TCase *tc = tcase_create("register");
    tcase_add_checked_fixture(tc, registry_setup, registry_teardown);
    tcase_add_test(tc, test_registry_new_is_empty_and_free_null_is_noop);
    tcase_add_test(tc, test_registry_builtin_step_function_registers_with_builtin_origin);
    tcase_add_test(tc, test_registry_missing_aliases_category_description_read_as_empty);
    tcase_add_test(tc, test_registry_copies_origin);
    tcase_add_test(tc, test_registry_names_and_aliases_share_one_namespace);
    tcase_add_test(tc, test_registry_duplicate_name_without_override_fails_naming_the_owner);
    tcase_add_test(tc, test_registry_duplicate_of_builtin_names_the_program_and_has_no_source);
    tcase_add_test(tc, test_registry_override_replaces_entry_and_drops_aliases);
    tcase_add_test(tc, test_registry_override_of_builtin_names_the_program);
    tcase_add_test(tc, test_registry_override_of_unknown_name_just_registers);
    tcase_add_test(tc, test_registry_override_may_reuse_the_replaced_entrys_aliases);
    tcase_add_test(tc, test_registry_override_still_refuses_other_entries_aliases);
    tcase_add_test(tc, test_registry_name_equal_to_an_alias_fails);
    tcase_add_test(tc, test_registry_alias_equal_to_another_name_fails);
    tcase_add_test(tc, test_registry_alias_equal_to_another_alias_fails);
    tcase_add_test(tc, test_registry_failed_registration_changes_nothing);
    tcase_add_test(tc, test_registry_rejects_null_name);
    tcase_add_test(tc, test_registry_rejects_empty_name);
    tcase_add_test(tc, test_registry_rejects_name_with_bad_characters);
    tcase_add_test(tc, test_registry_accepts_every_allowed_character);
    tcase_add_test(tc, test_registry_rejects_empty_alias);
    tcase_add_test(tc, test_registry_rejects_alias_with_bad_characters);
    tcase_add_test(tc, test_registry_rejects_alias_equal_to_own_name);
    tcase_add_test(tc, test_registry_rejects_repeated_alias);
    tcase_add_test(tc, test_registry_rejects_missing_step_function);
    tcase_add_test(tc, test_registry_rejects_descriptor_of_another_abi_major);
    tcase_add_test(tc, test_registry_rejects_null_arguments);
    suite_add_tcase(s, tc);

    tc = tcase_create("validate");
    tcase_add_checked_fixture(tc, registry_setup, registry_teardown);
    tcase_add_test(tc, test_registry_refuses_unknown_category_suggesting_the_closest);
    tcase_add_test(tc, test_registry_accepts_every_category_constant);
    tcase_add_test(tc, test_registry_counts_options_up_to_the_null_name);
    tcase_add_test(tc, test_registry_refuses_inconsistent_options);
    tcase_add_test(tc, test_registry_accepts_consistent_model_tables);
    tcase_add_test(tc, test_registry_refuses_inconsistent_parameter_tables);
    tcase_add_test(tc, test_registry_refuses_inconsistent_module_tables);
    suite_add_tcase(s, tc);

    tc = tcase_create("unregister");
    tcase_add_checked_fixture(tc, registry_setup, registry_teardown);
    tcase_add_test(tc, test_registry_unregister_removes_name_and_aliases);
    tcase_add_test(tc, test_registry_unregister_refuses_an_alias);
    tcase_add_test(tc, test_registry_unregister_of_unknown_name_fails);
    suite_add_tcase(s, tc);

    tc = tcase_create("deprecation");
    tcase_add_checked_fixture(tc, registry_setup, registry_teardown);
    tcase_add_test(tc, test_registry_deprecated_lookup_warns_once_per_name);
    tcase_add_test(tc, test_registry_deprecation_warnings_are_per_registry);
    tcase_add_test(tc, test_registry_override_resets_deprecation_warnings);
    tcase_add_test(tc, test_registry_lookup_of_current_entry_does_not_warn);
    tcase_add_test(tc, test_registry_warning_handler_is_settable_and_may_drop_warnings);
    suite_add_tcase(s, tc);

    tc = tcase_create("unknown");
    tcase_add_checked_fixture(tc, registry_setup, registry_teardown);
    tcase_add_test(tc, test_registry_unknown_name_suggests_the_closest_and_lists_names);
    tcase_add_test(tc, test_registry_unknown_name_suggests_at_most_three_best_first);
    tcase_add_test(tc, test_registry_unknown_name_suggests_aliases_but_lists_canonical_names);
    tcase_add_test(tc, test_registry_unknown_name_without_close_match_has_no_suggestion);
    tcase_add_test(tc, test_registry_unknown_name_in_empty_registry_says_none_registered);
    tcase_add_test(tc, test_registry_null_name_is_unknown_empty_name);
    tcase_add_test(tc, test_registry_available_list_is_sorted_bytewise);
    tcase_add_test(tc, test_registry_suggest_matches_difflib_get_close_matches);
    suite_add_tcase(s, tc);

    tc = tcase_create("listing");
    tcase_add_checked_fixture(tc, registry_setup, registry_teardown);
    tcase_add_test(tc, test_registry_names_are_sorted_and_counted_beyond_cap);
    tcase_add_test(tc, test_registry_by_category_filters_sorted_names);
    tcase_add_test(tc, test_registry_at_iterates_in_canonical_name_order);
    tcase_add_test(tc, test_registry_entries_stay_put_while_others_come_and_go);
    tcase_add_test(tc, test_registry_many_registries_are_independent);
    suite_add_tcase(s, tc);

    tc = tcase_create("models");
    tcase_add_checked_fixture(tc, registry_setup, registry_teardown);
    tcase_add_test(tc, test_registry_models_register_and_look_up_by_name);
    tcase_add_test(tc, test_registry_duplicate_model_fails_naming_the_owner);
    tcase_add_test(tc, test_registry_model_names_are_validated);
    tcase_add_test(tc, test_registry_model_of_newer_abi_minor_is_refused);
    tcase_add_test(tc, test_registry_unknown_model_suggests_and_lists_models);
    suite_add_tcase(s, tc);

    tc = tcase_create("strings");
    tcase_add_checked_fixture(tc, registry_setup, registry_teardown);
    tcase_add_test(tc, test_registry_refuses_description_that_is_not_printable_utf8);
    tcase_add_test(tc, test_registry_refuses_bad_alias_option_doc_and_category_strings);
    tcase_add_test(tc, test_registry_bounds_names_at_64_and_descriptions_at_512_bytes);
    tcase_add_test(tc, test_registry_refuses_misaligned_descriptor_pointers_without_reading_them);
    tcase_add_test(tc, test_registry_refuses_model_strings_that_are_not_printable_bounded_utf8);
    tcase_add_test(tc, test_registry_refuses_model_counts_past_their_bounds_before_reading_tables);
    tcase_add_test(tc, test_registry_refuses_misaligned_model_tables_without_reading_them);
    tcase_add_test(tc, test_suggest_ten_megabyte_name_against_builtins_is_cut_off_by_length);
    tcase_add_test(tc, test_suggest_bounds_never_change_difflib_answers);
    tcase_set_timeout(tc, 30);
    suite_add_tcase(s, tc);

    tc = tcase_create("difflib");
    tcase_add_test(tc, test_similarity_matches_difflib_ratio);
    tcase_add_test(tc, test_similarity_follows_difflib_greedy_blocks);
    tcase_add_test(tc, test_similarity_applies_difflib_popular_rule_for_long_b);
    tcase_add_test(tc, test_suggest_orders_by_score_then_larger_string);
    tcase_add_test(tc, test_suggest_keeps_scores_at_or_above_cutoff);
    tcase_add_test(tc, test_suggest_scores_candidate_against_word_as_difflib);
    tcase_add_test(tc, test_suggest_handles_more_results_than_fit_on_the_stack);
    suite_add_tcase(s, tc);

    return s;
}
