# Experiments and metric definitions: their JSON, the repositories (SQLite and PostgreSQL), the
# service's lifecycle, and the API.
governor_add_test(NAME experiments_experiment_json_test
                  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/experiment_json_test.cc
                  LIBS gov_experiments LABELS unit)
governor_add_test(NAME experiments_experiment_store_test
                  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/experiment_store_test.cc
                  LIBS gov_experiments LABELS unit)
governor_add_test(NAME experiments_experiment_store_pgtest
                  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/experiment_store_pgtest.cc
                  LIBS gov_experiments LABELS pg)
governor_add_test(NAME experiments_experiment_api_test
                  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/experiment_api_test.cc
                  LIBS gov_app gov_api gov_cli LABELS unit)
