#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs the project into a temporary prefix and checks the manual page and the bash
# completion there: the page renders (with man, else groff, else at least its structure),
# holds every command's --help text line for line as the installed dqhost prints it, and
# the completion offers commands, flags, solver and model names (also from --plugins DIR).
#   man_completion.sh BUILD_DIR
set -euo pipefail
build=$1
prefix=$(mktemp -d /tmp/dqhost-man-XXXXXX)
trap 'rm -rf "$prefix"' EXIT
fail() { echo "FAIL $*"; exit 1; }

cmake --install "$build" --prefix "$prefix/usr" >/dev/null
page=$prefix/usr/share/man/man1/dqhost.1
comp=$prefix/usr/share/bash-completion/completions/dqhost
dq=$prefix/usr/bin/dqhost
test -f "$page" || fail "no $page"
test -f "$comp" || fail "no $comp"

grep -q '^\.TH DQHOST 1' "$page" || fail "no .TH in the page"
for cmd in list models info run check plot morph; do
    grep -q "^\.SS $cmd\$" "$page" || fail "no section for $cmd"
done
for sec in NAME SYNOPSIS DESCRIPTION COMMANDS "EXIT STATUS" ENVIRONMENT FILES "SEE ALSO"; do
    grep -q "^\.SH \"\\?$sec\"\\?\$" "$page" || fail "no $sec section"
done

render=""
if command -v man >/dev/null; then
    render="man"
    out=$(LC_ALL=C MANWIDTH=200 man --warnings -l "$page" 2>"$prefix/warn")
elif command -v groff >/dev/null; then
    render="groff"
    out=$(LC_ALL=C groff -man -Tascii -ww -rLL=200n "$page" 2>"$prefix/warn")
fi
if [ -n "$render" ]; then
    if [ -s "$prefix/warn" ]; then
        cat "$prefix/warn"
        fail "$render warns about the page"
    fi
    # Overstrike bold and underline (x\bx, _\bx) to plain text.
    out=$(printf '%s\n' "$out" | sed 's/.\x08//g' | expand)
    # Every non-empty line of each --help, as the installed binary prints it, is a line of
    # the rendered page (indented): the page and --help come from one source.
    for args in "--help" "list --help" "models --help" "info --help" "run --help" \
                "check --help" "morph --help"; do
        # shellcheck disable=SC2086
        while IFS= read -r line; do
            [ -n "$line" ] || continue
            grep -qxF "       $line" <<<"$out" ||
                fail "dqhost $args line not in the page: '$line'"
        done < <("$dq" $args)
    done
    echo "ok   man page renders with $render and holds every --help"
else
    echo "ok   man page structure (neither man nor groff installed)"
fi

# The names-only listing behind the completion.
solvers=$("$dq" list --names solvers)
models=$("$dq" list --names models)
grep -qx rk4 <<<"$solvers" || fail "list --names solvers has no rk4"
grep -qx em <<<"$solvers" || fail "list --names solvers has not the alias em"
grep -qx hh <<<"$models" || fail "list --names models has no hh"
grep -qx rk4 <<<"$models" && fail "a solver among the models"
[ -z "$(sort <<<"$solvers" | uniq -d)" ] || fail "a name twice in list --names solvers"
rc=0; "$dq" list --names bogus 2>/dev/null || rc=$?
[ "$rc" = 2 ] || fail "list --names bogus exited $rc, not 2"
rc=0; "$dq" list --json --names models >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "list --json --names exited $rc, not 2"

# Completion, sourced in a bash that finds the installed dqhost.
mkdir -p "$prefix/extra"
cp "$build/tests/fixtures/model_good.so" "$prefix/extra/"
PATH="$prefix/usr/bin:$PATH" bash -c '
set -u
source "$1"
extra=$2
t() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=(); _dqhost; }
has() { local w; for w in "${COMPREPLY[@]}"; do [ "$w" = "$1" ] && return 0; done; return 1; }
fail() { echo "FAIL completion of [${COMP_WORDS[*]}]: ${COMPREPLY[*]} ($1)"; exit 1; }
t dqhost run --solver r
for s in rk4 rk2 rk3 ralston2; do has $s || fail "no $s"; done
has euler && fail "euler does not start with r"
t dqhost run --solver=r;         has rk4 || fail "no rk4 after --solver="
t dqhost ru;                     [ "${COMPREPLY[*]}" = run ] || fail "not just run"
t dqhost info do;                has dopri5 || fail "no dopri5"
t dqhost info ""
has hh || fail "no model hh"
has rk4 || fail "no solver rk4"
t dqhost run --model h;          has hh || fail "no hh"
t dqhost run --format "";        has csv && has json || fail "no csv and json"
t dqhost run --f;                has --format && has --fixed-step || fail "no run flags"
t dqhost run --dt "";            [ ${#COMPREPLY[@]} = 0 ] || fail "a value of --dt offered"
t dqhost --n;                    has --no-scan-cache || fail "no global flag"
t dqhost check --t;              has --timeout || fail "no --timeout"
t dqhost mor;                    [ "${COMPREPLY[*]}" = morph ] || fail "not just morph"
t dqhost morph --seg;            has --seg-length || fail "no morph flags"
t dqhost morph --nseg "";        [ ${#COMPREPLY[@]} = 0 ] || fail "a value of --nseg offered"
t dqhost list --names "";        has solvers && has models || fail "no solvers/models"
t dqhost run --st;               has --stim || fail "no --stim"
t dqhost run --v;                has --v-init || fail "no --v-init"
t dqhost run --discretisation n; [ "${COMPREPLY[*]}" = nseg: ] || fail "not just nseg:"
t dqhost run --Ra "";            [ ${#COMPREPLY[@]} = 0 ] || fail "a value of --Ra offered"
t dqhost run --stim "";          [ ${#COMPREPLY[@]} = 0 ] || fail "a value of --stim offered"
t dqhost run --model fix;        [ ${#COMPREPLY[@]} = 0 ] || fail "fixture model without --plugins"
t dqhost --plugins "$extra" run --model fix
has fixture_model_good || fail "--plugins DIR not honoured"
t dqhost "--plugins=$extra" info fix
has fixture_model_good || fail "--plugins=DIR not honoured"
echo "ok   completion: commands, flags, solvers, models, cable flags, --plugins"
' bash "$comp" "$prefix/extra"
