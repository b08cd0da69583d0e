"""Storage: tortoise-orm models for instances, accounts, actors, circles, memberships, threads, posts and queues."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class Visibility(StrEnum):
    PUBLIC = "public"
    MEMBERS = "members"
    LOCAL = "local"


class Role(StrEnum):
    MEMBER = "member"
    FACILITATOR = "facilitator"


class MembershipState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    # Banned by a facilitator: not a member while the ban lasts (every "approved" check leaves them out); the
    # CircleBan row keeps the state to restore when it is lifted.
    BANNED = "banned"


class DomainAction(StrEnum):
    """What the admin decided for a remote domain (enforced by policy/gate.py)."""

    ALLOW = "allow"
    BLOCK = "block"
    SILENCE = "silence"
    REJECT_MEDIA = "reject_media"


class SignatureScheme(StrEnum):
    CAVAGE = "cavage"
    RFC9421 = "rfc9421"


class ReactionKind(StrEnum):
    LIKE = "like"
    DISLIKE = "dislike"


class FederationMode(StrEnum):
    OPEN = "open"
    ALLOWLIST = "allowlist"
    CLOSED = "closed"


class ReviewState(StrEnum):
    VISIBLE = "visible"
    HELD = "held"
    REJECTED = "rejected"


class ReportState(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class ReportCategory(StrEnum):
    """Why a member reports (stable strings: they federate as `reportCategory`, see FEDERATION.md)."""

    GROUND_RULES = "ground_rules"
    HARMFUL_ADVICE = "harmful_advice"
    CRISIS_CONCERN = "crisis_concern"
    HARASSMENT = "harassment"
    SPAM = "spam"
    OTHER = "other"


class ContentRuleAction(StrEnum):
    REJECT = "reject"
    HOLD = "hold"


class RegistrationMode(StrEnum):
    OPEN = "open"
    INVITE = "invite"
    APPROVAL = "approval"
    CLOSED = "closed"


class CircleCreators(StrEnum):
    """Who may start a new circle from the web: the admins only (the default), facilitators too, or any member."""

    ADMINS = "admins"
    FACILITATORS = "facilitators"
    MEMBERS = "members"


class QueueState(StrEnum):
    """States of queued work (deliveries and inbox items); legal moves live in delivery/states.py."""

    PENDING = "pending"
    SENDING = "sending"
    DELIVERED = "delivered"
    RETRY_WAIT = "retry_wait"
    FAILED = "failed"
    CANCELLED = "cancelled"
    GONE = "gone"
    HELD = "held"
    REJECTED = "rejected"


class Instance(Model):
    """A domain circlefed knows: this instance itself or a remote server (authority host[:port])."""

    id = fields.IntField(primary_key=True)
    domain = fields.CharField(max_length=255, unique=True)
    is_local = fields.BooleanField(default=False)
    software = fields.CharField(max_length=64, null=True)
    software_version = fields.CharField(max_length=64, null=True)
    shared_inbox_uri = fields.CharField(max_length=2048, null=True)
    # The HTTP signature scheme this host accepted last (cavage first; RFC 9421 after a 401).
    signature_scheme = fields.CharEnumField(SignatureScheme, null=True, max_length=16)
    failure_count = fields.IntField(default=0)
    backoff_until = fields.DatetimeField(null=True)
    last_success_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "instances"


class DomainRule(Model):
    """An admin's rule for one remote domain: allow (allowlist mode), block, silence or reject media."""

    id = fields.IntField(primary_key=True)
    domain = fields.CharField(max_length=255, unique=True)
    action = fields.CharEnumField(DomainAction, max_length=16)
    reason = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "domain_rules"
        # Every page asks which domains are blocked or silenced (their people's posts are hidden).
        indexes = (("action", "domain"),)


class SeenSignature(Model):
    """Replay cache: a signature accepted once is refused again until it would have expired anyway."""

    id = fields.IntField(primary_key=True)
    replay_key = fields.CharField(max_length=128, unique=True)
    expires_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "seen_signatures"


