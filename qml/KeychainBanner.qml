// Shown when the system keychain could not store the session: says so plainly, what to install,
// and lets the user explicitly choose to keep the session in the profile folder unencrypted.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Chat

Rectangle {
    id: banner
    required property ChatSession session
    property bool dismissed: false
    objectName: "keychainBanner"
    visible: session.keychainProblem.length > 0 && !dismissed
    implicitHeight: visible ? col.implicitHeight + 16 : 0
    color: Theme.bannerError
    Accessible.role: Accessible.AlertMessage
    Accessible.name: problem.text

    ColumnLayout {
        id: col
        anchors.left: parent.left
        anchors.right: parent.right
        anchors.verticalCenter: parent.verticalCenter
        anchors.leftMargin: 16
        anchors.rightMargin: 16
        spacing: 6
        Label {
            id: problem
            objectName: "keychainProblemText"
            Layout.fillWidth: true
            text: banner.session.keychainProblem
            wrapMode: Text.WordWrap
            color: Theme.bannerErrorText
        }
        RowLayout {
            spacing: 16
            Label {
                text: qsTr("Keep me signed in anyway (stored unencrypted in the profile folder)")
                color: Theme.bannerErrorText
                font.underline: true
                font.bold: true
                Accessible.role: Accessible.Button
                Accessible.name: text
                MouseArea {
                    anchors.fill: parent
                    cursorShape: Qt.PointingHandCursor
                    onClicked: banner.session.storeTokenWithoutKeychain()
                }
            }
            Label {
                text: qsTr("Dismiss")
                color: Theme.bannerErrorText
                font.underline: true
                Accessible.role: Accessible.Button
                Accessible.name: text
                MouseArea {
                    anchors.fill: parent
                    cursorShape: Qt.PointingHandCursor
                    onClicked: banner.dismissed = true
                }
            }
        }
    }
}
