<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="fr_FR">
<context>
    <name>ChatPage</name>
    <message>
        <source>Select a conversation to start chatting</source>
        <translation>Choisissez une conversation pour commencer</translation>
    </message>
    <message>
        <source>Ctrl+K to jump to a conversation · Ctrl+N to start a new one</source>
        <translation>Ctrl+K pour aller à une conversation · Ctrl+N pour en commencer une</translation>
    </message>
</context>
<context>
    <name>Composer</name>
    <message>
        <source>Write a message…</source>
        <translation>Écrire un message…</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>Message</translation>
    </message>
    <message>
        <source>Enter sends, Shift+Enter starts a new line</source>
        <translation>Entrée envoie, Maj+Entrée passe à la ligne</translation>
    </message>
    <message>
        <source>Send</source>
        <translation>Envoyer</translation>
    </message>
    <message>
        <source>Send (Enter)</source>
        <translation>Envoyer (Entrée)</translation>
    </message>
</context>
<context>
    <name>ConnectionBanner</name>
    <message>
        <source>You are offline. Messages you write will be sent when you are back online.</source>
        <translation>Vous êtes hors ligne. Vos messages seront envoyés dès le retour de la connexion.</translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation>Connexion…</translation>
    </message>
    <message numerus="yes">
        <source>Syncing… %n conversation(s) updated</source>
        <translation>
            <numerusform>Synchronisation… %n conversation mise à jour</numerusform>
            <numerusform>Synchronisation… %n conversations mises à jour</numerusform>
        </translation>
    </message>
    <message>
        <source>Syncing…</source>
        <translation>Synchronisation…</translation>
    </message>
    <message>
        <source>Retry now</source>
        <translation>Réessayer</translation>
    </message>
</context>
<context>
    <name>ConversationDelegate</name>
    <message numerus="yes">
        <source>%1, %n unread message(s), %2</source>
        <translation>
            <numerusform>%1, %n message non lu, %2</numerusform>
            <numerusform>%1, %n messages non lus, %2</numerusform>
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
        <translation>Membres</translation>
    </message>
    <message>
        <source>Messages</source>
        <translation>Messages</translation>
    </message>
    <message>
        <source>No messages yet. Say hello!</source>
        <translation>Pas encore de messages. Dites bonjour !</translation>
    </message>
    <message>
        <source>Jump to the latest message</source>
        <translation>Aller au dernier message</translation>
    </message>
    <message numerus="yes">
        <source>Jump to the latest message (%n new)</source>
        <translation>
            <numerusform>Aller au dernier message (%n nouveau)</numerusform>
            <numerusform>Aller au dernier message (%n nouveaux)</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>DisplayText</name>
    <message>
        <source>Unknown user</source>
        <translation>Utilisateur inconnu</translation>
    </message>
    <message>
        <source>typing…</source>
        <translation>écrit…</translation>
    </message>
    <message>
        <source>%1 is typing…</source>
        <translation>%1 écrit…</translation>
    </message>
    <message>
        <source>%1 and %2 are typing…</source>
        <translation>%1 et %2 écrivent…</translation>
    </message>
    <message numerus="yes">
        <source>%n people are typing…</source>
        <translation>
            <numerusform>%n personne écrit…</numerusform>
            <numerusform>%n personnes écrivent…</numerusform>
        </translation>
    </message>
    <message>
        <source>Waiting to be sent</source>
        <translation>En attente d’envoi</translation>
    </message>
    <message>
        <source>Sent</source>
        <translation>Envoyé</translation>
    </message>
    <message>
        <source>Delivered</source>
        <translation>Distribué</translation>
    </message>
    <message>
        <source>Read</source>
        <translation>Lu</translation>
    </message>
    <message>
        <source>Not sent</source>
        <translation>Non envoyé</translation>
    </message>
</context>
<context>
    <name>KeychainBanner</name>
    <message>
        <source>Keep me signed in anyway (stored unencrypted in the profile folder)</source>
        <translation>Rester connecté quand même (stocké sans chiffrement dans le dossier du profil)</translation>
    </message>
    <message>
        <source>Dismiss</source>
        <translation>Masquer</translation>
    </message>
