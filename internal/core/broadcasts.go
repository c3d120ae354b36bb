package core

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"sync"
	"time"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/botdeck/botdeck/internal/contract"
	"github.com/botdeck/botdeck/internal/telegram"
	"github.com/botdeck/botdeck/models"
)

// Errors of broadcasts.
var (
	ErrBroadcastFinished = &apperr.Error{Kind: apperr.KindConflict, Code: "broadcast_finished",
		Message: "This broadcast has finished: it cannot be paused, resumed or cancelled any more."}
	ErrBroadcastNotPaused = &apperr.Error{Kind: apperr.KindConflict, Code: "broadcast_not_paused",
		Message: "Only a paused broadcast can be resumed."}
	errNothingUnconfirmed = &apperr.Error{Kind: apperr.KindConflict, Code: "nothing_unconfirmed",
		Message: "No message of this broadcast is unconfirmed: there is nothing to send again."}
	errResendWhileSending = &apperr.Error{Kind: apperr.KindConflict, Code: "broadcast_sending",
		Message: "This broadcast is still sending. Pause it, or wait until it is done, to send the unconfirmed messages again."}
	errResendEnded = &apperr.Error{Kind: apperr.KindConflict, Code: "broadcast_finished",
		Message: "This broadcast was cancelled or could not go on: its unconfirmed messages cannot be sent again. Write a new broadcast instead."}
)

// errBotCannotSend explains why a bot cannot send broadcasts right now.
func errBotCannotSend(b *models.Bot, action string) error {
	msg := "Start " + b.Handle() + " first: a stopped bot sends no broadcasts."
	switch b.Status {
	case models.BotDeleted:
		msg = b.Handle() + " is disconnected. Reconnect it to " + action + "."
	case models.BotError:
		msg = "Telegram rejects the token of " + b.Handle() + ". Reconnect it with its new token to " + action + "."
	}
	return &apperr.Error{Kind: apperr.KindConflict, Code: "bot_not_active", Message: msg}
}

// rateWindow is how far back the measured sending rate looks.
const rateWindow = 10 * time.Second

// Broadcasts composes, queues and controls broadcasts; internal/jobs sends
// them.
type Broadcasts struct {
	db   *bun.DB
	bots *Bots
	feed *BroadcastFeed
	tg   *telegram.Client
	log  *slog.Logger
	rate float64 // messages per second per bot

	// PrepareAbove: a broadcast sent now to a bot of more users than this
	// is created as preparing and its audience frozen by jobs.Scheduler
	// (PrepareDue), so the request returns at once; smaller audiences are
	// frozen inside the request.
	PrepareAbove int64

	uploading sync.Mutex // test sends of a file not yet sent by the bot go one at a time
}

// PrepareAbove is Broadcasts.PrepareAbove by default: freezing 20,000
// recipients takes about 0.2 s on PostgreSQL (100,000 took 0.88 s), a
// million about 9 s, too long to hold a request.
const PrepareAbove = 20_000

// NewBroadcasts returns the broadcast use cases; their changes go to feed.
func NewBroadcasts(db *bun.DB, bots *Bots, feed *BroadcastFeed, tg *telegram.Client, log *slog.Logger, rate float64) *Broadcasts {
	return &Broadcasts{db: db, bots: bots, feed: feed, tg: tg, log: log, rate: rate, PrepareAbove: PrepareAbove}
}

// Rate is the sending rate of every bot, in messages per second.
func (s *Broadcasts) Rate() float64 { return s.rate }

// Bot returns one of the owner's bots (404 for anyone else's): handlers
// check ownership before they read the request, so another account's bot
// answers exactly like an unknown one.
func (s *Broadcasts) Bot(ctx context.Context, ownerID, botID string) (*models.Bot, error) {
	return s.bots.Get(ctx, ownerID, botID)
}

// CanSend reports whether the bot may send broadcasts now.
func CanSend(b *models.Bot) bool {
	return b.Status == models.BotActive || b.Status == models.BotWarning
}

