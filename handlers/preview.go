package handlers

import (
	"strings"
	"unicode/utf8"

	"github.com/botdeck/botdeck/internal/telegram"
	"github.com/botdeck/botdeck/models"
	"github.com/botdeck/botdeck/views"
)

// The views show messages as Telegram would but never parse Telegram
// markup: handlers draw the previews here and hand them over as safe HTML
// (and excerpts as plain text).

// renderMessage draws a parsed message as safe HTML, styled with the
// views' classes.
func renderMessage(plain string, entities []telegram.Entity) string {
	return telegram.RenderPreview(plain, entities, telegram.PreviewClasses(views.MessageClasses))
}

// excerptRunes is how much of a message the broadcast history shows.
const excerptRunes = 90

// excerptOf is the start of a broadcast's message for lists, without
// markup.
func excerptOf(b *models.Broadcast) string {
	plain, _, err := telegram.ParseMarkup(b.ParseMode, b.Text)
	if err != nil {
		plain = b.Text
	}
	plain = strings.Join(strings.Fields(plain), " ")
	if utf8.RuneCountInString(plain) <= excerptRunes {
		return plain
	}
	r := []rune(plain)
	return strings.TrimSpace(string(r[:excerptRunes])) + "…"
}
