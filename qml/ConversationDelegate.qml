// One row of the conversation list: avatar with presence, title, time, preview (or who is
// typing), the state of my last message, and the unread badge.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Chat

ItemDelegate {
    id: row
    required property string conversationId
    required property string title
    required property bool isGroup
    required property string preview
    required property string timeText
    required property int unreadCount
    required property int presence
    required property string otherUserId
    required property string typingText
    required property string lastMessageState
    required property int index
    property bool selected: false

    height: 68
    padding: 0
    leftPadding: 12
    rightPadding: 12
    highlighted: selected
    Accessible.role: Accessible.ListItem
    Accessible.name: unreadCount > 0
        ? qsTr("%1, %n unread message(s), %2", "", unreadCount).arg(title).arg(preview)
        : qsTr("%1, %2").arg(title).arg(preview)

    background: Rectangle {
        color: row.selected ? Theme.sidebarSelected : row.hovered ? Theme.sidebarHover : "transparent"
    }

    contentItem: RowLayout {
        spacing: 10

        Avatar {
            name: row.title
            key: row.isGroup ? row.conversationId : row.otherUserId // same colour as in groups
            group: row.isGroup
            presence: row.presence
        }
        ColumnLayout {
            Layout.fillWidth: true
            spacing: 3
            RowLayout {
                Layout.fillWidth: true
                spacing: 6
                Label {
                    Layout.fillWidth: true
                    text: row.title
                    elide: Text.ElideRight
                    color: Theme.text
                    font.bold: true
                }
                TickIcon {
                    visible: row.lastMessageState.length > 0 && row.typingText.length === 0
                    state: row.lastMessageState
                }
                Label {
                    text: row.timeText
                    color: row.unreadCount > 0 ? Theme.accent : Theme.textSecondary
                    font.pixelSize: Theme.smallFontSize
                }
            }
            RowLayout {
                Layout.fillWidth: true
                spacing: 6
                Label {
                    Layout.fillWidth: true
                    text: row.typingText.length > 0 ? row.typingText : row.preview
                    elide: Text.ElideRight
                    maximumLineCount: 1
                    textFormat: Text.PlainText
                    color: row.typingText.length > 0 ? Theme.accent : Theme.textSecondary
                    font.italic: row.typingText.length > 0
                }
                Rectangle {
                    objectName: "unreadBadge"
                    visible: row.unreadCount > 0
                    Layout.preferredHeight: 20
                    Layout.preferredWidth: Math.max(20, badgeText.implicitWidth + 12)
                    radius: 10
                    color: Theme.unreadBadge
                    Label {
                        id: badgeText
                        anchors.centerIn: parent
                        text: row.unreadCount > 999 ? "999+" : row.unreadCount
                        color: Theme.textOnAccent
                        font.pixelSize: Theme.smallFontSize
                        font.bold: true
                    }
                }
            }
        }
    }
}
