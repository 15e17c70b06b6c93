/* SPDX-License-Identifier: MIT */
/* cmd_plot.c -- `dqhost plot`: draws a trajectory (one panel per state, a few units each) or
 * a spike raster with gnuplot.
 *
 * The input is read here (CSV or JSON as core/io/record.c writes them, or a spike file as
 * run_output.c writes it), the columns to draw are copied into a temporary whitespace-separated
 * file, and gnuplot runs as a child process reading a script on its standard input. Its
 * standard output goes to our standard error, so that a `run --json --plot` summary stays
 * clean. Units of the axes come from the model in the registry when the file names it. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include <dq/host/record.h>

#include "cmd_plot.h"
#include "help_text.h"

#define PLOT_MAX_UNITS_DEFAULT 8

typedef struct plot_col {
    char *state;
    size_t unit;
} plot_col_t;

typedef struct plot_in {
    const char *path;
    int spikes;       /* a spike file, not a trajectory */
    char *model;      /* named by the file, or NULL */
    plot_col_t *cols; /* [n_cols] the trajectory's columns after t */
    size_t n_cols;
    json_t *doc; /* a JSON input */
    FILE *csv;   /* a CSV input, positioned after its header */
} plot_in_t;

/* A state drawn in one panel: its columns in the input. */
typedef struct plot_panel {
    const char *state;
    size_t *cols; /* [n] indices into plot_in_t.cols */
    size_t n;
} plot_panel_t;

static char *plot_strdup(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

static void plot_in_free(plot_in_t *in)
{
    for (size_t i = 0; i < in->n_cols; ++i)
        free(in->cols[i].state);
    free(in->cols);
    free(in->model);
    if (in->doc)
        json_decref(in->doc);
    if (in->csv)
        fclose(in->csv);
}

/* ---- reading --------------------------------------------------------------------------- */

/* A provenance comment naming the model: "# ... model: hh", "model=hh" or "\"model\": \"hh\"". */
static char *plot_comment_model(const char *line)
{
    const char *p = strstr(line, "model");
    if (!p)
        return NULL;
    p += 5;
    if (*p == '"')
        ++p;
    while (*p == ' ')
        ++p;
    if (*p != ':' && *p != '=')
        return NULL;
    ++p;
    while (*p == ' ' || *p == '"')
        ++p;
    size_t n = strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-");
    return n ? plot_strdup(p, n) : NULL;
}

/* Splits a CSV line into fields in place (quotes removed, doubled quotes undone). */
static size_t plot_csv_split(char *line, char **fields, size_t max)
{
    size_t n = 0;
    char *r = line, *w = line;
    while (n < max) {
        fields[n++] = w;
        if (*r == '"') {
            ++r;
            while (*r && !(*r == '"' && r[1] != '"'))
                *w++ = *r == '"' ? (++r, '"') : *r, ++r;
            if (*r == '"')
                ++r;
        }
        while (*r && *r != ',')
            *w++ = *r++;
        if (*r != ',') {
            *w = '\0';
            break;
        }
        *w++ = '\0';
        ++r;
    }
    return n;
}

static void plot_chomp(char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
        s[--n] = '\0';
}

/* The header of a CSV input: "t,V[0],V[1],..." or "unit,t,event". 0, or a DQ_EXIT_* status. */
static int plot_read_csv_header(plot_in_t *in)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int rc = DQ_EXIT_USAGE;
    while ((len = getline(&line, &cap, in->csv)) >= 0) {
        plot_chomp(line);
        if (line[0] == '#') {
            if (!in->model)
                in->model = plot_comment_model(line);
            continue;
        }
        if (line[0])
            break;
    }
    if (len < 0) {
        cli_errorf("plot: '%s' is empty: not a trajectory or spike file", in->path);
        goto out;
    }
    if (strcmp(line, "unit,t,event") == 0) {
        in->spikes = 1;
        rc = 0;
        goto out;
    }
    size_t max = 1;
    for (const char *p = line; *p; ++p)
        max += *p == ',';
    char **f = malloc(max * sizeof *f);
    in->cols = calloc(max, sizeof *in->cols);
    if (!f || !in->cols) {
        free(f);
        cli_errorf("plot: out of memory reading '%s'", in->path);
        rc = DQ_EXIT_FAILURE;
        goto out;
    }
    size_t n = plot_csv_split(line, f, max);
    if (n < 2 || strcmp(f[0], "t") != 0) {
        free(f);
        cli_errorf("plot: '%s' is not a trajectory or spike file written by dqhost run (its "
                   "header should start with 't,' or be 'unit,t,event')",
                   in->path);
        goto out;
    }
    for (size_t i = 1; i < n; ++i) {
        char *b = strrchr(f[i], '['), *end = NULL;
        unsigned long u = b ? strtoul(b + 1, &end, 10) : 0;
        if (!b || b == f[i] || end == b + 1 || strcmp(end, "]") != 0) {
            cli_errorf("plot: '%s': column %zu '%s' is not STATE[UNIT]", in->path, i + 1, f[i]);
            free(f);
            goto out;
        }
        in->cols[in->n_cols].unit = u;
        if (!(in->cols[in->n_cols].state = plot_strdup(f[i], (size_t)(b - f[i])))) {
            free(f);
            cli_errorf("plot: out of memory reading '%s'", in->path);
            rc = DQ_EXIT_FAILURE;
            goto out;
        }
        in->n_cols++;
    }
    free(f);
    rc = 0;
out:
    free(line);
    return rc;
}

