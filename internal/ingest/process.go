package ingest

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/models"
)

// maxAttempts is how often an update's processing may fail (with the
// database up) before it is marked processed with an error in the bot's
// log: a poison update must not be retried forever.
const maxAttempts = 3

// processBatch processes updates grouped by bot, one transaction per bot.
func (p *Pipeline) processBatch(ctx context.Context, batch []pending) {
	byBot := map[string][]pending{}
	for _, it := range batch {
		byBot[it.botID] = append(byBot[it.botID], it)
	}
	for botID, items := range byBot {
		sort.Slice(items, func(i, j int) bool { return items[i].id < items[j].id })
		p.processBot(ctx, botID, items)
	}
}

// processBot applies one bot's items (in update_id order) and reports
// whether every one of them is settled: processed, or given up on as
// poison. When one cannot be processed yet, the ones after it are left for
// the sweeper too, so they are never applied before it: a block must not
// overtake the unblock that preceded it.
func (p *Pipeline) processBot(ctx context.Context, botID string, items []pending) bool {
	start := time.Now()
	var applied []*Event
	err := p.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		applied = nil // a retried transaction starts over
		return p.apply(ctx, tx, botID, items, &applied)
	})
	p.metrics.batchSeconds.Observe(time.Since(start).Seconds())
	if err == nil {
		p.metrics.processed.Add(float64(len(items)))
		p.forget(items)
		for _, ev := range applied {
			for _, fn := range ev.afterCommit {
				fn(ctx)
			}
		}
		return true
	}
	if len(items) > 1 {
		// One bad update must not hold back the rest: retry one by one.
		for _, it := range items {
			if !p.processBot(ctx, botID, []pending{it}) {
				return false
			}
		}
		return true
	}
	it := items[0]
	if pingErr := p.db.PingContext(ctx); pingErr != nil {
		// The database is unavailable: not the update's fault. The sweeper
		// retries once it is back; nothing is counted against the update.
		p.log.WarnContext(ctx, "process update: database unavailable", "bot", botID, "update", it.id, "err", err)
		return false
	}
	if p.recordFailure(it) >= maxAttempts {
		p.poison(ctx, it, err)
		return true
	}
	p.log.WarnContext(ctx, "process update", "bot", botID, "update", it.id, "err", err)
	return false
}

// batchUser gathers what one batch says about one user.
type batchUser struct {
	profile *models.BotUser      // newest profile seen, with first date as StartedAt
	days    map[string]time.Time // days active in this batch → latest time that day
}

