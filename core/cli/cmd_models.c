/* SPDX-License-Identifier: MIT */
/* cmd_models.c -- `dqhost models`: the model plugins and their parameters. */
#include <stdio.h>
#include <string.h>

#include "cli_json.h"

int cmd_models(dq_cli_t *cli, int argc, char **argv)
{
    int json = 0;
    for (int i = 1; i < argc; ++i) {
        if (strcmp(argv[i], "--json") == 0)
            json = 1;
        else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            printf("Usage: dqhost models [--json]\n\nLists the models with their parameters "
                   "(default, unit, meaning) and states.\n");
            return DQ_EXIT_OK;
        } else {
            cli_errorf("models: unknown argument '%s' (usage: dqhost models [--json])", argv[i]);
            return DQ_EXIT_USAGE;
        }
    }
    size_t n = dq_registry_model_count(cli->reg);
    if (json) {
        json_t *arr = json_array();
        for (size_t i = 0; i < n; ++i)
            json_array_append_new(arr, cli_json_model(dq_registry_model_at(cli->reg, i)));
        return cli_json_emit(json_pack("{s:o}", "models", arr));
    }
    for (size_t i = 0; i < n; ++i) {
        const dq_model_entry_t *m = dq_registry_model_at(cli->reg, i);
        const dq_model_desc_t *d = m->desc;
        printf("%s%s - %s\n", i ? "\n" : "", d->name, d->description ? d->description : "");
        for (size_t k = 0; k < d->n_params; ++k) {
            const dq_param_desc_t *p = &d->params[k];
            printf("    %-10s = %-10g %-9s %s%s\n", p->name, p->def, p->unit ? p->unit : "",
                   p->doc ? p->doc : "", (p->flags & DQ_PARAM_PER_UNIT) ? " [per unit]" : "");
        }
        printf("    states:");
        for (size_t k = 0; k < cli_model_state_count(m); ++k)
            printf(" %s", cli_model_state_at(m, k, NULL)->name);
        printf("\n");
    }
    if (n == 0)
        printf("No models are registered.\n");
    return DQ_EXIT_OK;
}
