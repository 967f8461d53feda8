from __future__ import annotations

from typing import Any

import factory

from accounts.models import ApiKey, SocialAccount, Store
from accounts.services import api_key_create
from publishing.sandbox import facebook as facebook_sandbox
from publishing.sandbox import instagram as instagram_sandbox
from publishing.sandbox import threads as threads_sandbox
from publishing.sandbox import tiktok as tiktok_sandbox
from publishing.sandbox import x as x_sandbox
from publishing.sandbox import youtube as youtube_sandbox

# Each sandbox platform names its users by its own ids and tokens.
_SANDBOX_IDS = {
    "x": x_sandbox.sandbox_user_id,
    "threads": threads_sandbox.sandbox_user_id,
    "instagram": instagram_sandbox.sandbox_user_id,
    "facebook": facebook_sandbox.sandbox_page_id,
    "youtube": youtube_sandbox.sandbox_channel_id,
    "tiktok": tiktok_sandbox.sandbox_open_id,
}
_SANDBOX_TOKENS = {
    "x": x_sandbox.sandbox_token,
    "threads": threads_sandbox.sandbox_token,
    "facebook": facebook_sandbox.sandbox_token,
    "youtube": youtube_sandbox.sandbox_token,
    "tiktok": tiktok_sandbox.sandbox_token,
}


class StoreFactory(factory.django.DjangoModelFactory[Store]):
    class Meta:
        model = Store

    name = factory.Sequence(lambda n: f"Store {n}")


class ApiKeyFactory:
    @staticmethod
    def create_with_raw(*, store: Store) -> tuple[ApiKey, str]:
        return api_key_create(store=store)


class SocialAccountFactory(factory.django.DjangoModelFactory[SocialAccount]):
    """An account the sandbox accepts: its token names its sandbox user."""

    class Meta:
        model = SocialAccount
        skip_postgeneration_save = True

    store = factory.SubFactory(StoreFactory)
    platform = "x"
    handle = factory.Sequence(lambda n: f"shop_{n}")
    platform_account_id = factory.LazyAttribute(
        lambda o: _SANDBOX_IDS.get(o.platform, x_sandbox.sandbox_user_id)(o.handle)
    )
    status = SocialAccount.Status.CONNECTED
    # Instagram accounts connect through Facebook Login unless a test says otherwise.
    login_kind = factory.LazyAttribute(
        lambda o: instagram_sandbox.FACEBOOK_LOGIN if o.platform == "instagram" else ""
    )

    @factory.post_generation
    def token(obj: SocialAccount, create: bool, extracted: Any, **kwargs: Any) -> None:
        if obj.platform == "instagram":  # the token names the login as well as the user
            obj.access_token = extracted or instagram_sandbox.sandbox_token(
                obj.handle, login=obj.login_kind or instagram_sandbox.FACEBOOK_LOGIN
            )
        else:
            token = _SANDBOX_TOKENS.get(obj.platform, x_sandbox.sandbox_token)
            obj.access_token = extracted or token(obj.handle)
        if create:
            obj.save()
