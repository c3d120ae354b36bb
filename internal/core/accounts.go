package core

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/botdeck/botdeck/internal/contract"
	"github.com/botdeck/botdeck/models"
)

// Accounts signs people up and in, and manages their profile and API keys.
type Accounts struct {
	db         *bun.DB
	signupOpen bool
}

// NewAccounts returns the accounts use cases.
func NewAccounts(db *bun.DB, signupOpen bool) *Accounts {
	return &Accounts{db: db, signupOpen: signupOpen}
}

// SignupOpen reports whether anyone may create an account.
func (a *Accounts) SignupOpen() bool { return a.signupOpen }

// Signup creates an account through the public form or API; refused when
// sign-up is closed.
func (a *Accounts) Signup(ctx context.Context, req contract.SignupRequest) (*models.User, error) {
	if !a.signupOpen {
		return nil, apperr.ErrSignupClosed
	}
	return a.CreateUser(ctx, req)
}

// CreateUser creates an account whatever the sign-up setting (the
// `botdeck user create` command uses it).
func (a *Accounts) CreateUser(ctx context.Context, req contract.SignupRequest) (*models.User, error) {
	hash, err := hashPassword(req.Password)
	if err != nil {
		return nil, err
	}
	now := models.Now()
	u := &models.User{
		ID:           models.NewID("usr"),
		Email:        models.NormalizeEmail(req.Email),
		Name:         strings.TrimSpace(req.Name),
		PasswordHash: hash,
		CreatedAt:    now,
		UpdatedAt:    now,
	}
	if err := models.InsertUser(ctx, a.db, u); err != nil {
		return nil, err
	}
	return u, nil
}

// Sign-in throttling: after loginFailuresPerAccount wrong passwords for one
// email from one IP, or loginFailuresPerIP from one IP for any email, within
// loginWindow, further attempts get 429 until the window passes. Keying on
// email+IP (not email alone) stops an attacker from locking a victim out.
const (
	loginWindow             = 15 * time.Minute
	loginFailuresPerAccount = 5
	loginFailuresPerIP      = 50
)

// Login checks credentials. ip is the client address, for throttling.
func (a *Accounts) Login(ctx context.Context, email, password, ip string) (*models.User, error) {
	now := models.Now()
	windowStart := now.Add(-loginWindow)
	email = models.NormalizeEmail(email)
	keys := []struct {
		key   string
		limit int
	}{
		{"login:" + email + "|" + ip, loginFailuresPerAccount},
		{"login-ip:" + ip, loginFailuresPerIP},
	}
	for _, k := range keys {
		f, err := models.AuthFailuresFor(ctx, a.db, k.key, windowStart)
		if err != nil {
			return nil, err
		}
		if f.Failures >= k.limit {
			wait := f.WindowStartedAt.Add(loginWindow).Sub(now).Round(time.Second)
			return nil, apperr.RateLimited("Too many failed sign-ins. Try again in "+humanDuration(wait)+".", wait)
		}
	}

	u, err := models.UserByEmail(ctx, a.db, email)
	if err != nil {
		if _, isNotFound := asNotFound(err); !isNotFound {
			return nil, err
		}
		checkPassword(password, dummyHash)
		u = nil
	}
	if u == nil || !checkPassword(password, u.PasswordHash) {
		for _, k := range keys {
			if err := models.RecordAuthFailure(ctx, a.db, k.key, now, windowStart); err != nil {
				return nil, err
			}
		}
		return nil, apperr.ErrInvalidCredentials
	}
	if err := models.ClearAuthFailures(ctx, a.db, keys[0].key); err != nil {
		return nil, err
	}
	return u, nil
}

// UpdateProfile changes a user's name and/or email.
func (a *Accounts) UpdateProfile(ctx context.Context, u *models.User, req contract.ProfileRequest) (*models.User, error) {
	updated := *u
	if req.Name != nil {
		updated.Name = strings.TrimSpace(*req.Name)
	}
	if req.Email != nil {
		updated.Email = models.NormalizeEmail(*req.Email)
	}
	if req.TimeZone != nil {
		if !KnownTimeZone(*req.TimeZone) {
			return nil, apperr.Invalid("Pick a time zone from the list, such as Europe/Berlin.",
				apperr.FieldErrors{"timeZone": "is not a known time zone"})
		}
		updated.TimeZone = *req.TimeZone
	}
	updated.UpdatedAt = models.Now()
	if err := models.UpdateUser(ctx, a.db, &updated); err != nil {
		return nil, err
	}
	return &updated, nil
}

