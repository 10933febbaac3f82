// A drop-down in the app's look: the field colours of ThemedTextField, a themed popup list.
import QtQuick
import QtQuick.Controls
import Chat

ComboBox {
    id: box
    font.pixelSize: Theme.fontSize
    leftPadding: 10
    contentItem: Label {
        text: box.displayText
        font: box.font
        color: Theme.text
        verticalAlignment: Text.AlignVCenter
        elide: Text.ElideRight
        rightPadding: box.indicator.width + 6
    }
    indicator: Label {
        x: box.width - width - 10
        y: (box.height - height) / 2
        text: "\u25BE"
        color: Theme.textSecondary
        font.pixelSize: 14
    }
    background: Rectangle {
        implicitHeight: 36
        implicitWidth: 160
        radius: Theme.radius
        color: box.hovered ? Theme.sidebarHover : Theme.field
        border.width: box.visualFocus || box.popup.visible ? 2 : 1
        border.color: box.visualFocus || box.popup.visible ? Theme.accent : Theme.fieldBorder
    }
    delegate: ItemDelegate {
        required property var model
        required property int index
        width: box.width
        highlighted: box.highlightedIndex === index
        contentItem: Label {
            text: model[box.textRole]
            color: highlighted ? Theme.textOnAccent : Theme.text
            font.pixelSize: Theme.fontSize
            verticalAlignment: Text.AlignVCenter
        }
        background: Rectangle { color: highlighted ? Theme.accent : "transparent" }
    }
    popup.background: Rectangle {
        radius: Theme.radius
        color: Theme.window
        border.color: Theme.divider
    }
}
