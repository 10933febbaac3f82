// The app's mark drawn in QML (the same shape as resources/desktop/chat-desktop.svg), so it is
// sharp at any scale without an SVG image plugin.
import QtQuick
import Chat

Item {
    property int size: 48
    implicitWidth: size
    implicitHeight: size
    Accessible.ignored: true
    Rectangle {
        anchors.fill: parent
        radius: width * 0.24
        gradient: Gradient {
            GradientStop { position: 0; color: "#4d8ff0" }
            GradientStop { position: 1; color: "#2559b8" }
        }
    }
    Rectangle {
        id: bubble
        x: parent.width * 0.2; y: parent.height * 0.24
        width: parent.width * 0.6; height: parent.height * 0.42
        radius: height * 0.45
        color: "white"
    }
    Canvas {
        x: parent.width * 0.28; y: parent.height * 0.58
        width: parent.width * 0.2; height: parent.height * 0.2
        onPaint: {
            const ctx = getContext("2d")
            ctx.reset()
            ctx.fillStyle = "white"
            ctx.beginPath()
            ctx.moveTo(0, 0); ctx.lineTo(width, 0); ctx.lineTo(0, height)
            ctx.closePath(); ctx.fill()
        }
    }
    Row {
        anchors.centerIn: bubble
        spacing: bubble.width * 0.1
        Repeater {
            model: 3
            Rectangle {
                width: bubble.height * 0.2; height: width; radius: width / 2
                color: "#2b6fd6"
            }
        }
    }
}
