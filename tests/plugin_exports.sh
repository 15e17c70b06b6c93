#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Every plugin in DIR exports exactly one dynamic symbol of ours: dq_plugin_entry.
#   plugin_exports.sh DIR
set -u
dir=$1
status=0
count=0
for so in "$dir"/*.so; do
    [ -e "$so" ] || continue
    count=$((count + 1))
    syms=$(nm -D --defined-only "$so" | awk '{print $3}' | sort | tr '\n' ' ')
    if [ "$syms" != "dq_plugin_entry " ]; then
        echo "FAIL $so exports: $syms"
        status=1
    else
        echo "ok   $so"
    fi
done
if [ "$count" -eq 0 ]; then
    echo "FAIL no plugins in $dir"
    status=1
fi
exit $status
