/* SPDX-License-Identifier: MIT */
/* abi_check.c -- the ABI rules of sdk/ABI.md, in one place.
 *
 * A struct is accepted when its major equals ours and its minor is not newer. Its
 * struct_size must cover at least the fields of ABI x.0; fields appended since are read
 * only when they fit, and read as zero otherwise. */
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int dq__name_is_valid(const char *name)
{
    if (!name || !*name)
        return 0;
    for (const char *p = name; *p; ++p) {
        char c = *p;
        int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                 c == '_' || c == '.' || c == '-';
        if (!ok)
            return 0;
    }
    return 1;
}

int dq__identifier_is_valid(const char *name)
{
    return dq__name_is_valid(name) && !strpbrk(name, ".-");
}

char *dq__strdup(const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

int dq__abi_check(const dq_abi_header_t *h, size_t min_size, const char *what, const char *source,
                  dq_error_t *err)
{
    /* In-process descriptors have no file to name. */
    char who[DQ_ERROR_SOURCE_MAX + 8] = "";
    if (source)
        snprintf(who, sizeof who, "'%s': ", source);
    if (h->abi_major != DQ_ABI_MAJOR)
        return dq_error_set(err, DQ_EABI, source,
                            "%s%s was built for plugin ABI %u.%u, this host is %u.%u "
                            "(another major version; rebuild the plugin against this SDK)",
                            who, what, (unsigned)h->abi_major, (unsigned)h->abi_minor, DQ_ABI_MAJOR,
                            DQ_ABI_MINOR);
    if (h->abi_minor > DQ_ABI_MINOR)
        return dq_error_set(err, DQ_EABI, source,
                            "%s%s was built for plugin ABI %u.%u, this host is %u.%u "
                            "(a newer minor version; upgrade dqhost)",
                            who, what, (unsigned)h->abi_major, (unsigned)h->abi_minor, DQ_ABI_MAJOR,
                            DQ_ABI_MINOR);
    if (h->struct_size < min_size)
        return dq_error_set(err, DQ_EABI, source,
                            "%s%s has struct_size %u, smaller than the %zu bytes every "
                            "ABI %u.x descriptor has",
                            who, what, (unsigned)h->struct_size, min_size, DQ_ABI_MAJOR);
    return DQ_OK;
}

int dq__abi_read(const void *in, void *out, size_t host_size, size_t min_size, const char *what,
                 const char *source, dq_error_t *err)
{
    const dq_abi_header_t *h = in;
    int rc = dq__abi_check(h, min_size, what, source, err);
    if (rc)
        return rc;
    size_t n = h->struct_size < host_size ? h->struct_size : host_size;
    memset(out, 0, host_size);
    memcpy(out, in, n);
    return DQ_OK;
}

/* Refuses a struct the plugin placed where it cannot be read (before its header is). */
static int abi_align_check(const void *p, size_t align, const char *what, const char *source,
                           dq_error_t *err)
{
    if (dq__is_aligned(p, align))
        return DQ_OK;
    char who[DQ_ERROR_SOURCE_MAX + 8] = "";
    if (source)
        snprintf(who, sizeof who, "'%s': ", source);
    return dq_error_set(err, DQ_EDESC, source,
                        "%s%s is at a misaligned address (needs %zu-byte alignment)", who, what,
                        align);
}

/* The ABI 2.0 layouts end at these fields; anything after was appended later. */
#define ABI_MIN_SIZE(T, last) (offsetof(T, last) + sizeof(((T *)0)->last))

int dq__integrator_desc_read(const dq_integrator_desc_t *d, dq_integrator_desc_t *out,
                             const char *source, dq_error_t *err)
{
    int rc =
        abi_align_check(d, alignof(dq_integrator_desc_t), "integrator descriptor", source, err);
    if (rc)
        return rc;
    char what[160];
    const char *name = d->name;
    /* The name is read before the size check only to make the message useful; name is the
     * first field after the header, so it is there whenever struct_size covers it. */
    if (d->abi.struct_size >= ABI_MIN_SIZE(dq_integrator_desc_t, name) && name &&
        dq__name_is_valid(name))
        snprintf(what, sizeof what, "integrator descriptor '%s'", name);
    else
        snprintf(what, sizeof what, "integrator descriptor");
    return dq__abi_read(d, out, sizeof *out, ABI_MIN_SIZE(dq_integrator_desc_t, options), what,
                        source, err);
}

int dq__model_desc_read(const dq_model_desc_t *d, dq_model_desc_t *out, const char *source,
                        dq_error_t *err)
{
    int rc = abi_align_check(d, alignof(dq_model_desc_t), "model descriptor", source, err);
    if (rc)
        return rc;
    return dq__abi_read(d, out, sizeof *out, ABI_MIN_SIZE(dq_model_desc_t, time_unit),
                        "model descriptor", source, err);
}

int dq__module_desc_read(const dq_module_desc_t *d, dq_module_desc_t *out, const char *source,
                         dq_error_t *err)
{
    int rc = abi_align_check(d, alignof(dq_module_desc_t), "module descriptor", source, err);
    if (rc)
        return rc;
    return dq__abi_read(d, out, sizeof *out,
                        ABI_MIN_SIZE(dq_module_desc_t, compute_derivative_diag),
                        "module descriptor", source, err);
}

int dq__plugin_info_read(const dq_plugin_info_t *d, dq_plugin_info_t *out, const char *source,
                         dq_error_t *err)
{
    int rc = abi_align_check(d, alignof(dq_plugin_info_t), "plugin info block", source, err);
    if (rc == DQ_OK)
        rc = dq__abi_read(d, out, sizeof *out, ABI_MIN_SIZE(dq_plugin_info_t, models),
                          "plugin info block", source, err);
    /* The loader walks both lists next. */
    if (rc == DQ_OK)
        rc = abi_align_check(out->integrators, alignof(const dq_integrator_desc_t *),
                             "plugin info block: 'integrators' list", source, err);
    if (rc == DQ_OK)
        rc = abi_align_check(out->models, alignof(const dq_model_desc_t *),
                             "plugin info block: 'models' list", source, err);
    return rc;
}