class Actor(Model):
    """An ActivityPub actor, local (with its private key) or remote (cached document and public key)."""

    id = fields.IntField(primary_key=True)
    uri = fields.CharField(max_length=2048, unique=True)
    type = fields.CharField(max_length=32)
    instance = fields.ForeignKeyField("models.Instance", related_name="actors", on_delete=fields.CASCADE)
    is_local = fields.BooleanField(default=False)
    # Set only for local actors: one namespace for members, circles and the instance actor (WebFinger).
    local_name = fields.CharField(max_length=64, null=True, unique=True)
    preferred_username = fields.CharField(max_length=255)
    display_name = fields.CharField(max_length=255, default="")
    summary = fields.TextField(default="")
    url = fields.CharField(max_length=2048, null=True)
    inbox_uri = fields.CharField(max_length=2048, null=True)
    shared_inbox_uri = fields.CharField(max_length=2048, null=True)
    outbox_uri = fields.CharField(max_length=2048, null=True)
    followers_uri = fields.CharField(max_length=2048, null=True)
    public_key_id = fields.CharField(max_length=2048, null=True, db_index=True)
    public_key_pem = fields.TextField(null=True)
    private_key_pem = fields.TextField(null=True)
    document = fields.JSONField(null=True)
    fetched_at = fields.DatetimeField(null=True)
    # A local member who deleted their account: the row (and key) stays to sign the Delete, the name stays taken.
    deleted_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "actors"

    def __str__(self) -> str:
        return self.uri


class Account(Model):
    """A local login: a member of this instance (and maybe its admin)."""

    id = fields.IntField(primary_key=True)
    username = fields.CharField(max_length=64, unique=True)
    password_hash = fields.CharField(max_length=255)
    email = fields.CharField(max_length=255, null=True)
    is_admin = fields.BooleanField(default=False)
    is_disabled = fields.BooleanField(default=False)
    # Registration mode `approval`: the account waits (cannot log in) until an admin approves it.
    is_approved = fields.BooleanField(default=True)
    join_reason = fields.TextField(default="")
    # No longer read: sign-ins are rows of account_sessions. Kept because dropping a column on SQLite rebuilds the
    # accounts table, which other tables reference (their foreign-key actions would fire on the rebuild).
    session_epoch = fields.IntField(default=0)
    actor = fields.OneToOneField("models.Actor", related_name="account", on_delete=fields.CASCADE)
    created_at = fields.DatetimeField(auto_now_add=True)
    last_login_at = fields.DatetimeField(null=True)

    class Meta:
        table = "accounts"


class AccountSession(Model):
    """One signed-in browser of an account: its cookie carries a random token, stored here only as a SHA-256 hash.

    Signing out deletes the row, so a copy of the cookie opens nothing afterwards. A session lasts a fixed time
    from sign-in (expires_at), however active; last_seen_at is refreshed at most every few minutes.
    """

    id = fields.IntField(primary_key=True)
    token_hash = fields.CharField(max_length=64, unique=True)
    account = fields.ForeignKeyField(
        "models.Account", related_name="sessions", on_delete=fields.CASCADE, db_index=True
    )
    created_at = fields.DatetimeField()
    last_seen_at = fields.DatetimeField()
    expires_at = fields.DatetimeField(db_index=True)
    # A short description such as "Firefox on Linux", never the full User-Agent string.
    browser = fields.CharField(max_length=100, default="")

    class Meta:
        table = "account_sessions"


class Invite(Model):
    """A single-use invitation to register, or to one circle, stored as a hash of its token."""

    id = fields.IntField(primary_key=True)
    token_hash = fields.CharField(max_length=64, unique=True)
    created_by = fields.ForeignKeyField(
        "models.Account", related_name="invites_created", null=True, on_delete=fields.SET_NULL
    )
    note = fields.CharField(max_length=255, default="")
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    used_by = fields.ForeignKeyField("models.Account", related_name="invite_used", null=True, on_delete=fields.SET_NULL)
    used_at = fields.DatetimeField(null=True)
    # An invitation to one circle: whoever uses it joins that circle at once (and may register to do so).
    circle = fields.ForeignKeyField("models.Circle", related_name="invites", null=True, on_delete=fields.CASCADE)

    class Meta:
        table = "invites"


