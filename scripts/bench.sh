#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs the benchmark suite: dqhost beside hand-fused loops, GSL, SUNDIALS ARKODE and
# Boost.odeint on HH populations and the scalar decay, and the noise rows (issue #11):
# Euler-Maruyama on noisy HH beside euler and Brian2, and the noise cost; NEURON and Brian2
# beside dqhost, and `dqhost run` timed as a whole process (issue #14) (bench/README.md).
# Then the work-precision benchmark (issue #12): dqhost's adaptive solvers beside ARKODE, CVODE,
# GSL odeiv2 and Boost.odeint on Lorenz, van der Pol and one HH neuron (dq_bench_workprec).
#   scripts/bench.sh [--quick] [--callgrind] [--no-workprec] [dq_bench options...]
#   scripts/bench.sh --workprec [dq_bench_workprec options...]
# --quick       smoke run (N = 1 and 1 000, 2% of the steps, 1 round) into bench/results/quick.*,
#               and the work-precision smoke run (rtol 1e-3..1e-6) into workprec-quick.*
# --callgrind   also count instructions under valgrind --tool=callgrind (a second table)
# --workprec    only the work-precision benchmark; the other options go to dq_bench_workprec
#               (--quick, --only lorenz,vdp1,vdp1000,hh, --repeats R, --no-population)
# --no-workprec only dq_bench
# Other options go to dq_bench (--rounds R, --only ID,..., --scale X; see dq_bench --help); a
# run with --only, --scale or --no-timing (a partial run) leaves the work-precision part out.
# Installs missing Debian packages, builds into build-bench (Release), writes
# bench/results/latest.json and latest.md (workprec.md and workprec.csv), and prints the tables. Brian2 (python3-brian, with
# cython3 and g++ for its targets) and NEURON (neuron, python3-neuron) are installed when
# missing; when they cannot be had, their rows are skipped with one line saying so. Brian2
# builds in a temporary directory.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build-bench"

# suite: dq_bench then dq_bench_workprec; workprec: only the latter; nowp: only the former.
mode=suite
args=()
for a in "$@"; do
    case "$a" in
    --workprec) mode=workprec ;;
    --no-workprec) mode=nowp ;;
    *) args+=("$a") ;;
    esac
done
set -- ${args[@]+"${args[@]}"}

"$root/scripts/setup-debian.sh"

packages=(libgsl-dev libsundials-dev libboost-dev valgrind binutils)
missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done
sudo=""
if [ "$(id -u)" -ne 0 ]; then
    sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
