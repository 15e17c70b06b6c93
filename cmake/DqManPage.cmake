# SPDX-License-Identifier: MIT
# Makes the manual page from man/dqhost.1.in and the --help texts (core/cli/help/*.txt),
# the same files the CLI prints, so `man dqhost` and `--help` cannot drift.
#   cmake -DIN=dqhost.1.in -DOUT=dqhost.1 -DHELP_DIR=core/cli/help -DVERSION=x.y.z
#         -DPLUGINDIR=/usr/lib/dqhost/plugins -P DqManPage.cmake
# Each text goes in a no-fill block as printed; roff's specials are escaped.
function(dq_help_roff name outvar)
  file(READ "${HELP_DIR}/${name}.txt" _t)
  string(REPLACE "@DQ_INSTALL_PLUGINDIR@" "${PLUGINDIR}" _t "${_t}")
  string(REPLACE "\\" "\\e" _t "${_t}")
  string(REPLACE "-" "\\-" _t "${_t}")
  # A line starting with . or ' would be a request.
  string(REGEX REPLACE "(^|\n)([.'])" "\\1\\\\&\\2" _t "${_t}")
  set(${outvar} ".nf\n${_t}.fi" PARENT_SCOPE)
endfunction()

dq_help_roff(main DQ_MAN_MAIN)
set(DQ_MAN_COMMANDS "")
foreach(_cmd list models info run check plot morph)
  dq_help_roff(${_cmd} _roff)
  string(APPEND DQ_MAN_COMMANDS ".SS ${_cmd}\n${_roff}\n")
endforeach()
set(DQ_VERSION "${VERSION}")
set(DQ_PLUGINDIR "${PLUGINDIR}")
string(REPLACE "-" "\\-" DQ_PLUGINDIR_ROFF "${PLUGINDIR}")
configure_file("${IN}" "${OUT}" @ONLY)
