// Ctrl+F (the open conversation) / Ctrl+Shift+F (every conversation): local full-text search.
// Results come from the local store at once, newest first, with the match in bold; Enter or a
// click jumps to the message in its conversation (loading the history around it if needed).
// Scoped to a conversation, the panel also jumps to a date (the first message on or after it,
// fetched from the server when this device does not hold it; offline the nearest stored one,
// with a notice) and to unread mentions of the user.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Chat

ThemedPopup {
    id: panel
    required property ChatSession session
    /// The conversation searched in; "" = all of them.
    property string scopeConversationId: ""
    property string scopeTitle: ""
    signal chosen(string conversationId, int seq)
    /// Something to tell after closing (e.g. a date jump that landed on the nearest stored
    /// message because the server could not be asked).
    signal notice(string text)
    width: 560
    height: 520

    function openFor(conversationId, title) {
        scopeConversationId = conversationId || ""
        scopeTitle = title || ""
        open()
    }
    function choose(row) {
        const hit = results.model.hitAt(row)
        if (hit.conversationId === undefined)
            return
        panel.chosen(hit.conversationId, hit.seq)
        panel.close()
    }
    function goToDate() {
        const parts = dateField.text.split("-")
        const date = new Date(Number(parts[0]), Number(parts[1]) - 1, Number(parts[2]))
        // new Date() rolls 2024-02-31 over into March: refuse what is not a real date.
        if (isNaN(date.getTime()) || date.getMonth() !== Number(parts[1]) - 1) {
            dateNotice.text = qsTr("Type a date as YYYY-MM-DD.")
            return
        }
        dateNotice.text = ""
        results.model.jumpToDate(scopeConversationId, date)
    }
    Connections {
        target: results.model
        function onDateJumpFinished(conversationId, seq, notice) {
            if (conversationId !== panel.scopeConversationId || !panel.opened)
                return
            if (seq > 0) {
                panel.chosen(conversationId, seq)
                panel.close()
                if (notice.length > 0)
                    panel.notice(notice)
            } else {
                dateNotice.text = notice
            }
        }
    }
    function goToMention() {
        const seqs = results.model.unreadMentions(scopeConversationId)
        if (seqs.length > 0) {
            panel.chosen(scopeConversationId, seqs[0])
            panel.close()
        }
    }

    onOpened: {
        dateNotice.text = ""
        field.selectAll()
        field.forceActiveFocus()
        results.currentIndex = 0
        mentions.count = scopeConversationId.length > 0
                ? results.model.unreadMentions(scopeConversationId).length : 0
    }

    ColumnLayout {
        anchors.fill: parent
        spacing: 10
        Label {
            Layout.fillWidth: true
            text: panel.scopeConversationId.length > 0
                  ? qsTr("Search in %1").arg(panel.scopeTitle)
                  : qsTr("Search all conversations")
            color: Theme.text
            font.bold: true
            font.pixelSize: Theme.titleFontSize
            elide: Text.ElideRight
        }
        ThemedTextField {
            id: field
            objectName: "searchField"
            Layout.fillWidth: true
            placeholderText: qsTr("Words, or \"an exact phrase\"…")
            Accessible.name: qsTr("Search messages")
            onTextChanged: results.currentIndex = 0
            Keys.onDownPressed: results.incrementCurrentIndex()
            Keys.onUpPressed: results.decrementCurrentIndex()
            Keys.onReturnPressed: panel.choose(results.currentIndex)
            Keys.onEnterPressed: panel.choose(results.currentIndex)
        }
        RowLayout {
            Layout.fillWidth: true
            visible: panel.scopeConversationId.length > 0
            spacing: 8
            Label { text: qsTr("Go to date:"); color: Theme.textSecondary }
            ThemedTextField {
                id: dateField
                objectName: "searchDateField"
                Layout.preferredWidth: 130
                placeholderText: qsTr("YYYY-MM-DD")
                inputMask: "9999-99-99"
                Accessible.name: qsTr("Date to go to")
                Keys.onReturnPressed: panel.goToDate()
                Keys.onEnterPressed: panel.goToDate()
            }
            Button {
                objectName: "searchDateButton"
                text: qsTr("Go")
                enabled: !results.model.jumpingToDate
                onClicked: panel.goToDate()
            }
            BusyIndicator {
                objectName: "searchDateBusy"
                Layout.preferredWidth: 24
                Layout.preferredHeight: 24
                running: results.model.jumpingToDate
                visible: running
            }
            Item { Layout.fillWidth: true }
            Button {
                id: mentions
                objectName: "searchMentionsButton"
                property int count: 0
                visible: count > 0
                text: qsTr("%n unread mention(s)", "", count)
                onClicked: panel.goToMention()
            }
        }
        Label {
            id: dateNotice
            objectName: "searchDateNotice"
            Layout.fillWidth: true
            visible: text.length > 0 && panel.scopeConversationId.length > 0
            color: Theme.textSecondary
            wrapMode: Text.WordWrap
        }
        Label {
            objectName: "searchEmpty"
            Layout.fillWidth: true
            visible: results.count === 0
            text: results.model.errorText.length > 0 ? results.model.errorText
                  : results.model.searchable ? qsTr("No messages found")
                  : qsTr("Type to search the messages on this device")
            color: Theme.textSecondary
            wrapMode: Text.WordWrap
        }
        ListView {
            id: results
            objectName: "searchResults"
            Layout.fillWidth: true
            Layout.fillHeight: true
            clip: true
            highlightMoveDuration: 0
            model: SearchResultsModel {
                session: panel.session
                query: field.text
                conversationId: panel.scopeConversationId
            }
            delegate: ItemDelegate {
                id: hitDelegate
                required property int index
                required property string conversationTitle
                required property string senderName
                required property string snippetHtml
                required property string timeText
                width: ListView.view.width
                highlighted: ListView.isCurrentItem
                Accessible.name: senderName + ": " + snippetHtml.replace(/<[^>]*>/g, "")
                onClicked: panel.choose(index)
                background: Rectangle {
                    radius: Theme.radius
                    color: hitDelegate.highlighted ? Theme.sidebarSelected
                         : hitDelegate.hovered ? Theme.sidebarHover : "transparent"
                }
                contentItem: ColumnLayout {
                    spacing: 2
                    RowLayout {
                        Layout.fillWidth: true
                        Label {
                            Layout.fillWidth: true
                            text: panel.scopeConversationId.length > 0 ? hitDelegate.senderName
                                  : qsTr("%1 in %2").arg(hitDelegate.senderName)
                                                     .arg(hitDelegate.conversationTitle)
                            color: Theme.text
                            font.bold: true
                            elide: Text.ElideRight
                        }
                        Label {
                            text: hitDelegate.timeText
                            color: Theme.textSecondary
                            font.pixelSize: Theme.smallFontSize
                        }
                    }
                    Label {
                        objectName: "searchSnippet"
                        Layout.fillWidth: true
                        text: hitDelegate.snippetHtml
                        textFormat: Text.StyledText
                        color: Theme.text
                        wrapMode: Text.Wrap
                        maximumLineCount: 2
                        elide: Text.ElideRight
                    }
                }
            }
        }
    }
}
