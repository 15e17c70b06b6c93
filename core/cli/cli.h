/* SPDX-License-Identifier: MIT */
/* cli.h -- shared state and helpers of the dqhost command line. */
#ifndef DQ_CLI_H
#define DQ_CLI_H

#include <stddef.h>

#include <dq/host/loader.h>
#include <dq/host/registry.h>
#include <dq/host/system.h>

/* Exit statuses. */
enum { DQ_EXIT_OK = 0, DQ_EXIT_FAILURE = 1, DQ_EXIT_USAGE = 2 };

#define DQ_CLI_MAX_DIRS 64
/* Directories searched at most: the default, DQHOST_PLUGIN_PATH's and --plugins together. */
#define DQ_CLI_MAX_SEARCH_DIRS 256

typedef struct dq_cli {
    const char *argv0;
    int strict;
    int no_scan_cache;                        /* --no-scan-cache: rescan every plugin in a child */
    const char *plugin_args[DQ_CLI_MAX_DIRS]; /* --plugins, in order */
    size_t n_plugin_args;
    /* Directories actually searched, in order; [owned] */
    char *dirs[DQ_CLI_MAX_SEARCH_DIRS];
    size_t n_dirs;
    dq_registry_t *reg;
    dq_loader_t *loader;
} dq_cli_t;

/* Prints "dqhost: error: <msg>" to stderr, after "<spec>: " or "<spec>:<line>:<column>: "
 * when the error is at a place in a run spec (err->place). */
void cli_print_error(const dq_error_t *err);
void cli_errorf(const char *fmt, ...) DQ_PRINTF(1, 2);
void cli_warnf(const char *fmt, ...) DQ_PRINTF(1, 2);
void cli_note(const char *fmt, ...) DQ_PRINTF(1, 2);

/* Loads every plugin directory (each once, however often it is named), scanning new or
 * changed plugins in a child process (DQHOST_NO_SCAN_CACHE=1: every plugin, ignoring the
 * cache). Returns DQ_EXIT_OK, or DQ_EXIT_USAGE when no directory could be read at all or
 * more than DQ_CLI_MAX_SEARCH_DIRS were named. Warnings about missing directories go to stderr. */
int cli_load_plugins(dq_cli_t *cli);
/* Prints one stderr line per rejected plugin. */
void cli_report_rejected(const dq_cli_t *cli);

/* Parses a whole string as a finite double; on failure prints an error naming `what`. */
int cli_parse_double(const char *text, const char *what, double *out);

/* The model's parameter names joined with ", " into buf. */
void cli_model_param_names(const dq_model_desc_t *d, char *buf, size_t len);
/* An SDE solver's orders and calculus, "strong 0.5, weak 1, Ito" ("" for other solvers). */
void cli_sde_summary(const dq_integrator_entry_t *e, char *buf, size_t len);
/* An error-controlled solver's orders (DQ_CAP_ADAPTIVE): *error_order is the order p^ of
 * its embedded solution, *dense_order that of its continuous extension; 0 when unknown or
 * the solver is not error-controlled. */
void cli_adaptive_orders(const dq_integrator_entry_t *e, int *error_order, int *dense_order);
/* "error-controlled: embedded order 4, dense output order 4" ("" for other solvers). */
void cli_adaptive_summary(const dq_integrator_entry_t *e, char *buf, size_t len);
/* "5(4)" for an error-controlled solver of order 5 with an embedded order 4, "4" for
 * others, "?" when the order is unknown. */
void cli_order_text(const dq_integrator_entry_t *e, char *buf, size_t len);
/* "Ito", "Stratonovich" or "unknown". */
const char *cli_calculus_name(uint32_t calculus);
/* The model's states in declaration order (module by module); *module (may be NULL)
 * receives the owning module's name. */
size_t cli_model_state_count(const dq_model_entry_t *m);
const dq_state_desc_t *cli_model_state_at(const dq_model_entry_t *m, size_t k, const char **module);

int cmd_list(dq_cli_t *cli, int argc, char **argv);
int cmd_info(dq_cli_t *cli, int argc, char **argv);
int cmd_run(dq_cli_t *cli, int argc, char **argv);
int cmd_models(dq_cli_t *cli, int argc, char **argv);
int cmd_check(dq_cli_t *cli, int argc, char **argv);

#endif
