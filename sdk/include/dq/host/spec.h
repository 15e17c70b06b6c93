/* SPDX-License-Identifier: MIT */
/* dq/host/spec.h -- JSON run specifications (the only reader of JSON in libdqcore).
 *
 * A run spec is one JSON object:
 *   { "model": "hh", "params": {"n": 1000, "I_ext": [..]}, "solver": "rk4",
 *     "solver_options": {"newton_tol": 1e-9}, "dt": 0.01, "t_end": 200,
 *     "submodules": {"gates": {"solver": "exp_euler", "substeps": 2}},
 *     "record": {"states": ["V"], "every": 10, "units": [0, 1, 2]},
 *     "output": {"path": "hh.csv", "format": "csv", "spikes": "spikes.csv",
 *                "provenance": true}, "seed": 42,
 *     "adaptive": {"rtol": 1e-6, "atol": {"V": 1e-6, "m": 1e-8}, "hmax": 0.5} }
 * dq_spec_load checks what can be checked without the model: JSON syntax (with line and
 * column), types, ranges, unknown keys (with "did you mean"). Names that need the model
 * (parameters, states, sub-modules) are checked when the run is built, and those messages
 * carry the JSON path recorded here (`where` fields). */
#ifndef DQ_HOST_SPEC_H
#define DQ_HOST_SPEC_H

#include <stddef.h>
#include <stdint.h>

#include <dq/host/error.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dq_spec_param {
    char *name;
    double *v;   /* [len] */
    size_t len;  /* 1 for a number, the array length for an array of numbers */
    char *where; /* ".params.<name>" */
} dq_spec_param_t;

typedef struct dq_spec_option {
    char *name;
    double value;
    char *where; /* ".solver_options.<name>" */
} dq_spec_option_t;

typedef struct dq_spec_submodule {
    char *name;        /* module name */
    char *solver;      /* NULL: keep the model's choice */
    unsigned substeps; /* 0: not given */
    char *where;       /* ".submodules.<name>" */
} dq_spec_submodule_t;

/* One state's absolute tolerance, from "adaptive": {"atol": {"V": 1e-6}}. */
typedef struct dq_spec_atol {
    char *state;
    double value; /* > 0 */
    char *where;  /* ".adaptive.atol.<state>" */
} dq_spec_atol_t;

typedef enum dq_output_format {
    DQ_FORMAT_DEFAULT = 0, /* from the output path's extension (".json", ".h5"), else CSV */
    DQ_FORMAT_CSV,
    DQ_FORMAT_JSON,
    DQ_FORMAT_H5 /* HDF5: needs a file name (dq_recorder_new_h5) */
} dq_output_format_t;

typedef struct dq_spec {
    char *path;  /* the file the spec came from, for messages ("<string>" when parsed) */
    char *model; /* NULL when absent */
    dq_spec_param_t *params;
    size_t n_params;
    char *solver; /* NULL when absent */
    dq_spec_option_t *solver_options;
    size_t n_solver_options;
    int has_dt;
    double dt;
    int has_t_end;
    double t_end;
    dq_spec_submodule_t *submodules;
    size_t n_submodules;
    char **record_states; /* NULL: every state */
    size_t n_record_states;
    uint64_t record_every; /* 0: not given (every step) */
    size_t *record_units;  /* NULL: every unit */
    size_t n_record_units;
    char *output_path; /* NULL: standard output */
    dq_output_format_t output_format;
    int has_seed;
    uint64_t seed;
    int has_noise_refine;
    unsigned noise_refine; /* noise-grid intervals per step, 1 .. 1 000 000 */
    /* The "adaptive" section: the step control of error-controlled solvers
     * (dq_system_set_step_control). A value 0 is "not given" and means what it means to
     * dq_step_control_t: the default tolerance, h0 and hmin chosen by the host, no hmax. */
    int has_adaptive;           /* the section is present (it may be empty) */
    double rtol;                /* > 0, or 0 */
    double atol;                /* > 0, or 0: "atol" absent or an object */
    dq_spec_atol_t *state_atol; /* "atol" as an object: per-state values, in document order */
    size_t n_state_atol;
    double h0, hmin, hmax; /* >= 0; the spec has hmin <= hmax and h0 <= hmax when hmax > 0 */
    unsigned max_rejects;  /* >= 1, or 0 */
    int fixed_step;        /* "fixed_step": true */
    char *spikes_path;     /* .output.spikes: spike times file, or NULL */
    int no_provenance;     /* .output.provenance: false (no provenance in the trajectory) */
    char *plot_path;       /* .output.plot: picture drawn after the run, or NULL */
} dq_spec_t;

/* The largest spec file dq_spec_load reads (64 MiB); a larger file, or a stream such as
 * /dev/zero that gives more, is refused with DQ_ESPEC without reading further. */
#define DQ_SPEC_MAX_BYTES ((size_t)64 << 20)

/* Reads and checks a spec file. Errors: DQ_EIO (cannot read; message with strerror),
 * DQ_ESPEC with err->source = path and either err->line/column set (syntax, message is
 * jansson's text) or a message starting with the JSON path (".params.I_ext: expected a
 * number or an array of numbers, got \"ten\""). [owned: free with dq_spec_free] */
DQ_API dq_spec_t *dq_spec_load(const char *path, dq_error_t *err);
/* The same from a string; `name` stands for the path in messages. */
DQ_API dq_spec_t *dq_spec_parse(const char *text, const char *name, dq_error_t *err);
DQ_API void dq_spec_free(dq_spec_t *spec);

#ifdef __cplusplus
}
#endif

#endif
