/* SPDX-License-Identifier: MIT */
/* cmd_list.c -- `dqhost list`: the integrators, the models, and problems met while loading. */
#include <stdio.h>
#include <string.h>

#include <dq/version.h>

#include "cli_json.h"
#include "cli_text.h"
#include "help_text.h"
#include "strbuf.h"

static int list_json(const dq_cli_t *cli)
{
    json_t *dirs = json_array(), *ints = json_array(), *models = json_array(),
           *plugins = json_array();
    int bad = 0;
    for (size_t i = 0; i < cli->n_dirs; ++i)
        bad |= cli_json_append(dirs, cli_json_str(cli->dirs[i]));
    for (size_t i = 0; i < dq_registry_count(cli->reg); ++i)
        bad |= cli_json_append(ints, cli_json_integrator(dq_registry_at(cli->reg, i)));
    for (size_t i = 0; i < dq_registry_model_count(cli->reg); ++i)
        bad |= cli_json_append(models, cli_json_model(dq_registry_model_at(cli->reg, i)));
    for (size_t i = 0; i < dq_loader_record_count(cli->loader); ++i)
        bad |= cli_json_append(plugins, cli_json_record(dq_loader_record_at(cli->loader, i)));
    char abi[32];
    snprintf(abi, sizeof abi, "%d.%d", DQ_ABI_MAJOR, DQ_ABI_MINOR);
    json_t *doc =
        json_pack("{s:s, s:s, s:o, s:o, s:o, s:o}", "version", DQ_VERSION_STRING, "abi", abi,
                  "plugin_dirs", dirs, "integrators", ints, "models", models, "plugins", plugins);
    if (bad) {
        /* Only memory can fail now: say so rather than print a list with holes. */
        json_decref(doc);
        doc = NULL;
    }
    return cli_json_emit(doc);
}

/* Widest a column of the text table gets: longer cells are cut with "...", so one plugin's
 * long string cannot pad every row (the caps keep every built-in row whole). */
#define LIST_NAME_COLS 32
#define LIST_ALIASES_COLS 40
#define LIST_CATEGORY_COLS 16
#define LIST_PARAMS_COLS 60
#define LIST_DESCRIPTION_COLS 132

static size_t list_width(size_t w, const char *s, size_t max)
{
    size_t n = cli_text_cols(s, max);
    return n > w ? n : w;
}

static void list_integrators(const dq_cli_t *cli)
{
    size_t n = dq_registry_count(cli->reg);
    size_t wn = 10, wa = 7, wc = 8, wd = 11, ws = 0;
    char aliases[256], sde[96];
    for (size_t i = 0; i < n; ++i) {
        const dq_integrator_entry_t *e = dq_registry_at(cli->reg, i);
        dq__join(aliases, sizeof aliases, e->aliases, (size_t)-1, ", ");
        cli_sde_summary(e, sde, sizeof sde);
        if (sde[0])
            ws = list_width(ws < 28 ? 28 : ws, sde, sizeof sde);
        wn = list_width(wn, e->name, LIST_NAME_COLS);
        wa = list_width(wa, aliases, LIST_ALIASES_COLS);
        wc = list_width(wc, e->category, LIST_CATEGORY_COLS);
        wd = list_width(wd, e->description, LIST_DESCRIPTION_COLS);
    }
    printf("Integrators (%zu):\n", n);
    if (n == 0)
        return;
    /* The SDE column (strong and weak order, calculus) only when an SDE solver is listed. */
    printf("  %-*s  %-*s  %-*s  %-5s  ", (int)wn, "NAME", (int)wa, "ALIASES", (int)wc, "CATEGORY",
           "ORDER");
    if (ws)
        printf("%-*s  ", (int)ws, "SDE (STRONG, WEAK, CALCULUS)");
    printf("%-*s  %s\n", (int)wd, "DESCRIPTION", "SOURCE");
    for (size_t i = 0; i < n; ++i) {
        const dq_integrator_entry_t *e = dq_registry_at(cli->reg, i);
        dq__join(aliases, sizeof aliases, e->aliases, (size_t)-1, ", ");
        char order[16];
        cli_order_text(e, order, sizeof order);
        fputs("  ", stdout);
        cli_text_cell(stdout, e->name, LIST_NAME_COLS, wn + 2);
        cli_text_cell(stdout, aliases[0] ? aliases : "-", LIST_ALIASES_COLS, wa + 2);
        cli_text_cell(stdout, e->category[0] ? e->category : "-", LIST_CATEGORY_COLS, wc + 2);
        printf("%-5s  ", order);
        cli_sde_summary(e, sde, sizeof sde);
        if (ws)
            printf("%-*s  ", (int)ws, sde[0] ? sde : "-");
        cli_text_cell(stdout, e->description, LIST_DESCRIPTION_COLS, wd + 2);
        cli_text_put(stdout, e->origin, 0);
        printf("%s\n", (e->flags & DQ_INTEGRATOR_DEPRECATED) ? " (deprecated)" : "");
    }
}

