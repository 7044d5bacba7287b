# Suites that are scripts rather than gtest binaries. They run the release
# binary; labels match the gtest suites so `ctest -L` works the same.
find_program(CL_PYTHON3 python3)
add_test(NAME scripts.openapi_lint
         COMMAND ${CMAKE_SOURCE_DIR}/tests/scripts/openapi_lint_test.sh $<TARGET_FILE:changeledger>)
add_test(NAME scripts.audit_offline_verify
         COMMAND ${CMAKE_SOURCE_DIR}/tests/scripts/offline_verify_test.sh $<TARGET_FILE:changeledger>)
set_tests_properties(scripts.openapi_lint scripts.audit_offline_verify
                     PROPERTIES LABELS "scripts" TIMEOUT 300)

# The web UI end to end (tests/e2e/): node's test runner drives Debian's
# Chromium with playwright-core against the release binary on a free port.
# Screenshots of the main pages go to build/e2e-screenshots/.
find_program(CL_NODE node REQUIRED)
add_test(NAME e2e.web_ui
         COMMAND ${CL_NODE} --test --test-reporter=spec ${CMAKE_SOURCE_DIR}/tests/e2e/
         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties(e2e.web_ui PROPERTIES
    LABELS "e2e" TIMEOUT 900
    ENVIRONMENT "CL_BINARY=$<TARGET_FILE:changeledger>;CL_SCREENSHOTS=${CMAKE_BINARY_DIR}/e2e-screenshots")

# Includes point down the layer stack (docs/architecture.md): the tree passes,
# and a planted wrong include of each kind is named.
add_test(NAME scripts.layers COMMAND ${CL_PYTHON3} ${CMAKE_SOURCE_DIR}/tests/scripts/check_layers.py
         ${CMAKE_SOURCE_DIR}/src)
add_test(NAME scripts.layers_planted COMMAND ${CMAKE_SOURCE_DIR}/tests/scripts/layers_planted_test.sh)
set_tests_properties(scripts.layers scripts.layers_planted PROPERTIES LABELS "scripts" TIMEOUT 120)

# The UI's generated API types match this binary's OpenAPI document.
add_test(NAME scripts.web_api_types
         COMMAND ${CMAKE_SOURCE_DIR}/tests/scripts/web_api_types_test.sh $<TARGET_FILE:changeledger>)
set_tests_properties(scripts.web_api_types PROPERTIES LABELS "scripts" TIMEOUT 120)

# The web UI's code passes the linter (web/biome.json: Biome's recommended
# rules; errors fail, warnings are shown).
add_test(NAME scripts.web_lint COMMAND ${CMAKE_SOURCE_DIR}/web/node_modules/.bin/biome lint
         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}/web)
set_tests_properties(scripts.web_lint PROPERTIES LABELS "scripts" TIMEOUT 120)

# Every C++ file is formatted by the repo's .clang-format (scripts/format.sh
# formats; --check lists what is not), so `.ci/run` fails on unformatted code.
add_test(NAME scripts.format COMMAND ${CMAKE_SOURCE_DIR}/scripts/format.sh --check)
set_tests_properties(scripts.format PROPERTIES LABELS "scripts" TIMEOUT 300)

# The clang-tidy check set (.clang-tidy; scripts/tidy.sh runs it on changed
# files) reports planted bugs and passes the same code written correctly.
add_test(NAME scripts.tidy_planted COMMAND ${CMAKE_SOURCE_DIR}/tests/scripts/tidy_planted_test.sh)
set_tests_properties(scripts.tidy_planted PROPERTIES LABELS "scripts" TIMEOUT 120)
