/* SPDX-License-Identifier: MIT */
/* cmd_list.c -- `dqhost list`: the integrators, the models, and problems met while loading. */
#include <stdio.h>
#include <string.h>

#include <dq/version.h>

#include "cli_json.h"
#include "strbuf.h"

static int list_json(const dq_cli_t *cli)
{
    json_t *dirs = json_array(), *ints = json_array(), *models = json_array(),
           *plugins = json_array();
    for (size_t i = 0; i < cli->n_dirs; ++i)
        json_array_append_new(dirs, json_string(cli->dirs[i]));
    for (size_t i = 0; i < dq_registry_count(cli->reg); ++i)
        json_array_append_new(ints, cli_json_integrator(dq_registry_at(cli->reg, i)));
    for (size_t i = 0; i < dq_registry_model_count(cli->reg); ++i)
        json_array_append_new(models, cli_json_model(dq_registry_model_at(cli->reg, i)));
    for (size_t i = 0; i < dq_loader_record_count(cli->loader); ++i)
        json_array_append_new(plugins, cli_json_record(dq_loader_record_at(cli->loader, i)));
    char abi[32];
    snprintf(abi, sizeof abi, "%d.%d", DQ_ABI_MAJOR, DQ_ABI_MINOR);
    return cli_json_emit(json_pack("{s:s, s:s, s:o, s:o, s:o, s:o}", "version", DQ_VERSION_STRING,
                                   "abi", abi, "plugin_dirs", dirs, "integrators", ints, "models",
                                   models, "plugins", plugins));
}

static int list_width(int w, const char *s)
{
    int n = (int)strlen(s);
    return n > w ? n : w;
}

static void list_integrators(const dq_cli_t *cli)
{
    size_t n = dq_registry_count(cli->reg);
    int wn = 10, wa = 7, wc = 8, wd = 11;
    char aliases[256];
    for (size_t i = 0; i < n; ++i) {
        const dq_integrator_entry_t *e = dq_registry_at(cli->reg, i);
        dq__join(aliases, sizeof aliases, e->aliases, (size_t)-1, ", ");
        wn = list_width(wn, e->name);
        wa = list_width(wa, aliases);
        wc = list_width(wc, e->category);
        wd = list_width(wd, e->description);
    }
    printf("Integrators (%zu):\n", n);
    if (n == 0)
        return;
    printf("  %-*s  %-*s  %-*s  %-5s  %-*s  %s\n", wn, "NAME", wa, "ALIASES", wc, "CATEGORY",
           "ORDER", wd, "DESCRIPTION", "SOURCE");
    for (size_t i = 0; i < n; ++i) {
        const dq_integrator_entry_t *e = dq_registry_at(cli->reg, i);
        dq__join(aliases, sizeof aliases, e->aliases, (size_t)-1, ", ");
        char order[16];
        snprintf(order, sizeof order, "%d", e->order);
        printf("  %-*s  %-*s  %-*s  %-5s  %-*s  %s%s\n", wn, e->name, wa,
               aliases[0] ? aliases : "-", wc, e->category[0] ? e->category : "-",
               e->order ? order : "?", wd, e->description, e->origin,
               (e->flags & DQ_INTEGRATOR_DEPRECATED) ? " (deprecated)" : "");
    }
}

static void list_models(const dq_cli_t *cli)
{
    size_t n = dq_registry_model_count(cli->reg);
    int wn = 5, wp = 10, wd = 11;
    char params[512];
    for (size_t i = 0; i < n; ++i) {
        const dq_model_desc_t *d = dq_registry_model_at(cli->reg, i)->desc;
        wn = list_width(wn, d->name);
        cli_model_param_names(d, params, sizeof params);
        wp = list_width(wp, params);
        wd = list_width(wd, d->description ? d->description : "");
    }
    printf("\nModels (%zu):\n", n);
    if (n == 0)
        return;
    printf("  %-*s  %-*s  %-*s  %s\n", wn, "NAME", wp, "PARAMETERS", wd, "DESCRIPTION", "SOURCE");
    for (size_t i = 0; i < n; ++i) {
        const dq_model_entry_t *m = dq_registry_model_at(cli->reg, i);
        const dq_model_desc_t *d = m->desc;
        cli_model_param_names(d, params, sizeof params);
        printf("  %-*s  %-*s  %-*s  %s\n", wn, d->name, wp, params[0] ? params : "-", wd,
               d->description ? d->description : "", m->origin);
    }
}

static void list_problems(const dq_cli_t *cli)
{
    size_t n = dq_loader_record_count(cli->loader), shown = 0;
    for (size_t i = 0; i < n; ++i) {
        const dq_load_record_t *r = dq_loader_record_at(cli->loader, i);
        if (r->code == DQ_OK && !r->message[0])
            continue;
        if (shown++ == 0)
            printf("\nProblems while loading:\n");
        if (r->code != DQ_OK)
            printf("  rejected %s (stopped at stage '%s'): %s\n", r->path,
                   dq_load_stage_name(r->stage), r->message);
        else
            printf("  note     %s: %s\n", r->path, r->message);
    }
}

int cmd_list(dq_cli_t *cli, int argc, char **argv)
{
    int json = 0;
    for (int i = 1; i < argc; ++i) {
        if (strcmp(argv[i], "--json") == 0)
            json = 1;
        else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            printf("Usage: dqhost list [--json]\n\nLists the integrators (name, aliases, "
                   "category, order, description, source file),\nthe models, and the "
                   "problems met while loading plugins.\n");
            return DQ_EXIT_OK;
        } else {
            cli_errorf("list: unknown argument '%s' (usage: dqhost list [--json])", argv[i]);
            return DQ_EXIT_USAGE;
        }
    }
    if (json)
        return list_json(cli);
    list_integrators(cli);
    list_models(cli);
    list_problems(cli);
    return DQ_EXIT_OK;
}
