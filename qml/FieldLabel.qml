// A small caption above a form field; clicking it focuses the field.
import QtQuick
import QtQuick.Controls
import Chat

Label {
    property Item target
    color: Theme.textSecondary
    font.pixelSize: Theme.smallFontSize
    font.bold: true
    MouseArea {
        anchors.fill: parent
        onClicked: if (parent.target) parent.target.forceActiveFocus()
    }
}