static int plot_read_json(plot_in_t *in)
{
    json_error_t jerr;
    in->doc = json_load_file(in->path, 0, &jerr);
    if (!in->doc) {
        cli_errorf("plot: '%s':%d:%d: not valid JSON: %s", in->path, jerr.line, jerr.column,
                   jerr.text);
        return DQ_EXIT_USAGE;
    }
    json_t *model = json_object_get(in->doc, "model");
    if (json_is_string(model) && !(in->model = strdup(json_string_value(model))))
        return DQ_EXIT_FAILURE;
    if (json_is_array(json_object_get(in->doc, "spikes"))) {
        in->spikes = 1;
        return 0;
    }
    json_t *states = json_object_get(in->doc, "states"), *units = json_object_get(in->doc, "units");
    if (!json_is_array(states) || !json_is_array(units) ||
        !json_is_array(json_object_get(in->doc, "samples"))) {
        cli_errorf("plot: '%s' is not a trajectory or spike file written by dqhost run (no "
                   "\"states\", \"units\" and \"samples\", or \"spikes\")",
                   in->path);
        return DQ_EXIT_USAGE;
    }
    size_t ns = json_array_size(states), nu = json_array_size(units);
    in->cols = calloc(ns * nu > 0 ? ns * nu : 1, sizeof *in->cols);
    if (!in->cols)
        return DQ_EXIT_FAILURE;
    for (size_t s = 0; s < ns; ++s)
        for (size_t i = 0; i < nu; ++i) {
            json_t *name = json_array_get(states, s), *u = json_array_get(units, i);
            if (!json_is_string(name) || !json_is_integer(u) || json_integer_value(u) < 0) {
                cli_errorf("plot: '%s': \"states\" must hold names and \"units\" indices",
                           in->path);
                return DQ_EXIT_USAGE;
            }
            plot_col_t *c = &in->cols[in->n_cols++];
            c->unit = (size_t)json_integer_value(u);
            if (!(c->state = strdup(json_string_value(name))))
                return DQ_EXIT_FAILURE;
        }
    return 0;
}

static int plot_read(plot_in_t *in)
{
    FILE *f = fopen(in->path, "rb");
    if (!f) {
        cli_errorf("plot: cannot open '%s': %s", in->path, strerror(errno));
        return DQ_EXIT_USAGE;
    }
    unsigned char magic[4] = {0};
    size_t got = fread(magic, 1, sizeof magic, f);
    if (got == 4 && memcmp(magic, "\x89HDF", 4) == 0) {
        /* HDF5: the library turns it into the CSV the recorder would have written. */
        fclose(f);
        FILE *tmp = tmpfile();
        dq_error_t err = {0};
        if (!tmp) {
            cli_errorf("plot: cannot create a temporary file: %s", strerror(errno));
            return DQ_EXIT_FAILURE;
        }
        if (dq_h5_trajectory_to_csv(in->path, tmp, &err)) {
            fclose(tmp);
            cli_errorf("plot: %s", err.message);
            return DQ_EXIT_USAGE;
        }
        rewind(tmp);
        in->csv = tmp;
        return plot_read_csv_header(in);
    }
    /* JSON starts with '{' after any white space; anything else is read as CSV. */
    int c;
    rewind(f);
    while ((c = fgetc(f)) == ' ' || c == '\n' || c == '\r' || c == '\t')
        ;
    if (c == '{') {
        fclose(f);
        int rc = plot_read_json(in);
        if (rc == DQ_EXIT_FAILURE)
            cli_errorf("plot: out of memory reading '%s'", in->path);
        return rc;
    }
    rewind(f);
    in->csv = f;
    return plot_read_csv_header(in);
}

