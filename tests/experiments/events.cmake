# Event ingestion and exposure recording: batch parsing, the recorder, the events repository
# and the group-commit service (SQLite and PostgreSQL), the HTTP routes with evaluation
# recording exposures, and durability of acknowledged events under SIGKILL (the real binary).
governor_add_test(NAME experiments_event_json_test
                  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/event_json_test.cc
                  LIBS gov_experiments LABELS unit)
governor_add_test(NAME experiments_exposure_recorder_test
                  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/exposure_recorder_test.cc
                  LIBS gov_experiments LABELS unit)
governor_add_test(NAME experiments_event_store_test
                  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/event_store_test.cc
                  LIBS gov_experiments LABELS unit)
governor_add_test(NAME experiments_event_store_pgtest
                  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/event_store_pgtest.cc
                  LIBS gov_experiments LABELS pg)
governor_add_test(NAME experiments_event_api_test
                  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/event_api_test.cc
                  LIBS gov_api LABELS unit)
foreach(kind test pgtest)
  if(kind STREQUAL "test")
    set(label e2e)
  else()
    set(label pg)
  endif()
  governor_add_test(NAME experiments_event_durability_${kind}
                    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/event_durability_${kind}.cc
                            ${PROJECT_SOURCE_DIR}/tests/testing/governor_process.cc
                    LIBS gov_store gov_core PkgConfig::HTTPLIB Threads::Threads LABELS ${label})
  add_dependencies(experiments_event_durability_${kind} governor)
  target_compile_definitions(experiments_event_durability_${kind} PRIVATE
                             GOVERNOR_DEFAULT_BIN="$<TARGET_FILE:governor>")
endforeach()
