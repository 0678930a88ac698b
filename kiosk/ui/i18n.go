package ui

import (
	"os"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"

	"bianmin/assets"
)

// Fyne's lang package picks its language from the process locale and offers no
// call to change it. setLanguage points LANGUAGE at the wanted language and asks
// lang to re-read it, so every string still goes through the translation files
// in assets/lang and the switch happens on every screen at once.
func setLanguage(code string) {
	if !localeEnabled() {
		// LANGUAGE is ignored under the C locale. Go itself never reads LANG, so
		// this only lets Fyne's locale lookup see LANGUAGE.
		os.Setenv("LANG", "en_US.UTF-8")
	}
	locale := "en"
	if code == "zh" {
		// Simplified Chinese: matches our zh-Hans.json and Fyne's own zh_Hans strings.
		locale = "zh-Hans"
	}
	os.Setenv("LANGUAGE", locale)
	// Registering an empty bundle for the language re-runs lang's locale lookup.
	if err := lang.AddTranslationsForLocale([]byte("{}"), fyne.Locale(locale)); err != nil {
		fyne.LogError("language switch", err)
	}
}

func localeEnabled() bool {
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := os.Getenv(k); v != "" {
			return v != "C" && v != "POSIX"
		}
	}
	return false
}

// loadTranslations registers assets/lang once per process.
func loadTranslations() error { return lang.AddTranslationsFS(assets.FS, assets.LangDir) }

// tr translates key with optional template data.
func tr(key string, data ...any) string { return lang.LocalizeKey(key, key, data...) }