// apply processes one bot's items inside tx with set-based statements: one
// claim, one bulk insert of new users, two statements per day for
// activity, and per-event statements only for rare events (blocks, chats,
// profile changes, hooks). A batch of hundreds of updates costs a handful of
// round trips.
func (p *Pipeline) apply(ctx context.Context, tx bun.Tx, botID string, items []pending, applied *[]*Event) error {
	now := models.Now()
	ids := make([]int64, len(items))
	for i, it := range items {
		ids[i] = it.id
	}
	// Within an instance a bot belongs to one worker; across instances this
	// lock keeps two of them from applying the same bot's updates at once.
	if err := models.LockBotProcessing(ctx, tx, botID); err != nil {
		return err
	}
	claimedIDs, err := models.ClaimUpdates(ctx, tx, botID, ids, now)
	if err != nil {
		return err
	}
	claimed := make(map[int64]bool, len(claimedIDs))
	for _, id := range claimedIDs {
		claimed[id] = true
	}

	days := map[string]*models.BotDay{}
	dayOf := func(day string) *models.BotDay {
		d := days[day]
		if d == nil {
			d = &models.BotDay{BotID: botID, Day: day}
			days[day] = d
		}
		return d
	}
	kinds := map[string]int64{}
	users := map[int64]*batchUser{}
	var userOrder []int64
	var events []*Event
	var lastUpdate time.Time

	for _, it := range items {
		if !claimed[it.id] {
			continue // another processor has it
		}
		u, err := it.decode()
		if err != nil {
			return err
		}
		date := u.Date()
		if date.IsZero() || date.After(now.Add(time.Minute)) {
			date = it.receivedAt
		}
		day := models.Day(date)
		dayOf(day).Updates++
		kinds[u.Kind]++
		if date.After(lastUpdate) {
			lastUpdate = date
		}
		eff := effectsOf(u)
		if tu := eff.User; tu != nil {
			bu := users[tu.ID]
			if bu == nil {
				bu = &batchUser{days: map[string]time.Time{}}
				users[tu.ID] = bu
				userOrder = append(userOrder, tu.ID)
			}
			if bu.profile == nil || !date.Before(bu.profile.LastSeenAt) {
				started := date
				if bu.profile != nil {
					started = bu.profile.StartedAt
				}
				bu.profile = &models.BotUser{BotID: botID, UserID: tu.ID, Username: tu.Username, FirstName: tu.FirstName,
					LastName: tu.LastName, Name: models.FullName(tu.FirstName, tu.LastName), LanguageCode: tu.LanguageCode,
					IsPremium: tu.IsPremium, StartedAt: started, LastSeenAt: date}
			}
			if date.Before(bu.profile.StartedAt) {
				bu.profile.StartedAt = date
			}
			if date.After(bu.days[day]) {
				bu.days[day] = date
			}
		}
		events = append(events, &Event{BotID: botID, Update: u, Effects: eff, Date: date})
	}
	if len(events) == 0 {
		return nil
	}

	inserted, err := p.applyUsers(ctx, tx, botID, users, userOrder, dayOf)
	if err != nil {
		return err
	}
	newUsers := int64(len(inserted))
	for _, ev := range events {
		if u := ev.Effects.User; u != nil && inserted[u.ID] {
			ev.NewUser = true
			delete(inserted, u.ID) // the user's first event only
		}
	}
	// Rare per-event effects, in update order, after users exist.
	for _, ev := range events {
		if b := ev.Effects.BotBlocked; b != nil {
			if err := models.SetBotBlocked(ctx, tx, botID, ev.Effects.User.ID, *b, ev.Date); err != nil {
				return err
			}
		}
		if c := ev.Effects.Chat; c != nil {
			err := models.UpsertBotChat(ctx, tx, &models.BotChat{BotID: botID, ChatID: c.ChatID, Type: c.Type, Title: c.Title,
				Username: c.Username, Status: c.Status, CanInviteUsers: c.CanInviteUsers, UpdatedAt: ev.Date})
			if err != nil {
				return err
			}
		}
		if m := ev.Effects.Migration; m != nil && m.From != m.To {
			if err := models.MigrateChat(ctx, tx, botID, m.From, m.To, m.Title); err != nil {
				return err
			}
		}
		for _, h := range p.hooks {
			if err := h.Handle(ctx, tx, ev); err != nil {
				return fmt.Errorf("hook: %w", err)
			}
		}
	}
	for _, h := range p.batched {
		if err := h.HandleBatch(ctx, tx, botID, events); err != nil {
			return fmt.Errorf("batch hook: %w", err)
		}
	}
	*applied = events
	for _, d := range days {
		if err := models.AddToDay(ctx, tx, d); err != nil {
			return err
		}
	}
	if err := p.logMalformed(ctx, tx, botID, events); err != nil {
		return err
	}
	if err := models.AddUpdateKinds(ctx, tx, botID, kinds); err != nil {
		return err
	}
	return models.AddBotUsersAndSeen(ctx, tx, botID, newUsers, lastUpdate)
}