// ChangePassword replaces the password after checking the current one, and
// ends every other session of the user (keepSession is the id hash of the
// session making the change; "" when called with an API key).
func (a *Accounts) ChangePassword(ctx context.Context, u *models.User, req contract.PasswordChangeRequest, keepSession string) error {
	if !checkPassword(req.Current, u.PasswordHash) {
		return apperr.Invalid("The current password is wrong.", apperr.FieldErrors{"current": "is wrong"})
	}
	hash, err := hashPassword(req.New)
	if err != nil {
		return err
	}
	return a.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		updated := *u
		updated.PasswordHash = hash
		updated.UpdatedAt = models.Now()
		if err := models.UpdateUser(ctx, tx, &updated); err != nil {
			return err
		}
		_, err := models.DeleteUserSessions(ctx, tx, u.ID, keepSession)
		return err
	})
}

// EndAllSessions signs the user out everywhere.
func (a *Accounts) EndAllSessions(ctx context.Context, userID string) (int64, error) {
	return models.DeleteUserSessions(ctx, a.db, userID, "")
}

// apiKeyPrefix starts every key, so leaked keys are easy to recognise
// (secret scanners match on it).
const apiKeyPrefix = "bdk_"

// CreateAPIKey makes a key; the returned Key is never retrievable again.
func (a *Accounts) CreateAPIKey(ctx context.Context, userID string, req contract.APIKeyCreateRequest) (*contract.NewAPIKey, error) {
	n, err := models.CountAPIKeys(ctx, a.db, userID)
	if err != nil {
		return nil, err
	}
	if n >= models.MaxAPIKeysPerUser {
		return nil, &apperr.Error{Kind: apperr.KindConflict, Code: "too_many_keys", Message: "This account already has the maximum number of API keys. Revoke one first."}
	}
	key := apiKeyPrefix + models.RandomString(25) // 200 random bits
	k := &models.APIKey{
		ID:        models.NewID("key"),
		UserID:    userID,
		Name:      strings.TrimSpace(req.Name),
		Prefix:    key[:len(apiKeyPrefix)+8],
		KeyHash:   hashAPIKey(key),
		CreatedAt: models.Now(),
	}
	if err := models.InsertAPIKey(ctx, a.db, k); err != nil {
		return nil, err
	}
	return &contract.NewAPIKey{ID: k.ID, Name: k.Name, Prefix: k.Prefix, Key: key, CreatedAt: k.CreatedAt}, nil
}

// APIKeys lists a user's keys (without secrets).
func (a *Accounts) APIKeys(ctx context.Context, userID string) ([]models.APIKey, error) {
	return models.APIKeysOfUser(ctx, a.db, userID)
}

// RevokeAPIKey deletes one of the user's keys.
func (a *Accounts) RevokeAPIKey(ctx context.Context, userID, id string) error {
	return models.DeleteAPIKey(ctx, a.db, userID, id)
}

// AuthenticateAPIKey returns the owner of key, or ErrUnauthorized. Last-use
// is recorded at most once a minute so busy keys do not write on every call.
func (a *Accounts) AuthenticateAPIKey(ctx context.Context, key string) (*models.User, *models.APIKey, error) {
	if !strings.HasPrefix(key, apiKeyPrefix) || len(key) > 100 {
		return nil, nil, apperr.ErrUnauthorized
	}
	k, err := models.APIKeyByHash(ctx, a.db, hashAPIKey(key))
	if err != nil {
		if _, nf := asNotFound(err); nf {
			return nil, nil, apperr.ErrUnauthorized
		}
		return nil, nil, err
	}
	u, err := models.UserByID(ctx, a.db, k.UserID)
	if err != nil {
		return nil, nil, err
	}
	now := models.Now()
	if k.LastUsedAt == nil || now.Sub(*k.LastUsedAt) > time.Minute {
		if err := models.TouchAPIKey(ctx, a.db, k.ID, now); err != nil {
			return nil, nil, err
		}
		k.LastUsedAt = &now
	}
	return u, k, nil
}

// hashAPIKey is a plain SHA-256: keys carry 200 random bits, so a slow hash
// adds nothing and would cost every API request.
func hashAPIKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

func asNotFound(err error) (*apperr.Error, bool) {
	e, ok := apperr.AsError(err)
	return e, ok && e.Kind == apperr.KindNotFound
}

// humanDuration renders a wait like "4 minutes" or "30 seconds".
func humanDuration(d time.Duration) string {
	switch {
	case d >= 2*time.Minute:
		return strconv.Itoa(int(d.Minutes()+0.5)) + " minutes"
	case d >= time.Minute:
		return "a minute"
	case d > time.Second:
		return strconv.Itoa(int(d.Seconds())) + " seconds"
	default:
		return "a moment"
	}
}

// OtherSessions counts the user's live sessions besides the current one.
func (a *Accounts) OtherSessions(ctx context.Context, userID string) (int, error) {
	n, err := models.CountUserSessions(ctx, a.db, userID, models.Now())
	if n > 0 {
		n--
	}
	return n, err
}
