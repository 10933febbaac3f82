// Sign in or create an account: server URL, username, password, "remember me".
// The page never talks to the network itself; it calls the session facade and shows its answer.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Chat

Page {
    id: page
    required property var session
    required property var settings
    property bool registering: false

    background: Rectangle { color: Theme.chatBackground }

    function submit() {
        if (!form.canSubmit)
            return
        if (registering)
            session.registerAccount(serverField.text.trim(), userField.text.trim(),
                                    passwordField.text, displayField.text.trim(),
                                    rememberBox.checked)
        else
            session.signIn(serverField.text.trim(), userField.text.trim(), passwordField.text,
                           rememberBox.checked)
    }

    Rectangle {
        id: card
        anchors.centerIn: parent
        width: Math.min(parent.width - 32, 400)
        height: form.implicitHeight + 56
        radius: 12
        color: Theme.window
        border.color: Theme.divider

        ColumnLayout {
            id: form
            anchors.fill: parent
            anchors.margins: 28
            spacing: 10
            readonly property bool busy: page.session.state === ChatSession.SigningIn
            readonly property bool canSubmit: !busy && serverField.text.trim().length > 0
                                              && userField.text.trim().length > 0
                                              && passwordField.text.length > 0

            AppIcon {
                Layout.alignment: Qt.AlignHCenter
                size: 56
            }
            Label {
                Layout.alignment: Qt.AlignHCenter
                text: page.registering ? qsTr("Create your account") : qsTr("Sign in to Chat")
                font.pixelSize: 22
                font.bold: true
                color: Theme.text
            }
            Label {
                Layout.fillWidth: true
                horizontalAlignment: Text.AlignHCenter
                wrapMode: Text.WordWrap
                text: qsTr("Your messages stay on this computer, so they open instantly and can be written offline.")
                color: Theme.textSecondary
                font.pixelSize: Theme.smallFontSize
            }

            FieldLabel { text: qsTr("Server"); target: serverField }
            ThemedTextField {
                id: serverField
                objectName: "serverField"
                Layout.fillWidth: true
                // What was last tried (e.g. --server on the command line), else the profile's.
                text: page.session.serverUrl.length > 0 ? page.session.serverUrl
                      : page.settings.serverUrl.length > 0 ? page.settings.serverUrl
                      : "ws://127.0.0.1:8080"
                placeholderText: "ws://chat.example.org"
                Accessible.name: qsTr("Server address")
                inputMethodHints: Qt.ImhUrlCharactersOnly | Qt.ImhNoAutoUppercase
                onAccepted: userField.forceActiveFocus()
            }
            FieldLabel { text: qsTr("Username"); target: userField }
            ThemedTextField {
                id: userField
                objectName: "userField"
                Layout.fillWidth: true
                text: page.session.username.length > 0 ? page.session.username : page.settings.username
                Accessible.name: qsTr("Username")
                inputMethodHints: Qt.ImhNoAutoUppercase | Qt.ImhNoPredictiveText
                onAccepted: passwordField.forceActiveFocus()
            }
            FieldLabel { text: qsTr("Display name"); target: displayField; visible: page.registering }
            ThemedTextField {
                id: displayField
                objectName: "displayField"
                visible: page.registering
                Layout.fillWidth: true
                placeholderText: qsTr("How others see you")
                Accessible.name: qsTr("Display name")
                onAccepted: passwordField.forceActiveFocus()
            }
            FieldLabel { text: qsTr("Password"); target: passwordField }
            ThemedTextField {
                id: passwordField
                objectName: "passwordField"
                Layout.fillWidth: true
                echoMode: TextInput.Password
                Accessible.name: qsTr("Password")
                onAccepted: page.submit()
            }
            CheckBox {
                id: rememberBox
                objectName: "rememberBox"
                text: qsTr("Remember me on this computer")
                checked: page.settings.rememberMe
                Accessible.name: text
                palette.windowText: Theme.text
            }

            Label {
                objectName: "signInError"
                Layout.fillWidth: true
                visible: text.length > 0
                text: page.session.errorText
                wrapMode: Text.WordWrap
                color: Theme.danger
                Accessible.role: Accessible.AlertMessage
            }

            Button {
                id: submitButton
                objectName: "submitButton"
                Layout.fillWidth: true
                Layout.topMargin: 6
                enabled: form.canSubmit
                highlighted: true
                text: form.busy ? qsTr("Connecting…")
                                : page.registering ? qsTr("Create account") : qsTr("Sign in")
                Accessible.name: text
                onClicked: page.submit()
                contentItem: Label {
                    text: submitButton.text
                    horizontalAlignment: Text.AlignHCenter
                    verticalAlignment: Text.AlignVCenter
                    color: Theme.textOnAccent
                    font.bold: true
                }
                background: Rectangle {
                    implicitHeight: 38
                    radius: Theme.radius
                    color: submitButton.down ? Theme.accentPressed : Theme.accent
                    opacity: submitButton.enabled ? 1 : 0.5
                }
            }
            Button {
                objectName: "modeSwitch"
                Layout.alignment: Qt.AlignHCenter
                flat: true
                text: page.registering ? qsTr("I already have an account")
                                       : qsTr("New here? Create an account")
                Accessible.name: text
                onClicked: page.registering = !page.registering
                contentItem: Label {
                    text: parent.text
                    color: Theme.link
                    horizontalAlignment: Text.AlignHCenter
                }
                background: Item {}
            }
        }
    }
}
