package replies

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// commonRunesEnd bounds the runes commonRunes describes: Latin, Greek,
// Cyrillic, Armenian, Hebrew, Arabic, Syriac and Thaana.
const commonRunesEnd = 0x800

// commonRunes holds, for each rune below commonRunesEnd, what normalizing
// and splitting into words would otherwise look up in several Unicode
// tables per character (a message in Russian or Arabic is all such runes).
// It is computed once from the same functions and never written again.
var commonRunes = buildCommonRunes()

type runeInfo struct {
	fold  rune // the rune case-folded
	flags uint8
}

const (
	runeSlow      uint8 = 1 << iota // decomposes (or folds to several runes, ß): writeFolded handles it
	runeAccent                      // removed by normalization
	runeCombining                   // a mark that stays and needs canonical ordering
	runeWord                        // a letter, digit or mark
	runeMark                        // a mark
)

func buildCommonRunes() *[commonRunesEnd]runeInfo {
	var t [commonRunesEnd]runeInfo
	var buf [utf8.UTFMax]byte
	for r := rune(0); r < commonRunesEnd; r++ {
		p := norm.NFKD.Properties(buf[:utf8.EncodeRune(buf[:], r)])
		info := runeInfo{fold: unicode.ToLower(unicode.ToUpper(r))}
		if p.Decomposition() != nil || r == 'ß' {
			info.flags |= runeSlow
		}
		if isAccent(r) {
			info.flags |= runeAccent
		} else if p.CCC() != 0 {
			info.flags |= runeCombining
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) {
			info.flags |= runeWord
		}
		if unicode.IsMark(r) {
			info.flags |= runeMark
		}
		t[r] = info
	}
	return &t
}
