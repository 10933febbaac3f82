// Protocol limits (protocol §12). Defaults match the contract; the server makes them
// configurable, and the decoder validates against the values it is given.
#pragma once

#include <QtGlobal>

namespace chat::proto {

struct Limits {
    qsizetype maxFrameBytes = 64 * 1024;
    int maxContentChars = 4000;
    int maxHistoryPage = 200;
    int defaultHistoryPage = 50;
    int maxSyncPage = 100;
    int defaultSyncPage = 20;
    int maxSyncRecent = 200;
    int defaultSyncRecent = 20;
    int maxGroupSize = 1000;
    int maxIdChars = 64;        // request ids, client_msg_id
    int maxObjectIdChars = 128; // user / conversation / message ids
    int maxUsernameChars = 32;
    int maxPasswordChars = 1024;
    int minPasswordChars = 6;
    int maxDisplayNameChars = 64;
    int maxTitleChars = 128;
    int maxTokenChars = 512;
    int maxUsersQueryLimit = 100;
};

} // namespace chat::proto
