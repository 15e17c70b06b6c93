/* SPDX-License-Identifier: MIT */
/* dq/version.h -- package version and plugin ABI version.
 *
 * The two move independently: the package version names a release of dqhost, the ABI
 * version names the layout of the structs that cross the plugin boundary (sdk/ABI.md). */
#ifndef DQ_VERSION_H
#define DQ_VERSION_H

#define DQ_VERSION_MAJOR 0
#define DQ_VERSION_MINOR 1
#define DQ_VERSION_PATCH 0
#define DQ_VERSION_STRING "0.1.0"

/* A host refuses a plugin of another ABI major or of a newer ABI minor; it accepts an
 * older minor and reads only the fields that fit in the plugin's struct_size. */
#define DQ_ABI_MAJOR 2
#define DQ_ABI_MINOR 3

#endif
