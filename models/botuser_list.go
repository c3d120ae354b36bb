package models

import (
	"context"
	"database/sql"
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"time"
	"unicode"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/sqldialect"
)

// Audience filters (the users list's status parameter): the status a user is in from the
// owner's point of view.
const (
	UserStatusActive     = "active"     // neither blocked by the owner nor blocking the bot
	UserStatusBlocked    = "blocked"    // blocked by the owner in Botdeck
	UserStatusBotBlocked = "botBlocked" // the user blocked the bot in Telegram
)

// UserStatuses are the statuses the users list filters by, in tab order.
var UserStatuses = []string{UserStatusActive, UserStatusBlocked, UserStatusBotBlocked}

// BotUserFilter narrows and sorts a bot's users: Q is a search (see
// whereBotUsers), Status one of UserStatuses ("" for all), Sort one of
// started, -started (default), lastSeen, -lastSeen, name.
type BotUserFilter struct {
	Q, Status, Sort string
	AudienceFilter
	// IDs, when not nil, narrows to these users (a selection of rows).
	IDs []int64
	// Segment is a saved segment's filter, applied as well (AND).
	Segment *AudienceFilter
}

// AudienceFilter narrows users by what is known about them: every tag of Tags,
// none of NotTags, the deep-link Source, the LanguageCode and properties
// equal to Props (NAME → the value as text; "42" also matches the number
// 42 and "true" the boolean). Empty parts do not narrow.
type AudienceFilter struct {
	Tags, NotTags    []string
	Source, Language string
	Props            map[string]string

	// Time bounds (zero: unbounded): started at or after StartedFrom and
	// before StartedBefore; last seen at or after LastSeenFrom.
	StartedFrom, StartedBefore, LastSeenFrom time.Time
}

// Empty reports whether a narrows nothing.
func (a AudienceFilter) Empty() bool {
	return len(a.Tags) == 0 && len(a.NotTags) == 0 && a.Source == "" && a.Language == "" && len(a.Props) == 0 &&
		a.StartedFrom.IsZero() && a.StartedBefore.IsZero() && a.LastSeenFrom.IsZero()
}

// whereAttributes adds a's conditions to a query on bot_users: tags and
// properties as EXISTS lookups on their primary keys.
func whereAttributes(q *bun.SelectQuery, botID string, a AudienceFilter) *bun.SelectQuery {
	// An uncorrelated IN (subquery) rather than EXISTS: SQLite then reads
	// the tag's users once from its index (bot_user_tags_tag_idx) instead
	// of probing each user it walks (a rare tag over 100,000 users: 209 ms
	// with EXISTS; see BenchmarkUsersAudienceFilters).
	const tagged = "?TableAlias.user_id IN (SELECT t.user_id FROM bot_user_tags t WHERE t.bot_id = ? AND t.tag = ?)"
	for _, t := range a.Tags {
		q = q.Where(tagged, botID, t)
	}
	for _, t := range a.NotTags {
		q = q.Where("NOT "+tagged, botID, t)
	}
	if a.Source != "" {
		q = q.Where("?TableAlias.source = ?", a.Source)
	}
	if a.Language != "" {
		q = q.Where("?TableAlias.language_code = ?", a.Language)
	}
	if !a.StartedFrom.IsZero() {
		q = q.Where("?TableAlias.started_at >= ?", a.StartedFrom.UTC())
	}
	if !a.StartedBefore.IsZero() {
		q = q.Where("?TableAlias.started_at < ?", a.StartedBefore.UTC())
	}
	if !a.LastSeenFrom.IsZero() {
		q = q.Where("?TableAlias.last_seen_at >= ?", a.LastSeenFrom.UTC())
	}
	names := make([]string, 0, len(a.Props))
	for name := range a.Props {
		names = append(names, name)
	}
	slices.Sort(names) // a stable query text
	for _, name := range names {
		q = q.Where("?TableAlias.user_id IN (SELECT p.user_id FROM bot_user_props p WHERE p.bot_id = ? AND p.name = ? AND p.value IN (?))",
			botID, name, bun.In(propValueForms(a.Props[name])))
	}
	return q
}

// propValueForms are the stored (JSON) forms a value typed as text may
// have: the string, and the number or boolean it reads as.
func propValueForms(s string) []string {
	out := []string{}
	if b, err := json.Marshal(s); err == nil {
		out = append(out, string(b))
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) {
		b, _ := json.Marshal(f)
		out = append(out, string(b))
	}
	if s == "true" || s == "false" {
		out = append(out, s)
	}
	return out
}

