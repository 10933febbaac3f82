<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de_DE">
<context>
    <name>ChatPage</name>
    <message>
        <source>Select a conversation to start chatting</source>
        <translation>Wähle eine Unterhaltung aus, um zu chatten</translation>
    </message>
    <message>
        <source>Ctrl+K to jump to a conversation · Ctrl+N to start a new one</source>
        <translation>Strg+K springt zu einer Unterhaltung · Strg+N beginnt eine neue</translation>
    </message>
</context>
<context>
    <name>Composer</name>
    <message>
        <source>Write a message…</source>
        <translation>Nachricht schreiben…</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>Nachricht</translation>
    </message>
    <message>
        <source>Enter sends, Shift+Enter starts a new line</source>
        <translation>Eingabe sendet, Umschalt+Eingabe beginnt eine neue Zeile</translation>
    </message>
    <message>
        <source>Send</source>
        <translation>Senden</translation>
    </message>
    <message>
        <source>Send (Enter)</source>
        <translation>Senden (Eingabe)</translation>
    </message>
</context>
<context>
    <name>ConnectionBanner</name>
    <message>
        <source>You are offline. Messages you write will be sent when you are back online.</source>
        <translation>Du bist offline. Was du schreibst, wird gesendet, sobald du wieder online bist.</translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation>Verbinde…</translation>
    </message>
    <message numerus="yes">
        <source>Syncing… %n conversation(s) updated</source>
        <translation>
            <numerusform>Synchronisiere… %n Unterhaltung aktualisiert</numerusform>
            <numerusform>Synchronisiere… %n Unterhaltungen aktualisiert</numerusform>
        </translation>
    </message>
    <message>
        <source>Syncing…</source>
        <translation>Synchronisiere…</translation>
    </message>
    <message>
        <source>Retry now</source>
        <translation>Jetzt erneut versuchen</translation>
    </message>
</context>
<context>
    <name>ConversationDelegate</name>
    <message numerus="yes">
        <source>%1, %n unread message(s), %2</source>
        <translation>
            <numerusform>%1, %n ungelesene Nachricht, %2</numerusform>
            <numerusform>%1, %n ungelesene Nachrichten, %2</numerusform>
        </translation>
    </message>
    <message>
        <source>%1, %2</source>
        <translation>%1, %2</translation>
    </message>
</context>
<context>
    <name>ConversationView</name>
    <message>
        <source>Members</source>
        <translation>Mitglieder</translation>
    </message>
    <message>
        <source>Messages</source>
        <translation>Nachrichten</translation>
    </message>
    <message>
        <source>No messages yet. Say hello!</source>
        <translation>Noch keine Nachrichten. Sag hallo!</translation>
    </message>
    <message>
        <source>Jump to the latest message</source>
        <translation>Zur neuesten Nachricht springen</translation>
    </message>
    <message numerus="yes">
        <source>Jump to the latest message (%n new)</source>
        <translation>
            <numerusform>Zur neuesten Nachricht springen (%n neue)</numerusform>
            <numerusform>Zur neuesten Nachricht springen (%n neue)</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>DisplayText</name>
    <message>
        <source>Unknown user</source>
        <translation>Unbekannter Benutzer</translation>
    </message>
    <message>
        <source>typing…</source>
        <translation>schreibt…</translation>
    </message>
    <message>
        <source>%1 is typing…</source>
        <translation>%1 schreibt…</translation>
    </message>
    <message>
        <source>%1 and %2 are typing…</source>
        <translation>%1 und %2 schreiben…</translation>
    </message>
    <message numerus="yes">
        <source>%n people are typing…</source>
        <translation>
            <numerusform>%n Person schreibt…</numerusform>
            <numerusform>%n Personen schreiben…</numerusform>
        </translation>
    </message>
    <message>
        <source>Waiting to be sent</source>
        <translation>Wartet auf den Versand</translation>
    </message>
    <message>
        <source>Sent</source>
        <translation>Gesendet</translation>
    </message>
    <message>
        <source>Delivered</source>
        <translation>Zugestellt</translation>
    </message>
    <message>
        <source>Read</source>
        <translation>Gelesen</translation>
    </message>
    <message>
        <source>Not sent</source>
        <translation>Nicht gesendet</translation>
    </message>
