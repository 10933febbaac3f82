// The members of the open group with presence, and "Leave group".
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Chat

ThemedPopup {
    id: panel
    required property ChatSession session
    width: 400
    height: 500

    ColumnLayout {
        anchors.fill: parent
        spacing: 10
        Label {
            text: panel.session.members
                  ? qsTr("%n member(s)", "", panel.session.members.count)
                  : ""
            color: Theme.text
            font.bold: true
            font.pixelSize: Theme.titleFontSize
        }
        ListView {
            Layout.fillWidth: true
            Layout.fillHeight: true
            clip: true
            model: panel.session.members
            delegate: RowLayout {
                required property string name
                required property string userId
                required property bool isAdmin
                required property bool isSelf
                required property int presence
                required property string presenceText
                width: ListView.view.width
                height: 52
                spacing: 10
                Accessible.role: Accessible.ListItem
                Accessible.name: name + ", " + presenceText
                Avatar { name: parent.name; key: userId; presence: parent.presence; size: 36 }
                ColumnLayout {
                    Layout.fillWidth: true
                    spacing: 1
                    Label {
                        Layout.fillWidth: true
                        text: isSelf ? qsTr("%1 (you)").arg(name) : name
                        elide: Text.ElideRight
                        color: Theme.text
                        font.bold: true
                    }
                    Label {
                        Layout.fillWidth: true
                        text: presenceText
                        color: presence === 1 ? Theme.accent : Theme.textSecondary
                        font.pixelSize: Theme.smallFontSize
                    }
                }
                Label {
                    visible: isAdmin
                    text: qsTr("admin")
                    color: Theme.textSecondary
                    font.pixelSize: Theme.smallFontSize
                }
            }
        }
        RowLayout {
            Layout.fillWidth: true
            Button {
                id: leave
                objectName: "leaveButton"
                property bool confirming: false
                text: confirming ? qsTr("Really leave?") : qsTr("Leave group")
                palette.buttonText: Theme.danger
                onClicked: {
                    if (!confirming) {
                        confirming = true
                        return
                    }
                    confirming = false
                    panel.session.leaveCurrent()
                    panel.close()
                }
            }
            Item { Layout.fillWidth: true }
            Button {
                text: qsTr("Close")
                onClicked: { leave.confirming = false; panel.close() }
            }
        }
    }
}
