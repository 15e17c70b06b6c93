/* SPDX-License-Identifier: MIT */
/* check_h5.c -- `dqhost run` writing HDF5 trajectories: the layout and the run's attributes,
 * read back with the HDF5 C API (and h5dump, h5py when installed) equal to the CSV of the
 * same run to the last bit; a failed run keeps <name>.partial; no HDF5 on standard output. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <check.h>

#include <dq/host/record.h>
#include <hdf5.h>

#include "test_proc.h"

static char tmp[64];

static void tmp_setup(void)
{
    strcpy(tmp, "/tmp/dqhost-h5-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmp));
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

static void tmp_teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmp);
}

static int exists(const char *name)
{
    char path[256];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", tmp, name);
    return stat(path, &st) == 0;
}

static int have_tool(const char *cmd)
{
    char sh[256];
    snprintf(sh, sizeof sh, "%s >/dev/null 2>&1", cmd);
    return system(sh) == 0;
}

/* The CSV's cells, parsed with strtod. [owned] */
static double *read_csv(const char *path, size_t *rows, size_t *cols)
{
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    size_t cap = 1 << 16, n = 0, c = 0, r = 0;
    double *v = malloc(cap * sizeof *v);
    char *line = NULL;
    size_t len = 0;
    /* The provenance comment lines, then the header. */
    do
        ck_assert_int_gt(getline(&line, &len, f), 0);
    while (line[0] == '#');
    for (; getline(&line, &len, f) > 0; ++r) {
        size_t k = 0;
        for (char *p = line, *end; *p && *p != '\n'; p = *end == ',' ? end + 1 : end, ++k) {
            if (n == cap)
                v = realloc(v, (cap *= 2) * sizeof *v);
            v[n++] = strtod(p, &end);
            ck_assert_ptr_ne(end, p);
        }
        if (r == 0)
            c = k;
        ck_assert_uint_eq(k, c);
    }
    free(line);
    fclose(f);
    *rows = r;
    *cols = c;
    return v;
}

/* A 1-D or 2-D double dataset. [owned] */
static double *read_h5(hid_t file, const char *name, hsize_t dims[2])
{
    hid_t ds = H5Dopen2(file, name, H5P_DEFAULT);
    ck_assert_msg(ds >= 0, "no dataset %s", name);
    hid_t sp = H5Dget_space(ds);
    dims[1] = 1;
    ck_assert_int_ge(H5Sget_simple_extent_dims(sp, dims, NULL), 1);
    double *v = malloc((size_t)(dims[0] * dims[1] + 1) * sizeof *v);
    ck_assert_int_ge(H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v), 0);
    H5Sclose(sp);
    H5Dclose(ds);
    return v;
}

static void read_attr_string(hid_t obj, const char *name, char *out, size_t cap)
{
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    ck_assert_msg(a >= 0, "no attribute %s", name);
    hid_t t = H5Aget_type(a);
    size_t n = H5Tget_size(t);
    ck_assert_uint_lt(n, cap);
    memset(out, 0, cap);
    ck_assert_int_ge(H5Aread(a, t, out), 0);
    H5Tclose(t);
    H5Aclose(a);
}

static int same_bits(double a, double b)
{
    uint64_t x, y;
    memcpy(&x, &a, 8);
    memcpy(&y, &b, 8);
    return x == y;
}

#define HH_ARGS                                                                                    \
    "run", "--model", "hh", "--solver", "rk4", "--dt", "0.01", "--t-end", "30", "--every", "7",    \
        "--param", "n=40", "--record", "V,m", "--units", "0,3,17,39,21"