</context>
<context>
    <name>LanguageManager</name>
    <message>
        <source>System default</source>
        <translation>Langue du système</translation>
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
            <numerusform>%n membre</numerusform>
            <numerusform>%n membres</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 (you)</source>
        <translation>%1 (vous)</translation>
    </message>
    <message>
        <source>admin</source>
        <translation>admin</translation>
    </message>
    <message>
        <source>Really leave?</source>
        <translation>Vraiment quitter ?</translation>
    </message>
    <message>
        <source>Leave group</source>
        <translation>Quitter le groupe</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Fermer</translation>
    </message>
    <message>
        <source>Search people to add</source>
        <translation>Rechercher des personnes à ajouter</translation>
    </message>
    <message>
        <source>Add %1</source>
        <translation>Ajouter %1</translation>
    </message>
    <message>
        <source>Searching…</source>
        <translation>Recherche…</translation>
    </message>
    <message>
        <source>Nobody found.</source>
        <translation>Personne trouvé.</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>Terminé</translation>
    </message>
    <message>
        <source>Add people</source>
        <translation>Ajouter des personnes</translation>
    </message>
</context>
<context>
    <name>MessageDelegate</name>
    <message>
        <source>Loading older messages</source>
        <translation>Chargement des messages plus anciens</translation>
    </message>
    <message>
        <source>You</source>
        <translation>Vous</translation>
    </message>
    <message>
        <source>Loading older messages…</source>
        <translation>Chargement des messages plus anciens…</translation>
    </message>
    <message>
        <source>New messages</source>
        <translation>Nouveaux messages</translation>
    </message>
    <message>
        <source>read %1/%2</source>
        <comment>read by N of M group members</comment>
        <translation>lu %1/%2</translation>
    </message>
    <message>
        <source>Not sent: %1</source>
        <translation>Non envoyé : %1</translation>
    </message>
    <message>
        <source>Not sent</source>
        <translation>Non envoyé</translation>
    </message>
    <message>
        <source>Retry</source>
        <translation>Réessayer</translation>
    </message>
    <message>
        <source>Retry sending</source>
        <translation>Réessayer l’envoi</translation>
    </message>
    <message>
        <source>Discard</source>
        <translation>Abandonner</translation>
    </message>
    <message>
        <source>Discard message</source>
        <translation>Abandonner le message</translation>
    </message>
    <message numerus="yes">
        <source>Loading %n more message(s)…</source>
        <translation>
            <numerusform>Chargement de %n message de plus…</numerusform>
            <numerusform>Chargement de %n messages de plus…</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>NewConversationDialog</name>
    <message>
        <source>New conversation</source>
        <translation>Nouvelle conversation</translation>
    </message>
    <message>
        <source>Search people by name</source>
        <translation>Chercher des personnes par nom</translation>
    </message>
    <message>
        <source>Search people</source>
        <translation>Chercher des personnes</translation>
    </message>
    <message>
        <source>Searching…</source>
        <translation>Recherche…</translation>
    </message>
    <message>
        <source>Nobody found.</source>
        <translation>Personne trouvé.</translation>
    </message>
    <message>
        <source>Group name</source>
        <translation>Nom du groupe</translation>
    </message>
    <message>
        <source>Choose one person, or several for a group.</source>
        <translation>Choisissez une personne, ou plusieurs pour un groupe.</translation>
    </message>
    <message>
        <source>Direct conversation</source>
        <translation>Conversation directe</translation>
    </message>
    <message numerus="yes">
        <source>Group with %n people</source>
        <translation>
            <numerusform>Groupe avec %n personne</numerusform>
            <numerusform>Groupe avec %n personnes</numerusform>
        </translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Annuler</translation>
    </message>
    <message>
        <source>Start</source>
        <translation>Commencer</translation>
    </message>
</context>
<context>
    <name>QuickSwitcher</name>
    <message>
        <source>Jump to conversation</source>
        <translation>Aller à une conversation</translation>
    </message>
    <message>
        <source>Type a name…</source>
        <translation>Tapez un nom…</translation>
    </message>
    <message>
        <source>Conversation name</source>
        <translation>Nom de la conversation</translation>
    </message>
