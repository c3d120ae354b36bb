package models

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// Campaign statuses.
const (
	CampaignActive   = "active"
	CampaignArchived = "archived"
)

// Campaign tracks joins to one chat through an invite link Botdeck created,
// and greets whoever joins.
type Campaign struct {
	bun.BaseModel `bun:"table:campaigns"`

	ID          string     `bun:"id,pk"`
	BotID       string     `bun:"bot_id"`
	ChatID      int64      `bun:"chat_id"`
	ChatTitle   string     `bun:"chat_title"`
	Name        string     `bun:"name"`
	Greeting    string     `bun:"greeting"`
	JoinRequest bool       `bun:"join_request"`
	InviteLink  string     `bun:"invite_link"`
	Status      string     `bun:"status"`
	Warning     string     `bun:"warning"` // e.g. the bot lost its rights in the chat
	Joins       int64      `bun:"joins"`
	Leaves      int64      `bun:"leaves"`
	Requests    int64      `bun:"requests"`
	CreatedAt   time.Time  `bun:"created_at"`
	UpdatedAt   time.Time  `bun:"updated_at"`
	ArchivedAt  *time.Time `bun:"archived_at"`

	// Members is computed on read: leads currently in the chat.
	Members int64 `bun:"members,scanonly"`
}

// CampaignJSON is the API shape of a campaign (API.md "Campaign").
type CampaignJSON struct {
	ID          string     `json:"id"`
	BotID       string     `json:"botId"`
	ChatID      int64      `json:"chatId"`
	ChatTitle   string     `json:"chatTitle"`
	Name        string     `json:"name"`
	InviteLink  string     `json:"inviteLink"`
	JoinRequest bool       `json:"joinRequest"`
	Greeting    string     `json:"greeting"`
	Status      string     `json:"status"`
	Joins       int64      `json:"joins"`
	Leaves      int64      `json:"leaves"`
	Members     int64      `json:"members"`
	Requests    int64      `json:"requests"`
	Warning     string     `json:"warning"`
	CreatedAt   time.Time  `json:"createdAt"`
	ArchivedAt  *time.Time `json:"archivedAt"`
}

// JSON returns the API shape.
func (c *Campaign) JSON() CampaignJSON {
	return CampaignJSON{ID: c.ID, BotID: c.BotID, ChatID: c.ChatID, ChatTitle: c.ChatTitle, Name: c.Name, InviteLink: c.InviteLink,
		JoinRequest: c.JoinRequest, Greeting: c.Greeting, Status: c.Status, Joins: c.Joins, Leaves: c.Leaves, Members: c.Members,
		Requests: c.Requests, Warning: c.Warning, CreatedAt: c.CreatedAt, ArchivedAt: c.ArchivedAt}
}

// CreateCampaignRequest is the body of POST /api/campaigns and the form.
type CreateCampaignRequest struct {
	BotID       string `json:"botId" form:"botId" validate:"required,max=64"`
	ChatID      int64  `json:"chatId" form:"chatId" validate:"required"`
	Name        string `json:"name" form:"name" validate:"required,max=100"`
	Greeting    string `json:"greeting" form:"greeting" validate:"max=4000"`
	JoinRequest bool   `json:"joinRequest" form:"joinRequest"`
}

// Normalize trims the text fields.
func (r *CreateCampaignRequest) Normalize() {
	r.Name, r.Greeting = strings.TrimSpace(r.Name), strings.TrimSpace(r.Greeting)
}

// UpdateCampaignRequest is the body of PATCH /api/campaigns/{id}.
type UpdateCampaignRequest struct {
	Name     *string `json:"name" form:"name" validate:"omitempty,min=1,max=100"`
	Greeting *string `json:"greeting" form:"greeting" validate:"omitempty,max=4000"`
}

// Normalize trims the text fields.
func (r *UpdateCampaignRequest) Normalize() {
	if r.Name != nil {
		*r.Name = strings.TrimSpace(*r.Name)
	}
	if r.Greeting != nil {
		*r.Greeting = strings.TrimSpace(*r.Greeting)
	}
}

