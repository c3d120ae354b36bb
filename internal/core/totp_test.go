package core

import (
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
)

// A code is good for its 30-second step and one step either side (clock
// drift), never two; the step it matched is what replay protection stores.
func TestTOTPDriftWindow(t *testing.T) {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: "t", AccountName: "a@b.c"})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1_800_000_015, 0) // mid-step
	step := now.Unix() / totpPeriod
	for off := -3; off <= 3; off++ {
		code, err := totp.GenerateCodeCustom(key.Secret(), now.Add(time.Duration(off*totpPeriod)*time.Second), totpOpts)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := matchTOTP(key.Secret(), code, now)
		want := off >= -1 && off <= 1
		if ok != want {
			t.Errorf("offset %d steps: accepted=%v, want %v", off, ok, want)
		}
		if ok && got != step+int64(off) {
			t.Errorf("offset %d: matched step %d, want %d", off, got, step+int64(off))
		}
	}
	if _, ok := matchTOTP(key.Secret(), "12345", now); ok {
		t.Error("a 5-digit code matched")
	}
}
