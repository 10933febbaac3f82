#include "languagemanager.h"

#include "model/profilesettings.h"
#include "net/logging.h"

#include <QCoreApplication>
#include <QLocale>
#include <QQmlEngine>

using namespace Qt::StringLiterals;

LanguageManager::LanguageManager(chat::model::ProfileSettings *settings, QObject *parent)
    : QObject(parent), m_settings(settings)
{ }

LanguageManager::~LanguageManager()
{
    if (m_translator)
        QCoreApplication::removeTranslator(m_translator.get());
}

QStringList LanguageManager::shipped()
{
    return {u"en"_s, u"de"_s, u"fr"_s};
}

void LanguageManager::setEngine(QQmlEngine *engine)
{
    m_engine = engine;
}

QString LanguageManager::language() const
{
    return m_settings->language();
}

void LanguageManager::setLanguage(const QString &code)
{
    if (code == language())
        return;
    m_settings->setLanguage(code);
    apply();
}

QVariantList LanguageManager::available() const
{
    QVariantList list;
    list.append(QVariantMap{{u"code"_s, QString()}, {u"name"_s, tr("System default")}});
    // Each language by its own name, so a user who cannot read the current one finds theirs.
    list.append(QVariantMap{{u"code"_s, u"en"_s}, {u"name"_s, u"English"_s}});
    list.append(QVariantMap{{u"code"_s, u"de"_s}, {u"name"_s, u"Deutsch"_s}});
    list.append(QVariantMap{{u"code"_s, u"fr"_s}, {u"name"_s, u"Français"_s}});
    return list;
}

bool LanguageManager::apply()
{
    QString code = m_settings->language();
    if (code.isEmpty()) {
        code = u"en"_s;
        const QStringList ui = QLocale::system().uiLanguages();
        for (const QString &l : ui) {
            const QString base = l.section(u'-', 0, 0).section(u'_', 0, 0).toLower();
            if (shipped().contains(base)) {
                code = base;
                break;
            }
        }
        QLocale::setDefault(QLocale::system());
    } else {
        QLocale::setDefault(QLocale(code));
    }
    if (m_translator) {
        QCoreApplication::removeTranslator(m_translator.get());
        m_translator.reset();
    }
    // English is the source language, but its plural forms ("%n member(s)") come from
    // chat_en.qm too.
    bool ok = true;
    auto t = std::make_unique<QTranslator>();
    if (t->load(u":/i18n/chat_"_s + code + u".qm"_s)) {
        QCoreApplication::installTranslator(t.get());
        m_translator = std::move(t);
    } else {
        qCWarning(lcModel) << "no translation for" << code;
        ok = false;
        code = u"en"_s;
        if (t->load(u":/i18n/chat_en.qm"_s)) {
            QCoreApplication::installTranslator(t.get());
            m_translator = std::move(t);
        }
    }
    m_effective = code;
    if (m_engine)
        m_engine->retranslate();
    Q_EMIT languageChanged();
    return ok;
}