// whereBotUsers narrows a query on bot_users to one bot's users matching
// search and status.
//
// q is compared folded, in any language and case, with search_key (the
// folded first name, last name and username; models/search.go): a
// substring anywhere when it holds three characters or more, served on
// PostgreSQL by the trigram index on search_key; shorter, the start of a
// word (LIKE '% q%', whose word-start trigram the same index serves). A q
// made of digits also matches that exact user id (the primary key). LIKE
// wildcards in q match literally.
//
// The status conditions are spelled exactly as the partial indexes are
// (WHERE blocked, WHERE bot_blocked), so both dialects can use them.
func whereBotUsers(q *bun.SelectQuery, botID string, f BotUserFilter) *bun.SelectQuery {
	search, status := f.Q, f.Status
	q = whereAttributes(q.Where("?TableAlias.bot_id = ?", botID), botID, f.AudienceFilter)
	if f.IDs != nil {
		if len(f.IDs) == 0 {
			q = q.Where("1 = 0")
		} else {
			q = q.Where("?TableAlias.user_id IN (?)", bun.In(f.IDs))
		}
	}
	if f.Segment != nil {
		q = whereAttributes(q, botID, *f.Segment)
	}
	switch status {
	case UserStatusActive:
		q = q.Where("NOT blocked").Where("NOT bot_blocked")
	case UserStatusBlocked:
		q = q.Where("blocked")
	case UserStatusBotBlocked:
		q = q.Where("bot_blocked")
	case statusNotActive:
		q = q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("blocked").WhereOr("bot_blocked")
		})
	}
	if search != "" {
		id, idErr := strconv.ParseInt(search, 10, 64)
		// One or two letters or digits: the start of a word of the names or
		// username — what someone who has typed that much is after. Anything
		// longer (or with punctuation): a substring anywhere.
		q = q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			q = whereSearch(q, "search_key", search, shortWord(search))
			if idErr == nil && id > 0 {
				q = q.WhereOr("user_id = ?", id)
			}
			return q
		})
	}
	return q
}

// statusNotActive is the complement of active (blocked or botBlocked),
// used only to derive the active total from the bot's user counter.
const statusNotActive = "notActive"

// orderBotUsers sorts by sort, newest first by default. user_id breaks
// ties so pages never overlap.
func orderBotUsers(q *bun.SelectQuery, sort string) *bun.SelectQuery {
	switch sort {
	case "started":
		return q.Order("started_at ASC", "user_id ASC")
	case "lastSeen":
		return q.Order("last_seen_at ASC", "user_id ASC")
	case "-lastSeen":
		return q.Order("last_seen_at DESC", "user_id DESC")
	case "name":
		return q.Order("name ASC", "user_id ASC")
	default:
		return q.Order("started_at DESC", "user_id DESC")
	}
}

// ListBotUsers returns the window w of a bot's users matching f, and
// whether more follow (one row more than the window is read to know).
// plan says how PostgreSQL should find the rows (see Plan).
func ListBotUsers(ctx context.Context, db bun.IDB, botID string, f BotUserFilter, w Window, plan Plan) ([]BotUser, bool, error) {
	var users []BotUser
	err := withPlan(ctx, db, plan, func(db bun.IDB) error {
		q := whereBotUsers(db.NewSelect().Model(&users), botID, f)
		if plan == PlanFewMatches && sqldialect.IsPostgres(db) {
			// OFFSET 0 fences the matches off from the ORDER BY … LIMIT:
			// PostgreSQL collects them the cheapest way (probing the
			// primary key for each entry of a rare tag), then sorts them.
			q = db.NewSelect().Model(&users).ModelTableExpr("(? OFFSET 0) AS bot_user", q)
		}
		return orderBotUsers(q, f.Sort).Limit(int64(w.Limit + 1)).Offset(int64(w.Offset)).Scan(ctx)
	})
	if err != nil {
		return nil, false, wrap("list bot users", err)
	}
	more := len(users) > w.Limit
	if more {
		users = users[:w.Limit]
	}
	return users, more, nil
}

// CountBotUsersUpTo counts a bot's users matching q and status, but stops
// at limit+1: the answer is exact when it is at most limit, and otherwise
// means "more than limit". Counting is then bounded by limit rows however
// large the audience is.
//
// A search that the trigram indexes can serve is counted through them
// (PlanMatchesFirst): the cost is then bounded by the index entries and
// limit+1 rows, whatever the planner guesses about how common the
// substring is.
func CountBotUsersUpTo(ctx context.Context, db bun.IDB, botID string, f BotUserFilter, limit int) (int, error) {
	plan := PlanAuto
	if TrigramSearchable(f.Q) {
		plan = PlanMatchesFirst
	}
	var n int
	err := withPlan(ctx, db, plan, func(db bun.IDB) error {
		inner := whereBotUsers(db.NewSelect().Model((*BotUser)(nil)).ColumnExpr("1"), botID, f).Limit(int64(limit + 1))
		return db.NewSelect().TableExpr("(?) AS matching", inner).ColumnExpr("count(*)").Scan(ctx, &n)
	})
	return n, wrap("count bot users up to", err)
}

// Plan is how PostgreSQL should run a users search, for callers that know
// better than the planner. The planner estimates how many users a
// substring matches from column statistics, and the guess swings between
// ANALYZE runs: on a million users the same search was measured at 4 ms
// and, after an estimate flipped, 840 ms (walking the whole sort index
// for a few hundred matches). A capped count through the trigram indexes
// is cheap and exact, so core.List counts first and then picks the plan.
type Plan int