</context>
<context>
    <name>KeychainBanner</name>
    <message>
        <source>Keep me signed in anyway (stored unencrypted in the profile folder)</source>
        <translation>Trotzdem angemeldet bleiben (unverschlüsselt im Profilordner gespeichert)</translation>
    </message>
    <message>
        <source>Dismiss</source>
        <translation>Ausblenden</translation>
    </message>
</context>
<context>
    <name>LanguageManager</name>
    <message>
        <source>System default</source>
        <translation>Systemstandard</translation>
    </message>
</context>
<context>
    <name>Main</name>
    <message>
        <source>(%1) Chat</source>
        <translation>(%1) Chat</translation>
    </message>
    <message>
        <source>Chat</source>
        <translation>Chat</translation>
    </message>
</context>
<context>
    <name>MembersPanel</name>
    <message numerus="yes">
        <source>%n member(s)</source>
        <translation>
            <numerusform>%n Mitglied</numerusform>
            <numerusform>%n Mitglieder</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 (you)</source>
        <translation>%1 (du)</translation>
    </message>
    <message>
        <source>admin</source>
        <translation>Admin</translation>
    </message>
    <message>
        <source>Really leave?</source>
        <translation>Wirklich verlassen?</translation>
    </message>
    <message>
        <source>Leave group</source>
        <translation>Gruppe verlassen</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Schließen</translation>
    </message>
    <message>
        <source>Search people to add</source>
        <translation>Personen zum Hinzufügen suchen</translation>
    </message>
    <message>
        <source>Add %1</source>
        <translation>%1 hinzufügen</translation>
    </message>
    <message>
        <source>Searching…</source>
        <translation>Suche…</translation>
    </message>
    <message>
        <source>Nobody found.</source>
        <translation>Niemand gefunden.</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>Fertig</translation>
    </message>
    <message>
        <source>Add people</source>
        <translation>Personen hinzufügen</translation>
    </message>
</context>
<context>
    <name>MessageDelegate</name>
    <message>
        <source>Loading older messages</source>
        <translation>Ältere Nachrichten werden geladen</translation>
    </message>
    <message>
        <source>You</source>
        <translation>Du</translation>
    </message>
    <message>
        <source>Loading older messages…</source>
        <translation>Ältere Nachrichten werden geladen…</translation>
    </message>
    <message>
        <source>New messages</source>
        <translation>Neue Nachrichten</translation>
    </message>
    <message>
        <source>read %1/%2</source>
        <comment>read by N of M group members</comment>
        <translation>gelesen %1/%2</translation>
    </message>
    <message>
        <source>Not sent: %1</source>
        <translation>Nicht gesendet: %1</translation>
    </message>
    <message>
        <source>Not sent</source>
        <translation>Nicht gesendet</translation>
    </message>
    <message>
        <source>Retry</source>
        <translation>Erneut senden</translation>
    </message>
    <message>
        <source>Retry sending</source>
        <translation>Erneut senden</translation>
    </message>
    <message>
        <source>Discard</source>
        <translation>Verwerfen</translation>
    </message>
    <message>
        <source>Discard message</source>
        <translation>Nachricht verwerfen</translation>
    </message>
    <message numerus="yes">
        <source>Loading %n more message(s)…</source>
        <translation>
            <numerusform>Lade %n weitere Nachricht…</numerusform>
            <numerusform>Lade %n weitere Nachrichten…</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>NewConversationDialog</name>
    <message>
        <source>New conversation</source>
        <translation>Neue Unterhaltung</translation>
    </message>
    <message>
        <source>Search people by name</source>
        <translation>Personen nach Namen suchen</translation>
    </message>
    <message>
        <source>Search people</source>
        <translation>Personen suchen</translation>
    </message>
    <message>
        <source>Searching…</source>
        <translation>Suche…</translation>
    </message>
    <message>
        <source>Nobody found.</source>
        <translation>Niemand gefunden.</translation>
    </message>
    <message>
        <source>Group name</source>
        <translation>Gruppenname</translation>
    </message>
    <message>
        <source>Choose one person, or several for a group.</source>
        <translation>Wähle eine Person, oder mehrere für eine Gruppe.</translation>
    </message>
    <message>
        <source>Direct conversation</source>
        <translation>Direkte Unterhaltung</translation>
    </message>
    <message numerus="yes">
        <source>Group with %n people</source>
        <translation>
            <numerusform>Gruppe mit %n Person</numerusform>
            <numerusform>Gruppe mit %n Personen</numerusform>
        </translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>Start</source>
        <translation>Starten</translation>
    </message>
