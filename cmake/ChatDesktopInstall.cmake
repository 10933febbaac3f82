# Install rules and packaging for the desktop client (included from app/desktop).
# `cmake --install build --prefix /usr` puts the binary, the .desktop file, the icons (hicolor
# theme, every PNG size and the SVG) and the AppStream metadata where Linux desktops look for
# them; `cpack -G DEB` (run in the build folder) builds an installable .deb of everything the
# project installs.
include(GNUInstallDirs)

set(_chat_res ${PROJECT_SOURCE_DIR}/resources/desktop)

install(TARGETS chat-desktop
    RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
    BUNDLE DESTINATION .)
install(FILES ${_chat_res}/chat-desktop.desktop
    DESTINATION ${CMAKE_INSTALL_DATADIR}/applications)
install(FILES ${_chat_res}/org.example.ChatDesktop.metainfo.xml
    DESTINATION ${CMAKE_INSTALL_DATADIR}/metainfo)
install(FILES ${_chat_res}/chat-desktop.svg
    DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps)
foreach(size 16 24 32 48 64 128 256 512)
    install(FILES ${_chat_res}/chat-desktop-${size}.png
        DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/${size}x${size}/apps
        RENAME chat-desktop.png)
endforeach()

# CPack: one .deb for the project. Included once even if another install file also asks.
get_property(_chat_cpack_done GLOBAL PROPERTY CHAT_CPACK_INCLUDED)
if(NOT _chat_cpack_done)
    set_property(GLOBAL PROPERTY CHAT_CPACK_INCLUDED TRUE)
    set(CPACK_PACKAGE_NAME "chat-desktop")
    set(CPACK_PACKAGE_VENDOR "Chat project")
    set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
    set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Offline-first Qt chat client and reference server")
    set(CPACK_PACKAGE_CONTACT "chat@example.org")
    set(CPACK_PACKAGE_INSTALL_DIRECTORY "Chat")
    set(CPACK_GENERATOR "DEB")
    set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
    set(CPACK_DEBIAN_PACKAGE_SECTION "net")
    set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
    # Run-time QML modules are not shared-library dependencies: list them.
    set(CPACK_DEBIAN_PACKAGE_DEPENDS
        "qml6-module-qtquick, qml6-module-qtquick-controls, qml6-module-qtquick-templates, qml6-module-qtquick-layouts, qml6-module-qtquick-window, qml6-module-qtqml-workerscript, libqt6sql6-sqlite")
    set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "gnome-keyring | kwalletmanager")
    set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
    include(CPack)
endif()
