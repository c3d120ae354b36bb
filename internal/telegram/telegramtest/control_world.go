package telegramtest

import (
	"net/http"

	"github.com/mymmrac/telego"
)

// Control API: bots, users, chats and memberships.

type botBody struct {
	Username  string `json:"username"`
	FirstName string `json:"firstName"`
	ID        int64  `json:"id"`
	Token     string `json:"token"`
}

type botResult struct {
	ID        int64       `json:"id"`
	Token     string      `json:"token"`
	Username  string      `json:"username"`
	FirstName string      `json:"firstName"`
	User      telego.User `json:"user"`
}

func (s *Server) ctlAddBot(r *http.Request) (any, error) {
	var body botBody
	if err := decode(r, &body); err != nil {
		return nil, err
	}
	b := s.AddBot(BotSpec(body))
	return botResult{ID: b.ID, Token: b.Token, Username: b.Username, FirstName: b.FirstName, User: b.User()}, nil
}

func (s *Server) ctlRevoke(r *http.Request) (any, error) {
	var body tokenBody
	if err := decode(r, &body); err != nil {
		return nil, err
	}
	if !s.RevokeToken(body.BotToken) {
		return nil, ErrUnknownBot
	}
	return true, nil
}

func (s *Server) ctlRotate(r *http.Request) (any, error) {
	var body tokenBody
	if err := decode(r, &body); err != nil {
		return nil, err
	}
	token, err := s.RotateToken(body.BotToken)
	if err != nil {
		return nil, err
	}
	return map[string]string{"token": token}, nil
}

// userBody describes a user in control calls; it is also how an update
// names its user inline.
type userBody struct {
	ID           int64  `json:"id"`
	FirstName    string `json:"firstName"`
	LastName     string `json:"lastName"`
	Username     string `json:"username"`
	LanguageCode string `json:"languageCode"`
	IsPremium    bool   `json:"isPremium"`
	WithPhoto    bool   `json:"withPhoto"`
}

func (u userBody) spec() UserSpec {
	return UserSpec{ID: u.ID, FirstName: u.FirstName, LastName: u.LastName, Username: u.Username,
		LanguageCode: u.LanguageCode, IsPremium: u.IsPremium, WithPhoto: u.WithPhoto}
}

func (s *Server) ctlAddUser(r *http.Request) (any, error) {
	var body userBody
	if err := decode(r, &body); err != nil {
		return nil, err
	}
	return s.AddUser(body.spec()), nil
}

func (s *Server) ctlDeactivate(r *http.Request) (any, error) {
	var body struct {
		UserID      int64 `json:"userId"`
		Deactivated bool  `json:"deactivated"`
	}
	if err := decode(r, &body); err != nil {
		return nil, err
	}
	if err := s.SetDeactivated(body.UserID, body.Deactivated); err != nil {
		return nil, notFound("%v", err)
	}
	return true, nil
}

type chatBody struct {
	ID       int64  `json:"id"`
	Type     string `json:"type"`
	Title    string `json:"title"`
	Username string `json:"username"`
	IsForum  bool   `json:"isForum"`
	OwnerID  int64  `json:"ownerId"`
}

func (s *Server) ctlAddChat(r *http.Request) (any, error) {
	var body chatBody
	if err := decode(r, &body); err != nil {
		return nil, err
	}
	switch body.Type {
	case "", telego.ChatTypeGroup, telego.ChatTypeSupergroup, telego.ChatTypeChannel:
	default:
		return nil, badControl("type must be group, supergroup or channel")
	}
	spec := ChatSpec{ID: body.ID, Type: body.Type, Title: body.Title, Username: body.Username, IsForum: body.IsForum}
	if body.OwnerID != 0 {
		owner, ok := s.User(body.OwnerID)
		if !ok {
			return nil, notFound("unknown user %d", body.OwnerID)
		}
		spec.Owner = &owner
	}
	return s.AddChat(spec), nil
}

