"""URL checks and normalisation (no Qt).

``normalize_url`` is what sources are de-duplicated on: lower-case scheme and
host, no default port, no fragment, no tracking parameters; the path and
every other query parameter are kept exactly as typed, in their order.
``openable_url`` is the single gate every link the application opens goes
through: strict parse, http or https, a host.
"""

from __future__ import annotations

from urllib.parse import SplitResult, urlsplit, urlunsplit

ALLOWED_SCHEMES = ("http", "https")
DEFAULT_PORTS = {"http": 80, "https": 443}
TRACKING_PARAMS = frozenset(
    {"fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "mc_cid", "mc_eid",
     "igshid", "yclid", "_ga", "_gl", "twclid", "si"}
)
MAX_URL_LENGTH = 4096


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered.startswith("utm_") or lowered in TRACKING_PARAMS


def url_problem(url: str) -> str | None:
    """Why ``url`` is not an acceptable web address, or None if it is."""
    if not url or not url.strip():
        return "is empty"
    if url != url.strip():
        return "has spaces at the start or end"
    if len(url) > MAX_URL_LENGTH:
        return f"is longer than {MAX_URL_LENGTH:,} characters"
    if any(ord(ch) < 33 or 0x7F <= ord(ch) < 0xA0 for ch in url):
        return "contains spaces or control characters"
    try:
        parts = urlsplit(url)
        port = parts.port  # raises ValueError on a bad port
    except ValueError as exc:
        return f"cannot be read as a web address ({exc})"
    if not parts.scheme:
        return "has no scheme; it should start with http:// or https://"
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        return f"uses the scheme '{parts.scheme}:'; only http and https are allowed"
    if not parts.hostname:
        return "has no host name"
    if port is not None and not 0 < port < 65536:
        return "has a port number out of range"
    return None


def normalize_url(url: str) -> str:
    """The canonical form of an http(s) URL; raises ValueError when it is not one."""
    problem = url_problem(url)
    if problem:
        raise ValueError(f"The address {problem}.")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = parts.hostname or ""  # urlsplit lower-cases hostname
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = host
    if parts.username is not None or parts.password is not None:
        userinfo = parts.username or ""
        if parts.password is not None:
            userinfo += ":" + parts.password
        netloc = f"{userinfo}@{host}"
    port = parts.port
    if port is not None and port != DEFAULT_PORTS[scheme]:
        netloc += f":{port}"
    query = "&".join(
        pair for pair in parts.query.split("&")
        if pair and not _is_tracking(pair.split("=", 1)[0])
    ) if parts.query else ""
    path = parts.path or "/"  # "https://host?id=7" and "https://host/?id=7" are one page
    return urlunsplit(SplitResult(scheme, netloc, path, query, ""))


def openable_url(url: str) -> str | None:
    """The URL to hand to the system browser, or None if it must not be opened."""
    if url_problem(url or "") is not None:
        return None
    return url
