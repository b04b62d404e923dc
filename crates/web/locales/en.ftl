# The web site's interface in English. Each id has its twin in ja.ftl.

skip-to-content = Skip to content
nav-home = Home
nav-search = Search
nav-sign-in = Sign in
nav-sign-out = Sign out
nav-new-thread = New thread
nav-notifications = Notifications
nav-profile = My profile
nav-settings = Settings
nav-staff = Staff
nav-language = Language
footer-powered = A Tsunagu alumni network on the fediverse.
footer-apps = You can also use any Mastodon app with this server.

home-boards = Boards
home-recent = Recent threads
home-no-boards = There are no boards yet.
home-no-threads = No threads yet.
home-follow-hint = Follow a board from another server (Mastodon, Lemmy, another alumni network) by searching for its handle there.

board-threads = Threads
board-order-activity = Latest activity
board-order-new = Newest
board-order-unanswered = Unanswered
board-pinned = Pinned
board-rules = Rules
board-moderators = Moderators
board-handle = Handle: { $handle }
board-feed-atom = Atom feed
board-feed-rss = RSS feed
board-empty = No threads here yet.
board-start = Start a thread here
board-archived = This board is archived.
board-posting-members = Only members of this instance start threads here.
board-posting-moderators = Only moderators start threads here.

thread-replies = { $count ->
    [one] 1 reply
   *[other] { $count } replies
}
thread-favourites = { $count ->
    [one] 1 favourite
   *[other] { $count } favourites
}
thread-question = Question
thread-answered = Answered
thread-accepted = Accepted answer
thread-locked = This thread is locked: it takes no new replies.
thread-in-boards = In
thread-edited = edited
thread-no-replies = No replies yet.
thread-reply-heading = Reply
thread-sign-in-to-reply = Sign in to reply.
thread-content-warning = Content warning: { $warning }
thread-show = Show
thread-media = Attachment
thread-removed = Removed by a moderator; only you can see it.

post-by = by { $name }
post-reply-to = in reply to { $name }
post-open = Open
post-visibility-public = Public
post-visibility-unlisted = Unlisted
post-visibility-private = Followers only
post-visibility-direct = Direct

profile-posts = Posts
profile-followers = { $count ->
    [one] 1 follower
   *[other] { $count } followers
}
profile-following = Following { $count }
profile-fields = Profile
profile-no-posts = No public posts.
profile-role-student = Student
profile-role-alumnus = Alumnus
profile-role-staff = Staff
profile-role-admin = Administrator
profile-remote = This account is on { $host }.

search-heading = Search
search-label = Search for people, boards, posts or #tags
search-button = Search
search-accounts = People and boards
search-statuses = Posts
search-nothing = Nothing found.
search-remote-hint = Signed-in members can look up accounts on other servers by their handle (@name@server) or address.

error-not-found = Not found
error-not-found-text = There is nothing here, or you may not see it.
error-forbidden = Not allowed
error-invalid = That did not work
error-unauthorized = Please sign in
error-rate-limited = Too many attempts
error-conflict = Already there
error-remote = Another server did not answer
error-internal = Something went wrong on our side
error-csrf = The form expired. Please go back, reload the page and try again.
error-back = Back to the home page

time-ago-just-now = just now
pagination-newer = Newer
pagination-older = Older

login-heading = Sign in
login-login = E-mail address or username
login-password = Password
login-button = Sign in
login-failed = That e-mail address or username and password do not match.
login-throttled = Too many failed attempts for this account. Please wait a few minutes.

authorize-heading = Authorize { $app }
authorize-asks = { $app } asks for access to your account:
authorize-signed-in-as = You are signed in as { $name }.
authorize-sign-in = Sign in to allow it.
authorize-allow = Authorize
authorize-deny = Deny
authorize-unusable = This authorization request cannot be used
authorize-code-heading = Authorization code
authorize-code-text = Copy this code and paste it into the application:
scope-read = read your account, posts and notifications
scope-write = post, edit and change things for you
scope-follow = follow, block and mute for you
scope-push = receive notifications
scope-profile = see who you are
scope-admin-read = read moderation data
scope-admin-write = take moderation actions

