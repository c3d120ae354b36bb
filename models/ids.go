package models

import (
	"crypto/rand"
	"encoding/base32"
	"strings"
)

// lowerBase32 is an alphabet that survives URLs, file names and
// case-insensitive comparisons.
var lowerBase32 = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// NewID returns an opaque, unguessable identifier with a short prefix naming
// its kind ("usr", "bot", …): 120 random bits, so ids are safe to expose in
// public URLs such as /custom/{botId}/….
func NewID(prefix string) string {
	return prefix + "_" + RandomString(15)
}

// RandomString returns the lower-case base32 encoding of n random bytes.
func RandomString(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error()) // never happens on supported platforms
	}
	return lowerBase32.EncodeToString(b)
}

// LooksLikeID reports whether s has the shape NewID(prefix) produces; used to
// reject garbage before it reaches the database.
func LooksLikeID(prefix, s string) bool {
	rest, ok := strings.CutPrefix(s, prefix+"_")
	if !ok || len(rest) != 24 {
		return false
	}
	for _, c := range rest {
		if !(c >= 'a' && c <= 'z' || c >= '2' && c <= '7') {
			return false
		}
	}
	return true
}
