package core

import (
	"context"
	"iter"
	"log/slog"
	"maps"
	"slices"

	"github.com/mymmrac/telego"
	"github.com/uptrace/bun"
	"golang.org/x/sync/singleflight"

	"github.com/botdeck/botdeck/internal/contract"
	"github.com/botdeck/botdeck/models"
)

// audienceTelegram is what the audience needs from the Bot API: profile
// photos.
type audienceTelegram interface {
	GetUserProfilePhotos(ctx context.Context, token string, userID int64, limit int) (*telego.UserProfilePhotos, error)
	GetFile(ctx context.Context, token, fileID string) (*telego.File, error)
	DownloadFile(ctx context.Context, token, filePath string, maxBytes int64) ([]byte, string, error)
}

// Audience lists a bot's users, blocks and unblocks them, exports them as
// CSV and serves their profile photos through the server.
type Audience struct {
	db   *bun.DB
	bots *Bots
	tg   audienceTelegram
	log  *slog.Logger

	// photoFetches makes concurrent first requests for one photo share a
	// single round of Bot API calls (within this process; across
	// processes the cache row makes later requests cheap).
	photoFetches singleflight.Group
}

// NewAudience returns the audience use cases.
func NewAudience(db *bun.DB, bots *Bots, tg audienceTelegram, log *slog.Logger) *Audience {
	return &Audience{db: db, bots: bots, tg: tg, log: log}
}

// CountCap bounds the rows a filtered total may count. Counting every
// match of a filter over a million users costs a scan of the matches —
// 40 ms just for the first 10,000 matches of a common syllable on
// PostgreSQL on a 2-core machine, far more for a full count — which alone
// would exceed the page's budget (50 ms). So:
//
//   - unfiltered, the total is the bot's maintained counter
//     (bots.total_users, kept by the ingest pipeline): O(1), exact;
//   - status=active without a search is that counter minus the users who
//     are blocked or block the bot, counted on their two partial indexes,
//     exact while those number at most CountCap;
//   - any other filter counts matches only up to CountCap+1 (a LIMITed
//     subquery): exact up to CountCap, otherwise reported as a lower bound
//     with TotalExact=false ("more than 1,000");
//   - on the last page no count is needed: offset plus rows read is the
//     exact total.
//
// Counting up to 1,000 costs a few milliseconds (about 20 ms for the most
// common syllables, whose trigram posting lists are long); past 1,000
// matches a precise number is rarely what anyone needs from a search, and
// the pager only needs to know whether a next page exists, which reading
// limit+1 rows answers. A search counts first, because the capped count
// also tells how to fetch the page (see search). Figures are in
// handlers/users_bench_test.go.
const CountCap = 1_000

// UserList is one page of a bot's users.
type UserList struct {
	Bot        *models.Bot
	Users      []models.BotUser
	Total      int  // exact, or a lower bound when !TotalExact
	TotalExact bool // false: "more than Total"
	HasNext    bool // another page follows
	NoPhoto    map[int64]bool
	Props      map[int64]map[string]any // the req.Cols properties of each user
	Tags       map[int64][]string       // each user's tags, sorted
}

// List returns one page of the owner's bot's users matching req.
func (a *Audience) List(ctx context.Context, ownerID, botID string, req contract.ListBotUsersRequest) (*UserList, error) {
	b, err := a.bots.Get(ctx, ownerID, botID)
	if err != nil {
		return nil, err
	}
	if err := a.resolveSegment(ctx, b, &req); err != nil {
		return nil, err
	}
	var (
		users       []models.BotUser
		more, exact bool
		total       int
	)
	if req.Q != "" {
		users, more, total, exact, err = a.search(ctx, b, req)
	} else if aud, ok := countableAudience(req); ok {
		users, more, total, err = a.counted(ctx, b, req, aud)
		exact = true
	} else {
		users, more, err = models.ListBotUsers(ctx, a.db, b.ID, req.Filter(), req.Window(), models.PlanAuto)
		if err == nil {
			total, exact, err = a.total(ctx, b, req, len(users), more)
		}
	}
	if err != nil {
		return nil, err
	}
	noPhoto, err := a.noPhoto(ctx, b.ID, users)
	if err != nil {
		return nil, err
	}
	props, err := a.ColumnValues(ctx, b.ID, users, req.Cols)
	if err != nil {
		return nil, err
	}
	tags, err := models.UsersTags(ctx, a.db, b.ID, userIDs(users))
	if err != nil {
		return nil, err
	}
	return &UserList{Bot: b, Users: users, Total: total, TotalExact: exact, HasNext: more, NoPhoto: noPhoto, Props: props, Tags: tags}, nil
}

