// A push button in the app's look: accent-filled when highlighted (or checked, for segmented
// choices), a field-coloured outline otherwise, red text for destructive actions (`danger`).
import QtQuick
import QtQuick.Controls
import Chat

Button {
    id: button
    property bool danger: false
    readonly property bool filled: highlighted || checked
    font.pixelSize: Theme.fontSize
    leftPadding: 14
    rightPadding: 14
    contentItem: Label {
        text: button.text
        font: button.font
        elide: Text.ElideRight
        horizontalAlignment: Text.AlignHCenter
        verticalAlignment: Text.AlignVCenter
        color: !button.enabled ? Theme.textSecondary
               : button.filled ? Theme.textOnAccent
               : button.danger ? Theme.danger : Theme.text
    }
    background: Rectangle {
        implicitHeight: 36
        implicitWidth: 80
        radius: Theme.radius
        opacity: button.enabled ? 1 : 0.6
        color: button.filled ? (button.down ? Theme.accentPressed : Theme.accent)
               : button.down ? Theme.divider
               : button.hovered ? Theme.sidebarHover : Theme.field
        border.width: button.filled ? 0 : (button.visualFocus ? 2 : 1)
        border.color: button.visualFocus ? Theme.accent
                      : button.danger ? Theme.danger : Theme.fieldBorder
    }
}
