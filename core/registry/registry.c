/* SPDX-License-Identifier: MIT */
/* registry.c -- the integrator registry and the model catalogue.
 *
 * A registry holds tens of entries, so plain sorted arrays do: `items` (one per canonical
 * name, in name order) and the namespace index `names`/`slots` (every canonical name and
 * alias, in byte order, with what each refers to). Entries live in their own allocations so
 * the pointers lookup hands out survive later insertions. A registration reserves all the
 * memory it needs before it changes anything, so it either happens whole or not at all. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dq/host/registry.h>

#include "internal.h"
#include "registry_impl.h"
#include "registry_private.h"
#include "sorted.h"

#define REGISTRY_MESSAGE_MAX DQ_ERROR_MESSAGE_MAX
#define REGISTRY_SUGGESTIONS 3

static const char *const registry_no_aliases[] = {NULL};

dq_registry_t *dq_registry_new(void)
{
    return calloc(1, sizeof(dq_registry_t));
}

static void registry_item_free(registry_item_t *item)
{
    if (item) {
        dq__keep_release(item->keep);
        free(item->origin);
        free(item);
    }
}

void dq_registry_free(dq_registry_t *reg)
{
    if (!reg)
        return;
    for (size_t i = 0; i < reg->n_items; ++i)
        registry_item_free(reg->items[i]);
    for (size_t i = 0; i < reg->n_models; ++i) {
        dq__keep_release(reg->models[i]->keep);
        free(reg->models[i]->origin);
        free(reg->models[i]->modules);
        free(reg->models[i]);
    }
    free(reg->items);
    free(reg->names);
    free(reg->slots);
    free(reg->models);
    free(reg->model_names);
    free(reg);
}

void dq_registry_set_warning_handler(dq_registry_t *reg, dq_warn_fn fn, void *user)
{
    if (reg) {
        reg->warn = fn;
        reg->warn_user = user;
    }
}

dq_warn_fn dq_registry_warning_handler(const dq_registry_t *reg, void **user)
{
    if (user)
        *user = reg ? reg->warn_user : NULL;
    return reg ? reg->warn : NULL;
}

/* Gives a warning to the handler and, for a registration that asked, to its own buffer. */
static void registry_warn(const dq_registry_t *reg, const dq__origin_t *o, const char *source,
                          const char *fmt, ...) DQ_PRINTF(4, 5);