/* ---- choosing what to draw ------------------------------------------------------------- */

static int plot_has_state(const plot_in_t *in, const char *name, size_t len)
{
    for (size_t i = 0; i < in->n_cols; ++i)
        if (strlen(in->cols[i].state) == len && strncmp(in->cols[i].state, name, len) == 0)
            return 1;
    return 0;
}

/* The panels: each state of `states` (NULL: every state of the file, in its order) with at
 * most max_units of its columns, chosen evenly. *n_panels panels; 0, or a DQ_EXIT_* status. */
static int plot_choose(const plot_in_t *in, const char *states, size_t max_units,
                       plot_panel_t **panels, size_t *n_panels)
{
    *panels = calloc(in->n_cols ? in->n_cols : 1, sizeof **panels);
    *n_panels = 0;
    if (!*panels)
        return DQ_EXIT_FAILURE;
    plot_panel_t *p = *panels;
    if (states) {
        for (const char *s = states; *s;) {
            size_t len = strcspn(s, ",");
            if (len == 0 || !plot_has_state(in, s, len)) {
                char list[512] = "";
                size_t used = 0;
                for (size_t i = 0; i < in->n_cols && used + 1 < sizeof list; ++i)
                    if (i == 0 || strcmp(in->cols[i].state, in->cols[i - 1].state) != 0)
                        used += (size_t)snprintf(list + used, sizeof list - used, "%s%s",
                                                 used ? ", " : "", in->cols[i].state);
                cli_errorf("plot: --states: '%s' records no state '%.*s' (it records: %s)",
                           in->path, (int)len, s, list);
                return DQ_EXIT_USAGE;
            }
            int dup = 0;
            for (size_t k = 0; k < *n_panels; ++k)
                dup |= strlen(p[k].state) == len && strncmp(p[k].state, s, len) == 0;
            for (size_t i = 0; !dup && i < in->n_cols; ++i)
                if (strlen(in->cols[i].state) == len && strncmp(in->cols[i].state, s, len) == 0) {
                    p[(*n_panels)++].state = in->cols[i].state;
                    break;
                }
            s += len;
            if (*s == ',')
                ++s;
        }
    } else {
        for (size_t i = 0; i < in->n_cols; ++i) {
            int seen = 0;
            for (size_t k = 0; k < *n_panels; ++k)
                seen |= strcmp(p[k].state, in->cols[i].state) == 0;
            if (!seen)
                p[(*n_panels)++].state = in->cols[i].state;
        }
    }
    for (size_t k = 0; k < *n_panels; ++k) {
        size_t total = 0;
        for (size_t i = 0; i < in->n_cols; ++i)
            total += strcmp(in->cols[i].state, p[k].state) == 0;
        size_t *all = malloc(total * sizeof *all);
        if (!all)
            return DQ_EXIT_FAILURE;
        total = 0;
        for (size_t i = 0; i < in->n_cols; ++i)
            if (strcmp(in->cols[i].state, p[k].state) == 0)
                all[total++] = i;
        size_t n = total < max_units ? total : max_units;
        /* Evenly over the recorded units, the first and the last included. */
        for (size_t j = 0; j < n; ++j)
            all[j] = n == 1 ? all[0] : all[(j * (total - 1) + (n - 1) / 2) / (n - 1)];
        p[k].cols = all;
        p[k].n = n;
    }
    return 0;
}

/* ---- the data file --------------------------------------------------------------------- */

static int plot_json_value(FILE *out, json_t *v)
{
    if (json_is_number(v))
        return fprintf(out, " %.17g", json_number_value(v)) < 0 ? -1 : 0;
    return fputs(" ?", out) < 0 ? -1 : 0; /* null: a non-finite value */
}

