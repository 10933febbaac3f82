// Tells the truth about the link: offline (and that messages will go out when back),
// reconnecting, or syncing with progress. Hidden while online.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Chat

Rectangle {
    id: banner
    required property ChatSession session
    readonly property int mode: session.connection
    objectName: "connectionBanner"
    visible: mode !== ChatSession.Online
    implicitHeight: visible ? row.implicitHeight + 14 : 0
    color: mode === ChatSession.Offline ? Theme.bannerOffline : Theme.bannerInfo
    Accessible.role: Accessible.AlertMessage
    Accessible.name: label.text

    readonly property color fg: mode === ChatSession.Offline ? Theme.bannerOfflineText
                                                            : Theme.bannerInfoText

    RowLayout {
        id: row
        anchors.left: parent.left
        anchors.right: parent.right
        anchors.verticalCenter: parent.verticalCenter
        anchors.leftMargin: 16
        anchors.rightMargin: 16
        spacing: 10

        BusyIndicator {
            visible: banner.mode !== ChatSession.Offline
            running: visible
            Layout.preferredWidth: 18
            Layout.preferredHeight: 18
        }
        Label {
            id: label
            objectName: "connectionBannerText"
            Layout.fillWidth: true
            color: banner.fg
            wrapMode: Text.WordWrap
            text: {
                switch (banner.mode) {
                case ChatSession.Offline:
                    return qsTr("You are offline. Messages you write will be sent when you are back online.")
                case ChatSession.Connecting:
                    return qsTr("Connecting…")
                case ChatSession.Syncing:
                    return banner.session.syncedConversations > 0
                        ? qsTr("Syncing… %n conversation(s) updated", "", banner.session.syncedConversations)
                        : qsTr("Syncing…")
                }
                return ""
            }
        }
        Label {
            visible: banner.mode === ChatSession.Offline
            text: qsTr("Retry now")
            color: banner.fg
            font.underline: true
            font.bold: true
            Accessible.role: Accessible.Button
            Accessible.name: text
            MouseArea {
                anchors.fill: parent
                cursorShape: Qt.PointingHandCursor
                onClicked: banner.session.reconnectNow()
            }
        }
    }
}
