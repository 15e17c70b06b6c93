/* SPDX-License-Identifier: MIT */
/* check_plot.c -- `dqhost plot` and `run --plot`: pictures drawn by gnuplot from trajectories
 * and spike files, and the messages when the input, the name or gnuplot itself is wrong.
 * The drawing tests need gnuplot on PATH (scripts/setup-debian.sh installs gnuplot-nox); the
 * others run everywhere. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>

#include "test_proc.h"

static int have_gnuplot(void)
{
    const char *path = getenv("PATH");
    while (path && *path) {
        size_t len = strcspn(path, ":");
        char buf[4096];
        snprintf(buf, sizeof buf, "%.*s/gnuplot", (int)len, path);
        if (len && access(buf, X_OK) == 0)
            return 1;
        path += len;
        if (*path == ':')
            ++path;
    }
    return 0;
}

static char dir[64];

static void make_dir(void)
{
    strcpy(dir, "/tmp/dqhost-plot-test-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void remove_dir(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

static const char *in_dir(char *buf, size_t len, const char *name)
{
    snprintf(buf, len, "%s/%s", dir, name);
    return buf;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    char *buf = NULL;
    size_t cap = 0;
    *len = 0;
    for (;;) {
        if (*len + 4096 + 1 > cap) {
            cap = 2 * cap + 8192;
            buf = realloc(buf, cap);
            ck_assert_ptr_nonnull(buf);
        }
        size_t got = fread(buf + *len, 1, 4096, f);
        *len += got;
        if (got == 0)
            break;
    }
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

static unsigned be32(const unsigned char *p)
{
    return (unsigned)p[0] << 24 | (unsigned)p[1] << 16 | (unsigned)p[2] << 8 | p[3];
}

/* A PNG file: the signature, then an IHDR chunk of a picture wider and taller than 100. */
static void assert_png(const char *path)
{
    size_t len;
    unsigned char *b = (unsigned char *)slurp(path, &len);
    ck_assert_msg(len > 33, "%s is too short for a PNG (%zu bytes)", path, len);
    ck_assert_msg(memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0, "%s has no PNG signature", path);
    ck_assert_msg(memcmp(b + 12, "IHDR", 4) == 0, "%s has no IHDR", path);
    ck_assert_uint_gt(be32(b + 16), 100);
    ck_assert_uint_gt(be32(b + 20), 100);
    free(b);
}

static void assert_svg(const char *path)
{
    size_t len;
    char *b = slurp(path, &len);
    ck_assert_uint_gt(len, 0);
    ck_assert_msg(strstr(b, "<svg") != NULL, "%s has no <svg", path);
    ck_assert_msg(strstr(b, "<path") != NULL, "%s has no <path", path);
    free(b);
}

static void run_hh(const char *out, const char *spikes)
{
    int rc = spikes ? dqhost("run", "--model", "hh", "--solver", "rk4", "--dt", "0.01", "--t-end",
                             "30", "--param", "n=3", "--param", "I_ext=10", "-o", out, "--spikes",
                             spikes, "-q")
                    : dqhost("run", "--model", "hh", "--solver", "rk4", "--dt", "0.01", "--t-end",
                             "30", "--param", "n=3", "--param", "I_ext=10", "-o", out, "-q");
    ck_assert_msg(rc == 0, "run failed: %s", res.err);
}