class PasswordReset(Model):
    """A one-time link an admin gave a member to set a new password (only a hash of the token is kept)."""

    id = fields.IntField(primary_key=True)
    account = fields.ForeignKeyField("models.Account", related_name="password_resets", on_delete=fields.CASCADE)
    token_hash = fields.CharField(max_length=64, unique=True)
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "password_resets"


class LoginFailure(Model):
    """One failed sign-in, keyed by username and by client address bucket: the shared rate-limit record."""

    id = fields.IntField(primary_key=True)
    key = fields.CharField(max_length=255)
    failed_at = fields.DatetimeField()

    class Meta:
        table = "login_failures"
        indexes = (("key", "failed_at"),)


class LoginLockout(Model):
    """A sign-in limit reached (for the admins' list of recent lockouts): which name, which limit, from where, until
    when. Kept for a week; the address is the counted bucket (IPv6: its /64), "" for a limit across addresses."""

    id = fields.IntField(primary_key=True)
    username = fields.CharField(max_length=64)
    kind = fields.CharField(max_length=16)  # domain/login_limits.py: PAIR, ADDRESS, DEVICE or SLOWED
    address = fields.CharField(max_length=64, default="")
    failures = fields.IntField()
    started_at = fields.DatetimeField(db_index=True)
    until = fields.DatetimeField()

    class Meta:
        table = "login_lockouts"


class InstanceSecret(Model):
    """A secret generated on first use and shared by every process (e.g. the session cookie key). Never logged."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=64, unique=True)
    value = fields.TextField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "instance_secrets"


class Circle(Model):
    """A peer-support circle (a Group actor): hosted here (is_local) or a remote circle local members joined."""

    id = fields.IntField(primary_key=True)
    actor = fields.OneToOneField("models.Actor", related_name="circle", on_delete=fields.CASCADE)
    is_local = fields.BooleanField(default=True)
    slug = fields.CharField(max_length=64)
    name = fields.CharField(max_length=255)
    description = fields.TextField(default="")
    rules_source = fields.TextField(default="")
    rules_html = fields.TextField(default="")
    visibility = fields.CharEnumField(Visibility, default=Visibility.PUBLIC, max_length=16)
    requires_approval = fields.BooleanField(default=False)
    posting_restricted_to_mods = fields.BooleanField(default=False)
    retention_days = fields.IntField(null=True)
    # Bumped when facilitators require members to acknowledge changed ground rules again.
    rules_version = fields.IntField(default=1)
    # Members may write private messages to each other (facilitators and members always may write to each other).
    members_may_message = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "circles"
        # A circle's page finds it by slug; the home page lists local circles of a level by name.
        indexes = (("slug", "is_local"), ("is_local", "visibility", "name"))


class Membership(Model):
    """An actor's place in a circle: its role and whether the join was approved."""

    id = fields.IntField(primary_key=True)
    circle = fields.ForeignKeyField("models.Circle", related_name="memberships", on_delete=fields.CASCADE)
    actor = fields.ForeignKeyField("models.Actor", related_name="memberships", on_delete=fields.CASCADE)
    role = fields.CharEnumField(Role, default=Role.MEMBER, max_length=16)
    state = fields.CharEnumField(MembershipState, default=MembershipState.PENDING, max_length=16)
    follow_activity_uri = fields.CharField(max_length=2048, null=True)
    pseudonym = fields.CharField(max_length=64, null=True)
    rules_acknowledged_at = fields.DatetimeField(null=True)
    rules_version_acknowledged = fields.IntField(null=True)
    # Approved while the circle was public: facilitators review these people when the circle becomes confidential.
    joined_while_public = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "memberships"
        unique_together = (("circle", "actor"),)
        indexes = (("actor_id", "state", "role"),)  # a person's circles, and whether they facilitate any


