# cl_embed_text(FUNC IN OUT): generates OUT, a C++ source whose
# `std::string_view cl::FUNC()` returns the text of IN (cmake/embed_text.cmake),
# regenerated whenever IN changes.
function(cl_embed_text func in out)
  add_custom_command(
    OUTPUT "${out}"
    COMMAND ${CMAKE_COMMAND} -DFUNC=${func} -DNAMESPACE=cl -DIN=${in} -DOUT=${out}
            -P ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/embed_text.cmake
    DEPENDS ${in} ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/embed_text.cmake
    COMMENT "Embedding ${in}")
endfunction()
