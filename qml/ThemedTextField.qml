// A text field in the app's look (Basic style, themed for light and dark).
import QtQuick
import QtQuick.Controls
import Chat

TextField {
    id: field
    color: Theme.text
    placeholderTextColor: Theme.textSecondary
    selectionColor: Theme.accent
    selectedTextColor: Theme.textOnAccent
    font.pixelSize: Theme.fontSize
    leftPadding: 10
    rightPadding: 10
    background: Rectangle {
        implicitHeight: 36
        radius: Theme.radius
        color: Theme.field
        border.width: field.activeFocus ? 2 : 1
        border.color: field.activeFocus ? Theme.accent : Theme.fieldBorder
    }
}