class CircleName(Model):
    """The name a person chose for one circle. It outlives their membership: leaving and joining again (or being
    removed and let back in) keeps the name they chose, as their posts on other instances do."""

    id = fields.IntField(primary_key=True)
    circle = fields.ForeignKeyField("models.Circle", related_name="chosen_names", on_delete=fields.CASCADE)
    actor = fields.ForeignKeyField("models.Actor", related_name="chosen_names", on_delete=fields.CASCADE)
    name = fields.CharField(max_length=64)

    class Meta:
        table = "circle_names"
        unique_together = (("circle", "actor"),)


class Thread(Model):
    """A thread in a circle (an AS2 Page): its title and opening post."""

    id = fields.IntField(primary_key=True)
    uri = fields.CharField(max_length=2048, unique=True)
    circle = fields.ForeignKeyField("models.Circle", related_name="threads", on_delete=fields.CASCADE)
    author = fields.ForeignKeyField("models.Actor", related_name="threads", on_delete=fields.CASCADE)
    title = fields.CharField(max_length=255)
    content_html = fields.TextField(default="")
    source = fields.TextField(default="")
    content_warning = fields.CharField(max_length=255, null=True)
    language = fields.CharField(max_length=35, null=True)  # BCP 47 tag of a remote text, when it said
    is_locked = fields.BooleanField(default=False)
    is_pinned = fields.BooleanField(default=False)
    # Who it was written for (domain/read_rule.py): the circle's visibility then, or for a copy received from
    # another instance, public only when it was addressed to Public. Opening the circle later never widens it.
    audience = fields.CharEnumField(Visibility, default=Visibility.PUBLIC, max_length=16)
    review_state = fields.CharEnumField(ReviewState, default=ReviewState.VISIBLE, max_length=16)
    review_reason = fields.TextField(null=True)
    review_note = fields.TextField(default="")  # a facilitator's words to the author when declining it
    published_at = fields.DatetimeField()
    edited_at = fields.DatetimeField(null=True)
    last_activity_at = fields.DatetimeField(db_index=True)
    deleted_at = fields.DatetimeField(null=True)

    class Meta:
        table = "threads"
        # A circle's page: its pinned threads, then the others by last activity (keyset pages); counts by circle.
        indexes = (("circle_id", "is_pinned", "last_activity_at", "id"),)


class Post(Model):
    """A reply in a thread (an AS2 Note)."""

    id = fields.IntField(primary_key=True)
    uri = fields.CharField(max_length=2048, unique=True)
    thread = fields.ForeignKeyField("models.Thread", related_name="posts", on_delete=fields.CASCADE)
    author = fields.ForeignKeyField("models.Actor", related_name="posts", on_delete=fields.CASCADE)
    in_reply_to_uri = fields.CharField(max_length=2048)
    audience = fields.CharEnumField(Visibility, default=Visibility.PUBLIC, max_length=16)  # as Thread.audience
    review_state = fields.CharEnumField(ReviewState, default=ReviewState.VISIBLE, max_length=16)
    review_reason = fields.TextField(null=True)
    review_note = fields.TextField(default="")  # as Thread.review_note
    content_html = fields.TextField(default="")
    source = fields.TextField(default="")
    content_warning = fields.CharField(max_length=255, null=True)
    language = fields.CharField(max_length=35, null=True)  # as Thread.language
    published_at = fields.DatetimeField(db_index=True)
    edited_at = fields.DatetimeField(null=True)
    deleted_at = fields.DatetimeField(null=True)

    class Meta:
        table = "posts"
        # A thread's replies and its context collection, oldest first (keyset pages).
        indexes = (("thread_id", "published_at", "id"),)


