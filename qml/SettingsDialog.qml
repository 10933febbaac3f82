// Theme, language, notifications, where the session is kept, and signing out (the token is
// revoked on the server when online; optionally this account's local data is deleted too).
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Chat

ThemedPopup {
    id: dialog
    required property ChatSession session
    required property ProfileSettings settings
    required property LanguageManager languages
    width: 460

    ColumnLayout {
        width: parent.width
        spacing: 12
        Label {
            text: qsTr("Settings")
            color: Theme.text
            font.bold: true
            font.pixelSize: Theme.titleFontSize
        }

        Label { text: qsTr("Appearance"); color: Theme.textSecondary; font.bold: true }
        RowLayout {
            spacing: 6
            Repeater {
                model: [
                    { mode: "system", label: qsTr("System") },
                    { mode: "light", label: qsTr("Light") },
                    { mode: "dark", label: qsTr("Dark") }
                ]
                ThemedButton {
                    required property var modelData
                    objectName: "theme_" + modelData.mode
                    Layout.fillWidth: true
                    text: modelData.label
                    checkable: true
                    autoExclusive: true
                    checked: dialog.settings.theme === modelData.mode
                    onClicked: dialog.settings.theme = modelData.mode
                    Accessible.role: Accessible.RadioButton
                    Accessible.name: qsTr("Theme: %1").arg(text)
                }
            }
        }

        Label { text: qsTr("Language"); color: Theme.textSecondary; font.bold: true }
        ThemedComboBox {
            id: language
            objectName: "languageBox"
            Layout.fillWidth: true
            model: dialog.languages.available
            textRole: "name"
            valueRole: "code"
            Accessible.name: qsTr("Language")
            Component.onCompleted: currentIndex = indexOfValue(dialog.languages.language)
            onActivated: dialog.languages.language = currentValue
        }

        Label { text: qsTr("Notifications"); color: Theme.textSecondary; font.bold: true }
        ThemedSwitch {
            objectName: "notificationsSwitch"
            Layout.fillWidth: true
            text: qsTr("Show a desktop notification for new messages")
            checked: dialog.settings.notificationsEnabled
            onToggled: dialog.settings.notificationsEnabled = checked
            Accessible.name: text
        }

        Label { text: qsTr("Account"); color: Theme.textSecondary; font.bold: true }
        Label {
            Layout.fillWidth: true
            wrapMode: Text.WordWrap
            color: Theme.text
            text: qsTr("Signed in as %1 (@%2) on %3")
                  .arg(dialog.session.userName).arg(dialog.session.username).arg(dialog.session.serverUrl)
        }
        Label {
            Layout.fillWidth: true
            wrapMode: Text.WordWrap
            color: dialog.session.sessionOnly ? Theme.danger : Theme.textSecondary
            font.pixelSize: Theme.smallFontSize
            text: dialog.session.sessionOnly ? dialog.session.keychainProblem
                  : dialog.settings.plainTokenStorage
                    ? qsTr("Your session is stored unencrypted in %1, as you chose.").arg(dialog.settings.profileDir)
                    : dialog.settings.rememberMe ? qsTr("Your session is kept in the system keychain.")
                                                 : qsTr("You will be signed out when you close the app.")
        }
        ThemedCheckBox {
            id: deleteData
            objectName: "deleteLocalDataBox"
            Layout.fillWidth: true
            text: qsTr("Also delete this account's messages stored on this computer")
            Accessible.name: text
        }
        RowLayout {
            Layout.fillWidth: true
            Item { Layout.fillWidth: true }
            ThemedButton {
                objectName: "signOutButton"
                text: dialog.session.signingOut ? qsTr("Signing out…") : qsTr("Sign out")
                danger: true
                enabled: !dialog.session.signingOut
                onClicked: dialog.session.signOut(deleteData.checked)
            }
            ThemedButton {
                objectName: "closeSettingsButton"
                text: qsTr("Close")
                highlighted: true
                onClicked: dialog.close()
            }
        }
    }
    // Close once signed out (the server may take a moment to confirm the revocation).
    Connections {
        target: dialog.session
        function onSignedOut() { deleteData.checked = false; dialog.close() }
    }
}
