// "X is typing…": in the header of the open conversation and in the list row; gone when the
// peer stops.
import QtQuick
import QtTest
import Chat
import ChatTest

ChatTestCase {
    name: "Typing"

    function test_peerTypingShowsAndClears() {
        verify(Harness.peerOnline("bob"))
        const s = signedIn("alice")
        const page = showPage(s)
        openConversation(s, "bob")
        const subtitle = findChild(page, "conversationSubtitle")
        tryCompare(subtitle, "text", "online", timeout)
        verify(Harness.peerTyping("bob", "alice", true))
        tryCompare(subtitle, "text", "typing…", timeout)
        verify(subtitle.font.italic)
        verify(Harness.peerTyping("bob", "alice", false))
        tryCompare(subtitle, "text", "online", timeout)
    }

    function test_groupTypingNamesThePerson() {
        verify(Harness.peerOnline("carol"))
        const s = signedIn("alice")
        const page = showPage(s)
        openConversation(s, "Team")
        const subtitle = findChild(page, "conversationSubtitle")
        verify(Harness.peerTyping("carol", "Team", true))
        tryCompare(subtitle, "text", "Carol Dubois is typing…", timeout)
        verify(Harness.peerTyping("carol", "Team", false))
        tryVerify(() => subtitle.text.indexOf("typing") < 0, timeout)
    }
}
