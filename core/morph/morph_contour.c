/* SPDX-License-Identifier: MIT */
/* morph_contour.c -- a soma outline as an equivalent stack of frusta, as NEURON's Import3d
 * does it (Import3d_GUI.contour2centroid and Import3d_Section.contourcenter in
 * share/nrn/lib/hoc/import3d/): the outline is resampled at 101 points evenly spaced along
 * its perimeter (measured in x and y, from the first point to the last), centred on their
 * mean; its principal axis (the covariance's largest eigenvector) is the cylinder's axis;
 * the outline is split at its two extreme points along that axis into two sides, each made
 * monotonic; at 21 evenly spaced positions between the second-smallest and second-largest
 * axis positions the diameter is the distance between the two sides, measured along the
 * middle eigenvector with its z component removed; the two end diameters are averaged with
 * their neighbours "to avoid 0 diameter ends". */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "morph_impl.h"

#define CONTOUR_SAMPLES 101
#define CONTOUR_POINTS 21

/* NEURON's Vector.interpolate: y at xd from the table (xs, ys), linear, held constant
 * beyond the ends. xs is non-decreasing. */
static double contour_interp(const double *xs, const double *ys, size_t n, double xd)
{
    if (xd <= xs[0])
        return ys[0];
    if (xd >= xs[n - 1])
        return ys[n - 1];
    size_t j = 1;
    while (j < n - 1 && xs[j] < xd)
        ++j;
    double w = xs[j] - xs[j - 1];
    return w > 0 ? ys[j - 1] + (ys[j] - ys[j - 1]) * (xd - xs[j - 1]) / w : ys[j];
}

/* Eigenvalues w and eigenvectors (the columns of v) of the symmetric 3x3 a (Jacobi). */
static void contour_symmeig(double a[3][3], double w[3], double v[3][3])
{
    for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j)
            v[i][j] = i == j;
    for (int sweep = 0; sweep < 64; ++sweep) {
        double off = fabs(a[0][1]) + fabs(a[0][2]) + fabs(a[1][2]);
        if (off == 0.0)
            break;
        for (int p = 0; p < 2; ++p)
            for (int q = p + 1; q < 3; ++q) {
                if (a[p][q] == 0.0)
                    continue;
                double theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
                double t = (theta >= 0 ? 1.0 : -1.0) / (fabs(theta) + sqrt(theta * theta + 1));
                double c = 1 / sqrt(t * t + 1), s = t * c;
                for (int k = 0; k < 3; ++k) {
                    double akp = a[k][p], akq = a[k][q];
                    a[k][p] = c * akp - s * akq;
                    a[k][q] = s * akp + c * akq;
                }
                for (int k = 0; k < 3; ++k) {
                    double apk = a[p][k], aqk = a[q][k];
                    a[p][k] = c * apk - s * aqk;
                    a[q][k] = s * apk + c * aqk;
                }
                for (int k = 0; k < 3; ++k) {
                    double vkp = v[k][p], vkq = v[k][q];
                    v[k][p] = c * vkp - s * vkq;
                    v[k][q] = s * vkp + c * vkq;
                }
            }
    }
    for (int i = 0; i < 3; ++i)
        w[i] = a[i][i];
}

/* contour2centroid's "make it convex": drops points that do not increase, from the end. */
static size_t contour_monotonic(double *d, double *r, size_t n)
{
    for (size_t j = n - 1; j > 0 && j < n; --j) {
        if (d[j] <= d[j - 1]) {
            memmove(d + j, d + j + 1, (n - j - 1) * sizeof *d);
            memmove(r + j, r + j + 1, (n - j - 1) * sizeof *r);
            --n;
            if (j != n)
                ++j;
        }
    }
    return n;
}

static int contour_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