/* Writes the columns drawn (t, then each panel's) one sample a line; *rows receives the
 * count. 0, or a DQ_EXIT_* status. */
static int plot_write_trajectory(plot_in_t *in, const plot_panel_t *panels, size_t n_panels,
                                 FILE *out, size_t *rows)
{
    *rows = 0;
    if (in->doc) {
        json_t *samples = json_object_get(in->doc, "samples");
        size_t nu = json_array_size(json_object_get(in->doc, "units"));
        size_t i;
        json_t *s;
        json_array_foreach (samples, i, s) {
            if (plot_json_value(out, json_object_get(s, "t")) < 0)
                return DQ_EXIT_FAILURE;
            for (size_t k = 0; k < n_panels; ++k)
                for (size_t j = 0; j < panels[k].n; ++j) {
                    size_t c = panels[k].cols[j];
                    json_t *arr = json_object_get(s, in->cols[c].state);
                    if (plot_json_value(out, json_array_get(arr, c % nu)) < 0)
                        return DQ_EXIT_FAILURE;
                }
            if (fputc('\n', out) == EOF)
                return DQ_EXIT_FAILURE;
            ++*rows;
        }
        return 0;
    }
    char *line = NULL, **f = malloc((in->n_cols + 2) * sizeof *f);
    size_t cap = 0;
    int rc = f ? 0 : DQ_EXIT_FAILURE;
    while (rc == 0 && getline(&line, &cap, in->csv) >= 0) {
        plot_chomp(line);
        if (line[0] == '#' || line[0] == '\0')
            continue;
        size_t n = plot_csv_split(line, f, in->n_cols + 2);
        if (n != in->n_cols + 1) {
            cli_errorf("plot: '%s': a data line has %zu fields, the header %zu", in->path, n,
                       in->n_cols + 1);
            rc = DQ_EXIT_USAGE;
            break;
        }
        if (fprintf(out, "%s", f[0]) < 0)
            rc = DQ_EXIT_FAILURE;
        for (size_t k = 0; rc == 0 && k < n_panels; ++k)
            for (size_t j = 0; rc == 0 && j < panels[k].n; ++j)
                if (fprintf(out, " %s", f[panels[k].cols[j] + 1]) < 0)
                    rc = DQ_EXIT_FAILURE;
        if (rc == 0 && fputc('\n', out) == EOF)
            rc = DQ_EXIT_FAILURE;
        ++*rows;
    }
    free(line);
    free(f);
    return rc;
}

/* The spikes as "t unit" lines. */
static int plot_write_spikes(plot_in_t *in, FILE *out, size_t *rows)
{
    *rows = 0;
    if (in->doc) {
        size_t i;
        json_t *s;
        json_array_foreach (json_object_get(in->doc, "spikes"), i, s) {
            json_t *t = json_object_get(s, "t"), *u = json_object_get(s, "unit");
            if (!json_is_number(t) || !json_is_integer(u)) {
                cli_errorf("plot: '%s': spike %zu needs a number \"t\" and a \"unit\"", in->path,
                           i);
                return DQ_EXIT_USAGE;
            }
            if (fprintf(out, "%.17g %lld\n", json_number_value(t), json_integer_value(u)) < 0)
                return DQ_EXIT_FAILURE;
            ++*rows;
        }
        return 0;
    }
    char *line = NULL, *f[4];
    size_t cap = 0;
    int rc = 0;
    while (rc == 0 && getline(&line, &cap, in->csv) >= 0) {
        plot_chomp(line);
        if (line[0] == '#' || line[0] == '\0')
            continue;
        if (plot_csv_split(line, f, 4) != 3) {
            cli_errorf("plot: '%s': a spike line is not unit,t,event", in->path);
            rc = DQ_EXIT_USAGE;
        } else if (fprintf(out, "%s %s\n", f[1], f[0]) < 0) {
            rc = DQ_EXIT_FAILURE;
        }
        ++*rows;
    }
    free(line);
    return rc;
}

/* ---- gnuplot --------------------------------------------------------------------------- */

