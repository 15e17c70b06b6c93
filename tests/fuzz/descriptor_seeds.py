#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes the hand-made seeds of fuzz_descriptor into corpus/descriptor/.

Each seed is the byte program fuzz_descriptor.c reads (see rd_integrator and rd_model
there); the names below spell it out. Run from anywhere; the corpus is committed, so this
is needed only when the reader in fuzz_descriptor.c changes."""
import os
import re

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = open(os.path.join(HERE, "fuzz_descriptor.c"), encoding="utf-8").read()
# The dictionary of fuzz_descriptor.c, so a word's index follows the C table.
DICT = re.findall(r'"((?:[^"\\]|\\.)*)"', re.search(r"dict\[\] = \{(.*?)\};", SRC, re.S).group(1))


def word(w):  # a dictionary string
    return bytes([DICT.index(w) + 1])


def raw(s):  # a raw string of up to 63 bytes
    b = s.encode() if isinstance(s, str) else s
    return bytes([0x80 | len(b)]) + b


NULL = b"\0"
HOST = b"\0"  # this host's ABI header


def special(i):  # the i-th of rd_double's special values (0, -0, 1, -1, 0.5, 2, ...)
    return bytes([i << 2])


def integrator(name, aliases=(), category="explicit", step=True, options=(), origin=None):
    b = bytes([0 | (2 if origin else 0)]) + (raw(origin) if origin else b"")
    b += HOST + name + (bytes([8 | len(aliases)]) + b"".join(aliases) if aliases else NULL)
    b += word(category) + b"\x04" + raw("a test solver") + b"\0\0" + (b"\1" if step else b"\0")
    b += b"\4\0\0\0"  # scratch and state vectors, no init, no reset
    b += bytes([0x80 | len(options)]) + b"".join(options) if options else NULL
    return b


def option(name, default, lo, hi, flags=0):
    return name + default + NULL + lo + hi + bytes([flags])


def state(name, unit=NULL, flags=0):
    return name + unit + NULL + bytes([flags])


def module(name, parent, states, reads=(), solver=NULL, deriv=True):
    b = HOST + name + bytes([parent + 2]) + bytes([len(states)]) + b"".join(states)
    b += bytes([8 | len(reads)]) + b"".join(reads) if reads else NULL
    b += solver + b"\0\0" + b"\0\0" + (b"\1" if deriv else b"\0") + b"\0" * 4
    return b


def model(name, params, modules, data_size=0, origin=None, params_null_count=None):
    b = bytes([1 | (2 if origin else 0)]) + (raw(origin) if origin else b"")
    b += HOST + name + raw("a test model")
    if params_null_count is not None:
        b += bytes([0x80 | params_null_count])
    else:
        b += bytes([len(params)]) + b"".join(params)
    b += bytes([0x80 | len(modules)]) + b"".join(modules) if modules is not None else NULL
    return b + b"\0" + bytes([data_size]) + word("ms")


def param(name, default, flags, offset):
    return name + default + NULL + NULL + bytes([flags]) + b"\0" + bytes([offset])


POP = param(word("n"), special(2), 0x0A, 0)  # population, integer, default 1
SEEDS = {
    "integrator_valid": integrator(
        word("rk4"), aliases=(word("x"),),
        options=(option(word("tol"), special(2), special(0), special(5)),
                 option(word("newton_tol"), special(5), special(0), special(5), 1))),
    "integrator_clash_and_override": integrator(word("euler")) + integrator(word("fe")),
    "integrator_bad_category": integrator(raw("ok"), category="explicitt"),
    "integrator_no_step": integrator(raw("nostep"), step=False, origin="/p/x.so"),
    "model_valid_two_modules": model(
        raw("hh2"), [POP, param(word("V"), special(3), 0, 8)],
        [module(NULL, -1, [state(word("V"), word("mV")), state(word("m"))]),
         module(word("gates"), 0, [state(word("h"))], reads=(word("V"),), solver=word("rk4"))],
        data_size=16),
    "model_params_null": model(raw("bad"), [], [module(NULL, -1, [state(word("x"))])],
                               params_null_count=3),
    "model_modules_null": model(raw("nomods"), [POP], None, origin="/p/m.so"),
    "model_reads_unknown": model(
        raw("reads"), [POP],
        [module(NULL, -1, [state(word("x"))], reads=(word("h"),)),
         module(word("gates"), 0, [state(word("y"), flags=2)], deriv=False)]),
}

out = os.path.join(HERE, "corpus", "descriptor")
os.makedirs(out, exist_ok=True)
for name, data in SEEDS.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