static void list_models(const dq_cli_t *cli)
{
    size_t n = dq_registry_model_count(cli->reg);
    size_t wn = 5, wp = 10, wd = 11;
    char params[512];
    for (size_t i = 0; i < n; ++i) {
        const dq_model_desc_t *d = dq_registry_model_at(cli->reg, i)->desc;
        wn = list_width(wn, d->name, LIST_NAME_COLS);
        cli_model_param_names(d, params, sizeof params);
        wp = list_width(wp, params, LIST_PARAMS_COLS);
        wd = list_width(wd, d->description, LIST_DESCRIPTION_COLS);
    }
    printf("\nModels (%zu):\n", n);
    if (n == 0)
        return;
    printf("  %-*s  %-*s  %-*s  %s\n", (int)wn, "NAME", (int)wp, "PARAMETERS", (int)wd,
           "DESCRIPTION", "SOURCE");
    for (size_t i = 0; i < n; ++i) {
        const dq_model_entry_t *m = dq_registry_model_at(cli->reg, i);
        const dq_model_desc_t *d = m->desc;
        cli_model_param_names(d, params, sizeof params);
        fputs("  ", stdout);
        cli_text_cell(stdout, d->name, LIST_NAME_COLS, wn + 2);
        cli_text_cell(stdout, params[0] ? params : "-", LIST_PARAMS_COLS, wp + 2);
        cli_text_cell(stdout, d->description, LIST_DESCRIPTION_COLS, wd + 2);
        cli_text_put(stdout, m->origin, 0);
        fputc('\n', stdout);
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
        printf(r->code != DQ_OK ? "  rejected " : "  note     ");
        cli_text_put(stdout, r->path, 0);
        if (r->code != DQ_OK)
            printf(" (stopped at stage '%s')", dq_load_stage_name(r->stage));
        fputs(": ", stdout);
        cli_text_put(stdout, r->message, 0);
        fputc('\n', stdout);
    }
}

/* `list --names solvers|models`: one name per line for shell completion; a name with a
 * control character or a blank (the registry refuses both) is left out, never mangled. */
static void list_name(const char *name)
{
    for (const char *c = name; *c; ++c)
        if ((unsigned char)*c <= ' ' || *c == 0x7f)
            return;
    puts(name);
}

static int list_names(const dq_cli_t *cli, int models)
{
    if (models) {
        for (size_t i = 0; i < dq_registry_model_count(cli->reg); ++i)
            list_name(dq_registry_model_at(cli->reg, i)->desc->name);
    } else {
        for (size_t i = 0; i < dq_registry_count(cli->reg); ++i) {
            const dq_integrator_entry_t *e = dq_registry_at(cli->reg, i);
            list_name(e->name);
            for (const char *const *a = e->aliases; *a; ++a)
                list_name(*a);
        }
    }
    return DQ_EXIT_OK;
}

int cmd_list(dq_cli_t *cli, int argc, char **argv)
{
    int json = 0, names = -1;
    for (int i = 1; i < argc; ++i) {
        if (strcmp(argv[i], "--json") == 0)
            json = 1;
        else if (strcmp(argv[i], "--names") == 0 || strncmp(argv[i], "--names=", 8) == 0) {
            const char *what = argv[i][7] == '=' ? argv[i] + 8 : (i + 1 < argc ? argv[++i] : "");
            if (strcmp(what, "solvers") == 0)
                names = 0;
            else if (strcmp(what, "models") == 0)
                names = 1;
            else {
                cli_errorf("list: --names needs 'solvers' or 'models' (usage: dqhost list "
                           "[--json | --names solvers|models])");
                return DQ_EXIT_USAGE;
            }
        } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            fputs(DQ_HELP_LIST, stdout);
            return DQ_EXIT_OK;
        } else {
            cli_errorf("list: unknown argument '%s' (usage: dqhost list [--json | --names "
                       "solvers|models])",
                       argv[i]);
            return DQ_EXIT_USAGE;
        }
    }
    if (json && names >= 0) {
        cli_errorf("list: --json and --names cannot be combined");
        return DQ_EXIT_USAGE;
    }
    if (names >= 0)
        return list_names(cli, names);
    if (json)
        return list_json(cli);
    list_integrators(cli);
    list_models(cli);
    list_problems(cli);
    return DQ_EXIT_OK;
}
