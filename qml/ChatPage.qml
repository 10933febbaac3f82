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

    // The dialogs are built asynchronously after the page, each on its own (a Loader each): the
    // page, built in one piece by its asynchronous Loader at sign-in, was one uninterruptible
    // 5-10 ms step of QML creation with them, right as a catch-up began. One asked for before
    // it is built is finished at once.
    function dialog(loader) {
        if (!loader.item)
            loader.asynchronous = false
        return loader.item
    }
    function isOpen(loader) { return loader.item !== null && loader.item.opened }
    /// Every dialog is built (tests wait for it before looking for their parts).
    readonly property bool dialogsReady: quickSwitcher.item !== null && searchPanel.item !== null
    // The open conversation's view is built (asynchronously, after the conversation opens).
    readonly property bool conversationReady: conversationLoader.status === Loader.Ready
                                              && conversationLoader.model === session.messages
        && newConversation.item !== null && settingsDialog.item !== null
        && membersPanel.item !== null

    Connections {
        target: page.session
        function onConversationCreated(id) { page.openConversation(id) }
    }

    Shortcut {
        sequence: "Ctrl+K"
        onActivated: page.dialog(quickSwitcher).open()
    }
    // Local search: in the open conversation, or across all of them.
    Shortcut {
        sequence: "Ctrl+F"
        onActivated: {
            const m = page.session.messages
            page.dialog(searchPanel).openFor(m ? m.conversationId : "", m ? m.title : "")
        }
    }
    Shortcut {
        sequence: "Ctrl+Shift+F"
        onActivated: page.dialog(searchPanel).openFor("", "")
    }
    Shortcut {
        sequence: "Ctrl+N" // not also StandardKey.New: the same keys twice make it ambiguous
        onActivated: page.dialog(newConversation).open()
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
        onActivated: page.dialog(settingsDialog).open()
    }
    Shortcut {
        sequence: "Esc"
        enabled: !page.isOpen(quickSwitcher) && !page.isOpen(newConversation)
                 && !page.isOpen(settingsDialog) && !page.isOpen(searchPanel)
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
                onNewConversationRequested: page.dialog(newConversation).open()
                onSettingsRequested: page.dialog(settingsDialog).open()
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
                // Made in the incubator's slices, not in the turn that opens the conversation:
                // the view with its composer and first rows was 11-12 ms of one turn (probe, a
                // catch-up with the conversation open). Its rows, nested in this incubation, are
                // made asynchronously too; only positioning at the first unread makes rows at once.
                asynchronous: true
                sourceComponent: ConversationView {
                    session: page.session
                    messages: conversationLoader.model
                    windowActive: page.windowActive
                    onMembersRequested: page.dialog(membersPanel).open()
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

    Loader {
        id: quickSwitcher
        asynchronous: true
        sourceComponent: QuickSwitcher {
            session: page.session
            onChosen: id => page.openConversation(id)
        }
    }
    Loader {
        id: searchPanel
        asynchronous: true
        sourceComponent: SearchPanel {
            session: page.session
            onChosen: (id, seq) => page.jumpTo(id, seq)
            onNotice: text => jumpNotice.text = text
        }
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
    Loader {
        id: newConversation
        asynchronous: true
        sourceComponent: NewConversationDialog {
            session: page.session
        }
    }
    Loader {
        id: settingsDialog
        asynchronous: true
        sourceComponent: SettingsDialog {
            objectName: "settingsDialog"
            session: page.session
            settings: page.settings
            languages: page.languages
        }
    }
    Loader {
        id: membersPanel
        asynchronous: true
        sourceComponent: MembersPanel {
            objectName: "membersDialog"
            session: page.session
        }
    }
}
