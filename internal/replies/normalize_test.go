package replies

import (
	"slices"
	"testing"
)

func TestNormalizeKeyword(t *testing.T) {
	cases := map[string]string{
		"Price":           "price",
		"  How   MUCH?! ": "how much",
		"Crème Brûlée":    "creme brulee",
		"İSTANBUL":        "istanbul",
		"ıstanbul":        "istanbul",
		"Straße":          "strasse",
		"STRASSE":         "strasse",
		"ΤΙΜΉ":            "τιμη",
		"ὈΔΥΣΣΕΎΣ":        "οδυσσευσ",
		"ὀδυσσεύς":        "οδυσσευσ", // the final sigma folds to σ
		"Ёлка":            "елка",
		"السَّلَامُ عَلَيْكُمْ": "السلام عليكم",
		"שָׁלוֹם": "שלום",
		"ＶＩＰ１２３":  "vip123",
		"ﬁne":     "fine",
		"がっこう":    "がっこう", // the voicing mark stays
		"ｶﾞｯｺｳ":   "ガッコウ", // half-width katakana become full-width
		"price价格": "price 价格",
		"नमस्ते":  "नमस्ते", // Devanagari vowel signs stay
		"don't":   "don t",
		"!!!":     "",
		"":        "",
	}
	for in, want := range cases {
		if got := NormalizeKeyword(in); got != want {
			t.Errorf("NormalizeKeyword(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTokens(t *testing.T) {
	cases := map[string][]string{
		"hello, world":    {"hello", "world"},
		"a1 b2-c3":        {"a1", "b2", "c3"},
		"请问价格是多少":         {"请问价格是多少"},
		"iphone价格123":     {"iphone", "价格", "123"},
		"日本語とEnglishのmix": {"日本語と", "english", "の", "mix"},
		"   ":             nil,
	}
	for in, want := range cases {
		if got := tokens(nil, normalize(in)); !slices.Equal(got, want) {
			t.Errorf("tokens(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNormalizeIsIdempotent(t *testing.T) {
	for _, s := range []string{"Crème", "İstanbul", "ß", "ｶﾞ", "ΐ", "ǅ", "ﬃ", "Ⅻ", "ﷺ", "㌥", "Ꭶ", "ꭶ"} {
		once := normalize(s)
		if twice := normalize(once); twice != once {
			t.Errorf("normalize(%q) = %q, again %q", s, once, twice)
		}
	}
}
