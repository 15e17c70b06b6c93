/* SPDX-License-Identifier: MIT */
/* dq/export.h -- symbol visibility.
 *
 * Plugins are built with -fvisibility=hidden; DQ_PLUGIN_EXPORT marks the one symbol a plugin
 * exports (dq_plugin_entry). DQ_API marks libdqcore's public functions. */
#ifndef DQ_EXPORT_H
#define DQ_EXPORT_H

#if defined(__GNUC__) || defined(__clang__)
#define DQ_VISIBLE __attribute__((visibility("default")))
#else
#define DQ_VISIBLE
#endif

#ifdef __cplusplus
#define DQ_EXTERN_C extern "C"
#else
#define DQ_EXTERN_C
#endif

#define DQ_PLUGIN_EXPORT DQ_EXTERN_C DQ_VISIBLE
#define DQ_API DQ_VISIBLE

#if defined(__GNUC__) || defined(__clang__)
#define DQ_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define DQ_PRINTF(fmt, args)
#endif

#endif
