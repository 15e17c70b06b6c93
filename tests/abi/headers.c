/* SPDX-License-Identifier: MIT */
/* headers.c -- every public header, compiled with -pedantic -Werror as C11 and C17 (and,
 * through headers.cpp, as C++), so a plugin author's compiler accepts them. */
#include <dq/cable_expm.h>
#include <dq/dq.h>
#include <dq/hines.h>
#include <dq/host/conform.h>
#include <dq/host/error.h>
#include <dq/host/loader.h>
#include <dq/host/morph.h>
#include <dq/host/record.h>
#include <dq/host/registry.h>
#include <dq/host/spec.h>
#include <dq/host/system.h>

/* The descriptor macros, as a plugin uses them (C only: designated initialisers). */
#ifndef __cplusplus
static int headers_step(dq_ctx_t *ctx)
{
    return dq_post_integral(ctx);
}
DQ_INTEGRATOR(headers_desc, .name = "headers", .aliases = DQ_ALIASES("h"), .category = "other",
              .order = 1, .description = "compile check", .step = headers_step);
const dq_integrator_desc_t *headers_entry(void);
const dq_integrator_desc_t *headers_entry(void)
{
    return &headers_desc;
}
#endif

int dq_abi_headers_compile(void);
int dq_abi_headers_compile(void)
{
    return DQ_ABI_MAJOR;
}
