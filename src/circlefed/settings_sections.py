"""Root: the sections of the settings, one frozen dataclass each: every key with its type, default and help."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit


def setting(default, help: str, *, secret: bool = False):
    """A dataclass field carrying its help text (shown in docs and checked by tests); a secret is left out of
    the settings' repr, so that printing or logging them never shows it."""
    if isinstance(default, (list, tuple)):
        return field(default_factory=lambda: tuple(default), metadata={"help": help})
    return field(default=default, metadata={"help": help, "secret": secret}, repr=not secret)


class Duration(float):
    """Seconds, written in the file as "30s", "10m", "3h" or "7d" (or a bare number of seconds)."""


@dataclass(frozen=True)
class InstanceSettings:
    base_url: str = setting(
        "",
        "Public URL of this instance; its authority (host[:port]) is the instance domain used in handles. Empty:"
        " http://WEB.HOST:WEB.PORT, the address served (for trying it out; set it for production).",
    )
    name: str = setting("circlefed", "Display name of the instance.")
    description: str = setting("A circlefed instance.", "One-line description shown on the home page.")

    @property
    def domain(self) -> str:
        """The instance domain: host[:port] of base_url, lowercase."""
        return urlsplit(self.base_url).netloc.lower()

    @property
    def scheme(self) -> str:
        return urlsplit(self.base_url).scheme


@dataclass(frozen=True)
class DatabaseSettings:
    url: str = setting(
        "sqlite://./data/circlefed.sqlite3",
        "sqlite://relative/path, sqlite:///absolute/path or postgres://user@host:port/dbname.",
    )


@dataclass(frozen=True)
class WebSettings:
    host: str = setting("127.0.0.1", "Address the web server listens on.")
    port: int = setting(8080, "Port the web server listens on.")
    max_body_bytes: int = setting(
        1_048_576, "Largest request body accepted (inboxes and forms); larger is 413."
    )
    run_worker: bool = setting(True, "Run the queue worker inside the web process (false: only enqueue).")
    tls_cert: str = setting("", "PEM certificate chain to serve HTTPS directly (empty: plain HTTP).")
    tls_key: str = setting("", "PEM private key for tls_cert.")
    metrics_token: str = setting(
        "", "Bearer token /metrics and the detailed /healthz ask for; empty: they answer only this machine (loopback)."
    )
    page_cache_entries: int = setting(
        1000, "Pages of public circles kept for readers who are not signed in, served again until anything on them"
        " changes (0: none kept).",
    )
    trusted_proxies: tuple[str, ...] = setting(
        (),
        "Addresses or CIDRs of the reverse proxies in front (e.g. 127.0.0.1 for nginx on the same machine): the"
        " client is then the last address of X-Forwarded-For they did not add. Empty: the connecting address.",
    )


@dataclass(frozen=True)
class FederationSettings:
    allow_http: bool = setting(False, "Allow http:// ids and fetches (local development and tests only).")
    private_address_allowlist: tuple[str, ...] = setting(
        (), "Hosts or CIDRs the SSRF guard may reach although private or loopback (tests, lab setups)."
    )
    authorized_fetch: bool = setting(
        False, "Require signed GETs for every AS2 document (non-public content always requires them)."
    )
    fetch_timeout: Duration = setting(15.0, "Total time allowed for one outbound request.")
    max_fetch_bytes: int = setting(1_048_576, "Largest remote document accepted.")
    new_keys_per_minute: int = setting(
        600, "Keys not seen before fetched per minute from one host to check signatures (0: no limit); requests"
        " signed with more new keys are refused 401 before anything is fetched."
    )


@dataclass(frozen=True)
class DeliverySettings:
    concurrency: int = setting(16, "Deliveries and inbox items one worker processes at the same time.")
    max_attempts: int = setting(16, "Attempts before a delivery is marked failed.")
    max_age: Duration = setting(3 * 86400.0, "A delivery still not done this long after it was queued fails.")
    base_backoff: Duration = setting(30.0, "Wait after the first failed attempt; doubles each time (with jitter).")
    max_backoff: Duration = setting(6 * 3600.0, "Longest wait between two attempts, for a delivery or a domain.")
    lease: Duration = setting(120.0, "How long a worker owns a claimed row; an expired lease returns to pending.")
    poll_interval: Duration = setting(1.0, "How often an idle worker looks for due work.")
    request_timeout: Duration = setting(10.0, "Total time allowed for one delivery POST.")
    inbox_retention: Duration = setting(
        30 * 86400.0, "Received activities are deleted this long after they were processed or failed (0: kept)."
    )
    worker_nice: int = setting(
        10,
        "CPU priority a `circlefed worker` process gives up (a nice increment, 0-19): on a machine it shares with"
        " the web process, pages are answered first and fan-outs use the CPU left over (0: same priority).",
    )


