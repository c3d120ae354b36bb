// Package replies is the engine of no-code replies: what a bot says to
// people without its owner writing code. It is pure — no database, no
// network, no Telegram calls — so the ingest pipeline, the "try it"
// simulator and the editor share one implementation.
//
// # The pieces
//
//   - Reply (with Trigger, Button, Keyboard, Ask, Action) is a reply as it is
//     stored and served as JSON. Decode a new one into NewReply().
//   - Validate checks a reply against the bot's other replies and returns it
//     normalized; errors are *InvalidError (field errors keyed by JSON path,
//     "buttons[0][1].url") or *TakenError (the command or fallback is
//     another reply's).
//   - NewSet compiles the bot's replies once; Set.Match decides what answers
//     an update; Set.Respond also renders it into a Plan (answer the button
//     press, messages, actions, the ask left waiting). Render renders one
//     reply; Try shapes a Plan for the simulator.
//   - Starters are a new bot's first replies; MenuCommands is what
//     setMyCommands publishes; StartSource reads a deep-link source.
//
// The caller keeps the state: the reply whose ask a user is answering
// (Input.Awaiting in, Result.Awaiting out), the user's properties and tags
// (apply Plan.Actions in order), usage counts (Result.Reply was used), the
// uploads behind Message.Photo and Message.Document, and the source of a
// user's first /start (Result.Source).
//
// # Match order
//
// An update goes to the first of:
//
//  1. a button press (callback_query) whose data names a reply (see below).
//     It is answered with answerCallbackQuery before the reply is sent. A
//     press that names no usable reply goes to the bot's code if it wants
//     it, else is only answered (no fallback for buttons: the spinner stops
//     and nothing is said).
//  2. a command: "/name", "/name args" or "/name@bot args", the name 1–32 of
//     A-Z, a-z, 0-9 and _ followed by white space or the end ("/hello-world"
//     is no command), compared without case. "/name@otherbot" is another
//     bot's and gets no answer at all. The text after the command is {args};
//     "/start SOURCE" also yields Result.Source. A command with no reply goes
//     to code, then to the fallback; it is not searched for keywords.
//  3. the answer to a pending ask (below).
//  4. a keyword reply: the first reply, in the set's order, with a keyword in
//     the message.
//  5. the bot's code, when the caller's codeWants says it has a handler.
//  6. the fallback reply.
//
// Disabled replies never answer. Private chats get every reply; groups and
// supergroups only those with Groups set (a button, command or keyword reply
// without it is skipped as if absent). Channel posts, edited messages,
// service messages and bots' messages are never answered (InputFromUpdate).
//
// # Asks
//
// A reply with an Ask leaves the user waiting for an answer (its id is the
// new Result.Awaiting). The user's next message in a chat where that reply
// may answer is the answer, before keywords and code:
//
//   - text: any non-empty text (or caption), trimmed;
//   - number: see ParseNumber ("12", "-3.5", "3,5", "1 234,5",
//     "1,234.5"; one "," or "." alone is the decimal separator), stored as a
//     float64;
//   - email: see NormalizeEmail, stored with the domain in lower case;
//   - phone: see NormalizePhone, "+" and 7–15 digits; a shared contact
//     (the "share my phone number" button) answers too.
//
// A valid answer becomes a set action for the ask's property (first in
// Plan.Actions, and readable as {prop.NAME} in what follows), then the
// "then" reply is sent, if any. An invalid answer gets the ask's Invalid
// text (plain text, placeholders allowed) or DefaultInvalid, and the ask
// keeps waiting. A command or a button press that names a reply cancels the
// ask: they are deliberate moves elsewhere, and "/start" must always get
// the user out. An ask whose reply was deleted, disabled or lost its ask is
// dropped. Validate refuses "then" chains that loop back to a reply.
//
// # Keywords
//
// A keyword is a word or phrase. It matches when its words appear
// consecutively in the message, as whole words ("price" is not in
// "priceless"), whatever the case, accents and script. Both sides are
// normalized the same way:
//
//  1. compatibility decomposition (NFKD): full-width "ＡＢＣ" is "abc",
//     "ﬁ" is "fi", accented letters split into letter + mark;
//  2. case folding: ß is ss, ς is σ, İ is i, and the Turkish dotless ı is
//     i as well, so that "KAPI" and "kapı", "İstanbul" and "istanbul" meet
//     whatever the writer's keyboard;
//  3. accents removed: the combining diacritical marks (Latin and Cyrillic
//     accents — ё is е, й is и — Greek tonos and dialytika) and the Arabic
//     and Hebrew vowel points. Marks that are letters of their script
//     (Devanagari and Thai vowel signs, the Japanese voicing marks of が and
//     ぱ) stay;
//  4. canonical composition (NFC) where marks remain, so が is one
//     character again.
//
// The text is then split into words: runs of letters, digits and marks.
// Scripts written without spaces between words (Han, Hiragana, Katakana,
// Thai, Lao, Khmer, Myanmar) also end a word where they meet another script
// ("price价格" is "price" and "价格"), and a keyword written in them matches
// as a substring of the message's words joined by single spaces, since its
// words cannot be told apart by spaces.
//
// NewSet indexes the keywords of words in a trie (one map lookup per word
// of the message, however many keywords share a beginning) and commands and
// buttons in maps, so matching a message costs microseconds with 500
// replies.
//
// # Buttons
//
// An inline button opens a URL (http, https or tg) or goes to a reply. A
// "go to reply" button carries callback_data CallbackPrefix + the reply's id
// ("r:rpl_…"); Telegram allows 64 bytes, so such an id has at most
// MaxReplyIDLength (62) bytes. Data without the prefix, or naming no reply,
// is not a reply button's (code may have its own buttons). A reply keyboard
// ([["Yes","No"]], sent with resize_keyboard) or "remove" may be sent
// instead of inline buttons: Telegram attaches one keyboard to a message.
//
// # Placeholders
//
// A reply's text may use {first_name}, {last_name}, {username} ("@name",
// or the first name), {args}, {source}, {bot_username} and {prop.NAME};
// {{ and }} are literal braces (and "\{" in MarkdownV2). Validate refuses
// any other {…}. Each value is escaped for the parse mode (HTML entities,
// MarkdownV2 backslashes, nothing for plain text), URL-escaped as well inside
// an HTML tag or a MarkdownV2 link address, and cut at MaxValueLength
// characters, so a person's name can neither break nor inject formatting.
// Validate parses the text as Telegram will, with placeholders standing for
// letters, for a value full of special characters, and for nothing, and
// reports the line and column of any problem.
//
// # Names
//
// Commands: 1–32 of a-z, 0-9 and _ (typed with "/" or capitals, stored
// without). Properties: a lower-case letter then up to 31 of a-z, 0-9 and
// _. Tags: 1–32 letters of any script, digits, _ and -, in lower case.
// Deep-link sources: 1–64 of A-Z, a-z, 0-9, _ and -.
package replies
