// The signed-in screen: connection banner on top, the conversation list on the left, the open
// conversation on the right. Owns the keyboard shortcuts and the dialogs.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Chat

Item {
    id: page
    required property ChatSession session
    required property ProfileSettings settings
    required property LanguageManager languages
    property bool windowActive: true

    function openConversation(id) {
        if (id && id.length > 0)
            session.openConversation(id)
    }
    // A search hit or date: open its conversation, then load and show the message.
    function jumpTo(id, seq) {
        if (id !== session.currentConversationId)
            openConversation(id)
        if (session.messages && seq > 0)
            session.messages.loadAround(seq)
    }
    function step(delta) {
        const list = session.conversations
        if (list.count === 0)
            return
        let row = list.rowOf(session.currentConversationId)
        row = row < 0 ? 0 : Math.max(0, Math.min(list.count - 1, row + delta))
        openConversation(list.idAt(row))
    }

    Connections {
        target: page.session
        function onConversationCreated(id) { page.openConversation(id) }
    }

    Shortcut {
        sequence: "Ctrl+K"
        onActivated: quickSwitcher.open()
    }
    // Local search: in the open conversation, or across all of them.
    Shortcut {
        sequence: "Ctrl+F"
        onActivated: {
            const m = page.session.messages
            searchPanel.openFor(m ? m.conversationId : "", m ? m.title : "")
        }
    }
    Shortcut {
        sequence: "Ctrl+Shift+F"
        onActivated: searchPanel.openFor("", "")
    }
    Shortcut {
        sequence: "Ctrl+N" // not also StandardKey.New: the same keys twice make it ambiguous
        onActivated: newConversation.open()
    }
    Shortcut {
        sequence: "Alt+Up"
        onActivated: page.step(-1)
    }
    Shortcut {
        sequence: "Alt+Down"
        onActivated: page.step(1)
    }
    Shortcut {
        sequence: "Ctrl+,"
        onActivated: settingsDialog.open()
    }
    Shortcut {
        sequence: "Esc"
        enabled: !quickSwitcher.opened && !newConversation.opened && !settingsDialog.opened
                 && !searchPanel.opened
        onActivated: page.session.closeConversation()
    }

    ColumnLayout {
        anchors.fill: parent
        spacing: 0

        ConnectionBanner {
            Layout.fillWidth: true
            session: page.session
        }
        KeychainBanner {
            Layout.fillWidth: true
            session: page.session
        }

        RowLayout {
            Layout.fillWidth: true
            Layout.fillHeight: true
            spacing: 0

            Sidebar {
                Layout.preferredWidth: Math.min(Theme.sidebarWidth, page.width * 0.4)
                Layout.fillHeight: true
                session: page.session
                onNewConversationRequested: newConversation.open()
                onSettingsRequested: settingsDialog.open()
            }
            Rectangle {
                Layout.fillHeight: true
                width: 1
                color: Theme.divider
            }
            Loader {
                id: conversationLoader
                // One view per open conversation: switching rebuilds it, so it opens at the first
                // unread message and never sees a model that is being replaced.
                property MessageListModel model: null
                function reload() {
                    const m = page.session.messages
                    if (m === model && active === (m !== null))
                        return
                    active = false
                    model = m
                    active = m !== null
                }
                Connections {
                    target: page.session
                    function onCurrentChanged() { conversationLoader.reload() }
                }
                Component.onCompleted: reload()
                Layout.fillWidth: true
                Layout.fillHeight: true
                active: false
                sourceComponent: ConversationView {
                    session: page.session
                    messages: conversationLoader.model
                    windowActive: page.windowActive
                    onMembersRequested: membersPanel.open()
                }
                Rectangle {
                    anchors.fill: parent
                    visible: !parent.active
                    color: Theme.chatBackground
                    Column {
                        anchors.centerIn: parent
                        spacing: 12
                        AppIcon { size: 72; anchors.horizontalCenter: parent.horizontalCenter; opacity: 0.85 }
                        Label {
                            anchors.horizontalCenter: parent.horizontalCenter
                            text: qsTr("Select a conversation to start chatting")
                            color: Theme.textSecondary
                            font.pixelSize: Theme.titleFontSize
                        }
                        Label {
                            anchors.horizontalCenter: parent.horizontalCenter
                            text: qsTr("Ctrl+K to jump to a conversation · Ctrl+N to start a new one")
                            color: Theme.textSecondary
                            font.pixelSize: Theme.smallFontSize
                        }
                    }
                }
            }
        }
    }

    Toast {
        anchors.bottom: parent.bottom
        anchors.bottomMargin: 90
        anchors.horizontalCenter: parent.horizontalCenter
        text: page.session.notice
        onDismissed: page.session.clearNotice()
    }

    QuickSwitcher {
        id: quickSwitcher
        session: page.session
        onChosen: id => page.openConversation(id)
    }
    SearchPanel {
        id: searchPanel
        session: page.session
        onChosen: (id, seq) => page.jumpTo(id, seq)
        onNotice: text => jumpNotice.text = text
    }
    // Why a jump landed where it did (e.g. offline: on the nearest stored message).
    Toast {
        id: jumpNotice
        objectName: "jumpNotice"
        anchors.bottom: parent.bottom
        anchors.bottomMargin: 140
        anchors.horizontalCenter: parent.horizontalCenter
        onDismissed: text = ""
    }
    NewConversationDialog {
        id: newConversation
        session: page.session
    }
    SettingsDialog {
        id: settingsDialog
        objectName: "settingsDialog"
        session: page.session
        settings: page.settings
        languages: page.languages
    }
    MembersPanel {
        id: membersPanel
        objectName: "membersDialog"
        session: page.session
    }
}