class Revision(Model):
    """A version of a thread or reply other than the one shown: an earlier text an edit replaced (history,
    for facilitators), or an edit the safety net held (proposed: the shown text stays until a facilitator
    approves it; declined ones are kept with the facilitator's note for the author)."""

    id = fields.IntField(primary_key=True)
    thread = fields.ForeignKeyField("models.Thread", related_name="revisions", null=True, on_delete=fields.CASCADE)
    post = fields.ForeignKeyField("models.Post", related_name="revisions", null=True, on_delete=fields.CASCADE)
    author = fields.ForeignKeyField("models.Actor", related_name="revisions", on_delete=fields.CASCADE)
    is_proposal = fields.BooleanField(default=False)
    state = fields.CharEnumField(ReviewState, default=ReviewState.VISIBLE, max_length=16)
    title = fields.CharField(max_length=255, default="")
    source = fields.TextField(default="")
    content_html = fields.TextField(default="")
    content_warning = fields.CharField(max_length=255, null=True)
    review_reason = fields.TextField(null=True)
    decision_note = fields.TextField(default="")
    created_at = fields.DatetimeField()
    decided_at = fields.DatetimeField(null=True)

    class Meta:
        table = "revisions"
        indexes = (("thread_id", "is_proposal"), ("post_id", "is_proposal"))  # a thread page's held edits


class Conversation(Model):
    """Private messages between two people, opened in a circle (its context): a facilitator and a member, or two
    members where the circle allows it. Never in a collection, a count or a listing of anything else."""

    id = fields.IntField(primary_key=True)
    circle = fields.ForeignKeyField("models.Circle", related_name="conversations", null=True, on_delete=fields.SET_NULL)
    started_by = fields.ForeignKeyField("models.Actor", related_name="conversations_started", on_delete=fields.CASCADE)
    created_at = fields.DatetimeField()
    last_message_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "conversations"


class ConversationParty(Model):
    """One of the two people in a conversation: who they are here, the actor that speaks for a local party to
    other instances (their per-circle pseudonym in a members circle), and whether they have read everything."""

    id = fields.IntField(primary_key=True)
    conversation = fields.ForeignKeyField("models.Conversation", related_name="parties", on_delete=fields.CASCADE)
    actor = fields.ForeignKeyField("models.Actor", related_name="conversation_parties", on_delete=fields.CASCADE)
    # Set for a local party of a conversation with a remote one, when the first message leaves: it stays.
    voice = fields.ForeignKeyField(
        "models.Actor", related_name="voiced_parties", null=True, on_delete=fields.CASCADE, db_index=True
    )
    has_unread = fields.BooleanField(default=False)

    class Meta:
        table = "conversation_parties"
        unique_together = (("conversation", "actor"),)
        indexes = (("actor_id", "has_unread"),)  # every page counts the viewer's unread conversations


class Message(Model):
    """One private message (a direct Note to a remote party): its author is the person, never the pseudonym."""

    id = fields.IntField(primary_key=True)
    uri = fields.CharField(max_length=2048, unique=True)
    conversation = fields.ForeignKeyField("models.Conversation", related_name="messages", on_delete=fields.CASCADE)
    author = fields.ForeignKeyField("models.Actor", related_name="messages", on_delete=fields.CASCADE)
    source = fields.TextField(default="")
    content_html = fields.TextField(default="")
    created_at = fields.DatetimeField()

    class Meta:
        table = "messages"


class OutboxActivity(Model):
    """An activity this instance sent, kept so that it can be dereferenced at its id."""

    id = fields.IntField(primary_key=True)
    uri = fields.CharField(max_length=2048, unique=True)
    type = fields.CharField(max_length=32)
    actor = fields.ForeignKeyField("models.Actor", related_name="outbox", on_delete=fields.CASCADE)
    circle = fields.ForeignKeyField("models.Circle", related_name="activities", null=True, on_delete=fields.CASCADE)
    object_uri = fields.CharField(max_length=2048, null=True, db_index=True)
    payload = fields.JSONField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "outbox_activities"
        # A circle's outbox: the Group's latest Announces, newest first.
        indexes = (("circle_id", "actor_id", "type", "id"),)


