// The jump-to-latest button counts messages that arrived while the list was scrolled up, and
// the count goes away at the bottom; at the bottom new messages show no count at all.
import QtQuick
import QtTest
import Chat
import ChatTest

ChatTestCase {
    name: "NewCount"

    function test_counterOnJumpButton() {
        // carol and erin's conversation (40 messages, only this test uses it): other tests count
        // on alice's and dave's unread messages, and a sender has read up to their own message.
        verify(Harness.peerOnline("erin"))
        const s = signedIn("carol")
        const page = showPage(s)
        openConversation(s, "erin")
        const list = messageList(page)
        const jump = findChild(page, "jumpToLatest")
        const badge = findChild(page, "newMessagesBadge")
        verify(jump !== null && badge !== null)
        tryVerify(() => list.count >= 40, timeout)
        list.positionViewAtBeginning()
        tryCompare(list, "atYEnd", true, timeout)

        // At the bottom: a new message shows no count.
        verify(Harness.peerSend("erin", "carol", "while at the bottom"))
        tryVerify(() => bubbleWithText(list, "while at the bottom") !== null, timeout)
        compare(badge.visible, false)

        // Scrolled up: two new messages, the button says 2.
        list.positionViewAtIndex(15, ListView.Center)
        tryCompare(jump, "visible", true, timeout)
        compare(badge.visible, false)
        verify(Harness.peerSend("erin", "carol", "new one"))
        verify(Harness.peerSend("erin", "carol", "new two"))
        tryCompare(badge, "text", "2", timeout)
        compare(badge.visible, true)
        verify(jump.Accessible.name.indexOf("2") >= 0, jump.Accessible.name)

        // Jumping down clears it.
        mouseClick(jump)
        tryCompare(list, "atYEnd", true, timeout)
        tryCompare(badge, "visible", false, timeout)
        verify(bubbleWithText(list, "new two") !== null)
    }
}
