/* SPDX-License-Identifier: MIT */
/* dq/host/registry.h -- the integrator registry (and the model catalogue).
 *
 * Same rules as braincell.quad's IntegratorRegistry:
 *  - canonical names and aliases share one namespace; lookups accept either;
 *  - registering an existing canonical name fails unless the descriptor sets
 *    DQ_INTEGRATOR_OVERRIDE; an override replaces the entry, drops the old entry's aliases
 *    and warns naming the previous origin;
 *  - a canonical name may not equal an existing alias; an alias may not equal another
 *    entry's canonical name or alias; names are non-empty and made of [A-Za-z0-9_.-];
 *  - unregister takes a canonical name only and removes its aliases;
 *  - a deprecated entry warns on its first lookup by each name, once per registry;
 *  - an unknown name fails with "Unknown integrator 'x'. Did you mean 'y'? Available: ...".
 * Registries are independent; a program may keep as many as it likes.
 *
 * Descriptors are checked whole when they arrive (the same check the loader runs before a
 * plugin touches the registry): names, aliases, a category that is one of DQ_CATEGORY_* or
 * NULL, the step, the options table (at most 64 options before its NULL-name end), and for
 * models the parameter and module tables (see dq_registry_register_model).
 *
 * Lifetime: entries borrow their descriptors' strings, tables and functions. An entry
 * registered by the loader keeps its plugin file loaded until the entry is unregistered,
 * overridden or freed with the registry, whether or not the loader still exists.
 * Not thread-safe: use a registry from one thread at a time.
 *
 * Models live in a second namespace of the same registry (no aliases, no override). */
#ifndef DQ_HOST_REGISTRY_H
#define DQ_HOST_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include <dq/host/error.h>
#include <dq/integrator.h>
#include <dq/model.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The origin of entries registered in-process, without a plugin file. */
#define DQ_ORIGIN_BUILTIN "built into the program"

typedef struct dq_registry dq_registry_t;

/* A registered integrator: the descriptor's fields as this host reads them (fields a plugin
 * built for an older ABI minor does not have are zero), plus where it came from. */
typedef struct dq_integrator_entry {
    const char *name;
    const char *const *aliases; /* NULL-terminated, never NULL */
    const char *category;       /* a DQ_CATEGORY_* string, or "" when the descriptor gave none */
    int order;
    const char *description; /* never NULL */
    uint32_t flags;
    dq_step_fn step;
    uint32_t scratch_vectors;
    dq_scratch_size_fn scratch_size; /* NULL: scratch_vectors * len */
    uint32_t state_vectors;
    dq_solver_fn init;               /* may be NULL */
    dq_solver_fn reset;              /* may be NULL */
    const dq_option_desc_t *options; /* [n_options], NULL when there are none */
    size_t n_options;                /* counted by the host up to the NULL name */
    const char *origin;              /* plugin path, or DQ_ORIGIN_BUILTIN */
    double strong_order;             /* SDE solvers (DQ_CAP_DIFFUSION); 0 = unknown */
    double weak_order;
    uint32_t calculus; /* enum dq_calculus */
    /* Error-controlled solvers (DQ_CAP_ADAPTIVE); 0 / NULL otherwise. */
    int error_order;
    dq_dense_fn dense;
    int dense_order;
    dq_scratch_size_fn cable_scratch_size; /* on cable models, when not NULL (ABI 2.3) */
} dq_integrator_entry_t;

typedef struct dq_model_entry {
    /* The registry's copy of the descriptor in this host's layout (a plugin built for an
     * older ABI minor has a smaller struct); its strings, tables and functions are the
     * plugin's static data, kept loaded by the entry. desc->modules are the plugin's own
     * descriptors in the plugin's layout; read `modules` instead.
     * [borrowed: valid while the registry lives] */
    const dq_model_desc_t *desc;
    const char *origin;
    const dq_module_desc_t *modules; /* [n_modules] in this host's layout; 0 is the root */
    size_t n_modules;
} dq_model_entry_t;

/* A new, empty registry. Returns NULL when out of memory.
 * [owned: free with dq_registry_free] */
DQ_API dq_registry_t *dq_registry_new(void);
/* Frees the registry and its entries, closing the plugin files only they kept loaded.
 * NULL is a no-op. */
DQ_API void dq_registry_free(dq_registry_t *reg);

/* Where warnings go (override, deprecated lookups). fn may be NULL to drop them. */
DQ_API void dq_registry_set_warning_handler(dq_registry_t *reg, dq_warn_fn fn, void *user);
DQ_API dq_warn_fn dq_registry_warning_handler(const dq_registry_t *reg, void **user);

