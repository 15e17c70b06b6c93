#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `mpirun -np K dqhost run` (K = 1, 2, 3; the extra cases on fewer K, as mpirun's start
# takes a second or two) gives the same bits as one process: final values,
# the summary (--json, wall-clock fields left out), trajectories (CSV, JSON, HDF5 through
# h5dump) and spike files, on HH (rk4, one current per unit), noisy HH (euler_maruyama with
# sigma, keyed by global unit), lif (events, a spike file) and lif with an error-controlled
# solver, a parameter sweep, and HH units all alike (their spikes at the same times on
# every rank). Then the failures: a unit going non-finite on rank 1 only stops every rank
# with one message naming the global unit, the same exit status, and no file under the
# final name; a spec error is said once; a rank killed with SIGKILL mid-run leaves no file
# under the final name and no rank hangs.
#   mpi_run.sh BUILD_DIR EXAMPLES_DIR
# As root, OpenMPI needs OMPI_ALLOW_RUN_AS_ROOT=1 and OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 (set
# here). Shared memory between ranks goes through vader without single-copy (CMA is often
# not allowed in containers).
set -euo pipefail
build=$1
examples=$2
dq=$build/dqhost
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_btl_vader_single_copy_mechanism=none OMPI_MCA_rmaps_base_oversubscribe=1
mpirun=(mpirun --oversubscribe --mca btl self,vader -q)
work=$(mktemp -d /tmp/dqhost-mpi-XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"
fail() {
    echo "FAIL $*"
    exit 1
}

# The --json summary without what depends on the clock, the host or the thread count.
summary() {
    python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
for k in ("wall_time_s", "steps_per_s", "unit_steps_per_s", "provenance"):
    d.pop(k, None)
print(json.dumps(d, sort_keys=True))' "$1"
}

# Files equal: HDF5 through h5dump (the file itself holds creation times).
same_file() {
    case $1 in
    *.h5) cmp -s <(h5dump "$1" | tail -n +2) <(h5dump "$2" | tail -n +2) ;;
    *) cmp -s "$1" "$2" ;;
    esac
}

# compare "K..." NAME OUTPUT SPIKES ARGS...: one process, then K ranks, must agree.
compare() {
    local ks=$1 name=$2 out=$3 spikes=$4
    shift 4
    local files=("$out") extra=()
    if [ "$spikes" != - ]; then
        files+=("$spikes")
        extra=(--spikes "$spikes")
    fi
    "$dq" run "$@" -o "$out" "${extra[@]}" --no-provenance --json >one.json 2>one.err ||
        fail "$name: one process: $(cat one.err)"
    for f in "${files[@]}"; do mv "$f" "one.$f"; done
    # HDF5: gathered to rank 0 and written by every rank (parallel HDF5), both.
    local runs=$ks
    case $out in *.h5) runs=$(for k in $ks; do echo "$k:gather $k:parallel"; done) ;; esac
    for run in $runs; do
        local k=${run%%:*} io=${run#*:}
        [ "$io" != "$run" ] || io=
        DQHOST_MPI_IO=$io "${mpirun[@]}" -np $k "$dq" run "$@" -o "$out" "${extra[@]}" \
            --no-provenance --json >mpi.json 2>mpi.err || fail "$name: -np $k: $(cat mpi.err)"
        [ "$(summary one.json)" = "$(summary mpi.json)" ] || {
            diff <(summary one.json | tr , '\n') <(summary mpi.json | tr , '\n') | head
            fail "$name: -np $k: the summary differs"
        }
        for f in "${files[@]}"; do
            same_file "one.$f" "$f" || fail "$name: -np $k: $f differs"
            rm -f "$f"
        done
        echo "ok $name -np $k${io:+ ($io)}"
    done
    for f in "${files[@]}"; do rm -f "one.$f"; done
}

# Blocks of 8 units, so that 2 and 3 ranks all get units.
compare "1 2 3" "hh rk4, one current per unit" hh.csv - "$examples/hh.json" --t-end 10 --block-units 8 \
    --param n=60 --units 0,7,8,30,59 --every 20 --param "I_ext=$(seq -s, 0 0.2 11.8)"
compare "1 2 3" "hh euler_maruyama, sigma" hh_noise.json - --model hh --solver euler_maruyama \
    --param n=45 --param sigma=3 --param I_ext=6 --dt 0.01 --t-end 10 --seed 7 --every 25 \
    --block-units 8
