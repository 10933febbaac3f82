// A check box in the app's look (accent box when checked, themed label).
import QtQuick
import QtQuick.Controls
import Chat

CheckBox {
    id: control
    font.pixelSize: Theme.fontSize
    leftPadding: 0 // line up with the labels above
    indicator: Rectangle {
        implicitWidth: 18
        implicitHeight: 18
        x: control.leftPadding
        y: (control.height - height) / 2
        radius: 4
        color: control.checked ? Theme.accent : Theme.field
        border.width: control.visualFocus ? 2 : 1
        border.color: control.checked || control.visualFocus ? Theme.accent : Theme.fieldBorder
        Label {
            anchors.centerIn: parent
            visible: control.checked
            text: "\u2713"
            color: Theme.textOnAccent
            font.pixelSize: 13
            font.bold: true
        }
    }
    contentItem: Label {
        text: control.text
        font: control.font
        color: Theme.text
        wrapMode: Text.WordWrap
        verticalAlignment: Text.AlignVCenter
        leftPadding: control.indicator.width + control.spacing
    }
}