</context>
<context>
    <name>SearchPanel</name>
    <message>
        <source>Search in %1</source>
        <translation>Rechercher dans %1</translation>
    </message>
    <message>
        <source>Search all conversations</source>
        <translation>Rechercher dans toutes les conversations</translation>
    </message>
    <message>
        <source>Words, or &quot;an exact phrase&quot;…</source>
        <translation>Des mots, ou « une phrase exacte »…</translation>
    </message>
    <message>
        <source>Search messages</source>
        <translation>Rechercher des messages</translation>
    </message>
    <message>
        <source>Go to date:</source>
        <translation>Aller à la date :</translation>
    </message>
    <message>
        <source>YYYY-MM-DD</source>
        <translation>AAAA-MM-JJ</translation>
    </message>
    <message>
        <source>Date to go to</source>
        <translation>Date à atteindre</translation>
    </message>
    <message>
        <source>Go</source>
        <translation>Aller</translation>
    </message>
    <message numerus="yes">
        <source>%n unread mention(s)</source>
        <translation>
            <numerusform>%n mention non lue</numerusform>
            <numerusform>%n mentions non lues</numerusform>
        </translation>
    </message>
    <message>
        <source>No messages found</source>
        <translation>Aucun message trouvé</translation>
    </message>
    <message>
        <source>Type to search the messages on this device</source>
        <translation>Tapez pour rechercher les messages de cet appareil</translation>
    </message>
    <message>
        <source>%1 in %2</source>
        <translation>%1 dans %2</translation>
    </message>
    <message>
        <source>Type a date as YYYY-MM-DD.</source>
        <translation>Saisissez une date au format AAAA-MM-JJ.</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Settings</source>
        <translation>Paramètres</translation>
    </message>
    <message>
        <source>Appearance</source>
        <translation>Apparence</translation>
    </message>
    <message>
        <source>System</source>
        <translation>Système</translation>
    </message>
    <message>
        <source>Light</source>
        <translation>Clair</translation>
    </message>
    <message>
        <source>Dark</source>
        <translation>Sombre</translation>
    </message>
    <message>
        <source>Theme: %1</source>
        <translation>Thème : %1</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Langue</translation>
    </message>
    <message>
        <source>Notifications</source>
        <translation>Notifications</translation>
    </message>
    <message>
        <source>Show a desktop notification for new messages</source>
        <translation>Afficher une notification pour les nouveaux messages</translation>
    </message>
    <message>
        <source>Account</source>
        <translation>Compte</translation>
    </message>
    <message>
        <source>Signed in as %1 (@%2) on %3</source>
        <translation>Connecté en tant que %1 (@%2) sur %3</translation>
    </message>
    <message>
        <source>Your session is stored unencrypted in %1, as you chose.</source>
        <translation>Votre session est stockée sans chiffrement dans %1, comme vous l’avez choisi.</translation>
    </message>
    <message>
        <source>Your session is kept in the system keychain.</source>
        <translation>Votre session est conservée dans le trousseau du système.</translation>
    </message>
    <message>
        <source>You will be signed out when you close the app.</source>
        <translation>Vous serez déconnecté à la fermeture de l’application.</translation>
    </message>
    <message>
        <source>Sign out</source>
        <translation>Se déconnecter</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Fermer</translation>
    </message>
    <message>
        <source>Also delete this account&apos;s messages stored on this computer</source>
        <translation>Supprimer aussi les messages de ce compte enregistrés sur cet ordinateur</translation>
    </message>
    <message>
        <source>Signing out…</source>
        <translation>Déconnexion…</translation>
    </message>
</context>
<context>
    <name>Sidebar</name>
    <message>
        <source>New conversation (Ctrl+N)</source>
        <translation>Nouvelle conversation (Ctrl+N)</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>Paramètres</translation>
    </message>
    <message>
        <source>Search conversations</source>
        <translation>Rechercher une conversation</translation>
    </message>
    <message>
        <source>Conversations</source>
        <translation>Conversations</translation>
    </message>
    <message>
        <source>No conversation matches &quot;%1&quot;.</source>
        <translation>Aucune conversation ne correspond à « %1 ».</translation>
    </message>
    <message>
        <source>No conversations yet. Start one with Ctrl+N.</source>
        <translation>Aucune conversation. Commencez-en une avec Ctrl+N.</translation>
    </message>
