/* SPDX-License-Identifier: MIT */
/* peer_proc.h -- what the peers run in other processes share (peer_proc.c): a temporary
 * directory, spawning a program with its output captured, and reading its flat JSON. */
#ifndef BENCH_PEER_PROC_H
#define BENCH_PEER_PROC_H

#include <stddef.h>

/* The temporary root of every peer's files ($TMPDIR, else /tmp), made on the first call;
 * NULL with a message when it cannot be made. */
const char *bench_peer_tmpdir(char *msg, size_t len);
/* Removes the temporary root and everything in it. */
void bench_peer_tmp_cleanup(void);
/* Runs argv with stdout into out (NUL-terminated, the rest drained) and stderr into the file
 * `log`. The exit status (128 + the signal when killed), or -1 with errno. */
int bench_peer_spawn(char *const argv[], const char *log, char *out, size_t out_len);
/* The number after "key": in a flat JSON text; NAN for null or when absent. */
double bench_peer_json_num(const char *js, const char *key);
/* The string after "key": (up to 120 characters), or "". */
void bench_peer_json_str(const char *js, const char *key, char *out, size_t len);
/* The last `keep` characters of a file on one line, for a message. */
void bench_peer_tail(const char *path, char *out, size_t len, size_t keep);

/* Runs `python script --version` (stderr into the temporary directory's KEY-version.log), its
 * JSON into out and the string of `key` into version; 0, or nonzero with a message that names
 * the Debian packages. */
int bench_peer_script_version(const char *python, const char *script, const char *name,
                              const char *key, const char *packages, char *out, size_t out_len,
                              char *version, size_t vlen, char *msg, size_t len);

#endif
