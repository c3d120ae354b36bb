// Package telegramtest is a fake Telegram Bot API: a real HTTP server on a
// loopback port that Go tests, the Playwright suite (through
// cmd/fakebotapi) and `botdeck demo` point the app at through its base URL.
//
// Every object it returns is a telego type marshalled as Telegram does
// (optional fields absent, not null), and its error answers use Telegram's
// texts ("Forbidden: bot was blocked by the user", "Conflict: can't use
// getUpdates method while webhook is active; …").
//
// # Bot API
//
// POST or GET /bot<token>/<method>, parameters as JSON, urlencoded form,
// multipart form or query string. Method names are case-insensitive.
// Implemented: getMe, setWebhook, deleteWebhook, getWebhookInfo, getUpdates,
// sendMessage, sendPhoto, sendDocument, answerCallbackQuery, deleteMessage, getChat, getChatMember,
// getChatAdministrators, getChatMemberCount, leaveChat, createChatInviteLink,
// revokeChatInviteLink, approveChatJoinRequest, declineChatJoinRequest,
// getUserProfilePhotos, getFile; GET /file/bot<token>/<file_path> serves
// generated PNGs. Any other method answers 404 "Not Found: method not found";
// an unknown or revoked token answers 401 "Unauthorized".
//
// Behaviour worth knowing:
//   - getUpdates: offset confirms (negative offset keeps the last -offset),
//     timeout long-polls (capped by WithMaxLongPoll), 409 while a webhook is
//     set, and a newer poll or setWebhook ends a waiting one with 409.
//   - allowed_updates (setWebhook, getUpdates): absent keeps the setting;
//     empty means all but chat_member, message_reaction,
//     message_reaction_count. Updates of other types are dropped at Push.
//   - Webhooks: any http(s) URL (loopback included). Push delivers pending
//     updates in order with X-Telegram-Bot-Api-Secret-Token; a non-2xx
//     answer or network failure keeps the update pending and sets
//     last_error_date/last_error_message until Redeliver (or the next Push)
//     succeeds. Deliveries are serial, whatever max_connections says.
//     setWebhook starts delivering already-pending updates in the background.
//   - sendMessage: HTML and MarkdownV2 are parsed into plain text and
//     entities, with Telegram's errors for unsupported tags, unbalanced
//     markup and unescaped reserved characters; 403 for users who blocked
//     the bot or are deactivated; groups need the bot to be a member,
//     channels an administrator who can post; unknown positive chat ids are
//     accepted as users the fake was not told about. SetSendRate adds flood
//     control (429 with parameters.retry_after).
//   - approveChatJoinRequest makes the user a member and pushes the
//     chat_member update (via_join_request) right after answering; leaveChat
//     pushes the bot's my_chat_member update.
//   - Pushed updates change state: a private my_chat_member "kicked" marks
//     the user as blocking the bot, chat_member updates set membership,
//     chat_join_request creates the pending request approve/decline act on.
//
// # Control API
//
// JSON over HTTP under /_fake/, for test runners that are not Go. Bodies and
// query parameters are camelCase; Telegram objects in answers keep
// Telegram's snake_case. Unknown body fields are rejected. Every answer is
// {"ok":true,"result":…} or {"ok":false,"error":"…"} with status 400 (bad
// input) or 404 (unknown bot, user or chat).
//
//	GET  /_fake/health                   → true
//	POST /_fake/reset                    forget everything
//	POST /_fake/bots                     {username?, firstName?, id?, token?}
//	                                     → {id, token, username, firstName, user}
//	POST /_fake/bots/revoke              {botToken}: later calls answer 401
//	POST /_fake/bots/rotate              {botToken} → {token}: revoke and reissue
//	GET  /_fake/bots/state?botToken=     → {bot, webhook (getWebhookInfo), webhookSecret,
//	                                        allowedUpdates, pendingUpdates, calls, rateLimited, sentCount}
//	POST /_fake/users                    {id?, firstName?, lastName?, username?, languageCode?,
//	                                      isPremium?, withPhoto?} → User
//	POST /_fake/users/deactivate         {userId, deactivated}
//	POST /_fake/chats                    {type: group|supergroup|channel, id?, title?, username?,
//	                                      isForum?, ownerId?} → Chat (a new "Owner" user is creator by default)
//	POST /_fake/chats/members            {chatId, botToken | userId, status: member|administrator|
//	                                      creator|left|kicked, rights?} → ChatMember (no update pushed)
//	GET  /_fake/chats/members?chatId=&botToken=|userId=  → ChatMember
//	POST /_fake/updates                  {kind, botToken, …} → PushResult (below)
//	POST /_fake/redeliver                {botToken} → [PushResult]
//	GET  /_fake/messages?botToken=&chatId=       → [SentMessage]
//	GET  /_fake/invite-links?botToken=&chatId=   → [ChatInviteLink]
//	GET  /_fake/join-requests?botToken=&chatId=  → {pending: [ChatJoinRequest], decisions: [JoinRequestDecision]}
//	POST /_fake/failures                 {botToken, method ("" = all, "downloadFile"), code?,
//	                                      description?, retryAfter?, times? (0 = until cleared),
//	                                      network?, delayMs?, rawBody?}
//	POST /_fake/failures/clear           {botToken?}
//	POST /_fake/send-rate                {botToken, perSecond} (0 removes the limit)
//
// rights is {canInviteUsers, canPostMessages, canManageChat, canDeleteMessages,
// canRestrictMembers, canPromoteMembers, canChangeInfo, canPinMessages, …};
// omitted, DefaultAdminRights of the chat's type.
//
// Update kinds for POST /_fake/updates. The acting user is userId (registered),
// or user {id?, firstName?, …} (registered when new), or else a fresh user:
//
//	message        {user|userId, text?, chatId?}  private message, or group message with chatId
//	start          {user|userId, payload?}        "/start" or "/start <payload>"
//	edited_message {user|userId, messageId, text}
//	channel_post   {chatId, text?}
//	callback_query {user|userId, data, messageId?} on the bot's last message to the user by default
//	block          {user|userId}                  my_chat_member member → kicked (alias block_bot)
//	unblock        {user|userId}                  kicked → member (alias unblock_bot)
//	bot_added      {chatId, status?: member|administrator, rights?, byUserId?}
//	bot_promoted   {chatId, rights?, byUserId?}  current status → administrator
//	bot_demoted    {chatId, byUserId?}           → member
//	bot_removed    {chatId, status?: left|kicked, byUserId?}
//	join           {chatId, user|userId, inviteLink?, viaJoinRequest?}  chat_member → member
//	leave          {chatId, user|userId}          chat_member → left
//	join_request   {chatId, user|userId, inviteLink?, bio?}
//	raw            {update: {…}}                  any update JSON; update_id assigned if missing
//
// An inviteLink the fake created is sent as the stored object (name,
// creates_join_request, creator); any other URL as a link of the chat's
// owner with its tail hidden, as Telegram shows other admins' links.
//
// PushResult is {updateId, kind, update, dropped, queued, delivered,
// statusCode?, error?}: dropped when allowed_updates excludes the kind,
// queued while pending, delivered when the webhook answered 2xx.
package telegramtest
