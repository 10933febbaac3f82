// Where messages are written. Enter sends, Shift+Enter starts a new line. The text is kept as a
// draft per conversation (in the local store, so it survives restarts and crashes) and sending
// works offline: the message waits in the outbox and shows a clock until the server has it.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Chat

Rectangle {
    id: composer
    required property ChatSession session
    required property string conversationId
    signal sent()
    signal pageRequested(int direction)
    property bool loading: false
    property string draftOwner: "" // the conversation the text in the field belongs to
    implicitHeight: Math.min(200, input.implicitHeight + 24)
    color: Theme.header

    function send() {
        const text = input.text
        if (text.trim().length === 0)
            return
        if (session.send(text)) {
            loading = true
            input.clear()
            loading = false
            saveTimer.stop()
            session.setDraft(draftOwner, "")
            composer.sent()
        }
    }
    function loadDraft() {
        draftOwner = conversationId
        loading = true
        input.text = session.draft(conversationId)
        input.cursorPosition = input.length
        loading = false
    }
    function saveDraft() {
        if (saveTimer.running) {
            saveTimer.stop()
            session.setDraft(draftOwner, input.text)
        }
    }

    onConversationIdChanged: { saveDraft(); loadDraft() }
    Component.onCompleted: { loadDraft(); input.forceActiveFocus() }
    Component.onDestruction: saveDraft()

    Timer {
        id: saveTimer
        interval: 400
        onTriggered: composer.session.setDraft(composer.draftOwner, input.text)
    }
    Timer {
        id: typingIdle
        interval: 5000
        onTriggered: composer.session.setTyping(false)
    }

    Rectangle {
        anchors.top: parent.top
        width: parent.width
        height: 1
        color: Theme.divider
    }

    RowLayout {
        anchors.fill: parent
        anchors.margins: 12
        spacing: 10

        ScrollView {
            Layout.fillWidth: true
            Layout.fillHeight: true
            TextArea {
                id: input
                objectName: "composerInput"
                placeholderText: qsTr("Write a message…")
                wrapMode: TextEdit.Wrap
                textFormat: TextEdit.PlainText
                color: Theme.text
                placeholderTextColor: Theme.textSecondary
                selectionColor: Theme.accent
                selectedTextColor: Theme.textOnAccent
                font.pixelSize: Theme.fontSize
                Accessible.name: qsTr("Message")
                Accessible.description: qsTr("Enter sends, Shift+Enter starts a new line")
                background: Rectangle {
                    radius: 18
                    color: Theme.field
                    border.color: input.activeFocus ? Theme.accent : Theme.fieldBorder
                }
                leftPadding: 14
                rightPadding: 14
                topPadding: 9
                bottomPadding: 9

                onTextChanged: {
                    if (composer.loading)
                        return
                    saveTimer.restart()
                    if (text.length > 0) {
                        composer.session.setTyping(true)
                        typingIdle.restart()
                    } else {
                        composer.session.setTyping(false)
                        typingIdle.stop()
                    }
                }
                Keys.onPressed: event => {
                    if (event.key === Qt.Key_Return || event.key === Qt.Key_Enter) {
                        if (event.modifiers & Qt.ShiftModifier) {
                            input.insert(input.cursorPosition, "\n")
                        } else {
                            composer.send()
                        }
                        event.accepted = true
                    } else if (event.key === Qt.Key_PageUp || event.key === Qt.Key_PageDown) {
                        composer.pageRequested(event.key === Qt.Key_PageUp ? -1 : 1)
                        event.accepted = true
                    }
                }
            }
        }
        RoundButton {
            id: sendButton
            objectName: "sendButton"
            Layout.alignment: Qt.AlignBottom
            width: 40
            height: 40
            enabled: input.text.trim().length > 0
            Accessible.name: qsTr("Send")
            ToolTip.visible: hovered
            ToolTip.text: qsTr("Send (Enter)")
            onClicked: composer.send()
            contentItem: Label {
                text: "\u27A4"
                color: Theme.textOnAccent
                font.pixelSize: 17
                horizontalAlignment: Text.AlignHCenter
                verticalAlignment: Text.AlignVCenter
            }
            background: Rectangle {
                radius: width / 2
                color: sendButton.down ? Theme.accentPressed : Theme.accent
                opacity: sendButton.enabled ? 1 : 0.4
            }
        }
    }
}
