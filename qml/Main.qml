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
    Component.onCompleted: session.setWindowActive(active)

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

    Loader {
        anchors.fill: parent
        sourceComponent: window.session.state === ChatSession.SignedIn ? chatPage : signInPage
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
