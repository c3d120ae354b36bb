package outbox

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/botdeck/botdeck/internal/telegram"
	"github.com/botdeck/botdeck/models"
)

// botRun sends one bot's outbox while this instance holds the bot's lease:
// a dispatcher claims due messages (by priority, then age), one slot of
// the bot's gate each, and hands them to Workers goroutines. A chat has at
// most one call in flight (its messages arrive in order) and its own pace.
type botRun struct {
	o      *Outbox
	botID  string
	epoch  int64
	gate   *Gate
	cancel context.CancelFunc
	wake   chan bool // true: something was just queued

	mu     sync.Mutex
	chats  map[int64]*chatPace
	bot    *models.Bot
	token  string
	loaded time.Time
	logged map[string]time.Time // throttles repeated log entries
}

// chatPace is a token bucket per chat, and whether a call to it is out.
type chatPace struct {
	inflight bool
	tokens   float64
	last     time.Time
}

func newBotRun(o *Outbox, botID string, epoch int64) *botRun {
	return &botRun{o: o, botID: botID, epoch: epoch, gate: o.gates.Of(botID), wake: make(chan bool, 1),
		chats: map[int64]*chatPace{}, logged: map[string]time.Time{}}
}

func (r *botRun) poke(woken bool) {
	select {
	case r.wake <- woken:
	default:
	}
}

func (r *botRun) run(ctx context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer func() {
		{
			rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer rcancel()
			if err := models.ReleaseOutboxLease(rctx, r.o.db, r.botID, r.o.instance, r.epoch); err != nil {
				r.o.log.WarnContext(rctx, "outbox: release lease", "bot", r.botID, "err", err)
			}
		}
	}()
	// Messages still "sending" under an older epoch were out when their
	// sender stopped dead: unconfirmed, never sent again.
	if n, err := models.MarkOutboxInDoubt(ctx, r.o.db, r.botID, r.epoch, models.Now()); err != nil {
		r.o.log.WarnContext(ctx, "outbox: resolve messages in doubt", "bot", r.botID, "err", err)
		return
	} else if n > 0 {
		r.writeLog(ctx, models.LogError, fmt.Sprintf("%d message(s) were being sent when Botdeck stopped unexpectedly. "+
			"They may or may not have arrived, so they are not sent again.", n), "")
	}
	var wg sync.WaitGroup
	wg.Go(func() { r.keepLease(ctx, cancel) })
	jobs := make(chan *models.OutboxMessage)
	var workers sync.WaitGroup
	for range r.o.cfg.Workers {
		workers.Go(func() {
			for m := range jobs {
				r.send(ctx, m)
			}
		})
	}
	r.dispatch(ctx, jobs)
	close(jobs)
	workers.Wait()
	cancel()
	wg.Wait()
}

// keepLease renews the lease until ctx ends; losing it (or failing to
// renew it for most of a lease period) stops the run.
func (r *botRun) keepLease(ctx context.Context, stop context.CancelFunc) {
	every := r.o.cfg.Lease / 3
	t := time.NewTicker(every)
	defer t.Stop()
	last := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := models.Now()
		held, err := models.RenewOutboxLease(ctx, r.o.db, r.botID, r.o.instance, r.epoch, now.Add(r.o.cfg.Lease), now)
		switch {
		case err == nil && !held:
			r.o.log.InfoContext(ctx, "outbox: lease lost", "bot", r.botID)
			stop()
			return
		case err == nil:
			last = time.Now()
		case time.Since(last) > r.o.cfg.Lease-every:
			r.o.log.WarnContext(ctx, "outbox: cannot renew lease", "bot", r.botID, "err", err)
			stop()
			return
		}
	}
}

// fastRetries are the waits after a wake-up that found nothing: the
// message was queued in a transaction that had not committed yet.
var fastRetries = []time.Duration{2 * time.Millisecond, 5 * time.Millisecond, 10 * time.Millisecond,
	20 * time.Millisecond, 40 * time.Millisecond, 80 * time.Millisecond, 160 * time.Millisecond}

