/* SPDX-License-Identifier: MIT */
/* test_ulp.h -- floating-point assertions with a stated tolerance in units in the last place.
 *
 * Exact equality (ck_assert_double_eq, memcmp) is kept only where bit identity is the
 * promise: a value copied or assigned, not computed (parameters, resets, sentinels),
 * counts, the seed's euler value, and results that must not depend on threads or block
 * sizes. Everything computed is compared within a few ulps, so a compiler that fuses a
 * multiply-add (-ffp-contract, -O3 vectorisation, another compiler) does not fail a test
 * whose claim is about the mathematics. */
#ifndef DQ_TEST_ULP_H
#define DQ_TEST_ULP_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include <check.h>

/* Distance in representable doubles between a and b (0 when equal, +0 and -0 included);
 * UINT64_MAX when either is NaN. */
static inline uint64_t dq_test_ulps(double a, double b)
{
    if (isnan(a) || isnan(b))
        return UINT64_MAX;
    int64_t ia, ib;
    memcpy(&ia, &a, sizeof ia);
    memcpy(&ib, &b, sizeof ib);
    /* Map sign-magnitude onto a monotone integer line: -0 and +0 both land on 0. */
    if (ia < 0)
        ia = INT64_MIN - ia;
    if (ib < 0)
        ib = INT64_MIN - ib;
    return ia > ib ? (uint64_t)ia - (uint64_t)ib : (uint64_t)ib - (uint64_t)ia;
}

/* Fails unless a and b are within n ulps of each other. */
#define ck_assert_ulps(a, b, n)                                                                    \
    do {                                                                                           \
        const double dq_ulp_a_ = (a), dq_ulp_b_ = (b);                                             \
        const uint64_t dq_ulp_d_ = dq_test_ulps(dq_ulp_a_, dq_ulp_b_);                             \
        ck_assert_msg(dq_ulp_d_ <= (uint64_t)(n),                                                  \
                      "Assertion '%s' within %d ulps of '%s' failed: %.17g vs %.17g (%llu ulps "   \
                      "apart)",                                                                    \
                      #a, (int)(n), #b, dq_ulp_a_, dq_ulp_b_, (unsigned long long)dq_ulp_d_);      \
    } while (0)

#endif
