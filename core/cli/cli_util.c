/* SPDX-License-Identifier: MIT */
/* cli_util.c -- plugin path resolution, loading, messages and parsing for the CLI. */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cli_text.h"

void cli_print_error(const dq_error_t *err)
{
    /* Messages name their subject ("plugin 'x'", "state 'V'") except at a place in a run
     * spec, where the file goes first, with the position as file:line:column. */
    if (err->place != DQ_PLACE_SPEC || !err->source[0])
        fprintf(stderr, "dqhost: error: %s\n", err->message);
    else if (err->line > 0)
        fprintf(stderr, "dqhost: error: %s:%d:%d: %s\n", err->source, err->line, err->column,
                err->message);
    else
        fprintf(stderr, "dqhost: error: %s: %s\n", err->source, err->message);
}

/* One line on stderr: "dqhost: <kind>: <message>". */
static void cli_vline(const char *kind, const char *fmt, va_list ap)
{
    fprintf(stderr, "dqhost: %s: ", kind);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void cli_errorf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cli_vline("error", fmt, ap);
    va_end(ap);
}

void cli_warnf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cli_vline("warning", fmt, ap);
    va_end(ap);
}

void cli_note(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cli_vline("note", fmt, ap);
    va_end(ap);
}

static int cli_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Whether two names are the same directory (a missing one is compared by name). */
static int cli_same_dir(const char *a, const char *b)
{
    char ra[PATH_MAX], rb[PATH_MAX];
    if (realpath(a, ra) && realpath(b, rb))
        return strcmp(ra, rb) == 0;
    return strcmp(a, b) == 0;
}

/* Adds a directory to search unless it is already there. Returns -1 when the list is full
 * (an error: a directory is never dropped in silence) or out of memory. */
static int cli_add_dir(dq_cli_t *cli, const char *dir)
{
    for (size_t i = 0; i < cli->n_dirs; ++i)
        if (cli_same_dir(cli->dirs[i], dir))
            return 0;
    if (cli->n_dirs == DQ_CLI_MAX_SEARCH_DIRS) {
        cli_errorf("too many plugin directories (at most %d from the default, "
                   "DQHOST_PLUGIN_PATH and --plugins together)",
                   DQ_CLI_MAX_SEARCH_DIRS);
        return -1;
    }
    char *copy = strdup(dir);
    if (!copy) {
        cli_errorf("out of memory");
        return -1;
    }
    cli->dirs[cli->n_dirs++] = copy;
    return 0;
}

/* The built-in default: a binary run from its build tree (CMakeCache.txt beside it) uses
 * the tree's plugins/; an installed binary uses the plugin dir of its own installation,
 * found relative to the executable (so `cmake --install --prefix P` and moved trees work),
 * else the configured install dir. Never both, so a developer who also installed dqhost
 * does not load every plugin twice. */
static void cli_default_dir(char *buf, size_t len)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            char probe[PATH_MAX + 64];
            snprintf(probe, sizeof probe, "%s/CMakeCache.txt", exe);
            if (access(probe, F_OK) == 0) {
                snprintf(buf, len, "%s/plugins", exe);
                return;
            }
            snprintf(probe, sizeof probe, "%s/%s", exe, DQ_REL_PLUGINDIR);
            if (cli_is_dir(probe)) {
                snprintf(buf, len, "%s", probe);
                return;
            }
        }
    }
    snprintf(buf, len, "%s", DQ_INSTALL_PLUGINDIR);
}

/* Forwards registry warnings (overrides, deprecated names) to stderr. */
static void cli_on_warning(void *user, const char *source, const char *message)
{
    (void)user;
    (void)source;
    cli_warnf("%s", message);
}

int cli_load_plugins(dq_cli_t *cli)
{
    dq_error_t err = {0};
    cli->reg = dq_registry_new();
    if (!cli->reg) {
        cli_errorf("out of memory");
        return DQ_EXIT_FAILURE;
    }
    dq_registry_set_warning_handler(cli->reg, cli_on_warning, cli);
    cli->loader = dq_loader_new(cli->reg, &err);
    if (!cli->loader) {
        cli_print_error(&err);
        return DQ_EXIT_FAILURE;
    }
    /* New or changed plugins are scanned in a child; this rescans every one. */
    const char *no_cache = getenv("DQHOST_NO_SCAN_CACHE");
    if (cli->no_scan_cache || (no_cache && *no_cache && strcmp(no_cache, "0") != 0))
        dq_loader_set_scan(cli->loader, DQ_SCAN_FRESH, 0.0, NULL);
    /* Registration runs from the most general directory to the most specific: the
     * built-in default, then DQHOST_PLUGIN_PATH, then each --plugins. A plugin that
     * reuses a name already taken is refused unless it sets override, exactly as a
     * braincell user's @register_integrator meets the built-ins registered at import. */
    char def[PATH_MAX + 128];
    cli_default_dir(def, sizeof def);
    int full = cli_add_dir(cli, def);
    size_t first_explicit = cli->n_dirs;
    const char *env = getenv("DQHOST_PLUGIN_PATH");
    if (env && *env) {
        char *copy = strdup(env), *save = NULL;
        for (char *tok = copy ? strtok_r(copy, ":", &save) : NULL; tok && !full;
             tok = strtok_r(NULL, ":", &save))
            full = cli_add_dir(cli, tok);
        free(copy);
    }
    for (size_t i = 0; i < cli->n_plugin_args && !full; ++i)
        full = cli_add_dir(cli, cli->plugin_args[i]);
    if (full)
        return DQ_EXIT_USAGE;

    size_t readable = 0;
    for (size_t i = 0; i < cli->n_dirs; ++i) {
        /* A missing default is normal (an uninstalled build); a missing directory the user
         * named is worth a warning. */
        if (i < first_explicit && !cli_is_dir(cli->dirs[i]))
            continue;
        dq_error_clear(&err);
        if (dq_loader_load_dir(cli->loader, cli->dirs[i], &err) == DQ_OK)
            readable++;
        else
            cli_warnf("%s", err.message);
    }
    if (readable == 0) {
        cli_errorf("no plugin directory could be read (searched: --plugins, "
                   "DQHOST_PLUGIN_PATH, %s)",
                   def);
        return DQ_EXIT_USAGE;
    }
    return DQ_EXIT_OK;
}