if [ ${#missing[@]} -gt 0 ]; then
    echo "bench: installing ${missing[*]}" >&2
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Brian2, optional: Debian's python3-brian run by the system Python, cython3 and g++ for its
# cython and cpp_standalone targets. Without it the suite runs and says so in one line.
# The work-precision benchmark alone: build it, run it, show its table.
run_workprec() {
    local name=workprec wp=()
    for a in "$@"; do
        [ "$a" = --quick ] && name=workprec-quick
    done
    cmake --build "$build" -j "$(nproc)" --target dq_bench_workprec
    if [ ! -x "$build/bench/dq_bench_workprec" ]; then
        echo "bench: dq_bench_workprec was not built (it needs GSL and SUNDIALS; see cmake's" \
             "messages)" >&2
        return 1
    fi
    wp=("$@")
    echo "bench: work-precision benchmark (load average $(cut -d' ' -f1-3 /proc/loadavg))"
    "$build/bench/dq_bench_workprec" --out "$root/bench/results" --name "$name" \
        --git "$(git -C "$root" describe --always --dirty 2>/dev/null || echo unknown)" \
        ${wp[@]+"${wp[@]}"} >/dev/null
    echo
    cat "$root/bench/results/$name.md"
    # bench/README.md shows the latest full work-precision results between its markers.
    if [ "$name" = workprec ]; then
        local readme="$root/bench/README.md"
        awk -v md="$root/bench/results/workprec.md" '
            /<!-- workprec:begin/ {
                print
                while ((getline line < md) > 0) {
                    if (line ~ /^## /) continue      # the title: the README has its own
                    if (line ~ /^##+ /) line = "#" line
                    print line
                }
                skip = 1
                next
            }
            /<!-- workprec:end/ { skip = 0 }
            !skip { print }' "$readme" >"$readme.tmp" && mv "$readme.tmp" "$readme"
        echo "bench: bench/README.md now shows these work-precision results"
    fi
}

if [ "$mode" = workprec ]; then
    cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DDQ_BUILD_BENCHMARKS=ON \
        -DDQ_BUILD_TESTS=OFF >/dev/null
    run_workprec "$@"
    exit $?
fi

# Installs the optional packages "$@" that are missing, for the rows named by $1; a failure is
# not an error (the caller checks what it needs and skips those rows).
install_optional() {
    local rows=$1 p
    shift
    local absent=()
    for p in "$@"; do
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
            absent+=("$p")
        fi
    done
    if [ ${#absent[@]} -gt 0 ]; then
        echo "bench: installing ${absent[*]} (for the $rows rows)" >&2
        { $sudo apt-get update -qq && $sudo apt-get install -y -qq --no-install-recommends \
            "${absent[@]}"; } >/dev/null 2>&1 || true
    fi
}

python=/usr/bin/python3
brian=(python3-brian cython3 g++)
install_optional Brian2 "${brian[@]}"
brian_args=(--python "$python")
if ! "$python" -c "import brian2, Cython" >/dev/null 2>&1 || ! command -v g++ >/dev/null; then
    echo "bench: Brian2 rows skipped: $python cannot import brian2 and Cython, or no g++" \
         "(Debian: ${brian[*]})" >&2
    brian_args+=(--no-brian2)
fi
# NEURON, optional (issue #14's simulator rows): Debian's neuron and python3-neuron, run by the
# same system Python. Without it those rows are left out with one line.
neuron=(neuron python3-neuron)
install_optional NEURON "${neuron[@]}"
if ! NEURON_MODULE_OPTIONS=-nogui "$python" -c "from neuron import h; h.nrnversion(0)" \
    >/dev/null 2>&1; then
    echo "bench: NEURON rows skipped: $python cannot import neuron (Debian: ${neuron[*]})" >&2
    brian_args+=(--no-neuron)
fi

cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DDQ_BUILD_BENCHMARKS=ON \
    -DDQ_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" -j "$(nproc)" --target dq_bench

# The SIMD rows are only worth their name if the loops call libmvec's vector exp and expm1:
# the AVX-512 (_ZGVe) and AVX2 (_ZGVd) clones.
bin="$build/bench/dq_bench"
calls=$(objdump -d "$bin" | grep -oE 'call +[0-9a-f]+ <_ZGV[de]N[48]v_(exp|expm1)@plt>' |
        sed -E 's/.*<(.*)@plt>/\1/' | sort | uniq -c | tr -s ' ' | tr '\n' ',' || true)
for f in _ZGVeN8v_exp _ZGVeN8v_expm1 _ZGVdN4v_exp _ZGVdN4v_expm1; do
    if ! grep -q " $f," <<<"$calls"; then
        echo "bench: the hand-fused SIMD loops do not call libmvec's $f (found:${calls:- none})" >&2
        exit 1
    fi
done
echo "bench: SIMD loops call libmvec (call sites:${calls%,})"

git=$(git -C "$root" describe --always --dirty 2>/dev/null || echo unknown)
# A full run is "latest"; a smoke run "quick"; a subset or rescaled run "partial".
name=latest
for a in "$@"; do
    case "$a" in
    --quick) name=quick ;;
    --only | --scale | --no-timing) [ "$name" = quick ] || name=partial ;;
    esac
done
echo "bench: load average $(cut -d' ' -f1-3 /proc/loadavg); other work on this machine" \
     "shows in the timings (the callgrind counts are immune)"
status=0
"$bin" --out "$root/bench/results" --name "$name" --git "$git" "${brian_args[@]}" "$@" ||
    status=$?
if [ -f "$root/bench/results/$name.md" ]; then
    echo
    cat "$root/bench/results/$name.md"
fi
# bench/README.md shows the latest full results: its marked section becomes latest.md.
if [ "$name" = latest ] && [ -f "$root/bench/results/latest.md" ]; then
    readme="$root/bench/README.md"
    awk -v md="$root/bench/results/latest.md" '
        /<!-- latest:begin/ {
            print
            while ((getline line < md) > 0) {
                if (line ~ /^# /) continue       # the title: the README has its own
                if (line ~ /^##+ /) line = "#" line  # one level down, all of them
                print line
            }
            skip = 1
            next
        }
        /<!-- latest:end/ { skip = 0 }
        !skip { print }' "$readme" >"$readme.tmp" && mv "$readme.tmp" "$readme"
    echo "bench: bench/README.md now shows these results"
fi
if [ "$status" -eq 3 ]; then
    echo "bench: some rows disagreed or failed; see the table and the messages above" >&2
fi
# The work-precision benchmark after a full or quick run (not after a partial one).
if [ "$mode" = suite ] && [ "$name" != partial ]; then
    wp_status=0
    if [ "$name" = quick ]; then
        run_workprec --quick || wp_status=$?
    else
        run_workprec || wp_status=$?
    fi
    [ "$status" -ne 0 ] || status=$wp_status
fi
exit "$status"
