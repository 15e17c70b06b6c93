# SPDX-License-Identifier: MIT
# Sourced by the tests that run NEURON (morph_neuron.sh, cable_neuron.sh): sets py to a
# python3 that imports NEURON's module, or skips the test (exit 77, CTest's SKIP_RETURN_CODE)
# when none does.
py=""
for p in python3 /usr/bin/python3; do
    if "$p" -c 'import neuron' >/dev/null 2>&1; then
        py=$p
        break
    fi
done
if [ -z "$py" ]; then
    echo "skip: NEURON's python module is not installed (Debian: python3-neuron)"
    exit 77
fi
