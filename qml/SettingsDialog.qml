// Theme, language, notifications, where the session is kept, and signing out.
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
                RadioButton {
                    required property var modelData
                    objectName: "theme_" + modelData.mode
                    text: modelData.label
                    checked: dialog.settings.theme === modelData.mode
                    onClicked: dialog.settings.theme = modelData.mode
                    palette.windowText: Theme.text
                    Accessible.name: qsTr("Theme: %1").arg(text)
                }
            }
        }

        Label { text: qsTr("Language"); color: Theme.textSecondary; font.bold: true }
        ComboBox {
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
        Switch {
            objectName: "notificationsSwitch"
            text: qsTr("Show a desktop notification for new messages")
            checked: dialog.settings.notificationsEnabled
            onToggled: dialog.settings.notificationsEnabled = checked
            palette.windowText: Theme.text
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
        RowLayout {
            Layout.fillWidth: true
            Item { Layout.fillWidth: true }
            Button {
                objectName: "signOutButton"
                text: qsTr("Sign out")
                palette.buttonText: Theme.danger
                onClicked: { dialog.close(); dialog.session.signOut() }
            }
            Button {
                text: qsTr("Close")
                highlighted: true
                onClicked: dialog.close()
            }
        }
    }
}