START_TEST(test_h5_hh_equals_csv_to_the_last_bit)
{
    ck_assert_int_eq(dqhost_in(tmp, HH_ARGS, "-o", "out.csv", "-q"), 0);
    ck_assert_int_eq(dqhost_in(tmp, HH_ARGS, "-o", "out.h5", "-q"), 0);
    ck_assert_int_eq(test_dir_entries(tmp), 2);
    char path[256];
    snprintf(path, sizeof path, "%s/out.csv", tmp);
    size_t rows, cols;
    double *csv = read_csv(path, &rows, &cols);
    ck_assert_uint_eq(cols, 1 + 2 * 5);
    ck_assert_uint_eq(rows, 3000 / 7 + 1);

    snprintf(path, sizeof path, "%s/out.h5", tmp);
    /* Read back as CSV by the library (dqhost plot's reader): the model named, the same
     * numbers as the CSV recorder's. */
    char back[1200];
    snprintf(back, sizeof back, "%s/back.csv", tmp);
    FILE *bf = fopen(back, "w");
    ck_assert_ptr_nonnull(bf);
    dq_error_t herr = {0};
    ck_assert_msg(dq_h5_trajectory_to_csv(path, bf, &herr) == DQ_OK, "%s", herr.message);
    fclose(bf);
    bf = fopen(back, "r");
    char first[64] = "";
    ck_assert_ptr_nonnull(fgets(first, sizeof first, bf));
    fclose(bf);
    ck_assert_str_eq(first, "# model: hh\n");
    size_t brows, bcols;
    double *bcsv = read_csv(back, &brows, &bcols);
    ck_assert_uint_eq(brows, rows);
    ck_assert_uint_eq(bcols, cols);
    ck_assert_msg(memcmp(bcsv, csv, rows * cols * sizeof *csv) == 0,
                  "the HDF5 read back differs from the CSV");
    free(bcsv);
    remove(back);
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    ck_assert_int_ge(f, 0);
    hsize_t dt[2], dv[2], dm[2];
    double *t = read_h5(f, "t", dt), *V = read_h5(f, "V", dv), *m = read_h5(f, "m", dm);
    ck_assert_uint_eq(dt[0], rows);
    ck_assert_uint_eq(dv[0], rows);
    ck_assert_uint_eq(dv[1], 5);
    ck_assert_uint_eq(dm[1], 5);
    for (size_t r = 0; r < rows; ++r) {
        const double *row = csv + r * cols;
        ck_assert_msg(same_bits(row[0], t[r]), "t row %zu", r);
        for (size_t i = 0; i < 5; ++i) {
            ck_assert_msg(same_bits(row[1 + i], V[r * 5 + i]), "V row %zu unit %zu", r, i);
            ck_assert_msg(same_bits(row[6 + i], m[r * 5 + i]), "m row %zu unit %zu", r, i);
        }
    }
    /* The recorded units, in the order asked for. */
    hid_t ds = H5Dopen2(f, "units", H5P_DEFAULT);
    unsigned long long u[5];
    ck_assert_int_ge(H5Dread(ds, H5T_NATIVE_ULLONG, H5S_ALL, H5S_ALL, H5P_DEFAULT, u), 0);
    H5Dclose(ds);
    ck_assert(u[0] == 0 && u[1] == 3 && u[2] == 17 && u[3] == 39 && u[4] == 21);
    /* The run's attributes. */
    char s[64];
    read_attr_string(f, "model", s, sizeof s);
    ck_assert_str_eq(s, "hh");
    read_attr_string(f, "solver", s, sizeof s);
    ck_assert_str_eq(s, "rk4");
    read_attr_string(f, "time_unit", s, sizeof s);
    ck_assert_str_eq(s, "ms");
    read_attr_string(f, "plugin_abi", s, sizeof s);
    ck_assert_str_eq(s, "2.3");
    read_attr_string(f, "dqhost_version", s, sizeof s);
    ck_assert_int_gt(strlen(s), 0);
    double dtv = 0, tend = 0;
    hid_t a = H5Aopen(f, "dt", H5P_DEFAULT);
    ck_assert_int_ge(H5Aread(a, H5T_NATIVE_DOUBLE, &dtv), 0);
    H5Aclose(a);
    a = H5Aopen(f, "t_end", H5P_DEFAULT);
    ck_assert_int_ge(H5Aread(a, H5T_NATIVE_DOUBLE, &tend), 0);
    H5Aclose(a);
    ck_assert(dtv == 0.01 && tend == 30.0);
    ds = H5Dopen2(f, "V", H5P_DEFAULT);
    read_attr_string(ds, "unit", s, sizeof s);
    ck_assert_str_eq(s, "mV");
    /* Chunked and compressed. */
    hid_t dcpl = H5Dget_create_plist(ds);
    ck_assert_int_eq(H5Pget_layout(dcpl), H5D_CHUNKED);
    int deflate = 0;
    for (int i = 0, n = H5Pget_nfilters(dcpl); i < n; ++i) {
        unsigned flags;
        size_t nv = 0;
        deflate |= H5Pget_filter2(dcpl, (unsigned)i, &flags, &nv, NULL, 0, NULL, NULL) ==
                   H5Z_FILTER_DEFLATE;
    }
    ck_assert(deflate);
    H5Pclose(dcpl);
    H5Dclose(ds);
    H5Fclose(f);
    free(t);
    free(V);
    free(m);
    free(csv);

    if (have_tool("command -v h5dump")) {
        char cmd[512];
        snprintf(cmd, sizeof cmd, "h5dump -H '%s/out.h5'", tmp);
        FILE *p = popen(cmd, "r");
        char text[1 << 15];
        size_t got = fread(text, 1, sizeof text - 1, p);
        text[got] = '\0';
        ck_assert_int_eq(pclose(p), 0);
        ck_assert_contains(text, "DATASET \"V\"");
        ck_assert_contains(text, "DATASET \"m\"");
        ck_assert_contains(text, "DATASET \"t\"");
        ck_assert_contains(text, "DATASET \"units\"");
        ck_assert_contains(text, "ATTRIBUTE \"model\"");
        ck_assert_contains(text, "ATTRIBUTE \"dqhost_version\"");
        ck_assert_contains(text, "ATTRIBUTE \"plugin_abi\"");
        ck_assert_contains(text, "ATTRIBUTE \"provenance\"");
        ck_assert_contains(text, "H5S_UNLIMITED");
    } else
        fprintf(stderr, "h5: h5dump not installed, not checked\n");

    if (have_tool("/usr/bin/python3 -c 'import h5py'")) {
        /* float(text) is correctly rounded like strtod: equality is bit equality. */
        char cmd[1024];
        snprintf(
            cmd, sizeof cmd,
            "cd '%s' && /usr/bin/python3 -c \"\n"
            "import csv, h5py\n"
            "f = h5py.File('out.h5', 'r')\n"
            "V = f['V'][()]; t = f['t'][()]\n"
            "rows = list(csv.reader(l for l in open('out.csv') if not l.startswith('#')))[1:]\n"
            "assert V.shape == (len(rows), 5) and f.attrs['model'] == b'hh'\n"
            "for i, r in enumerate(rows):\n"
            "    assert float(r[0]) == t[i]\n"
            "    assert [float(x) for x in r[1:6]] == list(V[i]), i\n"
            "print('ok')\n\"",
            tmp);
        FILE *p = popen(cmd, "r");
        char text[256] = "";
        size_t got = fread(text, 1, sizeof text - 1, p);
        text[got] = '\0';
        ck_assert_int_eq(pclose(p), 0);
        ck_assert_str_eq(text, "ok\n");
    } else
        fprintf(stderr, "h5: python3-h5py not installed, not checked\n");
}
END_TEST