new-heading = Start a thread
new-title = Title
new-body = Text
new-body-hint = Markdown works. @name@server mentions someone, #tag adds a hashtag.
new-boards = Boards
new-remote-boards = Boards on other servers
new-remote-boards-hint = Their handles, separated by spaces, for example careers@other.example.
new-question = This is a question (an answer can be accepted)
new-tags = Hashtags
new-button = Post
new-no-boards = There is no board here to post in yet.

reply-label = Your reply
reply-button = Reply
edit-heading = Edit
edit-button = Save
delete-button = Delete
delete-confirm = Delete this post
favourite-button = Favourite
unfavourite-button = Remove favourite
accept-button = Accept this answer
unaccept-button = Unaccept
edit-link = Edit

follow-button = Follow
unfollow-button = Unfollow
follow-requested = Follow requested
follow-heading = Follow someone elsewhere
follow-label = A handle (@name@server) or an address
follow-done = Following { $name }.

settings-heading = Your profile
settings-display-name = Display name
settings-note = About you
settings-alumni = Alumni profile
settings-visibility = Who sees it
settings-save = Save profile
settings-saved = Saved.
visibility-public = Everyone
visibility-federated = Members here and on other alumni networks
visibility-local = Members of this instance
visibility-hidden = Only you and staff

field-graduation_year = Graduation year
field-department = Department
field-industry = Industry
field-employer = Employer
field-skills = Skills
field-interests = Interests
field-mentoring = Mentoring
field-introduction = Self-introduction

notifications-heading = Notifications
notifications-empty = Nothing new.
notification-mention = { $name } mentioned you
notification-favourite = { $name } favourited your post
notification-reblog = { $name } boosted your post
notification-follow = { $name } followed you
notification-follow_request = { $name } asked to follow you
notification-poll = A poll you took part in has ended
notification-status = { $name } posted
notification-update = { $name } edited a post
notification-other = { $name }

staff-only = This page is for the instance's staff.
staff-overview = Overview
staff-boards = Boards
staff-reports = Reports
staff-members = Members
staff-federation = Federation
staff-count-boards = { $count ->
    [one] 1 board
   *[other] { $count } boards
}
staff-count-reports = { $count ->
    [one] 1 open report
   *[other] { $count } open reports
}
staff-count-pending = { $count ->
    [one] 1 delivery waiting
   *[other] { $count } deliveries waiting
}
staff-count-delivered = { $count } delivered
staff-count-failed = { $count } given up
staff-count-troubled = { $count ->
    [one] 1 server with failures
   *[other] { $count } servers with failures
}
staff-archived = Archived
staff-board-create = Create a board
staff-board-name = Name (in its address)
staff-board-name-hint = Lower-case letters, digits and underscores; it cannot change later.
staff-board-title = Title
staff-board-description = Description
staff-board-rules = Rules
staff-board-mode = Who may start threads
staff-mode-open = Anyone, here or elsewhere
staff-mode-members = Members of this instance
staff-mode-moderators = Moderators only
staff-board-hold = Hold the first post of each account from another server for a moderator
staff-board-open = Open the board's page
staff-board-settings = Settings
staff-held = Posts waiting for approval
staff-no-held = No post is waiting.
staff-approve = Approve
staff-remove = Remove
staff-moderators = Moderators
staff-moderator-add = Add a moderator (name here, or name@server)
staff-add = Add
staff-bans = Banned accounts
staff-no-bans = Nobody is banned.
staff-ban-account = Account to ban (name here, or name@server)
staff-ban-reason = Reason
staff-ban = Ban
staff-unban = Lift the ban
staff-no-reports = No open report.
staff-report-about = About { $name }
staff-report-by = Reported by { $name }
staff-report-post = Post { $id }
staff-report-profile = Profile
staff-resolve = Mark as resolved
staff-member = Member
staff-role = Role
staff-account = Account
staff-disabled = Disabled
staff-disable = Disable
staff-enable = Enable
staff-delete = Delete
staff-delete-confirm = Delete this account and everything they wrote? This cannot be undone.
staff-export = Export
staff-reset = Reset password
staff-reset-done = The new password of { $name } is below. It is shown only once: pass it on safely. Their sessions and apps were signed out.
role-student = Student
role-alumnus = Alumnus or alumna
role-staff = Staff
role-admin = Administrator
staff-no-peers = No delivery to another server yet.
staff-health-caption = Delivery to each server, most troubled first
staff-server = Server
staff-pending = Waiting
staff-last-success = Last delivered
staff-failed = Given up
staff-last-refusal = Last refusal
staff-last-day = Last 24 hours
staff-never = never
staff-next-try = Next try:
staff-chart-label = Last 24 hours: { $made } delivered, { $lost } given up
staff-blocks = Blocked servers
staff-no-blocks = No server is blocked.
staff-block-domain = Server to block
staff-block-severity = What happens
staff-severity-silence = Silence: kept out of public timelines and search
staff-severity-suspend = Suspend: nothing in, nothing out
staff-block-comment = Public reason
staff-block = Block
staff-unblock = Unblock
pagination = Pages
board-moderate = Moderate this board

