/* SPDX-License-Identifier: MIT */
/* abi_check.c -- the ABI rules of sdk/ABI.md, in one place.
 *
 * A descriptor is accepted when its major equals ours and its minor is not newer. Its
 * struct_size must cover at least the fields of ABI x.0; fields appended since are read
 * only when they fit, and are zero otherwise. */
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

int dq__abi_check(const dq_abi_header_t *h, size_t min_size, const char *what,
                  const char *source, dq_error_t *err)
{
    /* In-process descriptors have no file to name. */
    char who[DQ_ERROR_SOURCE_MAX + 8] = "";
    if (source)
        snprintf(who, sizeof who, "'%s': ", source);
    if (h->abi_major != DQ_ABI_MAJOR)
        return dq_error_set(err, DQ_EABI, source,
                            "%s%s was built for plugin ABI %u.%u, this host is %u.%u "
                            "(another major version; rebuild the plugin against this SDK)",
                            who, what, (unsigned)h->abi_major, (unsigned)h->abi_minor,
                            DQ_ABI_MAJOR, DQ_ABI_MINOR);
    if (h->abi_minor > DQ_ABI_MINOR)
        return dq_error_set(err, DQ_EABI, source,
                            "%s%s was built for plugin ABI %u.%u, this host is %u.%u "
                            "(a newer minor version; upgrade dqhost)",
                            who, what, (unsigned)h->abi_major, (unsigned)h->abi_minor,
                            DQ_ABI_MAJOR, DQ_ABI_MINOR);
    if (h->struct_size < min_size)
        return dq_error_set(err, DQ_EABI, source,
                            "%s%s has struct_size %u, smaller than the %zu bytes every "
                            "ABI %u.x descriptor has",
                            who, what, (unsigned)h->struct_size, min_size, DQ_ABI_MAJOR);
    return DQ_OK;
}

/* Copies the part of a descriptor that both sides know. */
static void abi_copy(void *out, const void *in, size_t host_size, uint32_t struct_size)
{
    size_t n = struct_size < host_size ? struct_size : host_size;
    memset(out, 0, host_size);
    memcpy(out, in, n);
}

/* The ABI 1.0 layouts end at these fields; anything after was appended later. */
#define DQ__MIN_SIZE(T, last) (offsetof(T, last) + sizeof(((T *)0)->last))

int dq__integrator_desc_read(const dq_integrator_desc_t *d, dq_integrator_desc_t *out,
                             const char *source, dq_error_t *err)
{
    char what[160];
    const char *name = d->name;
    /* The name is read before the size check only to make the message useful; name is the
     * first field after the header, present in every layout that passes the size check. */
    if (d->abi.struct_size >= DQ__MIN_SIZE(dq_integrator_desc_t, name) && name &&
        dq__name_is_valid(name))
        snprintf(what, sizeof what, "integrator descriptor '%s'", name);
    else
        snprintf(what, sizeof what, "integrator descriptor");
    int rc = dq__abi_check(&d->abi, DQ__MIN_SIZE(dq_integrator_desc_t, options), what,
                           source, err);
    if (rc)
        return rc;
    abi_copy(out, d, sizeof *out, d->abi.struct_size);
    return DQ_OK;
}

int dq__model_desc_read(const dq_model_desc_t *d, dq_model_desc_t *out, const char *source,
                        dq_error_t *err)
{
    int rc = dq__abi_check(&d->abi, DQ__MIN_SIZE(dq_model_desc_t, destroy), "model descriptor",
                           source, err);
    if (rc)
        return rc;
    abi_copy(out, d, sizeof *out, d->abi.struct_size);
    return DQ_OK;
}

int dq__module_desc_read(const dq_module_desc_t *d, dq_module_desc_t *out,
                         const char *source, dq_error_t *err)
{
    int rc = dq__abi_check(&d->abi, DQ__MIN_SIZE(dq_module_desc_t, post_integral),
                           "module descriptor", source, err);
    if (rc)
        return rc;
    abi_copy(out, d, sizeof *out, d->abi.struct_size);
    return DQ_OK;
}

int dq__plugin_info_read(const dq_plugin_info_t *d, dq_plugin_info_t *out, const char *source,
                         dq_error_t *err)
{
    int rc = dq__abi_check(&d->abi, DQ__MIN_SIZE(dq_plugin_info_t, models), "plugin info block",
                           source, err);
    if (rc)
        return rc;
    abi_copy(out, d, sizeof *out, d->abi.struct_size);
    return DQ_OK;
}