// dispatch claims due messages and hands them to the workers until the bot
// has had nothing to send for IdleRelease, cannot send, or ctx ends.
func (r *botRun) dispatch(ctx context.Context, jobs chan<- *models.OutboxMessage) {
	idleSince := time.Now()
	retry := len(fastRetries) // no wake-up pending
	for ctx.Err() == nil {
		if !r.refreshBot(ctx) {
			return
		}
		now := models.Now()
		skip, chatReady := r.busyChats(time.Now())
		next, err := models.NextOutbox(ctx, r.o.db, r.botID, now, skip)
		if err != nil {
			if !r.sleep(ctx, time.Second, &retry) {
				return
			}
			continue
		}
		if next == nil {
			wait := r.o.cfg.IdleRelease
			if retry < len(fastRetries) {
				wait = fastRetries[retry]
				retry++
			}
			if at, err := models.NextOutboxDueAt(ctx, r.o.db, r.botID); err == nil && at != nil {
				// Queued messages: due later, or due now for chats that
				// are busy (a call in flight pokes when it ends).
				idleSince = time.Now()
				if at.After(now) {
					wait = min(wait, max(time.Until(*at), time.Millisecond))
				}
			}
			if !chatReady.IsZero() {
				wait = min(wait, max(time.Until(chatReady), time.Millisecond))
				idleSince = time.Now()
			}
			if r.inflight() > 0 {
				idleSince = time.Now()
			}
			if time.Since(idleSince) >= r.o.cfg.IdleRelease && retry >= len(fastRetries) {
				return
			}
			if !r.sleep(ctx, wait, &retry) {
				return
			}
			continue
		}
		idleSince = time.Now()
		if err := r.gate.Wait(ctx, next.Priority); err != nil {
			return
		}
		skip, _ = r.busyChats(time.Now())
		m, err := models.ClaimOutbox(ctx, r.o.db, r.botID, r.o.instance, r.epoch, models.Now(), skip)
		if err != nil || m == nil {
			continue
		}
		r.took(m)
		select {
		case jobs <- m:
		case <-ctx.Done():
			// Claimed but never sent: give it back.
			r.finish(context.WithoutCancel(ctx), m, models.OutboxOutcome{Status: models.OutboxQueued, NotBefore: models.Now(), Uncount: true})
			return
		}
	}
}

// drain sends the bot's due messages one by one (SendDue) and returns how
// many calls it made.
func (r *botRun) drain(ctx context.Context) int {
	if _, err := models.MarkOutboxInDoubt(ctx, r.o.db, r.botID, r.epoch, models.Now()); err != nil {
		return 0
	}
	n := 0
	for ctx.Err() == nil && r.refreshBot(ctx) {
		skip, _ := r.busyChats(time.Now())
		next, err := models.NextOutbox(ctx, r.o.db, r.botID, models.Now(), skip)
		if err != nil || next == nil {
			return n
		}
		if r.gate.Wait(ctx, next.Priority) != nil {
			return n
		}
		m, err := models.ClaimOutbox(ctx, r.o.db, r.botID, r.o.instance, r.epoch, models.Now(), skip)
		if err != nil || m == nil {
			return n
		}
		r.took(m)
		r.send(ctx, m)
		n++
	}
	return n
}

// sleep waits d or until poked; a poke for a new message restarts the
// quick looks.
func (r *botRun) sleep(ctx context.Context, d time.Duration, retry *int) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case woken := <-r.wake:
		if woken {
			*retry = 0
		}
	case <-t.C:
	}
	return true
}