</context>
<context>
    <name>QuickSwitcher</name>
    <message>
        <source>Jump to conversation</source>
        <translation>Zu Unterhaltung springen</translation>
    </message>
    <message>
        <source>Type a name…</source>
        <translation>Namen eingeben…</translation>
    </message>
    <message>
        <source>Conversation name</source>
        <translation>Name der Unterhaltung</translation>
    </message>
</context>
<context>
    <name>SearchPanel</name>
    <message>
        <source>Search in %1</source>
        <translation>In %1 suchen</translation>
    </message>
    <message>
        <source>Search all conversations</source>
        <translation>Alle Unterhaltungen durchsuchen</translation>
    </message>
    <message>
        <source>Words, or &quot;an exact phrase&quot;…</source>
        <translation>Wörter oder „eine genaue Wortfolge“…</translation>
    </message>
    <message>
        <source>Search messages</source>
        <translation>Nachrichten durchsuchen</translation>
    </message>
    <message>
        <source>Go to date:</source>
        <translation>Gehe zu Datum:</translation>
    </message>
    <message>
        <source>YYYY-MM-DD</source>
        <translation>JJJJ-MM-TT</translation>
    </message>
    <message>
        <source>Date to go to</source>
        <translation>Datum, zu dem gesprungen wird</translation>
    </message>
    <message>
        <source>Go</source>
        <translation>Los</translation>
    </message>
    <message numerus="yes">
        <source>%n unread mention(s)</source>
        <translation>
            <numerusform>%n ungelesene Erwähnung</numerusform>
            <numerusform>%n ungelesene Erwähnungen</numerusform>
        </translation>
    </message>
    <message>
        <source>No messages found</source>
        <translation>Keine Nachrichten gefunden</translation>
    </message>
    <message>
        <source>Type to search the messages on this device</source>
        <translation>Tippe, um die Nachrichten auf diesem Gerät zu durchsuchen</translation>
    </message>
    <message>
        <source>%1 in %2</source>
        <translation>%1 in %2</translation>
    </message>
    <message>
        <source>Type a date as YYYY-MM-DD.</source>
        <translation>Datum als JJJJ-MM-TT eingeben.</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Settings</source>
        <translation>Einstellungen</translation>
    </message>
    <message>
        <source>Appearance</source>
        <translation>Darstellung</translation>
    </message>
    <message>
        <source>System</source>
        <translation>System</translation>
    </message>
    <message>
        <source>Light</source>
        <translation>Hell</translation>
    </message>
    <message>
        <source>Dark</source>
        <translation>Dunkel</translation>
    </message>
    <message>
        <source>Theme: %1</source>
        <translation>Farbschema: %1</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Sprache</translation>
    </message>
    <message>
        <source>Notifications</source>
        <translation>Benachrichtigungen</translation>
    </message>
    <message>
        <source>Show a desktop notification for new messages</source>
        <translation>Bei neuen Nachrichten eine Desktop-Benachrichtigung zeigen</translation>
    </message>
    <message>
        <source>Account</source>
        <translation>Konto</translation>
    </message>
    <message>
        <source>Signed in as %1 (@%2) on %3</source>
        <translation>Angemeldet als %1 (@%2) auf %3</translation>
    </message>
    <message>
        <source>Your session is stored unencrypted in %1, as you chose.</source>
        <translation>Deine Sitzung ist, wie gewählt, unverschlüsselt in %1 gespeichert.</translation>
    </message>
    <message>
        <source>Your session is kept in the system keychain.</source>
        <translation>Deine Sitzung liegt im Schlüsselbund des Systems.</translation>
    </message>
    <message>
        <source>You will be signed out when you close the app.</source>
        <translation>Beim Schließen der App wirst du abgemeldet.</translation>
    </message>
    <message>
        <source>Sign out</source>
        <translation>Abmelden</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Schließen</translation>
    </message>
    <message>
        <source>Also delete this account&apos;s messages stored on this computer</source>
        <translation>Auch die auf diesem Computer gespeicherten Nachrichten dieses Kontos löschen</translation>
    </message>
    <message>
        <source>Signing out…</source>
        <translation>Abmelden…</translation>
    </message>