// ListCampaignsRequest filters the campaign list.
type ListCampaignsRequest struct {
	BotID  string `json:"botId" form:"botId" validate:"max=64"`
	Status string `json:"status" form:"status" validate:"omitempty,oneof=active archived"`
	Q      string `json:"q" form:"q" validate:"max=100"`
	Page   `form:",inline"`
}

// Normalize trims the search.
func (r *ListCampaignsRequest) Normalize() { r.Q = strings.TrimSpace(r.Q) }

// membersColumn computes Members for campaign queries.
const membersColumn = "(SELECT count(*) FROM campaign_leads AS l WHERE l.campaign_id = c.id AND l.status = 'joined') AS members"

func campaignSelect(db bun.IDB) *bun.SelectQuery {
	return db.NewSelect().Model((*Campaign)(nil)).ModelTableExpr("campaigns AS c").ColumnExpr("c.*").ColumnExpr(membersColumn)
}

// InsertCampaign stores a campaign; a second active campaign for the same
// chat is a unique violation.
func InsertCampaign(ctx context.Context, db bun.IDB, c *Campaign) error {
	_, err := db.NewInsert().Model(c).Exec(ctx)
	return err
}

// CampaignOfOwner finds a campaign whose bot belongs to ownerID.
func CampaignOfOwner(ctx context.Context, db bun.IDB, ownerID, id string) (*Campaign, error) {
	c := new(Campaign)
	err := campaignSelect(db).Where("c.id = ?", id).
		Where("c.bot_id IN (SELECT id FROM bots WHERE owner_id = ?)", ownerID).Scan(ctx, c)
	return c, notFoundAs(err, "campaign")
}

// ListCampaigns returns one page of an owner's campaigns.
func ListCampaigns(ctx context.Context, db bun.IDB, ownerID string, f ListCampaignsRequest) ([]Campaign, int, error) {
	q := campaignSelect(db).Where("c.bot_id IN (SELECT id FROM bots WHERE owner_id = ?)", ownerID)
	if f.BotID != "" {
		q = q.Where("c.bot_id = ?", f.BotID)
	}
	if f.Status != "" {
		q = q.Where("c.status = ?", f.Status)
	}
	if f.Q != "" {
		pattern := "%" + EscapeLike(strings.ToLower(f.Q)) + "%"
		q = q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where(`lower(c.name) LIKE ? ESCAPE '\'`, pattern).WhereOr(`lower(c.chat_title) LIKE ? ESCAPE '\'`, pattern)
		})
	}
	var out []Campaign
	total, err := q.Order("c.created_at DESC", "c.id DESC").Limit(int64(f.Size())).Offset(int64(f.Offset())).ScanAndCount(ctx, &out)
	return out, int(total), err
}

// UpdateCampaignColumns saves columns of c (plus updated_at).
func UpdateCampaignColumns(ctx context.Context, db bun.IDB, c *Campaign, columns ...string) error {
	c.UpdatedAt = Now()
	_, err := db.NewUpdate().Model(c).Column(append(columns, "updated_at")...).WherePK().Exec(ctx)
	return err
}

// ActiveCampaignOfChat finds the active campaign tracking a chat, or nil.
func ActiveCampaignOfChat(ctx context.Context, db bun.IDB, botID string, chatID int64) (*Campaign, error) {
	c := new(Campaign)
	err := db.NewSelect().Model(c).Where("bot_id = ?", botID).Where("chat_id = ?", chatID).Where("status = ?", CampaignActive).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return c, err
}

// CampaignByInviteLink finds the campaign of a bot that created link
// (archived ones included: a join may be processed just after archiving).
func CampaignByInviteLink(ctx context.Context, db bun.IDB, botID, link string) (*Campaign, error) {
	c := new(Campaign)
	err := db.NewSelect().Model(c).Where("bot_id = ?", botID).Where("invite_link = ?", link).Limit(1).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return c, err
}

