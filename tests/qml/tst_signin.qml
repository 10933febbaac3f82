// Sign in: wrong password says so, the right one gets in; registering a new account.
import QtQuick
import QtTest
import Chat
import ChatTest

ChatTestCase {
    name: "SignIn"

    Component {
        id: signInComponent
        SignInPage { width: 800; height: 700 }
    }

    function makePage() {
        const session = Harness.newSession()
        const page = createTemporaryObject(signInComponent, this, {
            session: session, settings: Harness.settingsOf(session) })
        verify(page !== null)
        findChild(page, "serverField").text = Harness.serverUrl
        return { session: session, page: page }
    }

    function test_needsAllFields() {
        const t = makePage()
        const submit = findChild(t.page, "submitButton")
        findChild(t.page, "userField").text = ""
        compare(submit.enabled, false)
        findChild(t.page, "userField").text = "alice"
        compare(submit.enabled, false)
        findChild(t.page, "passwordField").text = "alice-pw"
        compare(submit.enabled, true)
    }

    function test_wrongThenRightPassword() {
        const t = makePage()
        findChild(t.page, "userField").text = "alice"
        findChild(t.page, "passwordField").text = "wrong-password"
        mouseClick(findChild(t.page, "submitButton"))
        const error = findChild(t.page, "signInError")
        tryVerify(() => error.visible && error.text.length > 0, timeout)
        compare(t.session.state, ChatSession.SignedOut)

        findChild(t.page, "passwordField").text = "alice-pw"
        const password = findChild(t.page, "passwordField")
        password.forceActiveFocus()
        keyClick(Qt.Key_Return) // Enter in the password field signs in
        tryCompare(t.session, "state", ChatSession.SignedIn, timeout)
        tryCompare(t.session, "userName", "Alice Martin", timeout)
        compare(error.visible, false)
    }

    function test_registerNewAccount() {
        const t = makePage()
        mouseClick(findChild(t.page, "modeSwitch"))
        tryCompare(findChild(t.page, "displayField"), "visible", true)
        const name = "zoe" + Date.now() % 100000
        findChild(t.page, "userField").text = name
        findChild(t.page, "displayField").text = "Zoe Quinn"
        findChild(t.page, "passwordField").text = "zoe-password"
        mouseClick(findChild(t.page, "submitButton"))
        tryCompare(t.session, "state", ChatSession.SignedIn, timeout)
        tryCompare(t.session, "userName", "Zoe Quinn", timeout)
    }

    // A sign-in started elsewhere (chat-desktop --server/--username) that fails leaves the
    // form showing what was tried, not the profile's defaults.
    function test_failedAttemptShowsWhatWasTried() {
        const session = Harness.newSession()
        const page = createTemporaryObject(signInComponent, this, {
            session: session, settings: Harness.settingsOf(session) })
        verify(page !== null)
        session.signIn("ws://127.0.0.1:1", "bob", "bob-pw", false)
        const error = findChild(page, "signInError")
        tryVerify(() => error.text.indexOf("127.0.0.1:1") >= 0, timeout)
        compare(findChild(page, "serverField").text, "ws://127.0.0.1:1")
        compare(findChild(page, "userField").text, "bob")
    }

    function test_unreachableServer() {
        const t = makePage()
        findChild(t.page, "serverField").text = "ws://127.0.0.1:1"
        findChild(t.page, "userField").text = "alice"
        findChild(t.page, "passwordField").text = "alice-pw"
        mouseClick(findChild(t.page, "submitButton"))
        const error = findChild(t.page, "signInError")
        tryVerify(() => error.text.indexOf("127.0.0.1:1") >= 0, timeout)
        compare(findChild(t.page, "submitButton").enabled, true) // can try again at once
    }
}