// search runs a search: the capped count first, whose answer also says
// how PostgreSQL should find the page (models.Plan), instead of leaving it
// to the planner's guess of how common the substring is. Up to CountCap
// matches are collected through the trigram indexes and sorted; more are
// found by walking the sort order, where with at least 1 match in 1,000
// rows the first page typically ends within about 20,000 rows.
func (a *Audience) search(ctx context.Context, b *models.Bot, req contract.ListBotUsersRequest) ([]models.BotUser, bool, int, bool, error) {
	n, err := models.CountBotUsersUpTo(ctx, a.db, b.ID, req.Filter(), CountCap)
	if err != nil {
		return nil, false, 0, false, err
	}
	plan := models.PlanOrderFirst
	switch {
	case !models.TrigramSearchable(req.Q):
		// One or two letters: no index can find them, so the planner's
		// scan (stopping early when matches are dense) is the best there is.
		plan = models.PlanAuto
	case n <= CountCap:
		plan = models.PlanMatchesFirst
	}
	users, more, err := models.ListBotUsers(ctx, a.db, b.ID, req.Filter(), req.Window(), plan)
	if err != nil {
		return nil, false, 0, false, err
	}
	if n <= CountCap {
		return users, more, n, true, nil
	}
	total := max(CountCap, req.Offset()+len(users))
	if more {
		total = max(total, req.Offset()+len(users)+1)
	}
	if !more && len(users) > 0 {
		return users, more, req.Offset() + len(users), true, nil // the last page
	}
	return users, more, total, false, nil
}

// countableAudience is the audience of req, the URL's filters and the
// segment's together, when models.CountMatching counts it exactly and
// cheaply (tag counters, differences, the index entries of its rarest
// tag): no search or status, only tags, "not" tags and properties, and at
// least one tag or property.
func countableAudience(req contract.ListBotUsersRequest) (models.AudienceFilter, bool) {
	f := req.Filter()
	a := f.AudienceFilter
	parts := []models.AudienceFilter{a}
	if f.Segment != nil {
		s := *f.Segment
		parts = append(parts, s)
		a.Tags = append(slices.Clip(a.Tags), s.Tags...)
		a.NotTags = append(slices.Clip(a.NotTags), s.NotTags...)
		if len(s.Props) > 0 {
			props := maps.Clone(a.Props)
			if props == nil {
				props = map[string]string{}
			}
			for k, v := range s.Props {
				if old, ok := props[k]; ok && old != v {
					return a, false // both must hold: left to the list's own count
				}
				props[k] = v
			}
			a.Props = props
		}
	}
	if f.Q != "" || f.Status != "" {
		return a, false
	}
	for _, p := range parts {
		if p.Source != "" || p.Language != "" || !p.StartedFrom.IsZero() || !p.StartedBefore.IsZero() || !p.LastSeenFrom.IsZero() {
			return a, false
		}
	}
	return a, len(a.Tags) > 0 || len(a.Props) > 0
}

// counted lists a page of a countable audience (see countableAudience):
// its exact count first, which also says how PostgreSQL should find the
// page. A few matches (up to CountCap) are collected and sorted
// (models.PlanFewMatches); many are found soon enough walking the start
// order.
func (a *Audience) counted(ctx context.Context, b *models.Bot, req contract.ListBotUsersRequest, aud models.AudienceFilter) ([]models.BotUser, bool, int, error) {
	n, err := models.CountMatching(ctx, a.db, b.ID, aud)
	if err != nil {
		return nil, false, 0, err
	}
	plan := models.PlanAuto
	if n <= CountCap {
		plan = models.PlanFewMatches
	}
	users, more, err := models.ListBotUsers(ctx, a.db, b.ID, req.Filter(), req.Window(), plan)
	if err != nil {
		return nil, false, 0, err
	}
	seen := req.Offset() + len(users)
	if !more && (len(users) > 0 || req.Number() == 1) {
		return users, more, seen, nil // the last page: everything has been seen
	}
	// A count read a moment before the page may trail it: never report
	// fewer users than were just read.
	floor := 0
	if len(users) > 0 {
		floor = seen
		if more {
			floor++
		}
	}
	return users, more, max(int(n), floor), nil
}

