/* SPDX-License-Identifier: MIT */
/* cmd_info.c -- `dqhost info NAME`: one integrator (name or alias) or model in full. */
#include <stdio.h>
#include <string.h>

#include "cli_json.h"
#include "cli_text.h"
#include "help_text.h"
#include "strbuf.h"

/* "  label:  text\n" with the text escaped (it came from a plugin or a file name). */
static void info_line(const char *label, const char *text)
{
    printf("  %-14s", label);
    cli_text_put(stdout, text, 0);
    fputc('\n', stdout);
}

static void info_integrator(const dq_integrator_entry_t *e)
{
    char aliases[512], flags[256];
    dq__join(aliases, sizeof aliases, e->aliases, (size_t)-1, ", ");
    const char *words[8];
    size_t n;
    cli_flag_words(e->flags, words, &n);
    dq__join(flags, sizeof flags, words, n, ", ");
    printf("integrator ");
    cli_text_put(stdout, e->name, 0);
    fputc('\n', stdout);
    info_line("aliases:", aliases[0] ? aliases : "(none)");
    info_line("category:", e->category[0] ? e->category : "(none)");
    const int sde = (e->flags & DQ_CAP_DIFFUSION) != 0;
    if (e->order)
        printf("  order:        %d%s\n", e->order, sde ? " (on ODEs: a model without noise)" : "");
    else
        printf("  order:        unknown\n");
    char steps[96];
    cli_adaptive_summary(e, steps, sizeof steps);
    if (steps[0])
        printf("  steps:        %s\n", steps);
    if (sde) {
        char sum[96];
        cli_sde_summary(e, sum, sizeof sum);
        printf("  SDE:          %s%s\n", sum,
               (e->flags & DQ_CAP_ADDITIVE_NOISE_ONLY) ? " (additive noise only)" : "");
    }
    info_line("description:", e->description);
    printf("  flags:        %s\n", n ? flags : "(none)");
    printf("  options:      %s\n", e->n_options ? "" : "(none)");
    for (size_t i = 0; i < e->n_options; ++i) {
        const dq_option_desc_t *o = &e->options[i];
        fputs("    ", stdout);
        cli_text_cell(stdout, o->name, 0, 16);
        printf(" default %-8g ", o->def);
        cli_text_put(stdout, o->doc, 0);
        if (o->min < o->max)
            printf(" [%g, %g]", o->min, o->max);
        printf("%s\n", (o->flags & DQ_OPTION_INTEGER) ? " (whole number)" : "");
    }
    info_line("source:", e->origin);
}

static void info_model(const dq_model_entry_t *m)
{
    const dq_model_desc_t *d = m->desc;
    printf("model ");
    cli_text_put(stdout, d->name, 0);
    fputc('\n', stdout);
    info_line("description:", d->description);
    info_line("source:", m->origin);
    /* The unit column as wide as the longest unit ("uA/cm^2*sqrt(ms)"), at least 8. */
    size_t wu = 8;
    for (size_t i = 0; i < d->n_params; ++i) {
        size_t n = d->params[i].unit ? cli_text_cols(d->params[i].unit, 24) : 0;
        wu = n > wu ? n : wu;
    }
    printf("  parameters:\n");
    for (size_t i = 0; i < d->n_params; ++i) {
        const dq_param_desc_t *p = &d->params[i];
        fputs("    ", stdout);
        cli_text_cell(stdout, p->name, 0, 12);
        printf(" default %-10.6g ", p->def);
        cli_text_cell(stdout, p->unit, 24, wu);
        fputc(' ', stdout);
        cli_text_put(stdout, p->doc, 0);
        printf("%s\n", (p->flags & DQ_PARAM_PER_UNIT) ? " [per unit]" : "");
    }
    printf("  states:\n");
    for (size_t k = 0; k < cli_model_state_count(m); ++k) {
        const dq_state_desc_t *s = cli_model_state_at(m, k, NULL);
        fputs("    ", stdout);
        cli_text_cell(stdout, s->name, 0, 12);
        fputc(' ', stdout);
        cli_text_cell(stdout, s->unit, 0, 8);
        fputc(' ', stdout);
        cli_text_put(stdout, s->doc, 0);
        printf("%s\n", (s->flags & DQ_STATE_DIFFUSION) ? " (stochastic)" : "");
    }
}

int cmd_info(dq_cli_t *cli, int argc, char **argv)
{
    const char *name = NULL;
    int json = 0;
    for (int i = 1; i < argc; ++i) {
        if (strcmp(argv[i], "--json") == 0)
            json = 1;
        else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            fputs(DQ_HELP_INFO, stdout);
            return DQ_EXIT_OK;
        } else if (argv[i][0] == '-' || name) {
            cli_errorf("info: unexpected argument '%s' (usage: dqhost info NAME [--json])",
                       argv[i]);
            return DQ_EXIT_USAGE;
        } else
            name = argv[i];
    }
    if (!name) {
        cli_errorf("info: which integrator or model? (usage: dqhost info NAME [--json])");
        return DQ_EXIT_USAGE;
    }
    dq_error_t ierr = {0}, merr = {0};
    const dq_integrator_entry_t *e = dq_registry_lookup(cli->reg, name, &ierr);
    if (e) {
        if (json)
            return cli_json_emit(json_pack("{s:s, s:o}", "kind", "integrator", "integrator",
                                           cli_json_integrator(e)));
        info_integrator(e);
        return DQ_EXIT_OK;
    }
    const dq_model_entry_t *m = dq_registry_lookup_model(cli->reg, name, &merr);
    if (m) {
        if (json)
            return cli_json_emit(
                json_pack("{s:s, s:o}", "kind", "model", "model", cli_json_model(m)));
        info_model(m);
        return DQ_EXIT_OK;
    }
    /* Neither: the integrator message, unless only a model name is close. */
    const char *close[1], *models[256];
    size_t n_models = dq_registry_model_count(cli->reg);
    if (n_models > 256)
        n_models = 256;
    for (size_t i = 0; i < n_models; ++i)
        models[i] = dq_registry_model_at(cli->reg, i)->desc->name;
    int model_close = dq_suggest(name, models, n_models, 0.6, close, 1) > 0;
    int integrator_close = dq_registry_suggest(cli->reg, name, close, 1) > 0;
    cli_print_error(model_close && !integrator_close ? &merr : &ierr);
    return DQ_EXIT_USAGE;
}
