// Settings: themed controls switch the theme; "Sign out" revokes the session on the server and
// returns to signed-out (optionally deleting the local data). Members panel: adding people.
import QtQuick
import QtTest
import Chat
import ChatTest

ChatTestCase {
    name: "Settings"

    function test_themeButtonsAndSignOut() {
        const s = signedIn("bob") // a session of its own: the harness peer "bob" keeps its token
        const page = showPage(s)
        const dialog = findChild(page, "settingsDialog")
        verify(dialog !== null)
        dialog.open()
        tryCompare(dialog, "opened", true, timeout)
        // Built asynchronously with the page, the dialog lays itself out in the frame that
        // shows it (what a user clicks on), not before: click after that frame.
        waitForRendering(dialog.contentItem, timeout)
        const dark = findChild(dialog.contentItem, "theme_dark")
        const light = findChild(dialog.contentItem, "theme_light")
        mouseClick(dark)
        tryCompare(Harness.settingsOf(s), "theme", "dark", timeout)
        compare(dark.checked, true)
        compare(light.checked, false)
        mouseClick(light)
        tryCompare(Harness.settingsOf(s), "theme", "light", timeout)

        const box = findChild(dialog.contentItem, "deleteLocalDataBox")
        verify(box !== null)
        mouseClick(box)
        compare(box.checked, true)
        const spy = createTemporaryObject(signalSpy, this, { target: s, signalName: "signedOut" })
        mouseClick(findChild(dialog.contentItem, "signOutButton"))
        tryCompare(spy, "count", 1, timeout)
        compare(spy.signalArguments[0][0], true) // revoked on the server
        compare(s.state, ChatSession.SignedOut)
        tryCompare(dialog, "opened", false, timeout)
    }

    // The candidate row for `username` in the members panel's search list, or null.
    function candidate(list, username) {
        for (let i = 0; i < list.count; ++i)
            if (list.itemAtIndex(i) && list.itemAtIndex(i).username === username)
                return list.itemAtIndex(i)
        return null
    }

    function test_addPeopleToAGroup() {
        const s = signedIn("carol")
        const page = showPage(s)
        // A group of its own (Team is shared with other tests' read counts): carol and dave.
        openConversation(s, "Team")
        const panel = findChild(page, "membersDialog")
        panel.open()
        tryCompare(panel, "opened", true, timeout)
        waitForRendering(panel.contentItem, timeout) // laid out in the frame that shows it
        mouseClick(findChild(panel.contentItem, "addMembersButton"))
        const field = findChild(panel.contentItem, "addMemberField")
        const list = findChild(panel.contentItem, "addMemberList")
        tryCompare(field, "visible", true, timeout)
        field.text = "dave"
        tryVerify(() => candidate(list, "dave") !== null, timeout, "dave found")
        const daveId = candidate(list, "dave").userId
        panel.close()
        const created = createTemporaryObject(signalSpy, this,
                                              { target: s, signalName: "conversationCreated" })
        s.createGroup("Added from the panel", [daveId])
        tryCompare(created, "count", 1, timeout)
        openConversation(s, "Added from the panel")
        tryVerify(() => s.members !== null && s.members.count === 2, timeout)

        panel.open()
        tryCompare(panel, "opened", true, timeout)
        compare(field.visible, false)
        mouseClick(findChild(panel.contentItem, "addMembersButton"))
        tryCompare(field, "visible", true, timeout)
        field.text = "bob"
        tryVerify(() => candidate(list, "bob") !== null, timeout, "bob found")
        const added = createTemporaryObject(signalSpy, this,
                                            { target: s, signalName: "membersAdded" })
        mouseClick(candidate(list, "bob"))
        tryCompare(added, "count", 1, timeout)
        compare(added.signalArguments[0][0], true)
        tryCompare(field, "visible", false, timeout)
        // The server added bob: he has the group now. (carol's own list follows at her next
        // catch-up: the engine's addMembers does not store the server's answer yet.)
        verify(Harness.peerOnline("bob"))
        tryVerify(() => Harness.peerSend("bob", "Added from the panel", "thanks for adding me"),
                  timeout, "bob is a member")
        panel.close()
    }

    Component {
        id: signalSpy
        SignalSpy {}
    }
}
