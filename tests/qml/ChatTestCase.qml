// Common pieces of the desktop Qt Quick tests: signed-in sessions, a ChatPage on screen, and
// lookups of the items the user sees.
import QtQuick
import QtTest
import Chat
import ChatTest

TestCase {
    id: tc
    width: 1000
    height: 700
    when: windowShown
    visible: true // TestCase is invisible by default; these tests look at what is shown
    readonly property int timeout: 20000
    property var shownPage: null // the page of showPage(), for openConversation()

    Component {
        id: pageComponent
        ChatPage { width: tc.width; height: tc.height }
    }

    // A test that stopped the server must not leave it stopped for the next one.
    function init() {
        shownPage = null
        if (!Harness.serverRunning)
            verify(Harness.startServer())
    }

    /// A session signed in as `user` (fresh profile), online and caught up.
    function signedIn(user) {
        const s = Harness.signedInSession(user)
        tryCompare(s, "state", ChatSession.SignedIn, timeout)
        tryCompare(s, "connection", ChatSession.Online, timeout)
        return s
    }
    function showPage(session) {
        const page = createTemporaryObject(pageComponent, tc, {
            session: session,
            settings: Harness.settingsOf(session),
            languages: Support.languagesFor(session)
        })
        verify(page !== null, "ChatPage created")
        shownPage = page
        // The page builds its dialogs asynchronously, after itself.
        tryVerify(() => page.dialogsReady, timeout, "dialogs built")
        return page
    }
    function openConversation(session, ref) {
        tryVerify(() => session.conversationIdFor(ref).length > 0, timeout, "conversation " + ref)
        session.openConversation(session.conversationIdFor(ref))
        tryVerify(() => session.messages !== null, timeout)
        // The page builds the conversation's view asynchronously.
        if (shownPage)
            tryVerify(() => shownPage.conversationReady, timeout, "conversation view built")
    }
    function messageList(page) {
        tryVerify(() => page.conversationReady, timeout, "conversation view built")
        const list = findChild(page, "messageList")
        verify(list !== null, "message list shown")
        return list
    }
    /// The delegate showing the message with this text (must be loaded and created).
    function bubbleWithText(list, text) {
        for (let i = 0; i < list.count; ++i) {
            const item = list.itemAtIndex(i)
            if (item && item.content === text)
                return item
        }
        return null
    }
    function typeAndSend(page, text) {
        tryVerify(() => page.conversationReady, timeout, "conversation view built")
        const input = findChild(page, "composerInput")
        verify(input !== null)
        input.forceActiveFocus()
        input.text = text
        keyClick(Qt.Key_Return)
    }
}