// refreshBot reloads the bot every few seconds; a bot that cannot send
// (stopped, token revoked, disconnected) fails its queued messages and
// ends the run.
func (r *botRun) refreshBot(ctx context.Context) bool {
	r.mu.Lock()
	fresh := r.bot != nil && time.Since(r.loaded) < 2*time.Second
	r.mu.Unlock()
	if fresh {
		return true
	}
	bot, err := models.BotByID(ctx, r.o.db, r.botID)
	if err != nil {
		return false
	}
	if bot.Status != models.BotActive && bot.Status != models.BotWarning {
		reason := "Not sent: " + bot.Handle() + " was stopped."
		switch bot.Status {
		case models.BotError:
			reason = "Not sent: Telegram rejects the token of " + bot.Handle() + "."
		case models.BotDeleted:
			reason = "Not sent: " + bot.Handle() + " was disconnected."
		}
		if failed, err := models.FailQueuedOutbox(ctx, r.o.db, r.botID, reason, models.Now()); err == nil && len(failed) > 0 {
			r.writeLog(ctx, models.LogError, fmt.Sprintf("%d queued message(s) were dropped. %s", len(failed), reason), "")
			for i := range failed {
				r.observe(ctx, &failed[i])
			}
		}
		return false
	}
	token, err := r.o.bots.Token(bot)
	if err != nil {
		r.o.log.ErrorContext(ctx, "outbox: token", "bot", bot.ID, "err", err)
		return false
	}
	r.mu.Lock()
	r.bot, r.token, r.loaded = bot, token, time.Now()
	r.mu.Unlock()
	return true
}

// busyChats lists chats that must not get a message now (one in flight,
// or their pace used up) and when the first of the paced ones frees up.
func (r *botRun) busyChats(now time.Time) ([]int64, time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var skip []int64
	var ready time.Time
	for id, c := range r.chats {
		rate := r.o.cfg.ChatRate
		if id < 0 {
			rate = r.o.cfg.GroupRate
		}
		c.tokens = min(r.o.cfg.ChatBurst, c.tokens+now.Sub(c.last).Seconds()*rate)
		c.last = now
		switch {
		case c.inflight:
			skip = append(skip, id)
		case c.tokens < 1:
			skip = append(skip, id)
			at := now.Add(time.Duration((1 - c.tokens) / rate * float64(time.Second)))
			if ready.IsZero() || at.Before(ready) {
				ready = at
			}
		case c.tokens >= r.o.cfg.ChatBurst:
			delete(r.chats, id) // rested: forget it
		}
	}
	return skip, ready
}

func (r *botRun) took(m *models.OutboxMessage) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.chats[m.ChatID]
	if c == nil {
		c = &chatPace{tokens: r.o.cfg.ChatBurst, last: time.Now()}
		r.chats[m.ChatID] = c
	}
	c.inflight = true
	if isChatMessage(m.Method) {
		c.tokens--
	}
}

func (r *botRun) done(m *models.OutboxMessage) {
	r.mu.Lock()
	if c := r.chats[m.ChatID]; c != nil {
		c.inflight = false
	}
	r.mu.Unlock()
	r.poke(false)
}

func (r *botRun) inflight() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, c := range r.chats {
		if c.inflight {
			n++
		}
	}
	return n
}