@dataclass(frozen=True)
class ConfidentialitySettings:
    facilitator_visibilities: tuple[str, ...] = setting(
        ("members", "local"),
        "Visibility levels facilitators may give their circles (public, members, local); admins choose any.",
    )


@dataclass(frozen=True)
class ModerationSettings:
    crisis_phrases: bool = setting(
        True,
        "Hold posts whose title or text (not its content warning) matches the built-in English crisis phrases"
        " (suicidal thoughts, plans, self-harm, overdose, hopelessness; after normalising case, punctuation,"
        " contractions, slang and letter/number swaps) and show the poster the crisis resources; false: only"
        " crisis_terms.",
    )
    crisis_terms: tuple[str, ...] = setting(
        (),
        "Your own words and phrases, in any language, that hold a post like the built-in phrases (whole words,"
        " normalised the same way: \"k1ll myself\" matches \"kill myself\"); added to the built-in phrases.",
    )
    account_posts_per_minute: int = setting(
        6, "Threads and replies a local account may post per minute on average (0: no limit)."
    )
    account_post_burst: int = setting(20, "Posts a local account may make in a row before the rate applies.")
    domain_deliveries_per_minute: int = setting(
        600, "Inbox deliveries accepted per minute from one remote domain (0: no limit); more answer 429."
    )
    domain_delivery_burst: int = setting(
        600, "Deliveries from one remote domain accepted in a row before the rate applies."
    )
    domain_bytes_per_minute: int = setting(
        67_108_864, "Inbox bytes accepted per minute from one remote domain (0: no limit); more answer 429."
    )
    domain_bytes_burst: int = setting(
        67_108_864, "Inbox bytes from one remote domain accepted in a row before the byte rate applies."
    )
    remote_reports_per_minute: int = setting(
        3, "Reports (Flags) one remote actor may send per minute on average (0: no limit); more are refused."
    )
    remote_report_burst: int = setting(10, "Reports one remote actor may send in a row before the rate applies.")


@dataclass(frozen=True)
class MediaSettings:
    proxy: bool = setting(
        False,
        "Show remote posts' images inline, fetched through this server when a reader who may read the post opens"
        " it (the image's server never sees the reader's address). False: images are links the reader may follow.",
    )
    max_bytes: int = setting(8_388_608, "Largest image the media proxy passes on; larger ones stay links.")


MAIL_TLS_MODES = ("starttls", "tls", "none")
_MAIL_DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 25}


@dataclass(frozen=True)
class MailSettings:
    host: str = setting("", "SMTP server that sends this instance's e-mail (empty: no e-mail is sent).")
    port: int = setting(0, "SMTP port; 0: by tls (587 for starttls, 465 for tls, 25 for none).")
    username: str = setting("", "SMTP user name (empty: no authentication).")
    password: str = setting("", "SMTP password for username (never logged or shown).", secret=True)
    from_address: str = setting(
        "", 'Sender of the instance\'s e-mail, e.g. "circlefed <noreply@clinic.example>" (empty: no e-mail is sent).'
    )
    tls: str = setting(
        "starttls", "starttls (upgrade a plain connection), tls (TLS from the start) or none (loopback hosts only)."
    )
    timeout: Duration = setting(30.0, "Total time allowed to hand one message to the SMTP server.")

    @property
    def configured(self) -> bool:
        """E-mail is sent (password links by e-mail) only when both the server and the sender are set."""
        return bool(self.host and self.from_address)

    @property
    def effective_port(self) -> int:
        return self.port or _MAIL_DEFAULT_PORTS.get(self.tls, 587)


@dataclass(frozen=True)
class LoggingSettings:
    level: str = setting("INFO", "Log level: DEBUG, INFO, WARNING or ERROR.")