void cli_report_rejected(const dq_cli_t *cli)
{
    size_t n = dq_loader_record_count(cli->loader);
    for (size_t i = 0; i < n; ++i) {
        const dq_load_record_t *r = dq_loader_record_at(cli->loader, i);
        if (r->code != DQ_OK) {
            /* The path and the message may carry a plugin's bytes: escaped. */
            fputs("dqhost: warning: skipped plugin '", stderr);
            cli_text_put(stderr, r->path, 0);
            fputs("': ", stderr);
            cli_text_put(stderr, r->message, 0);
            fputc('\n', stderr);
        }
    }
}

/* The shape strtod should see: [+-] digits [. digits] [e [+-] digits], at least one digit
 * in the mantissa. strtod alone also takes leading white space, hex floats, "inf", "nan"
 * and "infinity", none of which a user means in a numeric flag. */
static int cli_is_decimal(const char *s)
{
    size_t digits = 0;
    if (*s == '+' || *s == '-')
        ++s;
    for (; *s >= '0' && *s <= '9'; ++s)
        ++digits;
    if (*s == '.')
        for (++s; *s >= '0' && *s <= '9'; ++s)
            ++digits;
    if (!digits)
        return 0;
    if (*s == 'e' || *s == 'E') {
        ++s;
        if (*s == '+' || *s == '-')
            ++s;
        if (!(*s >= '0' && *s <= '9'))
            return 0;
        while (*s >= '0' && *s <= '9')
            ++s;
    }
    return *s == '\0';
}

int cli_parse_double(const char *text, const char *what, double *out)
{
    if (!text || !cli_is_decimal(text)) {
        cli_errorf("%s: expected a finite number, got '%s'", what, text ? text : "");
        return -1;
    }
    errno = 0;
    double v = strtod(text, NULL);
    if (!isfinite(v)) {
        cli_errorf("%s: %s is too large (the largest double is %.17g)", what, text, DBL_MAX);
        return -1;
    }
    /* ERANGE on a finite result is underflow: a subnormal or zero from a non-zero literal. */
    if (errno == ERANGE || (v != 0.0 && fabs(v) < DBL_MIN)) {
        cli_errorf("%s: %s is too small (%s; the smallest normal double is %.17g)", what, text,
                   v == 0.0 ? "it rounds to 0" : "subnormal", DBL_MIN);
        return -1;
    }
    *out = v;
    return 0;
}

void cli_adaptive_orders(const dq_integrator_entry_t *e, int *error_order, int *dense_order)
{
    const int adaptive = (e->flags & DQ_CAP_ADAPTIVE) != 0;
    *error_order = adaptive && e->error_order > 0 ? e->error_order : 0;
    *dense_order = adaptive && e->dense_order > 0 ? e->dense_order : 0;
}

void cli_adaptive_summary(const dq_integrator_entry_t *e, char *buf, size_t len)
{
    buf[0] = '\0';
    if (!(e->flags & DQ_CAP_ADAPTIVE))
        return;
    int p, d;
    char ps[16] = "?", ds[16] = "?";
    cli_adaptive_orders(e, &p, &d);
    if (p > 0)
        snprintf(ps, sizeof ps, "%d", p);
    if (d > 0)
        snprintf(ds, sizeof ds, "%d", d);
    snprintf(buf, len, "error-controlled: embedded order %s, dense output order %s", ps, ds);
}

void cli_order_text(const dq_integrator_entry_t *e, char *buf, size_t len)
{
    int p = 0, d;
    if (e->flags & DQ_CAP_ADAPTIVE)
        cli_adaptive_orders(e, &p, &d);
    if (e->order <= 0)
        snprintf(buf, len, "?");
    else if (p > 0)
        snprintf(buf, len, "%d(%d)", e->order, p);
    else
        snprintf(buf, len, "%d", e->order);
}

const char *cli_calculus_name(uint32_t calculus)
{
    return calculus == DQ_CALCULUS_ITO            ? "Ito"
           : calculus == DQ_CALCULUS_STRATONOVICH ? "Stratonovich"
                                                  : "unknown";
}

void cli_sde_summary(const dq_integrator_entry_t *e, char *buf, size_t len)
{
    buf[0] = '\0';
    if (!(e->flags & DQ_CAP_DIFFUSION))
        return;
    char strong[24] = "?", weak[24] = "?";
    if (e->strong_order > 0.0)
        snprintf(strong, sizeof strong, "%g", e->strong_order);
    if (e->weak_order > 0.0)
        snprintf(weak, sizeof weak, "%g", e->weak_order);
    snprintf(buf, len, "strong %s, weak %s, %s", strong, weak, cli_calculus_name(e->calculus));
}
