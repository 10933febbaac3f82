// Ctrl+K: type part of a name, Enter opens the highlighted conversation.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Chat

ThemedPopup {
    id: switcher
    required property ChatSession session
    signal chosen(string id)
    width: 440
    height: 420
    onOpened: { field.text = ""; field.forceActiveFocus(); results.currentIndex = 0 }

    function choose(row) {
        const id = filtered.idAt(row)
        if (id.length > 0) {
            switcher.chosen(id)
            switcher.close()
        }
    }

    ColumnLayout {
        anchors.fill: parent
        spacing: 10
        Label {
            text: qsTr("Jump to conversation")
            color: Theme.text
            font.bold: true
            font.pixelSize: Theme.titleFontSize
        }
        ThemedTextField {
            id: field
            objectName: "quickSwitcherField"
            Layout.fillWidth: true
            placeholderText: qsTr("Type a name…")
            Accessible.name: qsTr("Conversation name")
            onTextChanged: results.currentIndex = 0
            Keys.onDownPressed: results.incrementCurrentIndex()
            Keys.onUpPressed: results.decrementCurrentIndex()
            Keys.onReturnPressed: switcher.choose(results.currentIndex)
            Keys.onEnterPressed: switcher.choose(results.currentIndex)
        }
        ListView {
            id: results
            Layout.fillWidth: true
            Layout.fillHeight: true
            clip: true
            model: ConversationFilterModel {
                id: filtered
                // Only while shown: a closed popup's list still creates its rows (no window to
                // defer them to), and followed every change of the conversation list with
                // rows of its own, on the UI thread, during a catch-up.
                sourceModel: switcher.visible ? switcher.session.conversations : null
                filterText: field.text
            }
            highlightMoveDuration: 0
            delegate: ItemDelegate {
                required property int index
                required property string title
                required property string conversationId
                required property bool isGroup
                required property string otherUserId
                required property int unreadCount
                width: ListView.view.width
                highlighted: ListView.isCurrentItem
                Accessible.name: title
                onClicked: switcher.choose(index)
                background: Rectangle {
                    radius: Theme.radius
                    color: parent.highlighted ? Theme.sidebarSelected : parent.hovered ? Theme.sidebarHover : "transparent"
                }
                contentItem: RowLayout {
                    spacing: 10
                    Avatar { name: title; key: isGroup ? conversationId : otherUserId; group: isGroup; size: 28 }
                    Label { Layout.fillWidth: true; text: title; color: Theme.text; elide: Text.ElideRight }
                    Label {
                        visible: unreadCount > 0
                        text: unreadCount
                        color: Theme.accent
                        font.bold: true
                    }
                }
            }
        }
    }
}