// send makes the call of a claimed message and records the outcome. From
// the claim on it runs to the end even if ctx ends, so a stop never leaves
// a message in doubt (a hard crash does; see doc.go).
func (r *botRun) send(ctx context.Context, m *models.OutboxMessage) {
	defer r.done(m)
	dctx := context.WithoutCancel(ctx)
	r.mu.Lock()
	token, bot := r.token, r.bot
	r.mu.Unlock()
	if m.ExpiresAt != nil && time.Now().After(*m.ExpiresAt) {
		r.finish(dctx, m, models.OutboxOutcome{Status: models.OutboxFailed, Error: TooLate})
		return
	}
	var params map[string]any
	if err := json.Unmarshal([]byte(m.Params), &params); err != nil {
		r.finish(dctx, m, models.OutboxOutcome{Status: models.OutboxFailed, Error: "unreadable parameters: " + err.Error()})
		return
	}
	sctx, cancel := context.WithTimeout(dctx, r.o.cfg.SendTimeout)
	result, err := r.call(sctx, token, m, params)
	cancel()
	now := models.Now()
	switch classify(err) {
	case outcomeSent:
		r.rememberFile(dctx, m, result) // first: observers (the conversation record) read the file id
		r.finish(dctx, m, models.OutboxOutcome{Status: models.OutboxSent, MessageID: messageID(result)})
	case outcomeFlood:
		wait, _ := telegram.RetryAfter(err)
		wait = max(wait, time.Second)
		r.gate.Hold(time.Now().Add(wait))
		r.finish(dctx, m, models.OutboxOutcome{Status: models.OutboxQueued, NotBefore: now.Add(wait), Uncount: true, Error: describe(err)})
		r.throttledLog(dctx, "flood", models.LogInfo, fmt.Sprintf("Telegram asked to slow down: waiting %s before sending again.", wait), err)
	case outcomeBlocked:
		r.finish(dctx, m, models.OutboxOutcome{Status: models.OutboxFailed, Error: describe(err)})
		if m.ChatID > 0 {
			if err := models.SetBotBlocked(dctx, r.o.db, r.botID, m.ChatID, true, now); err != nil {
				r.o.log.WarnContext(dctx, "outbox: mark user bot-blocked", "bot", r.botID, "err", err)
			}
		}
	case outcomeUnauthorized:
		r.finish(dctx, m, models.OutboxOutcome{Status: models.OutboxFailed, Error: describe(err)})
		if bot != nil {
			r.o.bots.NoteTelegramError(dctx, bot, err)
		}
		r.mu.Lock()
		r.loaded = time.Time{} // read the bot again: it is in error now
		r.mu.Unlock()
	case outcomeRetry:
		if m.Attempts >= r.o.cfg.MaxAttempts {
			r.finish(dctx, m, models.OutboxOutcome{Status: models.OutboxFailed, Error: describe(err)})
			r.writeLog(dctx, models.LogError, fmt.Sprintf("A message (%s) to chat %d failed after %d attempts.", m.Origin, m.ChatID, m.Attempts), describe(err))
			return
		}
		d := min(r.o.cfg.Backoff<<min(m.Attempts-1, 16), r.o.cfg.MaxBackoff)
		r.finish(dctx, m, models.OutboxOutcome{Status: models.OutboxQueued, NotBefore: now.Add(d), Error: describe(err)})
	case outcomeUnknown:
		r.finish(dctx, m, models.OutboxOutcome{Status: models.OutboxUnconfirmed,
			Error: "No answer from Telegram (" + describe(err) + "); the message may have arrived, so it is not sent again."})
		r.writeLog(dctx, models.LogError, fmt.Sprintf("No answer from Telegram to a message (%s) for chat %d: it may or may not have arrived, "+
			"so it is not sent again.", m.Origin, m.ChatID), describe(err))
	default:
		r.finish(dctx, m, models.OutboxOutcome{Status: models.OutboxFailed, Error: describe(err)})
		r.throttledLog(dctx, "refused:"+m.Origin, models.LogError, fmt.Sprintf("Telegram refused a message (%s) to chat %d.", m.Origin, m.ChatID), err)
	}
}

// call makes the Bot API call, attaching the upload by file_id or, the
// first time for this bot, as bytes.
func (r *botRun) call(ctx context.Context, token string, m *models.OutboxMessage, params map[string]any) (json.RawMessage, error) {
	if m.UploadID == "" {
		return r.o.tg.Call(ctx, token, m.Method, params)
	}
	if r.o.files == nil {
		return nil, &telegram.Error{Method: m.Method, Code: 400, Description: "Bad Request: uploads are not available"}
	}
	fileID, up, err := r.o.files.File(ctx, m.UploadID, r.botID)
	if err != nil {
		return nil, &telegram.Error{Method: m.Method, Code: 400, Description: "Bad Request: the attached file is gone: " + err.Error()}
	}
	if fileID != "" {
		params[m.UploadField] = fileID
		return r.o.tg.Call(ctx, token, m.Method, params)
	}
	up.Field = m.UploadField
	return r.o.tg.CallWithUpload(ctx, token, m.Method, params, up)
}

