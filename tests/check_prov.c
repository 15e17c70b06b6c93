/* SPDX-License-Identifier: MIT */
/* check_prov.c -- provenance in every output (issue 15): the SHA-256 against the NIST
 * vectors and sha256sum, the provenance of the --json summary, the CSV comment header and
 * --no-provenance, and `dqhost run --replay`. */
#define _XOPEN_SOURCE 700
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <check.h>
#include <jansson.h>

#include "sha256.h"
#include "test_proc.h"

static char tmp[64];

static void tmp_setup(void)
{
    ck_assert_int_eq(test_tmp_make(tmp, sizeof tmp, "prov"), 0);
}

static void tmp_teardown(void)
{
    test_tmp_remove(tmp);
}

static void put(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    ck_assert_int_eq(fclose(f), 0);
}

START_TEST(test_sha256_nist_vectors)
{
    char hex[65];
    dq__sha256_hex("abc", 3, hex);
    ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    dq__sha256_hex("", 0, hex);
    ck_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    const char *m448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    dq__sha256_hex(m448, strlen(m448), hex);
    ck_assert_str_eq(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    /* The same message fed in pieces that straddle the 64-byte blocks. */
    dq__sha256_t c;
    unsigned char d[32];
    dq__sha256_init(&c);
    for (size_t i = 0; i < strlen(m448); i += 5)
        dq__sha256_update(&c, m448 + i, strlen(m448) - i < 5 ? strlen(m448) - i : 5);
    dq__sha256_final(&c, d);
    ck_assert_uint_eq(d[0], 0x24);
    ck_assert_uint_eq(d[31], 0xc1);
    /* One million 'a' (FIPS 180-2 appendix B.3). */
    char *a = malloc(1000000);
    memset(a, 'a', 1000000);
    dq__sha256_hex(a, 1000000, hex);
    ck_assert_str_eq(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    free(a);
}
END_TEST

START_TEST(test_sha256_file_matches_sha256sum)
{
    char path[128], cmd[300];
    snprintf(path, sizeof path, "%s/mb.bin", tmp);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    uint32_t x = 12345;
    for (size_t i = 0; i < (1u << 20) + 17; ++i) { /* 1 MiB and a partial block */
        x = x * 1103515245u + 12345u;
        fputc((int)(x >> 24), f);
    }
    ck_assert_int_eq(fclose(f), 0);
    char hex[65];
    ck_assert_int_eq(dq__sha256_file(path, hex), 0);
    ck_assert_int_eq(dq__sha256_file("/nonexistent/file", hex), -1);
    if (system("command -v sha256sum >/dev/null 2>&1") != 0)
        return; /* coreutils' sha256sum is not installed: the vectors above stand */
    snprintf(cmd, sizeof cmd, "sha256sum '%s' > '%s/sum.txt'", path, tmp);
    ck_assert_int_eq(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "%s/sum.txt", tmp);
    char *sum = test_slurp(cmd);
    ck_assert_ptr_nonnull(sum);
    ck_assert_int_eq(strncmp(sum, hex, 64), 0);
    free(sum);
}
END_TEST

START_TEST(test_prov_json_summary_has_every_field)
{
    ck_assert_int_eq(dqhost("run", "--model", "hh", "--solver", "rk4", "--dt", "0.025", "--t-end",
                            "1", "--param", "I_ext=10", "--param", "n=64", "--block-units", "8",
                            "--seed", "7", "--threads", "2", "--json", "-q"),
                     0);
    json_t *doc = json_loads(res.out, 0, NULL);
    ck_assert_ptr_nonnull(doc);
    json_t *pv = json_object_get(doc, "provenance");
    ck_assert(json_is_object(pv));
    ck_assert_str_eq(json_string_value(json_object_get(pv, "dqhost")), "0.1.0");
    ck_assert_str_eq(json_string_value(json_object_get(pv, "abi")), "2.3");
    ck_assert_int_eq(json_integer_value(json_object_get(pv, "seed")), 7);
    ck_assert_int_eq(json_integer_value(json_object_get(pv, "threads")), 2);
    const char *host = json_string_value(json_object_get(pv, "host"));
    ck_assert(host && host[0]);
    const char *when = json_string_value(json_object_get(pv, "start_time"));
    ck_assert_ptr_nonnull(when);
    struct tm tm = {0};
    const char *end = strptime(when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    ck_assert_msg(end && !*end && strlen(when) == 20, "start_time '%s'", when);
    /* The model's plugin file and its SHA-256, computed here independently. */
    json_t *plugins = json_object_get(pv, "plugins");
    ck_assert_int_eq(json_array_size(plugins), 2);
    json_t *m = json_array_get(plugins, 0), *s = json_array_get(plugins, 1);
    ck_assert_str_eq(json_string_value(json_object_get(m, "role")), "model");
    ck_assert_str_eq(json_string_value(json_object_get(m, "path")), DQ_TEST_PLUGIN_DIR "/hh.so");
    char hex[65];
    ck_assert_int_eq(dq__sha256_file(DQ_TEST_PLUGIN_DIR "/hh.so", hex), 0);
    ck_assert_str_eq(json_string_value(json_object_get(m, "sha256")), hex);
    ck_assert_str_eq(json_string_value(json_object_get(s, "role")), "solver");
    ck_assert_str_eq(json_string_value(json_object_get(s, "name")), "rk4");
    ck_assert_int_eq(dq__sha256_file(DQ_TEST_PLUGIN_DIR "/rk4.so", hex), 0);
    ck_assert_str_eq(json_string_value(json_object_get(s, "sha256")), hex);
    /* The resolved spec: given values, the defaults of the others. */
    json_t *spec = json_object_get(pv, "spec");
    ck_assert_str_eq(json_string_value(json_object_get(spec, "model")), "hh");
    ck_assert_str_eq(json_string_value(json_object_get(spec, "solver")), "rk4");
    ck_assert(json_real_value(json_object_get(spec, "dt")) == 0.025);
    ck_assert(json_real_value(json_object_get(spec, "t_end")) == 1.0);
    json_t *params = json_object_get(spec, "params");
    ck_assert(json_real_value(json_object_get(params, "I_ext")) == 10.0);
    ck_assert(json_real_value(json_object_get(params, "gNa")) == 120.0); /* a default */
    ck_assert_int_eq(json_integer_value(json_object_get(spec, "seed")), 7);
    ck_assert_int_eq(json_integer_value(json_object_get(spec, "noise_refine")), 1);
    ck_assert(json_is_object(json_object_get(spec, "submodules")));
    ck_assert(json_is_object(json_object_get(spec, "solver_options")));
    json_decref(doc);
}
END_TEST

START_TEST(test_prov_sub_module_solvers_are_listed)
{
    ck_assert_int_eq(
        dqhost("run", DQ_TEST_EXAMPLES_DIR "/hh_split.json", "--t-end", "1", "--json", "-q"), 0);
    json_t *doc = json_loads(res.out, 0, NULL);
    ck_assert_ptr_nonnull(doc);
    json_t *pv = json_object_get(doc, "provenance");
    json_t *plugins = json_object_get(pv, "plugins");
    ck_assert_int_eq(json_array_size(plugins), 3);
    json_t *sub = json_array_get(plugins, 2);
    ck_assert_str_eq(json_string_value(json_object_get(sub, "module")), "gates");
    ck_assert_ptr_nonnull(json_string_value(json_object_get(sub, "sha256")));
    json_t *gates =
        json_object_get(json_object_get(json_object_get(pv, "spec"), "submodules"), "gates");
    ck_assert_str_eq(json_string_value(json_object_get(gates, "solver")),
                     json_string_value(json_object_get(sub, "name")));
    json_decref(doc);
}
END_TEST

START_TEST(test_prov_csv_header_and_no_provenance)
{
    ck_assert_int_eq(dqhost_in(tmp, "run", "--model", "decay", "--solver", "rk4", "--dt", "0.5",
                               "--t-end", "5", "-o", "a.csv", "-q"),
                     0);
    ck_assert_int_eq(dqhost_in(tmp, "run", "--model", "decay", "--solver", "rk4", "--dt", "0.5",
                               "--t-end", "5", "-o", "b.csv", "-q", "--no-provenance"),
                     0);
    char path[128];
    snprintf(path, sizeof path, "%s/a.csv", tmp);
    char *a = test_slurp(path);
    snprintf(path, sizeof path, "%s/b.csv", tmp);
    char *b = test_slurp(path);
    ck_assert(a && b);
    ck_assert_int_eq(strncmp(a, "# dqhost 0.1.0, plugin ABI 2.3\n# model decay from ", 50), 0);
    ck_assert_contains(a, "\n# solver rk4 from " DQ_TEST_PLUGIN_DIR "/rk4.so sha256 ");
    ck_assert_contains(a, "\n# spec {\"model\":\"decay\",");
    ck_assert_contains(a, "\n# provenance {");
    ck_assert_int_eq(strncmp(b, "t,y[0]\n", 7), 0);
    const char *body = a;
    while (strncmp(body, "# ", 2) == 0)
        body = strchr(body, '\n') + 1;
    ck_assert_str_eq(body, b); /* the rest is the same bytes */
    /* The spec's output.provenance: false does the same. */
    snprintf(path, sizeof path, "%s/s.json", tmp);
    put(path, "{\"model\": \"decay\", \"solver\": \"rk4\", \"dt\": 0.5, \"t_end\": 5, "
              "\"output\": {\"path\": \"c.csv\", \"provenance\": false}}");
    ck_assert_int_eq(dqhost_in(tmp, "run", "s.json", "-q"), 0);
    snprintf(path, sizeof path, "%s/c.csv", tmp);
    char *c = test_slurp(path);
    ck_assert_ptr_nonnull(c);
    ck_assert_str_eq(c, b);
    free(a);
    free(b);
    free(c);
    /* The JSON trajectory has a "provenance" member. */
    ck_assert_int_eq(dqhost_in(tmp, "run", "--model", "decay", "--solver", "rk4", "--dt", "0.5",
                               "--t-end", "5", "-o", "t.json", "-q"),
                     0);
    snprintf(path, sizeof path, "%s/t.json", tmp);
    json_t *doc = json_load_file(path, 0, NULL);
    ck_assert_ptr_nonnull(doc);
    ck_assert_str_eq(
        json_string_value(json_object_get(json_object_get(doc, "provenance"), "dqhost")), "0.1.0");
    ck_assert_int_eq(json_array_size(json_object_get(doc, "samples")), 11);
    json_decref(doc);
}
END_TEST

/* The final values of a --json summary in res.out, as text (17 digits: the same bits). */
static char *final_of(const char *out)
{
    json_t *doc = json_loads(out, 0, NULL);
    ck_assert_ptr_nonnull(doc);
    char *s = json_dumps(json_object_get(doc, "final"), JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(doc);
    return s;
}

START_TEST(test_prov_replay_of_a_summary_gives_the_same_bits)
{
    ck_assert_int_eq(dqhost_in(tmp, "run", "--model", "ou", "--solver", "euler_maruyama", "--dt",
                               "0.01", "--t-end", "1", "--param", "n=4", "--seed", "3", "--json",
                               "-q"),
                     0);
    char path[128];
    snprintf(path, sizeof path, "%s/sum.json", tmp);
    put(path, res.out);
    char *first = final_of(res.out);
    ck_assert_int_eq(dqhost_in(tmp, "run", "--replay", "sum.json", "--json", "-q"), 0);
    ck_assert_contains(res.err, "model ou: " DQ_TEST_PLUGIN_DIR "/ou.so: same file");
    ck_assert_contains(res.err, "solver euler_maruyama: ");
    char *again = final_of(res.out);
    ck_assert_str_eq(first, again);
    free(again);
    /* Flags override the replayed spec. */
    ck_assert_int_eq(dqhost_in(tmp, "run", "--replay", "sum.json", "--seed", "4", "--json", "-q"),
                     0);
    again = final_of(res.out);
    ck_assert_str_ne(first, again);
    free(again);
    free(first);
    /* A CSV trajectory replays from its header; a file without provenance is refused. */
    ck_assert_int_eq(dqhost_in(tmp, "run", "--model", "decay", "--solver", "rk4", "--dt", "0.5",
                               "--t-end", "5", "-o", "a.csv", "-q"),
                     0);
    ck_assert_int_eq(dqhost_in(tmp, "run", "--replay", "a.csv", "-o", "b.csv", "-q"), 0);
    ck_assert_contains(res.err, "model decay: " DQ_TEST_PLUGIN_DIR "/decay.so: same file");
    ck_assert_int_eq(
        dqhost_in(tmp, "run", "--replay", "b.csv", "-o", "c.csv", "-q", "--no-provenance"), 0);
    ck_assert_int_eq(dqhost_in(tmp, "run", "--replay", "c.csv", "-q"), 2);
    ck_assert_contains(res.err, "'c.csv' has no provenance");
    ck_assert_int_eq(dqhost_in(tmp, "run", "--replay", "nothing.json", "-q"), 2);
    ck_assert_contains(res.err, "cannot read 'nothing.json'");
}
END_TEST

START_TEST(test_prov_replay_says_when_a_plugin_file_changed_or_is_missing)
{
    char dir[128], cmd[512];
    snprintf(dir, sizeof dir, "%s/plugins", tmp);
    snprintf(cmd, sizeof cmd, "mkdir '%s' && cp '%s/event_lif.so' '%s/'", dir, DQ_TEST_FIXTURE_DIR,
             dir);
    ck_assert_int_eq(system(cmd), 0);
    ck_assert_int_eq(dqhost_in(tmp, "--plugins", dir, "run", "--model", "event_lif", "--solver",
                               "rk4", "--dt", "0.1", "--t-end", "1", "--json", "-q"),
                     0);
    char path[160];
    snprintf(path, sizeof path, "%s/sum.json", tmp);
    put(path, res.out);
    char so[160];
    snprintf(so, sizeof so, "%s/event_lif.so", dir);
    char was[65], now[65];
    ck_assert_int_eq(dq__sha256_file(so, was), 0);
    /* Another plugin's file under the recorded name. */
    snprintf(cmd, sizeof cmd, "cp '%s/decay.so' '%s'", DQ_TEST_PLUGIN_DIR, so);
    ck_assert_int_eq(system(cmd), 0);
    ck_assert_int_eq(dq__sha256_file(so, now), 0);
    dqhost_in(tmp, "--plugins", dir, "run", "--replay", "sum.json", "-q");
    char want[400];
    snprintf(want, sizeof want, "model event_lif: %s: changed: sha256 %s now %s", so, was, now);
    ck_assert_contains(res.err, want);
    ck_assert_contains(res.err, "solver rk4: " DQ_TEST_PLUGIN_DIR "/rk4.so: same file");
    ck_assert_int_eq(unlink(so), 0);
    dqhost_in(tmp, "run", "--replay", "sum.json", "-q");
    snprintf(want, sizeof want, "model event_lif: %s: missing", so);
    ck_assert_contains(res.err, want);
}
END_TEST

Suite *prov_suite(void)
{
    Suite *s = suite_create("prov");
    TCase *tc = tcase_create("prov");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
    tcase_add_test(tc, test_sha256_nist_vectors);
    tcase_add_test(tc, test_sha256_file_matches_sha256sum);
    tcase_add_test(tc, test_prov_json_summary_has_every_field);
    tcase_add_test(tc, test_prov_sub_module_solvers_are_listed);
    tcase_add_test(tc, test_prov_csv_header_and_no_provenance);
    tcase_add_test(tc, test_prov_replay_of_a_summary_gives_the_same_bits);
    tcase_add_test(tc, test_prov_replay_says_when_a_plugin_file_changed_or_is_missing);
    suite_add_tcase(s, tc);
    return s;
}
