"""TLS and mutual TLS for the TCP, WebSocket and HTTP listeners.

With ``tls_cert``/``tls_key`` the listeners speak TLS only. With ``tls_client_ca`` as well,
every client must present a certificate signed by that CA (mTLS), and the certificate's
subject common name becomes the principal when no token says otherwise.
"""

from __future__ import annotations

import ssl
from typing import Any

from mcp_workbench.config import Settings
from mcp_workbench.errors import WorkbenchError

__all__ = ["certificate_principal", "server_tls"]


def server_tls(settings: Settings) -> ssl.SSLContext | None:
    """The server's TLS context, or None when TLS is off.

    Raises:
        WorkbenchError: a certificate or key cannot be loaded, or only one of them is set.
    """
    if settings.tls_cert is None and settings.tls_key is None:
        if settings.tls_client_ca is not None:
            raise WorkbenchError("tls_client_ca needs tls_cert and tls_key")
        return None
    if settings.tls_cert is None or settings.tls_key is None:
        raise WorkbenchError("set both tls_cert and tls_key")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(settings.tls_cert, settings.tls_key)
        if settings.tls_client_ca is not None:
            context.load_verify_locations(settings.tls_client_ca)
            context.verify_mode = ssl.CERT_REQUIRED
    except (OSError, ssl.SSLError) as exc:
        raise WorkbenchError(f"cannot load the TLS certificate or key: {exc}") from exc
    return context


def certificate_principal(peercert: dict[str, Any] | None) -> str | None:
    """The common name of a verified client certificate's subject."""
    if not peercert:
        return None
    for rdn in peercert.get("subject", ()):
        for key, value in rdn:
            if key == "commonName" and isinstance(value, str) and value:
                return value
    return None
