# Test services as ctest fixtures: PostgreSQL, Redis and HAProxy started on 127.0.0.1 with
# temporary data by the scripts in tests/tools, once per ctest run, and stopped after the last
# test that needs them (also when tests fail).
#
#   include(ChatTestServices)
#   chat_add_service_fixture(postgres)                 # fixture "postgres"
#   chat_add_service_fixture(redis NAME redis_b)       # a second, independent Redis
#   chat_add_service_fixture(haproxy NAME lb CONFIG ${CMAKE_CURRENT_SOURCE_DIR}/lb.cfg
#                            ARGS NODE1_PORT=23001)    # NAME=VALUE exported for the config
#   add_test(NAME tst_server_pgstore COMMAND tst_server_pgstore)
#   chat_test_use_services(tst_server_pgstore postgres)
#
# chat_test_use_services() adds FIXTURES_REQUIRED and, per fixture, the environment variable
# CHAT_TEST_<FIXTURE>_URL_FILE (upper case): the path of a file in the build tree that holds
# the URL (postgres://..., redis://..., ws://...) once the service runs. A test run outside
# ctest has no such service: it must fail with a clear message, not skip.
#
# gnome-keyring is not a fixture (the test process itself must live inside the private D-Bus
# session): wrap the command instead:
#   add_test(NAME tst_x COMMAND ${CHAT_WITH_KEYRING} $<TARGET_FILE:tst_x>)

set(CHAT_TEST_TOOLS_DIR ${CMAKE_CURRENT_LIST_DIR}/../tests/tools)
cmake_path(NORMAL_PATH CHAT_TEST_TOOLS_DIR)
set(CHAT_TEST_TOOLS_DIR ${CHAT_TEST_TOOLS_DIR} CACHE INTERNAL "tests/tools (service scripts)")
set(CHAT_WITH_KEYRING ${CHAT_TEST_TOOLS_DIR}/with-keyring.sh CACHE INTERNAL
    "Runs a command in a private D-Bus session with an unlocked gnome-keyring")

# chat_service_url_file(<fixture> <out-var>): where the URL of <fixture> is written.
function(chat_service_url_file fixture out_var)
    set(${out_var} ${CMAKE_BINARY_DIR}/test-services/${fixture}/url PARENT_SCOPE)
endfunction()

function(chat_add_service_fixture service)
    cmake_parse_arguments(PARSE_ARGV 1 arg "" "NAME;CONFIG" "ARGS")
    set(fixture ${service})
    if(arg_NAME)
        set(fixture ${arg_NAME})
    endif()
    get_property(done GLOBAL PROPERTY CHAT_SERVICE_FIXTURE_${fixture})
    if(done)
        if(NOT done STREQUAL service)
            message(FATAL_ERROR "Service fixture '${fixture}' already registered as a ${done}")
        endif()
        return()
    endif()

    if(service STREQUAL "postgres")
        set(script pg.sh)
        set(extra)
    elseif(service STREQUAL "redis")
        set(script redis.sh)
        set(extra)
    elseif(service STREQUAL "haproxy")
        if(NOT arg_CONFIG)
            message(FATAL_ERROR "chat_add_service_fixture(haproxy ...) needs CONFIG <file>")
        endif()
        set(script haproxy.sh)
        set(extra ${arg_CONFIG} ${arg_ARGS})
    else()
        message(FATAL_ERROR "chat_add_service_fixture: unknown service '${service}' "
            "(known: postgres, redis, haproxy)")
    endif()

    set(state ${CMAKE_BINARY_DIR}/test-services/${fixture})
    add_test(NAME service_${fixture}_start
        COMMAND bash ${CHAT_TEST_TOOLS_DIR}/${script} start ${state} ${extra})
    add_test(NAME service_${fixture}_stop
        COMMAND bash ${CHAT_TEST_TOOLS_DIR}/${script} stop ${state})
    set_tests_properties(service_${fixture}_start PROPERTIES
        FIXTURES_SETUP ${fixture} TIMEOUT 120 LABELS "service")
    set_tests_properties(service_${fixture}_stop PROPERTIES
        FIXTURES_CLEANUP ${fixture} TIMEOUT 60 LABELS "service")
    set_property(GLOBAL PROPERTY CHAT_SERVICE_FIXTURE_${fixture} ${service})
endfunction()

# chat_test_use_services(<test> <fixture>...): the test needs these services running.
function(chat_test_use_services test)
    foreach(fixture IN LISTS ARGN)
        get_property(kind GLOBAL PROPERTY CHAT_SERVICE_FIXTURE_${fixture})
        if(NOT kind)
            message(FATAL_ERROR "chat_test_use_services(${test}): no service fixture "
                "'${fixture}'; call chat_add_service_fixture() first")
        endif()
        chat_service_url_file(${fixture} url_file)
        string(TOUPPER "${fixture}" var)
        string(MAKE_C_IDENTIFIER "${var}" var)
        set_property(TEST ${test} APPEND PROPERTY FIXTURES_REQUIRED ${fixture})
        set_property(TEST ${test} APPEND PROPERTY ENVIRONMENT
            "CHAT_TEST_${var}_URL_FILE=${url_file}")
    endforeach()
endfunction()