</context>
<context>
    <name>Sidebar</name>
    <message>
        <source>New conversation (Ctrl+N)</source>
        <translation>Neue Unterhaltung (Strg+N)</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>Einstellungen</translation>
    </message>
    <message>
        <source>Search conversations</source>
        <translation>Unterhaltungen durchsuchen</translation>
    </message>
    <message>
        <source>Conversations</source>
        <translation>Unterhaltungen</translation>
    </message>
    <message>
        <source>No conversation matches &quot;%1&quot;.</source>
        <translation>Keine Unterhaltung passt zu „%1“.</translation>
    </message>
    <message>
        <source>No conversations yet. Start one with Ctrl+N.</source>
        <translation>Noch keine Unterhaltungen. Beginne eine mit Strg+N.</translation>
    </message>
</context>
<context>
    <name>SignInPage</name>
    <message>
        <source>Create your account</source>
        <translation>Konto erstellen</translation>
    </message>
    <message>
        <source>Sign in to Chat</source>
        <translation>Bei Chat anmelden</translation>
    </message>
    <message>
        <source>Your messages stay on this computer, so they open instantly and can be written offline.</source>
        <translation>Deine Nachrichten bleiben auf diesem Computer: Sie öffnen sofort und lassen sich auch offline schreiben.</translation>
    </message>
    <message>
        <source>Server</source>
        <translation>Server</translation>
    </message>
    <message>
        <source>Server address</source>
        <translation>Serveradresse</translation>
    </message>
    <message>
        <source>Username</source>
        <translation>Benutzername</translation>
    </message>
    <message>
        <source>Display name</source>
        <translation>Anzeigename</translation>
    </message>
    <message>
        <source>How others see you</source>
        <translation>So sehen dich andere</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>Passwort</translation>
    </message>
    <message>
        <source>Remember me on this computer</source>
        <translation>Auf diesem Computer angemeldet bleiben</translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation>Verbinde…</translation>
    </message>
    <message>
        <source>Create account</source>
        <translation>Konto erstellen</translation>
    </message>
    <message>
        <source>Sign in</source>
        <translation>Anmelden</translation>
    </message>
    <message>
        <source>I already have an account</source>
        <translation>Ich habe schon ein Konto</translation>
    </message>
    <message>
        <source>New here? Create an account</source>
        <translation>Neu hier? Konto erstellen</translation>
    </message>
