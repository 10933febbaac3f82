// Makes the model layer's types known to QML without making chat_model depend on Qt Qml
// (the NeoChat foreigntypes.h pattern): each is registered under the Chat module by name.
#pragma once

#include "model/chatsession.h"
#include "model/conversationlistmodel.h"
#include "model/keychainstore.h"
#include "model/memberlistmodel.h"
#include "model/messagelistmodel.h"
#include "model/profilesettings.h"

#include <QtQml/qqml.h>

struct ChatSessionForeign {
    Q_GADGET
    QML_FOREIGN(chat::model::ChatSession)
    QML_NAMED_ELEMENT(ChatSession)
    QML_UNCREATABLE("The session is created by the application.")
};

struct ProfileSettingsForeign {
    Q_GADGET
    QML_FOREIGN(chat::model::ProfileSettings)
    QML_NAMED_ELEMENT(ProfileSettings)
    QML_UNCREATABLE("Settings are created by the application.")
};

struct KeychainStoreForeign {
    Q_GADGET
    QML_FOREIGN(chat::model::KeychainStore)
    QML_NAMED_ELEMENT(KeychainStore)
    QML_UNCREATABLE("The keychain is created by the application.")
};

struct ConversationListModelForeign {
    Q_GADGET
    QML_FOREIGN(chat::model::ConversationListModel)
    QML_NAMED_ELEMENT(ConversationListModel)
    QML_UNCREATABLE("Provided by ChatSession.conversations.")
};

struct ConversationFilterModelForeign {
    Q_GADGET
    QML_FOREIGN(chat::model::ConversationFilterModel)
    QML_NAMED_ELEMENT(ConversationFilterModel)
};

struct MessageListModelForeign {
    Q_GADGET
    QML_FOREIGN(chat::model::MessageListModel)
    QML_NAMED_ELEMENT(MessageListModel)
    QML_UNCREATABLE("Provided by ChatSession.messages.")
};

struct MemberListModelForeign {
    Q_GADGET
    QML_FOREIGN(chat::model::MemberListModel)
    QML_NAMED_ELEMENT(MemberListModel)
    QML_UNCREATABLE("Provided by ChatSession.members.")
};

struct UserListModelForeign {
    Q_GADGET
    QML_FOREIGN(chat::model::UserListModel)
    QML_NAMED_ELEMENT(UserListModel)
    QML_UNCREATABLE("Provided by ChatSession.userSearch.")
};
