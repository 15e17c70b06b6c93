/* SPDX-License-Identifier: MIT */
/* dq/host/loader.h -- finding, checking and registering plugin files (GNU libltdl).
 *
 * Every file the loader considers gets a load record saying how far it got and why it
 * stopped. A bad plugin never stops the others: its record carries the error and the loader
 * goes on. By default a file is first scanned in a child process (see dq_scan_mode_t), so a
 * constructor that crashes, exits or hangs is a record, not the end of the program. Before
 * the dynamic linker sees a file, its ELF header and program headers are checked against
 * the file's size and this machine. Plugins are opened with local binding and every symbol
 * bound at once (RTLD_NOW), so an undefined function refuses the file at load time. A
 * plugin stays loaded exactly as long as
 * a registry entry refers to it: every entry holds a reference to its file, which is closed
 * when the last such entry is unregistered, overridden or freed with its registry. So the
 * loader and the registry may be freed in either order. A file none of whose descriptors
 * was registered is closed at once. */
#ifndef DQ_HOST_LOADER_H
#define DQ_HOST_LOADER_H

#include <stddef.h>

#include <dq/host/registry.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dq_loader dq_loader_t;

/* How far a file got. */
typedef enum dq_load_stage {
    DQ_STAGE_FOUND = 0, /* seen in a directory or named */
    DQ_STAGE_OPENED,    /* the dynamic linker loaded it */
    DQ_STAGE_ENTRY,     /* dq_plugin_entry found and returned an info block */
    DQ_STAGE_CHECKED,   /* ABI and descriptors valid */
    DQ_STAGE_REGISTERED /* every descriptor registered */
} dq_load_stage_t;

#define DQ_LOAD_PATH_MAX 1024

typedef struct dq_load_record {
    char path[DQ_LOAD_PATH_MAX]; /* the file's real path */
    dq_load_stage_t stage;       /* furthest stage reached */
    int code;                    /* DQ_OK or the error that stopped it */
    /* The error, or the registry's warnings about this file ("; "-joined), or "". */
    char message[DQ_ERROR_MESSAGE_MAX];
    size_t n_integrators; /* integrators registered from this file */
    size_t n_models;      /* models registered from this file */
} dq_load_record_t;

/* A loader that registers into `reg` (borrowed: must outlive every load call; the
 * registry's entries keep their plugins loaded on their own, so either may be freed first).
 * [owned: free with dq_loader_free] */
DQ_API dq_loader_t *dq_loader_new(dq_registry_t *reg, dq_error_t *err);
/* Frees the loader and its records. Plugins that registry entries still use stay loaded
 * until those entries go. NULL is a no-op. */
DQ_API void dq_loader_free(dq_loader_t *loader);

/* How a file is scanned before this process opens it. */
typedef enum dq_scan_mode {
    /* Default: a child process (fork) opens, checks and describes the file first; only a
     * file that passed is opened here. Verdicts are cached by the file's identity (device,
     * inode, size, modification time) in $XDG_CACHE_HOME/dqhost (else ~/.cache/dqhost);
     * without a writable cache every file is scanned each time. */
    DQ_SCAN_CACHED = 0,
    DQ_SCAN_FRESH, /* scan every file in a child, neither reading nor writing the cache */
    DQ_SCAN_OFF    /* no child: open every file in this process (a crash is ours) */
} dq_scan_mode_t;

/* The default time a scan may take before its child is killed ("timed out"). */
#define DQ_SCAN_DEFAULT_TIMEOUT 5.0

/* Sets the scan mode and the time limit per file (seconds; 0 keeps the current one).
 * The scan forks without exec: a program that loads plugins after starting threads of its
 * own should choose DQ_SCAN_OFF (a child of a multithreaded process may only call
 * async-signal-safe functions, and loading a plugin is not one).
 * Returns DQ_OK, or DQ_EINVAL for an unknown mode or a negative or non-finite time. */
DQ_API int dq_loader_set_scan(dq_loader_t *loader, dq_scan_mode_t mode, double timeout,
                              dq_error_t *err);

/* Loads every file named *.so in `dir`, sorted by name; a real path already seen is
 * skipped. An entry that is not a regular file (a directory, a broken symbolic link) gets
 * a failed record saying so. Returns DQ_OK when the directory could be read (whatever happened to
 * its files: see the records), DQ_EIO when it could not. */
DQ_API int dq_loader_load_dir(dq_loader_t *loader, const char *dir, dq_error_t *err);

/* Loads one file and adds its record. Returns the record's code (DQ_OK when every
 * descriptor was registered); err receives the same message. */
DQ_API int dq_loader_load_file(dq_loader_t *loader, const char *path, dq_error_t *err);

DQ_API size_t dq_loader_record_count(const dq_loader_t *loader);
/* [borrowed: valid until the next load call or dq_loader_free] */
DQ_API const dq_load_record_t *dq_loader_record_at(const dq_loader_t *loader, size_t i);
/* Number of records whose code is not DQ_OK. */
DQ_API size_t dq_loader_failure_count(const dq_loader_t *loader);
/* "found", "opened", "entry", "checked", "registered". */
DQ_API const char *dq_load_stage_name(dq_load_stage_t stage);

/* The module suffix this platform uses (".so"). */
DQ_API const char *dq_loader_suffix(void);

#ifdef __cplusplus
}
#endif

#endif
