package core

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/mymmrac/telego"
	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/ingest"
	"github.com/botdeck/botdeck/internal/outbox"
	"github.com/botdeck/botdeck/internal/replies"
	"github.com/botdeck/botdeck/models"
)

// UpdateCode is the bot's code as the answerer sees it (CodeForUpdates):
// whether the bot has code for updates at all (Active, cheap), whether a
// handler of its script wants an update (replies.Set.Match asks it after
// commands, asks and keywords, before the fallback; updates replies never
// answer, such as chat_member, go to it directly), and running it once the
// processing transaction has committed (Run, through Event.AfterCommit).
type UpdateCode interface {
	Active(ctx context.Context, botID string) bool
	Wants(ctx context.Context, botID string, ev *ingest.Event) bool
	Run(ctx context.Context, botID string, evs []*ingest.Event)
}

// Answerer answers people with the bot's replies. It is an ingest batch
// hook: it runs in the processing transaction, for one bot's updates of a
// batch in update_id order, so what it decides commits with the updates —
// a replayed update is never answered twice (the outbox keys are the
// update ids) — and it costs a few statements per batch, not per update:
// the replies version, the users' states (one read for all), then the
// writes (properties, tags, asks, sources, use counts, the outbox rows).
//
// For each message or button press a person sends (private chats; groups
// only for replies with groups set): users the owner blocked get nothing;
// Input.Awaiting comes from the user's ask state; Set.Respond decides; then
// the actions apply (tags, properties — an ask's checked answer first),
// the ask state is saved or cleared, a "/start SOURCE" records the user's
// source if they have none, the reply's use is counted, and the messages
// are queued (answerCallbackQuery first for a button). It never calls
// Telegram.
type Answerer struct {
	Outbox *outbox.Outbox
	Cache  *RepliesCache
	// Code may be nil: no bot code takes updates.
	Code UpdateCode
}

// answerable is one update replies may answer.
type answerable struct {
	ev     *ingest.Event
	in     replies.Input
	from   telego.User
	chatID int64
}

