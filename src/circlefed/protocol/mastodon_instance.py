"""Protocol: the Mastodon client API's instance documents (/api/v1/instance, /api/v2/instance), in the shapes apps
parse at sign-in: a version string with a Mastodon version first, limits, and whether people may register."""

from __future__ import annotations

from dataclasses import dataclass

# Apps decide which API calls exist from the leading Mastodon version (Mastodon.py, Tusky, Ivory); what follows
# in brackets names the real server, as other compatible servers do.
MASTODON_COMPATIBLE = "4.3.0"


@dataclass(frozen=True)
class InstanceFacts:
    """What the documents say; the caller guarantees the counts leave confidential circles out (NodeInfo's)."""

    domain: str
    base_url: str
    title: str
    description: str
    software_version: str
    registrations_open: bool
    approval_required: bool
    invites_enabled: bool
    max_characters: int
    users: int
    active_month: int
    statuses: int


def version_string(software_version: str) -> str:
    return f"{MASTODON_COMPATIBLE} (compatible; circlefed {software_version})"


def render_instance_v1(facts: InstanceFacts) -> dict:
    return {
        "uri": facts.domain,
        "title": facts.title,
        "short_description": facts.description,
        "description": facts.description,
        "email": "",
        "version": version_string(facts.software_version),
        "urls": {"streaming_api": ""},
        # Known domains are not counted: which instances a clinic federates with is not published.
        "stats": {"user_count": facts.users, "status_count": facts.statuses, "domain_count": 0},
        "thumbnail": None,
        "languages": [],
        "registrations": facts.registrations_open,
        "approval_required": facts.approval_required,
        "invites_enabled": facts.invites_enabled,
        "configuration": _configuration(facts),
        "contact_account": None,
        "rules": [],
    }


def render_instance_v2(facts: InstanceFacts) -> dict:
    return {
        "domain": facts.domain,
        "title": facts.title,
        "version": version_string(facts.software_version),
        "source_url": "",
        "description": facts.description,
        "usage": {"users": {"active_month": facts.active_month}},
        "thumbnail": {"url": "", "blurhash": None, "versions": {}},
        "icon": [],
        "languages": [],
        "configuration": {
            "urls": {"streaming": "", "status": None, "about": f"{facts.base_url}/"},
            "vapid": {"public_key": ""},
            "accounts": {"max_featured_tags": 0, "max_pinned_statuses": 0},
            "translation": {"enabled": False},
            **_configuration(facts),
        },
        "registrations": {
            "enabled": facts.registrations_open,
            "approval_required": facts.approval_required,
            "message": None,
            "url": None,
        },
        "api_versions": {"mastodon": 2},
        "contact": {"email": "", "account": None},
        "rules": [],
    }


def _configuration(facts: InstanceFacts) -> dict:
    """Limits apps enforce before sending: the post length, and no media or polls (not offered here)."""
    return {
        "statuses": {"max_characters": facts.max_characters, "max_media_attachments": 0,
                     "characters_reserved_per_url": 23},
        "media_attachments": {"supported_mime_types": [], "image_size_limit": 0, "image_matrix_limit": 0,
                              "video_size_limit": 0, "video_frame_rate_limit": 0, "video_matrix_limit": 0},
        "polls": {"max_options": 0, "max_characters_per_option": 0, "min_expiration": 0, "max_expiration": 0},
    }