</context>
<context>
    <name>TimeFormat</name>
    <message>
        <source>Yesterday</source>
        <translation>Gestern</translation>
    </message>
    <message>
        <source>Today</source>
        <translation>Heute</translation>
    </message>
    <message>
        <source>dddd, MMMM d</source>
        <comment>day separator date in the current year</comment>
        <translation>dddd, d. MMMM</translation>
    </message>
    <message>
        <source>online</source>
        <translation>online</translation>
    </message>
    <message>
        <source>offline</source>
        <translation>offline</translation>
    </message>
    <message>
        <source>last seen just now</source>
        <translation>zuletzt gerade eben online</translation>
    </message>
    <message numerus="yes">
        <source>last seen %n minute(s) ago</source>
        <translation>
            <numerusform>zuletzt vor %n Minute online</numerusform>
            <numerusform>zuletzt vor %n Minuten online</numerusform>
        </translation>
    </message>
    <message>
        <source>last seen today at %1</source>
        <translation>zuletzt heute um %1 online</translation>
    </message>
    <message>
        <source>last seen yesterday at %1</source>
        <translation>zuletzt gestern um %1 online</translation>
    </message>
    <message>
        <source>last seen %1</source>
        <translation>zuletzt am %1 online</translation>
    </message>
</context>
<context>
    <name>TrayNotificationBackend</name>
    <message>
        <source>Chat</source>
        <translation>Chat</translation>
    </message>
</context>
<context>
    <name>chat::model::ChatSession</name>
    <message>
        <source>Your saved session could not be read from the keychain. Please sign in again.</source>
        <translation>Deine gespeicherte Sitzung konnte nicht aus dem Schlüsselbund gelesen werden. Bitte melde dich erneut an.</translation>
    </message>
    <message>
        <source>&quot;%1&quot; is not a server address. Use ws://host:port or wss://host:port.</source>
        <translation>„%1“ ist keine Serveradresse. Verwende ws://host:port oder wss://host:port.</translation>
    </message>
    <message>
        <source>Please enter your username.</source>
        <translation>Bitte gib deinen Benutzernamen ein.</translation>
    </message>
    <message>
        <source>Your local message store could not be opened: %1</source>
        <translation>Dein lokaler Nachrichtenspeicher konnte nicht geöffnet werden: %1</translation>
    </message>
    <message>
        <source>Could not reach the server at %1 (%2). Check the address and that the server is running.</source>
        <translation>Der Server %1 ist nicht erreichbar (%2). Prüfe die Adresse und ob der Server läuft.</translation>
    </message>
    <message>
        <source>Your session has ended (%1). Please sign in again.</source>
        <translation>Deine Sitzung ist beendet (%1). Bitte melde dich erneut an.</translation>
    </message>
    <message>
        <source>Your draft could not be saved: %1</source>
        <translation>Dein Entwurf konnte nicht gespeichert werden: %1</translation>
    </message>
    <message>
        <source>Signed out, but some local data could not be deleted: %1</source>
        <translation>Abgemeldet, aber einige lokale Daten konnten nicht gelöscht werden: %1</translation>
    </message>
    <message>
        <source>Signed out on this computer only: the server could not be reached, so your session there stays valid until it expires.</source>
        <translation>Nur auf diesem Computer abgemeldet: Der Server war nicht erreichbar, deine Sitzung dort bleibt gültig, bis sie abläuft.</translation>
    </message>
</context>
<context>
    <name>chat::model::ConversationListModel</name>
    <message>
        <source>You: %1</source>
        <translation>Du: %1</translation>
    </message>
</context>
<context>
    <name>chat::model::DBusNotificationBackend</name>
    <message>
        <source>Open</source>
        <translation>Öffnen</translation>
    </message>
