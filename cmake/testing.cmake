# opsuite_test(<name> SOURCES ... LIBS ...): one gtest binary registered with ctest.
function(opsuite_test name)
  cmake_parse_arguments(T "" "" "SOURCES;LIBS" ${ARGN})
  if(NOT T_SOURCES)
    return()
  endif()
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} opsuite_testing GTest::gtest GTest::gmock
                        GTest::gtest_main)
  target_compile_options(${name} PRIVATE ${OPSUITE_WARNINGS})
  add_test(NAME ${name} COMMAND ${name} --gtest_color=no)
  set_tests_properties(${name} PROPERTIES TIMEOUT 900)
endfunction()
