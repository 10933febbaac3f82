// A short message at the bottom of the window (send refused, draft not saved...).
import QtQuick
import QtQuick.Controls
import Chat

Rectangle {
    id: toast
    property string text
    signal dismissed()
    visible: text.length > 0
    width: Math.min(label.implicitWidth + 32, 520)
    height: label.implicitHeight + 18
    radius: height / 2
    color: Theme.dark ? "#e8eaed" : "#2b2f36"
    opacity: 0.95
    Accessible.role: Accessible.AlertMessage
    Accessible.name: text
    onTextChanged: if (text.length > 0) hide.restart()

    Label {
        id: label
        anchors.centerIn: parent
        width: Math.min(implicitWidth, 488)
        text: toast.text
        wrapMode: Text.WordWrap
        color: Theme.dark ? "#1b1d21" : "#ffffff"
    }
    Timer {
        id: hide
        interval: 6000
        onTriggered: toast.dismissed()
    }
    MouseArea {
        anchors.fill: parent
        onClicked: toast.dismissed()
    }
}
