package core

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/botdeck/botdeck/internal/contract"
	"github.com/botdeck/botdeck/internal/secrets"
	"github.com/botdeck/botdeck/models"
)

// Accounts signs people up and in, and manages their profile, password
// resets and API keys.
type Accounts struct {
	db         *bun.DB
	signupOpen bool
	mail       Mail
	sealer     *secrets.Sealer
	log        *slog.Logger
}

// AccountsConfig is what the accounts use cases need besides the database.
type AccountsConfig struct {
	SignupOpen bool
	Mail       Mail            // how password-reset links reach people (zero: an operator prints them)
	Sealer     *secrets.Sealer // seals TOTP secrets at rest (nil: TOTP cannot be set up)
	Log        *slog.Logger
}

// NewAccounts returns the accounts use cases.
func NewAccounts(db *bun.DB, cfg AccountsConfig) *Accounts {
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Accounts{db: db, signupOpen: cfg.SignupOpen, mail: cfg.Mail, sealer: cfg.Sealer, log: log}
}

// SignupOpen reports whether anyone may create an account.
func (a *Accounts) SignupOpen() bool { return a.signupOpen }

// Sign-up keeps answering 409 email_taken for a registered email (a person
// who already has an account needs to be told to sign in, and without
// mandatory mail there is no "check your inbox" to answer instead), but the
// answer is throttled like a password: every attempt from an IP is claimed
// before the account is created and a successful one gives its claim back,
// so one address learns at most signupProbesPerIP registered emails per
// signupWindow, however many requests it sends in parallel. Creating the
// account hashes the password first, so a taken email takes as long to
// refuse as a free one takes to create.
const (
	signupWindow      = 15 * time.Minute
	signupProbesPerIP = 5
)

// Signup creates an account through the public form or API; refused when
// sign-up is closed. ip is the client address, for throttling.
func (a *Accounts) Signup(ctx context.Context, req contract.SignupRequest, ip string) (*models.User, error) {
	return a.signup(ctx, req, ip, false)
}

// SignupInvited creates an account for a person holding an invite (the
// caller checked it), even when sign-up is closed.
func (a *Accounts) SignupInvited(ctx context.Context, req contract.SignupRequest, ip string) (*models.User, error) {
	return a.signup(ctx, req, ip, true)
}

func (a *Accounts) signup(ctx context.Context, req contract.SignupRequest, ip string, invited bool) (*models.User, error) {
	if !a.signupOpen && !invited {
		return nil, apperr.ErrSignupClosed
	}
	key := limit{"signup-ip:" + ip, signupProbesPerIP}
	if err := claimAttempts(ctx, a.db, "Too many sign-up attempts.", signupWindow, key); err != nil {
		return nil, err
	}
	u, err := a.CreateUser(ctx, req)
	if err != nil {
		return nil, err
	}
	if err := models.ReleaseAuthAttempt(ctx, a.db, key.key); err != nil {
		a.log.Error("release sign-up attempt", "err", err) // the account exists: say so
	}
	return u, nil
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
	// Every account starts with a workspace of its own, which it owns.
	err = a.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := models.InsertUser(ctx, tx, u); err != nil {
			return err
		}
		return models.InsertWorkspace(ctx, tx, &models.Workspace{ID: models.NewID("ws"), Name: PersonalWorkspaceName(u), CreatedAt: now}, u.ID)
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// Sign-in throttling: after loginFailuresPerAccount wrong passwords for one
// email from one IP, or loginFailuresPerIP from one IP for any email, within
// loginWindow, further attempts get 429 until the window passes. Keying on
// email+IP (not email alone) stops an attacker from locking a victim out.
// Attempts are claimed before the password is checked (claimAttempts), so
// parallel guesses stop at the limit too.
const (
	loginWindow             = 15 * time.Minute
	loginFailuresPerAccount = 5
	loginFailuresPerIP      = 50
)

func loginLimits(email, ip string) []limit {
	return []limit{{loginKeyPrefix(email) + ip, loginFailuresPerAccount}, {"login-ip:" + ip, loginFailuresPerIP}}
}

// loginKeyPrefix starts the throttling keys of one email's sign-ins.
func loginKeyPrefix(email string) string { return "login:" + email + "|" }

// Login checks credentials and, for an account with a second factor, the
// code (a TOTP code or a recovery code). ip is the client address, for
// throttling. When the password is right but the account needs a code
// that did not come, it returns the user with ErrTOTPRequired, so the
// caller can wait for the code (the sign-in is not done).
func (a *Accounts) Login(ctx context.Context, email, password, code, ip string) (*models.User, error) {
	email = models.NormalizeEmail(email)
	keys := loginLimits(email, ip)
	if err := claimAttempts(ctx, a.db, "Too many failed sign-ins.", loginWindow, keys...); err != nil {
		return nil, err
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
		return nil, apperr.ErrInvalidCredentials
	}
	// A good password forgets this email's failures and gives back the
	// attempt it took from the IP's allowance.
	if err := models.ClearAuthFailures(ctx, a.db, keys[0].key); err != nil {
		return nil, err
	}
	if err := models.ReleaseAuthAttempt(ctx, a.db, keys[1].key); err != nil {
		return nil, err
	}
	if err := a.checkSecondFactor(ctx, u, code); err != nil {
		if errors.Is(err, ErrTOTPRequired) {
			return u, err
		}
		return nil, err
	}
	return u, models.AuditSignIn(ctx, a.db, u.ID, models.Now())
}

// LoginWithCode finishes a sign-in whose password was checked (Login said
// ErrTOTPRequired) with the code.
func (a *Accounts) LoginWithCode(ctx context.Context, userID, code string) (*models.User, error) {
	u, err := models.UserByID(ctx, a.db, userID)
	if err != nil {
		return nil, err
	}
	if err := a.checkSecondFactor(ctx, u, code); err != nil {
		return nil, err
	}
	return u, models.AuditSignIn(ctx, a.db, u.ID, models.Now())
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
		if _, err := models.DeleteUserSessions(ctx, tx, u.ID, keepSession); err != nil {
			return err
		}
		if req.RevokeAPIKeys {
			_, err := models.DeleteUserAPIKeys(ctx, tx, u.ID)
			return err
		}
		return nil
	})
}