compare "1 2 3" "lif, HDF5 and a spike file" lif.h5 spikes.csv "$examples/lif.json" --t-end 60 \
    --block-units 8
compare "2 3" "hh rk4, HDF5 of units out of order" hh.h5 - "$examples/hh.json" --t-end 10 \
    --block-units 8 --param n=60 --units 59,0,8,7,30,9 --every 20 --param "I_ext=$(seq -s, 0 0.2 11.8)"
compare "2 3" "lif, dopri5 (error control, events)" lif_ad.csv spikes.json "$examples/lif.json" \
    --solver dopri5 --t-end 40 --block-units 8 --units 3,49,10,22
compare 3 "hh, equal spike times on every rank" hh_tie.csv spikes_tie.csv --model hh --solver rk4 \
    --param n=24 --param I_ext=10 --dt 0.01 --t-end 30 --every 100 --block-units 8
# A cable model: cells are the units (every rank holds whole cells of one morphology).
compare "1 2 3" "cell, ball and stick (cable)" cell.csv spikes_cell.csv \
    "$examples/ball_and_stick.json" --param n=20 --t-end 8 --block-units 8 --units 0,7,8,19
cat >sweep.json <<'EOF'
{"model": "hh", "solver": "euler_maruyama", "dt": 0.01, "t_end": 5, "seed": 4,
 "sweep": [{"parameter": "I_ext", "linspace": [0, 20], "n": 7},
           {"parameter": "sigma", "values": [0.5, 1, 2]}], "record": {"every": 50}}
EOF
compare "2 3" "a sweep (I_ext x sigma, noisy)" sweep.csv - sweep.json --block-units 8
compare 3 "ou, more ranks than blocks" ou.csv - --model ou --solver euler_maruyama --param n=5 \
    --param sigma=0.5 --dt 0.01 --t-end 2 --seed 3

# A unit of rank 1 only goes non-finite: one message naming the global unit, exit status 1,
# the trajectory kept as .partial and nothing under the final name, whatever K.
python3 -c '
import json
I = [5.0] * 40
I[30] = 1e12
json.dump({"model": "hh", "params": {"n": 40, "I_ext": I}, "solver": "rk4", "dt": 0.01,
           "t_end": 50, "record": {"every": 5}, "output": {"path": "fail.csv"}},
          open("fail.json", "w"))'
set +e
"$dq" run fail.json --block-units 8 --no-provenance 2>one.err
rc1=$?
set -e
[ $rc1 = 1 ] || fail "non-finite: one process exits $rc1"
want=$(head -1 one.err)
case $want in *"of unit 30 became infinite"*) ;; *) fail "non-finite: one process says: $want" ;; esac
rm -f fail.csv.partial
for k in 1 2 3; do
    set +e
    timeout 60 "${mpirun[@]}" -np $k "$dq" run fail.json --block-units 8 --no-provenance \
        2>mpi.err >/dev/null
    rc=$?
    set -e
    [ $rc = 1 ] || fail "non-finite: -np $k exits $rc: $(cat mpi.err)"
    [ "$(grep -c '^dqhost: error:' mpi.err)" = 1 ] || fail "non-finite: -np $k: $(cat mpi.err)"
    [ "$(grep '^dqhost: error:' mpi.err)" = "$want" ] || fail "non-finite: -np $k: $(cat mpi.err)"
    [ ! -e fail.csv ] || fail "non-finite: -np $k left fail.csv"
    [ -e fail.csv.partial ] || fail "non-finite: -np $k kept no fail.csv.partial"
    rm -f fail.csv.partial
    echo "ok non-finite on one rank -np $k"
done

# The same with every rank writing one HDF5 file: the .partial is a valid file.
set +e
DQHOST_MPI_IO=parallel timeout 60 "${mpirun[@]}" -np 2 "$dq" run fail.json -o fail.h5 \
    --block-units 8 --no-provenance 2>mpi.err >/dev/null
rc=$?
set -e
[ $rc = 1 ] || fail "non-finite, parallel HDF5: exits $rc: $(cat mpi.err)"
[ "$(grep '^dqhost: error:' mpi.err)" = "$want" ] || fail "non-finite, parallel HDF5: $(cat mpi.err)"
[ ! -e fail.h5 ] || fail "non-finite, parallel HDF5: left fail.h5"
h5dump -d t fail.h5.partial >/dev/null || fail "non-finite, parallel HDF5: fail.h5.partial unreadable"
rm -f fail.h5.partial
echo "ok non-finite on one rank, parallel HDF5 -np 2"

