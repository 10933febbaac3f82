// Ctrl+F (the open conversation) / Ctrl+Shift+F (every conversation): local full-text search.
// Results come from the local store at once, newest first, with the match in bold; Enter or a
// click jumps to the message in its conversation (loading the history around it if needed).
// Scoped to a conversation, the panel also jumps to a date and to unread mentions of the user.
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
        if (isNaN(date.getTime()))
            return
        const seq = results.model.seqForDate(scopeConversationId, date)
        if (seq > 0) {
            panel.chosen(scopeConversationId, seq)
            panel.close()
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
                onClicked: panel.goToDate()
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
