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
 *     "adaptive": {"rtol": 1e-6, "atol": {"V": 1e-6, "m": 1e-8}, "hmax": 0.5},
 *     "sweep": [{"parameter": "I_ext", "linspace": [0, 20], "n": 100},
 *               {"parameter": "sigma", "values": [0, 1, 2]}] }
 * and for a cable model (<dq/host/cable.h>) the cell:
 *   { "model": "cell", "morphology": "pyramid.swc",
 *     "discretisation": {"rule": "d_lambda", "d_lambda": 0.1, "freq": 100},
 *     "cable": {"cm": 1, "Ra": 35.4, "v_init": -65},
 *     "stimuli": [{"at": "soma(0.5)", "delay": 1, "dur": 5, "amp": 0.5}], ... }
 * A per-unit parameter may be a generator, {"linspace": [first, last]} or
 * {"logspace": [first, last]}, spanning every unit of the run; "sweep" gives the Cartesian
 * product of its axes (units = the product of their counts). Neither is expanded here: the
 * unit count is the model's population parameter, known once the model is; the caller
 * expands with dq_spec_param_fill (all units, or one contiguous share).
 * dq_spec_load checks what can be checked without the model: JSON syntax (with line and
 * column), types, ranges, unknown keys (with "did you mean"). Names that need the model
 * (parameters, states, sub-modules) are checked when the run is built, and those messages
 * carry the JSON path recorded here (`where` fields). */
#ifndef DQ_HOST_SPEC_H
#define DQ_HOST_SPEC_H

#include <stddef.h>
#include <stdint.h>

#include <dq/host/error.h>
#include <dq/host/morph.h>

#ifdef __cplusplus
extern "C" {
#endif

/* How a parameter's values are given: numbers written out, or a generator that makes
 * them (parameter sweeps: a million units need no million-element array). */
typedef enum dq_spec_gen {
    DQ_SPEC_VALUES = 0, /* v[0 .. len) as written */
    DQ_SPEC_LINSPACE,   /* evenly spaced from first to last, both included */
    DQ_SPEC_LOGSPACE    /* geometric from first to last (both > 0), both included */
} dq_spec_gen_t;

/* One parameter of "params" or one axis of "sweep". The value of unit u (of `units`):
 *   k = count ? (u / stride) % count : u,   m = count ? count : units    (point k of m)
 *   DQ_SPEC_VALUES     v[0] when len == 1 outside a sweep, else v[k]
 *   DQ_SPEC_LINSPACE   first when m == 1; last when k == m - 1; otherwise
 *                      first + ((last - first) * (double)k) / (double)(m - 1)
 *   DQ_SPEC_LOGSPACE   first when m == 1; last when k == m - 1; otherwise
 *                      first * pow(last / first, (double)k / (double)(m - 1))
 * each operation rounded to double in the order written (no fused multiply-add), so a value
 * is the same bits on every machine for linspace; logspace is as exact as the C library's
 * pow (glibc: correctly rounded in practice). The ends are pinned, as numpy does. */
typedef struct dq_spec_param {
    char *name;
    double *v;   /* [len] for DQ_SPEC_VALUES; NULL for a generator */
    size_t len;  /* 1 for a number, the array length for an array of numbers; 0: a generator */
    char *where; /* ".params.<name>", or ".sweep[i].parameter" for a sweep axis */
    dq_spec_gen_t gen;
    double first, last; /* the generator's ends */
    size_t count;       /* points on the axis (sweep: its "n" or the values' count); 0 outside
                           a sweep: a generator then spans every unit of the run */
    size_t stride;      /* consecutive units sharing a point: 1 outside a sweep, the product
                           of the later axes' counts inside (the first axis varies slowest) */
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

/* One current clamp of "stimuli": amp nA into the compartment at `at` for
 * delay <= t < delay + dur (dq_cable_stim_t). */
typedef struct dq_spec_stim {
    char *at;     /* a location as dq_system_cable_locate reads it: "soma(0.5)", "dend[3](1)" */
    double delay; /* >= 0; 0 when not given */
    double dur;   /* >= 0 */
    double amp;   /* finite */
    char *where;  /* ".stimuli[i]" */
} dq_spec_stim_t;

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
    /* "sweep": the Cartesian product of its axes, in the order written (row-major, the
     * first axis varying slowest, like numpy.meshgrid(..., indexing="ij")). Each axis is a
     * parameter that is not also in "params". */
    dq_spec_param_t *sweep;
    size_t n_sweep;
    size_t sweep_units; /* the product of the axes' counts; 0 without a sweep */
    /* Cable models (<dq/host/cable.h>). Whether the model is one is known only when the run
     * is built: these are read and checked here, and refused there for any other model. */
    char *morphology;           /* .morphology: the file, relative to the spec file's directory
                                   (resolved here: "dir/spec.json" with "cell.swc" gives
                                   "dir/cell.swc"); NULL when absent */
    int has_discret;            /* .discretisation is present */
    dq_morph_discret_t discret; /* dq_morph_discret_init's values, then the section's: "rule"
                                   ("d_lambda" by default) and only the keys of that rule */
    int has_cable;              /* .cable is present */
    double cm, Ra, v_init;      /* .cable's values; NaN when not given (cm, Ra > 0) */
    int has_stimuli;            /* .stimuli is present (it may be empty: no stimulus) */
    dq_spec_stim_t *stimuli;
    size_t n_stimuli;
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

/* The value of unit `unit` of a run of `units` units (formula above). unit < units; a
 * generator outside a sweep needs units >= 1. */
DQ_API double dq_spec_param_value(const dq_spec_param_t *p, size_t units, size_t unit);
/* Fills out[0 .. count) with the values of units first .. first + count - 1 of a run of
 * `units` units: O(count) time, no allocation, so a process holding one contiguous share of
 * the units (an MPI rank) makes only its share. out is the caller's. */
DQ_API void dq_spec_param_fill(const dq_spec_param_t *p, size_t units, size_t first, size_t count,
                               double *out);

#ifdef __cplusplus
}
#endif

#endif
