/* SPDX-License-Identifier: MIT */
/* spec_keys.c -- reporting problems at a place in a run spec, and checking keys against
 * the ones a section accepts. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "spec_impl.h"

int dq__spec_fail(dq__spec_ctx_t *c, const char *path, const char *fmt, ...)
{
    char msg[DQ_ERROR_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return dq_error_set_at(c->err, DQ_ESPEC, DQ_PLACE_SPEC, c->source, "%s: %s", path, msg);
}

int dq__spec_expected(dq__spec_ctx_t *c, const char *path, const char *what, const json_t *v)
{
    char shown[SPEC_SHOW_MAX * 2];
    dq__spec_show(v, shown, sizeof shown);
    return dq__spec_fail(c, path, "expected %s, got %s", what, shown);
}

int dq__spec_nomem(dq__spec_ctx_t *c)
{
    return dq_error_set_at(c->err, DQ_ENOMEM, DQ_PLACE_FILE, c->source,
                           "out of memory reading the run spec");
}

int dq__spec_key(dq__spec_ctx_t *c, const char *parent, const char *key, const char *const *keys,
                 size_t n)
{
    for (size_t i = 0; i < n; ++i)
        if (strcmp(key, keys[i]) == 0)
            return (int)i;
    char path[SPEC_PATH_MAX];
    dq__spec_path_format(path, sizeof path, parent, key);
    const dq__unknown_t u = {.name = key, .candidates = keys, .n_candidates = n, .label = "Keys"};
    int fresh = c->err && c->err->code == DQ_OK;
    dq__error_unknown(c->err, DQ_ESPEC, c->source, &u, "%s: unknown key.", path);
    if (fresh)
        c->err->place = DQ_PLACE_SPEC;
    return -1;
}
