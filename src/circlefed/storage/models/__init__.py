"""Storage: tortoise-orm models for instances, accounts, actors, circles, memberships, threads, posts and queues.

One module per subject; every model and enum is re-exported here under its own name. Tortoise finds the models
by `dir()` of this package (the "models" app of storage/db.py), so a new model is imported here too, and
foreign keys name models by app label as "models.X" whatever module holds them.
"""

from __future__ import annotations

from circlefed.storage.models.accounts import (
    Account,
    AccountSession,
    Invite,
    LoginFailure,
    LoginLockout,
    PasswordReset,
)
from circlefed.storage.models.circles import (
    Circle,
    CircleName,
    Membership,
    MembershipState,
    Role,
    Visibility,
)
from circlefed.storage.models.content import (
    Post,
    Reaction,
    ReactionKind,
    ReviewState,
    Revision,
    Thread,
)
from circlefed.storage.models.instance_policy import (
    CircleCreators,
    FederationMode,
    InstancePolicy,
    InstanceSecret,
    RegistrationMode,
    TrustedInstance,
)
from circlefed.storage.models.instances import (
    Actor,
    DomainAction,
    DomainRule,
    Instance,
    SeenSignature,
    SignatureScheme,
)
from circlefed.storage.models.messages import (
    Conversation,
    ConversationParty,
    Message,
)
from circlefed.storage.models.moderation import (
    CircleBan,
    ContentRule,
    ContentRuleAction,
    ModerationLogEntry,
    Report,
    ReportCategory,
    ReportState,
)
from circlefed.storage.models.notifications import (
    Marker,
    Notification,
    NotificationKind,
)
from circlefed.storage.models.oauth import (
    OAuthApp,
    OAuthCode,
    OAuthToken,
)
from circlefed.storage.models.queues import (
    Delivery,
    InboxItem,
    OutboxActivity,
    QueueState,
)

__all__ = [
    "Account",
    "AccountSession",
    "Actor",
    "Circle",
    "CircleBan",
    "CircleCreators",
    "CircleName",
    "ContentRule",
    "ContentRuleAction",
    "Conversation",
    "ConversationParty",
    "Delivery",
    "DomainAction",
    "DomainRule",
    "FederationMode",
    "InboxItem",
    "Instance",
    "InstancePolicy",
    "InstanceSecret",
    "Invite",
    "LoginFailure",
    "LoginLockout",
    "Marker",
    "Membership",
    "MembershipState",
    "Message",
    "ModerationLogEntry",
    "Notification",
    "NotificationKind",
    "OAuthApp",
    "OAuthCode",
    "OAuthToken",
    "OutboxActivity",
    "PasswordReset",
    "Post",
    "QueueState",
    "Reaction",
    "ReactionKind",
    "RegistrationMode",
    "Report",
    "ReportCategory",
    "ReportState",
    "ReviewState",
    "Revision",
    "Role",
    "SeenSignature",
    "SignatureScheme",
    "Thread",
    "TrustedInstance",
    "Visibility",
]