// HandleBatch implements ingest.BatchHook.
func (a *Answerer) HandleBatch(ctx context.Context, tx bun.Tx, botID string, evs []*ingest.Event) error {
	hasCode := a.Code != nil && a.Code.Active(ctx, botID)
	var forCode []*ingest.Event // run by the bot's code once the transaction commits
	defer func() {
		if len(forCode) > 0 {
			evs := forCode
			evs[len(evs)-1].AfterCommit(func(ctx context.Context) { a.Code.Run(ctx, botID, evs) })
		}
	}()
	var todo []answerable
	for _, ev := range evs {
		in, ok := replies.InputFromUpdate(ev.Update.T)
		if !ok {
			if hasCode && a.Code.Wants(ctx, botID, ev) {
				forCode = append(forCode, ev)
			}
			continue
		}
		it := answerable{ev: ev, in: in}
		if q := ev.Update.T.CallbackQuery; q != nil {
			it.from, it.chatID = q.From, q.From.ID
			if q.Message != nil {
				it.chatID = q.Message.GetChat().ID
			}
		} else {
			it.from, it.chatID = *ev.Update.T.Message.From, ev.Update.T.Message.Chat.ID
		}
		todo = append(todo, it)
	}
	todo, links := splitLinkStarts(todo)
	if len(links) > 0 {
		if err := linkMembers(ctx, tx, a.Outbox, botID, links); err != nil {
			return err
		}
	}
	if len(todo) == 0 {
		return nil
	}
	set, err := a.Cache.Set(ctx, tx, botID)
	if err != nil {
		return err
	}
	leads, err := startingLeads(ctx, tx, botID, set, todo)
	if err != nil {
		return err
	}
	if len(set.Replies()) == 0 && !hasCode {
		return recordSources(ctx, tx, botID, set, todo, leads) // nothing can answer: skip the users' states
	}
	ids := make([]int64, 0, len(todo))
	for _, it := range todo {
		ids = append(ids, it.from.ID)
	}
	states, err := models.UserStates(ctx, tx, botID, ids)
	if err != nil {
		return err
	}
	w := newAnswerWrites(botID)
	for _, it := range todo {
		st := states[it.from.ID] // nil: not a bot user (someone in a group)
		if st != nil && st.Blocked {
			continue
		}
		in, vars := it.in, replies.Vars{FirstName: it.from.FirstName, LastName: it.from.LastName, Username: it.from.Username}
		if st != nil {
			in.Awaiting, vars.Source, vars.Props = st.Awaiting, st.Source, st.Props
			if src, ok := replies.StartSource(in.Text, set.BotUsername()); ok && st.Source == "" && !in.Group {
				vars.Source = src // {source} in the answer to a first "/start SOURCE"
			}
			if name, ok := leads[it.from.ID]; ok && st.Source == "" {
				vars.Source = models.CampaignSource(name)
			}
		}
		var wants func(replies.Input) bool
		if hasCode {
			ev := it.ev
			wants = func(replies.Input) bool { return a.Code.Wants(ctx, botID, ev) }
		}
		plan := set.Respond(in, vars, wants)
		if plan.By == replies.ByCode {
			forCode = append(forCode, it.ev)
		}
		if name, ok := leads[it.from.ID]; ok && st != nil && st.Source == "" {
			plan.Source = models.CampaignSource(name) // campaign joiners keep their campaign as source
		}
		if plan.Source != "" && st != nil && st.Source == "" && !it.in.Group {
			st.Source = plan.Source
			w.sources[it.from.ID] = plan.Source
		}
		if st != nil {
			w.apply(st, plan.Actions)
			if plan.Awaiting != st.Awaiting {
				st.Awaiting = plan.Awaiting
				w.asks[it.from.ID] = plan.Awaiting
			}
		}
		if plan.Reply != nil {
			w.uses[plan.Reply.ID]++
		}
		w.queue(it, plan)
	}
	committed, err := w.save(ctx, tx, a.Outbox)
	if err != nil {
		return err
	}
	// The senders are woken once the answers are committed and visible.
	evs[len(evs)-1].AfterCommit(func(context.Context) { committed() })
	return nil
}

// startingLeads returns the campaign each sender of a private /start came
// through, for those who are leads of one of the bot's campaigns: their
// source is the campaign, whatever the /start carries.
func startingLeads(ctx context.Context, tx bun.Tx, botID string, set *replies.Set, todo []answerable) (map[int64]string, error) {
	var ids []int64
	for _, it := range todo {
		if !it.in.Group && !it.in.Callback && replies.IsStart(it.in.Text, set.BotUsername()) {
			ids = append(ids, it.from.ID)
		}
	}
	return models.LeadCampaigns(ctx, tx, botID, ids)
}

// recordSources records the sources of first /start messages of users who
// have none yet: their campaign, else the deep-link source.
func recordSources(ctx context.Context, tx bun.Tx, botID string, set *replies.Set, todo []answerable, leads map[int64]string) error {
	for _, it := range todo {
		if it.in.Group || it.in.Callback {
			continue
		}
		if name, ok := leads[it.from.ID]; ok {
			if _, err := models.SetUserSource(ctx, tx, botID, it.from.ID, models.CampaignSource(name), models.Now()); err != nil {
				return err
			}
		} else if src, ok := replies.StartSource(it.in.Text, set.BotUsername()); ok {
			if _, err := models.SetUserSource(ctx, tx, botID, it.from.ID, src, models.Now()); err != nil {
				return err
			}
		}
	}
	return nil
}

// answerWrites gathers the batch's writes, so each kind is saved once.
type answerWrites struct {
	botID   string
	props   map[int64]map[string]any  // user → property → value (nil: delete)
	tags    map[int64]map[string]bool // user → tag → has it
	asks    map[int64]string
	sources map[int64]string
	uses    map[string]int
	msgs    []outbox.Message
}

func newAnswerWrites(botID string) *answerWrites {
	return &answerWrites{botID: botID, props: map[int64]map[string]any{}, tags: map[int64]map[string]bool{},
		asks: map[int64]string{}, sources: map[int64]string{}, uses: map[string]int{}}
}

