// One row of the message list: a marker for messages not loaded yet above it (after a jump
// far back; shown while the engine fetches them), an optional day separator and "new
// messages" divider above, the
// sender's name at the start of a run (groups), the bubble with text, time and ticks, and for a
// failed message the reason with Retry / Discard. The loading placeholder is a row too.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Chat

Item {
    id: row
    required property int index
    required property string localId
    required property var seq
    required property string senderName
    required property string senderId
    required property string content
    required property string timeText
    required property bool outgoing
    required property string deliveryState
    required property string deliveryText
    required property string errorText
    required property int readCount
    required property int otherMembers
    required property bool isLoadingRow
    required property bool showDay
    required property string dayText
    required property bool firstInRun
    required property bool lastInRun
    required property bool isFirstUnread
    required property int missingOlder
    property bool isGroup: false
    signal retryRequested(string localId)
    signal discardRequested(string localId)
    // The gap marker is on screen (the view creates delegates only near what it shows): its
    // messages should be fetched now.
    signal gapShown(int index)

    onMissingOlderChanged: if (missingOlder > 0) gapShown(index)
    Component.onCompleted: if (missingOlder > 0) gapShown(index)

    readonly property bool failed: deliveryState === "failed"
    readonly property int sideMargin: 16
    readonly property bool showsSender: !isLoadingRow && isGroup && !outgoing && firstInRun
    // The row's height is summed here from its parts instead of read from the Column: a
    // positioner lays out in the frame's polish, so a row just created would be 0 px high
    // when the ListView measures it, and positionViewAtIndex() (opening a conversation at its
    // first unread) created every row up to the model's end to fill the view (128 rows,
    // 150-200 ms). Each part's height is known once it is created; tst_unread checks the sum
    // against the Column. Spacing goes between the shown parts only, as the Column does.
    implicitHeight: {
        if (isLoadingRow)
            return 44 + (lastInRun ? 6 : 0)
        const parts = [missingOlder > 0 ? 44 : 0, showDay ? 36 : 0, isFirstUnread ? 30 : 0,
                       showsSender ? senderLabel.implicitHeight : 0, bubble.height,
                       failed ? failedRow.partHeight : 0]
        let h = 0, shown = 0
        for (const p of parts) {
            if (p > 0) {
                h += p
                ++shown
            }
        }
        return h + Math.max(0, shown - 1) * column.spacing + (lastInRun ? 6 : 0)
    }
    height: implicitHeight

    Accessible.role: Accessible.ListItem
    Accessible.name: isLoadingRow ? qsTr("Loading older messages")
                     : (outgoing ? qsTr("You") : senderName) + ": " + content + ", " + timeText
                       + (deliveryText.length > 0 ? ", " + deliveryText : "")

    Column {
        id: column
        objectName: "rowColumn"
        width: parent.width
        spacing: 4

        // Loading placeholder
        Item {
            visible: row.isLoadingRow
            width: parent.width
            height: visible ? 44 : 0
            Loader {
                anchors.fill: parent
                active: row.isLoadingRow
                asynchronous: true
                sourceComponent: Item {
                    Row {
                        anchors.centerIn: parent
                        spacing: 8
                        BusyIndicator { width: 22; height: 22; running: row.isLoadingRow }
                        Label {
                            anchors.verticalCenter: parent.verticalCenter
                            text: qsTr("Loading older messages…")
                            color: Theme.textSecondary
                        }
                    }
                }
            }
        }

        // Messages between the row above and this one, not loaded yet
        Item {
            objectName: "gapMarker"
            visible: !row.isLoadingRow && row.missingOlder > 0
            width: parent.width
            height: visible ? 44 : 0
            Accessible.role: Accessible.StaticText
            Accessible.name: qsTr("Loading %n more message(s)…", "", row.missingOlder)
            Loader {
                anchors.fill: parent
                active: parent.visible
                asynchronous: true
                sourceComponent: Item {
                    Row {
                        anchors.centerIn: parent
                        spacing: 8
                        BusyIndicator { width: 22; height: 22; running: true }
                        Label {
                            anchors.verticalCenter: parent.verticalCenter
                            text: qsTr("Loading %n more message(s)…", "", row.missingOlder)
                            color: Theme.textSecondary
                        }
                    }
                }
            }
        }

        // Day separator
        Item {
            visible: !row.isLoadingRow && row.showDay
            width: parent.width
            height: visible ? 36 : 0
            Loader {
                anchors.centerIn: parent
                active: parent.visible
                asynchronous: true
                sourceComponent: Label {
                    text: row.dayText
                    color: Theme.textSecondary
                    font.pixelSize: Theme.smallFontSize
                    font.bold: true
                    padding: 4
                    leftPadding: 12
                    rightPadding: 12
                    background: Rectangle {
                        radius: height / 2
                        color: Theme.dark ? "#23272e" : "#dfe4ea"
                    }
                }
            }
        }

        // Unread divider
        Item {
            objectName: "unreadDivider"
            visible: !row.isLoadingRow && row.isFirstUnread
            width: parent.width
            height: visible ? 30 : 0
            Loader {
                anchors.fill: parent
                active: parent.visible
                asynchronous: true
                sourceComponent: Item {
                    Rectangle {
                        anchors.verticalCenter: parent.verticalCenter
                        width: parent.width
                        height: 1
                        color: Theme.accent
                        opacity: 0.5
                    }
                    Label {
                        anchors.centerIn: parent
                        text: qsTr("New messages")
                        color: Theme.accent
                        font.pixelSize: Theme.smallFontSize
                        font.bold: true
                        leftPadding: 10
                        rightPadding: 10
                        background: Rectangle { color: Theme.chatBackground }
                    }
                }
            }
        }

        // Sender name (groups, others, first in a run)
        Text { // not a Label: a plain Text is cheaper to make, and this is in many rows
            id: senderLabel
            visible: row.showsSender
            x: row.sideMargin + 44
            text: row.senderName
            color: Theme.avatarColor(row.senderId)
            font.pixelSize: Theme.smallFontSize
            font.bold: true
        }

        // Avatar + bubble
        Item {
            visible: !row.isLoadingRow
            width: parent.width
            height: visible ? bubble.height : 0

            Loader {
                active: row.isGroup && !row.outgoing && row.lastInRun
                asynchronous: true
                x: row.sideMargin
                anchors.bottom: parent.bottom
                sourceComponent: Avatar {
                    size: 34
                    name: row.senderName
                    key: row.senderId
                }
            }

            Rectangle {
                id: bubble
                objectName: "bubble"
                readonly property real maxWidth: Math.min(row.width * 0.7, 620)
                readonly property real leftX: row.sideMargin + (row.isGroup ? 44 : 0)
                x: row.outgoing ? row.width - width - row.sideMargin : leftX
                width: Math.min(maxWidth, Math.max(text.implicitWidth, meta.implicitWidth + 6) + 24)
                // meta.height is the Row's, known only after its polish: its tallest part.
                height: text.height + Math.max(timeLabel.implicitHeight, tickLoader.item ? tickLoader.item.implicitHeight : 0,
                                               readCount.shown ? readCount.implicitHeight : 0) + 16
                radius: Theme.bubbleRadius
                color: row.failed ? Theme.bubbleFailed : row.outgoing ? Theme.bubbleOwn : Theme.bubbleOther
                border.width: Theme.dark || row.outgoing ? 0 : 1
                border.color: Theme.divider

                // Square corner on the tail side of the last bubble of a run.
                Rectangle {
                    visible: row.lastInRun
                    width: Theme.bubbleRadius
                    height: Theme.bubbleRadius
                    anchors.bottom: parent.bottom
                    anchors.left: row.outgoing ? undefined : parent.left
                    anchors.right: row.outgoing ? parent.right : undefined
                    color: parent.color
                    border.width: parent.border.width
                    border.color: parent.border.color
                    Rectangle { // hide the inner border lines
                        visible: parent.border.width > 0
                        x: row.outgoing ? 0 : 1
                        y: 0
                        width: parent.width - 1
                        height: parent.height - 1
                        color: parent.color
                    }
                }

                Text {
                    id: text
                    x: 12
                    y: 8
                    width: Math.min(implicitWidth, bubble.maxWidth - 24)
                    text: row.content
                    textFormat: Text.PlainText
                    wrapMode: Text.Wrap
                    color: Theme.text
                    font.pixelSize: Theme.fontSize
                }
                Row {
                    id: meta
                    anchors.right: parent.right
                    anchors.rightMargin: 10
                    anchors.top: text.bottom
                    anchors.topMargin: 2
                    spacing: 4
                    Text { // not a Label: in every row
                        id: timeLabel
                        text: row.timeText
                        color: Theme.textSecondary
                        font.pixelSize: 11
                    }
                    Loader { // only own messages have ticks
                        id: tickLoader
                        active: row.outgoing
                        anchors.verticalCenter: parent.verticalCenter
                        sourceComponent: TickIcon {
                            objectName: "tick"
                            state: row.deliveryState
                            ToolTip.visible: tickHover.hovered
                            ToolTip.text: row.deliveryText
                            HoverHandler { id: tickHover }
                        }
                    }
                    Text {
                        id: readCount
                        objectName: "readCount"
                        readonly property bool shown: row.outgoing && row.isGroup && row.otherMembers > 1
                                 && (row.deliveryState === "sent" || row.deliveryState === "delivered")
                        visible: shown
                        text: qsTr("read %1/%2", "read by N of M group members").arg(row.readCount).arg(row.otherMembers)
                        color: Theme.textSecondary
                        font.pixelSize: 11
                    }
                }
            }
        }

        // Failed: why, and what to do (made only for a failed message)
        Loader {
            id: failedRow
            readonly property real partHeight: item ? item.partHeight : 0
            active: !row.isLoadingRow && row.failed
            visible: active
            anchors.right: parent.right
            anchors.rightMargin: row.sideMargin
            sourceComponent: Row {
                // The Row's own height is known only after its polish: its tallest part.
                readonly property real partHeight: Math.max(notSentLabel.implicitHeight,
                                                            retryLabel.implicitHeight,
                                                            discardLabel.implicitHeight)
                spacing: 12
                Label {
                    id: notSentLabel
                    text: row.errorText.length > 0 ? qsTr("Not sent: %1").arg(row.errorText) : qsTr("Not sent")
                    color: Theme.danger
                    font.pixelSize: Theme.smallFontSize
                }
                Label {
                    id: retryLabel
                    objectName: "retryButton"
                    text: qsTr("Retry")
                    color: Theme.link
                    font.pixelSize: Theme.smallFontSize
                    font.bold: true
                    Accessible.role: Accessible.Button
                    Accessible.name: qsTr("Retry sending")
                    MouseArea {
                        anchors.fill: parent
                        cursorShape: Qt.PointingHandCursor
                        onClicked: row.retryRequested(row.localId)
                    }
                }
                Label {
                    id: discardLabel
                    objectName: "discardButton"
                    text: qsTr("Discard")
                    color: Theme.link
                    font.pixelSize: Theme.smallFontSize
                    Accessible.role: Accessible.Button
                    Accessible.name: qsTr("Discard message")
                    MouseArea {
                        anchors.fill: parent
                        cursorShape: Qt.PointingHandCursor
                        onClicked: row.discardRequested(row.localId)
                    }
                }
            }
        }
    }
}
