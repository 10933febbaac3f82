// Sending: Enter sends, Shift+Enter makes a new line, the message shows at once at the bottom,
// and the draft of each conversation is kept.
import QtQuick
import QtTest
import Chat
import ChatTest

ChatTestCase {
    name: "Sending"

    function test_enterSendsShiftEnterBreaksLine() {
        const s = signedIn("alice")
        const page = showPage(s)
        openConversation(s, "carol")
        const list = messageList(page)
        const input = findChild(page, "composerInput")
        input.forceActiveFocus()
        input.text = "first line"
        input.cursorPosition = input.length
        keyClick(Qt.Key_Return, Qt.ShiftModifier)
        compare(input.text, "first line\n")
        keyClick(Qt.Key_S)
        keyClick(Qt.Key_Return)
        compare(input.text, "", "the composer is cleared after sending")
        tryVerify(() => list.itemAtIndex(0) && list.itemAtIndex(0).content === "first line\ns", timeout)
        compare(list.itemAtIndex(0).outgoing, true)
        // A blank message is not sent.
        const before = list.count
        input.text = "   "
        keyClick(Qt.Key_Return)
        compare(list.count, before)
    }

    function test_sendButton() {
        const s = signedIn("alice")
        const page = showPage(s)
        openConversation(s, "carol")
        const input = findChild(page, "composerInput")
        const button = findChild(page, "sendButton")
        compare(button.enabled, false)
        input.text = "via the button"
        compare(button.enabled, true)
        mouseClick(button)
        const list = messageList(page)
        tryVerify(() => bubbleWithText(list, "via the button") !== null, timeout)
    }

    function test_draftKeptPerConversation() {
        const s = signedIn("alice")
        const page = showPage(s)
        openConversation(s, "carol")
        const carol = s.currentConversationId
        findChild(page, "composerInput").text = "draft for carol"
        openConversation(s, "Team")
        tryCompare(findChild(page, "composerInput"), "text", "")
        findChild(page, "composerInput").text = "draft for the team"
        openConversation(s, "carol")
        tryCompare(findChild(page, "composerInput"), "text", "draft for carol")
        // Stored in the local store: a new window (restart) finds it.
        tryCompare(s, "currentConversationId", carol)
        tryVerify(() => s.draft(s.conversationIdFor("Team")) === "draft for the team", timeout)
    }
}
