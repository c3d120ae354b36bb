package replies

import (
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// CheckAnswer checks an answer to an ask of kind k and returns the value to
// store: a string, or a float64 for numbers. text is the message's text or
// caption; contactPhone is the phone number of a contact the person shared
// (Telegram's "share my phone number" button), which answers a phone ask.
func CheckAnswer(k AskKind, text, contactPhone string) (any, bool) {
	text = strings.TrimSpace(text)
	switch k {
	case AskText:
		return text, text != ""
	case AskNumber:
		return ParseNumber(text)
	case AskEmail:
		return NormalizeEmail(text)
	case AskPhone:
		if contactPhone != "" {
			return NormalizePhone(contactPhone)
		}
		return NormalizePhone(text)
	}
	return nil, false
}

// DefaultInvalid is what the bot says when an answer fails its check and
// the ask sets no text of its own.
func DefaultInvalid(k AskKind) string {
	switch k {
	case AskNumber:
		return "Please send a number, for example 42 or 3.5."
	case AskEmail:
		return "Please send a valid email address, like name@example.com."
	case AskPhone:
		return "Please send a phone number in international format, like +44 20 7946 0958."
	}
	return "Please answer with a text message."
}

// ParseNumber reads a number as people type it: "12", "-3.5", "+7",
// "3,5", "1 234,5", "1,234.5", "1.234.567,89", "1'000", ".5", Arabic-Indic
// and full-width digits. The rules:
//   - a sign (+, - or −) may lead;
//   - spaces, apostrophes and the Arabic thousands separator group digits;
//   - when both "." and "," appear, the last one is the decimal separator
//     and the other groups digits;
//   - when only one of them appears, once it is the decimal separator
//     ("1,5" and "1,234" are 1.5 and 1.234) and more than once it groups
//     digits ("1,234,567");
//   - grouped digits come in threes after the first group ("1 23" is not a
//     number); nothing groups the fraction.
//
// Exponents, NaN and infinities are refused.
func ParseNumber(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 64 {
		return 0, false
	}
	var clean []rune // digits, '.', ',', 'd' (decimal for sure) and 'g' (group for sure)
	neg := false
	for i, r := range s {
		if i == 0 {
			switch r {
			case '-', '−':
				neg = true
				continue
			case '+':
				continue
			}
		}
		switch {
		case r >= '0' && r <= '9':
			clean = append(clean, r)
		case r >= '٠' && r <= '٩': // Arabic-Indic
			clean = append(clean, '0'+r-'٠')
		case r >= '۰' && r <= '۹': // Extended Arabic-Indic (Persian, Urdu)
			clean = append(clean, '0'+r-'۰')
		case r >= '０' && r <= '９': // full-width
			clean = append(clean, '0'+r-'０')
		case r == '.' || r == ',':
			clean = append(clean, r)
		case r == '٫': // Arabic decimal separator
			clean = append(clean, 'd')
		case r == ' ' || r == '\u00a0' || r == '\u202f' || r == '\u2009' || r == '\'' || r == '’' || r == '٬':
			clean = append(clean, 'g')
		default:
			return 0, false
		}
	}
	dots, commas, decimals := 0, 0, 0
	lastDot, lastComma := -1, -1
	for i, r := range clean {
		switch r {
		case '.':
			dots++
			lastDot = i
		case ',':
			commas++
			lastComma = i
		case 'd':
			decimals++
		}
	}
	// Decide which position (if any) is the decimal separator.
	decimalAt := -1
	switch {
	case decimals > 1:
		return 0, false
	case decimals == 1:
		if dots > 0 || commas > 0 {
			return 0, false
		}
		for i, r := range clean {
			if r == 'd' {
				decimalAt = i
			}
		}
	case dots > 0 && commas > 0:
		decimalAt = max(lastDot, lastComma)
		if (clean[decimalAt] == '.' && dots > 1) || (clean[decimalAt] == ',' && commas > 1) {
			return 0, false
		}
	case dots == 1:
		decimalAt = lastDot
	case commas == 1:
		decimalAt = lastComma
	}
	intPart, frac := clean, []rune(nil)
	if decimalAt >= 0 {
		intPart, frac = clean[:decimalAt], clean[decimalAt+1:]
	}
	var digits strings.Builder
	if neg {
		digits.WriteByte('-')
	}
	// The integer part: digits, grouped in threes if grouped at all.
	groups := [][]rune{{}}
	for _, r := range intPart {
		if r >= '0' && r <= '9' {
			groups[len(groups)-1] = append(groups[len(groups)-1], r)
			continue
		}
		groups = append(groups, []rune{})
	}
	for i, g := range groups {
		if len(groups) > 1 && (len(g) == 0 || len(g) > 3 || (i > 0 && len(g) != 3)) {
			return 0, false
		}
		digits.WriteString(string(g))
	}
	intDigits := digits.Len() - btoi(neg)
	fracDigits := 0
	if decimalAt >= 0 {
		digits.WriteByte('.')
		for _, r := range frac {
			if r < '0' || r > '9' {
				return 0, false
			}
			digits.WriteRune(r)
			fracDigits++
		}
	}
	if intDigits == 0 && fracDigits == 0 {
		return 0, false
	}
	f, err := strconv.ParseFloat(digits.String(), 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, false
	}
	if f == 0 {
		f = 0 // no negative zero
	}
	return f, true
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// NormalizeEmail checks an email address the way a sign-up form would (no
// quoted local parts, no comments, a domain with a dot) and returns it with
// the domain in lower case.
func NormalizeEmail(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if len(s) > 254 || !utf8.ValidString(s) {
		return "", false
	}
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at > 64 || strings.IndexByte(s[:at], '@') >= 0 {
		return "", false
	}
	local, domain := s[:at], strings.ToLower(s[at+1:])
	if local[0] == '.' || local[len(local)-1] == '.' || strings.Contains(local, "..") {
		return "", false
	}
	for _, r := range local {
		if unicode.IsSpace(r) || unicode.IsControl(r) || strings.ContainsRune(`"(),:;<>[]\`, r) {
			return "", false
		}
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return "", false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return "", false
		}
		for _, r := range l {
			if !(unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) || r == '-') {
				return "", false
			}
		}
	}
	tld := labels[len(labels)-1]
	if !strings.HasPrefix(tld, "xn--") {
		if utf8.RuneCountInString(tld) < 2 {
			return "", false
		}
		for _, r := range tld {
			if !unicode.IsLetter(r) && !unicode.IsMark(r) {
				return "", false
			}
		}
	}
	return local + "@" + domain, true
}

// NormalizePhone checks a phone number and returns it as "+" and its 7–15
// digits (the length E.164 allows). It accepts digits with spaces, dashes,
// dots and one pair of parentheses, led by "+", "00" (the international
// prefix) or nothing. The digits are taken as an international number: one
// that starts with 0 (a national trunk prefix, "020 7946 0958") is refused,
// which is why DefaultInvalid asks for the international format. A shared
// Telegram contact's number ("79161234567" or "+7 916…") passes the same
// way.
func NormalizePhone(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if len(s) > 64 {
		return "", false
	}
	var digits strings.Builder
	open := false
	parens := 0
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits.WriteRune(r)
		case r >= '٠' && r <= '٩':
			digits.WriteRune('0' + r - '٠')
		case r >= '۰' && r <= '۹':
			digits.WriteRune('0' + r - '۰')
		case r >= '０' && r <= '９':
			digits.WriteRune('0' + r - '０')
		case r == '+' && i == 0:
		case r == ' ' || r == '-' || r == '.' || r == '\u00a0' || r == '‐' || r == '–':
		case r == '(' && !open && parens == 0:
			open = true
		case r == ')' && open:
			open = false
			parens++
		default:
			return "", false
		}
	}
	if open {
		return "", false
	}
	d := digits.String()
	if !strings.HasPrefix(s, "+") {
		d = strings.TrimPrefix(d, "00")
	}
	if len(d) < 7 || len(d) > 15 || d[0] == '0' {
		return "", false
	}
	return "+" + d, true
}
