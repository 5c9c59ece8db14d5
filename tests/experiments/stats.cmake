# The statistics engine (experiments/stats/) and its two fronts, `governor analyze` and
# POST /api/v1/analysis. Reference values: testdata/stats_reference.json (scipy, produced by
# testdata/stats_reference.py), GrowthBook's gbstats published tests, textbook examples.
foreach(name stats_reference_test stats_gbstats_test stats_formulas_test stats_json_test)
  if(NOT EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/${name}.cc)
    continue()
  endif()
  governor_add_test(NAME experiments_${name} SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/${name}.cc
                    LIBS gov_experiments_stats LABELS unit)
endforeach()

# The route against an in-process server, checked against api/openapi.yaml.
if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/stats_route_test.cc)
governor_add_test(NAME experiments_stats_route_test
                  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/stats_route_test.cc
                  LIBS gov_app gov_api gov_cli LABELS unit)
endif()

# The `governor analyze` executable (exit codes, stdout).
if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/stats_analyze_e2etest.cc)
governor_add_test(NAME experiments_stats_analyze_e2etest
                  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/stats_analyze_e2etest.cc
                          ${PROJECT_SOURCE_DIR}/tests/testing/governor_process.cc
                  LIBS gov_core PkgConfig::HTTPLIB Threads::Threads LABELS e2e)
if(TARGET governor)
  add_dependencies(experiments_stats_analyze_e2etest governor)
  target_compile_definitions(experiments_stats_analyze_e2etest PRIVATE
                             GOVERNOR_DEFAULT_BIN="$<TARGET_FILE:governor>")
endif()
endif()
