# SPDX-License-Identifier: MIT
# Turns the --help texts (core/cli/help/NAME.txt, plain text exactly as printed) into C
# string constants DQ_HELP_NAME, so the usage functions and the manual page share one source.
#   cmake -DOUT=help_text.h -DHELP_DIR=core/cli/help -DNAMES=main:run -P DqHelpHeader.cmake
# @DQ_INSTALL_PLUGINDIR@ in a text becomes the C macro of that name.
set(_out "/* Generated from the texts in core/cli/help by cmake/DqHelpHeader.cmake: edit those. */\n")
string(APPEND _out "#ifndef DQ_HELP_TEXT_H\n#define DQ_HELP_TEXT_H\n")
string(REPLACE ":" ";" _names "${NAMES}")
foreach(_n IN LISTS _names)
  string(TOUPPER "${_n}" _name)
  file(READ "${HELP_DIR}/${_n}.txt" _t)
  string(REPLACE "\\" "\\\\" _t "${_t}")
  string(REPLACE "\"" "\\\"" _t "${_t}")
  string(REPLACE "\t" "\\t" _t "${_t}")
  string(REPLACE "\n" "\\n\"\n    \"" _t "${_t}")
  string(REPLACE "@DQ_INSTALL_PLUGINDIR@" "\" DQ_INSTALL_PLUGINDIR \"" _t "${_t}")
  string(APPEND _out "\nstatic const char DQ_HELP_${_name}[] =\n    \"${_t}\";\n")
endforeach()
string(APPEND _out "\n#endif\n")
# Rewrite only on change, so an unchanged text does not rebuild the CLI.
set(_old "")
if(EXISTS "${OUT}")
  file(READ "${OUT}" _old)
endif()
if(NOT _old STREQUAL _out)
  file(WRITE "${OUT}" "${_out}")
endif()
