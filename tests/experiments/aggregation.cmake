# Aggregation (events -> per-unit values -> per-variant sufficient statistics) and results.
governor_add_test(NAME experiments_unit_aggregation_test
                  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/unit_aggregation_test.cc
                  LIBS gov_experiments LABELS unit)
governor_add_test(NAME experiments_aggregator_test
                  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/aggregator_test.cc
                  LIBS gov_experiments gov_fault_injection LABELS unit)
governor_add_test(NAME experiments_aggregator_pgtest
                  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/aggregator_pgtest.cc
                  LIBS gov_experiments gov_fault_injection LABELS pg)
governor_add_test(NAME experiments_results_test
                  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/results_test.cc
                  LIBS gov_experiments LABELS unit)
governor_add_test(NAME experiments_results_route_test
                  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/results_route_test.cc
                  LIBS gov_app gov_api gov_cli LABELS unit)
