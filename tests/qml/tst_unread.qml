// Unread: badges in the list, the conversation opens at the first unread message with the
// "New messages" divider, what lies between it and the newest page is fetched as it is
// scrolled past, and jump-to-latest goes to the bottom.
import QtQuick
import QtTest
import Chat
import ChatTest

ChatTestCase {
    name: "Unread"

    function dividerRow(list) {
        for (let i = 0; i < list.count; ++i) {
            const item = list.itemAtIndex(i)
            if (item && item.isFirstUnread)
                return i
        }
        return -1
    }

    function rowHeightsMatchContent(list) {
        let checked = 0
        for (let i = 0; i < list.count; ++i) {
            const item = list.itemAtIndex(i)
            if (!item)
                continue
            const column = findChild(item, "rowColumn")
            const expected = column.implicitHeight + (item.lastInRun ? 6 : 0)
            if (Math.abs(item.height - expected) > 0.5)
                return false
            ++checked
        }
        return checked > 0
    }

    function test_badgeDividerAndJump() {
        // dave has never read carol's 90 messages in the fixture (nobody else plays dave).
        const s = signedIn("dave")
        const page = showPage(s)
        const conversations = findChild(page, "conversationList")
        tryVerify(() => conversations.count >= 1, timeout)
        // The badge of the carol conversation shows its unread count.
        const id = s.conversationIdFor("carol")
        const row = s.conversations.rowOf(id)
        verify(row >= 0)
        tryVerify(() => conversations.itemAtIndex(row) !== null, timeout)
        const delegate = conversations.itemAtIndex(row)
        verify(delegate.unreadCount >= 30, "unread " + delegate.unreadCount)
        // A row's content is built asynchronously (a few milliseconds per frame).
        tryVerify(() => findChild(delegate, "unreadBadge") !== null, timeout, "row content built")
        compare(findChild(delegate, "unreadBadge").visible, true)

        // Opening it jumps to the first unread message, loading it from the server if needed.
        mouseClick(delegate)
        tryCompare(s, "currentConversationId", id, timeout)
        const list = messageList(page)
        const first = s.messages.firstUnreadSeq
        verify(first > 0)
        tryVerify(() => s.messages.rowForSeq(first) >= 0, timeout, "first unread loaded")
        tryVerify(() => dividerRow(list) >= 0, timeout, "divider shown")
        const divider = list.itemAtIndex(dividerRow(list))
        compare(findChild(divider, "unreadDivider").visible, true)
        // It is on screen, and the view is not at the bottom.
        tryVerify(() => divider.y + divider.height > list.contentY
                        && divider.y < list.contentY + list.height, timeout, "divider in view")
        // The view was positioned with the divider's row at its centre: that lands right only
        // when each row's height is known as it is made (summed from its parts, not read from
        // its Column after a polish). Checked as soon as the row is there, before the messages
        // between it and the newest page are fetched; then rows' heights against their Columns.
        const centre = list.contentY + list.height / 2
        verify(Math.abs(divider.y + divider.height / 2 - centre) <= divider.height / 2 + 1,
               "divider row at the centre: " + divider.y + "+" + divider.height + " vs " + centre)
        // (A Column lays out in the next polish after a row changes: eventually equal.)
        tryVerify(() => rowHeightsMatchContent(list), timeout, "every row's height is its content's")
        const jump = findChild(page, "jumpToLatest")
        tryCompare(jump, "visible", true, timeout)

        // Scrolling down from there passes what was not stored at the jump (between the first
        // unread and the newest page): it is fetched while its marker is on screen, so every
        // message from the first unread to the newest ends up in the list.
        for (let press = 0; press < 60 && !list.atYEnd; ++press) {
            keyClick(Qt.Key_PageDown)
            wait(50)
        }
        tryVerify(() => {
            for (let seq = first; seq <= s.messages.newestSeq; ++seq)
                if (s.messages.rowForSeq(seq) < 0)
                    return false
            return true
        }, timeout, "no gap left between the first unread and the newest message")

        // Jump to latest: the newest message is in view, and everything seen is read.
        mouseClick(jump)
        tryCompare(list, "atYEnd", true, timeout)
        tryCompare(jump, "visible", false, timeout)
        tryCompare(delegate, "unreadCount", 0, timeout)
        compare(findChild(delegate, "unreadBadge").visible, false)
    }

    function test_quickSwitcherOpensConversation() {
        const s = signedIn("alice")
        const page = showPage(s)
        keyClick(Qt.Key_K, Qt.ControlModifier)
        const field = findChild(page, "quickSwitcherField")
        tryCompare(field, "activeFocus", true, timeout)
        field.text = "Tea"
        keyClick(Qt.Key_Return)
        tryCompare(s, "currentConversationId", s.conversationIdFor("Team"), timeout)
        // Alt+Down / Alt+Up move between conversations.
        const before = s.conversations.rowOf(s.currentConversationId)
        keyClick(Qt.Key_Down, Qt.AltModifier)
        tryVerify(() => s.conversations.rowOf(s.currentConversationId) !== before
                        || before === s.conversations.count - 1, timeout)
        keyClick(Qt.Key_Escape)
        tryCompare(s, "currentConversationId", "", timeout)
    }
}
