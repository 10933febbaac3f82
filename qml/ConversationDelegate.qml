// One row of the conversation list: avatar with presence, title, time, preview (or who is
// typing), the state of my last message, and the unread badge.
//
// A ListView creates every visible row in one frame when it fills (the chat page appearing at
// sign-in, the first page of a catch-up arriving): with ten rows of an ItemDelegate, layouts and
// Labels that frame was the longest UI-thread stall of a catch-up. So a row is a cheap shell
// (background, mouse area, the accessible name) whose content is built asynchronously, a few
// milliseconds per event-loop turn, from plain items (Text, anchors); the list reuses rows, so
// scrolling does not build them again. The look is the ItemDelegate's: same paddings,
// spacings, sizes and vertical centring (on whole pixels, as the layouts did).
import QtQuick
import Chat

Rectangle {
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
    readonly property bool hovered: mouse.containsMouse
    readonly property bool typing: typingText.length > 0
    signal clicked()

    height: 68
    color: selected ? Theme.sidebarSelected : hovered ? Theme.sidebarHover : "transparent"
    Accessible.role: Accessible.ListItem
    Accessible.name: unreadCount > 0
        ? qsTr("%1, %n unread message(s), %2", "", unreadCount).arg(title).arg(preview)
        : qsTr("%1, %2").arg(title).arg(preview)
    Accessible.onPressAction: row.clicked()

    MouseArea {
        id: mouse
        anchors.fill: parent
        hoverEnabled: true
        onClicked: row.clicked()
    }

    Loader {
        id: content
        anchors.fill: parent
        asynchronous: true
        sourceComponent: Item {
            Avatar {
                id: avatar
                x: 12
                anchors.verticalCenter: parent.verticalCenter
                name: row.title
                // The other member's colour, the same as in groups.
                key: row.isGroup ? row.conversationId : row.otherUserId
                group: row.isGroup
                presence: row.presence
            }

            // The two lines, centred together: the title line, 3 px, the preview line (as tall
            // as the badge when it shows).
            Item {
                id: lines
                x: avatar.x + avatar.width + 10
                y: Math.round((row.height - height) / 2)
                width: row.width - x - 12
                height: titleText.height + 3 + secondLine.height

                Text {
                    id: titleText
                    anchors.left: parent.left
                    anchors.right: tick.visible ? tick.left : timeLabel.left
                    anchors.rightMargin: 6
                    text: row.title
                    elide: Text.ElideRight
                    color: Theme.text
                    font.pixelSize: Theme.fontSize
                    font.bold: true
                }
                Loader {
                    id: tick
                    // A Canvas: created only for rows that show it (my own last message).
                    active: row.lastMessageState.length > 0 && !row.typing
                    visible: active
                    anchors.right: timeLabel.left
                    anchors.rightMargin: 6
                    y: Math.round((titleText.height - height) / 2)
                    sourceComponent: TickIcon { state: row.lastMessageState }
                }
                Text {
                    id: timeLabel
                    x: parent.width - Math.ceil(implicitWidth) // whole pixels, as the layouts did
                    y: Math.round((titleText.height - height) / 2)
                    text: row.timeText
                    color: row.unreadCount > 0 ? Theme.accent : Theme.textSecondary
                    font.pixelSize: Theme.smallFontSize
                }

                Item {
                    id: secondLine
                    y: titleText.height + 3
                    width: parent.width
                    height: Math.max(previewText.height, badge.visible ? badge.height : 0)
                    Text {
                        id: previewText
                        anchors.left: parent.left
                        anchors.right: badge.visible ? badge.left : parent.right
                        anchors.rightMargin: badge.visible ? 6 : 0
                        y: Math.round((parent.height - height) / 2)
                        text: row.typing ? row.typingText : row.preview
                        elide: Text.ElideRight
                        maximumLineCount: 1
                        textFormat: Text.PlainText
                        color: row.typing ? Theme.accent : Theme.textSecondary
                        font.pixelSize: Theme.fontSize
                        font.italic: row.typing
                    }
                    Rectangle {
                        id: badge
                        objectName: "unreadBadge"
                        visible: row.unreadCount > 0
                        anchors.right: parent.right
                        y: Math.round((parent.height - height) / 2)
                        height: 20
                        width: Math.max(20, Math.ceil(badgeText.implicitWidth) + 12)
                        radius: 10
                        color: Theme.unreadBadge
                        Text {
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
}
