// SPDX-License-Identifier: MIT
// headers.cpp -- the public headers compiled as C++.
#include "headers.c"
