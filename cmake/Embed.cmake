# devlog_embed(OUTPUT file.cpp FUNCTION name BASE dir FILES a.sql b.sql ...)
# Generates a C++ source defining
#   std::span<const devlog::EmbeddedFile> devlog::embedded::<name>()
# holding each file's path relative to BASE and its bytes, regenerated when any file changes.
set(DEVLOG_EMBED_SCRIPT "${CMAKE_CURRENT_LIST_DIR}/EmbedFiles.cmake")
function(devlog_embed)
  cmake_parse_arguments(E "" "OUTPUT;FUNCTION;BASE" "FILES" ${ARGN})
  list(SORT E_FILES)
  string(REPLACE ";" "|" files_arg "${E_FILES}")
  add_custom_command(
    OUTPUT "${E_OUTPUT}"
    COMMAND ${CMAKE_COMMAND} "-DOUTPUT=${E_OUTPUT}" "-DFUNCTION=${E_FUNCTION}" "-DBASE=${E_BASE}"
            "-DFILES=${files_arg}" -P "${DEVLOG_EMBED_SCRIPT}"
    DEPENDS ${E_FILES} "${DEVLOG_EMBED_SCRIPT}"
    COMMENT "Embedding ${E_FUNCTION} files"
    VERBATIM)
endfunction()
