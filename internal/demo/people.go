package demo

import (
	"fmt"
	"math/rand/v2"

	"github.com/mymmrac/telego"

	"github.com/botdeck/botdeck/internal/telegram/telegramtest"
)

var (
	firstNames = []string{"Ada", "Ben", "Chloé", "Dmitri", "Elif", "Farah", "Gustavo", "Hana", "Ivan", "Jana", "Kenji", "Lena",
		"Mateo", "Nia", "Omar", "Priya", "Quentin", "Rosa", "Sven", "Tariq", "Uma", "Vera", "Wei", "Ximena", "Yusuf", "Zoë",
		"Aylin", "Bruno", "Carmen", "Diego", "Emma", "Felix", "Greta", "Hugo", "Ines", "Jonas", "Kira", "Luca", "Maya", "Noah"}
	lastNames = []string{"", "", "Silva", "Novak", "Kim", "Okafor", "Müller", "Rossi", "Haddad", "Tanaka", "García", "Ivanova",
		"Jensen", "Kowalski", "Nguyen", "Petrov", "Santos", "Yilmaz", "Dubois", "Andersson"}
	languages = []string{"en", "en", "en", "de", "es", "fr", "pt-br", "ru", "tr", "uk", "it", ""}
	messages  = []string{"Hi!", "How do I track my order?", "Thanks 🙏", "Is the shop open on Sunday?", "What's the weather tomorrow?",
		"/help", "/settings", "Can I change my delivery address?", "👍", "Do you ship to Portugal?", "Reset my password please",
		"Great service!", "When is the next sale?", "Where are you based?", "/status"}
)

// people makes believable Telegram users, registered with the fake Bot API
// (a third with a profile photo).
type people struct {
	rng  *rand.Rand
	fake *telegramtest.Server
	n    int
}

func (p *people) newPerson() telego.User {
	p.n++
	first := firstNames[p.rng.IntN(len(firstNames))]
	last := lastNames[p.rng.IntN(len(lastNames))]
	username := ""
	if p.rng.IntN(3) > 0 {
		username = fmt.Sprintf("%s_%d", asciiLower(first), 100+p.n)
	}
	return p.fake.AddUser(telegramtest.UserSpec{FirstName: first, LastName: last, Username: username,
		LanguageCode: languages[p.rng.IntN(len(languages))], IsPremium: p.rng.IntN(8) == 0, WithPhoto: p.rng.IntN(3) == 0})
}

func (p *people) message() string { return messages[p.rng.IntN(len(messages))] }

func asciiLower(s string) string {
	out := make([]byte, 0, len(s))
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z':
			out = append(out, byte(r))
		case r >= 'A' && r <= 'Z':
			out = append(out, byte(r-'A'+'a'))
		}
	}
	if len(out) == 0 {
		return "user"
	}
	return string(out)
}