problem-accept-not-allowed = Only the question’s author or a moderator may accept an answer.
problem-admins-only = Only administrators change administrators’ accounts.
problem-already-voted = You have already voted in this poll.
problem-answer-not-in-thread = The accepted answer must be a reply in this thread.
problem-banned = You are banned from this board.
problem-blocked = One of you blocks the other.
problem-board-archived = This board is archived.
problem-board-name-taken = A board or member already has this name.
problem-body-too-long = The text is too long.
problem-domain-already-blocked = This server is already blocked.
problem-domain-invalid = That is not a server’s domain name.
problem-field-too-long = A profile field is too long.
problem-login-failed = That e-mail address or username and password do not match.
problem-members-post-only = Only members of this instance may start threads here.
problem-moderators-only = Only the board’s moderators may do this.
problem-moderators-post-only = Only moderators may start threads here.
problem-not-a-question = This thread is not a question.
problem-not-federated = This instance does not exchange posts with that server.
problem-not-yours = This post is not yours.
problem-note-too-long = The introduction is too long (at most 2,000 characters).
problem-own-poll = You cannot vote in your own poll.
problem-password-long = The password is too long.
problem-password-short = The password must have at least 8 characters.
problem-poll-ended = The poll has ended.
problem-poll-option-blank = Poll options cannot be blank.
problem-poll-options-same = Poll options must differ.
problem-report-self = You cannot report yourself.
problem-sign-in-throttled = Too many failed attempts for this account. Please wait a few minutes.
problem-staff-only = Only staff may do this.
problem-staff-own-account = Staff do not change their own account here.
problem-text-blank = The text cannot be blank.
problem-text-too-long = The text is too long (at most 5,000 characters).
problem-thread-locked = This thread is locked.
problem-title-length = The title must have 1 to 200 characters.
problem-board-title-length = The title must have 1 to 100 characters.
problem-too-many-attachments = Too many attachments (at most 4).
problem-too-many-reports = Too many reports from this account or server today.
problem-username-invalid = Usernames have 1 to 30 lower-case letters, digits and underscores, starting with a letter or digit.
problem-username-reserved = This username is reserved.
problem-username-taken = This username or e-mail address is taken.
problem-email-invalid = This e-mail address is not valid.
problem-email-taken = This e-mail address is already registered; sign in or reset your password.
problem-password-wrong = The password is not right.
problem-already-answered = You have answered this survey already.
problem-survey-closed = This survey is closed.
problem-account-disabled = This account is disabled.
problem-account-unconfirmed = Confirm your e-mail address first: follow the link we sent you.
problem-account-pending = Your account is waiting for approval by the staff.
problem-agreement-missing = Please accept the server's rules to join.
problem-invite-invalid = This invitation is not valid (unknown, used up, expired or withdrawn).
problem-registrations-closed = Registrations are closed on this server; ask its staff for an invitation.
problem-link-invalid = This link is not valid any more (used already or expired).
problem-not-pending = This account is not waiting for approval.
problem-already-confirmed = This e-mail address is already confirmed.
problem-mail-not-configured = This server cannot send e-mail yet, so it cannot do this; please tell its staff.
settings-language = Language of the site
settings-language-browser = Your browser’s language
delete-question = Delete this post? This cannot be undone.
characters-left = { $n } characters left