// applyUsers records the batch's users: new ones inserted (and counted new
// and active on their days), known ones marked active on days they had not
// been seen yet, last_seen_at moved forward, changed profiles saved. It
// returns the ids of the users it added.
func (p *Pipeline) applyUsers(ctx context.Context, tx bun.Tx, botID string, users map[int64]*batchUser, order []int64,
	dayOf func(string) *models.BotDay) (map[int64]bool, error) {
	if len(order) == 0 {
		return nil, nil
	}
	known, err := models.BotUsersByIDs(ctx, tx, botID, order)
	if err != nil {
		return nil, err
	}
	var fresh []*models.BotUser
	for _, id := range order {
		if known[id] == nil {
			fresh = append(fresh, users[id].profile)
		}
	}
	insertedIDs, err := models.InsertBotUsersIfNew(ctx, tx, fresh)
	if err != nil {
		return nil, err
	}
	inserted := make(map[int64]bool, len(insertedIDs))
	activeOn := map[string][]int64{} // first activity per day, for unique actives over a period
	for _, id := range insertedIDs {
		inserted[id] = true
		bu := users[id]
		dayOf(models.Day(bu.profile.StartedAt)).NewUsers++
		for day := range bu.days {
			dayOf(day).ActiveUsers++ // a new user was not active before
			activeOn[day] = append(activeOn[day], id)
		}
	}
	// Everyone else (known before, or inserted by a concurrent processor):
	// first activity per day is decided by the database, atomically.
	byDay := map[string][]int64{}
	latest := map[string]time.Time{}
	for _, id := range order {
		if inserted[id] {
			continue
		}
		for day, seen := range users[id].days {
			byDay[day] = append(byDay[day], id)
			if seen.After(latest[day]) {
				latest[day] = seen
			}
		}
	}
	for day, ids := range byDay {
		marked, err := models.MarkActiveOn(ctx, tx, botID, ids, dayStartOf(day), latest[day])
		if err != nil {
			return nil, err
		}
		dayOf(day).ActiveUsers += int64(len(marked))
		activeOn[day] = append(activeOn[day], marked...)
		if err := models.TouchBotUsers(ctx, tx, botID, ids, latest[day]); err != nil {
			return nil, err
		}
	}
	for day, ids := range activeOn {
		if err := models.RecordActiveDay(ctx, tx, botID, day, ids); err != nil {
			return nil, err
		}
	}
	for id, prev := range known {
		if cur := users[id].profile; !prev.SameProfile(cur) {
			if err := models.UpdateBotUserProfile(ctx, tx, cur); err != nil {
				return nil, err
			}
		}
	}
	return inserted, nil
}

func dayStartOf(day string) time.Time {
	t, _ := time.Parse(time.DateOnly, day)
	return t.UTC()
}

func (p *Pipeline) recordFailure(it pending) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	k := models.UpdateKey{BotID: it.botID, UpdateID: it.id}
	p.failures[k]++
	return p.failures[k]
}

func (p *Pipeline) forget(items []pending) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.failures) == 0 {
		return
	}
	for _, it := range items {
		delete(p.failures, models.UpdateKey{BotID: it.botID, UpdateID: it.id})
	}
}

// poison marks an update that cannot be processed as done, with an error in
// the bot's log and the day's error count, so it is not retried forever.
func (p *Pipeline) poison(ctx context.Context, it pending, cause error) {
	p.metrics.poisoned.Inc()
	err := p.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		now := models.Now()
		claimed, err := models.ClaimUpdates(ctx, tx, it.botID, []int64{it.id}, now)
		if err != nil || len(claimed) == 0 {
			return err
		}
		if err := models.AddToDay(ctx, tx, &models.BotDay{BotID: it.botID, Day: models.Day(now), Updates: 1, Errors: 1}); err != nil {
			return err
		}
		return models.InsertLogs(ctx, tx, &models.BotLog{BotID: it.botID, Level: models.LogError, Source: models.SourceIngest,
			Message: fmt.Sprintf("Update %d (%s) could not be processed and was skipped.", it.id, it.kind),
			Detail:  cause.Error()})
	})
	if err != nil {
		p.log.ErrorContext(ctx, "mark poisoned update", "bot", it.botID, "update", it.id, "err", err)
	}
	p.forget([]pending{it})
}

// logMalformed says, once per kind per bot, that updates of a kind the Bot
// API types describe could not be read (they are kept as malformed_<kind>
// and count in the stats, but nothing else happens with them): in the
// bot's log for its owner and in the server log. "Once" is the first time
// the kind is counted for the bot, so it runs before AddUpdateKinds.
func (p *Pipeline) logMalformed(ctx context.Context, tx bun.Tx, botID string, events []*Event) error {
	seen := map[string]bool{}
	for _, ev := range events {
		u := ev.Update
		if u.Malformed == "" || seen[u.Kind] {
			continue
		}
		seen[u.Kind] = true
		known, err := models.UpdateKindCounted(ctx, tx, botID, u.Kind)
		if err != nil {
			return err
		}
		if known {
			continue
		}
		kind := strings.TrimPrefix(u.Kind, "malformed_")
		p.log.WarnContext(ctx, "update not readable", "bot", botID, "update", u.ID, "kind", kind, "err", u.Malformed)
		err = models.InsertLogs(ctx, tx, &models.BotLog{BotID: botID, Level: models.LogError, Source: models.SourceIngest,
			Message: fmt.Sprintf("An update of type %s (update %d) could not be read; it and later ones like it are counted as %s and otherwise ignored.", kind, u.ID, u.Kind),
			Detail:  u.Malformed, CreatedAt: ev.Date})
		if err != nil {
			return err
		}
	}
	return nil
}