</context>
<context>
    <name>SignInPage</name>
    <message>
        <source>Create your account</source>
        <translation>Créer votre compte</translation>
    </message>
    <message>
        <source>Sign in to Chat</source>
        <translation>Se connecter à Chat</translation>
    </message>
    <message>
        <source>Your messages stay on this computer, so they open instantly and can be written offline.</source>
        <translation>Vos messages restent sur cet ordinateur : ils s’ouvrent instantanément et s’écrivent même hors ligne.</translation>
    </message>
    <message>
        <source>Server</source>
        <translation>Serveur</translation>
    </message>
    <message>
        <source>Server address</source>
        <translation>Adresse du serveur</translation>
    </message>
    <message>
        <source>Username</source>
        <translation>Nom d’utilisateur</translation>
    </message>
    <message>
        <source>Display name</source>
        <translation>Nom affiché</translation>
    </message>
    <message>
        <source>How others see you</source>
        <translation>Ce que les autres verront</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>Mot de passe</translation>
    </message>
    <message>
        <source>Remember me on this computer</source>
        <translation>Rester connecté sur cet ordinateur</translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation>Connexion…</translation>
    </message>
    <message>
        <source>Create account</source>
        <translation>Créer le compte</translation>
    </message>
    <message>
        <source>Sign in</source>
        <translation>Se connecter</translation>
    </message>
    <message>
        <source>I already have an account</source>
        <translation>J’ai déjà un compte</translation>
    </message>
    <message>
        <source>New here? Create an account</source>
        <translation>Nouveau ? Créez un compte</translation>
    </message>
</context>
<context>
    <name>TimeFormat</name>
    <message>
        <source>Yesterday</source>
        <translation>Hier</translation>
    </message>
    <message>
        <source>Today</source>
        <translation>Aujourd’hui</translation>
    </message>
    <message>
        <source>dddd, MMMM d</source>
        <comment>day separator date in the current year</comment>
        <translation>dddd d MMMM</translation>
    </message>
    <message>
        <source>online</source>
        <translation>en ligne</translation>
    </message>
    <message>
        <source>offline</source>
        <translation>hors ligne</translation>
    </message>
    <message>
        <source>last seen just now</source>
        <translation>vu à l’instant</translation>
    </message>
    <message numerus="yes">
        <source>last seen %n minute(s) ago</source>
        <translation>
            <numerusform>vu il y a %n minute</numerusform>
            <numerusform>vu il y a %n minutes</numerusform>
        </translation>
    </message>
    <message>
        <source>last seen today at %1</source>
        <translation>vu aujourd’hui à %1</translation>
    </message>
    <message>
        <source>last seen yesterday at %1</source>
        <translation>vu hier à %1</translation>
    </message>
    <message>
        <source>last seen %1</source>
        <translation>vu le %1</translation>
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
        <translation>Votre session enregistrée n’a pas pu être lue dans le trousseau. Veuillez vous reconnecter.</translation>
    </message>
    <message>
        <source>&quot;%1&quot; is not a server address. Use ws://host:port or wss://host:port.</source>
        <translation>« %1 » n’est pas une adresse de serveur. Utilisez ws://hôte:port ou wss://hôte:port.</translation>
    </message>
    <message>
        <source>Please enter your username.</source>
        <translation>Veuillez saisir votre nom d’utilisateur.</translation>
    </message>
    <message>
        <source>Your local message store could not be opened: %1</source>
        <translation>Le stockage local des messages n’a pas pu être ouvert : %1</translation>
    </message>
    <message>
        <source>Could not reach the server at %1 (%2). Check the address and that the server is running.</source>
        <translation>Impossible de joindre le serveur %1 (%2). Vérifiez l’adresse et que le serveur fonctionne.</translation>
    </message>
    <message>
        <source>Your session has ended (%1). Please sign in again.</source>
        <translation>Votre session a pris fin (%1). Veuillez vous reconnecter.</translation>
    </message>
    <message>
        <source>Your draft could not be saved: %1</source>
        <translation>Votre brouillon n’a pas pu être enregistré : %1</translation>
    </message>
    <message>
        <source>Signed out, but some local data could not be deleted: %1</source>
        <translation>Déconnecté, mais certaines données locales n’ont pas pu être supprimées : %1</translation>
    </message>
    <message>
        <source>Signed out on this computer only: the server could not be reached, so your session there stays valid until it expires.</source>
        <translation>Déconnecté sur cet ordinateur seulement : le serveur est injoignable, votre session y reste valide jusqu’à son expiration.</translation>
    </message>
</context>
<context>
    <name>chat::model::ConversationListModel</name>
    <message>
        <source>You: %1</source>
        <translation>Vous : %1</translation>
    </message>
</context>
<context>
    <name>chat::model::DBusNotificationBackend</name>
    <message>
        <source>Open</source>
        <translation>Ouvrir</translation>
    </message>
