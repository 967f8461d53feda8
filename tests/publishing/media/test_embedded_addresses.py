"""IPv6 addresses that lead to an IPv4 host are judged by that host, in the media and
webhook guards alike. Literal addresses only: nothing is resolved or reached."""

from __future__ import annotations

from typing import Any

import pytest

from publishing.media import MediaFetchError, address_allowed, check_url
from webhooks.http import WebhookUrlError, webhook_url_check

# Each form, wrapping 127.0.0.1, 169.254.169.254, 10.1.2.3 and a public 93.184.215.14.
WRAPPED = {
    "mapped": ("::ffff:127.0.0.1", "::ffff:169.254.169.254", "::ffff:10.1.2.3", "::ffff:5db8:d70e"),
    "compatible": ("::127.0.0.1", "::169.254.169.254", "::10.1.2.3", "::5db8:d70e"),
    "6to4": ("2002:7f00:1::", "2002:a9fe:a9fe::1", "2002:a01:203::", "2002:5db8:d70e::"),
    "nat64": (
        "64:ff9b::127.0.0.1",
        "64:ff9b::169.254.169.254",
        "64:ff9b::10.1.2.3",
        "64:ff9b::93.184.215.14",
    ),
    # Teredo: server 65.54.227.120, client bits inverted (so 127.0.0.1 is 80ff:fffe).
    "teredo": (
        "2001:0:4136:e378:8000:63bf:80ff:fffe",
        "2001:0:4136:e378:8000:63bf:5601:5601",
        "2001:0:4136:e378:8000:63bf:f5fe:fdfc",
        "2001:0:4136:e378:8000:63bf:a247:28f1",
    ),
}
LOOPBACK, METADATA, PRIVATE, PUBLIC = range(4)
# The local-use NAT64 prefix (64:ff9b:1::/48) may be cut at /48, /56, /64 or /96, each placing
# the IPv4 address elsewhere: under /48 it is bits 48-63 and 72-87, around the u octet.
LOCAL_USE_NAT64 = {
    "loopback-96": "64:ff9b:1::127.0.0.1",
    "metadata-96": "64:ff9b:1::169.254.169.254",
    "loopback-48": "64:ff9b:1:7f00:0:100::",
    "metadata-48": "64:ff9b:1:a9fe:a9:fe00::",
    # 10.1.2.3 under /96, 127.0.0.1 under /48: one harmless reading is not enough.
    "private-96-loopback-48": "64:ff9b:1:7f00:0:100:a01:203",
}


def _forms(index: int) -> list[tuple[str, str]]:
    return [
        (form, addresses[index])
        for form, addresses in WRAPPED.items()
        if addresses[index] is not None
    ]


@pytest.mark.parametrize(("form", "address"), _forms(LOOPBACK))
def test_wrapped_loopback_follows_the_loopback_setting(
    settings: Any, form: str, address: str
) -> None:
    settings.MEDIA_ALLOW_PRIVATE = True
    settings.MEDIA_ALLOW_LOOPBACK = False
    assert address_allowed(address) is False
    settings.MEDIA_ALLOW_LOOPBACK = True
    assert address_allowed(address) is True


@pytest.mark.parametrize(("form", "address"), _forms(METADATA))
def test_wrapped_link_local_is_never_allowed(settings: Any, form: str, address: str) -> None:
    settings.MEDIA_ALLOW_LOOPBACK = True
    settings.MEDIA_ALLOW_PRIVATE = True
    assert address_allowed(address) is False


@pytest.mark.parametrize(("form", "address"), _forms(PRIVATE))
def test_wrapped_private_follows_the_private_setting(
    settings: Any, form: str, address: str
) -> None:
    settings.MEDIA_ALLOW_LOOPBACK = True
    settings.MEDIA_ALLOW_PRIVATE = False
    assert address_allowed(address) is False
    settings.MEDIA_ALLOW_PRIVATE = True
    assert address_allowed(address) is True


@pytest.mark.parametrize(("form", "address"), _forms(PUBLIC))
def test_wrapped_public_address_is_allowed(settings: Any, form: str, address: str) -> None:
    settings.MEDIA_ALLOW_LOOPBACK = False
    settings.MEDIA_ALLOW_PRIVATE = False
    assert address_allowed(address) is True


def test_ipv6_loopback_and_unspecified_are_not_read_as_ipv4(settings: Any) -> None:
    settings.MEDIA_ALLOW_LOOPBACK = False
    settings.MEDIA_ALLOW_PRIVATE = True
    assert address_allowed("::1") is False
    assert address_allowed("::") is False
    settings.MEDIA_ALLOW_LOOPBACK = True
    assert address_allowed("::1") is True


@pytest.mark.parametrize("address", LOCAL_USE_NAT64.values(), ids=LOCAL_USE_NAT64.keys())
def test_local_use_nat64_is_judged_under_every_prefix_length(settings: Any, address: str) -> None:
    settings.MEDIA_ALLOW_LOOPBACK = False
    settings.MEDIA_ALLOW_PRIVATE = True
    assert address_allowed(address) is False


def test_local_use_nat64_with_every_reading_allowed_passes(settings: Any) -> None:
    settings.MEDIA_ALLOW_LOOPBACK = False
    settings.MEDIA_ALLOW_PRIVATE = True
    # 10.10.10.10 under each of /48, /56, /64 and /96.
    assert address_allowed("64:ff9b:1:a0a:a:a0a:a0a:a0a") is True


@pytest.mark.parametrize(
    ("form", "address"),
    _forms(LOOPBACK) + _forms(METADATA) + [("nat64-local", a) for a in LOCAL_USE_NAT64.values()],
)
def test_media_and_webhook_urls_naming_a_wrapped_address_are_refused(
    settings: Any, form: str, address: str
) -> None:
    settings.MEDIA_ALLOW_LOOPBACK = False
    settings.MEDIA_ALLOW_PRIVATE = False
    settings.MEDIA_ALLOW_HTTP = True
    url = f"http://[{address}]/a.png"
    with pytest.raises(MediaFetchError, match="not a public address"):
        check_url(url)
    with pytest.raises(WebhookUrlError, match="not a public address"):
        webhook_url_check(url)
