/* SPDX-License-Identifier: MIT */
/* cli_model.c -- what the commands show of a model entry: its parameter names and its
 * states, from the registry's host-layout copies of its modules. */
#include "cli.h"
#include "strbuf.h"

void cli_model_param_names(const dq_model_desc_t *d, char *buf, size_t len)
{
    dq__strbuf_t b;
    dq__strbuf_init(&b, buf, len);
    for (size_t k = 0; k < d->n_params; ++k) {
        if (k)
            dq__strbuf_append(&b, ", ");
        dq__strbuf_append(&b, d->params[k].name);
    }
}

size_t cli_model_state_count(const dq_model_entry_t *m)
{
    size_t n = 0;
    for (size_t i = 0; i < m->n_modules; ++i)
        n += m->modules[i].n_states;
    return n;
}

const dq_state_desc_t *cli_model_state_at(const dq_model_entry_t *m, size_t k, const char **module)
{
    for (size_t i = 0; i < m->n_modules; ++i) {
        const dq_module_desc_t *mod = &m->modules[i];
        if (k < mod->n_states) {
            if (module)
                *module = mod->name;
            return &mod->states[k];
        }
        k -= mod->n_states;
    }
    return NULL;
}