START_TEST(test_plot_csv_and_json_to_png_and_svg)
{
    if (!have_gnuplot()) {
        fprintf(stderr, "check_plot: gnuplot not installed, drawing not tested\n");
        return;
    }
    make_dir();
    char csv[128], json[128], png[128], svg[128], def[128];
    run_hh(in_dir(csv, sizeof csv, "hh.csv"), NULL);
    run_hh(in_dir(json, sizeof json, "hh.json"), NULL);
    ck_assert_int_eq(dqhost("plot", csv, "-o", in_dir(png, sizeof png, "csv.png")), 0);
    assert_png(png);
    ck_assert_int_eq(dqhost("plot", json, "-o", in_dir(svg, sizeof svg, "json.svg"), "--states",
                            "V,m", "--units", "2"),
                     0);
    assert_svg(svg);
    ck_assert_int_eq(dqhost("plot", csv, "-o", in_dir(svg, sizeof svg, "csv.svg")), 0);
    assert_svg(svg);
    ck_assert_int_eq(dqhost("plot", json, "-o", in_dir(png, sizeof png, "json.png")), 0);
    assert_png(png);
    /* Without -o: the input's name with .png. */
    ck_assert_int_eq(dqhost("plot", csv), 0);
    assert_png(in_dir(def, sizeof def, "hh.png"));
    /* An HDF5 trajectory draws too, with the units of the model it names. */
    char h5[128];
    run_hh(in_dir(h5, sizeof h5, "hh.h5"), NULL);
    ck_assert_int_eq(dqhost("plot", h5, "-o", in_dir(svg, sizeof svg, "h5.svg")), 0);
    assert_svg(svg);
    remove_dir();
}
END_TEST

START_TEST(test_plot_spike_raster)
{
    if (!have_gnuplot())
        return;
    make_dir();
    char csv[128], spikes[128], png[128];
    run_hh(in_dir(csv, sizeof csv, "hh.csv"), in_dir(spikes, sizeof spikes, "spikes.csv"));
    ck_assert_int_eq(dqhost("plot", spikes, "-o", in_dir(png, sizeof png, "raster.png")), 0);
    assert_png(png);
    run_hh(in_dir(csv, sizeof csv, "hh2.csv"), in_dir(spikes, sizeof spikes, "spikes.json"));
    ck_assert_int_eq(dqhost("plot", spikes, "-o", in_dir(png, sizeof png, "raster.svg")), 0);
    assert_svg(png);
    remove_dir();
}
END_TEST

START_TEST(test_run_plot_draws_after_the_run)
{
    if (!have_gnuplot())
        return;
    make_dir();
    char csv[128], png[128];
    ck_assert_int_eq(dqhost("run", "--model", "hh", "--solver", "rk4", "--dt", "0.01", "--t-end",
                            "10", "-o", in_dir(csv, sizeof csv, "r.csv"), "--plot",
                            in_dir(png, sizeof png, "r.png"), "-q"),
                     0);
    assert_png(png);
    remove_dir();
}
END_TEST

START_TEST(test_spec_output_plot_draws_after_the_run)
{
    if (!have_gnuplot())
        return;
    make_dir();
    char spec[128], png[128];
    FILE *f = fopen(in_dir(spec, sizeof spec, "spec.json"), "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f,
            "{\"model\": \"hh\", \"solver\": \"rk4\", \"dt\": 0.01, \"t_end\": 5,\n"
            " \"output\": {\"path\": \"%s/s.json\", \"plot\": \"%s/s.svg\"}}\n",
            dir, dir);
    fclose(f);
    ck_assert_msg(dqhost("run", spec, "-q") == 0, "%s", res.err);
    assert_svg(in_dir(png, sizeof png, "s.svg"));
    /* output.plot without a trajectory file is refused before the run, naming the key. */
    f = fopen(spec, "w");
    ck_assert_ptr_nonnull(f);
    fputs("{\"model\": \"hh\", \"solver\": \"rk4\", \"dt\": 0.01, \"t_end\": 5,\n"
          " \"output\": {\"plot\": \"x.png\"}}\n",
          f);
    fclose(f);
    ck_assert_int_eq(dqhost("run", spec), 2);
    ck_assert_contains(res.err, ".output.plot");
    remove_dir();
}
END_TEST

