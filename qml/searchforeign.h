// Registers the local search model with the Chat QML module (the foreigntypes.h pattern):
// SearchPanel.qml creates a SearchResultsModel bound to the session.
#pragma once

#include "model/searchresultsmodel.h"

#include <QtQml/qqml.h>

struct SearchResultsModelForeign {
    Q_GADGET
    QML_FOREIGN(chat::model::SearchResultsModel)
    QML_NAMED_ELEMENT(SearchResultsModel)
};