// total works out how many users match req (see CountCap), given that
// the page read n rows and whether more follow.
func (a *Audience) total(ctx context.Context, b *models.Bot, req contract.ListBotUsersRequest, n int, more bool) (int, bool, error) {
	seen := req.Offset() + n
	if !more && (n > 0 || req.Number() == 1) {
		return seen, true, nil // the last page: everything has been seen
	}
	floor := seen // rows that exist up to the end of this page…
	if n == 0 {
		floor = 0 // …unless the page is past the end
	} else if more {
		floor++
	}
	var total int
	exact := true
	switch {
	case !req.Filtered():
		total = int(b.TotalUsers)
	case req.Q == "" && req.Status == models.UserStatusActive && req.Segment == "" && req.Filter().AudienceFilter.Empty():
		inactive, err := models.CountNotActiveUpTo(ctx, a.db, b.ID, CountCap)
		if err != nil {
			return 0, false, err
		}
		if inactive <= CountCap {
			total = int(b.TotalUsers) - inactive
			break
		}
		fallthrough
	default:
		c, err := models.CountBotUsersUpTo(ctx, a.db, b.ID, req.Filter(), CountCap)
		if err != nil {
			return 0, false, err
		}
		total, exact = min(c, CountCap), c <= CountCap
	}
	// The counter is maintained by the ingest pipeline and may trail the
	// table by a moment: never report fewer users than were just read.
	if total < floor {
		total = floor
	}
	return total, exact, nil
}

func (a *Audience) noPhoto(ctx context.Context, botID string, users []models.BotUser) (map[int64]bool, error) {
	return models.UsersWithoutPhoto(ctx, a.db, botID, userIDs(users), models.Now().Add(-PhotoTTL))
}

// userIDs are the ids of users.
func userIDs(users []models.BotUser) []int64 {
	ids := make([]int64, len(users))
	for i := range users {
		ids[i] = users[i].UserID
	}
	return ids
}

// AudienceUser is one user of one bot, as a row of the users table shows it.
type AudienceUser struct {
	Bot     *models.Bot
	User    *models.BotUser
	NoPhoto bool
	Tags    []string // sorted
}

// SetBlocked blocks (or unblocks) a user of the owner's bot: a blocked
// user's updates are recorded but not answered, and broadcasts skip them.
func (a *Audience) SetBlocked(ctx context.Context, ownerID, botID string, userID int64, blocked bool) (*AudienceUser, error) {
	b, err := a.bots.Get(ctx, ownerID, botID)
	if err != nil {
		return nil, err
	}
	u, err := models.SetUserBlocked(ctx, a.db, b.ID, userID, blocked)
	if err != nil {
		return nil, err
	}
	noPhoto, err := a.noPhoto(ctx, b.ID, []models.BotUser{*u})
	if err != nil {
		return nil, err
	}
	tags, err := models.UsersTags(ctx, a.db, b.ID, []int64{u.UserID})
	if err != nil {
		return nil, err
	}
	return &AudienceUser{Bot: b, User: u, NoPhoto: noPhoto[u.UserID], Tags: tags[u.UserID]}, nil
}

// ExportBatch is how many users one query of the CSV export reads.
const ExportBatch = 1000

// Export checks that the bot is the owner's and returns it with a walk
// over every user matching req's q and status, in batches of ExportBatch.
// Users come in start order (oldest first for sort=started, newest first
// otherwise): start times never change, so the keyset walk lists each
// user exactly once even while the audience is active. Each batch is its
// own short query, so a long export holds no connection, transaction or
// lock between batches and never has more than one batch in memory.
func (a *Audience) Export(ctx context.Context, ownerID, botID string, req contract.ListBotUsersRequest) (*models.Bot, iter.Seq2[[]models.BotUser, error], error) {
	b, err := a.bots.Get(ctx, ownerID, botID)
	if err != nil {
		return nil, nil, err
	}
	if err := a.resolveSegment(ctx, b, &req); err != nil {
		return nil, nil, err
	}
	asc := req.Sort == "started"
	walk := func(yield func([]models.BotUser, error) bool) {
		var after *models.BotUserCursor
		for {
			batch, err := models.BotUsersByStart(ctx, a.db, b.ID, req.Filter(), asc, after, ExportBatch)
			if err != nil {
				yield(nil, err)
				return
			}
			if len(batch) == 0 || !yield(batch, nil) || len(batch) < ExportBatch {
				return
			}
			after = models.CursorOf(&batch[len(batch)-1])
		}
	}
	return b, walk, nil
}
