// The application window: the sign-in page until a session exists, then the chat page.
import QtQuick
import QtQuick.Controls
import Chat

ApplicationWindow {
    id: window
    required property ChatSession session
    required property ProfileSettings settings
    required property LanguageManager languages

    width: 1120
    height: 720
    minimumWidth: 640
    minimumHeight: 460
    visible: true
    color: Theme.window
    title: {
        const unread = session.conversations.totalUnread
        return unread > 0 ? qsTr("(%1) Chat").arg(unread) : qsTr("Chat")
    }

    Binding { target: Theme; property: "mode"; value: window.settings.theme }
    onActiveChanged: session.setWindowActive(active)

    palette.window: Theme.window
    palette.windowText: Theme.text
    palette.base: Theme.field
    palette.text: Theme.text
    palette.button: Theme.sidebar
    palette.buttonText: Theme.text
    palette.highlight: Theme.accent
    palette.highlightedText: Theme.textOnAccent
    palette.placeholderText: Theme.textSecondary
    palette.toolTipBase: Theme.header
    palette.toolTipText: Theme.text
    font.pixelSize: Theme.fontSize

    // Set once the window is built: a session restored at start has its chat page created
    // with the window (the first frame shows the list); one signed in later is built over
    // several frames (tens of milliseconds of QML in one go froze the UI during a catch-up),
    // and the sign-in page stays up until it is ready.
    property bool started: false
    Component.onCompleted: {
        session.setWindowActive(active)
        started = true
    }

    Loader {
        id: chatLoader
        anchors.fill: parent
        active: window.session.state === ChatSession.SignedIn
        asynchronous: window.started
        visible: status === Loader.Ready
        sourceComponent: chatPage
    }
    Loader {
        anchors.fill: parent
        active: chatLoader.status !== Loader.Ready
        sourceComponent: signInPage
    }
    Component {
        id: signInPage
        SignInPage { session: window.session; settings: window.settings }
    }
    Component {
        id: chatPage
        ChatPage {
            session: window.session
            settings: window.settings
            languages: window.languages
            windowActive: window.active
        }
    }
}