START_TEST(test_run_plot_needs_a_trajectory_file_and_a_known_format)
{
    ck_assert_int_eq(dqhost("run", "--model", "hh", "--solver", "rk4", "--dt", "0.01", "--t-end",
                            "1", "--plot", "/tmp/never.png"),
                     2);
    ck_assert_contains(res.err, "--plot '/tmp/never.png'");
    ck_assert_contains(res.err, "-o FILE");
    ck_assert_int_eq(dqhost("run", "--model", "hh", "--solver", "rk4", "--dt", "0.01", "--t-end",
                            "1", "-o", "/tmp/never.csv", "--plot", "/tmp/never.gif"),
                     2);
    ck_assert_contains(res.err, "'/tmp/never.gif'");
    ck_assert_int_eq(access("/tmp/never.csv", F_OK), -1);
}
END_TEST

START_TEST(test_plot_input_errors_exit_2_naming_the_file)
{
    make_dir();
    char path[128], bad[128], h5[128];
    ck_assert_int_eq(dqhost("plot", in_dir(path, sizeof path, "missing.csv")), 2);
    ck_assert_contains(res.err, path);
    FILE *f = fopen(in_dir(bad, sizeof bad, "notes.csv"), "w");
    ck_assert_ptr_nonnull(f);
    fputs("a,b\n1,2\n", f);
    fclose(f);
    ck_assert_int_eq(dqhost("plot", bad), 2);
    ck_assert_contains(res.err, bad);
    ck_assert_contains(res.err, "not a trajectory");
    f = fopen(in_dir(bad, sizeof bad, "other.json"), "w");
    ck_assert_ptr_nonnull(f);
    fputs("{\"x\": 1}\n", f);
    fclose(f);
    ck_assert_int_eq(dqhost("plot", bad), 2);
    ck_assert_contains(res.err, "not a trajectory");
    f = fopen(in_dir(h5, sizeof h5, "t.h5"), "wb");
    ck_assert_ptr_nonnull(f);
    fwrite("\x89HDF\r\n\x1a\n", 1, 8, f);
    fclose(f);
    ck_assert_int_eq(dqhost("plot", h5), 2);
    ck_assert_contains(res.err, h5);
    ck_assert_contains(res.err, "cannot read");
    f = fopen(in_dir(path, sizeof path, "t.csv"), "w");
    ck_assert_ptr_nonnull(f);
    fputs("t,V[0]\n0,1\n1,2\n", f);
    fclose(f);
    ck_assert_int_eq(dqhost("plot", path, "-o", "/tmp/out.gif"), 2);
    ck_assert_contains(res.err, "'/tmp/out.gif'");
    ck_assert_int_eq(dqhost("plot", path, "--states", "m"), 2);
    ck_assert_contains(res.err, "no state 'm'");
    ck_assert_int_eq(dqhost("plot"), 2);
    remove_dir();
}
END_TEST

START_TEST(test_plot_without_gnuplot_says_how_to_install_it)
{
    make_dir();
    char path[128];
    FILE *f = fopen(in_dir(path, sizeof path, "t.csv"), "w");
    ck_assert_ptr_nonnull(f);
    fputs("t,V[0]\n0,1\n1,2\n", f);
    fclose(f);
    ck_assert_int_eq(dqhost_env("PATH=/nonexistent", "plot", path, (const char *)NULL), 1);
    ck_assert_contains(res.err, "apt-get install gnuplot-nox");
    ck_assert_contains(res.err, "t.png");
    ck_assert_ptr_eq(strchr(res.err, '\n'), res.err + strlen(res.err) - 1); /* one line */
    remove_dir();
}
END_TEST

Suite *plot_suite(void)
{
    Suite *s = suite_create("plot");
    TCase *tc = tcase_create("plot");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_plot_csv_and_json_to_png_and_svg);
    tcase_add_test(tc, test_plot_spike_raster);
    tcase_add_test(tc, test_run_plot_draws_after_the_run);
    tcase_add_test(tc, test_spec_output_plot_draws_after_the_run);
    tcase_add_test(tc, test_run_plot_needs_a_trajectory_file_and_a_known_format);
    tcase_add_test(tc, test_plot_input_errors_exit_2_naming_the_file);
    tcase_add_test(tc, test_plot_without_gnuplot_says_how_to_install_it);
    suite_add_tcase(s, tc);
    return s;
}
