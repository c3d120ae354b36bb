package core

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/mymmrac/telego"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/botdeck/botdeck/internal/telegram"
	"github.com/botdeck/botdeck/models"
)

// Profile photo proxy. Telegram's file URLs embed the bot token
// (https://api.telegram.org/file/bot<token>/…), so the browser never sees
// them: the server fetches the photo and serves the bytes from its cache.
const (
	// PhotoTTL is how long a cached photo (or "no photo") is served before
	// Telegram is asked again: people change their pictures.
	PhotoTTL = 24 * time.Hour
	// photoMinSide is the smallest useful size: avatars are drawn at 32 px,
	// 64 px on high-density screens.
	photoMinSide = 64
	// photoMaxBytes caps a download; the 160 px variant is about 10 kB.
	photoMaxBytes = 1 << 20
	// photoFetchTimeout bounds the three Bot API calls of one fetch.
	photoFetchTimeout = 15 * time.Second
)

// Errors of the photo proxy.
var (
	ErrNoPhoto         = &apperr.Error{Kind: apperr.KindNotFound, Code: "no_photo", Message: "This user has no profile photo."}
	errPhotoNotAnImage = errors.New("telegram sent a profile photo that is not an image")
)

func photoUnavailable() error {
	return &apperr.Error{Kind: apperr.KindUpstream, Code: "telegram_unavailable",
		Message: "Telegram cannot be asked for this photo while the bot is disconnected or its token is rejected."}
}

// Photo is a profile photo ready to serve.
type Photo struct {
	ContentType string
	Body        []byte
	ETag        string // strong validator: a hash of the bytes
	FetchedAt   time.Time
}

// UserPhoto returns the profile photo of a user of the owner's bot, from
// the cache while it is fresh, otherwise fetched through the Bot API
// (getUserProfilePhotos → getFile → download) and cached. The user is
// returned too (also with ErrNoPhoto), so callers can draw initials.
// A Telegram failure serves a stale copy when there is one; a 401 marks
// the bot as error.
func (a *Audience) UserPhoto(ctx context.Context, ownerID, botID string, userID int64) (*models.BotUser, *Photo, error) {
	b, err := a.bots.Get(ctx, ownerID, botID)
	if err != nil {
		return nil, nil, err
	}
	u, err := models.BotUserByID(ctx, a.db, b.ID, userID)
	if err != nil {
		return nil, nil, err
	}
	cached, err := models.UserPhotoOf(ctx, a.db, b.ID, userID)
	if err != nil {
		return u, nil, err
	}
	if cached != nil && time.Since(cached.FetchedAt) < PhotoTTL {
		return servable(u, cached)
	}
	if b.Status == models.BotDeleted || b.Status == models.BotError {
		if cached != nil {
			return servable(u, cached)
		}
		return u, nil, photoUnavailable()
	}
	v, err, _ := a.photoFetches.Do(b.ID+"/"+strconv.FormatInt(userID, 10), func() (any, error) {
		// One fetch serves every waiting request: it must not fail
		// because the request that happened to start it went away.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), photoFetchTimeout)
		defer cancel()
		return a.fetchPhoto(fctx, b, userID)
	})
	if err != nil {
		if cached != nil {
			a.log.WarnContext(ctx, "profile photo refresh failed; serving the cached copy", "bot", b.ID, "err", err)
			return servable(u, cached)
		}
		if errors.Is(err, errPhotoNotAnImage) {
			return u, nil, &apperr.Error{Kind: apperr.KindUpstream, Code: "telegram_unavailable", Message: "Telegram sent something that is not an image.", Err: err}
		}
		if te := (*telegram.Error)(nil); errors.As(err, &te) {
			return u, nil, telegramUnavailable(err)
		}
		return u, nil, err
	}
	return servable(u, v.(*models.UserPhoto))
}

func servable(u *models.BotUser, p *models.UserPhoto) (*models.BotUser, *Photo, error) {
	if p.None() {
		return u, nil, ErrNoPhoto
	}
	sum := sha256.Sum256(p.Body)
	return u, &Photo{ContentType: p.ContentType, Body: p.Body, ETag: `"` + hex.EncodeToString(sum[:12]) + `"`, FetchedAt: p.FetchedAt}, nil
}

// fetchPhoto asks Telegram for the user's current photo and caches the
// answer, "no photo" included.
func (a *Audience) fetchPhoto(ctx context.Context, b *models.Bot, userID int64) (*models.UserPhoto, error) {
	// Another request (or instance) may have fetched it a moment ago.
	if p, err := models.UserPhotoOf(ctx, a.db, b.ID, userID); err != nil {
		return nil, err
	} else if p != nil && time.Since(p.FetchedAt) < PhotoTTL {
		return p, nil
	}
	token, err := a.bots.Token(b)
	if err != nil {
		return nil, err
	}
	p := &models.UserPhoto{BotID: b.ID, UserID: userID, FetchedAt: models.Now()}
	body, ct, err := a.download(ctx, token, userID)
	switch {
	case errors.Is(err, ErrNoPhoto), errors.Is(err, telegram.ErrBadRequest), errors.Is(err, telegram.ErrForbidden),
		errors.Is(err, telegram.ErrFileTooLarge):
		// No photo, a user Telegram will not show this bot (unknown to it,
		// or not allowed), or a picture too large to proxy: all read as
		// "no photo" until the next refresh. Retrying sooner cannot help.
	case err != nil:
		a.bots.NoteTelegramError(ctx, b, err)
		return nil, err
	default:
		p.ContentType, p.Body = ct, body
	}
	if err := models.SaveUserPhoto(ctx, a.db, p); err != nil {
		return nil, err
	}
	return p, nil
}

// download fetches the bytes of the user's newest profile photo in the
// smallest size of at least photoMinSide pixels (or the largest there is
// when every size is smaller). It returns ErrNoPhoto when there is none.
func (a *Audience) download(ctx context.Context, token string, userID int64) ([]byte, string, error) {
	photos, err := a.tg.GetUserProfilePhotos(ctx, token, userID, 1)
	if err != nil {
		return nil, "", err
	}
	if photos == nil || len(photos.Photos) == 0 || len(photos.Photos[0]) == 0 {
		return nil, "", ErrNoPhoto
	}
	size := pickPhotoSize(photos.Photos[0])
	f, err := a.tg.GetFile(ctx, token, size.FileID)
	if err != nil {
		return nil, "", err
	}
	if f.FilePath == "" {
		return nil, "", ErrNoPhoto // Telegram cannot serve it to bots (too large)
	}
	body, _, err := a.tg.DownloadFile(ctx, token, f.FilePath, photoMaxBytes)
	if err != nil {
		return nil, "", err
	}
	// The type is taken from the bytes, never from the upstream header,
	// and only images are served back.
	ct := http.DetectContentType(body)
	switch ct {
	case "image/jpeg", "image/png", "image/gif", "image/webp":
		return body, ct, nil
	}
	return nil, "", errPhotoNotAnImage
}

func pickPhotoSize(sizes []telego.PhotoSize) telego.PhotoSize {
	best, largest := -1, 0
	for i, s := range sizes {
		side := min(s.Width, s.Height)
		if side >= photoMinSide && (best < 0 || side < min(sizes[best].Width, sizes[best].Height)) {
			best = i
		}
		if side > min(sizes[largest].Width, sizes[largest].Height) {
			largest = i
		}
	}
	if best < 0 {
		return sizes[largest]
	}
	return sizes[best]
}