</context>
<context>
    <name>chat::model::KeychainStore</name>
    <message>
        <source>Install and start a Secret Service provider, for example GNOME Keyring (package &quot;gnome-keyring&quot;) or KDE Wallet (package &quot;kwalletmanager&quot;), and make sure it is unlocked.</source>
        <translation>Installez et démarrez un service Secret Service, par exemple GNOME Keyring (paquet « gnome-keyring ») ou KDE Wallet (paquet « kwalletmanager »), et déverrouillez-le.</translation>
    </message>
    <message>
        <source>Open Keychain Access and make sure your login keychain is unlocked.</source>
        <translation>Ouvrez Trousseaux d’accès et déverrouillez votre trousseau de session.</translation>
    </message>
    <message>
        <source>Make sure the Windows Credential Manager service is running.</source>
        <translation>Vérifiez que le Gestionnaire d’identification Windows fonctionne.</translation>
    </message>
    <message>
        <source>Install a keychain service supported by QtKeychain.</source>
        <translation>Installez un service de trousseau pris en charge par QtKeychain.</translation>
    </message>
    <message>
        <source>Your system keychain could not be used (%1). You will stay signed in only until you close the app. %2</source>
        <translation>Le trousseau du système est inutilisable (%1). Vous resterez connecté seulement jusqu’à la fermeture de l’application. %2</translation>
    </message>
</context>
<context>
    <name>chat::model::MessageListModel</name>
    <message>
        <source>Read by %1 of %2</source>
        <translation>Lu par %1 sur %2</translation>
    </message>
    <message>
        <source>Delivered to %1 of %2</source>
        <translation>Distribué à %1 sur %2</translation>
    </message>
    <message>
        <source>Loading older messages…</source>
        <translation>Chargement des messages plus anciens…</translation>
    </message>
    <message numerus="yes">
        <source>%n member(s)</source>
        <translation>
            <numerusform>%n membre</numerusform>
            <numerusform>%n membres</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n online</source>
        <translation>
            <numerusform>%n en ligne</numerusform>
            <numerusform>%n en ligne</numerusform>
        </translation>
    </message>
    <message>
        <source>Older messages could not be loaded. They will load when the connection is back.</source>
        <translation>Les messages plus anciens n’ont pas pu être chargés. Ils le seront au retour de la connexion.</translation>
    </message>
</context>
<context>
    <name>chat::model::Notifier</name>
    <message>
        <source>%1 in %2</source>
        <translation>%1 dans %2</translation>
    </message>
    <message numerus="yes">
        <source>%n new message(s)</source>
        <translation>
            <numerusform>%n nouveau message</numerusform>
            <numerusform>%n nouveaux messages</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>in %n conversation(s)</source>
        <translation>
            <numerusform>dans %n conversation</numerusform>
            <numerusform>dans %n conversations</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>chat::model::SearchResultsModel</name>
    <message>
        <source>Search failed: %1</source>
        <translation>La recherche a échoué : %1</translation>
    </message>
    <message>
        <source>You</source>
        <translation>Vous</translation>
    </message>
    <message>
        <source>No account is open.</source>
        <translation>Aucun compte n’est ouvert.</translation>
    </message>
    <message>
        <source>There is no such date.</source>
        <translation>Cette date n’existe pas.</translation>
    </message>
    <message>
        <source>Could not go to that date: %1</source>
        <translation>Impossible d’aller à cette date : %1</translation>
    </message>
    <message>
        <source>Offline, and no messages of this conversation are stored on this device.</source>
        <translation>Hors ligne, et aucun message de cette conversation n’est enregistré sur cet appareil.</translation>
    </message>
    <message>
        <source>The server could not be asked, and no messages of this conversation are stored on this device.</source>
        <translation>Le serveur n’a pas pu être interrogé, et aucun message de cette conversation n’est enregistré sur cet appareil.</translation>
    </message>
    <message>
        <source>Offline: showing the nearest message stored on this device.</source>
        <translation>Hors ligne : affichage du message le plus proche enregistré sur cet appareil.</translation>
    </message>
    <message>
        <source>The server could not be asked: showing the nearest message stored on this device.</source>
        <translation>Le serveur n’a pas pu être interrogé : affichage du message le plus proche enregistré sur cet appareil.</translation>
    </message>
    <message>
        <source>This conversation has no messages yet.</source>
        <translation>Cette conversation ne contient encore aucun message.</translation>
    </message>
</context>
</TS>