// rightsBody is telego.ChatAdministratorRights in the control API's camelCase.
type rightsBody struct {
	IsAnonymous         bool `json:"isAnonymous"`
	CanManageChat       bool `json:"canManageChat"`
	CanDeleteMessages   bool `json:"canDeleteMessages"`
	CanManageVideoChats bool `json:"canManageVideoChats"`
	CanRestrictMembers  bool `json:"canRestrictMembers"`
	CanPromoteMembers   bool `json:"canPromoteMembers"`
	CanChangeInfo       bool `json:"canChangeInfo"`
	CanInviteUsers      bool `json:"canInviteUsers"`
	CanPostStories      bool `json:"canPostStories"`
	CanEditStories      bool `json:"canEditStories"`
	CanDeleteStories    bool `json:"canDeleteStories"`
	CanPostMessages     bool `json:"canPostMessages"`
	CanEditMessages     bool `json:"canEditMessages"`
	CanPinMessages      bool `json:"canPinMessages"`
	CanManageTopics     bool `json:"canManageTopics"`
}

// rights converts r, or picks DefaultAdminRights when r is nil.
func (r *rightsBody) rights(chatType string) telego.ChatAdministratorRights {
	if r == nil {
		return DefaultAdminRights(chatType)
	}
	return telego.ChatAdministratorRights{
		IsAnonymous: r.IsAnonymous, CanManageChat: r.CanManageChat, CanDeleteMessages: r.CanDeleteMessages,
		CanManageVideoChats: r.CanManageVideoChats, CanRestrictMembers: r.CanRestrictMembers,
		CanPromoteMembers: r.CanPromoteMembers, CanChangeInfo: r.CanChangeInfo, CanInviteUsers: r.CanInviteUsers,
		CanPostStories: r.CanPostStories, CanEditStories: r.CanEditStories, CanDeleteStories: r.CanDeleteStories,
		CanPostMessages: r.CanPostMessages, CanEditMessages: r.CanEditMessages, CanPinMessages: r.CanPinMessages,
		CanManageTopics: r.CanManageTopics,
	}
}

type memberBody struct {
	ChatID   int64       `json:"chatId"`
	BotToken string      `json:"botToken"`
	UserID   int64       `json:"userId"`
	Status   string      `json:"status"`
	Rights   *rightsBody `json:"rights"`
}

// ctlSetMember sets the membership of a bot (botToken) or user (userId)
// without pushing an update.
func (s *Server) ctlSetMember(r *http.Request) (any, error) {
	var body memberBody
	if err := decode(r, &body); err != nil {
		return nil, err
	}
	chat, ok := s.Chat(body.ChatID)
	if !ok {
		return nil, notFound("unknown chat %d", body.ChatID)
	}
	user, err := s.memberSubject(body.BotToken, body.UserID)
	if err != nil {
		return nil, err
	}
	m, err := memberWithStatus(user, body.Status, body.Rights, chat.Type)
	if err != nil {
		return nil, err
	}
	if err := s.SetChatMember(chat.ID, m); err != nil {
		return nil, err
	}
	return m, nil
}

func (s *Server) ctlGetMember(r *http.Request) (any, error) {
	chatID, err := queryInt(r, "chatId")
	if err != nil {
		return nil, err
	}
	userID, err := queryInt(r, "userId")
	if err != nil {
		return nil, err
	}
	user, err := s.memberSubject(r.URL.Query().Get("botToken"), userID)
	if err != nil {
		return nil, err
	}
	m, err := s.ChatMember(chatID, user.ID)
	if err != nil {
		return nil, notFound("%v", err)
	}
	return m, nil
}

// memberSubject is the bot named by token, else the user named by id.
func (s *Server) memberSubject(token string, userID int64) (telego.User, error) {
	if token != "" {
		b, ok := s.Bot(token)
		if !ok {
			return telego.User{}, ErrUnknownBot
		}
		return b.User(), nil
	}
	u, ok := s.User(userID)
	if !ok {
		return telego.User{}, notFound("unknown user %d (give botToken or a registered userId)", userID)
	}
	return u, nil
}

func memberWithStatus(u telego.User, status string, rights *rightsBody, chatType string) (telego.ChatMember, error) {
	switch status {
	case "", telego.MemberStatusMember:
		return Member(u), nil
	case telego.MemberStatusAdministrator:
		return Admin(u, rights.rights(chatType)), nil
	case telego.MemberStatusCreator:
		return Owner(u), nil
	case telego.MemberStatusLeft:
		return Left(u), nil
	case telego.MemberStatusBanned:
		return Kicked(u), nil
	}
	return nil, badControl("status must be member, administrator, creator, left or kicked")
}
