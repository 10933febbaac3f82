// The left column: who I am, search, and the conversation list.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Chat

Rectangle {
    id: sidebar
    required property ChatSession session
    signal newConversationRequested()
    signal settingsRequested()
    color: Theme.sidebar

    ColumnLayout {
        anchors.fill: parent
        spacing: 0

        RowLayout {
            Layout.fillWidth: true
            Layout.margins: 12
            spacing: 10
            Avatar {
                name: sidebar.session.userName
                key: sidebar.session.userId
                size: 34
            }
            Label {
                Layout.fillWidth: true
                text: sidebar.session.userName
                elide: Text.ElideRight
                color: Theme.text
                font.bold: true
                font.pixelSize: Theme.titleFontSize
            }
            IconButton {
                objectName: "newConversationButton"
                glyph: "\u270E"
                tip: qsTr("New conversation (Ctrl+N)")
                onClicked: sidebar.newConversationRequested()
            }
            IconButton {
                objectName: "settingsButton"
                glyph: "\u2699"
                tip: qsTr("Settings")
                onClicked: sidebar.settingsRequested()
            }
        }

        ThemedTextField {
            id: filter
            objectName: "conversationFilter"
            Layout.fillWidth: true
            Layout.leftMargin: 12
            Layout.rightMargin: 12
            Layout.bottomMargin: 8
            placeholderText: qsTr("Search conversations")
            Accessible.name: qsTr("Search conversations")
            Keys.onEscapePressed: text = ""
            Keys.onReturnPressed: if (filtered.count > 0) sidebar.session.openConversation(filtered.idAt(0))
        }

        ListView {
            id: list
            objectName: "conversationList"
            Layout.fillWidth: true
            Layout.fillHeight: true
            clip: true
            reuseItems: true // a row's content is built asynchronously once, then kept
            model: ConversationFilterModel {
                id: filtered
                sourceModel: sidebar.session.conversations
                filterText: filter.text
            }
            Accessible.role: Accessible.List
            Accessible.name: qsTr("Conversations")
            delegate: ConversationDelegate {
                width: ListView.view.width
                selected: conversationId === sidebar.session.currentConversationId
                onClicked: sidebar.session.openConversation(conversationId)
            }
            ScrollBar.vertical: ScrollBar {}

            Label {
                anchors.centerIn: parent
                width: parent.width - 48
                visible: list.count === 0
                horizontalAlignment: Text.AlignHCenter
                wrapMode: Text.WordWrap
                color: Theme.textSecondary
                text: filter.text.length > 0 ? qsTr("No conversation matches \"%1\".").arg(filter.text)
                                             : qsTr("No conversations yet. Start one with Ctrl+N.")
            }
        }
    }
}