// EndAllSessions signs the user out everywhere and, with revokeKeys, also
// deletes every API key. It returns how many sessions and keys ended.
func (a *Accounts) EndAllSessions(ctx context.Context, userID string, revokeKeys bool) (sessions, keys int64, err error) {
	err = a.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if sessions, err = models.DeleteUserSessions(ctx, tx, userID, ""); err != nil {
			return err
		}
		if revokeKeys {
			keys, err = models.DeleteUserAPIKeys(ctx, tx, userID)
		}
		return err
	})
	return sessions, keys, err
}

// apiKeyPrefix starts every key, so leaked keys are easy to recognise
// (secret scanners match on it).
const apiKeyPrefix = "bdk_"

// CreateAPIKey makes a key acting in workspaceID with the user's role
// there; the returned Key is never retrievable again.
func (a *Accounts) CreateAPIKey(ctx context.Context, userID, workspaceID string, req contract.APIKeyCreateRequest) (*contract.NewAPIKey, error) {
	if workspaceID == "" {
		return nil, apperr.ErrForbiddenRole
	}
	n, err := models.CountAPIKeys(ctx, a.db, userID)
	if err != nil {
		return nil, err
	}
	if n >= models.MaxAPIKeysPerUser {
		return nil, &apperr.Error{Kind: apperr.KindConflict, Code: "too_many_keys", Message: "This account already has the maximum number of API keys. Revoke one first."}
	}
	key := apiKeyPrefix + models.RandomString(25) // 200 random bits
	k := &models.APIKey{
		ID:          models.NewID("key"),
		UserID:      userID,
		WorkspaceID: workspaceID,
		Name:        strings.TrimSpace(req.Name),
		Prefix:      key[:len(apiKeyPrefix)+8],
		KeyHash:     hashAPIKey(key),
		CreatedAt:   models.Now(),
	}
	if err := models.InsertAPIKey(ctx, a.db, k); err != nil {
		return nil, err
	}
	return &contract.NewAPIKey{ID: k.ID, Name: k.Name, Prefix: k.Prefix, Key: key, CreatedAt: k.CreatedAt}, nil
}

// APIKeys lists a user's keys in a workspace (without secrets).
func (a *Accounts) APIKeys(ctx context.Context, userID, workspaceID string) ([]models.APIKey, error) {
	return models.APIKeysOfUser(ctx, a.db, userID, workspaceID)
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