size_t dq__morph_contour(const double *x, const double *y, const double *z, size_t n,
                         dq_morph_point_t out[21])
{
    if (n < 3)
        return 0;
    /* contourcenter: 101 points evenly along the perimeter (x, y only) of the open path. */
    double *perim = malloc(n * sizeof *perim);
    if (!perim)
        return 0;
    perim[0] = 0;
    for (size_t i = 1; i < n; ++i)
        perim[i] = perim[i - 1] + hypot(x[i] - x[i - 1], y[i] - y[i - 1]);
    double total = perim[n - 1];
    double px[CONTOUR_SAMPLES], py[CONTOUR_SAMPLES], pz[CONTOUR_SAMPLES], mean[3] = {0, 0, 0};
    for (int i = 0; i < CONTOUR_SAMPLES; ++i) {
        double s = total * i / (CONTOUR_SAMPLES - 1);
        px[i] = contour_interp(perim, x, n, s);
        py[i] = contour_interp(perim, y, n, s);
        pz[i] = contour_interp(perim, z, n, s);
        mean[0] += px[i];
        mean[1] += py[i];
        mean[2] += pz[i];
    }
    free(perim);
    if (!(total > 0))
        return 0;
    for (int k = 0; k < 3; ++k)
        mean[k] /= CONTOUR_SAMPLES;
    double *pc[3] = {px, py, pz};
    for (int i = 0; i < CONTOUR_SAMPLES; ++i)
        for (int k = 0; k < 3; ++k)
            pc[k][i] -= mean[k];
    double m[3][3], w[3], v[3][3];
    for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j) {
            double s = 0;
            for (int k = 0; k < CONTOUR_SAMPLES; ++k)
                s += pc[i][k] * pc[j][k];
            m[i][j] = s;
        }
    contour_symmeig(m, w, v);
    int imax = 0, imin = 0;
    for (int i = 1; i < 3; ++i) {
        if (w[i] > w[imax])
            imax = i;
        if (w[i] < w[imin])
            imin = i;
    }
    if (imax == imin)
        return 0;
    double major[3] = {v[0][imax], v[1][imax], v[2][imax]};
    int imid = 3 - imin - imax;
    double minor[3] = {v[0][imid], v[1][imid], 0.0};
    double mag = hypot(minor[0], minor[1]);
    if (!(mag > 0))
        return 0;
    minor[0] /= mag;
    minor[1] /= mag;
    /* Positions along the axis (d) and across it (rad), rotated to start at the maximum. */
    double d[CONTOUR_SAMPLES], rad[CONTOUR_SAMPLES], dr[CONTOUR_SAMPLES], rr[CONTOUR_SAMPLES];
    for (int i = 0; i < CONTOUR_SAMPLES; ++i) {
        d[i] = px[i] * major[0] + py[i] * major[1] + pz[i] * major[2];
        rad[i] = px[i] * minor[0] + py[i] * minor[1];
    }
    int at = 0;
    for (int i = 1; i < CONTOUR_SAMPLES; ++i)
        if (d[i] > d[at])
            at = i;
    for (int i = 0; i < CONTOUR_SAMPLES; ++i) {
        dr[i] = d[(i + at) % CONTOUR_SAMPLES];
        rr[i] = rad[(i + at) % CONTOUR_SAMPLES];
    }
    int lo = 0;
    for (int i = 1; i < CONTOUR_SAMPLES; ++i)
        if (dr[i] < dr[lo])
            lo = i;
    /* Side 1: from the maximum up to before the minimum, reversed; side 2: from the minimum
     * to the end. */
    double s1[CONTOUR_SAMPLES], r1[CONTOUR_SAMPLES], s2[CONTOUR_SAMPLES], r2[CONTOUR_SAMPLES];
    size_t n1 = (size_t)lo, n2 = (size_t)(CONTOUR_SAMPLES - lo);
    for (size_t i = 0; i < n1; ++i) {
        s1[i] = dr[lo - 1 - i];
        r1[i] = rr[lo - 1 - i];
    }
    for (size_t i = 0; i < n2; ++i) {
        s2[i] = dr[(size_t)lo + i];
        r2[i] = rr[(size_t)lo + i];
    }
    if (n1 < 2 || n2 < 2)
        return 0;
    n1 = contour_monotonic(s1, r1, n1);
    n2 = contour_monotonic(s2, r2, n2);
    double all[2 * CONTOUR_SAMPLES];
    memcpy(all, s1, n1 * sizeof *all);
    memcpy(all + n1, s2, n2 * sizeof *all);
    qsort(all, n1 + n2, sizeof *all, contour_cmp);
    if (n1 + n2 < 4)
        return 0;
    double a = all[1], b = all[n1 + n2 - 2];
    if (!(b > a))
        return 0;
    for (int i = 0; i < CONTOUR_POINTS; ++i) {
        double t = a + (b - a) * i / (CONTOUR_POINTS - 1);
        double ra = contour_interp(s1, r1, n1, t), rb = contour_interp(s2, r2, n2, t);
        out[i] = (dq_morph_point_t){mean[0] + major[0] * t, mean[1] + major[1] * t,
                                    mean[2] + major[2] * t, fabs(ra - rb)};
    }
    out[0].d = (out[0].d + out[1].d) / 2;
    out[CONTOUR_POINTS - 1].d = (out[CONTOUR_POINTS - 1].d + out[CONTOUR_POINTS - 2].d) / 2;
    return CONTOUR_POINTS;
}