class Delivery(Model):
    """One outgoing activity to one inbox: a row of the transactional outbox queue."""

    id = fields.IntField(primary_key=True)
    activity = fields.ForeignKeyField("models.OutboxActivity", related_name="deliveries", on_delete=fields.CASCADE)
    inbox_uri = fields.CharField(max_length=2048)
    domain = fields.CharField(max_length=255, db_index=True)
    # Deliveries sharing an ordering key and inbox go out in id order (an Update never overtakes its Create).
    ordering_key = fields.CharField(max_length=2048, null=True, db_index=True)
    # The delivery this one waits for: the newest unfinished one of the same ordering key and inbox when queued.
    after_id = fields.IntField(null=True)
    state = fields.CharEnumField(QueueState, default=QueueState.PENDING, max_length=16)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField()
    lease_until = fields.DatetimeField(null=True)
    leased_by = fields.CharField(max_length=64, null=True)
    last_status = fields.IntField(null=True)
    last_error = fields.TextField(null=True)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField(auto_now=True)
    finished_at = fields.DatetimeField(null=True)

    class Meta:
        table = "deliveries"
        unique_together = (("activity", "inbox_uri"),)
        indexes = (("state", "next_attempt_at"),)


class InboxItem(Model):
    """A verified incoming activity, stored once by id, processed later by the worker."""

    id = fields.IntField(primary_key=True)
    activity_uri = fields.CharField(max_length=2048, unique=True)
    # The signature that delivered it: the inbox's replay cache (an identical request sent again is refused).
    replay_key = fields.CharField(max_length=128, null=True, unique=True)
    actor_uri = fields.CharField(max_length=2048)
    domain = fields.CharField(max_length=255, db_index=True)
    payload = fields.JSONField()
    state = fields.CharEnumField(QueueState, default=QueueState.PENDING, max_length=16)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField()
    lease_until = fields.DatetimeField(null=True)
    leased_by = fields.CharField(max_length=64, null=True)
    last_error = fields.TextField(null=True)
    received_at = fields.DatetimeField()
    finished_at = fields.DatetimeField(null=True)

    class Meta:
        table = "inbox_items"
        indexes = (("state", "next_attempt_at"),)


