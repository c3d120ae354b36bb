package replies

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Keyword normalization and word splitting; the package documentation
// describes the rules.

// normalize returns the folded, accent-free form of s. It works rune by
// rune with the decomposition tables, and composes again only when marks
// remain: matching normalizes every incoming message.
func normalize(s string) string {
	if isASCII(s) {
		return asciiLower(s)
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	marks := false
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r < utf8.RuneSelf {
			if r >= 'A' && r <= 'Z' {
				r += 'a' - 'A'
			}
			b.WriteByte(byte(r))
			i += size
			continue
		}
		if r == utf8.RuneError && size == 1 {
			b.WriteRune(utf8.RuneError)
			i++
			continue
		}
		var m bool
		if r < commonRunesEnd && commonRunes[r].flags&runeSlow == 0 {
			m = writeCommon(&b, r)
		} else {
			m = writeFolded(&b, s[i:i+size], r)
		}
		marks = marks || m
		i += size
	}
	out := b.String()
	if marks {
		// Canonical order for the marks that stay, and が as one
		// character again.
		out = norm.NFC.String(out)
	}
	return out
}

// writeFolded writes the rune r (encoded as c) decomposed, case-folded and
// without accents, and reports whether it wrote a mark that composition
// must order or compose.
func writeFolded(b *strings.Builder, c string, r rune) bool {
	p := norm.NFKD.PropertiesString(c)
	d := p.Decomposition()
	if d == nil {
		foldRune(b, r)
		return p.CCC() != 0 && !isAccent(r)
	}
	marks := false
	for _, dr := range string(d) {
		foldRune(b, dr)
		// Marks may sit inside a decomposition too ("㌥" is デシ).
		marks = marks || (!isAccent(dr) && combiningClass(dr) != 0)
	}
	return marks
}

func combiningClass(r rune) uint8 {
	if r < utf8.RuneSelf {
		return 0
	}
	var buf [utf8.UTFMax]byte
	return norm.NFKD.Properties(buf[:utf8.EncodeRune(buf[:], r)]).CCC()
}

// writeCommon is writeFolded for a rune of commonRunes that is not slow.
func writeCommon(b *strings.Builder, r rune) bool {
	info := commonRunes[r]
	if info.flags&runeAccent == 0 {
		b.WriteRune(info.fold)
	}
	return info.flags&runeCombining != 0
}

// foldRune writes r case-folded, or nothing for an accent.
func foldRune(b *strings.Builder, r rune) {
	switch {
	case r < utf8.RuneSelf:
		if r >= 'A' && r <= 'Z' {
			r += 'a' - 'A'
		}
		b.WriteByte(byte(r))
		return
	case isAccent(r):
		return
	case r == 'ß' || r == 'ẞ':
		b.WriteString("ss")
		return
	}
	// Upper then lower case folds the letters with several lower-case
	// forms (ς and σ, ſ and s, Cyrillic ᲀ and в), the Turkish ı with i,
	// and settles Cherokee on its small letters.
	b.WriteRune(unicode.ToLower(unicode.ToUpper(r)))
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if c := b[j]; c >= 'A' && c <= 'Z' {
					b[j] = c + 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// accents are the marks removed by normalization.
var accents = &unicode.RangeTable{
	R16: []unicode.Range16{
		{Lo: 0x0300, Hi: 0x036f, Stride: 1}, // combining diacritical marks
		{Lo: 0x0483, Hi: 0x0489, Stride: 1}, // Cyrillic combining marks
		{Lo: 0x0591, Hi: 0x05bd, Stride: 1}, // Hebrew cantillation and points
		{Lo: 0x05bf, Hi: 0x05bf, Stride: 1},
		{Lo: 0x05c1, Hi: 0x05c2, Stride: 1},
		{Lo: 0x05c4, Hi: 0x05c5, Stride: 1},
		{Lo: 0x05c7, Hi: 0x05c7, Stride: 1},
		{Lo: 0x0610, Hi: 0x061a, Stride: 1}, // Arabic honorifics
		{Lo: 0x064b, Hi: 0x065f, Stride: 1}, // Arabic harakat (fatha, kasra, shadda, sukun…)
		{Lo: 0x0670, Hi: 0x0670, Stride: 1}, // Arabic superscript alef
		{Lo: 0x06d6, Hi: 0x06ed, Stride: 1}, // Quranic annotation marks
		{Lo: 0x1ab0, Hi: 0x1aff, Stride: 1}, // combining diacritical marks extended
		{Lo: 0x1dc0, Hi: 0x1dff, Stride: 1}, // combining diacritical marks supplement
		{Lo: 0x20d0, Hi: 0x20ff, Stride: 1}, // combining marks for symbols
		{Lo: 0xfe20, Hi: 0xfe2f, Stride: 1}, // combining half marks
	},
}

func isAccent(r rune) bool {
	switch {
	case r < 0x0300 || r > 0xfe2f:
		return false
	case r <= 0x036f:
		return true
	case r < 0x0483 || (r > 0x06ed && r < 0x1ab0):
		return false
	}
	return unicode.Is(accents, r)
}

// spaceless are the scripts written without spaces between words.
var spaceless = []*unicode.RangeTable{unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Thai, unicode.Lao, unicode.Khmer, unicode.Myanmar}

func isSpaceless(r rune) bool {
	if r < 0x0e00 {
		return false
	}
	if r == 0x30fc || r == 0x3005 { // ー (prolonged sound mark) and 々 (repetition mark): Common script, part of Japanese words
		return true
	}
	for _, t := range spaceless {
		if unicode.Is(t, r) {
			return true
		}
	}
	return false
}

// isWordRune reports whether r belongs in a word: a letter, a digit or a
// mark.
func isWordRune(r rune) bool {
	if r < commonRunesEnd {
		return commonRunes[r].flags&runeWord != 0
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
}

func isMark(r rune) bool {
	if r < commonRunesEnd {
		return commonRunes[r].flags&runeMark != 0
	}
	return unicode.IsMark(r)
}

// tokens splits normalized text into words, appending to dst. A word is a
// run of letters, digits and marks; a change between a spaceless script and
// any other ends a word too (a mark keeps the script of its letter). The
// words are substrings of s.
func tokens(dst []string, s string) []string {
	start := -1
	prevSpaceless := false
	for i, r := range s {
		if !isWordRune(r) {
			if start >= 0 {
				dst = append(dst, s[start:i])
				start = -1
			}
			continue
		}
		sl := prevSpaceless
		if r >= utf8.RuneSelf && !isMark(r) {
			sl = isSpaceless(r)
		} else if r < utf8.RuneSelf {
			sl = false
		}
		if start >= 0 && sl != prevSpaceless {
			dst = append(dst, s[start:i])
			start = -1
		}
		if start < 0 {
			start = i
		}
		prevSpaceless = sl
	}
	if start >= 0 {
		dst = append(dst, s[start:])
	}
	return dst
}

// hasSpaceless reports whether s contains a character of a spaceless script.
func hasSpaceless(s string) bool {
	for _, r := range s {
		if isSpaceless(r) {
			return true
		}
	}
	return false
}

// NormalizeKeyword is the form a keyword is compared in: its words,
// normalized, joined by single spaces ("" when it has no letters or
// digits). Two keywords with the same form are the same keyword.
func NormalizeKeyword(s string) string {
	return strings.Join(tokens(nil, normalize(s)), " ")
}
