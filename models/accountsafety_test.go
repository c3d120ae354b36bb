package models_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/botdeck/botdeck/internal/dbtest"
	"github.com/botdeck/botdeck/models"
)

func insertUser(t *testing.T, db bun.IDB, email string) string {
	t.Helper()
	now := models.Now()
	u := &models.User{ID: models.NewID("usr"), Email: email, PasswordHash: "x", CreatedAt: now, UpdatedAt: now}
	if err := models.InsertUser(context.Background(), db, u); err != nil {
		t.Fatal(err)
	}
	return u.ID
}

// Claims count every attempt, in parallel too, and a new window starts
// from one; a release gives one back.
func TestClaimAuthAttempt(t *testing.T) {
	dbtest.EachDB(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		now := models.Now()
		var wg sync.WaitGroup
		seen := make(chan int, 30)
		for range 30 {
			wg.Go(func() {
				f, err := models.ClaimAuthAttempt(ctx, db, "k", now, now.Add(-time.Minute))
				if err != nil {
					t.Error(err)
					return
				}
				seen <- f.Failures
			})
		}
		wg.Wait()
		close(seen)
		got := map[int]bool{}
		for n := range seen {
			got[n] = true
		}
		for i := 1; i <= 30; i++ {
			if !got[i] {
				t.Fatalf("30 parallel claims must see the counts 1…30 once each, got %v", got)
			}
		}
		if err := models.ReleaseAuthAttempt(ctx, db, "k"); err != nil {
			t.Fatal(err)
		}
		f, err := models.ClaimAuthAttempt(ctx, db, "k", now, now.Add(-time.Minute))
		if err != nil || f.Failures != 30 {
			t.Fatalf("after a release the next claim is 30: %v %v", f.Failures, err)
		}
		later := now.Add(2 * time.Minute)
		f, err = models.ClaimAuthAttempt(ctx, db, "k", later, later.Add(-time.Minute))
		if err != nil || f.Failures != 1 || !f.WindowStartedAt.Equal(later) {
			t.Fatalf("a new window starts at 1: %+v %v", f, err)
		}
	})
}

// A reset link works once, even for two concurrent uses, and not after it
// expired.
func TestUsePasswordReset(t *testing.T) {
	dbtest.EachDB(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		uid := insertUser(t, db, "r@example.com")
		now := models.Now()
		for _, p := range []models.PasswordReset{
			{TokenHash: "live", UserID: uid, CreatedAt: now, ExpiresAt: now.Add(time.Hour)},
			{TokenHash: "old", UserID: uid, CreatedAt: now.Add(-2 * time.Hour), ExpiresAt: now.Add(-time.Hour)},
		} {
			if err := models.InsertPasswordReset(ctx, db, &p); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := models.UsePasswordReset(ctx, db, "old", now); !errors.Is(err, apperr.ErrResetLinkInvalid) {
			t.Fatalf("expired link: %v", err)
		}
		var wg sync.WaitGroup
		results := make(chan error, 2)
		for range 2 {
			wg.Go(func() {
				got, err := models.UsePasswordReset(ctx, db, "live", now)
				if err == nil && got != uid {
					err = errors.New("wrong user " + got)
				}
				results <- err
			})
		}
		wg.Wait()
		close(results)
		ok := 0
		for err := range results {
			if err == nil {
				ok++
			} else if !errors.Is(err, apperr.ErrResetLinkInvalid) {
				t.Fatal(err)
			}
		}
		if ok != 1 {
			t.Fatalf("%d of two concurrent uses succeeded", ok)
		}
	})
}

// A TOTP step is accepted once and never an earlier one; a recovery code
// works once.
func TestTOTPStepsAndRecoveryCodes(t *testing.T) {
	dbtest.EachDB(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		uid := insertUser(t, db, "t@example.com")
		if err := models.SetPendingTOTP(ctx, db, uid, []byte("sealed")); err != nil {
			t.Fatal(err)
		}
		if ok, _ := models.UseTOTPStep(ctx, db, uid, 100); ok {
			t.Fatal("a step was accepted before the factor was on")
		}
		if err := models.EnableTOTP(ctx, db, uid, []byte("sealed"), 100, models.Now()); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			step int64
			want bool
		}{{100, false}, {99, false}, {101, true}, {101, false}, {103, true}, {102, false}} {
			if ok, err := models.UseTOTPStep(ctx, db, uid, c.step); err != nil || ok != c.want {
				t.Fatalf("step %d: %v %v, want %v", c.step, ok, err, c.want)
			}
		}
		if err := models.ReplaceRecoveryCodes(ctx, db, uid, []string{"h1", "h2"}); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			hash string
			want bool
		}{{"h1", true}, {"h1", false}, {"nope", false}, {"h2", true}} {
			if ok, err := models.UseRecoveryCode(ctx, db, uid, c.hash, models.Now()); err != nil || ok != c.want {
				t.Fatalf("code %s: %v %v, want %v", c.hash, ok, err, c.want)
			}
		}
		if n, _ := models.RecoveryCodesLeft(ctx, db, uid); n != 0 {
			t.Fatalf("left = %d", n)
		}
		if err := models.DeleteTOTP(ctx, db, uid); err != nil {
			t.Fatal(err)
		}
		if tt, err := models.TOTPOfUser(ctx, db, uid); err != nil || tt.Enabled() {
			t.Fatalf("still on: %+v %v", tt, err)
		}
	})
}
