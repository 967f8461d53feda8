from __future__ import annotations

from typing import Any

import factory

from accounts.models import ApiKey, SocialAccount, Store
from accounts.services import api_key_create
from publishing.sandbox.x import sandbox_token, sandbox_user_id


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
    platform_account_id = factory.LazyAttribute(lambda o: sandbox_user_id(o.handle))
    status = SocialAccount.Status.CONNECTED

    @factory.post_generation
    def token(obj: SocialAccount, create: bool, extracted: Any, **kwargs: Any) -> None:
        obj.access_token = extracted or sandbox_token(obj.handle)
        if create:
            obj.save()