START_TEST(test_h5_extension_and_spec_choose_hdf5)
{
    FILE *f;
    char path[256];
    snprintf(path, sizeof path, "%s/s.json", tmp);
    ck_assert_ptr_nonnull(f = fopen(path, "w"));
    fputs("{\"model\": \"decay\", \"solver\": \"euler\", \"dt\": 0.5, \"t_end\": 2,"
          " \"output\": {\"path\": \"spec.out\", \"format\": \"h5\"}}\n",
          f);
    fclose(f);
    ck_assert_int_eq(dqhost_in(tmp, "run", "s.json", "-q"), 0);
    ck_assert_int_eq(dqhost_in(tmp, "run", "--model", "decay", "--solver", "euler", "--dt", "0.5",
                               "--t-end", "2", "-o", "ext.h5", "-q"),
                     0);
    /* The acceptance run: the spec says csv, the -o name says HDF5. */
    ck_assert_int_eq(
        dqhost_in(tmp, "run", DQ_TEST_EXAMPLES_DIR "/hh.json", "--t-end", "2", "-o", "hh.h5", "-q"),
        0);
    snprintf(path, sizeof path, "%s/hh.h5", tmp);
    ck_assert(H5Fis_hdf5(path) > 0);
    const char *names[] = {"spec.out", "ext.h5"};
    for (int i = 0; i < 2; ++i) {
        snprintf(path, sizeof path, "%s/%s", tmp, names[i]);
        ck_assert_msg(H5Fis_hdf5(path) > 0, "%s is not HDF5", names[i]);
        hid_t h = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
        hsize_t d[2];
        double *t = read_h5(h, "t", d);
        ck_assert_uint_eq(d[0], 5);
        ck_assert(t[4] == 2.0);
        free(t);
        H5Fclose(h);
    }
}
END_TEST

