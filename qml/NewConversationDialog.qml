// Ctrl+N: find people by name; one person starts a direct conversation, several a group
// (which needs a title).
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Chat

ThemedPopup {
    id: dialog
    required property ChatSession session
    property var selected: ({})      // userId -> name
    property int selectedCount: 0
    property bool searching: false
    width: 460
    height: 540

    onOpened: {
        selected = {}
        selectedCount = 0
        query.text = ""
        title.text = ""
        query.forceActiveFocus()
        session.searchUsers("")
        searching = true
    }
    function toggle(userId, name) {
        const s = Object.assign({}, selected)
        if (s[userId] !== undefined)
            delete s[userId]
        else
            s[userId] = name
        selected = s
        selectedCount = Object.keys(s).length
    }
    function create() {
        const ids = Object.keys(selected)
        if (ids.length === 1)
            session.createDirect(ids[0])
        else if (ids.length > 1 && title.text.trim().length > 0)
            session.createGroup(title.text.trim(), ids)
        else
            return
        close()
    }

    Connections {
        target: dialog.session
        function onUserSearchFinished(ok) { dialog.searching = false }
    }
    Timer {
        id: debounce
        interval: 250
        onTriggered: { dialog.searching = true; dialog.session.searchUsers(query.text) }
    }

    ColumnLayout {
        anchors.fill: parent
        spacing: 10
        Label {
            text: qsTr("New conversation")
            color: Theme.text
            font.bold: true
            font.pixelSize: Theme.titleFontSize
        }
        ThemedTextField {
            id: query
            objectName: "userSearchField"
            Layout.fillWidth: true
            placeholderText: qsTr("Search people by name")
            Accessible.name: qsTr("Search people")
            onTextChanged: debounce.restart()
        }
        ListView {
            id: users
            Layout.fillWidth: true
            Layout.fillHeight: true
            clip: true
            model: dialog.session.userSearch
            delegate: CheckDelegate {
                required property string userId
                required property string name
                required property string username
                width: ListView.view.width
                text: name + "  (@" + username + ")"
                checked: dialog.selected[userId] !== undefined
                Accessible.name: name
                onClicked: dialog.toggle(userId, name)
                palette.windowText: Theme.text
                palette.text: Theme.text
            }
            Label {
                anchors.centerIn: parent
                visible: users.count === 0
                color: Theme.textSecondary
                text: dialog.searching ? qsTr("Searching…") : qsTr("Nobody found.")
            }
        }
        ThemedTextField {
            id: title
            objectName: "groupTitleField"
            visible: dialog.selectedCount > 1
            Layout.fillWidth: true
            placeholderText: qsTr("Group name")
            Accessible.name: qsTr("Group name")
        }
        RowLayout {
            Layout.fillWidth: true
            Label {
                Layout.fillWidth: true
                wrapMode: Text.WordWrap
                color: Theme.textSecondary
                font.pixelSize: Theme.smallFontSize
                text: dialog.selectedCount === 0 ? qsTr("Choose one person, or several for a group.")
                      : dialog.selectedCount === 1 ? qsTr("Direct conversation")
                      : qsTr("Group with %n people", "", dialog.selectedCount)
            }
            Button {
                text: qsTr("Cancel")
                onClicked: dialog.close()
            }
            Button {
                objectName: "createConversationButton"
                text: qsTr("Start")
                highlighted: true
                enabled: dialog.selectedCount === 1 || (dialog.selectedCount > 1 && title.text.trim().length > 0)
                onClicked: dialog.create()
            }
        }
    }
}
