package replies

import "testing"

func TestParseNumber(t *testing.T) {
	good := map[string]float64{
		"12":           12,
		"-3.5":         -3.5,
		"+7":           7,
		"−2":           -2, // U+2212 minus sign
		"3,5":          3.5,
		"1,234":        1.234, // one separator is the decimal one
		"1 234,5":      1234.5,
		"1 234 567":    1234567,
		"1,234.5":      1234.5,
		"1.234.567,89": 1234567.89,
		"1,234,567":    1234567,
		"1'000":        1000,
		"1\u00a0000":   1000,
		".5":           0.5,
		"5.":           5,
		"0":            0,
		"-0":           0,
		"  42  ":       42,
		"١٢٣":          123,
		"١٬٢٣٤٫٥":      1234.5,
		"۴۲":           42,
		"４２":           42,
	}
	for in, want := range good {
		got, ok := ParseNumber(in)
		if !ok || got != want {
			t.Errorf("ParseNumber(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "-", ".", "abc", "12abc", "1e5", "NaN", "Inf", "1 23", "12 3456", "1..2", "1.2.3,4,5", "1,2,3",
		"+-5", "1.234,5.6", "١٫٢٫٣", "5 .", "--5", "1,5.", "1_000", "0x10"} {
		if got, ok := ParseNumber(in); ok {
			t.Errorf("ParseNumber(%q) = %v, want a refusal", in, got)
		}
	}
}

func TestNormalizeEmail(t *testing.T) {
	good := map[string]string{
		"ann@example.com":           "ann@example.com",
		" Ann.Lee+tag@Example.COM ": "Ann.Lee+tag@example.com",
		"x@sub.domain.co.uk":        "x@sub.domain.co.uk",
		"иван@почта.рф":             "иван@почта.рф",
		"a@xn--p1ai.xn--p1ai":       "a@xn--p1ai.xn--p1ai",
	}
	for in, want := range good {
		got, ok := NormalizeEmail(in)
		if !ok || got != want {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "ann", "ann@", "@example.com", "ann@example", "ann@@example.com", "a b@example.com", "ann@exa mple.com",
		"ann@-example.com", "ann@example.c", "ann@example.123", ".ann@example.com", "an..n@example.com", `"a"@example.com`, "ann@example..com",
		"Ann <ann@example.com>"} {
		if got, ok := NormalizeEmail(in); ok {
			t.Errorf("NormalizeEmail(%q) = %q, want a refusal", in, got)
		}
	}
}

func TestNormalizePhone(t *testing.T) {
	good := map[string]string{
		"+44 20 7946 0958":   "+442079460958",
		"+1 (555) 123-4567":  "+15551234567",
		"0044 20 7946 0958":  "+442079460958",
		"79161234567":        "+79161234567", // a shared contact's number
		"+7 916 123-45-67":   "+79161234567",
		"+49.30.1234567":     "+49301234567",
		"+١٢٣٤٥٦٧٨":          "+12345678",
		"1234567":            "+1234567",
		"+123456789012345":   "+123456789012345",
		" +380 (44) 1234567": "+380441234567",
	}
	for in, want := range good {
		got, ok := NormalizePhone(in)
		if !ok || got != want {
			t.Errorf("NormalizePhone(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "+", "123456", "+1234567890123456", "call me", "+44 20 7946 0958 ext 2", "44+2079460958",
		"(+44) 20", "+1 ((555)) 1234567", "+1 (555 1234567", "020 7946 0958", "+44/20/79460958"} {
		if got, ok := NormalizePhone(in); ok {
			t.Errorf("NormalizePhone(%q) = %q, want a refusal", in, got)
		}
	}
}

func TestCheckAnswer(t *testing.T) {
	cases := []struct {
		kind    AskKind
		text    string
		contact string
		value   any
		ok      bool
	}{
		{AskText, "  Ann  ", "", "Ann", true},
		{AskText, "", "", "", false},
		{AskText, "", "+4479", "", false}, // a contact is no text
		{AskNumber, "42", "", 42.0, true},
		{AskNumber, "forty-two", "", 0.0, false},
		{AskEmail, "a@b.io", "", "a@b.io", true},
		{AskEmail, "a@b", "", "", false},
		{AskPhone, "+44 20 7946 0958", "", "+442079460958", true},
		{AskPhone, "", "442079460958", "+442079460958", true},
		{AskPhone, "no", "", "", false},
		{"colour", "red", "", nil, false},
	}
	for _, c := range cases {
		v, ok := CheckAnswer(c.kind, c.text, c.contact)
		if ok != c.ok || (ok && v != c.value) {
			t.Errorf("CheckAnswer(%s, %q, %q) = %v, %v; want %v, %v", c.kind, c.text, c.contact, v, ok, c.value, c.ok)
		}
	}
}
