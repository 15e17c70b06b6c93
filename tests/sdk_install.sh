#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs the project into a temporary prefix, builds the out-of-tree tutorial_euler
# example against it twice (CMake package, and one cc line with pkg-config), and checks
# that the installed dqhost runs it and gets the built-in euler's result bit for bit.
#   sdk_install.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1
src=$2
cc=${CC:-cc}
prefix=$(mktemp -d /tmp/dqhost-sdk-XXXXXX)
trap 'rm -rf "$prefix"' EXIT

cmake --install "$build" --prefix "$prefix/usr" >/dev/null
test -x "$prefix/usr/bin/dqhost"
ls "$prefix"/usr/lib*/libdqcore.so.0 >/dev/null
ls "$prefix"/usr/lib*/dqhost/plugins/euler.so >/dev/null
test -f "$prefix/usr/include/dq/dq.h"

# 1. CMake: find_package(dqhost) and dq_add_plugin().
cmake -S "$src/sdk/examples/tutorial_euler" -B "$prefix/example-build" \
      -DCMAKE_PREFIX_PATH="$prefix/usr" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$prefix/example-build" >/dev/null
mkdir -p "$prefix/cmake-plugins"
cp "$prefix/example-build/plugins/tutorial_euler.so" "$prefix/cmake-plugins/"

# 2. One cc command with pkg-config.
pcdir=$(dirname "$(ls "$prefix"/usr/lib*/pkgconfig/dqhost-sdk.pc)")
mkdir -p "$prefix/cc-plugins"
# shellcheck disable=SC2046
"$cc" -std=c11 -Wall -Wextra -fPIC -shared -fvisibility=hidden \
    $(PKG_CONFIG_PATH="$pcdir" pkg-config --cflags dqhost-sdk) \
    "$src/sdk/examples/tutorial_euler/tutorial_euler.c" -o "$prefix/cc-plugins/tutorial_euler.so"
plugindir=$(PKG_CONFIG_PATH="$pcdir" pkg-config --variable=plugindir dqhost-sdk)
test -f "$plugindir/euler.so"

final() { sed -n '/"y": \[/{n;p}' | tr -d ' ,'; }
ref=$("$prefix/usr/bin/dqhost" run --model decay --solver euler --dt 0.05 --t-end 10 --json | final)
for dir in cmake-plugins cc-plugins; do
    got=$("$prefix/usr/bin/dqhost" --plugins "$prefix/$dir" run --model decay --solver tut_euler \
          --dt 0.05 --t-end 10 --json | final)
    if [ "$got" != "$ref" ] || [ -z "$got" ]; then
        echo "FAIL $dir: tut_euler gave '$got', built-in euler '$ref'"
        exit 1
    fi
    echo "ok   $dir: tut_euler = euler = $got"
    nm -D --defined-only "$prefix/$dir/tutorial_euler.so" | grep -q ' dq_plugin_entry$'
done
test "$ref" = "0.36695782172616737"
"$prefix/usr/bin/dqhost" --plugins "$prefix/cc-plugins" info tut_euler | grep -q "tutorial_euler"

# 3. The SDE tutorial: its Euler-Maruyama gives the built-in's bits on noisy OU, because the
# host, not the plugin, makes the noise.
cmake -S "$src/sdk/examples/tutorial_em" -B "$prefix/em-build" \
      -DCMAKE_PREFIX_PATH="$prefix/usr" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$prefix/em-build" >/dev/null
xs() { sed -n '/"x": \[/,/\]/p' | tr -d ' \n'; }
ref=$("$prefix/usr/bin/dqhost" run --model ou --solver em --dt 0.01 --t-end 1 --param n=20 \
      --seed 3 --json | xs)
got=$("$prefix/usr/bin/dqhost" --plugins "$prefix/em-build/plugins" run --model ou \
      --solver tut_em --dt 0.01 --t-end 1 --param n=20 --seed 3 --json | xs)
if [ "$got" != "$ref" ] || [ -z "$got" ]; then
    echo "FAIL tut_em gave '$got', built-in em '$ref'"
    exit 1
fi
echo "ok   tut_em = em on noisy ou (20 units)"
echo "sdk install: 3 builds ok"
