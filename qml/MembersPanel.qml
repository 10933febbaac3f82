// The members of the open group with presence, adding people (user search as in the
// new-conversation dialog), and "Leave group".
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Chat

ThemedPopup {
    id: panel
    required property ChatSession session
    width: 400
    height: 560
    property bool adding: false
    property bool searching: false
    onOpened: { adding = false; addField.text = "" }

    Connections {
        target: panel.session
        function onUserSearchFinished(ok) { panel.searching = false }
        function onMembersAdded(ok) { if (ok) { panel.adding = false; addField.text = "" } }
    }
    Timer {
        id: debounce
        interval: 250
        onTriggered: { panel.searching = true; panel.session.searchUsers(addField.text) }
    }

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
        ThemedTextField {
            id: addField
            objectName: "addMemberField"
            visible: panel.adding
            Layout.fillWidth: true
            placeholderText: qsTr("Search people to add")
            Accessible.name: qsTr("Search people to add")
            onTextChanged: debounce.restart()
        }
        ListView {
            id: candidates
            objectName: "addMemberList"
            visible: panel.adding
            Layout.fillWidth: true
            Layout.preferredHeight: 160
            clip: true
            model: panel.session.userSearch
            delegate: ItemDelegate {
                required property string userId
                required property string name
                required property string username
                objectName: "addCandidate_" + username
                width: ListView.view.width
                Accessible.name: qsTr("Add %1").arg(name)
                onClicked: panel.session.addMembers([userId])
                contentItem: Label {
                    text: name + "  (@" + username + ")"
                    color: Theme.text
                    elide: Text.ElideRight
                }
                background: Rectangle { color: parent.hovered ? Theme.sidebarHover : "transparent" }
            }
            Label {
                anchors.centerIn: parent
                visible: candidates.count === 0
                color: Theme.textSecondary
                text: panel.searching ? qsTr("Searching…") : qsTr("Nobody found.")
            }
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
            ThemedButton {
                id: leave
                objectName: "leaveButton"
                property bool confirming: false
                text: confirming ? qsTr("Really leave?") : qsTr("Leave group")
                danger: true
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
            ThemedButton {
                objectName: "addMembersButton"
                text: panel.adding ? qsTr("Done") : qsTr("Add people")
                onClicked: {
                    panel.adding = !panel.adding
                    if (panel.adding) {
                        addField.forceActiveFocus()
                        panel.searching = true
                        panel.session.searchUsers("")
                    }
                }
            }
            ThemedButton {
                text: qsTr("Close")
                onClicked: { leave.confirming = false; panel.close() }
            }
        }
    }
}
