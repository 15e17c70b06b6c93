/* SPDX-License-Identifier: MIT */
/* cmd_models.c -- `dqhost models`: the model plugins and their parameters. */
#include <stdio.h>
#include <string.h>

#include "cli_json.h"
#include "cli_text.h"
#include "help_text.h"

int cmd_models(dq_cli_t *cli, int argc, char **argv)
{
    int json = 0;
    for (int i = 1; i < argc; ++i) {
        if (strcmp(argv[i], "--json") == 0)
            json = 1;
        else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            fputs(DQ_HELP_MODELS, stdout);
            return DQ_EXIT_OK;
        } else {
            cli_errorf("models: unknown argument '%s' (usage: dqhost models [--json])", argv[i]);
            return DQ_EXIT_USAGE;
        }
    }
    size_t n = dq_registry_model_count(cli->reg);
    if (json) {
        json_t *arr = json_array();
        int bad = 0;
        for (size_t i = 0; i < n; ++i)
            bad |= cli_json_append(arr, cli_json_model(dq_registry_model_at(cli->reg, i)));
        json_t *doc = json_pack("{s:o}", "models", arr);
        if (bad) {
            json_decref(doc);
            doc = NULL;
        }
        return cli_json_emit(doc);
    }
    for (size_t i = 0; i < n; ++i) {
        const dq_model_entry_t *m = dq_registry_model_at(cli->reg, i);
        const dq_model_desc_t *d = m->desc;
        if (i)
            fputc('\n', stdout);
        cli_text_put(stdout, d->name, 0);
        fputs(" - ", stdout);
        cli_text_put(stdout, d->description, 0);
        fputc('\n', stdout);
        for (size_t k = 0; k < d->n_params; ++k) {
            const dq_param_desc_t *p = &d->params[k];
            fputs("    ", stdout);
            cli_text_cell(stdout, p->name, 0, 10);
            printf(" = %-10g ", p->def);
            cli_text_cell(stdout, p->unit, 0, 9);
            fputc(' ', stdout);
            cli_text_put(stdout, p->doc, 0);
            printf("%s\n", (p->flags & DQ_PARAM_PER_UNIT) ? " [per unit]" : "");
        }
        printf("    states:");
        for (size_t k = 0; k < cli_model_state_count(m); ++k) {
            fputc(' ', stdout);
            cli_text_put(stdout, cli_model_state_at(m, k, NULL)->name, 0);
        }
        printf("\n");
    }
    if (n == 0)
        printf("No models are registered.\n");
    return DQ_EXIT_OK;
}
