# SPDX-License-Identifier: MIT
# Installs the SDK for third parties: the CMake package, pkg-config files, dq_add_plugin().
include(CMakePackageConfigHelpers)

set(DQ_CMAKE_INSTALL_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/dqhost")
set_target_properties(dq_sdk PROPERTIES EXPORT_NAME sdk)
set_target_properties(dq_core PROPERTIES EXPORT_NAME core)
install(TARGETS dq_sdk dq_core EXPORT dqhostTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT dqhostTargets NAMESPACE dqhost:: DESTINATION ${DQ_CMAKE_INSTALL_DIR})

configure_package_config_file(
  "${PROJECT_SOURCE_DIR}/cmake/dqhostConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/dqhostConfig.cmake"
  INSTALL_DESTINATION ${DQ_CMAKE_INSTALL_DIR}
  PATH_VARS DQ_PLUGIN_INSTALL_DIR)
write_basic_package_version_file(
  "${PROJECT_BINARY_DIR}/dqhostConfigVersion.cmake"
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES "${PROJECT_BINARY_DIR}/dqhostConfig.cmake"
              "${PROJECT_BINARY_DIR}/dqhostConfigVersion.cmake"
              "${PROJECT_SOURCE_DIR}/cmake/DqAddPlugin.cmake"
              "${PROJECT_SOURCE_DIR}/cmake/dq_plugin.map"
        DESTINATION ${DQ_CMAKE_INSTALL_DIR})

# pkg-config files locate the prefix from their own directory, so an installation can be
# moved (or made with `cmake --install --prefix`) without editing them.
file(RELATIVE_PATH DQ_PC_TO_PREFIX "${CMAKE_INSTALL_FULL_LIBDIR}/pkgconfig"
     "${CMAKE_INSTALL_PREFIX}")
string(REGEX REPLACE "/$" "" DQ_PC_TO_PREFIX "${DQ_PC_TO_PREFIX}")
foreach(_pc dqhost-sdk dqhost)
  configure_file("${PROJECT_SOURCE_DIR}/cmake/${_pc}.pc.in" "${PROJECT_BINARY_DIR}/${_pc}.pc"
                 @ONLY)
  install(FILES "${PROJECT_BINARY_DIR}/${_pc}.pc"
          DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endforeach()
