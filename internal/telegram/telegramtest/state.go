package telegramtest

import (
	"encoding/json"
	"sync"

	"github.com/mymmrac/telego"
)

// world is everything the fake remembers. It is replaced wholesale by Reset;
// all fields are guarded by Server.mu.
type world struct {
	bots        map[int64]*botState
	botsByToken map[string]*botState
	revoked     map[string]*botState // old tokens, kept so inspection still works
	users       map[int64]*userState
	chats       map[int64]*chatState
	files       map[string]*fileState // by file_id
	filePaths   map[string]*fileState // by file_path
	messageSeq  map[int64]int         // last message_id per chat

	nextUserID, nextBotID, nextGroupID, nextSupergroupID int64
	nextFile                                             int
}

func newWorld() *world {
	return &world{
		bots:             map[int64]*botState{},
		botsByToken:      map[string]*botState{},
		revoked:          map[string]*botState{},
		users:            map[int64]*userState{},
		chats:            map[int64]*chatState{},
		files:            map[string]*fileState{},
		filePaths:        map[string]*fileState{},
		messageSeq:       map[int64]int{},
		nextUserID:       firstUserID,
		nextBotID:        firstBotID,
		nextGroupID:      firstGroupID,
		nextSupergroupID: firstSupergroupID,
	}
}

// botState is one bot: identity, update queue, webhook, and what it did.
type botState struct {
	user  telego.User
	token string

	webhook webhookState
	// allowed is the allowed_updates setting; nil means Telegram's default
	// (everything but chat_member, message_reaction, message_reaction_count).
	allowed []string

	queue        []queuedUpdate // pending: not yet confirmed or delivered
	lastUpdateID int
	wake         chan struct{} // closed and replaced whenever the queue grows
	poll         *pollState    // the getUpdates request waiting right now

	// deliverMu serializes webhook deliveries so updates arrive in order. It
	// is held while POSTing, never together with Server.mu.
	deliverMu sync.Mutex

	sent        []SentMessage
	blockedBy   map[int64]bool
	decisions   []JoinRequestDecision
	failures    map[string][]*failure // by lower-case method, "*" for any
	limiter     *sendLimiter
	rateLimited int
	calls       map[string]int
	commands    []telego.BotCommand // the menu set with setMyCommands
}

func newBotState(user telego.User, token string) *botState {
	return &botState{
		user:         user,
		token:        token,
		lastUpdateID: randomUpdateBase(),
		wake:         make(chan struct{}),
		blockedBy:    map[int64]bool{},
		failures:     map[string][]*failure{},
		calls:        map[string]int{},
	}
}

type webhookState struct {
	URL              string
	Secret           string
	MaxConnections   int
	LastErrorDate    int64
	LastErrorMessage string
}

type queuedUpdate struct {
	ID   int
	Kind string
	Raw  json.RawMessage
}

// pollState lets a newer getUpdates or a setWebhook end a waiting poll with
// the same 409 Telegram answers.
type pollState struct {
	done   chan struct{}
	reason *apiError
}

func (p *pollState) terminate(reason *apiError) {
	if p.reason == nil {
		p.reason = reason
		close(p.done)
	}
}

// notify wakes every getUpdates waiting on b.
func (b *botState) notify() {
	close(b.wake)
	b.wake = make(chan struct{})
}

type userState struct {
	user        telego.User
	deactivated bool
	photos      [][]telego.PhotoSize // newest first
}

type chatState struct {
	chat     telego.Chat
	members  map[int64]telego.ChatMember
	links    []*telego.ChatInviteLink
	requests map[int64]*joinRequest // pending, by user id
}

type joinRequest struct {
	user telego.User
	link *telego.ChatInviteLink
	date int64
}

type fileState struct {
	id, uniqueID, path string
	width, height      int
	seed               int64
	data               []byte // generated on first download
}
