package jobs

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/uptrace/bun"
	"golang.org/x/time/rate"

	"github.com/botdeck/botdeck/internal/core"
	"github.com/botdeck/botdeck/internal/outbox"
	"github.com/botdeck/botdeck/internal/telegram"
	"github.com/botdeck/botdeck/models"
)

// botSender sends the broadcasts of one bot while its instance holds the
// bot's lease: a feeder reads due recipients round-robin across the bot's
// running broadcasts and hands them to Workers goroutines, which all draw
// from the bot's one token bucket.
type botSender struct {
	b       *Broadcaster
	fence   models.Fence
	limiter *rate.Limiter
	jobs    chan job
	stop    context.CancelFunc

	mu         sync.Mutex
	floodUntil time.Time                 // a 429 holds every worker of the bot until then
	inflight   map[string]map[int64]bool // handed to a worker, not finished
	storms     map[string]*storm         // per broadcast
	logged     map[string]time.Time      // throttles repeated log entries
	token      string                    // decrypted once per round
	bot        *models.Bot

	uploading sync.Mutex // held while a file goes to Telegram as bytes, so it goes once
}

// job is one recipient of one broadcast.
type job struct {
	bc       *models.Broadcast
	userID   int64
	attempts int // made before this one
}

func newBotSender(b *Broadcaster, f models.Fence) *botSender {
	return &botSender{b: b, fence: f, limiter: rate.NewLimiter(rate.Limit(b.rate), 1), jobs: make(chan job),
		inflight: map[string]map[int64]bool{}, storms: map[string]*storm{}, logged: map[string]time.Time{}}
}

func (s *botSender) run(ctx context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s.stop = cancel
	defer func() {
		if !s.b.dead.Load() {
			rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer rcancel()
			if err := models.ReleaseBroadcastLease(rctx, s.b.db, s.fence.BotID, s.fence.Owner, s.fence.Epoch); err != nil {
				s.b.log.WarnContext(rctx, "broadcaster: release lease", "bot", s.fence.BotID, "err", err)
			}
		}
	}()

	// Rows still "sending" under an older epoch were in flight when their
	// sender stopped dead: they become unconfirmed, never sent again.
	if n, err := s.markInDoubt(ctx); err != nil {
		s.b.log.WarnContext(ctx, "broadcaster: resolve messages in doubt", "bot", s.fence.BotID, "err", err)
		return
	} else if n > 0 {
		s.writeLog(ctx, models.LogError, fmt.Sprintf("%d broadcast message(s) were being sent when Botdeck stopped unexpectedly. "+
			"They may or may not have arrived, so they are counted as unconfirmed and not sent again.", n), "")
	}

	var wg sync.WaitGroup
	wg.Go(func() { s.keepLease(ctx) })
	var workers sync.WaitGroup
	for range s.b.cfg.Workers {
		workers.Go(func() {
			for j := range s.jobs {
				s.process(ctx, j)
			}
		})
	}
	s.feed(ctx)
	close(s.jobs)
	workers.Wait()
	cancel()
	wg.Wait()
}

// keepLease renews the lease until ctx ends; losing it (or failing to
// renew it for a whole lease period) stops the sender.
func (s *botSender) keepLease(ctx context.Context) {
	every := s.b.cfg.Lease / 3
	t := time.NewTicker(every)
	defer t.Stop()
	last := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if s.b.dead.Load() {
			return
		}
		now := models.Now()
		held, err := models.RenewBroadcastLease(ctx, s.b.db, s.fence.BotID, s.fence.Owner, s.fence.Epoch, now.Add(s.b.cfg.Lease), now)
		switch {
		case err == nil && !held:
			s.b.log.InfoContext(ctx, "broadcaster: lease lost", "bot", s.fence.BotID)
			s.stop()
			return
		case err == nil:
			last = time.Now()
		case time.Since(last) > s.b.cfg.Lease-every:
			s.b.log.WarnContext(ctx, "broadcaster: cannot renew lease", "bot", s.fence.BotID, "err", err)
			s.stop()
			return
		}
	}
}

