package core

import (
	"reflect"
	"strings"
	"testing"
)

func TestPropertyValueOf(t *testing.T) {
	for in, want := range map[string]string{
		"gold":                      `"gold"`,
		"true":                      `true`,
		"FALSE":                     `false`,
		"42":                        `42`,
		"-4.5":                      `-4.5`,
		"0":                         `0`,
		"0.25":                      `0.25`,
		"007":                       `"007"`, // leading zeros: a code, not a number
		"+79161234567":              `"+79161234567"`,
		"1e5":                       `"1e5"`,
		"1234567890123456":          `"1234567890123456"`, // beyond float64's exact integers: kept as written
		"NaN":                       `"NaN"`,
		"2024-01-31":                `"2024-01-31"`,
		"2024-02-01T01:00:00+02:00": `"2024-01-31"`, // the UTC day
		"2024-13-01":                `"2024-13-01"`, // not a date: a string
		"yes":                       `"yes"`,
	} {
		got, msg := PropertyValueOf(in)
		if got != want || msg != "" {
			t.Errorf("PropertyValueOf(%q) = %s %q, want %s", in, got, msg, want)
		}
	}
	if _, msg := PropertyValueOf(strings.Repeat("x", 513)); msg == "" {
		t.Error("a value over 512 characters was accepted")
	}
}

func TestDefaultImportColumns(t *testing.T) {
	got := DefaultImportColumns([]string{"userId", "Username", "First Name", "last-name", "languageCode", "Tags", "Plan", " Sign Up Date ", "", "isPremium", "startedAt"})
	want := []ImportColumn{{Field: FieldUserID}, {Field: FieldUsername}, {Field: FieldFirstName}, {Field: FieldLastName}, {Field: FieldLanguage},
		{Field: FieldTags}, {Field: FieldProp, Prop: "plan"}, {Field: FieldProp, Prop: "sign_up_date"}, {Field: FieldIgnore}, {Field: FieldIgnore}, {Field: FieldIgnore}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("columns:\n%+v\nwant\n%+v", got, want)
	}
}

func TestOpenCSVSniffsTheSeparatorAndSkipsTheBOM(t *testing.T) {
	for _, c := range []struct {
		file  string
		comma rune
		head  []string
	}{
		{"user_id,name\n1,a\n", ',', []string{"user_id", "name"}},
		{"\xEF\xBB\xBFuser_id;name\n1;a\n", ';', []string{"user_id", "name"}},
		{"\"user_id;x\",name\n", ',', []string{"user_id;x", "name"}}, // semicolons inside quotes do not count
		{"user_id;\"a,b,c\"\r\n1;2\r\n", ';', []string{"user_id", "a,b,c"}},
		{"user_id", ',', []string{"user_id"}},
	} {
		f, err := OpenCSV(strings.NewReader(c.file))
		if err != nil {
			t.Fatalf("%q: %v", c.file, err)
		}
		if f.Comma != c.comma || !reflect.DeepEqual(f.Header, c.head) {
			t.Errorf("%q: comma %q header %q", c.file, f.Comma, f.Header)
		}
	}
}

func TestImportRowRejections(t *testing.T) {
	cols := []ImportColumn{{Field: FieldUserID}, {Field: FieldTags}, {Field: FieldProp, Prop: "plan"}, {Field: FieldFirstName}}
	for _, c := range []struct {
		rec  []string
		want string // "" = accepted
	}{
		{[]string{"12", "a;b", "gold", "Ann"}, ""},
		{[]string{" 12 ", "", "", ""}, ""},
		{[]string{"", "", "", ""}, "user_id is empty"},
		{[]string{"0", "", "", ""}, "not a Telegram id"},
		{[]string{"-3", "", "", ""}, "not a Telegram id"},
		{[]string{"1.5", "", "", ""}, "not a Telegram id"},
		{[]string{"99999999999999999999", "", "", ""}, "not a Telegram id"},
		{[]string{"12", "a b", "", ""}, "is not a tag"},
		{[]string{"12", "", strings.Repeat("y", 600), ""}, "plan is longer"},
		{[]string{"12", "", "", strings.Repeat("n", 300)}, "first_name is longer"},
		{[]string{"12"}, ""}, // a short row: the missing cells are empty
	} {
		_, msg := importRow(c.rec, cols)
		if c.want == "" && msg != "" || c.want != "" && !strings.Contains(msg, c.want) {
			t.Errorf("%q: %q, want %q", c.rec, msg, c.want)
		}
	}
	row, _ := importRow([]string{"12", "VIP; lead;vip;", "'=SUM(1)", "'-Ann"}, cols)
	if !reflect.DeepEqual(row.Tags, []string{"vip", "lead"}) || row.Props[0].Value != `"=SUM(1)"` || row.FirstName != "-Ann" {
		t.Fatalf("row: %+v", row)
	}
}
