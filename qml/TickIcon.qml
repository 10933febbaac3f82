// Delivery state of an own message, drawn (crisp at any scale): clock while pending, one tick
// when the server has it, two when delivered, two blue ones when read, a red "!" when failed.
import QtQuick
import Chat

Canvas {
    id: icon
    /// "pending", "sent", "delivered", "read", "failed"
    property string state: "pending"
    property color color: Theme.tick
    implicitWidth: state === "delivered" || state === "read" ? 18 : 12
    implicitHeight: 12
    onStateChanged: requestPaint()
    onColorChanged: requestPaint()
    Accessible.ignored: true

    onPaint: {
        const ctx = getContext("2d")
        ctx.reset()
        ctx.lineWidth = 1.6
        ctx.lineCap = "round"
        ctx.lineJoin = "round"
        const c = icon.state === "read" ? Theme.tickRead
                : icon.state === "failed" ? Theme.danger : icon.color
        ctx.strokeStyle = c
        ctx.fillStyle = c
        const h = height
        function tick(dx) {
            ctx.beginPath()
            ctx.moveTo(dx + 1, h * 0.55)
            ctx.lineTo(dx + 4.2, h * 0.85)
            ctx.lineTo(dx + 11, h * 0.18)
            ctx.stroke()
        }
        if (icon.state === "pending") {
            ctx.beginPath()
            ctx.arc(6, 6, 4.8, 0, Math.PI * 2)
            ctx.stroke()
            ctx.beginPath()
            ctx.moveTo(6, 3); ctx.lineTo(6, 6); ctx.lineTo(8.2, 7.4)
            ctx.stroke()
        } else if (icon.state === "sent") {
            tick(0)
        } else if (icon.state === "delivered" || icon.state === "read") {
            tick(0)
            tick(6)
        } else if (icon.state === "failed") {
            ctx.beginPath()
            ctx.arc(6, 6, 5.5, 0, Math.PI * 2)
            ctx.fill()
            ctx.strokeStyle = "white"
            ctx.beginPath(); ctx.moveTo(6, 3); ctx.lineTo(6, 6.8); ctx.stroke()
            ctx.beginPath(); ctx.moveTo(6, 8.8); ctx.lineTo(6, 9); ctx.stroke()
        }
    }
}
