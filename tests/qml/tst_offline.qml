// Offline: the banner says so, messages written meanwhile wait (clock) and go out when the
// server is back; the banner goes away.
import QtQuick
import QtTest
import Chat
import ChatTest

ChatTestCase {
    name: "Offline"

    function test_bannerAndQueuedSend() {
        const s = signedIn("alice")
        const page = showPage(s)
        openConversation(s, "carol")
        const banner = findChild(page, "connectionBanner")
        compare(banner.visible, false)

        Harness.stopServer()
        tryCompare(s, "connection", ChatSession.Offline, timeout)
        tryCompare(banner, "visible", true, timeout)
        verify(findChild(page, "connectionBannerText").text.indexOf("offline") >= 0)

        const list = messageList(page)
        typeAndSend(page, "sent while offline")
        const bubble = bubbleWithText(list, "sent while offline")
        verify(bubble !== null)
        compare(bubble.deliveryState, "pending")
        compare(findChild(bubble, "tick").state, "pending")

        verify(Harness.startServer())
        s.reconnectNow()
        tryCompare(s, "connection", ChatSession.Online, timeout)
        tryCompare(banner, "visible", false, timeout)
        tryVerify(() => bubble.deliveryState === "sent" || bubble.deliveryState === "delivered", timeout)
    }
}