// CheckMessage validates the text of a broadcast as Telegram will, and
// returns its plain text and entities. Errors name the field and say what
// is wrong and where (line and column for markup).
func CheckMessage(req contract.CreateBroadcastRequest) (string, []telegram.Entity, error) {
	plain, ents, err := telegram.ValidateText(req.Mode(), req.Text)
	if err == nil {
		return plain, ents, nil
	}
	var me *telegram.MarkupError
	var te *telegram.TextError
	switch {
	case errors.As(err, &me):
		field := "has invalid " + req.Mode() + " at " + me.Error()
		return "", nil, apperr.Invalid("The message's "+req.Mode()+" formatting is invalid at "+me.Error()+".", apperr.FieldErrors{"text": field})
	case errors.As(err, &te):
		return "", nil, apperr.Invalid("The message "+te.Message+".", apperr.FieldErrors{"text": te.Message})
	}
	return "", nil, err
}

// AudienceCounts counts each audience of a bot now.
func (s *Broadcasts) AudienceCounts(ctx context.Context, b *models.Bot) (map[string]int64, error) {
	return models.AudienceCounts(ctx, s.db, b.ID, models.Now())
}

// ActiveOnBot counts the bot's queued and running broadcasts, which share
// its rate.
func (s *Broadcasts) ActiveOnBot(ctx context.Context, botID string) (int, error) {
	return models.CountActiveBroadcasts(ctx, s.db, botID)
}

// Estimate is how long n messages take at the bot's rate, shared with the
// other broadcasts the bot is sending.
func (s *Broadcasts) Estimate(n int64, sharing int) time.Duration {
	if n <= 0 {
		return 0
	}
	per := s.rate / float64(max(1, sharing))
	return time.Duration(math.Ceil(float64(n)/per)) * time.Second
}

// Review is what the confirmation step states before a broadcast is
// queued.
type Review struct {
	Recipients int64
	Sharing    int           // other active broadcasts of the bot, sharing its rate
	Duration   time.Duration // at the bot's rate, shared with them
	Plain      string
	Entities   []telegram.Entity
	// ScheduledAt is when a scheduled broadcast starts (Recipients is
	// then the audience now; it is frozen when it starts).
	ScheduledAt *time.Time
}

// Review checks a broadcast as Create would and says how many users it
// reaches and how long it takes.
func (s *Broadcasts) Review(ctx context.Context, b *models.Bot, req contract.CreateBroadcastRequest) (*Review, error) {
	now := models.Now()
	bc, err := prepare(ctx, s.db, b, req, now)
	if err != nil {
		return nil, err
	}
	if !CanSend(b) && bc.ScheduledAt == nil {
		return nil, errBotCannotSend(b, "send broadcasts")
	}
	plain, ents, _ := telegram.ParseMarkup(req.Mode(), req.Text)
	n, err := models.CountAudienceFiltered(ctx, s.db, b.ID, req.Audience, bc.Narrow, now)
	if err != nil {
		return nil, err
	}
	if n == 0 && bc.ScheduledAt == nil {
		return nil, apperr.Invalid("Nobody would receive this broadcast.", apperr.FieldErrors{"audience": audienceEmpty(req.Audience, bc.Narrow != nil)})
	}
	others, err := models.CountActiveBroadcasts(ctx, s.db, b.ID)
	if err != nil {
		return nil, err
	}
	return &Review{Recipients: n, Sharing: others, Duration: s.Estimate(n, others+1), Plain: plain, Entities: ents,
		ScheduledAt: bc.ScheduledAt}, nil
}

// Preview parses a draft for the live preview; an empty draft is no error.
func Preview(req contract.PreviewBroadcastRequest) (string, []telegram.Entity, error) {
	if req.Text == "" {
		return "", nil, nil
	}
	full := contract.CreateBroadcastRequest{Text: req.Text, ParseMode: req.ParseMode}
	return CheckMessage(full)
}

