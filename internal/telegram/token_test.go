package telegram

import (
	"strings"
	"testing"
)

func TestValidTokenFormat(t *testing.T) {
	valid := []string{
		"123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0", // shape of a real BotFather token
		"7000000001:AA_-abcdefghijklmnopqrstuvwxyz01234",
	}
	for _, tok := range valid {
		if !ValidTokenFormat(tok) {
			t.Errorf("ValidTokenFormat(%q) = false, want true", tok)
		}
	}
	invalid := []string{
		"",
		"123456789",
		"123456789:",
		"1234:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0",        // id too short
		"123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",    // 34 characters
		"123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw01",  // 36 characters
		"123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDs w0",   // space
		"abc:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0",         // id not digits
		"123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0/x", // path
		"123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11",       // the docs' illustrative example: 34 characters
		" 123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0",
	}
	for _, tok := range invalid {
		if ValidTokenFormat(tok) {
			t.Errorf("ValidTokenFormat(%q) = true, want false", tok)
		}
	}
}

func TestMaskToken(t *testing.T) {
	cases := map[string]string{
		"123456:AAEabcdefghijklmnopqrstuvwxyz0xyz":      "123456:AAE…xyz",
		"123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0": "123456789:AAH…aw0",
		"123456:short":                          "123456:…",
		"no-colon-here":                         "…",
		"abc:AAEabcdefghijklmnopqrstuvwxyz0xyz": "…",
		"":                                      "…",
	}
	for in, want := range cases {
		if got := MaskToken(in); got != want {
			t.Errorf("MaskToken(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRedactRemovesTokens(t *testing.T) {
	const tok = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0"
	other := "987654321:AAHzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"
	in := `Post "https://api.telegram.org/bot` + tok + `/getMe": refused; escaped bot123456789%3AAAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0; other ` + other
	out := redact(in, tok)
	secret := strings.SplitN(tok, ":", 2)[1]
	for _, leak := range []string{tok, secret, other} {
		if strings.Contains(out, leak) {
			t.Fatalf("redact left %q in %q", leak, out)
		}
	}
}
