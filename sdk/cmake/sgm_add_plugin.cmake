# sgm_add_plugin(NAME SOURCES src... [LIBRARIES lib...] [OUTPUT_DIRECTORY dir] [NO_INSTALL])
#
# Builds a plugin library the sgm host can load: a MODULE named sgm_<NAME>.so, position
# independent, C++20, every symbol hidden except the entry point, linked to sgm::sdk only.
function(sgm_add_plugin name)
  cmake_parse_arguments(ARG "NO_INSTALL" "OUTPUT_DIRECTORY" "SOURCES;LIBRARIES" ${ARGN})
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "sgm_add_plugin(${name}): SOURCES is required")
  endif()
  set(target sgm_plugin_${name})
  add_library(${target} MODULE ${ARG_SOURCES})
  target_link_libraries(${target} PRIVATE sgm::sdk ${ARG_LIBRARIES})
  target_compile_features(${target} PRIVATE cxx_std_20)
  if(NOT ARG_OUTPUT_DIRECTORY AND DEFINED SGM_PLUGIN_OUTPUT_DIR)
    set(ARG_OUTPUT_DIRECTORY "${SGM_PLUGIN_OUTPUT_DIR}")
  endif()
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    OUTPUT_NAME "sgm_${name}"
    POSITION_INDEPENDENT_CODE ON
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  if(ARG_OUTPUT_DIRECTORY)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY "${ARG_OUTPUT_DIRECTORY}")
  endif()
  if(NOT ARG_NO_INSTALL)
    if(NOT DEFINED SGM_PLUGIN_INSTALL_DIR)
      set(SGM_PLUGIN_INSTALL_DIR "lib/sgm/plugins")
    endif()
    install(TARGETS ${target} LIBRARY DESTINATION "${SGM_PLUGIN_INSTALL_DIR}")
  endif()
endfunction()