// rememberFile keeps the file_id Telegram gave a first upload.
func (r *botRun) rememberFile(ctx context.Context, m *models.OutboxMessage, result json.RawMessage) {
	if m.UploadID == "" || r.o.files == nil {
		return
	}
	if id := fileIDOf(result, m.UploadField); id != "" {
		if err := r.o.files.Remember(ctx, m.UploadID, r.botID, id); err != nil {
			r.o.log.WarnContext(ctx, "outbox: remember file id", "bot", r.botID, "err", err)
		}
	}
}

func (r *botRun) finish(ctx context.Context, m *models.OutboxMessage, o models.OutboxOutcome) {
	err := persist(ctx, func(ctx context.Context) error {
		_, err := models.FinishOutbox(ctx, r.o.db, m.ID, r.epoch, o, models.Now())
		return err
	})
	if err != nil {
		// The row stays "sending": the next lease holder counts it
		// unconfirmed. Nothing is sent twice.
		r.o.log.ErrorContext(ctx, "outbox: record outcome", "bot", r.botID, "message", m.ID, "status", o.Status, "err", err)
		return
	}
	if o.Status == models.OutboxQueued {
		return
	}
	m.Status, m.Error, m.MessageID = o.Status, o.Error, o.MessageID
	r.observe(ctx, m)
}

func (r *botRun) observe(ctx context.Context, m *models.OutboxMessage) {
	for _, fn := range r.o.observers[m.Origin] {
		fn(ctx, m)
	}
}

// persist runs a write, retrying a few times: an outcome that is not
// written leaves its message in doubt.
func persist(ctx context.Context, write func(context.Context) error) error {
	var err error
	for try := range 3 {
		if try > 0 {
			time.Sleep(time.Duration(try) * 200 * time.Millisecond)
		}
		wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err = write(wctx)
		cancel()
		if err == nil {
			return nil
		}
	}
	return err
}

func (r *botRun) writeLog(ctx context.Context, level, msg, detail string) {
	if err := models.InsertLogs(ctx, r.o.db, &models.BotLog{BotID: r.botID, Level: level, Source: models.SourceTelegram,
		Message: msg, Detail: detail}); err != nil {
		r.o.log.WarnContext(ctx, "outbox: write bot log", "bot", r.botID, "err", err)
	}
}

// throttledLog writes at most one entry per key a minute.
func (r *botRun) throttledLog(ctx context.Context, key, level, msg string, err error) {
	r.mu.Lock()
	last, seen := r.logged[key]
	if seen && time.Since(last) < time.Minute {
		r.mu.Unlock()
		return
	}
	r.logged[key] = time.Now()
	r.mu.Unlock()
	r.writeLog(ctx, level, msg, describe(err))
}

// messageID reads message_id from a call's result (0 for results that are
// no message, such as answerCallbackQuery's true).
func messageID(result json.RawMessage) int64 {
	var m struct {
		MessageID int64 `json:"message_id"`
	}
	if len(result) == 0 || result[0] != '{' || json.Unmarshal(result, &m) != nil {
		return 0
	}
	return m.MessageID
}

// fileIDOf reads the file_id of what a sendPhoto (largest size) or
// sendDocument returned.
func fileIDOf(result json.RawMessage, field string) string {
	var m struct {
		Photo []struct {
			FileID string `json:"file_id"`
		} `json:"photo"`
		Document *struct {
			FileID string `json:"file_id"`
		} `json:"document"`
	}
	if json.Unmarshal(result, &m) != nil {
		return ""
	}
	if field == "photo" && len(m.Photo) > 0 {
		return m.Photo[len(m.Photo)-1].FileID
	}
	if m.Document != nil {
		return m.Document.FileID
	}
	return ""
}