// CampaignsOfChat lists a chat's campaigns tracked by a bot (any status).
func CampaignsOfChat(ctx context.Context, db bun.IDB, botID string, chatID int64) ([]Campaign, error) {
	var out []Campaign
	err := db.NewSelect().Model(&out).Where("bot_id = ?", botID).Where("chat_id = ?", chatID).Scan(ctx)
	return out, err
}

// FirstCampaignWarning returns the warning of a bot's newest active
// campaign that has one, or "".
func FirstCampaignWarning(ctx context.Context, db bun.IDB, botID string) (string, error) {
	var warnings []string
	err := db.NewSelect().Model((*Campaign)(nil)).Column("warning").Where("bot_id = ?", botID).
		Where("status = ?", CampaignActive).Where("warning <> ''").Order("created_at DESC").Limit(1).Scan(ctx, &warnings)
	if err != nil || len(warnings) == 0 {
		return "", err
	}
	return warnings[0], nil
}

// AddCampaignCounters adds to a campaign's event counters.
func AddCampaignCounters(ctx context.Context, db bun.IDB, id string, joins, leaves, requests int64) error {
	_, err := db.NewUpdate().Model((*Campaign)(nil)).
		Set("joins = joins + ?", joins).Set("leaves = leaves + ?", leaves).Set("requests = requests + ?", requests).
		Where("id = ?", id).Exec(ctx)
	return err
}

// CampaignDay holds a campaign's counters for one UTC day.
type CampaignDay struct {
	bun.BaseModel `bun:"table:campaign_daily"`

	CampaignID string `bun:"campaign_id,pk" json:"-"`
	Day        string `bun:"day,pk" json:"date"`
	Joins      int64  `bun:"joins" json:"joins"`
	Leaves     int64  `bun:"leaves" json:"leaves"`
	Requests   int64  `bun:"requests" json:"-"`
}

// AddCampaignDay adds to a campaign's day.
func AddCampaignDay(ctx context.Context, db bun.IDB, d *CampaignDay) error {
	_, err := db.NewInsert().Model(d).On("CONFLICT (campaign_id, day) DO UPDATE").
		Set("joins = ?TableAlias.joins + EXCLUDED.joins").Set("leaves = ?TableAlias.leaves + EXCLUDED.leaves").
		Set("requests = ?TableAlias.requests + EXCLUDED.requests").Exec(ctx)
	return err
}

// CampaignDays returns stored days from..to (inclusive, YYYY-MM-DD).
func CampaignDays(ctx context.Context, db bun.IDB, campaignID, from, to string) ([]CampaignDay, error) {
	var out []CampaignDay
	err := db.NewSelect().Model(&out).Where("campaign_id = ?", campaignID).Where("day >= ?", from).Where("day <= ?", to).
		Order("day").Scan(ctx)
	return out, err
}

// AddOtherJoin counts a join to a chat that came through no campaign link.
func AddOtherJoin(ctx context.Context, db bun.IDB, botID string, chatID int64, day string) error {
	_, err := db.NewRaw(`INSERT INTO chat_other_joins (bot_id, chat_id, day, joins) VALUES (?, ?, ?, 1)
		ON CONFLICT (bot_id, chat_id, day) DO UPDATE SET joins = chat_other_joins.joins + 1`, botID, chatID, day).Exec(ctx)
	return err
}

// OtherJoins counts joins to a chat without a campaign link since a day.
func OtherJoins(ctx context.Context, db bun.IDB, botID string, chatID int64, since string) (int64, error) {
	var n int64
	err := db.NewSelect().Table("chat_other_joins").ColumnExpr("coalesce(sum(joins), 0)").
		Where("bot_id = ?", botID).Where("chat_id = ?", chatID).Where("day >= ?", since).Scan(ctx, &n)
	return n, err
}
