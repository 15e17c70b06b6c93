/* SPDX-License-Identifier: MIT */
/* dq/plugin.h -- the one symbol a plugin exports.
 *
 *   const dq_plugin_info_t *dq_plugin_entry(void);
 *
 * returns a constant info block listing the plugin's integrators and models. A built-in
 * plugin holds one integrator or one model; a third-party plugin may hold a family. */
#ifndef DQ_PLUGIN_H
#define DQ_PLUGIN_H

#include <stddef.h>

#include <dq/abi.h>
#include <dq/export.h>
#include <dq/integrator.h>
#include <dq/model.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DQ_PLUGIN_ENTRY_SYMBOL "dq_plugin_entry"

typedef struct dq_plugin_info {
    dq_abi_header_t abi;
    const dq_integrator_desc_t *const *integrators; /* NULL-terminated, or NULL */
    const dq_model_desc_t *const *models;           /* NULL-terminated, or NULL */
} dq_plugin_info_t;

typedef const dq_plugin_info_t *(*dq_plugin_entry_fn)(void);

/* Defines the exported entry returning the given NULL-terminated lists (either may be NULL):
 *   DQ_PLUGIN_ENTRY(DQ_LIST(&a_desc, &b_desc), NULL) */
#define DQ_PLUGIN_ENTRY(integrator_list, model_list)                                               \
    static const dq_plugin_info_t dq__plugin_info = {DQ_ABI_HEADER_INIT(dq_plugin_info_t),         \
                                                     (integrator_list), (model_list)};             \
    DQ_PLUGIN_EXPORT const dq_plugin_info_t *dq_plugin_entry(void);                                \
    DQ_PLUGIN_EXPORT const dq_plugin_info_t *dq_plugin_entry(void)                                 \
    {                                                                                              \
        return &dq__plugin_info;                                                                   \
    }

/* A NULL-terminated list literal of descriptor pointers of type T. */
#define DQ_LIST(T, ...) ((const T *const[]){__VA_ARGS__, NULL})

/* The one-line entries of a plugin holding one integrator or one model. */
#define DQ_PLUGIN_INTEGRATOR(desc) DQ_PLUGIN_ENTRY(DQ_LIST(dq_integrator_desc_t, &(desc)), NULL)
#define DQ_PLUGIN_MODEL(desc) DQ_PLUGIN_ENTRY(NULL, DQ_LIST(dq_model_desc_t, &(desc)))

#ifdef __cplusplus
}
#endif

#endif