class Reaction(Model):
    """A Like or Dislike of a thread or reply. Only counts are ever shown, never the voters."""

    id = fields.IntField(primary_key=True)
    actor = fields.ForeignKeyField("models.Actor", related_name="reactions", on_delete=fields.CASCADE)
    thread = fields.ForeignKeyField("models.Thread", related_name="reactions", null=True, on_delete=fields.CASCADE)
    post = fields.ForeignKeyField("models.Post", related_name="reactions", null=True, on_delete=fields.CASCADE)
    # The reacted-to object's uri: the uniqueness key (a nullable thread/post pair could not be unique).
    object_uri = fields.CharField(max_length=2048, db_index=True)
    kind = fields.CharEnumField(ReactionKind, max_length=16)
    activity_uri = fields.CharField(max_length=2048, unique=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "reactions"
        unique_together = (("actor", "object_uri", "kind"),)


class InstancePolicy(Model):
    """The admin-editable policy of this instance (one row): federation mode now, more knobs later."""

    id = fields.IntField(primary_key=True)
    federation_mode = fields.CharEnumField(FederationMode, default=FederationMode.OPEN, max_length=16)
    registration_mode = fields.CharEnumField(RegistrationMode, default=RegistrationMode.APPROVAL, max_length=16)
    # Confidentiality: other instances see per-circle pseudonyms unless the admin allows real names.
    share_real_names = fields.BooleanField(default=False)
    # Members circles federate to software that does not honour privacy only when the admin says so.
    members_circles_to_untrusted_software = fields.BooleanField(default=False)
    crisis_resources = fields.TextField(default="")
    hold_first_posts = fields.BooleanField(default=False)
    forward_reports_to_author_instance = fields.BooleanField(default=False)
    # Shown on the pages instead of the settings file's instance.name/description when set by an admin.
    instance_name = fields.CharField(max_length=255, null=True)
    instance_description = fields.TextField(null=True)
    circle_creators = fields.CharEnumField(CircleCreators, default=CircleCreators.ADMINS, max_length=16)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "instance_policy"


class TrustedInstance(Model):
    """A partner instance the admin trusts with members circles (confidential content may go there)."""

    id = fields.IntField(primary_key=True)
    domain = fields.CharField(max_length=255, unique=True)
    note = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "trusted_instances"


class CircleBan(Model):
    """A member banned from a circle by a facilitator, maybe until a time, maybe with their posts removed."""

    id = fields.IntField(primary_key=True)
    circle = fields.ForeignKeyField("models.Circle", related_name="bans", on_delete=fields.CASCADE)
    actor = fields.ForeignKeyField("models.Actor", related_name="circle_bans", on_delete=fields.CASCADE)
    banned_by = fields.ForeignKeyField("models.Actor", related_name="bans_issued", on_delete=fields.CASCADE)
    reason = fields.TextField(default="")
    expires_at = fields.DatetimeField(null=True)
    remove_data = fields.BooleanField(default=False)
    # Whether the banned person (and their instance) may read the reason; facilitators always can.
    reason_shared = fields.BooleanField(default=False)
    # The membership state the ban replaced (approved or pending), restored when the ban ends; None: none.
    previous_state = fields.CharField(max_length=16, null=True)
    activity_uri = fields.CharField(max_length=2048, null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "circle_bans"
        unique_together = (("circle", "actor"),)


class Report(Model):
    """A member's report of a post or a person to a circle's facilitators, and how it was resolved."""

    id = fields.IntField(primary_key=True)
    circle = fields.ForeignKeyField("models.Circle", related_name="reports", null=True, on_delete=fields.CASCADE)
    reporter = fields.ForeignKeyField("models.Actor", related_name="reports_made", on_delete=fields.CASCADE)
    object_uri = fields.CharField(max_length=2048)
    reported_actor = fields.ForeignKeyField(
        "models.Actor", related_name="reports_about", null=True, on_delete=fields.SET_NULL
    )
    category = fields.CharEnumField(ReportCategory, default=ReportCategory.OTHER, max_length=32)
    reason = fields.TextField(default="")
    activity_uri = fields.CharField(max_length=2048, null=True, unique=True)
    state = fields.CharEnumField(ReportState, default=ReportState.OPEN, max_length=16)
    # While the report is open: a digest of (reporter, reported object), so that one person has one open report
    # about a post even when two requests race; cleared when it is resolved.
    open_key = fields.CharField(max_length=64, null=True, unique=True)
    outcome = fields.TextField(null=True)
    resolved_by = fields.ForeignKeyField(
        "models.Actor", related_name="reports_resolved", null=True, on_delete=fields.SET_NULL
    )
    created_at = fields.DatetimeField()
    resolved_at = fields.DatetimeField(null=True)

    class Meta:
        table = "reports"


class ModerationLogEntry(Model):
    """One moderation action (append-only): who did what, to what, why and when."""

    id = fields.IntField(primary_key=True)
    circle = fields.ForeignKeyField("models.Circle", related_name="log", null=True, on_delete=fields.SET_NULL)
    moderator = fields.ForeignKeyField("models.Actor", related_name="moderation_log", on_delete=fields.CASCADE)
    action = fields.CharField(max_length=64)
    target_uri = fields.CharField(max_length=2048, default="")
    reason = fields.TextField(default="")
    created_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "moderation_log"


class ContentRule(Model):
    """A blocked term or pattern, for the whole instance (no circle) or one circle: reject or hold for review."""

    id = fields.IntField(primary_key=True)
    circle = fields.ForeignKeyField("models.Circle", related_name="content_rules", null=True, on_delete=fields.CASCADE)
    pattern = fields.TextField()
    is_regex = fields.BooleanField(default=False)
    action = fields.CharEnumField(ContentRuleAction, max_length=16)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "content_rules"