static void registry_warn(const dq_registry_t *reg, const dq__origin_t *o, const char *source,
                          const char *fmt, ...)
{
    int to_origin = o && o->warnings && o->warnings_cap;
    if (!reg->warn && !to_origin)
        return;
    char msg[REGISTRY_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (to_origin) {
        size_t used = strlen(o->warnings);
        if (used + 1 < o->warnings_cap)
            snprintf(o->warnings + used, o->warnings_cap - used, "%s%s", used ? "; " : "", msg);
    }
    if (reg->warn)
        reg->warn(reg->warn_user, source ? source : "", msg);
}

/* The index of `name` in a sorted string array, or where it would go. */
size_t dq__registry_search(const char *const *sorted, size_t n, const char *name, int *found)
{
    return dq__sorted_find(sorted, n, sizeof *sorted, NULL, name, found);
}

/* The namespace slot of a name or alias, or NULL. */
static registry_slot_t *registry_find(const dq_registry_t *reg, const char *name)
{
    int found;
    if (!name || !reg->n_names)
        return NULL;
    size_t i = dq__registry_search(reg->names, reg->n_names, name, &found);
    return found ? &reg->slots[i] : NULL;
}

/* Grows an array to hold `need` elements; the old block stays valid on failure. */
int dq__registry_reserve(void **arr, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 1;
    size_t n = *cap ? *cap : 8;
    while (n < need)
        n *= 2;
    void *p = realloc(*arr, n * size);
    if (!p)
        return 0;
    *arr = p;
    *cap = n;
    return 1;
}

/* Reserves room in the namespace arrays for `need` names. */
static int registry_reserve_names(dq_registry_t *reg, size_t need)
{
    size_t cap = reg->cap_names;
    if (!dq__registry_reserve((void **)&reg->names, &cap, need, sizeof *reg->names))
        return 0;
    /* Both arrays must reach the same capacity before it is recorded. */
    size_t cap_slots = reg->cap_names;
    if (!dq__registry_reserve((void **)&reg->slots, &cap_slots, cap, sizeof *reg->slots))
        return 0;
    reg->cap_names = cap;
    return 1;
}

/* Inserts a name; room must have been reserved and the name must be new. */
static void registry_name_insert(dq_registry_t *reg, const char *name, registry_item_t *item,
                                 int is_alias)
{
    int found;
    size_t i = dq__registry_search(reg->names, reg->n_names, name, &found);
    memmove(&reg->names[i + 1], &reg->names[i], (reg->n_names - i) * sizeof *reg->names);
    memmove(&reg->slots[i + 1], &reg->slots[i], (reg->n_names - i) * sizeof *reg->slots);
    reg->names[i] = name;
    reg->slots[i] = (registry_slot_t){item, is_alias, 0};
    reg->n_names++;
}

static void registry_name_remove(dq_registry_t *reg, const char *name)
{
    int found;
    size_t i = dq__registry_search(reg->names, reg->n_names, name, &found);
    if (!found)
        return;
    reg->n_names--;
    memmove(&reg->names[i], &reg->names[i + 1], (reg->n_names - i) * sizeof *reg->names);
    memmove(&reg->slots[i], &reg->slots[i + 1], (reg->n_names - i) * sizeof *reg->slots);
}

static const char *registry_item_name_of(const void *elem)
{
    return (*(registry_item_t *const *)elem)->entry.name;
}

/* Index of the canonical entry `name` in items (found or insertion point). */
static size_t registry_item_index(const dq_registry_t *reg, const char *name, int *found)
{
    return dq__sorted_find(reg->items, reg->n_items, sizeof *reg->items, registry_item_name_of,
                           name, found);
}

/* Takes an entry out of the registry, with its names; the caller frees it. */
static void registry_item_detach(dq_registry_t *reg, registry_item_t *item)
{
    int found;
    size_t i = registry_item_index(reg, item->entry.name, &found);
    if (found) {
        reg->n_items--;
        memmove(&reg->items[i], &reg->items[i + 1], (reg->n_items - i) * sizeof *reg->items);
    }
    registry_name_remove(reg, item->entry.name);
    for (size_t a = 0; a < item->n_aliases; ++a)
        registry_name_remove(reg, item->entry.aliases[a]);
}

/* Name clashes with other entries. `old` is the entry an override replaces: its aliases are
 * about to go, so they do not clash. */
static int registry_check_clashes(const dq_registry_t *reg, const dq_integrator_desc_t *d,
                                  const registry_item_t *old, const char *source, dq_error_t *err)
{
    const registry_slot_t *s = registry_find(reg, d->name);
    if (s && s->is_alias)
        return dq_error_set(err, DQ_EEXIST, source,
                            "Cannot register integrator '%s': the name is already an alias "
                            "for '%s'.",
                            d->name, s->item->entry.name);
    for (size_t a = 0; d->aliases && d->aliases[a]; ++a) {
        const char *alias = d->aliases[a];
        s = registry_find(reg, alias);
        if (!s || s->item == old)
            continue;
        if (s->is_alias)
            return dq_error_set(err, DQ_EEXIST, source,
                                "Cannot register integrator '%s': alias '%s' is already an "
                                "alias for '%s'.",
                                d->name, alias, s->item->entry.name);
        return dq_error_set(err, DQ_EEXIST, source,
                            "Cannot register integrator '%s': alias '%s' is already the name "
                            "of an integrator registered by '%s'.",
                            d->name, alias, s->item->entry.origin);
    }
    return DQ_OK;
}

int dq_registry_register(dq_registry_t *reg, const dq_integrator_desc_t *desc, const char *origin,
                         dq_error_t *err)
{
    dq__origin_t o = {.path = origin};
    return dq__registry_add(reg, desc, &o, err);
}

int dq__registry_add(dq_registry_t *reg, const dq_integrator_desc_t *desc, const dq__origin_t *o,
                     dq_error_t *err)
{
    const char *origin = o->path;
    if (!reg || !desc)
        return dq_error_set(err, DQ_EINVAL, origin,
                            "dq_registry_register needs a registry and a descriptor.");
    dq_integrator_desc_t d;
    size_t n_options = 0;
    int rc = dq__integrator_desc_check(desc, origin, &d, &n_options, err);
    if (rc)
        return rc;

    registry_item_t *old = NULL;
    int found;
    size_t at = registry_item_index(reg, d.name, &found);
    if (found) {
        old = reg->items[at];
        if (!(d.flags & DQ_INTEGRATOR_OVERRIDE))
            return dq_error_set(err, DQ_EEXIST, origin,
                                "Integrator '%s' is already registered by '%s'. Set override "
                                "to replace it.",
                                d.name, old->entry.origin);
    }
    rc = registry_check_clashes(reg, &d, old, origin, err);
    if (rc)
        return rc;

    /* Reserve everything first: from here on nothing may fail half-way. */
    size_t n_aliases = 0;
    while (d.aliases && d.aliases[n_aliases])
        ++n_aliases;
    registry_item_t *item = calloc(1, sizeof *item);
    char *own_origin = dq__strdup(origin ? origin : DQ_ORIGIN_BUILTIN);
    if (!item || !own_origin ||
        !dq__registry_reserve((void **)&reg->items, &reg->cap_items, reg->n_items + 1,
                              sizeof *reg->items) ||
        !registry_reserve_names(reg, reg->n_names + 1 + n_aliases)) {
        free(item);
        free(own_origin);
        return dq_error_set(err, DQ_ENOMEM, origin, "out of memory");
    }
    item->origin = own_origin;
    item->n_aliases = n_aliases;
    item->keep = dq__keep_retain(o->keep);
    item->entry = (dq_integrator_entry_t){
        .name = d.name,
        .aliases = d.aliases ? d.aliases : registry_no_aliases,
        .category = d.category ? d.category : "",
        .order = d.order,
        .description = d.description ? d.description : "",
        .flags = d.flags,
        .step = d.step,
        .scratch_vectors = d.scratch_vectors,
        .scratch_size = d.scratch_size,
        .state_vectors = d.state_vectors,
        .init = d.init,
        .reset = d.reset,
        .options = n_options ? d.options : NULL,
        .n_options = n_options,
        .origin = own_origin,
        .strong_order = d.strong_order,
        .weak_order = d.weak_order,
        .calculus = d.calculus,
        .error_order = d.error_order,
        .dense = d.dense,
        .dense_order = d.dense_order,
        .cable_scratch_size = d.cable_scratch_size,
    };

    if (old)
        registry_item_detach(reg, old);
    at = registry_item_index(reg, d.name, &found);
    memmove(&reg->items[at + 1], &reg->items[at], (reg->n_items - at) * sizeof *reg->items);
    reg->items[at] = item;
    reg->n_items++;
    registry_name_insert(reg, item->entry.name, item, 0);
    for (size_t a = 0; a < n_aliases; ++a)
        registry_name_insert(reg, item->entry.aliases[a], item, 1);

    if (old) {
        registry_warn(reg, o, item->origin,
                      "integrator '%s' from '%s' replaces the one registered by '%s'",
                      item->entry.name, item->origin, old->origin);
        registry_item_free(old);
    }
    return DQ_OK;
}

int dq_registry_unregister(dq_registry_t *reg, const char *name, dq_error_t *err)
{
    if (!name)
        name = "";
    registry_slot_t *s = reg ? registry_find(reg, name) : NULL;
    if (!s)
        return dq_error_set(err, DQ_ENOTFOUND, NULL,
                            "Cannot unregister '%s': no integrator of that name is registered.",
                            name);
    if (s->is_alias)
        return dq_error_set(err, DQ_ENOTFOUND, NULL,
                            "Cannot unregister '%s': it is an alias for '%s'; unregister the "
                            "canonical name.",
                            name, s->item->entry.name);
    registry_item_t *item = s->item;
    registry_item_detach(reg, item);
    registry_item_free(item);
    return DQ_OK;
}

/* "Unknown <kind> 'x'. Did you mean 'y'? Available: a, b." -- suggestions come from `all`
 * (names and aliases), the list names the `listed` (canonical) names. */
int dq__registry_unknown(const char *kind, const char *name, const char *const *all, size_t n_all,
                         const char *const *listed, size_t n_listed, dq_error_t *err)
{
    char none[64];
    snprintf(none, sizeof none, "No %ss are registered.", kind);
    dq__unknown_t u = {.name = name,
                       .candidates = all,
                       .n_candidates = n_all,
                       .max_suggestions = REGISTRY_SUGGESTIONS,
                       .label = "Available",
                       .listed = listed,
                       .n_listed = n_listed,
                       .none = none};
    /* No name is longer than 64 bytes; a longer one is shown cut (formatting all of a
     * 50 MB name into a 1 KB message would cost more than the search). */
    int shown = 0;
    while (shown <= 80 && name[shown])
        ++shown;
    return dq__error_unknown(err, DQ_ENOTFOUND, NULL, &u, "Unknown %s '%.*s%s'.", kind,
                             shown > 80 ? 77 : shown, name, shown > 80 ? "..." : "");
}

const dq_integrator_entry_t *dq_registry_lookup(dq_registry_t *reg, const char *name,
                                                dq_error_t *err)
{
    if (!name)
        name = "";
    registry_slot_t *s = reg ? registry_find(reg, name) : NULL;
    if (!s) {
        /* The canonical names, for the list: the error path may allocate. */
        size_t n = reg ? reg->n_items : 0;
        const char **listed = n ? malloc(n * sizeof *listed) : NULL;
        for (size_t i = 0; listed && i < n; ++i)
            listed[i] = reg->items[i]->entry.name;
        dq__registry_unknown("integrator", name, reg ? reg->names : NULL, reg ? reg->n_names : 0,
                             listed, listed ? n : 0, err);
        free(listed);
        return NULL;
    }
    const dq_integrator_entry_t *e = &s->item->entry;
    if ((e->flags & DQ_INTEGRATOR_DEPRECATED) && !s->warned) {
        s->warned = 1;
        if (s->is_alias)
            registry_warn(reg, NULL, e->origin, "integrator '%s' is deprecated (looked up as '%s')",
                          e->name, name);
        else
            registry_warn(reg, NULL, e->origin, "integrator '%s' is deprecated", e->name);
    }
    return e;
}

const char *dq_registry_resolve(const dq_registry_t *reg, const char *name)
{
    const registry_slot_t *s = reg ? registry_find(reg, name) : NULL;
    return s ? s->item->entry.name : NULL;
}

int dq_registry_contains(const dq_registry_t *reg, const char *name)
{
    return reg && registry_find(reg, name) != NULL;
}

size_t dq_registry_count(const dq_registry_t *reg)
{
    return reg ? reg->n_items : 0;
}

const dq_integrator_entry_t *dq_registry_at(const dq_registry_t *reg, size_t i)
{
    return reg && i < reg->n_items ? &reg->items[i]->entry : NULL;
}

size_t dq_registry_names(const dq_registry_t *reg, int with_aliases, const char **out, size_t cap)
{
    if (!reg)
        return 0;
    if (with_aliases) {
        for (size_t i = 0; i < reg->n_names && i < cap; ++i)
            out[i] = reg->names[i];
        return reg->n_names;
    }
    for (size_t i = 0; i < reg->n_items && i < cap; ++i)
        out[i] = reg->items[i]->entry.name;
    return reg->n_items;
}

size_t dq_registry_by_category(const dq_registry_t *reg, const char *category, const char **out,
                               size_t cap)
{
    size_t n = 0;
    if (!reg)
        return 0;
    if (!category)
        category = "";
    for (size_t i = 0; i < reg->n_items; ++i) {
        if (strcmp(reg->items[i]->entry.category, category) != 0)
            continue;
        if (n < cap)
            out[n] = reg->items[i]->entry.name;
        ++n;
    }
    return n;
}

size_t dq_registry_suggest(const dq_registry_t *reg, const char *name, const char **out, size_t cap)
{
    if (!reg)
        return 0;
    return dq_suggest(name, reg->names, reg->n_names, 0.6, out, cap);
}
