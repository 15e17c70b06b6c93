/* SPDX-License-Identifier: MIT */
/* registry_impl.h -- the registry's body, shared by registry.c (integrators) and
 * registry_model.c (models). */
#ifndef DQ_REGISTRY_IMPL_H
#define DQ_REGISTRY_IMPL_H

#include <stddef.h>

#include <dq/host/registry.h>

#include "internal.h"

/* Entries borrow their descriptor's strings and functions from the plugin; `keep` holds the
 * plugin loaded until the last entry from it goes (NULL for in-process descriptors). */
typedef struct registry_item {
    dq_integrator_entry_t entry; /* strings borrowed from the descriptor, but origin */
    char *origin;                /* owned; entry.origin points here */
    size_t n_aliases;
    dq__keep_t *keep;
} registry_item_t;

/* What one name of the namespace refers to. */
typedef struct registry_slot {
    registry_item_t *item;
    int is_alias;
    int warned; /* the deprecation warning for this name was given */
} registry_slot_t;

typedef struct registry_model {
    dq_model_entry_t entry;
    dq_model_desc_t desc;      /* the descriptor in this host's layout; entry.desc points here */
    dq_module_desc_t *modules; /* its modules in this host's layout; entry.modules */
    char *origin;
    dq__keep_t *keep;
} registry_model_t;

struct dq_registry {
    registry_item_t **items; /* sorted by canonical name */
    size_t n_items, cap_items;
    /* Parallel arrays so `names` can be handed to dq_suggest as is. */
    const char **names; /* every name and alias, sorted */
    registry_slot_t *slots;
    size_t n_names, cap_names;
    registry_model_t **models; /* sorted by name */
    const char **model_names;  /* parallel to models */
    size_t n_models, cap_models;
    dq_warn_fn warn;
    void *warn_user;
};

/* Binary search in a sorted string array: the index of `name`, or where it would go. */
size_t dq__registry_search(const char *const *sorted, size_t n, const char *name, int *found);

/* Grows an array to hold `need` elements; returns 0 when out of memory (the old block
 * stays valid). */
int dq__registry_reserve(void **arr, size_t *cap, size_t need, size_t size);

/* "Unknown <kind> 'x'. Did you mean 'y'? Available: a, b." into err; returns DQ_ENOTFOUND. */
int dq__registry_unknown(const char *kind, const char *name, const char *const *all, size_t n_all,
                         const char *const *listed, size_t n_listed, dq_error_t *err);

#endif
