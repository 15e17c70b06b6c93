/* SPDX-License-Identifier: MIT */
/* fuzz_spec.c -- libFuzzer target for the run-spec parser (core/io/spec_*.c).
 *
 * Each input is parsed twice, the way dqhost gets specs: as a file (dq_spec_load on a memfd,
 * so the read, the size cap and every byte including NULs are exercised) and as a string
 * (dq_spec_parse on a NUL-terminated copy). Besides crashes, leaks and undefined behaviour,
 * the target checks that the two agree whenever the input has no NUL byte: the same verdict,
 * the same error (code, message, line, column) or the same spec. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <dq/host/spec.h>

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_spec: file and string parses disagree: %s\n", what);
    abort();
}

static int str_eq(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* Bitwise for doubles: both parses read the same bytes, so they must agree exactly. */
static int dbl_eq(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

static void spec_compare(const dq_spec_t *a, const dq_spec_t *b)
{
    if (!str_eq(a->model, b->model) || !str_eq(a->solver, b->solver) ||
        !str_eq(a->output_path, b->output_path))
        fail("model, solver or output path");
    if (a->n_params != b->n_params || a->n_solver_options != b->n_solver_options ||
        a->n_submodules != b->n_submodules || a->n_record_states != b->n_record_states ||
        a->n_record_units != b->n_record_units)
        fail("a count");
    if (a->has_dt != b->has_dt || !dbl_eq(a->dt, b->dt) || a->has_t_end != b->has_t_end ||
        !dbl_eq(a->t_end, b->t_end) || a->record_every != b->record_every ||
        a->output_format != b->output_format || a->has_seed != b->has_seed || a->seed != b->seed)
        fail("a scalar field");
    for (size_t i = 0; i < a->n_params; ++i) {
        const dq_spec_param_t *p = &a->params[i], *q = &b->params[i];
        if (!str_eq(p->name, q->name) || !str_eq(p->where, q->where) || p->len != q->len)
            fail("a parameter");
        for (size_t k = 0; k < p->len; ++k)
            if (!dbl_eq(p->v[k], q->v[k]))
                fail("a parameter value");
    }
    if (a->n_sweep != b->n_sweep || a->sweep_units != b->sweep_units)
        fail("the sweep");
    /* Generators and sweep axes: every field, and the first units they make (at most 64, so
     * a spec asking for 2^53 units stays cheap). */
    for (size_t i = 0; i < a->n_params + a->n_sweep; ++i) {
        const dq_spec_param_t *p = i < a->n_params ? &a->params[i] : &a->sweep[i - a->n_params];
        const dq_spec_param_t *q = i < a->n_params ? &b->params[i] : &b->sweep[i - a->n_params];
        size_t units = a->sweep_units ? a->sweep_units : 64;
        size_t upto = !p->count && p->gen == DQ_SPEC_VALUES ? p->len : units; /* numbers */
        if (!str_eq(p->name, q->name) || p->gen != q->gen || !dbl_eq(p->first, q->first) ||
            !dbl_eq(p->last, q->last) || p->count != q->count || p->stride != q->stride)
            fail("a generator");
        for (size_t u = 0; u < upto && u < 64; ++u)
            if (!dbl_eq(dq_spec_param_value(p, units, u), dq_spec_param_value(q, units, u)))
                fail("a generated value");
    }
    for (size_t i = 0; i < a->n_solver_options; ++i)
        if (!str_eq(a->solver_options[i].name, b->solver_options[i].name) ||
            !dbl_eq(a->solver_options[i].value, b->solver_options[i].value))
            fail("a solver option");
    for (size_t i = 0; i < a->n_submodules; ++i) {
        const dq_spec_submodule_t *p = &a->submodules[i], *q = &b->submodules[i];
        if (!str_eq(p->name, q->name) || !str_eq(p->solver, q->solver) ||
            p->substeps != q->substeps || !str_eq(p->where, q->where))
            fail("a submodule");
    }
    for (size_t i = 0; i < a->n_record_states; ++i)
        if (!str_eq(a->record_states[i], b->record_states[i]))
            fail("a recorded state");
    for (size_t i = 0; i < a->n_record_units; ++i)
        if (a->record_units[i] != b->record_units[i])
            fail("a recorded unit");
}

/* One memfd for the whole run; /proc/self/fd/N opens it afresh at offset 0. */
static int spec_memfd(char *path, size_t len)
{
    static int fd = -1;
    if (fd < 0) {
        fd = memfd_create("fuzz_spec", 0);
        if (fd < 0) {
            perror("fuzz_spec: memfd_create");
            abort();
        }
    }
    snprintf(path, len, "/proc/self/fd/%d", fd);
    return fd;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    int fd = spec_memfd(path, sizeof path);
    if (ftruncate(fd, 0) != 0 || (size && pwrite(fd, data, size, 0) != (ssize_t)size)) {
        perror("fuzz_spec: writing the memfd");
        abort();
    }
    dq_error_t file_err = {0};
    dq_spec_t *from_file = dq_spec_load(path, &file_err);

    char *text = malloc(size + 1);
    if (!text)
        abort();
    if (size)
        memcpy(text, data, size);
    text[size] = '\0';
    dq_error_t str_err = {0};
    dq_spec_t *from_str = dq_spec_parse(text, "<fuzz>", &str_err);

    /* Every failure is an error record with a message. */
    if ((!from_file && (file_err.code == 0 || !file_err.message[0])) ||
        (!from_str && (str_err.code == 0 || !str_err.message[0])))
        fail("a failure without an error");
    if (!memchr(data, '\0', size)) {
        if (!from_file != !from_str)
            fail("the verdict");
        if (!from_file &&
            (file_err.code != str_err.code || file_err.line != str_err.line ||
             file_err.column != str_err.column || strcmp(file_err.message, str_err.message) != 0))
            fail("the error");
        if (from_file)
            spec_compare(from_file, from_str);
    }
    dq_spec_free(from_file);
    dq_spec_free(from_str);
    free(text);
    return 0;
}
