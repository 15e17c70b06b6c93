/* SPDX-License-Identifier: MIT */
/* dq/dq.h -- umbrella header for plugin authors. */
#ifndef DQ_DQ_H
#define DQ_DQ_H

#include <dq/abi.h>
#include <dq/cable.h>
#include <dq/context.h>
#include <dq/error.h>
#include <dq/export.h>
#include <dq/integrator.h>
#include <dq/linalg.h>
#include <dq/model.h>
#include <dq/plugin.h>
#include <dq/rk.h>
#include <dq/version.h>

#endif
