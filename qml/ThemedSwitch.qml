// An on/off switch in the app's look: accent track when on, themed label.
import QtQuick
import QtQuick.Controls
import Chat

Switch {
    id: control
    font.pixelSize: Theme.fontSize
    spacing: 10
    leftPadding: 0 // line up with the labels above
    indicator: Rectangle {
        implicitWidth: 40
        implicitHeight: 22
        x: control.leftPadding
        y: (control.height - height) / 2
        radius: height / 2
        color: control.checked ? Theme.accent : Theme.field
        border.width: control.visualFocus ? 2 : 1
        border.color: control.visualFocus ? Theme.accentPressed
                      : control.checked ? Theme.accent : Theme.fieldBorder
        Rectangle {
            width: 16
            height: 16
            radius: 8
            y: 3
            x: control.checked ? parent.width - width - 3 : 3
            color: control.checked ? Theme.textOnAccent : Theme.textSecondary
            Behavior on x { NumberAnimation { duration: 120 } }
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