// feed hands due recipients to the workers until the bot has nothing left
// to send, it cannot send, or ctx ends.
func (s *botSender) feed(ctx context.Context) {
	cursors := map[string]int64{}
	for ctx.Err() == nil && !s.b.dead.Load() {
		now := models.Now()
		bot, err := models.BotByID(ctx, s.b.db, s.fence.BotID)
		if err != nil {
			s.idle(ctx, time.Second)
			continue
		}
		if !core.CanSend(bot) {
			s.haltForBot(ctx, bot)
			return
		}
		token, err := s.b.bots.Token(bot)
		if err != nil {
			s.b.log.ErrorContext(ctx, "broadcaster: token", "bot", bot.ID, "err", err)
			return
		}
		s.mu.Lock()
		s.token, s.bot = token, bot
		s.mu.Unlock()

		list, err := models.ActiveBroadcastsOfBot(ctx, s.b.db, bot.ID)
		if err != nil {
			s.idle(ctx, time.Second)
			continue
		}
		if len(list) == 0 {
			return
		}
		dispatched := 0
		wake := now.Add(s.b.cfg.IdleWait)
		for i := range list {
			bc := &list[i]
			if bc.Status == models.BroadcastQueued {
				if ok, err := models.StartBroadcast(ctx, s.b.db, bc.ID, now); err != nil || !ok {
					continue
				}
				bc.Status = models.BroadcastRunning
				s.b.feed.Changed(bc.ID)
			}
			cands, err := models.NextCandidates(ctx, s.b.db, bot.ID, bc.ID, cursors[bc.ID], s.b.cfg.Batch, now)
			if err != nil {
				continue
			}
			if len(cands) == 0 {
				if cursors[bc.ID] != 0 {
					cursors[bc.ID] = 0 // wrap around: retries that came due
					dispatched++       // look again at once
					continue
				}
				if s.inflightCount(bc.ID) > 0 {
					continue
				}
				if done, err := s.b.feed.Finish(ctx, bc.ID); err == nil && !done {
					if at, err := models.NextRetryAt(ctx, s.b.db, bc.ID); err == nil && at != nil && at.Before(wake) {
						wake = *at
					}
				}
				continue
			}
			for _, c := range cands {
				cursors[bc.ID] = c.UserID
				if c.Gone || c.Blocked || c.BotBlocked {
					dispatched++ // progress without a send: read on at once
				}
				switch {
				case c.Gone:
					s.settle(ctx, bc.ID, c.UserID, models.RecipientSkipped, //nolint:errcheck // retried next round
						"The user is no longer among the bot's users.")
				case c.Blocked:
					s.settle(ctx, bc.ID, c.UserID, models.RecipientSkipped, //nolint:errcheck
						"You blocked this user after the broadcast was queued.")
				case c.BotBlocked:
					s.settle(ctx, bc.ID, c.UserID, models.RecipientBlocked, //nolint:errcheck
						"The user blocked the bot after the broadcast was queued.")
				default:
					if !s.markInflight(bc.ID, c.UserID) {
						continue
					}
					select {
					case s.jobs <- job{bc: bc, userID: c.UserID, attempts: c.Attempts}:
						dispatched++
					case <-ctx.Done():
						s.finished(job{bc: bc, userID: c.UserID})
						return
					}
				}
			}
		}
		if dispatched == 0 {
			s.idle(ctx, time.Until(wake))
		}
	}
}

func (s *botSender) idle(ctx context.Context, d time.Duration) {
	d = min(max(d, 10*time.Millisecond), s.b.cfg.IdleWait)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

func (s *botSender) markInflight(bcID string, userID int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.inflight[bcID]
	if m == nil {
		m = map[int64]bool{}
		s.inflight[bcID] = m
	}
	if m[userID] {
		return false
	}
	m[userID] = true
	return true
}

func (s *botSender) finished(j job) {
	s.mu.Lock()
	delete(s.inflight[j.bc.ID], j.userID)
	s.mu.Unlock()
}

func (s *botSender) inflightCount(bcID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.inflight[bcID])
}