// apply applies a plan's actions to the user's state (later updates of the
// batch see them) and notes the writes.
func (w *answerWrites) apply(st *models.UserState, actions []replies.Action) {
	for _, act := range actions {
		switch {
		case act.Set != "":
			v := act.Decoded()
			st.Props[act.Set] = v
			if w.props[st.UserID] == nil {
				w.props[st.UserID] = map[string]any{}
			}
			w.props[st.UserID][act.Set] = v
		case act.Name != "":
			add := act.Tag == "add"
			st.Tags[act.Name] = add
			if w.tags[st.UserID] == nil {
				w.tags[st.UserID] = map[string]bool{}
			}
			w.tags[st.UserID][act.Name] = add
		}
	}
}

// queue adds the plan's calls: the button's answer first, then the
// messages; keyed by update so a replay queues nothing.
func (w *answerWrites) queue(it answerable, plan replies.Plan) {
	var batch []outbox.Message
	if plan.AnswerCallback != nil {
		batch = append(batch, outbox.AnswerCallback(w.botID, it.chatID, plan.AnswerCallback))
	}
	for _, m := range plan.Messages {
		batch = append(batch, outbox.FromReply(w.botID, it.chatID, m))
	}
	ref := ""
	if plan.Reply != nil {
		ref = plan.Reply.ID
	} else if plan.Asked != nil {
		ref = plan.Asked.ID
	}
	for i := range batch {
		batch[i].Priority, batch[i].Origin, batch[i].OriginRef = outbox.PriorityPerson, outbox.OriginReply, ref
		batch[i].Key = fmt.Sprintf("update:%d:%d", it.ev.Update.ID, i)
	}
	w.msgs = append(w.msgs, batch...)
}

// save writes what the batch decided and returns the outbox's wake-up, to
// call once tx has committed.
func (w *answerWrites) save(ctx context.Context, tx bun.Tx, box *outbox.Outbox) (func(), error) {
	now := models.Now()
	var set []models.BotUserProp
	for _, user := range sortedKeys(w.props) {
		var gone []string
		for name, v := range w.props[user] {
			if v == nil {
				gone = append(gone, name)
				continue
			}
			raw, err := json.Marshal(v)
			if err != nil {
				return nil, err
			}
			set = append(set, models.BotUserProp{BotID: w.botID, UserID: user, Name: name, Value: string(raw), UpdatedAt: now})
		}
		if err := models.DeleteUserProps(ctx, tx, w.botID, user, gone); err != nil {
			return nil, err
		}
	}
	if err := models.SetUserProps(ctx, tx, set); err != nil {
		return nil, err
	}
	var add []models.BotUserTag
	for _, user := range sortedKeys(w.tags) {
		var remove []string
		for tag, has := range w.tags[user] {
			if has {
				add = append(add, models.BotUserTag{BotID: w.botID, UserID: user, Tag: tag, CreatedAt: now})
			} else {
				remove = append(remove, tag)
			}
		}
		if err := models.RemoveUserTags(ctx, tx, w.botID, user, remove); err != nil {
			return nil, err
		}
	}
	if err := models.AddUserTags(ctx, tx, add); err != nil {
		return nil, err
	}
	for _, user := range sortedKeys(w.asks) {
		if err := models.SetAwaiting(ctx, tx, w.botID, user, w.asks[user]); err != nil {
			return nil, err
		}
	}
	for _, user := range sortedKeys(w.sources) {
		if _, err := models.SetUserSource(ctx, tx, w.botID, user, w.sources[user], now); err != nil {
			return nil, err
		}
	}
	for _, id := range sortedKeys(w.uses) {
		if err := models.CountReplyUses(ctx, tx, w.botID, id, w.uses[id], now); err != nil {
			return nil, err
		}
	}
	return box.EnqueueQuiet(ctx, tx, w.msgs...)
}

// sortedKeys makes the order of writes (and so of row locks) stable.
func sortedKeys[K int64 | string, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	return keys
}
