# Suites that are scripts rather than gtest binaries. They run the release
# binary; labels match the gtest suites so `ctest -L` works the same.
find_program(CL_PYTHON3 python3)
add_test(NAME scripts.openapi_lint
         COMMAND ${CMAKE_SOURCE_DIR}/tests/scripts/openapi_lint_test.sh $<TARGET_FILE:changeledger>)
add_test(NAME scripts.audit_offline_verify
         COMMAND ${CMAKE_SOURCE_DIR}/tests/scripts/offline_verify_test.sh $<TARGET_FILE:changeledger>)
set_tests_properties(scripts.openapi_lint scripts.audit_offline_verify
                     PROPERTIES LABELS "scripts" TIMEOUT 300)