# Joining
signup-heading = Join
signup-invited = You were invited: your account is ready as soon as you confirm your e-mail address.
signup-approval = The staff read each request to join; you will hear from them by e-mail.
signup-username = Username
signup-username-hint = Letters, digits and underscores; it is part of your address and cannot change later.
signup-email = E-mail address
signup-password = Password (at least 8 characters)
signup-reason = Why would you like to join? (your class year and department help the staff)
signup-agreement = I accept this server's rules.
signup-button = Join
signup-done-heading = Check your e-mail
signup-done-text = We sent a link to confirm your address. Open it within three days to finish joining.
signup-link = Join
forgot-link = Forgot your password?
confirm-done-heading = Address confirmed
confirm-done-active = Thank you: your account is ready. Sign in and introduce yourself!
confirm-introduce = Sign in and introduce yourself
confirm-done-pending = Thank you. The staff will now review your request; you will hear from them by e-mail.
forgot-heading = Choose a new password
forgot-text = Enter the e-mail address of your account: we will send you a link to choose a new password.
forgot-button = Send the link
forgot-sent = If this address belongs to an account, a link is on its way. It works for one hour.
reset-heading = New password
reset-password = New password (at least 8 characters)
reset-button = Save the password
reset-done = Your password is changed, and every other session and app was signed out. You can sign in now.
staff-joining = Joining
joining-mode = Registrations: { $mode }
joining-mode-closed = closed (invitations only)
joining-mode-approval = open, approved by staff
joining-mode-open = open to anyone
joining-pending = Waiting for approval
joining-no-pending = Nobody is waiting.
joining-confirmed = address confirmed
joining-unconfirmed = address not confirmed yet
joining-reject = Decline
joining-reject-confirm = Decline this request? The account is removed.
joining-invites = Invitation links
joining-no-invites = No invitation link yet.
joining-uses-of = used { $uses } of { $max } times
joining-uses = used { $uses } times
joining-expires = expires
joining-revoke = Withdraw
joining-max-uses = Number of uses (empty: any)
joining-expires-days = Valid for days (empty: no end)
joining-invite = Make an invitation link
joining-domains = E-mail domains
joining-domains-text = Addresses under these domains (the institution's own) join without approval.
joining-domain = Domain
joining-remove-domain = Remove
joining-verify = Verify a graduate
joining-verify-member = Username
joining-verify-button = Verify

# Directory
nav-directory = Directory
directory-heading = Alumni directory
directory-words = Name or words
directory-mentoring = Offers mentoring
directory-local = Members of this server only
directory-visitor-hint = Sign in to search members-only fields too.
directory-verified = Verified graduate

# Own data
data-heading = Your data
data-text = Download what you put here: everything at once, or one part as a spreadsheet (CSV).
data-everything = Everything (JSON)
data-profile = Profile (CSV)
data-posts = Posts (CSV)
data-following = Accounts you follow (CSV, for import elsewhere)
data-followers = Your followers (CSV)
delete-heading = Delete your account
delete-text = Your posts are erased here and other servers are asked to forget your account. This cannot be undone; your username stays reserved.
delete-password = Your password
own-data-delete-button = Delete my account
own-data-delete-confirm = Delete your account for good?
delete-done-heading = Account deleted
delete-done = Your account is deleted. Thank you for having been part of the network.

# Articles
nav-articles = Articles
articles-heading = Articles
articles-write = Write an article
articles-none = No article yet.
articles-discuss = Replies and discussion
articles-title = Title
articles-summary = Lead (a sentence or two shown with the title)
articles-body = Text (Markdown)
articles-tags = Tags (separated by spaces)
articles-publish = Publish

# Surveys
nav-surveys = Surveys
surveys-heading = Surveys
surveys-none = No survey is open.
surveys-closed = closed
surveys-results = Results
surveys-responses = { $count ->
    [one] 1 response
   *[other] { $count } responses
}
surveys-average = Average
surveys-anonymous = Answers are anonymous: they are not linked to your name.
surveys-thanks = Thank you for answering.
surveys-scale = From { $min } to { $max }
surveys-send = Send my answers

# Careers
nav-careers = Careers
careers-heading = Careers
careers-post = Post an offer
careers-kinds = Kinds of offer
careers-all = All
careers-kind-job = Job
careers-kind-internship = Internship
careers-kind-referral = Referral
careers-kind-visit = Company visit
careers-none = No open offer.
careers-deadline = Deadline
careers-kind = Kind
careers-company = Company
careers-place = Place
careers-publish = Post the offer

# Campaigns
campaigns-heading = Giving
campaigns-none = No campaign yet.
campaigns-until = Until
campaigns-give = Give on the institution's page
campaigns-raised = Raised so far

nav-events = Events
events-heading = Events
events-create = Create an event
events-lists = Lists of events
events-upcoming = Upcoming
events-past = Past
events-mine = Mine
events-none = No event here.
events-cancelled = Cancelled
events-going = { $count } going
events-waiting = { $count } on the waiting list
events-when = When
events-location = Place
events-online = Online
events-participants = Participants
events-you-going = You are going.
events-you-waiting = You are on the waiting list; you move up when a place frees.
events-you-pending = You asked to take part; the organiser's server has not answered yet.
events-join = Take part
events-leave = Give up my place
events-sign-in = Sign in to take part
events-add-to-calendar = Add to my calendar (iCalendar)
events-cancel = Cancel this event
events-starts = Starts
events-ends = Ends
events-offset = UTC offset of these times (such as +09:00)
events-timezone = Time zone
events-capacity = Places (0 for no limit)
events-capacity-invalid = Places must be a whole number.
events-description = Description (Markdown)
events-publish = Publish the event
notification-event_reminder = An event you take part in starts soon
notification-event_update = { $name } changed an event you take part in
problem-event-over = This event is over or cancelled.
problem-event-times = Check the event's times: it must end after it starts, no more than three years ahead.
nav-mentoring = Mentoring
mentoring-heading = Mentors
mentoring-my-requests = My mentoring requests
mentoring-offer = Offer mentoring
mentoring-topic = Topic
mentoring-words = Name or words
mentoring-none = No mentor found.
mentoring-free = { $count } free place(s)
mentoring-message = What would you like to talk about?
mentoring-ask = Ask for mentoring
mentoring-no-requests = No request yet.
mentoring-from = From
mentoring-to = To
mentoring-state-pending = Waiting for an answer
mentoring-state-accepted = Accepted
mentoring-state-declined = Declined
mentoring-state-cancelled = Withdrawn
mentoring-state-expired = Expired
mentoring-conversation = Open the conversation
mentoring-accept = Accept
mentoring-decline = Decline
mentoring-reason = Reason (optional)
mentoring-cancel = Withdraw my request
mentoring-available = I offer mentoring
mentoring-topics = Topics, separated by commas
mentoring-capacity = People at once (1 to 20)
mentoring-note = Note (when you are free, how you like to talk)
mentoring-save = Save
notification-mentoring_request = { $name } asked you for mentoring
notification-mentoring_accepted = Mentoring with { $name } begins
notification-mentoring_declined = { $name } declined your mentoring request
notification-mentoring_expired = Your mentoring request to { $name } expired
problem-request-answered = This request was already answered, withdrawn or expired.
nav-rooms = Rooms
rooms-heading = Talk rooms
rooms-none = You are in no room yet.
rooms-invited = invited
rooms-open = Open a room
rooms-description = What it is for
rooms-invitation = You are invited to this room.
rooms-join = Join
rooms-say = Message to the room
rooms-send = Send
rooms-members = Members
rooms-invite-handle = Invite someone (name, or name@server)
rooms-invite = Invite
rooms-leave = Leave the room
notification-room_invitation = { $name } invited you to a talk room
surveys-create = Create a survey
surveys-description = Introduction
surveys-questions = Questions
surveys-questions-hint = Start each question with “? kind: question” (kinds: single, multiple, text, or scale 1-5) and give each choice on its own line starting with “-”.
surveys-closes-in = Closes after this many days (empty: stays open)
surveys-anonymous-choice = Anonymous (responses do not name members)
surveys-results-public = Members may see the results
surveys-as-poll = Also publish it as a public poll (one single- or multiple-choice question)
surveys-publish = Publish the survey
