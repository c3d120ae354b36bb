package models

import (
	"context"
	"database/sql"
	"errors"
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
	SearchKey   string     `bun:"search_key"` // SearchKey(name, chat title), set on every write
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

// CampaignFilter narrows an owner's campaigns to one bot and one status
// ("" for any), and to names or chat titles containing Q.
type CampaignFilter struct {
	BotID, Status, Q string
}

// membersColumn computes Members for campaign queries.
const membersColumn = "(SELECT count(*) FROM campaign_leads AS l WHERE l.campaign_id = c.id AND l.status = 'joined') AS members"

func campaignSelect(db bun.IDB) *bun.SelectQuery {
	return db.NewSelect().Model((*Campaign)(nil)).ModelTableExpr("campaigns AS c").ColumnExpr("c.*").ColumnExpr(membersColumn)
}

var _ bun.BeforeAppendModelHook = (*Campaign)(nil)

// BeforeAppendModel keeps search_key in step with the name and chat title.
func (c *Campaign) BeforeAppendModel(_ context.Context, query bun.Query) error {
	switch query.(type) {
	case *bun.InsertQuery, *bun.UpdateQuery:
		if c != nil {
			c.SearchKey = SearchKey(c.Name, c.ChatTitle)
		}
	}
	return nil
}

// InsertCampaign stores a campaign; a second active campaign for the same
// chat is a unique violation.
func InsertCampaign(ctx context.Context, db bun.IDB, c *Campaign) error {
	_, err := db.NewInsert().Model(c).Exec(ctx)
	return wrap("insert campaign", err)
}

// CampaignOfOwner finds a campaign whose bot belongs to ownerID.
func CampaignOfOwner(ctx context.Context, db bun.IDB, ownerID, id string) (*Campaign, error) {
	c := new(Campaign)
	err := campaignSelect(db).Where("c.id = ?", id).
		Where("c.bot_id IN (SELECT id FROM bots WHERE owner_id = ?)", ownerID).Scan(ctx, c)
	return c, wrap("campaign of owner", notFoundAs(err, "campaign"))
}

// ListCampaigns returns the window w of an owner's campaigns matching f,
// newest first, and the total matching.
func ListCampaigns(ctx context.Context, db bun.IDB, ownerID string, f CampaignFilter, w Window) ([]Campaign, int, error) {
	q := campaignSelect(db).Where("c.bot_id IN (SELECT id FROM bots WHERE owner_id = ?)", ownerID)
	if f.BotID != "" {
		q = q.Where("c.bot_id = ?", f.BotID)
	}
	if f.Status != "" {
		q = q.Where("c.status = ?", f.Status)
	}
	if f.Q != "" {
		q = whereSearch(q, "c.search_key", f.Q, false)
	}
	var out []Campaign
	total, err := q.Order("c.created_at DESC", "c.id DESC").Limit(int64(w.Limit)).Offset(int64(w.Offset)).ScanAndCount(ctx, &out)
	return out, int(total), wrap("list campaigns", err)
}

// UpdateCampaignColumns saves columns of c (plus updated_at).
func UpdateCampaignColumns(ctx context.Context, db bun.IDB, c *Campaign, columns ...string) error {
	c.UpdatedAt = Now()
	columns = searchColumns(columns, "name", "chat_title")
	_, err := db.NewUpdate().Model(c).Column(append(columns, "updated_at")...).WherePK().Exec(ctx)
	return wrap("update campaign columns", err)
}

// ActiveCampaignOfChat finds the active campaign tracking a chat, or nil.
func ActiveCampaignOfChat(ctx context.Context, db bun.IDB, botID string, chatID int64) (*Campaign, error) {
	c := new(Campaign)
	err := db.NewSelect().Model(c).Where("bot_id = ?", botID).Where("chat_id = ?", chatID).Where("status = ?", CampaignActive).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return c, wrap("active campaign of chat", err)
}

// CampaignByInviteLink finds the campaign of a bot that created link
// (archived ones included: a join may be processed just after archiving).
func CampaignByInviteLink(ctx context.Context, db bun.IDB, botID, link string) (*Campaign, error) {
	c := new(Campaign)
	err := db.NewSelect().Model(c).Where("bot_id = ?", botID).Where("invite_link = ?", link).Limit(1).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return c, wrap("campaign by invite link", err)
}

// CampaignsOfChat lists a chat's campaigns tracked by a bot (any status).
func CampaignsOfChat(ctx context.Context, db bun.IDB, botID string, chatID int64) ([]Campaign, error) {
	var out []Campaign
	err := db.NewSelect().Model(&out).Where("bot_id = ?", botID).Where("chat_id = ?", chatID).Scan(ctx)
	return out, wrap("campaigns of chat", err)
}

// FirstCampaignWarning returns the warning of a bot's newest active
// campaign that has one, or "".
func FirstCampaignWarning(ctx context.Context, db bun.IDB, botID string) (string, error) {
	var warnings []string
	err := db.NewSelect().Model((*Campaign)(nil)).Column("warning").Where("bot_id = ?", botID).
		Where("status = ?", CampaignActive).Where("warning <> ''").Order("created_at DESC").Limit(1).Scan(ctx, &warnings)
	if err != nil || len(warnings) == 0 {
		return "", wrap("first campaign warning", err)
	}
	return warnings[0], nil
}

// AddCampaignCounters adds to a campaign's event counters.
func AddCampaignCounters(ctx context.Context, db bun.IDB, id string, joins, leaves, requests int64) error {
	_, err := db.NewUpdate().Model((*Campaign)(nil)).
		Set("joins = joins + ?", joins).Set("leaves = leaves + ?", leaves).Set("requests = requests + ?", requests).
		Where("id = ?", id).Exec(ctx)
	return wrap("add campaign counters", err)
}

// CampaignDay holds a campaign's counters for one UTC day.
type CampaignDay struct {
	bun.BaseModel `bun:"table:campaign_daily"`

	CampaignID string `bun:"campaign_id,pk"`
	Day        string `bun:"day,pk"`
	Joins      int64  `bun:"joins"`
	Leaves     int64  `bun:"leaves"`
	Requests   int64  `bun:"requests"`
}

// AddCampaignDay adds to a campaign's day.
func AddCampaignDay(ctx context.Context, db bun.IDB, d *CampaignDay) error {
	_, err := db.NewInsert().Model(d).On("CONFLICT (campaign_id, day) DO UPDATE").
		Set("joins = ?TableAlias.joins + EXCLUDED.joins").Set("leaves = ?TableAlias.leaves + EXCLUDED.leaves").
		Set("requests = ?TableAlias.requests + EXCLUDED.requests").Exec(ctx)
	return wrap("add campaign day", err)
}

// CampaignDays returns stored days from..to (inclusive, YYYY-MM-DD).
func CampaignDays(ctx context.Context, db bun.IDB, campaignID, from, to string) ([]CampaignDay, error) {
	var out []CampaignDay
	err := db.NewSelect().Model(&out).Where("campaign_id = ?", campaignID).Where("day >= ?", from).Where("day <= ?", to).
		Order("day").Scan(ctx)
	return out, wrap("campaign days", err)
}

// AddOtherJoin counts a join to a chat that came through no campaign link.
func AddOtherJoin(ctx context.Context, db bun.IDB, botID string, chatID int64, day string) error {
	_, err := db.NewRaw(`INSERT INTO chat_other_joins (bot_id, chat_id, day, joins) VALUES (?, ?, ?, 1)
		ON CONFLICT (bot_id, chat_id, day) DO UPDATE SET joins = chat_other_joins.joins + 1`, botID, chatID, day).Exec(ctx)
	return wrap("add other join", err)
}

// OtherJoins counts joins to a chat without a campaign link since a day.
func OtherJoins(ctx context.Context, db bun.IDB, botID string, chatID int64, since string) (int64, error) {
	var n int64
	err := db.NewSelect().Table("chat_other_joins").ColumnExpr("coalesce(sum(joins), 0)").
		Where("bot_id = ?", botID).Where("chat_id = ?", chatID).Where("day >= ?", since).Scan(ctx, &n)
	return n, wrap("other joins", err)
}
