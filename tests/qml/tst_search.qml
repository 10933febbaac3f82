// Local search panel: Ctrl+Shift+F searches every conversation, results show the match in
// bold, Enter opens the conversation at the hit (history loaded around it); Ctrl+F searches the
// open conversation only and offers "go to date", which lands on the first message of the date
// also when this device does not hold it yet.
import QtQuick
import QtTest
import Chat
import ChatTest

ChatTestCase {
    name: "Search"

    function panelOf(page) {
        const field = findChild(page, "searchField")
        verify(field !== null, "search field exists")
        return field
    }

    function test_searchAllAndJumpToHit() {
        const s = signedIn("alice")
        const page = showPage(s)
        keyClick(Qt.Key_F, Qt.ControlModifier | Qt.ShiftModifier)
        const field = panelOf(page)
        tryCompare(field, "activeFocus", true, timeout)
        const results = findChild(page, "searchResults")
        const empty = findChild(page, "searchEmpty")
        tryCompare(empty, "visible", true, timeout)

        field.text = "welcome tea"
        tryCompare(results, "count", 1, timeout)
        tryVerify(() => results.itemAtIndex(0) !== null, timeout)
        const snippet = findChild(results.itemAtIndex(0), "searchSnippet")
        compare(snippet.text, "<b>welcome</b> to the <b>team</b>")
        // Enter: the conversation opens with the hit loaded.
        keyClick(Qt.Key_Return)
        tryCompare(s, "currentConversationId", s.conversationIdFor("Team"), timeout)
        tryVerify(() => s.messages.rowForSeq(1) >= 0, timeout, "hit loaded")

        // Hostile text never errors: just no results.
        keyClick(Qt.Key_F, Qt.ControlModifier | Qt.ShiftModifier)
        tryCompare(field, "activeFocus", true, timeout)
        field.text = "NEAR(\"*"
        tryCompare(results, "count", 0, timeout)
        compare(empty.text, "No messages found")
        keyClick(Qt.Key_Escape)
    }

    function test_searchInConversationLoadsContext() {
        // carol and dave's conversation: opening it moves carol's read watermark only (other
        // tests count on alice's and dave's unread messages, so this one leaves them alone).
        const s = signedIn("carol")
        const page = showPage(s)
        openConversation(s, "dave")
        // The newest page is stored; message 95 is among it.
        keyClick(Qt.Key_F, Qt.ControlModifier)
        const field = panelOf(page)
        tryCompare(field, "activeFocus", true, timeout)
        verify(findChild(page, "searchDateField").visible, "go to date offered")
        const results = findChild(page, "searchResults")
        field.text = "\"carol says 95\""
        tryCompare(results, "count", 1, timeout)
        tryVerify(() => results.itemAtIndex(0) !== null, timeout)
        mouseClick(results.itemAtIndex(0))
        tryVerify(() => s.messages.rowForSeq(95) >= 0, timeout)
        const list = messageList(page)
        tryVerify(() => bubbleWithText(list, "carol says 95") !== null, timeout, "hit shown")
    }

    function test_goToDateFetchesHistoryNotStored() {
        // carol and dave again (only carol's read watermark moves). Catch-up stored the newest
        // page only: seq 1, the first message on or after 2000-01-01, is on the server only.
        const s = signedIn("carol")
        const page = showPage(s)
        openConversation(s, "dave")
        tryVerify(() => s.messages.rowForSeq(100) >= 0, timeout)
        verify(s.messages.rowForSeq(1) < 0, "seq 1 not loaded yet")
        keyClick(Qt.Key_F, Qt.ControlModifier)
        const dateField = findChild(page, "searchDateField")
        tryCompare(dateField, "visible", true, timeout)
        const notice = findChild(page, "searchDateNotice")
        // Not a date: said so, nothing happens.
        dateField.text = "2024-02-31"
        mouseClick(findChild(page, "searchDateButton"))
        tryCompare(notice, "visible", true, timeout)
        compare(notice.text, "Type a date as YYYY-MM-DD.")

        dateField.text = "2000-01-01"
        mouseClick(findChild(page, "searchDateButton"))
        tryVerify(() => s.messages.rowForSeq(1) >= 0, timeout, "first message loaded")
        tryCompare(dateField, "visible", false, timeout) // the panel closed
        const list = messageList(page)
        tryVerify(() => bubbleWithText(list, "carol says 1") !== null, timeout, "first shown")
        compare(findChild(page, "jumpNotice").text, "", "exact landing: no notice")
    }
}