// Create queues a broadcast of the owner's bot to the chosen audience as
// it is now (the recipients are stored with it, in one transaction), or
// schedules it; to a bot of more than PrepareAbove users it is stored as
// preparing and its audience frozen in the background (PrepareDue).
func (s *Broadcasts) Create(ctx context.Context, b *models.Bot, req contract.CreateBroadcastRequest) (*models.Broadcast, error) {
	now := models.Now()
	bc, err := prepare(ctx, s.db, b, req, now)
	if err != nil {
		return nil, err
	}
	if !CanSend(b) && bc.ScheduledAt == nil {
		return nil, errBotCannotSend(b, "send broadcasts")
	}
	bc.ID, bc.Status, bc.CreatedAt, bc.UpdatedAt = models.NewID("bc"), models.BroadcastQueued, now, now
	switch {
	case bc.ScheduledAt != nil:
		bc.Status = models.BroadcastScheduled
	case b.TotalUsers > s.PrepareAbove:
		bc.Status = models.BroadcastPreparing
	}
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if bc.Status == models.BroadcastPreparing {
			anyone, err := models.AudienceHasAnyone(ctx, tx, bc, now)
			if err != nil {
				return err
			}
			if !anyone {
				return apperr.Invalid("Nobody would receive this broadcast.", apperr.FieldErrors{"audience": audienceEmpty(req.Audience, bc.Narrow != nil)})
			}
		}
		if err := models.InsertBroadcast(ctx, tx, bc, now); err != nil {
			return err
		}
		if bc.Total == 0 && bc.Status == models.BroadcastQueued {
			return apperr.Invalid("Nobody would receive this broadcast.", apperr.FieldErrors{"audience": audienceEmpty(req.Audience, bc.Narrow != nil)})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.feed.Changed(bc.ID)
	return bc, nil
}

func audienceEmpty(audience string, narrowed bool) string {
	if narrowed {
		return "has nobody: no user the bot can message matches the segment or filter"
	}
	switch audience {
	case models.AudienceActive7Days:
		return "has nobody: no user was active in the last 7 days"
	case models.AudienceActive30Days:
		return "has nobody: no user was active in the last 30 days"
	}
	return "has nobody: the bot has no users it can message yet"
}

// BroadcastList is one page of a bot's broadcasts.
type BroadcastList struct {
	Broadcasts []models.Broadcast
	Total      int
}

// List returns one page of a bot's broadcasts, newest first.
func (s *Broadcasts) List(ctx context.Context, b *models.Bot, p contract.Page) (*BroadcastList, error) {
	list, total, err := models.ListBroadcasts(ctx, s.db, b.ID, p.Window())
	if err != nil {
		return nil, err
	}
	return &BroadcastList{Broadcasts: list, Total: total}, nil
}

// Get returns one of the owner's broadcasts with its bot.
func (s *Broadcasts) Get(ctx context.Context, ownerID, id string) (*models.Broadcast, *models.Bot, error) {
	return models.BroadcastOfOwner(ctx, s.db, ownerID, id)
}

// Progress is a broadcast with what is measured about it now.
type Progress struct {
	Broadcast   *models.Broadcast
	Rate        float64        // the bot's configured rate
	CurrentRate *float64       // measured over the last rateWindow, while running
	ETA         *time.Duration // while queued or running
}

// JSON is the API shape.
func (p Progress) JSON() contract.BroadcastJSON {
	var eta *int64
	if p.ETA != nil {
		s := int64(math.Ceil(p.ETA.Seconds()))
		eta = &s
	}
	return contract.BroadcastOf(p.Broadcast, p.Rate, p.CurrentRate, eta)
}

// Progress measures a broadcast: its current rate and the time left, from
// the measured rate when there is one, else from the bot's rate shared
// with its other active broadcasts.
func (s *Broadcasts) Progress(ctx context.Context, bc *models.Broadcast) (Progress, error) {
	p := Progress{Broadcast: bc, Rate: s.rate}
	if !bc.Active() {
		return p, nil
	}
	now := models.Now()
	if bc.Status == models.BroadcastRunning {
		n, err := models.RecentSendCount(ctx, s.db, bc.ID, now.Add(-rateWindow))
		if err != nil {
			return p, err
		}
		window := rateWindow
		if bc.StartedAt != nil && now.Sub(*bc.StartedAt) < window {
			window = max(now.Sub(*bc.StartedAt), time.Second)
		}
		r := math.Round(float64(n)/window.Seconds()*10) / 10
		p.CurrentRate = &r
	}
	sharing, err := models.CountActiveBroadcasts(ctx, s.db, bc.BotID)
	if err != nil {
		return p, err
	}
	eta := s.Estimate(bc.Pending(), sharing)
	if p.CurrentRate != nil && *p.CurrentRate > 0 && bc.Pending() > 0 {
		eta = time.Duration(math.Ceil(float64(bc.Pending())/(*p.CurrentRate))) * time.Second
	}
	p.ETA = &eta
	return p, nil
}

// ProgressAll measures a page of broadcasts (only active ones cost a query).
func (s *Broadcasts) ProgressAll(ctx context.Context, list []models.Broadcast) ([]Progress, error) {
	out := make([]Progress, len(list))
	for i := range list {
		p, err := s.Progress(ctx, &list[i])
		if err != nil {
			return nil, err
		}
		out[i] = p
	}
	return out, nil
}

// Pause stops sending after the message in flight; the sender checks the
// status before every message. Pausing a paused broadcast changes nothing.
func (s *Broadcasts) Pause(ctx context.Context, ownerID, id string) (*models.Broadcast, error) {
	return s.transition(ctx, ownerID, id, func(bc *models.Broadcast, _ *models.Bot, now time.Time) (bool, error) {
		switch {
		case bc.Status == models.BroadcastPaused:
			return false, nil
		case bc.Finished():
			return false, ErrBroadcastFinished
		}
		return models.SetBroadcastStatus(ctx, s.db, bc.ID, []string{models.BroadcastQueued, models.BroadcastRunning},
			models.BroadcastPaused, "", now)
	})
}

// Resume sets a paused broadcast going again where it stopped. The bot
// must be able to send; resuming a queued or running broadcast changes
// nothing.
func (s *Broadcasts) Resume(ctx context.Context, ownerID, id string) (*models.Broadcast, error) {
	return s.transition(ctx, ownerID, id, func(bc *models.Broadcast, b *models.Bot, now time.Time) (bool, error) {
		switch {
		case bc.Active():
			return false, nil
		case bc.Finished():
			return false, ErrBroadcastFinished
		case !CanSend(b):
			return false, errBotCannotSend(b, "resume this broadcast")
		}
		return models.ResumeBroadcast(ctx, s.db, bc.ID, now)
	})
}

// Cancel ends a broadcast for good: recipients not sent yet never get it.
// Cancelling a cancelled broadcast changes nothing.
func (s *Broadcasts) Cancel(ctx context.Context, ownerID, id string) (*models.Broadcast, error) {
	return s.transition(ctx, ownerID, id, func(bc *models.Broadcast, _ *models.Bot, now time.Time) (bool, error) {
		switch {
		case bc.Status == models.BroadcastCancelled:
			return false, nil
		case bc.Finished():
			return false, ErrBroadcastFinished
		}
		return models.SetBroadcastStatus(ctx, s.db, bc.ID,
			[]string{models.BroadcastScheduled, models.BroadcastPreparing, models.BroadcastQueued, models.BroadcastRunning, models.BroadcastPaused}, models.BroadcastCancelled, "", now)
	})
}

// ResendUnconfirmed puts the broadcast's unconfirmed recipients — whose
// message was in flight when a sender stopped dead, so it may or may not
// have arrived — back in the queue, at the owner's request: some of them
// may get the message twice, which is why Botdeck never does this on its
// own. A done broadcast runs again for them; a paused one sends them when
// resumed. A late answer from Telegram about the old attempt is ignored
// (models.RecordOutcome matches the attempt's claim and status).
func (s *Broadcasts) ResendUnconfirmed(ctx context.Context, ownerID, id string) (*models.Broadcast, error) {
	return s.transition(ctx, ownerID, id, func(bc *models.Broadcast, b *models.Bot, now time.Time) (bool, error) {
		switch {
		case bc.Unconfirmed == 0:
			return false, errNothingUnconfirmed
		case bc.Active():
			return false, errResendWhileSending
		case bc.Status != models.BroadcastDone && bc.Status != models.BroadcastPaused:
			return false, errResendEnded
		case !CanSend(b):
			return false, errBotCannotSend(b, "send these messages again")
		}
		var requeued bool
		err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			var err error
			requeued, err = models.RequeueUnconfirmed(ctx, tx, bc.ID, now)
			return err
		})
		return requeued, err
	})
}

// transition applies a status change that is one conditional UPDATE; when
// the sender changed the status in between (it finished, or paused on an
// error storm), the change is judged again against the new status.
func (s *Broadcasts) transition(ctx context.Context, ownerID, id string, change func(*models.Broadcast, *models.Bot, time.Time) (bool, error)) (*models.Broadcast, error) {
	for range 3 {
		bc, b, err := s.Get(ctx, ownerID, id)
		if err != nil {
			return nil, err
		}
		changed, err := change(bc, b, models.Now())
		if err != nil {
			return nil, err
		}
		after, _, err := s.Get(ctx, ownerID, id)
		if err != nil {
			return nil, err
		}
		if changed {
			s.feed.Changed(after.ID)
		}
		if changed || after.Status == bc.Status {
			return after, nil
		}
	}
	return nil, errors.New("broadcast status kept changing")
}
