/* SPDX-License-Identifier: MIT */
/* main.c -- dqhost: parse the global options, load the plugins, dispatch a command. */
#include <errno.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>

#include <dq/version.h>

#include "cli.h"
#include "cmd_morph.h"
#include "cmd_plot.h"
#include "help_text.h"
#include "run_mpi.h"

static void main_usage(FILE *out)
{
    fputs(DQ_HELP_MAIN, out);
}

static void main_free(dq_cli_t *cli)
{
    /* Entries borrow plugin memory: the registry goes before the loader closes them. */
    dq_registry_free(cli->reg);
    dq_loader_free(cli->loader);
    for (size_t i = 0; i < cli->n_dirs; ++i)
        free(cli->dirs[i]);
}

static int main_dispatch(int argc, char **argv)
{
    dq_cli_t cli = {.argv0 = argv[0]};
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; ++i) {
        const char *a = argv[i];
        if (strcmp(a, "--plugins") == 0 || strncmp(a, "--plugins=", 10) == 0) {
            const char *dir = a[9] == '=' ? a + 10 : (i + 1 < argc ? argv[++i] : NULL);
            if (!dir || !*dir) {
                cli_errorf("--plugins needs a directory");
                return DQ_EXIT_USAGE;
            }
            if (cli.n_plugin_args == DQ_CLI_MAX_DIRS) {
                cli_errorf("too many --plugins options (at most %d)", DQ_CLI_MAX_DIRS);
                return DQ_EXIT_USAGE;
            }
            cli.plugin_args[cli.n_plugin_args++] = dir;
        } else if (strcmp(a, "--strict") == 0) {
            cli.strict = 1;
        } else if (strcmp(a, "--no-scan-cache") == 0) {
            cli.no_scan_cache = 1;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            main_usage(stdout);
            return DQ_EXIT_OK;
        } else if (strcmp(a, "--version") == 0) {
            printf("dqhost %s (plugin ABI %d.%d%s)\n", DQ_VERSION_STRING, DQ_ABI_MAJOR,
                   DQ_ABI_MINOR, RUN_MPI_BUILT ? ", MPI" : "");
            return DQ_EXIT_OK;
        } else {
            cli_errorf("unknown option '%s' (see dqhost --help)", a);
            return DQ_EXIT_USAGE;
        }
    }
    const char *cmd = i < argc ? argv[i] : "list";
    int (*fn)(dq_cli_t *, int, char **) = NULL;
    if (strcmp(cmd, "list") == 0)
        fn = cmd_list;
    else if (strcmp(cmd, "info") == 0)
        fn = cmd_info;
    else if (strcmp(cmd, "run") == 0)
        fn = cmd_run;
    else if (strcmp(cmd, "models") == 0)
        fn = cmd_models;
    else if (strcmp(cmd, "check") == 0)
        fn = cmd_check;
    else if (strcmp(cmd, "plot") == 0)
        fn = cmd_plot;
    else if (strcmp(cmd, "morph") == 0)
        return cmd_morph(argc - i, argv + i); /* reads a file: no plugins */
    else if (strcmp(cmd, "help") == 0) {
        main_usage(stdout);
        return DQ_EXIT_OK;
    } else {
        cli_errorf("unknown command '%s' (commands: list, models, info, run, check, help)", cmd);
        return DQ_EXIT_USAGE;
    }
    if (fn == cmd_run) /* under mpirun: every rank loads its plugins, rank 0 speaks */
        run_mpi_begin();
    int rc = cli_load_plugins(&cli);
    if (rc == DQ_EXIT_OK) {
        size_t rejected = dq_loader_failure_count(cli.loader);
        /* `list` shows rejected plugins in its own output; other commands say so on stderr. */
        if (rejected && fn != cmd_list)
            cli_report_rejected(&cli);
        int sub_argc = i < argc ? argc - i : 0;
        char *none[] = {(char *)cmd, NULL};
        if (cli.strict && rejected && fn != cmd_list) {
            cli_errorf("%zu plugin(s) rejected (--strict)", rejected);
            rc = DQ_EXIT_USAGE;
        } else {
            rc = fn(&cli, sub_argc ? sub_argc : 1, sub_argc ? argv + i : none);
            /* --strict: packagers' CI wants a rejected plugin to fail the listing too. */
            if (rc == DQ_EXIT_OK && cli.strict && rejected) {
                cli_errorf("%zu plugin(s) rejected (--strict)", rejected);
                rc = DQ_EXIT_USAGE;
            }
        }
    }
    main_free(&cli);
    return rc;
}

/* Every command ends here: output that could not be written is a failure (`dqhost list >
 * /dev/full` must not exit 0). stdout is flushed and closed to see its last error, as
 * gnulib's close_stdout does; an earlier failed write left its error flag set. A closed
 * stdout (EBADF) that nothing was written to is no error. A command that failed already
 * said why (a trajectory on stdout reports its own write error) and keeps its status. When
 * stderr fails there is no one to tell, but the status still says so. */
static int main_close_stdio(int rc)
{
    int had_error = ferror(stdout);
    size_t pending = __fpending(stdout);
    errno = 0;
    int closed = fclose(stdout) == 0;
    if (rc == DQ_EXIT_OK && (had_error || (!closed && (errno != EBADF || pending)))) {
        int e = had_error && closed ? 0 : errno;
        cli_errorf("cannot write to standard output%s%s", e ? ": " : "", e ? strerror(e) : "");
        rc = DQ_EXIT_FAILURE;
    }
    if ((ferror(stderr) || fflush(stderr) != 0) && rc == DQ_EXIT_OK)
        rc = DQ_EXIT_FAILURE;
    return rc;
}

int main(int argc, char **argv)
{
    return run_mpi_end(main_close_stdio(main_dispatch(argc, argv)));
}
