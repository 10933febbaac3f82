<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US">
<context>
    <name>ChatPage</name>
    <message>
        <source>Select a conversation to start chatting</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Ctrl+K to jump to a conversation · Ctrl+N to start a new one</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Composer</name>
    <message>
        <source>Write a message…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Message</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Enter sends, Shift+Enter starts a new line</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Send</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Send (Enter)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ConnectionBanner</name>
    <message>
        <source>You are offline. Messages you write will be sent when you are back online.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>Syncing… %n conversation(s) updated</source>
        <translation>
            <numerusform>Syncing… %n conversation updated</numerusform>
            <numerusform>Syncing… %n conversations updated</numerusform>
        </translation>
    </message>
    <message>
        <source>Syncing…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Retry now</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ConversationDelegate</name>
    <message numerus="yes">
        <source>%1, %n unread message(s), %2</source>
        <translation>
            <numerusform>%1, %n unread message, %2</numerusform>
            <numerusform>%1, %n unread messages, %2</numerusform>
        </translation>
    </message>
    <message>
        <source>%1, %2</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ConversationView</name>
    <message>
        <source>Members</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Messages</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No messages yet. Say hello!</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Jump to the latest message</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>Jump to the latest message (%n new)</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
</context>
<context>
    <name>DisplayText</name>
    <message>
        <source>Unknown user</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>typing…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 is typing…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 and %2 are typing…</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%n people are typing…</source>
        <translation>
            <numerusform>%n person is typing…</numerusform>
            <numerusform>%n people are typing…</numerusform>
        </translation>
    </message>
    <message>
        <source>Waiting to be sent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Delivered</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Read</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not sent</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>KeychainBanner</name>
    <message>
        <source>Keep me signed in anyway (stored unencrypted in the profile folder)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Dismiss</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>LanguageManager</name>
    <message>
        <source>System default</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Main</name>
    <message>
        <source>(%1) Chat</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Chat</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>MembersPanel</name>
    <message numerus="yes">
        <source>%n member(s)</source>
        <translation>
            <numerusform>%n member</numerusform>
            <numerusform>%n members</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 (you)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>admin</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Really leave?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Leave group</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Close</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Search people to add</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Searching…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nobody found.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Done</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add people</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>MessageDelegate</name>
    <message>
        <source>Loading older messages</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>You</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Loading older messages…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>New messages</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>read %1/%2</source>
        <comment>read by N of M group members</comment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not sent: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not sent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Retry</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Retry sending</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Discard</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Discard message</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>Loading %n more message(s)…</source>
        <translation>
            <numerusform>Loading %n more message…</numerusform>
            <numerusform>Loading %n more messages…</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>NewConversationDialog</name>
    <message>
        <source>New conversation</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Search people by name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Search people</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Searching…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nobody found.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Group name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose one person, or several for a group.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Direct conversation</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>Group with %n people</source>
        <translation>
            <numerusform>Group with %n person</numerusform>
            <numerusform>Group with %n people</numerusform>
        </translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Start</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>QuickSwitcher</name>
    <message>
        <source>Jump to conversation</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Type a name…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Conversation name</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>SearchPanel</name>
    <message>
        <source>Search in %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Search all conversations</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Words, or &quot;an exact phrase&quot;…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Search messages</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Go to date:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>YYYY-MM-DD</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Date to go to</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Go</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%n unread mention(s)</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>No messages found</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Type to search the messages on this device</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 in %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Type a date as YYYY-MM-DD.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Settings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Appearance</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>System</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Light</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Dark</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Theme: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Language</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Notifications</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show a desktop notification for new messages</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Account</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Signed in as %1 (@%2) on %3</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your session is stored unencrypted in %1, as you chose.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your session is kept in the system keychain.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>You will be signed out when you close the app.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sign out</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Close</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Also delete this account&apos;s messages stored on this computer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Signing out…</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Sidebar</name>
    <message>
        <source>New conversation (Ctrl+N)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Settings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Search conversations</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Conversations</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No conversation matches &quot;%1&quot;.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No conversations yet. Start one with Ctrl+N.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>SignInPage</name>
    <message>
        <source>Create your account</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sign in to Chat</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your messages stay on this computer, so they open instantly and can be written offline.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Server</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Server address</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Username</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Display name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>How others see you</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Password</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Remember me on this computer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Create account</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sign in</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>I already have an account</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>New here? Create an account</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>TimeFormat</name>
    <message>
        <source>Yesterday</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Today</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>dddd, MMMM d</source>
        <comment>day separator date in the current year</comment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>online</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>offline</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>last seen just now</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>last seen %n minute(s) ago</source>
        <translation>
            <numerusform>last seen %n minute ago</numerusform>
            <numerusform>last seen %n minutes ago</numerusform>
        </translation>
    </message>
    <message>
        <source>last seen today at %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>last seen yesterday at %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>last seen %1</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>TrayNotificationBackend</name>
    <message>
        <source>Chat</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>chat::model::ChatSession</name>
    <message>
        <source>Your saved session could not be read from the keychain. Please sign in again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&quot;%1&quot; is not a server address. Use ws://host:port or wss://host:port.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Please enter your username.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your local message store could not be opened: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Could not reach the server at %1 (%2). Check the address and that the server is running.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your session has ended (%1). Please sign in again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your draft could not be saved: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Signed out, but some local data could not be deleted: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Signed out on this computer only: the server could not be reached, so your session there stays valid until it expires.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>chat::model::ConversationListModel</name>
    <message>
        <source>You: %1</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>chat::model::DBusNotificationBackend</name>
    <message>
        <source>Open</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>chat::model::KeychainStore</name>
    <message>
        <source>Install and start a Secret Service provider, for example GNOME Keyring (package &quot;gnome-keyring&quot;) or KDE Wallet (package &quot;kwalletmanager&quot;), and make sure it is unlocked.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open Keychain Access and make sure your login keychain is unlocked.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Make sure the Windows Credential Manager service is running.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Install a keychain service supported by QtKeychain.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your system keychain could not be used (%1). You will stay signed in only until you close the app. %2</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>chat::model::MessageListModel</name>
    <message>
        <source>Read by %1 of %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Delivered to %1 of %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Loading older messages…</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%n member(s)</source>
        <translation>
            <numerusform>%n member</numerusform>
            <numerusform>%n members</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n online</source>
        <translation>
            <numerusform>%n online</numerusform>
            <numerusform>%n online</numerusform>
        </translation>
    </message>
    <message>
        <source>Older messages could not be loaded. They will load when the connection is back.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>chat::model::Notifier</name>
    <message>
        <source>%1 in %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%n new message(s)</source>
        <translation>
            <numerusform>%n new message</numerusform>
            <numerusform>%n new messages</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>in %n conversation(s)</source>
        <translation>
            <numerusform>in %n conversation</numerusform>
            <numerusform>in %n conversations</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>chat::model::SearchResultsModel</name>
    <message>
        <source>Search failed: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>You</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No account is open.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>There is no such date.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Could not go to that date: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Offline, and no messages of this conversation are stored on this device.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server could not be asked, and no messages of this conversation are stored on this device.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Offline: showing the nearest message stored on this device.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server could not be asked: showing the nearest message stored on this device.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This conversation has no messages yet.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
</TS>