// haltForBot pauses (or, for a disconnected bot, fails) the bot's active
// broadcasts with a reason the owner sees.
func (s *botSender) haltForBot(ctx context.Context, bot *models.Bot) {
	status, reason := models.BroadcastPaused, "Paused because "+bot.Handle()+" was stopped. Start the bot, then resume."
	switch bot.Status {
	case models.BotError:
		reason = "Paused because Telegram rejects the token of " + bot.Handle() + " (was it revoked in @BotFather?). Reconnect the bot with its new token, then resume."
	case models.BotDeleted:
		status, reason = models.BroadcastFailed, "Stopped because "+bot.Handle()+" was disconnected."
	}
	halting, _ := models.ActiveBroadcastsOfBot(ctx, s.b.db, bot.ID) // only to tell their pages
	n, err := models.HaltBotBroadcasts(ctx, s.b.db, bot.ID, status, reason, models.Now())
	if err == nil && n > 0 {
		for _, bc := range halting {
			s.b.feed.Changed(bc.ID)
		}
		s.writeLog(ctx, models.LogError, reason, "")
	}
}

// waitTurn waits out a 429 of the bot, then for a token of its bucket.
func (s *botSender) waitTurn(ctx context.Context) error {
	s.mu.Lock()
	until := s.floodUntil
	s.mu.Unlock()
	if d := time.Until(until); d > 0 {
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
	if err := s.limiter.Wait(ctx); err != nil {
		return err
	}
	if s.b.gates != nil {
		return s.b.gates.Of(s.fence.BotID).Wait(ctx, outbox.PriorityBroadcast)
	}
	return nil
}

// process sends one recipient's message: wait for the bucket, claim, send,
// record. A recipient that cannot be claimed (paused, cancelled, lease
// lost, someone else's) is left alone.
func (s *botSender) process(ctx context.Context, j job) {
	defer s.finished(j)
	if ctx.Err() != nil || s.b.dead.Load() {
		return
	}
	if err := s.waitTurn(ctx); err != nil || s.b.dead.Load() {
		return
	}
	// From the claim on, the attempt is finished and recorded even if ctx
	// ends: a stop must never leave a message in doubt. (A claim cut short
	// by a cancelled context might have committed all the same.)
	dctx := context.WithoutCancel(ctx)
	cctx, cancel := context.WithTimeout(dctx, dbTimeout)
	claimed, err := models.ClaimRecipient(cctx, s.b.db, s.fence, j.bc.ID, j.userID)
	cancel()
	if err != nil {
		s.b.log.WarnContext(ctx, "broadcaster: claim", "broadcast", j.bc.ID, "err", err)
		// The claim may have committed before the error: give it back.
		s.release(dctx, j, nil, "", false)
		return
	}
	if !claimed {
		return
	}
	s.sendClaimed(ctx, dctx, j)
}

// dbTimeout bounds one write of the sender made after a stop was asked.
const dbTimeout = 10 * time.Second

// persist runs a write of the sender's checkpoint, retrying a few times:
// an outcome that is not written leaves its recipient in doubt.
func persist(ctx context.Context, write func(context.Context) error) error {
	var err error
	for try := range 3 {
		if try > 0 {
			time.Sleep(time.Duration(try) * 200 * time.Millisecond)
		}
		wctx, cancel := context.WithTimeout(ctx, dbTimeout)
		err = write(wctx)
		cancel()
		if err == nil {
			return nil
		}
	}
	return err
}

func (s *botSender) sendClaimed(ctx, dctx context.Context, j job) {
	bc := j.bc
	attempt := j.attempts + 1
	for {
		if s.b.beforeSend != nil && s.b.beforeSend(bc.ID, j.userID) {
			s.b.die()
			return
		}
		s.mu.Lock()
		token := s.token
		s.mu.Unlock()
		sctx, cancel := context.WithTimeout(dctx, s.b.cfg.SendTimeout)
		messageID, err := s.send(sctx, token, bc, j.userID)
		cancel()
		if s.b.afterSend != nil && s.b.afterSend(bc.ID, j.userID) {
			s.b.die()
			return
		}
		if s.b.dead.Load() {
			return
		}
		now := models.Now()
		kind := classify(err)
		switch kind {
		case outcomeSent:
			s.record(dctx, j, models.Outcome{Status: models.RecipientSent, MessageID: messageID}, now)
			s.observe(dctx, bc, true, nil)
			return

		case outcomeFlood:
			wait, _ := telegram.RetryAfter(err)
			wait = max(wait, time.Second)
			s.mu.Lock()
			if until := time.Now().Add(wait); until.After(s.floodUntil) {
				s.floodUntil = until
			}
			s.mu.Unlock()
			if s.b.gates != nil {
				s.b.gates.Of(s.fence.BotID).Hold(time.Now().Add(wait))
			}
			s.throttledLog(dctx, "flood", time.Minute, models.LogInfo,
				fmt.Sprintf("Telegram asked to slow down: waiting %s before sending the same message again.", wait), err)
			if s.waitTurn(ctx) != nil {
				s.release(dctx, j, nil, "stopped while waiting out Telegram's flood control", false)
				return
			}
			if ok, err := models.BroadcastStillRunning(dctx, s.b.db, s.fence, bc.ID); err != nil || !ok {
				s.release(dctx, j, nil, "", false)
				return
			}
			continue // the same message again: Telegram did not send it

		case outcomeBlocked:
			s.record(dctx, j, models.Outcome{Status: models.RecipientBlocked, Error: describe(err)}, now)
			if err := models.SetBotBlocked(dctx, s.b.db, bc.BotID, j.userID, true, now); err != nil {
				s.b.log.WarnContext(dctx, "broadcaster: mark user bot-blocked", "bot", bc.BotID, "err", err)
			}
			s.observe(dctx, bc, true, nil)
			return

		case outcomeUnauthorized:
			s.release(dctx, j, nil, describe(err), false)
			s.mu.Lock()
			var bot models.Bot
			if s.bot != nil {
				bot = *s.bot
			}
			s.mu.Unlock()
			if bot.ID != "" {
				s.b.bots.NoteTelegramError(dctx, &bot, err)
				bot.Status = models.BotError
				s.haltForBot(dctx, &bot)
			}
			s.stop()
			return

		case outcomeRetry:
			if attempt >= s.b.cfg.MaxAttempts {
				s.record(dctx, j, models.Outcome{Status: models.RecipientFailed, Error: describe(err)}, now)
				s.writeLog(dctx, models.LogError, fmt.Sprintf("A broadcast message to user %d failed after %d attempts.", j.userID, attempt), describe(err))
			} else {
				retryAt := now.Add(s.backoff(attempt))
				s.release(dctx, j, &retryAt, describe(err), true)
				s.throttledLog(dctx, "retry:"+bc.ID, 30*time.Second, models.LogError,
					fmt.Sprintf("Sending a broadcast message failed (attempt %d of %d); Botdeck retries it later.", attempt, s.b.cfg.MaxAttempts), err)
			}
			s.observe(dctx, bc, false, err)
			return

		case outcomeUnknown:
			s.record(dctx, j, models.Outcome{Status: models.RecipientUnconfirmed,
				Error: "No answer from Telegram (" + describe(err) + "); the message may have arrived, so it is not sent again."}, now)
			s.writeLog(dctx, models.LogError, fmt.Sprintf("No answer from Telegram to a broadcast message for user %d: it may or may not have arrived, "+
				"so it is counted as unconfirmed and not sent again.", j.userID), describe(err))
			s.observe(dctx, bc, false, err)
			return

		default: // outcomeFailed: Telegram refused this message for good
			s.record(dctx, j, models.Outcome{Status: models.RecipientFailed, Error: describe(err)}, now)
			s.writeLog(dctx, models.LogError, fmt.Sprintf("Telegram refused a broadcast message for user %d.", j.userID), describe(err))
			s.observe(dctx, bc, false, err)
			return
		}
	}
}

// settle gives a pending recipient a final status without a message
// (models.SettleWithoutSending), in its own transaction.
func (s *botSender) settle(ctx context.Context, broadcastID string, userID int64, status, reason string) error {
	defer s.b.feed.Changed(broadcastID)
	return s.b.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		_, err := models.SettleWithoutSending(ctx, tx, s.fence, broadcastID, userID, status, reason, models.Now())
		return err
	})
}