</context>
<context>
    <name>chat::model::KeychainStore</name>
    <message>
        <source>Install and start a Secret Service provider, for example GNOME Keyring (package &quot;gnome-keyring&quot;) or KDE Wallet (package &quot;kwalletmanager&quot;), and make sure it is unlocked.</source>
        <translation>Installiere und starte einen Secret-Service-Dienst, zum Beispiel GNOME Keyring (Paket „gnome-keyring“) oder KDE Wallet (Paket „kwalletmanager“), und entsperre ihn.</translation>
    </message>
    <message>
        <source>Open Keychain Access and make sure your login keychain is unlocked.</source>
        <translation>Öffne die Schlüsselbundverwaltung und entsperre deinen Anmeldeschlüsselbund.</translation>
    </message>
    <message>
        <source>Make sure the Windows Credential Manager service is running.</source>
        <translation>Stelle sicher, dass die Windows-Anmeldeinformationsverwaltung läuft.</translation>
    </message>
    <message>
        <source>Install a keychain service supported by QtKeychain.</source>
        <translation>Installiere einen von QtKeychain unterstützten Schlüsselbund-Dienst.</translation>
    </message>
    <message>
        <source>Your system keychain could not be used (%1). You will stay signed in only until you close the app. %2</source>
        <translation>Der Schlüsselbund des Systems ist nicht nutzbar (%1). Du bleibst nur angemeldet, bis du die App schließt. %2</translation>
    </message>
</context>
<context>
    <name>chat::model::MessageListModel</name>
    <message>
        <source>Read by %1 of %2</source>
        <translation>Gelesen von %1 von %2</translation>
    </message>
    <message>
        <source>Delivered to %1 of %2</source>
        <translation>Zugestellt an %1 von %2</translation>
    </message>
    <message>
        <source>Loading older messages…</source>
        <translation>Ältere Nachrichten werden geladen…</translation>
    </message>
    <message numerus="yes">
        <source>%n member(s)</source>
        <translation>
            <numerusform>%n Mitglied</numerusform>
            <numerusform>%n Mitglieder</numerusform>
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
        <translation>Ältere Nachrichten konnten nicht geladen werden. Sie werden geladen, sobald die Verbindung zurück ist.</translation>
    </message>
</context>
<context>
    <name>chat::model::Notifier</name>
    <message>
        <source>%1 in %2</source>
        <translation>%1 in %2</translation>
    </message>
    <message numerus="yes">
        <source>%n new message(s)</source>
        <translation>
            <numerusform>%n neue Nachricht</numerusform>
            <numerusform>%n neue Nachrichten</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>in %n conversation(s)</source>
        <translation>
            <numerusform>in %n Unterhaltung</numerusform>
            <numerusform>in %n Unterhaltungen</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>chat::model::SearchResultsModel</name>
    <message>
        <source>Search failed: %1</source>
        <translation>Suche fehlgeschlagen: %1</translation>
    </message>
    <message>
        <source>You</source>
        <translation>Du</translation>
    </message>
    <message>
        <source>No account is open.</source>
        <translation>Kein Konto ist geöffnet.</translation>
    </message>
    <message>
        <source>There is no such date.</source>
        <translation>Dieses Datum gibt es nicht.</translation>
    </message>
    <message>
        <source>Could not go to that date: %1</source>
        <translation>Dieses Datum konnte nicht angesprungen werden: %1</translation>
    </message>
    <message>
        <source>Offline, and no messages of this conversation are stored on this device.</source>
        <translation>Offline, und auf diesem Gerät sind keine Nachrichten dieser Unterhaltung gespeichert.</translation>
    </message>
    <message>
        <source>The server could not be asked, and no messages of this conversation are stored on this device.</source>
        <translation>Der Server war nicht erreichbar, und auf diesem Gerät sind keine Nachrichten dieser Unterhaltung gespeichert.</translation>
    </message>
    <message>
        <source>Offline: showing the nearest message stored on this device.</source>
        <translation>Offline: Die nächstgelegene auf diesem Gerät gespeicherte Nachricht wird angezeigt.</translation>
    </message>
    <message>
        <source>The server could not be asked: showing the nearest message stored on this device.</source>
        <translation>Der Server war nicht erreichbar: Die nächstgelegene auf diesem Gerät gespeicherte Nachricht wird angezeigt.</translation>
    </message>
    <message>
        <source>This conversation has no messages yet.</source>
        <translation>Diese Unterhaltung enthält noch keine Nachrichten.</translation>
    </message>
</context>
</TS>
