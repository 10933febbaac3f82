// A centred modal card in the app's look, closed by Esc or a click outside.
import QtQuick
import QtQuick.Controls
import Chat

Popup {
    id: popup
    parent: Overlay.overlay
    anchors.centerIn: parent
    modal: true
    focus: true
    padding: 20
    closePolicy: Popup.CloseOnEscape | Popup.CloseOnPressOutside
    background: Rectangle {
        radius: 12
        color: Theme.window
        border.color: Theme.divider
    }
    Overlay.modal: Rectangle { color: Theme.dark ? "#99000000" : "#55000000" }
}
