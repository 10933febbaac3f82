# Install rules: the core libraries (chat_net, chat_sync), their public headers and an
# exported CMake package, so another client can embed the sync engine with
#     find_package(Chat REQUIRED)            # CMAKE_PREFIX_PATH=<install prefix>
#     target_link_libraries(app PRIVATE Chat::sync)   # Chat::net comes with it
# (docs/SYNC_ENGINE.md). Executables install their own rules in their folders.
include(CMakePackageConfigHelpers)

set(CHAT_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/Chat)
set(CHAT_INSTALL_INCLUDEDIR ${CMAKE_INSTALL_INCLUDEDIR}/chat)

if(TARGET chat_net AND TARGET chat_sync)
    set_target_properties(chat_net PROPERTIES EXPORT_NAME net)
    set_target_properties(chat_sync PROPERTIES EXPORT_NAME sync)

    # Public headers keep their layout: #include <net/connection.h>, <sync/syncengine.h>
    # with <prefix>/include/chat on the include path (set by the imported targets).
    install(FILES
        ${PROJECT_SOURCE_DIR}/src/net/connection.h
        ${PROJECT_SOURCE_DIR}/src/net/retrypolicy.h
        ${PROJECT_SOURCE_DIR}/src/net/logging.h
        DESTINATION ${CHAT_INSTALL_INCLUDEDIR}/net COMPONENT ChatDevel)
    install(DIRECTORY ${PROJECT_SOURCE_DIR}/src/net/protocol/
        DESTINATION ${CHAT_INSTALL_INCLUDEDIR}/net/protocol
        COMPONENT ChatDevel FILES_MATCHING PATTERN "*.h")
    install(FILES
        ${PROJECT_SOURCE_DIR}/src/sync/syncengine.h
        ${PROJECT_SOURCE_DIR}/src/sync/changes.h
        ${PROJECT_SOURCE_DIR}/src/sync/expected.h
        ${PROJECT_SOURCE_DIR}/src/sync/localstore.h
        ${PROJECT_SOURCE_DIR}/src/sync/search.h
        DESTINATION ${CHAT_INSTALL_INCLUDEDIR}/sync COMPONENT ChatDevel)

    # chat_sync's SQL migrations are compiled in as a Qt resource object library; it has to
    # travel with the static library or the store finds no schema.
    install(TARGETS chat_net chat_sync ${CHAT_SYNC_RESOURCE_TARGETS}
        EXPORT ChatTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT ChatDevel
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT ChatDevel
        OBJECTS DESTINATION ${CMAKE_INSTALL_LIBDIR}/chat-objects COMPONENT ChatDevel
        INCLUDES DESTINATION ${CHAT_INSTALL_INCLUDEDIR})
    install(EXPORT ChatTargets
        NAMESPACE Chat::
        DESTINATION ${CHAT_INSTALL_CMAKEDIR} COMPONENT ChatDevel)

    configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/ChatConfig.cmake.in
        ${CMAKE_CURRENT_BINARY_DIR}/ChatConfig.cmake
        INSTALL_DESTINATION ${CHAT_INSTALL_CMAKEDIR})
    write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/ChatConfigVersion.cmake
        VERSION ${PROJECT_VERSION}
        COMPATIBILITY SameMinorVersion)
    install(FILES
        ${CMAKE_CURRENT_BINARY_DIR}/ChatConfig.cmake
        ${CMAKE_CURRENT_BINARY_DIR}/ChatConfigVersion.cmake
        DESTINATION ${CHAT_INSTALL_CMAKEDIR} COMPONENT ChatDevel)
endif()
