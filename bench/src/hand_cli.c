/* SPDX-License-Identifier: MIT */
/* hand_cli.c -- dq_bench_hand_cli: the hand-fused SIMD loops as a program of their own, for the
 * command-line rows (issue #14): what one would write instead of `dqhost run`.
 *
 *   dq_bench_hand_cli SCHEME N STEPS     SCHEME: euler, rk4 or ind_exp_euler
 *
 * It is hand_simd.c itself (included, so the kernels, their clones and their flags are the
 * in-process SIMD row's): the HH population of workload.h (dt = 0.01 ms, I_ext = 20 (i + 1/2)/N
 * uA/cm^2, V(0) = -65 mV, gates at rest) set up, advanced STEPS steps, and V(t_end) of unit 0,
 * unit N-1, the mean and the spike count printed as one JSON line. peer_cli.c times the whole
 * process, start-up included, as it times `dqhost run`. */
#include "hand_simd.c"

/* hand_simd.c names schemes in its messages (main.c has the harness's table). */
const char *bench_scheme_name(bench_scheme_t s)
{
    return s == BENCH_EULER ? "euler" : s == BENCH_RK4 ? "rk4" : "ind_exp_euler";
}

int main(int argc, char **argv)
{
    static const bench_scheme_t schemes[] = {BENCH_EULER, BENCH_RK4, BENCH_IND_EXP_EULER};
    char msg[BENCH_MSG_MAX], *end_n = NULL, *end_k = NULL;
    if (argc != 4) {
        fprintf(stderr, "usage: dq_bench_hand_cli euler|rk4|ind_exp_euler N STEPS\n");
        return 2;
    }
    size_t k = 0;
    while (k < 3 && strcmp(argv[1], bench_scheme_name(schemes[k])) != 0)
        ++k;
    const unsigned long n = strtoul(argv[2], &end_n, 10);
    const unsigned long steps = strtoul(argv[3], &end_k, 10);
    if (k == 3 || n == 0 || *end_n || *end_k) {
        fprintf(stderr, "dq_bench_hand_cli: bad scheme '%s', N '%s' or STEPS '%s'\n", argv[1],
                argv[2], argv[3]);
        return 2;
    }
    const bench_problem_t p = {.model = BENCH_HH, .scheme = schemes[k], .n = n, .dt = HH_DT};
    void *st = bench_impl_hand_simd.setup(&p, msg, sizeof msg);
    if (!st || bench_impl_hand_simd.run(st, steps, msg, sizeof msg)) {
        fprintf(stderr, "dq_bench_hand_cli: %s\n", msg);
        return 1;
    }
    bench_values_t v = {0};
    bench_impl_hand_simd.read(st, &v);
    bench_impl_hand_simd.teardown(st);
    printf("{\"scheme\": \"%s\", \"n\": %lu, \"steps\": %lu, \"first\": %.17g, \"last\": %.17g, "
           "\"mean\": %.17g, \"spikes\": %.17g}\n",
           argv[1], n, steps, v.first, v.last, v.mean, v.spikes);
    return 0;
}
