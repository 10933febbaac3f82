// The UI language: follows the system unless the user picked one in the settings; switching
// installs the translator and retranslates the running QML at once (no restart).
#pragma once

#include <QObject>
#include <QPointer>
#include <QTranslator>
#include <QVariantList>
#include <QtQml/qqmlregistration.h>
#include <memory>

class QQmlEngine;

namespace chat::model {
class ProfileSettings;
}

class LanguageManager : public QObject
{
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("Created by the application.")
    /// The chosen language code ("de", "fr", "en"), or "" to follow the system.
    Q_PROPERTY(QString language READ language WRITE setLanguage NOTIFY languageChanged)
    /// The language in effect ("en" when nothing else matches).
    Q_PROPERTY(QString effectiveLanguage READ effectiveLanguage NOTIFY languageChanged)
    /// [{code, name}] for the settings page, "System default" first.
    Q_PROPERTY(QVariantList available READ available NOTIFY languageChanged)

public:
    explicit LanguageManager(chat::model::ProfileSettings *settings, QObject *parent = nullptr);
    ~LanguageManager() override;

    /// The languages shipped in translations/ (plus English, the source language).
    static QStringList shipped();

    void setEngine(QQmlEngine *engine);
    QString language() const;
    void setLanguage(const QString &code);
    QString effectiveLanguage() const { return m_effective; }
    QVariantList available() const;
    /// Installs the translator for the current choice; false if its file could not be loaded.
    bool apply();

Q_SIGNALS:
    void languageChanged();

private:
    chat::model::ProfileSettings *m_settings;
    QPointer<QQmlEngine> m_engine;
    std::unique_ptr<QTranslator> m_translator;
    QString m_effective = QStringLiteral("en");
};
