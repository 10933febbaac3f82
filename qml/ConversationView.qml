// The open conversation: header (title, presence or who is typing), the message list (newest
// at the bottom, infinite scroll back, divider at the first unread), a jump-to-latest button,
// and the composer. Marks as read only what has actually been on screen while the window was
// active.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Chat

Rectangle {
    id: view
    required property ChatSession session
    required property MessageListModel messages
    property bool windowActive: true
    signal membersRequested()
    color: Theme.chatBackground
    // Messages that arrived while the view was scrolled up (shown on the jump button).
    property int newWhileScrolledUp: 0
    property real lastNewestSeq: 0
    // Opened with unread messages, the list gets its model once the first unread one's row is
    // known, so its first rows are made around that row, not for the newest page it would
    // leave at once (that was half of opening's one long turn). A failed load answers too
    // (row -1); the timer is a fallback so the list never stays empty.
    property bool listReady: messages.unreadAtOpen <= 0

    // The seq of the newest stored message currently visible (the bottom of the viewport).
    function visibleNewestSeq() {
        for (let y = list.contentY + list.height - 2; y > list.contentY; y -= 24) {
            const row = list.indexAt(list.width / 2, y)
            if (row < 0)
                continue
            for (let r = row; r < list.count; ++r) {
                const item = list.itemAtIndex(r)
                if (item && item.seq > 0)
                    return item.seq
            }
            return 0
        }
        return 0
    }
    function updateRead() {
        if (!view.windowActive || !view.visible)
            return
        const seq = list.atYEnd ? view.messages.newestSeq : visibleNewestSeq()
        if (seq > 0)
            view.session.markRead(seq)
    }
    function jumpToLatest() {
        list.positionViewAtBeginning()
        updateRead()
    }
    // direction -1: towards older messages (up), +1: towards newer (down).
    function scrollPage(direction) {
        const top = list.originY
        const bottom = list.originY + list.contentHeight - list.height
        list.contentY = Math.max(top, Math.min(bottom, list.contentY + direction * list.height * 0.9))
        readTimer.restart()
    }
    function jumpToFirstUnread() {
        if (view.messages.firstUnreadSeq > 0)
            view.messages.loadAround(view.messages.firstUnreadSeq)
    }

    Connections {
        target: view.messages
        function onRowReady(seq, row) {
            view.listReady = true
            if (row >= 0)
                list.positionViewAtIndex(row, ListView.Center)
            readTimer.restart()
        }
        function onNewestSeqChanged() {
            const newest = view.messages.newestSeq
            if (!list.atYEnd && view.lastNewestSeq > 0 && newest > view.lastNewestSeq)
                view.newWhileScrolledUp += newest - view.lastNewestSeq
            view.lastNewestSeq = newest
            readTimer.restart()
        }
    }
    onWindowActiveChanged: readTimer.restart()
    Component.onCompleted: {
        lastNewestSeq = messages.newestSeq
        if (messages.unreadAtOpen > 0)
            jumpToFirstUnread()
        else
            readTimer.restart()
    }
    Timer {
        interval: 3000
        running: !view.listReady
        onTriggered: view.listReady = true
    }
    Timer {
        id: readTimer
        interval: 300
        onTriggered: view.updateRead()
    }

    ColumnLayout {
        anchors.fill: parent
        spacing: 0

        // --- header ---
        Rectangle {
            Layout.fillWidth: true
            Layout.preferredHeight: 60
            color: Theme.header
            RowLayout {
                anchors.fill: parent
                anchors.leftMargin: 16
                anchors.rightMargin: 12
                spacing: 12
                Avatar {
                    name: view.messages.title
                    key: view.messages.isGroup ? view.messages.conversationId : view.messages.otherUserId
                    group: view.messages.isGroup
                    presence: view.messages.presence
                    size: 38
                }
                ColumnLayout {
                    Layout.fillWidth: true
                    spacing: 1
                    Label {
                        objectName: "conversationTitle"
                        Layout.fillWidth: true
                        text: view.messages.title
                        color: Theme.text
                        font.bold: true
                        font.pixelSize: Theme.titleFontSize
                        elide: Text.ElideRight
                        Accessible.role: Accessible.Heading
                    }
                    Label {
                        objectName: "conversationSubtitle"
                        Layout.fillWidth: true
                        text: view.messages.subtitle
                        color: view.messages.typing || view.messages.presence === 1 ? Theme.accent
                                                                                      : Theme.textSecondary
                        font.pixelSize: Theme.smallFontSize
                        font.italic: view.messages.typing
                        elide: Text.ElideRight
                    }
                }
                IconButton {
                    objectName: "membersButton"
                    visible: view.messages.isGroup
                    glyph: "\u2630"
                    tip: qsTr("Members")
                    onClicked: view.membersRequested()
                }
            }
            Rectangle {
                anchors.bottom: parent.bottom
                width: parent.width
                height: 1
                color: Theme.divider
            }
        }

        // --- messages ---
        Item {
            Layout.fillWidth: true
            Layout.fillHeight: true

            ListView {
                id: list
                objectName: "messageList"
                anchors.fill: parent
                verticalLayoutDirection: ListView.BottomToTop
                model: view.listReady ? view.messages : null
                clip: true
                spacing: 2
                // Breathing room at both ends as header/footer items: margins would keep
                // atYEnd false after positionViewAtBeginning().
                header: Item { width: 1; height: 8 }
                footer: Item { width: 1; height: 8 }
                cacheBuffer: 1200
                boundsBehavior: Flickable.StopAtBounds
                Accessible.role: Accessible.List
                Accessible.name: qsTr("Messages")
                delegate: MessageDelegate {
                    width: ListView.view.width
                    isGroup: view.messages.isGroup
                    onRetryRequested: id => view.session.retry(id)
                    onDiscardRequested: id => view.session.discard(id)
                    onGapShown: i => view.messages.fillGap(i)
                }
                onContentYChanged: readTimer.restart()
                onAtYEndChanged: {
                    if (atYEnd)
                        view.newWhileScrolledUp = 0
                    readTimer.restart()
                }
                ScrollBar.vertical: ScrollBar {}

                Keys.onPressed: event => {
                    if (event.key === Qt.Key_PageUp || event.key === Qt.Key_PageDown) {
                        view.scrollPage(event.key === Qt.Key_PageUp ? -1 : 1)
                        event.accepted = true
                    }
                }
            }

            Label {
                anchors.centerIn: parent
                visible: list.count === 0 && view.listReady
                text: qsTr("No messages yet. Say hello!")
                color: Theme.textSecondary
            }

            Label {
                objectName: "historyError"
                visible: view.messages.historyError.length > 0
                anchors.top: parent.top
                anchors.horizontalCenter: parent.horizontalCenter
                anchors.topMargin: 8
                text: view.messages.historyError
                color: Theme.bannerOfflineText
                padding: 8
                background: Rectangle { color: Theme.bannerOffline; radius: Theme.radius }
                MouseArea { anchors.fill: parent; onClicked: view.messages.loadOlder() }
            }

            RoundButton {
                id: jumpButton
                objectName: "jumpToLatest"
                anchors.right: parent.right
                anchors.bottom: parent.bottom
                anchors.margins: 16
                width: 44
                height: 44
                visible: !list.atYEnd && list.count > 0
                Accessible.name: view.newWhileScrolledUp > 0
                                 ? qsTr("Jump to the latest message (%n new)", "", view.newWhileScrolledUp)
                                 : qsTr("Jump to the latest message")
                ToolTip.visible: hovered
                ToolTip.text: Accessible.name
                onClicked: view.jumpToLatest()
                contentItem: Label {
                    text: "\u2193"
                    font.pixelSize: 20
                    color: Theme.text
                    horizontalAlignment: Text.AlignHCenter
                    verticalAlignment: Text.AlignVCenter
                }
                background: Rectangle {
                    radius: width / 2
                    color: Theme.header
                    border.color: Theme.divider
                }
                Rectangle {
                    objectName: "newMessagesBadge"
                    property alias text: badgeText.text
                    visible: view.newWhileScrolledUp > 0
                    anchors.horizontalCenter: parent.horizontalCenter
                    anchors.verticalCenter: parent.top
                    height: 20
                    width: Math.max(height, badgeText.implicitWidth + 10)
                    radius: height / 2
                    color: Theme.unreadBadge
                    Label {
                        id: badgeText
                        anchors.centerIn: parent
                        text: view.newWhileScrolledUp > 99 ? "99+" : view.newWhileScrolledUp
                        color: Theme.textOnAccent
                        font.pixelSize: Theme.smallFontSize
                        font.bold: true
                    }
                }
            }
        }

        Composer {
            id: composer
            Layout.fillWidth: true
            session: view.session
            conversationId: view.messages.conversationId
            onSent: view.jumpToLatest()
            onPageRequested: direction => view.scrollPage(direction)
        }
    }
}