// markInDoubt makes the recipients an older lease holder left "sending"
// unconfirmed (models.MarkInDoubt), one transaction per broadcast, and
// returns how many it marked.
func (s *botSender) markInDoubt(ctx context.Context) (int64, error) {
	ids, err := models.BroadcastsInDoubt(ctx, s.b.db, s.fence.BotID, s.fence.Epoch)
	if err != nil {
		return 0, err
	}
	var total int64
	now := models.Now()
	for _, id := range ids {
		err := s.b.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			n, err := models.MarkInDoubt(ctx, tx, id, s.fence.Epoch, now)
			total += n
			return err
		})
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

func (s *botSender) backoff(attempt int) time.Duration {
	d := s.b.cfg.Backoff << min(attempt-1, 16)
	return min(d, s.b.cfg.MaxBackoff)
}

func (s *botSender) record(ctx context.Context, j job, o models.Outcome, now time.Time) {
	defer s.b.feed.Changed(j.bc.ID)
	if err := persist(ctx, func(ctx context.Context) error {
		return s.b.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			applied, err := models.RecordOutcome(ctx, tx, s.fence, j.bc.ID, j.userID, o, now)
			if err != nil || !applied {
				return err
			}
			return s.b.feed.RecordDelivery(ctx, tx, j.bc, j.userID, o)
		})
	}); err != nil {
		// The row stays "sending": the next lease holder will count it
		// unconfirmed. Nothing is sent twice.
		s.b.log.ErrorContext(ctx, "broadcaster: record outcome", "broadcast", j.bc.ID, "user", j.userID, "status", o.Status, "err", err)
	}
}

