/* SPDX-License-Identifier: MIT */
/* categories.c -- the solver categories a descriptor may name: the registry refuses
 * others, `dqhost check` judges against the same list. */
#include <string.h>

#include "internal.h"

/* Sorted, as "Categories: ..." lists them; NULL-terminated. */
const char *const dq__categories[DQ__N_CATEGORIES + 1] = {
    DQ_CATEGORY_ADAPTIVE, DQ_CATEGORY_CABLE, DQ_CATEGORY_EXPLICIT,   DQ_CATEGORY_EXPONENTIAL,
    DQ_CATEGORY_IMPLICIT, DQ_CATEGORY_OTHER, DQ_CATEGORY_STOCHASTIC, NULL};

int dq__category_is_known(const char *category)
{
    for (size_t i = 0; category && i < DQ__N_CATEGORIES; ++i)
        if (strcmp(category, dq__categories[i]) == 0)
            return 1;
    return 0;
}
