// Ticks tell the truth: clock while only in the outbox, then one tick (server has it), two
// (bob's device has it), blue (bob read it) - and not earlier.
import QtQuick
import QtTest
import Chat
import ChatTest

ChatTestCase {
    name: "Ticks"

    function test_clockTickDoubleTickRead() {
        verify(Harness.peerOnline("bob"))
        const s = signedIn("alice")
        const page = showPage(s)
        openConversation(s, "bob")
        // alice has unread messages here: the view first jumps to them; let it settle.
        tryVerify(() => s.messages.rowForSeq(s.messages.firstUnreadSeq) >= 0, timeout)
        const list = messageList(page)
        typeAndSend(page, "tick tock")
        tryCompare(list, "atYEnd", true, timeout)
        const bubble = bubbleWithText(list, "tick tock")
        verify(bubble !== null)
        const tick = findChild(bubble, "tick")
        verify(tick.visible)
        // Shown before the server answered: pending (clock) or, on a fast machine, already sent.
        verify(["pending", "sent", "delivered"].indexOf(bubble.deliveryState) >= 0, bubble.deliveryState)
        tryCompare(bubble, "deliveryState", "delivered", timeout)
        compare(tick.state, "delivered")
        // Bob has not read it: "delivered", not "read".
        compare(bubble.deliveryState, "delivered")
        verify(Harness.peerReadAll("bob", "alice"))
        tryCompare(bubble, "deliveryState", "read", timeout)
        compare(tick.state, "read")
        compare(bubble.deliveryText, "Read")
    }

    function test_groupReadCount() {
        verify(Harness.peerOnline("bob"))
        verify(Harness.peerOnline("carol"))
        const s = signedIn("alice")
        const page = showPage(s)
        openConversation(s, "Team")
        const list = messageList(page)
        typeAndSend(page, "count me")
        const bubble = bubbleWithText(list, "count me")
        verify(bubble !== null)
        tryCompare(bubble, "deliveryState", "delivered", timeout)
        const count = findChild(bubble, "readCount")
        compare(count.visible, true)
        compare(count.text, "read 0/2")
        verify(Harness.peerReadAll("bob", "Team"))
        tryCompare(count, "text", "read 1/2", timeout)
        compare(bubble.deliveryState, "delivered")
        compare(bubble.deliveryText, "Read by 1 of 2")
        verify(Harness.peerReadAll("carol", "Team"))
        tryCompare(bubble, "deliveryState", "read", timeout)
        compare(count.visible, false)
    }
}