const (
	// PlanAuto leaves the plan to the planner.
	PlanAuto Plan = iota
	// PlanMatchesFirst collects the matches through bitmap index scans
	// (trigram, primary key, partial indexes) and sorts them: right when
	// they are few.
	PlanMatchesFirst
	// PlanOrderFirst walks the sort key's index and filters, stopping at
	// the end of the page: right when matches are many.
	PlanOrderFirst
	// PlanFewMatches collects every match, however the planner finds them
	// best, and sorts them: right when they are known to be few (a rare
	// tag's count from its counter). Left to itself the planner walked the
	// start order probing each user: for a tag on 1 user in 1,000, 220,000
	// users read to fill a page (0.4–0.9 s over a million users).
	PlanFewMatches
	// planProbe checks each entry of the walked index against the other
	// conditions by lookups (nested loops): counting from a rare set.
	planProbe
)

// withPlan runs fn with the planner settings of plan. The settings are
// transaction-local, so on PostgreSQL fn runs in a read-only transaction;
// SQLite has no such settings (and its transactions take the write lock
// here), so there fn runs as is.
func withPlan(ctx context.Context, db bun.IDB, plan Plan, fn func(bun.IDB) error) error {
	var settings string
	switch {
	case !sqldialect.IsPostgres(db):
	case plan == PlanMatchesFirst:
		settings = `SELECT set_config('enable_seqscan', 'off', true), set_config('enable_indexscan', 'off', true), set_config('enable_indexonlyscan', 'off', true)`
	case plan == planProbe:
		settings = `SELECT set_config('enable_hashjoin', 'off', true), set_config('enable_mergejoin', 'off', true), set_config('enable_seqscan', 'off', true)`
	case plan == PlanFewMatches:
		settings = `SELECT set_config('enable_seqscan', 'off', true)`
	case plan == PlanOrderFirst:
		settings = `SELECT set_config('enable_seqscan', 'off', true), set_config('enable_bitmapscan', 'off', true)`
	}
	if settings == "" {
		return fn(db)
	}
	return db.RunInTx(ctx, &sql.TxOptions{ReadOnly: true}, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, settings); err != nil {
			return err
		}
		return fn(tx)
	})
}

// shortWord reports whether search is one or two letters or digits: too
// short for trigrams, so it is matched as the start of a word instead.
// Scripts written without spaces (Chinese, Japanese, Thai…) have no word
// starts to match, so there a character is searched anywhere.
func shortWord(search string) bool {
	n := 0
	for _, r := range search {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) || unicode.In(r, spaceless...) {
			return false
		}
		n++
	}
	return n > 0 && n <= 2
}

var spaceless = []*unicode.RangeTable{unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Thai, unicode.Lao, unicode.Khmer, unicode.Myanmar}

// TrigramSearchable reports whether pg_trgm can look search up in its
// index: it needs a word of at least three letters or digits. Without
// one, the index would be read in full, and a scan is better.
func TrigramSearchable(search string) bool {
	run := 0
	for _, r := range search {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if run++; run >= 3 {
				return true
			}
		} else {
			run = 0
		}
	}
	return false
}

// CountNotActiveUpTo counts the bot's users who are blocked or block the
// bot, up to limit+1 like CountBotUsersUpTo. It reads only the two partial
// indexes, so it is cheap while such users are a minority.
func CountNotActiveUpTo(ctx context.Context, db bun.IDB, botID string, limit int) (int, error) {
	return CountBotUsersUpTo(ctx, db, botID, BotUserFilter{Status: statusNotActive}, limit)
}

// BotUsersByStart returns up to limit of the bot's users matching q and
// status, in start order (oldest first when asc), strictly after the
// cursor (nil: from the beginning). It is the keyset walk behind the CSV
// export: started_at never changes once a user is seen, so a walk lists
// every matching user exactly once even while users keep being active,
// and each batch is a short indexed query however far the walk is.
func BotUsersByStart(ctx context.Context, db bun.IDB, botID string, f BotUserFilter, asc bool, after *BotUserCursor, limit int) ([]BotUser, error) {
	var users []BotUser
	q := whereBotUsers(db.NewSelect().Model(&users), botID, f)
	if after != nil {
		// A row comparison: both planners seek the (bot_id, started_at)
		// index with it and check user_id on the few rows at the boundary.
		// (Adding a plain started_at bound makes SQLite 3.53 sort every
		// remaining row on each batch: an export grew quadratic.)
		op := "<"
		if asc {
			op = ">"
		}
		q = q.Where("(started_at, user_id) "+op+" (?, ?)", after.StartedAt, after.UserID)
	}
	sort := "-started"
	if asc {
		sort = "started"
	}
	err := orderBotUsers(q, sort).Limit(int64(limit)).Scan(ctx)
	return users, wrap("bot users by start", err)
}

// BotUserCursor is a position in a walk by start time.
type BotUserCursor struct {
	StartedAt time.Time
	UserID    int64
}

// CursorOf is the position just after u.
func CursorOf(u *BotUser) *BotUserCursor {
	return &BotUserCursor{StartedAt: u.StartedAt, UserID: u.UserID}
}