static int plot_gnuplot_found(void)
{
    const char *path = getenv("PATH");
    if (!path)
        path = "/usr/bin:/bin";
    while (*path) {
        size_t len = strcspn(path, ":");
        char buf[4096];
        snprintf(buf, sizeof buf, "%.*s/gnuplot", (int)(len ? len : 1), len ? path : ".");
        if (access(buf, X_OK) == 0)
            return 1;
        path += len;
        if (*path == ':')
            ++path;
    }
    return 0;
}

/* s as a gnuplot single-quoted string (a quote is doubled). */
static void plot_quote(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; ++s) {
        if (*s == '\'')
            fputc('\'', f);
        fputc(*s, f);
    }
    fputc('\'', f);
}

/* Runs gnuplot on the script text; returns its exit status (or -1 for a signal or when it
 * could not be started). */
static int plot_run_gnuplot(const char *script, size_t len)
{
    int fd[2];
    if (pipe(fd) != 0)
        return -1;
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        close(fd[0]);
        close(fd[1]);
        return -1;
    }
    if (pid == 0) {
        dup2(fd[0], 0);
        dup2(2, 1);
        close(fd[0]);
        close(fd[1]);
        execlp("gnuplot", "gnuplot", (char *)NULL);
        _exit(127);
    }
    close(fd[0]);
    void (*old)(int) = signal(SIGPIPE, SIG_IGN);
    for (size_t off = 0; off < len;) {
        ssize_t w = write(fd[1], script + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    close(fd[1]);
    signal(SIGPIPE, old);
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static const char *plot_state_unit(const dq_cli_t *cli, const char *model, const char *state)
{
    const dq_model_entry_t *m =
        model && cli && cli->reg ? dq_registry_lookup_model(cli->reg, model, NULL) : NULL;
    if (!m)
        return NULL;
    for (size_t k = 0, n = cli_model_state_count(m); k < n; ++k) {
        const char *module = NULL;
        const dq_state_desc_t *d = cli_model_state_at(m, k, &module);
        size_t ml = module ? strlen(module) : 0;
        if (strcmp(d->name, state) == 0 ||
            (ml && strncmp(state, module, ml) == 0 && state[ml] == '.' &&
             strcmp(state + ml + 1, d->name) == 0))
            return d->unit;
    }
    return NULL;
}

static const char *plot_time_unit(const dq_cli_t *cli, const char *model)
{
    const dq_model_entry_t *m =
        model && cli && cli->reg ? dq_registry_lookup_model(cli->reg, model, NULL) : NULL;
    return m ? m->desc->time_unit : NULL;
}

const char *plot_format_of(const char *out)
{
    const char *dot = strrchr(out, '.'), *slash = strrchr(out, '/');
    if (!dot || (slash && dot < slash))
        return NULL;
    if (strcasecmp(dot, ".png") == 0)
        return "png";
    if (strcasecmp(dot, ".svg") == 0)
        return "svg";
    if (strcasecmp(dot, ".pdf") == 0)
        return "pdf";
    return NULL;
}

static void plot_script_head(FILE *s, const char *term, const char *out, int height)
{
    if (strcmp(term, "png") == 0)
        fprintf(s,
                "if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {\n"
                "  set terminal pngcairo size 1000,%d noenhanced font ',10'\n"
                "} else {\n"
                "  set terminal png size 1000,%d noenhanced\n"
                "}\n",
                height, height);
    else if (strcmp(term, "svg") == 0)
        fprintf(s, "set terminal svg size 1000,%d noenhanced font ',10'\n", height);
    else
        fprintf(s, "set terminal pdfcairo size 10in,%gin noenhanced font ',9'\n", height / 100.0);
    fputs("set output ", s);
    plot_quote(s, out);
    fputs("\nset datafile missing '?'\nset grid\n", s);
}

static void plot_axis_label(FILE *s, const char *axis, const char *name, const char *unit)
{
    fprintf(s, "set %slabel ", axis);
    char buf[512];
    snprintf(buf, sizeof buf, unit ? "%s (%s)" : "%s", name, unit);
    plot_quote(s, buf);
    fputc('\n', s);
}

int plot_draw(const dq_cli_t *cli, const char *input, const char *output, const char *states,
              size_t max_units)
{
    if (max_units == 0)
        max_units = PLOT_MAX_UNITS_DEFAULT;
    char *def = NULL;
    if (!output) {
        const char *dot = strrchr(input, '.'), *slash = strrchr(input, '/');
        size_t stem =
            dot && (!slash || dot > slash) && dot != input ? (size_t)(dot - input) : strlen(input);
        if (!(def = malloc(stem + 5))) {
            cli_errorf("plot: out of memory");
            return DQ_EXIT_FAILURE;
        }
        memcpy(def, input, stem);
        memcpy(def + stem, ".png", 5);
        output = def;
    }
    const char *term = plot_format_of(output);
    if (!term) {
        cli_errorf("plot: -o '%s': unknown picture format (the name must end in .png, .svg or "
                   ".pdf)",
                   output);
        free(def);
        return DQ_EXIT_USAGE;
    }
    plot_in_t in = {.path = input};
    plot_panel_t *panels = NULL;
    size_t n_panels = 0, rows = 0;
    char tmp[] = "/tmp/dqhost-plot-XXXXXX";
    int tmp_fd = -1, rc = plot_read(&in);
    FILE *data = NULL;
    if (rc == 0 && !in.spikes)
        rc = plot_choose(&in, states, max_units, &panels, &n_panels);
    if (rc == 0 && in.spikes && states) {
        cli_errorf("plot: --states: '%s' is a spike file, not a trajectory", input);
        rc = DQ_EXIT_USAGE;
    }
    if (rc == 0 && !in.spikes && n_panels == 0) {
        cli_errorf("plot: '%s' records no state: nothing to draw", input);
        rc = DQ_EXIT_USAGE;
    }
    if (rc == 0 && !plot_gnuplot_found()) {
        cli_errorf("plot: cannot draw '%s': gnuplot is not installed (install it with: "
                   "apt-get install gnuplot-nox)",
                   output);
        rc = DQ_EXIT_FAILURE;
    }
    if (rc == 0) {
        if ((tmp_fd = mkstemp(tmp)) < 0 || !(data = fdopen(tmp_fd, "w"))) {
            cli_errorf("plot: cannot create a temporary file: %s", strerror(errno));
            rc = DQ_EXIT_FAILURE;
        }
    }
    if (rc == 0) {
        rc = in.spikes ? plot_write_spikes(&in, data, &rows)
                       : plot_write_trajectory(&in, panels, n_panels, data, &rows);
        if (rc == DQ_EXIT_FAILURE)
            cli_errorf("plot: cannot write the temporary file '%s': %s", tmp, strerror(errno));
        if (fclose(data) != 0 && rc == 0) {
            cli_errorf("plot: cannot write the temporary file '%s': %s", tmp, strerror(errno));
            rc = DQ_EXIT_FAILURE;
        }
        data = NULL;
    }
    if (rc == 0 && rows == 0) {
        cli_errorf("plot: '%s' holds no %s: nothing to draw", input,
                   in.spikes ? "spikes" : "samples");
        rc = DQ_EXIT_FAILURE;
    }
    /* The script. */
    char *script = NULL;
    size_t script_len = 0;
    FILE *s = NULL;
    if (rc == 0 && !(s = open_memstream(&script, &script_len))) {
        cli_errorf("plot: out of memory");
        rc = DQ_EXIT_FAILURE;
    }
    if (rc == 0) {
        const char *tu = plot_time_unit(cli, in.model);
        if (in.spikes) {
            plot_script_head(s, term, output, 500);
            plot_axis_label(s, "x", "t", tu);
            plot_axis_label(s, "y", "unit", NULL);
            fputs("set title ", s);
            plot_quote(s, input);
            fputs("\nset key off\nset yrange [-0.5:*]\nplot ", s);
            plot_quote(s, tmp);
            fputs(" using 1:2 with points pt 7 ps 0.4 lc rgb '#1f4e79'\n", s);
        } else {
            int height = n_panels == 1 ? 450 : (int)(260 * n_panels + 40);
            plot_script_head(s, term, output, height);
            fputs("set key outside right top\n", s);
            fprintf(s, "set multiplot layout %zu,1 title ", n_panels);
            plot_quote(s, input);
            fputc('\n', s);
            size_t col = 2;
            for (size_t k = 0; k < n_panels; ++k) {
                const plot_panel_t *p = &panels[k];
                plot_axis_label(s, "x", "t", tu);
                plot_axis_label(s, "y", p->state, plot_state_unit(cli, in.model, p->state));
                fputs("plot ", s);
                for (size_t j = 0; j < p->n; ++j, ++col) {
                    if (j)
                        fputs(", \\\n     ", s);
                    if (j == 0)
                        plot_quote(s, tmp);
                    else
                        fputs("''", s);
                    fprintf(s, " using 1:%zu with lines lw 1.2 title 'unit %zu'", col,
                            in.cols[p->cols[j]].unit);
                }
                fputc('\n', s);
            }
            fputs("unset multiplot\n", s);
        }
        fputs("set output\n", s);
        if (fclose(s) != 0) {
            cli_errorf("plot: out of memory");
            rc = DQ_EXIT_FAILURE;
        }
    }
    if (rc == 0) {
        int st = plot_run_gnuplot(script, script_len);
        struct stat sb;
        if (st == 127 && !plot_gnuplot_found()) {
            cli_errorf("plot: cannot draw '%s': gnuplot is not installed (install it with: "
                       "apt-get install gnuplot-nox)",
                       output);
            rc = DQ_EXIT_FAILURE;
        } else if (st != 0) {
            cli_errorf("plot: gnuplot failed to draw '%s' from '%s' (%s %d)", output, input,
                       st < 0 ? "status" : "exit status", st);
            rc = DQ_EXIT_FAILURE;
        } else if (stat(output, &sb) != 0 || sb.st_size == 0) {
            cli_errorf("plot: gnuplot wrote no picture to '%s'", output);
            rc = DQ_EXIT_FAILURE;
        }
        if (rc != 0)
            unlink(output);
    }
    if (script && getenv("DQHOST_PLOT_SCRIPT"))
        fputs(script, stderr);
    free(script);
    if (tmp_fd >= 0)
        unlink(tmp);
    for (size_t k = 0; k < n_panels; ++k)
        free(panels[k].cols);
    free(panels);
    plot_in_free(&in);
    free(def);
    return rc;
}

static void plot_usage(FILE *out)
{
    fputs(DQ_HELP_PLOT, out);
}

int cmd_plot(dq_cli_t *cli, int argc, char **argv)
{
    const char *input = NULL, *output = NULL, *states = NULL;
    size_t max_units = PLOT_MAX_UNITS_DEFAULT;
    for (int i = 1; i < argc; ++i) {
        const char *a = argv[i];
        const char *v = NULL;
        int which = 0;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            plot_usage(stdout);
            return DQ_EXIT_OK;
        }
        if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0)
            which = 1;
        else if (strncmp(a, "--output=", 9) == 0)
            which = 1, v = a + 9;
        else if (strcmp(a, "--states") == 0)
            which = 2;
        else if (strncmp(a, "--states=", 9) == 0)
            which = 2, v = a + 9;
        else if (strcmp(a, "--units") == 0)
            which = 3;
        else if (strncmp(a, "--units=", 8) == 0)
            which = 3, v = a + 8;
        if (which && !v) {
            if (i + 1 >= argc) {
                cli_errorf("plot: %s needs a value", a);
                return DQ_EXIT_USAGE;
            }
            v = argv[++i];
        }
        if (which == 1) {
            output = v;
        } else if (which == 2) {
            states = v;
        } else if (which == 3) {
            char *end;
            errno = 0;
            unsigned long n = strtoul(v, &end, 10);
            if (!*v || *end || errno || n < 1 || n > 1000 || v[0] == '-') {
                cli_errorf("plot: --units must be a whole number from 1 to 1000, got '%s'", v);
                return DQ_EXIT_USAGE;
            }
            max_units = n;
        } else if (a[0] == '-' && a[1]) {
            cli_errorf("plot: unknown option '%s' (see dqhost plot --help)", a);
            return DQ_EXIT_USAGE;
        } else if (input) {
            cli_errorf("plot: one trajectory at a time ('%s' and '%s')", input, a);
            return DQ_EXIT_USAGE;
        } else {
            input = a;
        }
    }
    if (!input) {
        cli_errorf("plot: which trajectory? (dqhost plot OUTPUT [-o FILE.png])");
        return DQ_EXIT_USAGE;
    }
    return plot_draw(cli, input, output, states, max_units);
}
