# SPDX-License-Identifier: MIT
# dq_add_plugin(<target> SOURCES <src>... [KIND solver|model]
#               [OUTPUT_DIRECTORY <dir>] [NO_INSTALL] [ALLOW_UNDEFINED] [SIMD])
#
# Builds a dqhost plugin: a MODULE library named <target>.so (no "lib" prefix), compiled
# with hidden visibility, linked with -Wl,-z,defs (a plugin may not depend on symbols it
# does not link: it never links libdqcore) and a version script that exports only
# dq_plugin_entry. Built into ${PROJECT_BINARY_DIR}/plugins unless OUTPUT_DIRECTORY is
# given; installed into the dqhost plugin directory unless NO_INSTALL is given. Sources may be
# C or C++ (a C++ source needs the CXX language enabled: project(... LANGUAGES C CXX)).
# ALLOW_UNDEFINED drops -z defs (only test fixtures that must fail to load want that).
# SIMD (GCC on x86-64 with glibc's libmvec) compiles with -fopenmp-simd -fno-math-errno
# -fno-trapping-math -DDQ_SIMD=1 and links libmvec, so loops marked DQ_SIMD_LOOP in
# <dq/simd.h> call vector exp; elsewhere it does nothing.
#
# The same file is installed with the SDK for third-party plugins.
include_guard(GLOBAL)

set(_DQ_ADD_PLUGIN_DIR "${CMAKE_CURRENT_LIST_DIR}")

function(dq_add_plugin target)
  cmake_parse_arguments(ARG "NO_INSTALL;ALLOW_UNDEFINED;SIMD" "KIND;OUTPUT_DIRECTORY;OUTPUT_NAME"
                        "SOURCES" ${ARGN})
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "dq_add_plugin(${target}): SOURCES is required")
  endif()
  if(ARG_KIND AND NOT ARG_KIND MATCHES "^(solver|model)$")
    message(FATAL_ERROR "dq_add_plugin(${target}): KIND must be solver or model")
  endif()
  if(NOT ARG_OUTPUT_DIRECTORY)
    if(DEFINED PROJECT_BINARY_DIR)
      set(ARG_OUTPUT_DIRECTORY "${PROJECT_BINARY_DIR}/plugins")
    else()
      set(ARG_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}/plugins")
    endif()
  endif()

  add_library(${target} MODULE ${ARG_SOURCES})
  target_link_libraries(${target} PRIVATE dqhost::sdk)
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    C_VISIBILITY_PRESET hidden
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    LIBRARY_OUTPUT_DIRECTORY "${ARG_OUTPUT_DIRECTORY}")
  if(ARG_OUTPUT_NAME)
    set_target_properties(${target} PROPERTIES OUTPUT_NAME "${ARG_OUTPUT_NAME}")
  endif()
  set(_map "${_DQ_ADD_PLUGIN_DIR}/dq_plugin.map")
  target_link_options(${target} PRIVATE "LINKER:--version-script=${_map}")
  set_property(TARGET ${target} APPEND PROPERTY LINK_DEPENDS "${_map}")
  if(NOT ARG_ALLOW_UNDEFINED)
    target_link_options(${target} PRIVATE "LINKER:-z,defs")
    # -z defs needs libm and libc named explicitly when a plugin uses them.
    target_link_libraries(${target} PRIVATE m)
  endif()
  if(ARG_SIMD AND CMAKE_C_COMPILER_ID STREQUAL "GNU"
     AND CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
    find_library(DQ_MVEC_LIBRARY mvec)
    if(DQ_MVEC_LIBRARY)
      target_compile_options(${target} PRIVATE -fopenmp-simd -fno-math-errno
                             -fno-trapping-math)
      target_compile_definitions(${target} PRIVATE DQ_SIMD=1)
      target_link_libraries(${target} PRIVATE ${DQ_MVEC_LIBRARY})
    endif()
  endif()
  if(ARG_KIND)
    set_property(GLOBAL APPEND PROPERTY DQ_PLUGIN_TARGETS ${target})
  endif()
  if(NOT ARG_NO_INSTALL)
    if(NOT DEFINED DQ_PLUGIN_INSTALL_DIR)
      include(GNUInstallDirs)
      set(DQ_PLUGIN_INSTALL_DIR "${CMAKE_INSTALL_LIBDIR}/dqhost/plugins")
    endif()
    install(TARGETS ${target} LIBRARY DESTINATION "${DQ_PLUGIN_INSTALL_DIR}")
  endif()
endfunction()
