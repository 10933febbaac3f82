// Colours, sizes and type for the whole UI, light and dark. `mode` is "system", "light" or
// "dark"; "system" follows the platform palette (the window colour's lightness).
pragma Singleton
import QtQuick

QtObject {
    id: theme

    property string mode: "system"
    readonly property bool systemDark: {
        const c = Qt.application.palette ? Qt.application.palette.window : "#ffffff"
        return Qt.color(c).hslLightness < 0.5
    }
    readonly property bool dark: mode === "dark" || (mode === "system" && systemDark)

    // Surfaces
    readonly property color window: dark ? "#17191d" : "#ffffff"
    readonly property color sidebar: dark ? "#1e2127" : "#f4f5f7"
    readonly property color sidebarSelected: dark ? "#2e5c8a" : "#d6e6fb"
    readonly property color sidebarHover: dark ? "#262a31" : "#e9ebef"
    readonly property color header: dark ? "#1e2127" : "#ffffff"
    readonly property color chatBackground: dark ? "#101215" : "#eef1f5"
    readonly property color divider: dark ? "#2c3038" : "#dfe2e7"
    readonly property color field: dark ? "#262a31" : "#ffffff"
    readonly property color fieldBorder: dark ? "#3a3f48" : "#c9ced6"

    // Text
    readonly property color text: dark ? "#e8eaed" : "#1b1d21"
    readonly property color textSecondary: dark ? "#9aa0a9" : "#646b75"
    readonly property color textOnAccent: "#ffffff"
    readonly property color link: dark ? "#7cb7ff" : "#1a64c8"

    // Accents
    readonly property color accent: dark ? "#3d8bfd" : "#2b6fd6"
    readonly property color accentPressed: dark ? "#2f6fd0" : "#1f57ad"
    readonly property color danger: dark ? "#ff6b6b" : "#c62828"
    readonly property color warning: dark ? "#f2b544" : "#b26a00"
    readonly property color success: dark ? "#4cc38a" : "#2e9d5e"
    readonly property color online: "#35c46a"
    readonly property color unreadBadge: accent
    readonly property color mutedBadge: dark ? "#4a505a" : "#9aa1ab"

    // Bubbles
    readonly property color bubbleOwn: dark ? "#2b5278" : "#d9ebff"
    readonly property color bubbleOther: dark ? "#23272e" : "#ffffff"
    readonly property color bubbleFailed: dark ? "#4a2528" : "#fde3e3"
    // Delivered and read must be told apart at a glance: neutral grey vs. a strong blue.
    readonly property color tick: dark ? "#a3adb8" : "#7b8794"
    readonly property color tickRead: dark ? "#4fc3ff" : "#1480e6"

    // Banners
    readonly property color bannerOffline: dark ? "#5a3b12" : "#fff1d6"
    readonly property color bannerOfflineText: dark ? "#ffd9a0" : "#6b4300"
    readonly property color bannerInfo: dark ? "#1d3553" : "#e3efff"
    readonly property color bannerInfoText: dark ? "#bcd8ff" : "#173d6b"
    readonly property color bannerError: dark ? "#4a2528" : "#fde3e3"
    readonly property color bannerErrorText: dark ? "#ffc2c2" : "#7a1717"

    // Metrics
    readonly property int spacing: 8
    readonly property int radius: 8
    readonly property int bubbleRadius: 14
    readonly property int sidebarWidth: 300
    readonly property int fontSize: 14
    readonly property int smallFontSize: 12
    readonly property int titleFontSize: 16
    readonly property int avatarSize: 40

    // Stable colour per name for avatars.
    function avatarColor(key) {
        const palette = ["#e0675f", "#e39b3b", "#52a86b", "#3a9fbf", "#5b7fd6", "#8d67d1",
                         "#c75ba5", "#6b8e23"]
        let h = 0
        const s = String(key)
        for (let i = 0; i < s.length; ++i)
            h = (h * 31 + s.charCodeAt(i)) >>> 0
        return palette[h % palette.length]
    }
    function initials(name) {
        const parts = String(name).trim().split(/\s+/).filter(p => p.length > 0)
        if (parts.length === 0)
            return "?"
        if (parts.length === 1)
            return parts[0].substring(0, 1).toUpperCase()
        return (parts[0][0] + parts[parts.length - 1][0]).toUpperCase()
    }
}