func (s *botSender) release(ctx context.Context, j job, retryAt *time.Time, reason string, counted bool) {
	if err := persist(ctx, func(ctx context.Context) error {
		return models.ReleaseRecipient(ctx, s.b.db, s.fence, j.bc.ID, j.userID, retryAt, reason, counted)
	}); err != nil {
		s.b.log.ErrorContext(ctx, "broadcaster: release recipient", "broadcast", j.bc.ID, "user", j.userID, "err", err)
	}
}

// observe feeds the broadcast's error-storm detector; a storm pauses the
// broadcast with the reason.
func (s *botSender) observe(ctx context.Context, bc *models.Broadcast, ok bool, err error) {
	s.mu.Lock()
	st := s.storms[bc.ID]
	if st == nil {
		st = newStorm(s.b.cfg.StormWindow)
		s.storms[bc.ID] = st
	}
	failures, window, raging := st.add(ok)
	if raging {
		st.reset()
	}
	s.mu.Unlock()
	if !raging {
		return
	}
	reason := fmt.Sprintf("Paused by Botdeck: %d of the last %d messages failed. Last error: %s Check the bot's log, then resume.",
		failures, window, telegram.Explain(err))
	if paused, perr := s.b.feed.Stop(ctx, bc.ID, models.BroadcastPaused, reason); perr == nil && paused {
		s.writeLog(ctx, models.LogError, reason, "")
	}
}

func (s *botSender) writeLog(ctx context.Context, level, msg, detail string) {
	if err := models.InsertLogs(ctx, s.b.db, &models.BotLog{BotID: s.fence.BotID, Level: level, Source: models.SourceBroadcast,
		Message: msg, Detail: detail}); err != nil {
		s.b.log.WarnContext(ctx, "broadcaster: write bot log", "bot", s.fence.BotID, "err", err)
	}
}

// throttledLog writes at most one entry per key and period.
func (s *botSender) throttledLog(ctx context.Context, key string, every time.Duration, level, msg string, err error) {
	s.mu.Lock()
	last, seen := s.logged[key]
	if seen && time.Since(last) < every {
		s.mu.Unlock()
		return
	}
	s.logged[key] = time.Now()
	s.mu.Unlock()
	s.writeLog(ctx, level, msg, describe(err))
}

// describe is Telegram's words for a failure (never the token).
func describe(err error) string {
	if err == nil {
		return ""
	}
	var te *telegram.Error
	if errors.As(err, &te) {
		if te.Code == 0 {
			return "network error: " + te.Description
		}
		return fmt.Sprintf("%d %s", te.Code, te.Description)
	}
	return err.Error()
}
