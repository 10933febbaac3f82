// A round avatar with the person's initials and, for direct conversations, a presence dot.
import QtQuick
import Chat

Item {
    id: avatar
    property string name
    property string key: name
    property int size: Theme.avatarSize
    property bool group: false
    /// -1: unknown / not applicable, 0: offline, 1: online
    property int presence: -1
    implicitWidth: size
    implicitHeight: size
    Accessible.ignored: true

    Rectangle {
        anchors.fill: parent
        radius: avatar.group ? width * 0.3 : width / 2
        color: Theme.avatarColor(avatar.key)
        Text { // not a Label: an avatar is in every list row, and a plain Text is cheaper to make
            anchors.centerIn: parent
            text: Theme.initials(avatar.name)
            color: "white"
            font.pixelSize: avatar.size * 0.38
            font.bold: true
        }
    }
    Rectangle {
        visible: avatar.presence === 1
        width: Math.max(10, avatar.size * 0.3)
        height: width
        radius: width / 2
        anchors.right: parent.right
        anchors.bottom: parent.bottom
        color: Theme.online
        border.width: 2
        border.color: Theme.sidebar
    }
}
