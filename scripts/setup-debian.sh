#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs the Debian packages dqhost needs to build and test, only those missing.
# Run as root (or with sudo available) on Debian 12.
set -euo pipefail

# librandom123-dev: the header-only Philox generator behind the noise (core/driver/noise.c).
# libhdf5-dev: HDF5 trajectories (core/io/record_h5.c); hdf5-tools (h5dump) and python3-h5py
# let the tests read them back.
# clang and its runtime libraries (libFuzzer, only recommended by clang) build the fuzz targets.
# gnuplot-nox draws `dqhost plot` pictures (tests/check_plot.c).
packages=(gcc g++ make cmake pkg-config libltdl-dev libjansson-dev check librandom123-dev clang-format clang
          libclang-rt-14-dev gnuplot-nox libhdf5-dev hdf5-tools python3-h5py)
# man-db (with groff-base) renders the manual page in tests/man_completion.sh.
packages+=(man-db groff-base)
# OpenMPI for the MPI build (-DDQ_MPI=ON) and its tests (tests/mpi/, mpirun); that build links
# the OpenMPI build of HDF5 (every rank writing one file, DQHOST_MPI_IO=parallel).
packages+=(libopenmpi-dev openmpi-bin libhdf5-openmpi-dev)
# NEURON 8.2 (python3-neuron) is the reference tests/morph_neuron.sh holds our morphologies and
# the Hines solver against (its Import3d, areas, axial resistances and a passive cell's voltages).
packages+=(python3-neuron)

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

echo "setup: installing ${missing[*]}" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then
    sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