START_TEST(test_h5_failed_run_keeps_partial)
{
    ck_assert_int_eq(dqhost_in(tmp, "run", "--model", "stiff_linear", "--solver", "rk4", "--dt",
                               "0.01", "--t-end", "5", "-o", "stiff.h5"),
                     1);
    ck_assert_contains(res.err, "samples) is kept in 'stiff.h5.partial'\n");
    ck_assert(!exists("stiff.h5"));
    ck_assert(exists("stiff.h5.partial"));
    ck_assert_int_eq(test_dir_entries(tmp), 1);
    char path[256];
    snprintf(path, sizeof path, "%s/stiff.h5.partial", tmp);
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    ck_assert_int_ge(f, 0);
    hsize_t d[2];
    double *y = read_h5(f, "y0", d);
    ck_assert_uint_ge(d[0], 2);
    ck_assert(y[0] == 1.0);
    free(y);
    H5Fclose(f);
}
END_TEST

/* Ctrl-C in the middle of a run: the samples so far stay in out.h5.partial, a valid file. */
START_TEST(test_h5_interrupted_run_keeps_partial)
{
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        if (chdir(tmp) != 0)
            _exit(99);
        int nul = open("/dev/null", O_WRONLY);
        dup2(nul, 1);
        dup2(nul, 2);
        unsetenv("DQHOST_PLUGIN_PATH");
        execl(DQ_TEST_DQHOST, DQ_TEST_DQHOST, "run", "--model", "decay", "--solver", "euler",
              "--dt", "1e-6", "--t-end", "1000", "--every", "1000", "-o", "out.h5", (char *)NULL);
        _exit(98);
    }
    /* Wait until the temporary file exists and the run is under way. */
    for (int i = 0; i < 2000; ++i) {
        DIR *d = opendir(tmp);
        int found = 0;
        for (struct dirent *e; (e = readdir(d));)
            found |= strncmp(e->d_name, "out.h5.tmp.", 11) == 0;
        closedir(d);
        if (found)
            break;
        usleep(5000);
    }
    usleep(300000);
    ck_assert_int_eq(kill(pid, SIGINT), 0);
    int st = 0;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 128 + SIGINT);
    ck_assert(!exists("out.h5"));
    ck_assert(exists("out.h5.partial"));
    ck_assert_int_eq(test_dir_entries(tmp), 1);
    char path[256];
    snprintf(path, sizeof path, "%s/out.h5.partial", tmp);
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    ck_assert_int_ge(f, 0);
    hsize_t d[2];
    double *t = read_h5(f, "t", d);
    ck_assert_uint_ge(d[0], 1);
    ck_assert(t[0] == 0.0);
    free(t);
    H5Fclose(f);
}
END_TEST

START_TEST(test_h5_refused_on_standard_output_and_streams)
{
    ck_assert_int_eq(dqhost_in(tmp, "run", "--model", "decay", "--solver", "euler", "--dt", "0.5",
                               "--t-end", "2", "--format", "h5"),
                     2);
    ck_assert_contains(res.err, "HDF5 output cannot go to standard output");
    ck_assert_int_eq(dqhost_in(tmp, "run", "--model", "decay", "--solver", "euler", "--dt", "0.5",
                               "--t-end", "2", "--format", "h5", "-o", "-"),
                     2);
    ck_assert_contains(res.err, "HDF5 output cannot go to standard output");
    ck_assert_int_eq(dqhost_in(tmp, "run", "--model", "decay", "--solver", "euler", "--dt", "0.5",
                               "--t-end", "2", "--format", "h5", "-o", "/dev/null"),
                     2);
    ck_assert_contains(res.err, "'/dev/null': HDF5 output needs a regular file");
    ck_assert_int_eq(dqhost_in(tmp, "run", "--model", "decay", "--solver", "euler", "--dt", "0.5",
                               "--t-end", "2", "--format", "h5x", "-o", "a"),
                     2);
    ck_assert_contains(res.err, "--format must be csv, json or h5");
    ck_assert_int_eq(test_dir_entries(tmp), 0);
}
END_TEST

Suite *h5_suite(void)
{
    Suite *s = suite_create("h5");
    TCase *tc = tcase_create("h5");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
    tcase_add_test(tc, test_h5_hh_equals_csv_to_the_last_bit);
    tcase_add_test(tc, test_h5_extension_and_spec_choose_hdf5);
    tcase_add_test(tc, test_h5_failed_run_keeps_partial);
    tcase_add_test(tc, test_h5_interrupted_run_keeps_partial);
    tcase_add_test(tc, test_h5_refused_on_standard_output_and_streams);
    suite_add_tcase(s, tc);
    return s;
}
