package telegram

import (
	"context"

	"github.com/mymmrac/telego"
)

// GetChat returns up-to-date information about a chat or a user's private chat.
func (c *Client) GetChat(ctx context.Context, token string, chatID int64) (*telego.ChatFullInfo, error) {
	const method = "getChat"
	b, err := c.bot(method, token)
	if err != nil {
		return nil, err
	}
	ctx, cancel := c.withTimeout(ctx, 0)
	defer cancel()
	chat, err := b.GetChat(ctx, &telego.GetChatParams{ChatID: telego.ChatID{ID: chatID}})
	return chat, mapError(method, token, err)
}

// GetChatMember returns userID's membership in chatID. Pass the bot's own id
// to learn its status and rights (e.g. can_invite_users) in a chat.
func (c *Client) GetChatMember(ctx context.Context, token string, chatID, userID int64) (telego.ChatMember, error) {
	const method = "getChatMember"
	b, err := c.bot(method, token)
	if err != nil {
		return nil, err
	}
	ctx, cancel := c.withTimeout(ctx, 0)
	defer cancel()
	m, err := b.GetChatMember(ctx, &telego.GetChatMemberParams{ChatID: telego.ChatID{ID: chatID}, UserID: userID})
	return m, mapError(method, token, err)
}

// GetChatAdministrators lists a chat's administrators that are not bots.
func (c *Client) GetChatAdministrators(ctx context.Context, token string, chatID int64) ([]telego.ChatMember, error) {
	const method = "getChatAdministrators"
	b, err := c.bot(method, token)
	if err != nil {
		return nil, err
	}
	ctx, cancel := c.withTimeout(ctx, 0)
	defer cancel()
	admins, err := b.GetChatAdministrators(ctx, &telego.GetChatAdministratorsParams{ChatID: telego.ChatID{ID: chatID}})
	return admins, mapError(method, token, err)
}

// CreateChatInviteLink creates a named invite link (name: at most 32
// characters). With createsJoinRequest, joining needs approval, which is
// delivered as a chat_join_request update.
func (c *Client) CreateChatInviteLink(ctx context.Context, token string, chatID int64, name string, createsJoinRequest bool) (*telego.ChatInviteLink, error) {
	const method = "createChatInviteLink"
	b, err := c.bot(method, token)
	if err != nil {
		return nil, err
	}
	ctx, cancel := c.withTimeout(ctx, 0)
	defer cancel()
	link, err := b.CreateChatInviteLink(ctx, &telego.CreateChatInviteLinkParams{
		ChatID:             telego.ChatID{ID: chatID},
		Name:               name,
		CreatesJoinRequest: createsJoinRequest,
	})
	return link, mapError(method, token, err)
}

// RevokeChatInviteLink revokes a link the bot created and returns it.
func (c *Client) RevokeChatInviteLink(ctx context.Context, token string, chatID int64, inviteLink string) (*telego.ChatInviteLink, error) {
	const method = "revokeChatInviteLink"
	b, err := c.bot(method, token)
	if err != nil {
		return nil, err
	}
	ctx, cancel := c.withTimeout(ctx, 0)
	defer cancel()
	link, err := b.RevokeChatInviteLink(ctx, &telego.RevokeChatInviteLinkParams{
		ChatID:     telego.ChatID{ID: chatID},
		InviteLink: inviteLink,
	})
	return link, mapError(method, token, err)
}

// ApproveChatJoinRequest lets userID into chatID. A 400 with
// "HIDE_REQUESTER_MISSING" means there is no such pending request (any more).
func (c *Client) ApproveChatJoinRequest(ctx context.Context, token string, chatID, userID int64) error {
	const method = "approveChatJoinRequest"
	b, err := c.bot(method, token)
	if err != nil {
		return err
	}
	ctx, cancel := c.withTimeout(ctx, 0)
	defer cancel()
	return mapError(method, token, b.ApproveChatJoinRequest(ctx, &telego.ApproveChatJoinRequestParams{
		ChatID: telego.ChatID{ID: chatID},
		UserID: userID,
	}))
}

// DeclineChatJoinRequest refuses userID's request to join chatID.
func (c *Client) DeclineChatJoinRequest(ctx context.Context, token string, chatID, userID int64) error {
	const method = "declineChatJoinRequest"
	b, err := c.bot(method, token)
	if err != nil {
		return err
	}
	ctx, cancel := c.withTimeout(ctx, 0)
	defer cancel()
	return mapError(method, token, b.DeclineChatJoinRequest(ctx, &telego.DeclineChatJoinRequestParams{
		ChatID: telego.ChatID{ID: chatID},
		UserID: userID,
	}))
}
