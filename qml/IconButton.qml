// A round, flat button showing one glyph, with a tooltip and an accessible name.
import QtQuick
import QtQuick.Controls
import Chat

ToolButton {
    id: button
    property string glyph
    property string tip
    implicitWidth: 34
    implicitHeight: 34
    Accessible.name: tip
    ToolTip.visible: hovered && tip.length > 0
    ToolTip.text: tip
    ToolTip.delay: 600
    contentItem: Label {
        text: button.glyph
        color: button.enabled ? Theme.textSecondary : Theme.divider
        font.pixelSize: 18
        horizontalAlignment: Text.AlignHCenter
        verticalAlignment: Text.AlignVCenter
    }
    background: Rectangle {
        radius: width / 2
        color: button.down ? Theme.divider : button.hovered ? Theme.sidebarHover : "transparent"
    }
}