/* Registers an integrator. `desc` and its strings are borrowed and must outlive the entry
 * (in-process data: static; plugin data: the entry keeps the plugin loaded). `origin` is
 * copied; NULL means DQ_ORIGIN_BUILTIN. Errors: DQ_EABI (header), DQ_EDESC (names,
 * aliases, unknown category with the closest one suggested, missing step, options table),
 * DQ_EEXIST (name clash). Unknown flag bits are kept and ignored. */
DQ_API int dq_registry_register(dq_registry_t *reg, const dq_integrator_desc_t *desc,
                                const char *origin, dq_error_t *err);

/* Removes an entry by canonical name, with its aliases. An alias or unknown name fails with
 * DQ_ENOTFOUND. */
DQ_API int dq_registry_unregister(dq_registry_t *reg, const char *name, dq_error_t *err);

/* The entry for a canonical name or alias, or NULL with DQ_ENOTFOUND and the "Unknown
 * integrator" message. Warns once per name when the entry is deprecated.
 * [borrowed: valid until the entry is unregistered or overridden] */
DQ_API const dq_integrator_entry_t *dq_registry_lookup(dq_registry_t *reg, const char *name,
                                                       dq_error_t *err);

/* The canonical name for a name or alias, or NULL. [borrowed] */
DQ_API const char *dq_registry_resolve(const dq_registry_t *reg, const char *name);
DQ_API int dq_registry_contains(const dq_registry_t *reg, const char *name);
/* Number of entries (canonical names). */
DQ_API size_t dq_registry_count(const dq_registry_t *reg);
/* The i-th entry in canonical-name order, or NULL past the end. [borrowed] */
DQ_API const dq_integrator_entry_t *dq_registry_at(const dq_registry_t *reg, size_t i);

/* The following fill out[0..cap) with borrowed strings, sorted (bytewise), and return how
 * many there are in all (which may exceed cap; call with cap 0 to count). */
DQ_API size_t dq_registry_names(const dq_registry_t *reg, int with_aliases, const char **out,
                                size_t cap);
DQ_API size_t dq_registry_by_category(const dq_registry_t *reg, const char *category,
                                      const char **out, size_t cap);
/* Close matches for `name` among all names and aliases, best first: difflib's
 * get_close_matches(name, names, n=cap, cutoff=0.6). Returns the number written. */
DQ_API size_t dq_registry_suggest(const dq_registry_t *reg, const char *name, const char **out,
                                  size_t cap);

/* Models. Names follow the integrator rules; a second model of the same name fails with
 * DQ_EEXIST naming the first origin in the message and the second in the error's source.
 * DQ_EDESC when the tables do not fit together (messages name the model and the origin):
 * params NULL with n_params > 0; a parameter name outside [A-Za-z0-9_]+ or repeated; more
 * than one DQ_PARAM_POPULATION parameter, or one that is not DQ_PARAM_INTEGER or is
 * DQ_PARAM_PER_UNIT; a parameter whose offset and size (double, or pointer when per unit)
 * do not fit in data_size or overlap another's (data_size 0 allows only the population);
 * modules NULL or empty; module 0 not the root or a parent after its child; a sub-module
 * name outside [A-Za-z0-9_]+ or repeated; states NULL with n_states > 0; a state name
 * invalid or repeated in the model; integrated states without compute_derivative; a name
 * in `reads` that is no other module's state; no states at all. */
DQ_API int dq_registry_register_model(dq_registry_t *reg, const dq_model_desc_t *desc,
                                      const char *origin, dq_error_t *err);
/* NULL with DQ_ENOTFOUND and "Unknown model 'x'. Did you mean 'y'? Available: ..." */
DQ_API const dq_model_entry_t *dq_registry_lookup_model(const dq_registry_t *reg, const char *name,
                                                        dq_error_t *err);
DQ_API size_t dq_registry_model_count(const dq_registry_t *reg);
/* The i-th model in name order. [borrowed] */
DQ_API const dq_model_entry_t *dq_registry_model_at(const dq_registry_t *reg, size_t i);

/* difflib-style helpers over any list of strings, shared with the run-spec and parameter
 * checks. dq_similarity is SequenceMatcher(None, a, b).ratio(). dq_suggest writes up to cap
 * candidates with ratio >= cutoff, best first (ties: the larger string first, as difflib),
 * and returns how many it wrote. */
DQ_API double dq_similarity(const char *a, const char *b);
DQ_API size_t dq_suggest(const char *name, const char *const *candidates, size_t n, double cutoff,
                         const char **out, size_t cap);

#ifdef __cplusplus
}
#endif

#endif