# A DQHOST_MPI_IO that is neither gather nor parallel is a usage error, said once (exit 2).
set +e
DQHOST_MPI_IO=paralel timeout 60 "${mpirun[@]}" -np 2 "$dq" run fail.json -o bad.h5 \
    --block-units 8 2>mpi.err >/dev/null
rc=$?
set -e
[ $rc = 2 ] || fail "DQHOST_MPI_IO=paralel: exits $rc: $(cat mpi.err)"
[ "$(grep -c "DQHOST_MPI_IO is 'paralel'; it must be 'gather' or 'parallel'" mpi.err)" = 1 ] ||
    fail "DQHOST_MPI_IO=paralel: $(cat mpi.err)"
[ ! -e bad.h5 ] || fail "DQHOST_MPI_IO=paralel: left bad.h5"
echo "ok a bad DQHOST_MPI_IO said once, exit 2"

# The same unit makes dopri5's step fall below hmin: the error-controlled run stops alike.
set +e
"$dq" run fail.json --solver dopri5 --hmin 1e-4 --block-units 8 --no-provenance 2>one.err
rc1=$?
timeout 60 "${mpirun[@]}" -np 2 "$dq" run fail.json --solver dopri5 --hmin 1e-4 --block-units 8 \
    --no-provenance 2>mpi.err >/dev/null
rc=$?
set -e
want=$(head -1 one.err)
case $want in *"step size of unit 30 fell to"*) ;; *) fail "hmin: one process says: $want" ;; esac
[ $rc1 = 1 ] && [ $rc = 1 ] || fail "hmin: exit $rc1 and $rc"
[ "$(grep '^dqhost: error:' mpi.err)" = "$want" ] || fail "hmin: -np 2: $(cat mpi.err)"
[ ! -e fail.csv ] || fail "hmin: -np 2 left fail.csv"
rm -f fail.csv.partial
echo "ok adaptive step failure on one rank -np 2"

# A spec error: said once, exit status 2, on every K.
echo '{"model": "hh", "solver": "rk4", "dt": 0.01, "t_end": 1, "bogus": 1}' >bad.json
for k in 2 3; do
    set +e
    timeout 60 "${mpirun[@]}" -np $k "$dq" run bad.json 2>mpi.err >/dev/null
    rc=$?
    set -e
    [ $rc = 2 ] || fail "spec error: -np $k exits $rc"
    [ "$(grep -c "bogus: unknown key" mpi.err)" = 1 ] || fail "spec error: -np $k: $(cat mpi.err)"
done
echo "ok spec error said once"

# SIGKILL to rank 1 mid-run: mpirun ends the job at once, no file under the final name.
"${mpirun[@]}" -np 2 "$dq" run --model hh --solver rk4 --param n=2000 --dt 0.01 \
    --t-end 100000 -o kill.csv --every 1000 --block-units 8 >/dev/null 2>kill.err &
launcher=$!
ranks=""
for _ in $(seq 100); do
    ranks=$(pgrep -P $launcher -f "dqhost run" || true)
    [ "$(echo $ranks | wc -w)" = 2 ] && ls kill.csv.tmp.* >/dev/null 2>&1 && break
    sleep 0.1
done
[ "$(echo $ranks | wc -w)" = 2 ] || fail "kill: the ranks did not start: $(cat kill.err)"
sleep 0.5
kill -9 "$(echo $ranks | awk '{print $2}')"
start=$SECONDS
set +e
wait $launcher
rc=$?
set -e
[ $rc != 0 ] || fail "kill: mpirun exits 0"
[ $((SECONDS - start)) -lt 30 ] || fail "kill: the job took $((SECONDS - start)) s to end"
[ ! -e kill.csv ] || fail "kill: kill.csv exists"
# Rank 0, signalled by mpirun, normally keeps kill.csv.partial; if mpirun's SIGKILL comes
# first, its temporary file stays: either way nothing under the final name.
kept=$(ls kill.csv.partial kill.csv.tmp.* 2>/dev/null | tr '\n' ' ' || true)
echo "ok rank killed: no kill.csv (mpirun exit $rc; left: ${kept:-nothing})"
