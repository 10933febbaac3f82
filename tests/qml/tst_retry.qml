// A message the server refuses for good is shown as failed with the reason; Retry sends it
// again, Discard removes it.
import QtQuick
import QtTest
import Chat
import ChatTest

ChatTestCase {
    name: "Retry"

    function test_failedRetryDiscard() {
        const s = signedIn("alice")
        const page = showPage(s)
        openConversation(s, "carol")
        const list = messageList(page)
        // The test server accepts at most 200 characters; the client allows 4000.
        const text = "x".repeat(260)
        typeAndSend(page, text)
        let bubble = bubbleWithText(list, text)
        verify(bubble !== null)
        tryCompare(bubble, "deliveryState", "failed", timeout)
        verify(bubble.errorText.length > 0)
        const retry = findChild(bubble, "retryButton")
        tryCompare(retry, "visible", true, timeout)
        compare(findChild(bubble, "tick").state, "failed")

        mouseClick(retry)
        // Back in the outbox, then refused again.
        tryCompare(bubble, "deliveryState", "failed", timeout)

        const count = list.count
        mouseClick(findChild(bubble, "discardButton"))
        tryCompare(list, "count", count - 1, timeout)
        compare(bubbleWithText(list, text), null)
    }
}
